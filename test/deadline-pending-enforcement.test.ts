// SCHED_DEADLINE's exact-enforcement timer is armed at a start pending behind its CPU's completion
// timer (CbsServer.armEnforcementBehind, Timer.armBehind; issue 14): where the job's completion
// comes first, the completion's settle exhausts the budget and cancels the timer before it ever
// enters the queue; where it does not — a job whose demand overruns its budget, a switch overhead
// that moves the completion past the budget's end, a job that ends early and the task goes on with
// a queued one — the timer goes into the queue at its time with the key it was armed with, and
// fires as before. The claim is that nothing observable changes: random task sets (with GRUB
// reclaimers, a fair_server and a DL vCPU beside them, which take the general path) run with
// pending arms on and off give byte-identical results.json, event counts included; and the runs do
// cancel pending timers, and do fire enforcement.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { CbsServer } from '../models/kvm/cbs.js';
import { DeadlineClass } from '../models/kvm/deadline.js';
import { EventQueue } from '../src/engine/event-queue.js';
import type { HypervisorModel } from '../src/engine/model.js';
import { Simulator } from '../src/engine/simulator.js';
import { collectRun } from '../src/metrics/results.js';
import type { Arrival, ExecDist, Scenario } from '../src/scenario/types.js';
import { host, ms, scenario, task, us, vmu } from './helpers/scenario.js';

const PERIODS_MS = [2, 5, 8, 13];

const threadShape = fc.record({
  p: fc.integer({ min: 0, max: PERIODS_MS.length - 1 }),
  /** Reservation share of its period, in ‰. */
  share: fc.integer({ min: 40, max: 250 }),
  /** Jobs against the reservation's period: the same, back to back (faster: jobs queue), sporadic. */
  arrival: fc.constantFrom('same', 'same', 'faster', 'sporadic'),
  /** Demand against the runtime: equal (the completion exhausts the budget), under, spread, overrun (the timer fires). */
  exec: fc.constantFrom('equal', 'equal', 'under', 'spread', 'overrun'),
  offsetUs: fc.nat(3000),
  mask: fc.integer({ min: 1, max: 3 }),
  /** SCHED_FLAG_RECLAIM (GRUB): then the whole class takes the general path. */
  reclaim: fc.constantFrom(false, false, false, false, false, false, false, true),
});

const shapes = fc.record({
  cpus: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 1, max: 1000 }),
  switchUs: fc.constantFrom(0, 0, 3, 20),
  threads: fc.array(threadShape, { minLength: 1, maxLength: 6 }),
  /** 6.12: a fair_server runs a busy CFS thread in the DL band, with its own enforcement timer. */
  kernel: fc.constantFrom('5.10', '6.12'),
  fairThread: fc.boolean(),
  /** A VMU whose vCPU is a DL entity: its guest's job completions are the pCPU's completion timer. */
  vcpu: fc.boolean(),
  warmup: fc.boolean(),
});

type Shape = typeof shapes extends fc.Arbitrary<infer S> ? S : never;

function arrivalOf(kind: string, period: number, offset: number): Arrival {
  if (kind === 'faster') return { kind: 'periodic', period: Math.round(period * 0.5), offset, jitter: 0 };
  if (kind === 'sporadic') return { kind: 'sporadic', minInterArrival: Math.round(period * 0.8), extraMean: Math.round(period * 0.5), offset };
  return { kind: 'periodic', period, offset, jitter: 0 };
}

function execOf(kind: string, runtime: number): ExecDist {
  if (kind === 'under') return { kind: 'constant', value: Math.round(runtime * 0.7) };
  if (kind === 'spread') return { kind: 'uniform', min: Math.round(runtime / 2), max: Math.round(runtime * 1.3) };
  if (kind === 'overrun') return { kind: 'constant', value: Math.round(runtime * 1.6) };
  return { kind: 'constant', value: runtime };
}

