// SCHED_DEADLINE holds the replenishment of a throttled task whose work blocked instead of firing it
// as an event (CbsServer.holdIdleReplenishment, Timer.hold; issue 14): such a replenishment only
// refills (c, d) of a server nobody reads until its next wake-up (linux-irmos.md §4.2 "if the task is
// not queued, just replenish; the wake-up rule runs later"). The claim is that nothing observable
// changes: random SCHED_DEADLINE host-thread sets — tasks that wake at, before and after the instant
// their replenishment falls on (arrival periods unlike the reservation's, sporadic and Poisson
// arrivals, wake-up delays), that overrun their runtime and so stay throttled with work, constrained
// deadlines, a DL vCPU under a guest whose SLA changes mid-run (sched_setattr on a held server),
// warm-up — give byte-identical results.json, event counts included, with holding on and off; and
// the runs do hold replenishments, fire held ones late, and put held ones back in the queue.
// With an observer of the class's notes (a trace), nothing is held: the notes are the same too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { DeadlineClass } from '../models/kvm/deadline.js';
import { Timer } from '../src/engine/event-queue.js';
import type { HypervisorModel } from '../src/engine/model.js';
import { Simulator, type SimObserver } from '../src/engine/simulator.js';
import { collectRun } from '../src/metrics/results.js';
import type { Arrival, ExecDist, Scenario } from '../src/scenario/types.js';
import { host, hostThread, ms, scenario, task, us, vmu } from './helpers/scenario.js';

const RESERVATION_PERIODS_MS = [2, 5, 8, 13];

const threadShape = fc.record({
  p: fc.integer({ min: 0, max: RESERVATION_PERIODS_MS.length - 1 }),
  /** Reservation share of its period, in ‰. */
  share: fc.integer({ min: 40, max: 220 }),
  /** Relative deadline as ‰ of the period (< 1000: constrained, §4.2). */
  deadline: fc.constantFrom(1000, 1000, 700, 450),
  /** How jobs arrive against the reservation's period: the same, faster, slower, sporadic, Poisson. */
  arrival: fc.constantFrom('same', 'same', 'faster', 'slower', 'sporadic', 'poisson'),
  /** Demand against the runtime: equal (each job ends its budget), a spread, or an overrun. */
  exec: fc.constantFrom('equal', 'equal', 'spread', 'overrun'),
  offsetUs: fc.nat(4000),
  mask: fc.integer({ min: 1, max: 3 }),
});

const shapes = fc.record({
  cpus: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 1, max: 1000 }),
  threads: fc.array(threadShape, { minLength: 1, maxLength: 6 }),
  wakeDelayUs: fc.constantFrom(0, 0, 3, 40),
  warmup: fc.boolean(),
  /** A VMU whose one vCPU is a DL entity, its SLA changed at this instant (ms), or none. */
  vcpuSlaChangeMs: fc.option(fc.integer({ min: 1, max: 149 }), { nil: undefined }),
});

type Shape = typeof shapes extends fc.Arbitrary<infer S> ? S : never;

function arrivalOf(kind: string, period: number, offset: number): Arrival {
  if (kind === 'faster') return { kind: 'periodic', period: Math.round(period * 0.6), offset, jitter: 0 };
  if (kind === 'slower') return { kind: 'periodic', period: Math.round(period * 1.7), offset, jitter: 0 };
  if (kind === 'sporadic') return { kind: 'sporadic', minInterArrival: Math.round(period * 0.8), extraMean: Math.round(period * 0.5), offset };
  if (kind === 'poisson') return { kind: 'poisson', ratePerSec: 1e9 / period, offset };
  return { kind: 'periodic', period, offset, jitter: 0 };
}

function execOf(kind: string, runtime: number): ExecDist {
  if (kind === 'spread') return { kind: 'uniform', min: Math.round(runtime / 2), max: Math.round(runtime * 1.2) };
  if (kind === 'overrun') return { kind: 'constant', value: Math.round(runtime * 1.5) };
  return { kind: 'constant', value: runtime };
}

