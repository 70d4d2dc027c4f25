// SCHED_DEADLINE re-picks a CPU on a wake-up only when the woken task pre-empts the DL task running
// there (DeadlineClass.keepsPick, check_preempt_curr_dl; issue 14). The claim is that leaving out
// those re-picks changes nothing: random host-thread sets on 1–3 CPUs (affinities, jitter, switch
// costs, tick periods, a fair or RT neighbour, a VMU whose vCPU is a DL entity under a fair or EDF
// guest, cache interference) give byte-identical results with the check on and with every wake-up
// re-picking its CPU; and the check does leave re-picks out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { DeadlineClass } from '../models/kvm/deadline.js';
import type { HypervisorModel } from '../src/engine/model.js';
import { Simulator } from '../src/engine/simulator.js';
import { collectRun } from '../src/metrics/results.js';
import type { HostMemorySpec, Scenario, TaskSpec } from '../src/scenario/types.js';
import { host, hostThread, ms, scenario, task, us, vmu } from './helpers/scenario.js';

const PERIODS_MS = [2, 3, 5, 7, 10, 16];
const MEMORY: HostMemorySpec = {
  lineBytes: 64,
  bandwidthBytesPerNs: 10,
  levels: [
    { name: 'L2', sizeBytes: 2 ** 20, ways: 8, sharedBy: 1, missPenaltyNs: 10 },
    { name: 'L3', sizeBytes: 8 * 2 ** 20, ways: 16, sharedBy: 3, missPenaltyNs: 80 },
  ],
};

const shapes = fc.record({
  cpus: fc.integer({ min: 1, max: 3 }),
  tickMs: fc.constantFrom(1, 4),
  switchUs: fc.constantFrom(0, 2, 17),
  seed: fc.integer({ min: 1, max: 1000 }),
  tasks: fc.array(
    fc.record({ p: fc.integer({ min: 0, max: PERIODS_MS.length - 1 }), share: fc.integer({ min: 30, max: 200 }), mask: fc.integer({ min: 1, max: 7 }), jitter: fc.boolean(), offsetUs: fc.nat(3000) }),
    { minLength: 1, maxLength: 7 },
  ),
  extra: fc.constantFrom('none', 'none', 'fair', 'fifo', 'vcpu-fair', 'vcpu-edf'),
  cache: fc.boolean(),
});

type Shape = typeof shapes extends fc.Arbitrary<infer S> ? S : never;

function scenarioOf(shape: Shape): Scenario {
  // Within SCHED_DEADLINE admission (Σ ≤ CPUs), beside a vCPU's 30 %: overload is not the point here.
  const vcpu = shape.extra === 'vcpu-fair' || shape.extra === 'vcpu-edf';
  const total = shape.tasks.reduce((sum, t) => sum + t.share / 1000, 0);
  const scale = Math.min(1, (0.9 * shape.cpus - (vcpu ? 0.3 : 0)) / total);
  const threads = shape.tasks.map((t, i) => {
    const period = ms(PERIODS_MS[t.p]);
    const runtime = Math.max(us(20), Math.floor((period * t.share * scale) / 1000));
    const affinity = [0, 1, 2].filter((c) => c < shape.cpus && (t.mask & (1 << c)) !== 0);
    const spec: TaskSpec = task(`t${i}`, runtime, period, {
      policy: { class: 'deadline', runtime, deadline: period, period },
      affinity: affinity.length > 0 ? affinity : [0],
      ...(t.jitter && { exec: { kind: 'uniform', min: Math.round(runtime / 2), max: runtime } }),
    });
    const placed: TaskSpec = { ...spec, arrival: { kind: 'periodic', period, offset: us(t.offsetUs), jitter: 0 } };
    return hostThread(shape.cache ? { ...placed, memory: { workingSetBytes: (i + 1) * 2 ** 20, intensity: 0.3 } } : placed);
  });
  const neighbours =
    shape.extra === 'fair' || shape.extra === 'fifo'
      ? [hostThread(task('other', ms(1), ms(9), { policy: shape.extra === 'fair' ? { class: 'fair', nice: 0 } : { class: 'fifo', priority: 10 }, affinity: [0] }))]
      : [];
  const guest = { scheduler: shape.extra === 'vcpu-fair' ? ('fair' as const) : ('edf' as const), tickNs: ms(4) };
  const sla = { budget: ms(3), period: ms(10), deadline: ms(10) };
  const vmus = vcpu ? [vmu('vm', [task('g0', ms(1), ms(6)), task('g1', us(700), ms(4))], { affinity: [0], sla, guest })] : [];
  return scenario({
    durationNs: ms(300),
    seed: shape.seed,
    ...(shape.cache && { interference: 'cache' as const }),
    hosts: [host('ph1', shape.cpus, { tickNs: ms(shape.tickMs), contextSwitchNs: us(shape.switchUs), ...(shape.cache && { memory: MEMORY }) })],
    hostThreads: [...threads, ...neighbours],
    vmus,
  });
}

/** kvm-deadline with the wake-up check on or off, counting the re-picks its classes ask for. */
function run(sc: Scenario, check: boolean): { json: string; resched: number } {
  const base = findModel('kvm-deadline', '<test>', '');
  let resched = 0;
  const model: HypervisorModel = {
    ...base,
    build(setup) {
      const ctx = setup.ctx;
      const counting = Object.create(ctx) as typeof ctx;
      counting.resched = (cpu: number) => {
        resched++;
        ctx.resched(cpu);
      };
      const built = base.build({ ...setup, ctx: counting });
      for (const cls of built.classes) if (cls instanceof DeadlineClass) cls.wakeupPreemptCheck = check;
      return built;
    },
  };
  // Admission is not the point: a full CPU for DEADLINE tasks, whatever the fair_server takes.
  const sim = new Simulator(sc, model, { params: { kernel: '5.10', rtRuntime: '1s', rtPeriod: '1s' } });
  sim.run();
  return { json: JSON.stringify(collectRun(sim, [])), resched };
}

describe('SCHED_DEADLINE wake-up pre-emption check', () => {
  it('results are byte-identical with and without it, and it leaves re-picks out', () => {
    let fewer = 0;
    fc.assert(
      fc.property(shapes, (shape) => {
        const sc = scenarioOf(shape);
        const general = run(sc, false);
        const fast = run(sc, true);
        expect(fast.json).toBe(general.json);
        expect(fast.resched).toBeLessThanOrEqual(general.resched);
        if (fast.resched < general.resched) fewer++;
      }),
      { numRuns: 60, seed: 1414 },
    );
    expect(fewer).toBeGreaterThan(10);
  });
});