function scenarioOf(shape: Shape): Scenario {
  // Within admission (Σ runtime/period ≤ 0.75 per CPU beside the vCPU's 20 % and the fair_server's 10 %): overload is not the point.
  const total = shape.threads.reduce((sum, t) => sum + t.share / 1000, 0);
  const scale = Math.min(1, (0.75 * shape.cpus - (shape.vcpu ? 0.2 : 0)) / total);
  const threads = shape.threads.map((t, i) => {
    const period = ms(PERIODS_MS[t.p]);
    const runtime = Math.max(us(20), Math.floor((period * t.share * scale) / 1000));
    const affinity = [0, 1].filter((c) => c < shape.cpus && (t.mask & (1 << c)) !== 0);
    return {
      ...task(`t${i}`, runtime, period, {
        arrival: arrivalOf(t.arrival, period, us(t.offsetUs)),
        exec: execOf(t.exec, runtime),
        policy: { class: 'deadline', runtime, deadline: period, period, ...(t.reclaim && { reclaim: true }) },
        affinity: affinity.length > 0 ? affinity : [0],
      }),
      host: 'ph1',
    };
  });
  if (shape.fairThread) threads.push({ ...task('bg', ms(50), ms(60), { policy: { class: 'fair', nice: 0 }, affinity: [0] }), host: 'ph1' });
  const vmus = shape.vcpu
    ? [vmu('vm', [task('g0', us(900), ms(6)), task('g1', us(500), ms(4), { exec: { kind: 'constant', value: us(900) } })], { affinity: [0], sla: { budget: ms(2), period: ms(10), deadline: ms(10) }, guest: { scheduler: 'edf', tickNs: ms(4) } })]
    : [];
  return scenario({
    durationNs: ms(120),
    warmupNs: shape.warmup ? ms(15) : 0,
    seed: shape.seed,
    hosts: [host('ph1', shape.cpus, { tickNs: ms(4), contextSwitchNs: us(shape.switchUs) })],
    hostThreads: threads,
    vmus,
  });
}

interface Counts {
  /** Enforcement timers that fired (the budget ran out before the job's completion). */
  enforced: number;
  /** Timers cancelled while pending: never in the queue. */
  cancelledPending: number;
}

/** kvm-deadline with pending arms on or off: results.json, and what the enforcement timers did. */
function run(sc: Scenario, kernel: string, pending: boolean): { json: string; counts: Counts } {
  const base = findModel('kvm-deadline', '<test>', '');
  const model: HypervisorModel = {
    ...base,
    build(setup) {
      const built = base.build(setup);
      for (const cls of built.classes) if (cls instanceof DeadlineClass) cls.pendingEnforcements = pending;
      return built;
    },
  };
  const counts: Counts = { enforced: 0, cancelledPending: 0 };
  const enforcementFired = CbsServer.prototype.enforcementFired;
  const cancelOut = EventQueue.prototype.cancelOut;
  CbsServer.prototype.enforcementFired = function (this: CbsServer) {
    counts.enforced++;
    enforcementFired.call(this);
  };
  EventQueue.prototype.cancelOut = function (this: EventQueue, t) {
    if (t.held < 0) counts.cancelledPending++;
    cancelOut.call(this, t);
  };
  try {
    // Admission is not the point: a full CPU for DEADLINE tasks, a small fair_server.
    const params = { kernel, rtRuntime: '1s', rtPeriod: '1s', fairServerRuntime: '1ms', fairServerPeriod: '10ms' };
    const sim = new Simulator(sc, model, { params });
    sim.run();
    return { json: JSON.stringify(collectRun(sim, [])), counts };
  } finally {
    CbsServer.prototype.enforcementFired = enforcementFired;
    EventQueue.prototype.cancelOut = cancelOut;
  }
}

describe('SCHED_DEADLINE enforcement timers armed pending behind the completion timer', () => {
  it('results are byte-identical with and without pending arms, and both cases happen', () => {
    const seen: Counts = { enforced: 0, cancelledPending: 0 };
    fc.assert(
      fc.property(shapes, (shape) => {
        const sc = scenarioOf(shape);
        const general = run(sc, shape.kernel, false);
        const fast = run(sc, shape.kernel, true);
        expect(fast.json).toBe(general.json);
        expect(fast.counts.enforced).toBe(general.counts.enforced);
        expect(general.counts.cancelledPending).toBe(0);
        seen.enforced += fast.counts.enforced;
        seen.cancelledPending += fast.counts.cancelledPending;
      }),
      { numRuns: 60, seed: 1415 },
    );
    expect(seen.enforced).toBeGreaterThan(500);
    expect(seen.cancelledPending).toBeGreaterThan(1000);
  });
});
