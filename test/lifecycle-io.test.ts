// Issue 13, VMU lifecycle and I/O:
// - A boot's disk reads cross the stack's own I/O path one after another (blkfront → dom0 blkback
//   under Xen, xen.md §7.2; guest → iothread → disk under KVM, linux-irmos.md §7.2), then its CPU
//   burst runs: on an idle host the boot time is reads × (the path's CPU stages + the device time) +
//   the burst; a neighbour keeping dom0/the device busy makes it longer.
// - I/O loads and rt-app programs live with their VMU: nothing issued before its start (or boot end)
//   nor at or after its stop; a request in flight at the stop goes no further.

import { describe, expect, it } from 'vitest';
import type { HypervisorModel } from '../src/engine/model.js';
import { simulate } from '../src/experiments/simulate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { MODELS } from '../models/index.js';

const modelNamed = (name: string): HypervisorModel => MODELS.find((m) => m.name === name)!;
const MS = 1_000_000;

function bootScenario(neighbourIo: boolean) {
  return normalizeScenario(
    {
      name: 'boot',
      duration: '1s',
      hosts: [{ id: 'ph1', cpus: 2 }],
      vmus: [
        { id: 'guest', host: 'ph1', start: '100ms', boot: { cpu: '50ms', disk: { reads: 40, device: '1ms' } }, tasks: [{ id: 'app', kind: 'periodic', period: '10ms', exec: '1ms' }] },
        ...(neighbourIo ? [{ id: 'noisy', host: 'ph1', io: [{ id: 'scan', kind: 'disk', period: '1ms', compute: '50us', device: '900us' }], tasks: [] }] : []),
      ],
    },
    'boot.yaml',
  );
}

/** The model's fixed CPU costs along the boot reads' path (every stage but the device), from its own ioPath. */
function pathCpuNs(model: HypervisorModel, sc: ReturnType<typeof bootScenario>): number {
  const vmu = sc.vmus.find((v) => v.id === 'guest')!;
  const load = vmu.io.find((l) => l.id === 'guest.boot-disk')!;
  const stages = model.ioPath!(load, vmu, { scenario: sc, host: sc.hosts[0], params: {}, paramsPointer: '' });
  return stages.reduce((sum, s) => sum + (s.kind === 'cpu' && s.costNs !== 'compute' ? s.costNs : 0), 0);
}

describe('boot disk reads', () => {
  for (const name of ['xen-credit', 'xen-sedf', 'kvm-irmos', 'kvm-linux']) {
    const model = modelNamed(name);
    it(`${name}: on an idle host the boot takes 40 × (path CPU + 1 ms device) + 50 ms, and the tasks release from its end`, () => {
      const sc = bootScenario(false);
      const releases: number[] = [];
      const run = simulate(sc, model, undefined, { observer: { release: (now, task) => task.id === 'app' && releases.push(now) } });
      const expected = 40 * (pathCpuNs(model, sc) + MS) + 50 * MS;
      const verdict = run.lifecycle!.find((v) => v.vmu === 'guest')!;
      expect(verdict.bootTimeNs).toBe(expected);
      expect(releases[0]).toBe(100 * MS + expected);
      expect(run.io.find((l) => l.id === 'guest.boot-disk')!.requests).toBe(40);
    });
    it(`${name}: a neighbour's disk load through the same backend and device makes the boot longer`, () => {
      const idle = simulate(bootScenario(false), model).lifecycle![0].bootTimeNs!;
      const busy = simulate(bootScenario(true), model).lifecycle!.find((v) => v.vmu === 'guest')!.bootTimeNs!;
      expect(busy).toBeGreaterThan(idle);
    });
  }
});

describe('I/O loads and programs live with their VMU', () => {
  const raw = {
    name: 'io-life',
    duration: '100ms',
    hosts: [{ id: 'ph1', cpus: 1 }],
    vmus: [
      {
        id: 'vm',
        host: 'ph1',
        start: '20ms',
        stop: '60ms',
        io: [{ id: 'disk', kind: 'disk', period: '1ms', compute: '100us', device: '300us' }],
        tasks: [{ id: 'prog', kind: 'program', phases: [{ steps: [{ run: '1ms' }, { sleep: '4ms' }] }] }],
      },
    ],
  };
  for (const name of ['xen-credit', 'kvm-irmos', 'kvm-deadline']) {
    it(`${name}: requests every 1 ms only in [20 ms, 60 ms), none continued after the stop; the program runs only then`, () => {
      const sc = normalizeScenario(raw, 'io-life.yaml');
      const disk: number[] = [];
      const prog: number[] = [];
      const run = simulate(sc, modelNamed(name), undefined, {
        observer: {
          release(now, task) {
            if (task.id === 'disk') disk.push(now);
            if (task.id === 'prog') prog.push(now);
          },
        },
      });
      // Periodic arrivals at 20 + k ms for k = 0…39: 40 requests.
      expect(run.io.find((l) => l.id === 'disk')!.requests).toBe(40);
      expect(Math.min(...disk)).toBe(20 * MS);
      expect(Math.max(...disk)).toBeLessThan(60 * MS);
      expect(prog[0]).toBe(20 * MS);
      expect(Math.max(...prog)).toBeLessThan(60 * MS);
    });
  }
});
