// Issue 13, VMU lifecycle and the network:
// - A flow's packets leave on the flow's own clock (its `start`, rate, times: absolute instants), but
//   only while its source VMU is up — from its start (its boot's end when it boots: its application
//   runs from then, as its tasks do) until its stop, exclusive. A CBR flow of period T from offset o
//   sends exactly #{k : start ≤ o + kT < stop} packets.
// - Where the network cannot follow a VMU that comes and goes — a flow's destination, any stage of a
//   request chain — the scenario is refused, naming the field (src/scenario/lifecycle.ts says why).

import { describe, expect, it } from 'vitest';
import type { HypervisorModel } from '../src/engine/model.js';
import { simulate } from '../src/experiments/simulate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { InputError } from '../src/errors.js';
import { MODELS } from '../models/index.js';

const modelNamed = (name: string): HypervisorModel => MODELS.find((m) => m.name === name)!;
const MS = 1_000_000;

const raw = (sender: Record<string, unknown>, flow: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'flow-life',
  duration: '100ms',
  hosts: [{ id: 'ph1', cpus: 2 }],
  vmus: [
    { id: 'src', host: 'ph1', tasks: [], ...sender },
    { id: 'dst', host: 'ph1', tasks: [] },
  ],
  flows: [{ id: 'cbr', from: 'src', to: 'dst', size: 200, ...flow }],
  ...extra,
});

/** #{k ≥ 0 : from ≤ offset + k·period < to}. */
const departuresIn = (offset: number, period: number, from: number, to: number) => {
  let n = 0;
  for (let t = offset; t < to; t += period) if (t >= from) n++;
  return n;
};

describe('a flow lives with its source VMU', () => {
  for (const name of ['xen-credit', 'kvm-irmos', 'kvm-deadline']) {
    it(`${name}: a CBR flow (every 3 ms from 1 ms) from a VMU living [20 ms, 60 ms) sends exactly the packets due then, and delivers them all`, () => {
      const run = simulate(normalizeScenario(raw({ start: '20ms', stop: '60ms' }, { rate: `${1000 / 3}/s`, start: '1ms' }), 'f.yaml'), modelNamed(name));
      const flow = run.flows!.find((f) => f.id === 'cbr')!;
      const period = Math.round(3 * MS);
      // 22, 25, …, 58 ms: 13 packets (without the lifetime: 34 over the 100 ms).
      expect(flow.sent).toBe(departuresIn(MS, period, 20 * MS, 60 * MS));
      expect(flow.sent).toBe(13);
      expect(flow.delivered).toBe(flow.sent);
    });
  }

  it('kvm-irmos: with a boot, the flow sends from the boot\'s end (its tasks\' first release), not from the start', () => {
    const sc = normalizeScenario(raw({ start: '20ms', boot: { cpu: '7ms' }, tasks: [{ id: 'app', kind: 'periodic', period: '10ms', exec: '1ms' }] }, { rate: '1000/s' }), 'f.yaml');
    let firstRelease = -1;
    const run = simulate(sc, modelNamed('kvm-irmos'), undefined, {
      observer: {
        release(now, task) {
          if (task.id === 'app' && firstRelease < 0) firstRelease = now;
        },
      },
    });
    expect(firstRelease).toBeGreaterThanOrEqual(27 * MS); // the 7 ms burst cannot end before 27 ms
    // A departure every 1 ms on the flow's clock, from the boot's end (inclusive or not: same-instant order) to the end (100 ms inclusive).
    const sent = run.flows!.find((f) => f.id === 'cbr')!.sent;
    const due = departuresIn(0, MS, firstRelease, 100 * MS + 1);
    expect(sent === due || sent === due - 1).toBe(true);
  });
});

describe('where the network cannot follow a lifetime, the scenario is refused', () => {
  const refusal = (scenario: unknown): InputError => {
    try {
      normalizeScenario(scenario, 's.yaml');
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    throw new Error('no InputError');
  };

  it('a flow to a VMU with a stop names /flows/0/to', () => {
    const sc = raw({}, { rate: '1000/s' });
    (sc.vmus[1] as Record<string, unknown>).stop = '50ms';
    const e = refusal(sc);
    expect(e.pointer).toBe('/flows/0/to');
    expect(e.found).toBe('VMU dst with stop');
  });

  it('a chain whose compute stage runs in a VMU with a start names that stage', () => {
    const sc = {
      ...raw({ start: '10ms' }, { rate: '1000/s' }),
      flows: [],
      chains: [{ id: 'req', rate: '100/s', stages: [{ hop: { from: 'dst', to: 'src' } }, { compute: { vmu: 'src', demand: '100us' } }] }],
    };
    const e = refusal(sc);
    expect(e.pointer).toBe('/chains/0/stages/0/hop/to');
    expect(e.found).toBe('VMU src with start');
  });
});