function scenarioOf(shape: Shape): Scenario {
  // Within admission (Σ runtime/period ≤ 0.9 per CPU beside the vCPU's 20 %): overload is not the point.
  const vcpu = shape.vcpuSlaChangeMs !== undefined;
  const total = shape.threads.reduce((sum, t) => sum + t.share / 1000, 0);
  const scale = Math.min(1, (0.9 * shape.cpus - (vcpu ? 0.2 : 0)) / total);
  const threads = shape.threads.map((t, i) => {
    const period = ms(RESERVATION_PERIODS_MS[t.p]);
    const deadline = Math.round((period * t.deadline) / 1000);
    const runtime = Math.max(us(20), Math.min(deadline, Math.floor((period * t.share * scale) / 1000)));
    const affinity = [0, 1].filter((c) => c < shape.cpus && (t.mask & (1 << c)) !== 0);
    return hostThread(
      task(`t${i}`, runtime, period, {
        arrival: arrivalOf(t.arrival, period, us(t.offsetUs)),
        exec: execOf(t.exec, runtime),
        deadline,
        policy: { class: 'deadline', runtime, deadline, period },
        affinity: affinity.length > 0 ? affinity : [0],
      }),
    );
  });
  const sla = { budget: ms(2), period: ms(10), deadline: ms(10) };
  const vmus = vcpu
    ? [
        vmu('vm', [task('g0', us(900), ms(6)), task('g1', us(400), ms(4))], {
          affinity: [0],
          sla,
          guest: { scheduler: 'edf', tickNs: ms(4) },
          slaChanges: [{ atNs: ms(shape.vcpuSlaChangeMs!), sla: { budget: us(1500), period: ms(7), deadline: ms(7) } }],
        }),
      ]
    : [];
  const delay = us(shape.wakeDelayUs);
  return scenario({
    durationNs: ms(150),
    warmupNs: shape.warmup ? ms(20) : 0,
    seed: shape.seed,
    hosts: [host('ph1', shape.cpus, { tickNs: ms(4), ...(delay > 0 && { overheads: { timerInterruptNs: delay, wakeupNs: 0, vmExitNs: 0 } }) })],
    hostThreads: threads,
    vmus,
  });
}

interface Counts {
  /** Held timers that fired (late, or at the run's end) instead of from the queue. */
  heldFirings: number;
  /** Held timers put back in the queue (work came back before their instant). */
  placed: number;
}

/** kvm-deadline with holding on or off: results.json, and what the held timers did. */
function run(sc: Scenario, hold: boolean, observer?: SimObserver): { json: string; counts: Counts } {
  const base = findModel('kvm-deadline', '<test>', '');
  const model: HypervisorModel = {
    ...base,
    build(setup) {
      const built = base.build(setup);
      for (const cls of built.classes) if (cls instanceof DeadlineClass) cls.holdIdleReplenishments = hold;
      return built;
    },
  };
  const counts: Counts = { heldFirings: 0, placed: 0 };
  const place = Timer.prototype.place;
  Timer.prototype.place = function (this: Timer) {
    if (this.held >= 0) counts.placed++;
    place.call(this);
  };
  try {
    // Admission is not the point: a full CPU for DEADLINE tasks, whatever the fair_server takes.
    const sim = new Simulator(sc, model, { params: { kernel: '5.10', rtRuntime: '1s', rtPeriod: '1s' }, ...(observer && { observer }) });
    const take = sim.queue.takeHeldFirings.bind(sim.queue);
    sim.queue.takeHeldFirings = () => {
      const n = take();
      counts.heldFirings += n;
      return n;
    };
    sim.run();
    return { json: JSON.stringify(collectRun(sim, [])), counts };
  } finally {
    Timer.prototype.place = place;
  }
}

describe('SCHED_DEADLINE held replenishments of idle throttled tasks', () => {
  it('results are byte-identical with and without holding, and holding happens', () => {
    const seen: Counts = { heldFirings: 0, placed: 0 };
    fc.assert(
      fc.property(shapes, (shape) => {
        const sc = scenarioOf(shape);
        const general = run(sc, false);
        const fast = run(sc, true);
        expect(fast.json).toBe(general.json);
        expect(general.counts).toEqual({ heldFirings: 0, placed: 0 });
        seen.heldFirings += fast.counts.heldFirings;
        seen.placed += fast.counts.placed;
      }),
      { numRuns: 60, seed: 2714 },
    );
    expect(seen.heldFirings).toBeGreaterThan(1000);
    expect(seen.placed).toBeGreaterThan(10);
  });

  it('an observer of the class notes sees the same replenishments at the same instants: nothing is held then', () => {
    const sc = scenarioOf({
      cpus: 1,
      seed: 7,
      threads: [
        { p: 1, share: 200, deadline: 1000, arrival: 'same', exec: 'equal', offsetUs: 0, mask: 1 },
        { p: 2, share: 300, deadline: 1000, arrival: 'sporadic', exec: 'equal', offsetUs: 300, mask: 1 },
      ],
      wakeDelayUs: 0,
      warmup: false,
      vcpuSlaChangeMs: undefined,
    });
    const notes = (hold: boolean) => {
      const seen: string[] = [];
      const { json, counts } = run(sc, hold, { policy: (now, _host, kind, cpu, e) => seen.push(`${now} ${kind} ${cpu} ${e?.id ?? '-'}`) });
      return { json, counts, seen };
    };
    const general = notes(false);
    const fast = notes(true);
    expect(general.seen.filter((n) => n.includes('replenish')).length).toBeGreaterThan(30);
    expect(fast.seen).toEqual(general.seen);
    expect(fast.json).toBe(general.json);
    expect(fast.counts.heldFirings).toBe(0);
  });
});
