// The engine leaves out host ticks that change nothing (ClassStack.elidableTicks, issue 14): on a CPU
// where only SCHED_DEADLINE or IRMOS reservations with exact enforcement run, and the fair and RT
// classes that ask for the tick have no entity at all, a tick is only a settle that splits a
// segment in two. The claim is that results are then identical, to the byte, to a run that fires
// every tick: checked here over random task sets, CPU counts, affinities, switch costs and tick
// periods, with guests that do and do not charge their tasks and with a fair or RT thread that
// keeps the ticks on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../src/engine/simulator.js';
import { collectRun } from '../src/metrics/results.js';
import type { Policy, Scenario, TaskSpec } from '../src/scenario/types.js';
import { findModel } from '../models/index.js';
import { host, hostThread, ms, scenario, task, us, vmu } from './helpers/scenario.js';

const PERIODS_MS = [2, 3, 4, 5, 7, 10, 16, 25];

interface Shape {
  cpus: number;
  tickMs: number;
  switchUs: number;
  seed: number;
  /** Per task: period index, share of a CPU in per-mille, affinity mask bits, demand jitter. */
  tasks: { p: number; share: number; mask: number; jitter: boolean }[];
  /** A fair (or RT) host thread too, which keeps its CPUs' ticks on. */
  extra: 'none' | 'fair' | 'fifo';
}

const shapes = fc.record({
  cpus: fc.integer({ min: 1, max: 3 }),
  tickMs: fc.constantFrom(1, 4, 3.3),
  switchUs: fc.constantFrom(0, 2, 17),
  seed: fc.integer({ min: 1, max: 1000 }),
  tasks: fc.array(fc.record({ p: fc.integer({ min: 0, max: PERIODS_MS.length - 1 }), share: fc.integer({ min: 20, max: 150 }), mask: fc.integer({ min: 1, max: 7 }), jitter: fc.boolean() }), { minLength: 1, maxLength: 6 }),
  extra: fc.constantFrom('none', 'none', 'fair', 'fifo'),
});

function taskSpecs(shape: Shape, policy: (runtime: number, period: number) => Policy, cpus: number): TaskSpec[] {
  return shape.tasks.map((t, i) => {
    const period = ms(PERIODS_MS[t.p]);
    const runtime = Math.max(us(20), Math.round((period * t.share) / 1000));
    const affinity = [0, 1, 2].filter((c) => c < cpus && (t.mask & (1 << c)) !== 0);
    return task(`t${i}`, runtime, period, {
      policy: policy(runtime, period),
      affinity: affinity.length > 0 ? affinity : [0],
      ...(t.jitter && { exec: { kind: 'uniform', min: Math.round(runtime / 2), max: runtime } }),
    });
  });
}

function withExtra(sc: Scenario, extra: Shape['extra']): Scenario {
  if (extra === 'none') return sc;
  const policy: Policy = extra === 'fair' ? { class: 'fair', nice: 0 } : { class: 'fifo', priority: 10 };
  return { ...sc, hostThreads: [...sc.hostThreads, hostThread(task('other', ms(1), ms(9), { policy, affinity: [0] }))] };
}

/** The results of `sc` under `model`, and how many tick grids the engine left out. */
function run(sc: Scenario, model: string, params: Record<string, unknown>, elideTicks: boolean): { json: string; elided: number } {
  const sim = new Simulator(sc, findModel(model, '<test>', ''), { params, elideTicks });
  sim.run();
  return { json: JSON.stringify(collectRun(sim, [])), elided: sim.elidedTickCpus };
}

function sameWithAndWithout(sc: Scenario, model: string, params: Record<string, unknown>): number {
  const all = run(sc, model, params, false);
  const elided = run(sc, model, params, true);
  expect(all.elided).toBe(0);
  expect(elided.json).toBe(all.json);
  return elided.elided;
}

describe('leaving out no-op host ticks', () => {
  it('SCHED_DEADLINE host threads (kvm-deadline): results identical with every tick fired', () => {
    let elidedSomewhere = 0;
    fc.assert(
      fc.property(shapes, (shape) => {
        const threads = taskSpecs(shape, (runtime, period) => ({ class: 'deadline', runtime, deadline: period, period }), shape.cpus).map((t) => hostThread(t));
        const sc = withExtra(
          scenario({ durationNs: ms(300), seed: shape.seed, hosts: [host('ph1', shape.cpus, { tickNs: Math.round(shape.tickMs * 1e6), contextSwitchNs: us(shape.switchUs) })], hostThreads: threads }),
          shape.extra,
        );
        // Admission is not the point here: a full CPU for DEADLINE tasks, whatever the fair_server takes.
        elidedSomewhere += sameWithAndWithout(sc, 'kvm-deadline', { kernel: '5.10', rtRuntime: '1s', rtPeriod: '1s' });
      }),
      { numRuns: 40, seed: 14 },
    );
    expect(elidedSomewhere).toBeGreaterThan(0);
  });

  it('guests on IRMOS reservations (kvm-irmos), EDF and fixed-priority guests: results identical with every tick fired', () => {
    let elidedSomewhere = 0;
    fc.assert(
      fc.property(shapes, fc.constantFrom('edf', 'fifo', 'fair'), (shape, guest) => {
        const vcpus = shape.cpus;
        const tasks = taskSpecs(shape, () => (guest === 'fifo' ? { class: 'rr', priority: 20 } : { class: 'fifo', priority: 20 }), vcpus);
        const vm = vmu('vm', tasks, {
          vcpus,
          affinity: Array.from({ length: shape.cpus }, (_, i) => i),
          pinVcpus: true,
          sla: { budget: ms(6), period: ms(10), deadline: ms(10) },
          guest: { scheduler: guest as 'edf' | 'fifo' | 'fair', tickNs: ms(4) },
        });
        const sc = withExtra(
          scenario({ durationNs: ms(300), seed: shape.seed, hosts: [host('ph1', shape.cpus, { tickNs: Math.round(shape.tickMs * 1e6), contextSwitchNs: us(shape.switchUs) })], vmus: [vm] }),
          shape.extra,
        );
        elidedSomewhere += sameWithAndWithout(sc, 'kvm-irmos', {});
      }),
      { numRuns: 40, seed: 41 },
    );
    expect(elidedSomewhere).toBeGreaterThan(0);
  });

  it('keeps every tick of a host where a fair thread exists, and none of a DEADLINE-only host', () => {
    const threads = [hostThread(task('d', ms(1), ms(5), { policy: { class: 'deadline', runtime: ms(1), deadline: ms(5), period: ms(5) }, affinity: [0, 1] }))];
    const fair = hostThread(task('f', ms(1), ms(9), { policy: { class: 'fair', nice: 0 }, affinity: [1] }));
    const sc = scenario({ durationNs: ms(50), hosts: [host('ph1', 2)], hostThreads: [...threads, fair] });
    // The fair class's tick balances across CPUs: with a member anywhere it stays on every CPU.
    expect(run(sc, 'kvm-deadline', { kernel: '5.10' }, true).elided).toBe(0);
    expect(run({ ...sc, hostThreads: threads }, 'kvm-deadline', { kernel: '5.10' }, true).elided).toBe(2);
  });
});
