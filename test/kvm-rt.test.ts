import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HypervisorModel } from '../src/engine/model.js';
import { simulate } from '../src/experiments/simulate.js';
import type { TaskSpec } from '../src/scenario/types.js';
import { CfsClass } from '../models/kvm/fair.js';
import { RtClass, type RtClassOptions } from '../models/kvm/rt.js';
import { busyTask, host, hostThread, ms, periodic, s, scenario, task } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';


/** Host threads placed by their policy: fifo/rr → RtClass (group from `groupOf`), fair → CfsClass. */
function rtModel(opts: RtClassOptions, groupOf: Record<string, string> = {}): HypervisorModel & { rt?: RtClass } {
  const model: HypervisorModel & { rt?: RtClass } = {
    name: 'test-kvm-rt',
    family: 'kvm',
    summary: 'test',
    build({ entities, ctx }) {
      const rt = new RtClass(ctx, opts);
      const cfs = new CfsClass(ctx, { groups: [] });
      model.rt = rt;
      for (const e of entities) {
        const pol = (e.origin as { spec: TaskSpec }).spec.policy;
        if (pol.class === 'fifo' || pol.class === 'rr') rt.admit(e, { priority: pol.priority, rr: pol.class === 'rr', group: groupOf[e.id] });
        else if (pol.class === 'fair') cfs.admit(e, { nice: pol.nice });
      }
      return { classes: [rt, cfs], mapping: [], settings: {} };
    },
  };
  return model;
}

/** A FIFO busy loop 'hog' and a fair busy loop 'other' on one CPU for 4 s under root throttling 950 ms / 1 s. */
function hogAndFairLoop(root: Partial<RtClassOptions['root']> = {}): ServiceLog {
  const sc = scenario({
    durationNs: s(4),
    hostThreads: [
      hostThread(busyTask('hog', { policy: { class: 'fifo', priority: 50 } })),
      hostThread(busyTask('other', { policy: { class: 'fair', nice: 0 } })),
    ],
  });
  const log = new ServiceLog();
  simulate(sc, rtModel({ root: { runtimeNs: ms(950), periodNs: s(1), ...root }, runtimeShare: false, groups: [] }), undefined, { observer: log.observer });
  return log.close(sc.durationNs);
}

describe('stock RT throttling (linux-irmos.md §3.1)', () => {
  it('a FIFO busy loop gets 950 ms of every 1 s and a CFS busy loop gets the remaining 50 ms at the end of each period', () => {
    const log = hogAndFairLoop();
    const tick = ms(1);
    for (let k = 0; k < 4; k++) {
      const p0 = s(k);
      expect(Math.abs(log.service('hog', p0, p0 + s(1)) - ms(950))).toBeLessThanOrEqual(tick);
      expect(Math.abs(log.service('other', p0, p0 + s(1)) - ms(50))).toBeLessThanOrEqual(tick);
      // CFS's 50 ms is the tail of the period: nothing for it in the first 950 ms.
      expect(log.service('other', p0, p0 + ms(949))).toBe(0);
      expect(log.service('other', p0 + ms(951), p0 + s(1))).toBeGreaterThanOrEqual(ms(49) - tick);
    }
  });

  it('the throttling gap follows the period timer\'s phase: with expiries at phase + k·P the loop is throttled from phase + k·P + Q', () => {
    const phase = ms(300);
    const log = hogAndFairLoop({ phaseNs: phase });
    // The partial period [0, phase) is shorter than the runtime: no throttling before phase + Q.
    expect(log.service('other', 0, phase + ms(950))).toBe(0);
    for (let k = 0; phase + s(k + 1) <= s(4); k++) {
      const p0 = phase + s(k);
      expect(log.service('other', p0 + ms(950), p0 + s(1))).toBe(ms(50));
      expect(log.service('hog', p0, p0 + ms(950))).toBe(ms(950));
    }
  });

  it('with tick enforcement the overrun stays within one tick per period', () => {
    const sc = scenario({
      durationNs: s(3),
      hosts: [host('ph1', 1, { tickNs: ms(4) })],
      hostThreads: [
        hostThread(busyTask('hog', { policy: { class: 'fifo', priority: 50 } })),
        hostThread(busyTask('other', { policy: { class: 'fair', nice: 0 } })),
      ],
    });
    const log = new ServiceLog();
    simulate(sc, rtModel({ root: { runtimeNs: ms(950), periodNs: s(1) }, runtimeShare: false, groups: [], enforcement: 'tick' }), undefined, {
      observer: log.observer,
    });
    log.close(sc.durationNs);
    for (let k = 0; k < 3; k++) {
      const got = log.service('hog', s(k), s(k + 1));
      expect(got).toBeGreaterThanOrEqual(ms(950) - ms(4));
      expect(got).toBeLessThanOrEqual(ms(950) + ms(4));
    }
  });

  /** A FIFO busy loop and a CFS busy loop on one CPU, tick 4 ms at `tickPhase`, root runtime `runtime` per 1 s, tick enforcement. */
  const tickRun = (runtime: number, tickPhase: number, durationNs: number) => {
    const sc = scenario({
      durationNs,
      hosts: [host('ph1', 1, { tickNs: ms(4), tickPhase })],
      hostThreads: [
        hostThread(busyTask('hog', { policy: { class: 'fifo', priority: 50 } })),
        hostThread(busyTask('other', { policy: { class: 'fair', nice: 0 } })),
      ],
    });
    const log = new ServiceLog();
    simulate(sc, rtModel({ root: { runtimeNs: runtime, periodNs: s(1) }, runtimeShare: false, groups: [], enforcement: 'tick' }), undefined, { observer: log });
    log.close(durationNs);
    return { log, starts: log.of('other').map(([start]) => start) };
  };

  it('tick enforcement: the RT level is throttled only at a tick, the first one where rt_time > runtime (update_curr_rt → sched_rt_runtime_exceeded)', () => {
    const phase = ms(1); // ticks at 1, 5, 9 … ms
    const { log, starts } = tickRun(ms(950), phase, s(5));
    // Every throttling gap (the CFS loop's service) begins on the tick grid, never between ticks.
    expect(starts.length).toBeGreaterThanOrEqual(5);
    for (const t of starts) expect((t - phase) % ms(4)).toBe(0);
    // The first period: rt_time passes 950 ms at the tick at 953 ms; the loop gets [953, 1000] ms.
    expect(log.service('other', 0, ms(953))).toBe(0);
    expect(log.service('other', ms(953), s(1))).toBe(ms(47));
    // The 3 ms overrun is debt (rt_time −= runtime at the period timer): the hog gets 950 ms in every
    // period on average, each period within one tick of it.
    for (let k = 0; k < 5; k++) expect(Math.abs(log.service('hog', s(k), s(k + 1)) - ms(950))).toBeLessThanOrEqual(ms(4));
    expect(Math.abs(log.service('hog', 0, s(5)) - 5 * ms(950))).toBeLessThanOrEqual(ms(4));
  });

  it('tick enforcement: the period timer forgives rt_time as last charged at a tick; the running task\'s time since that tick goes into the next period (do_sched_rt_period_timer)', () => {
    // Runtime 999 ms, ticks at 2, 6 … 998, 1002 ms. First period: rt_time is 998 at the last tick, so
    // no throttling; the 2 ms run after it are charged at the tick at 1002 ms, into the second period,
    // whose rt_time then passes 999 ms at the tick at 1998 ms: the CFS loop gets [1998, 2000] ms.
    // (Were those 2 ms charged to the first period at its timer, rt_time 1000 would leave 1 ms of
    // debt, too little to throttle before 2000 ms; exact enforcement throttles at 999 ms in each period.)
    const { log } = tickRun(ms(999), ms(2), s(4));
    expect(log.service('other', 0, ms(1998))).toBe(0);
    expect(log.service('other', ms(1998), s(2))).toBe(ms(2));
    // Throttled at a tick, the loop was not running at 2000 ms: nothing carried, no throttling in the
    // third period; its last 2 ms again go into the fourth.
    expect(log.service('other', s(2), ms(3998))).toBe(0);
    expect(log.service('other', ms(3998), s(4))).toBe(ms(2));
  });

  it('with RT_RUNTIME_SHARE on 2 CPUs a pinned FIFO hog reaches ~100 % of its CPU while the other CPU has no RT work (§3.2)', () => {
    const run = (runtimeShare: boolean) => {
      const sc = scenario({
        durationNs: s(5),
        hosts: [host('ph1', 2)],
        hostThreads: [
          hostThread(busyTask('hog', { policy: { class: 'fifo', priority: 99 }, affinity: [0] })),
          hostThread(busyTask('kworker', { policy: { class: 'fair', nice: 0 }, affinity: [0] })),
        ],
      });
      const log = new ServiceLog();
      const model = rtModel({ root: { runtimeNs: ms(950), periodNs: s(1) }, runtimeShare, groups: [] });
      simulate(sc, model, undefined, { observer: log.observer });
      log.close(sc.durationNs);
      return { hog: log.service('hog', 0, sc.durationNs) / sc.durationNs, kworker: log.service('kworker', s(1), sc.durationNs), stats: model.rt!.stats() };
    };
    const shared = run(true);
    expect(shared.hog).toBeGreaterThan(0.999);
    expect(shared.kworker).toBe(0); // the pinned CFS kworker starves after the first borrow
    expect(shared.stats.borrowedNs).toBeGreaterThan(0);
    expect(shared.stats.throttles).toBe(0);
    const alone = run(false); // control: without borrowing the hog is held to 95 %
    expect(alone.hog).toBeCloseTo(0.95, 3);
    expect(alone.stats.throttles).toBe(5);
  });

  it('RT consumption per aligned period never exceeds the runtime with sharing off (invariant 4, §9)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 19 }), // runtime in 5 % steps of the period
        fc.constantFrom(ms(10), ms(50), ms(100)),
        fc.array(fc.record({ c: fc.integer({ min: 1, max: 30 }), t: fc.integer({ min: 5, max: 60 }), prio: fc.integer({ min: 1, max: 99 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        (steps, period, specs) => {
          const runtime = (period * steps) / 20;
          const threads = specs.map((x, i) =>
            hostThread(task(`t${i}`, ms(Math.min(x.c, x.t)), ms(x.t), { policy: { class: 'fifo', priority: x.prio } })),
          );
          const sc = scenario({ durationNs: 20 * period, hostThreads: threads });
          const log = new ServiceLog();
          simulate(sc, rtModel({ root: { runtimeNs: runtime, periodNs: period }, runtimeShare: false, groups: [] }), undefined, {
            observer: log.observer,
          });
          log.close(sc.durationNs);
          for (let k = 0; k < 20; k++) {
            let used = 0;
            for (let i = 0; i < threads.length; i++) used += log.service(`t${i}`, k * period, (k + 1) * period);
            if (used > runtime) return false;
          }
          return true;
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});

describe('RT groups (linux-irmos.md §3.3)', () => {
  it('groups compete by priority, not EDF: a while(1) in A starves lower-priority B for a whole B period', () => {
    // sched-rt-group.rst: A = 50 ms / 100 ms holding a high-priority busy loop, B = 25 ms / 50 ms
    // with a lower-priority periodic task (20 ms every 50 ms). Root 1 s / 1 s: Σ = 100 %, admitted.
    const sc = scenario({
      durationNs: s(1),
      // b is listed (so queued) first: only the priority order can put A ahead of it.
      hostThreads: [
        hostThread(task('b', ms(20), ms(50), { policy: { class: 'fifo', priority: 10 } })),
        hostThread(busyTask('a', { policy: { class: 'fifo', priority: 90 } })),
      ],
    });
    const log = new ServiceLog();
    const run = simulate(
      sc,
      rtModel(
        {
          root: { runtimeNs: s(1), periodNs: s(1) },
          runtimeShare: false,
          groups: [
            { id: 'A', runtimeNs: ms(50), periodNs: ms(100) },
            { id: 'B', runtimeNs: ms(25), periodNs: ms(50) },
          ],
        },
        { a: 'A', b: 'B' },
      ),
      undefined,
      { observer: log.observer },
    );
    log.close(sc.durationNs);
    // A is held to its runtime in every one of its periods…
    for (let k = 0; k < 10; k++) expect(log.service('a', k * ms(100), (k + 1) * ms(100))).toBe(ms(50));
    // …and B, runnable from 0, gets nothing in the whole first B period [0, 50 ms).
    expect(log.service('b', 0, ms(50))).toBe(0);
    const b = run.tasks.find((t) => t.id === 'b')!;
    expect(b.missed).toBeGreaterThan(0);
  });

  it('the same sets meet B\'s deadlines when B has the higher priority (control)', () => {
    const sc = scenario({
      durationNs: s(1),
      hostThreads: [
        hostThread(busyTask('a', { policy: { class: 'fifo', priority: 10 } })),
        hostThread(task('b', ms(20), ms(50), { policy: { class: 'fifo', priority: 90 } })),
      ],
    });
    const run = simulate(
      sc,
      rtModel(
        {
          root: { runtimeNs: s(1), periodNs: s(1) },
          runtimeShare: false,
          groups: [
            { id: 'A', runtimeNs: ms(50), periodNs: ms(100) },
            { id: 'B', runtimeNs: ms(25), periodNs: ms(50) },
          ],
        },
        { a: 'A', b: 'B' },
      ),
    );
    expect(run.tasks.find((t) => t.id === 'b')!.missed).toBe(0);
  });

  it('a throttled group waits for its period timer even when the CPU is otherwise idle (non-work-conserving)', () => {
    const sc = scenario({
      durationNs: ms(400),
      hostThreads: [hostThread(busyTask('g', { policy: { class: 'fifo', priority: 50 } }))],
    });
    const log = new ServiceLog();
    simulate(
      sc,
      rtModel({ root: { runtimeNs: null, periodNs: s(1) }, runtimeShare: false, groups: [{ id: 'G', runtimeNs: ms(30), periodNs: ms(100) }] }, { g: 'G' }),
      undefined,
      { observer: log.observer },
    );
    log.close(sc.durationNs);
    expect(log.runs.get('g')).toEqual([
      [0, ms(30)],
      [ms(100), ms(130)],
      [ms(200), ms(230)],
      [ms(300), ms(330)],
    ]);
  });
});

describe('RT SMP and POSIX rules (linux-irmos.md §3.4)', () => {
  it('the M highest-priority runnable RT tasks run: 3 busy loops on 2 CPUs leave the lowest waiting', () => {
    const sc = scenario({
      durationNs: ms(200),
      hosts: [host('ph1', 2)],
      hostThreads: [10, 30, 20].map((prio) =>
        hostThread(busyTask(`p${prio}`, { policy: { class: 'fifo', priority: prio }, affinity: [0, 1] })),
      ),
    });
    const log = new ServiceLog();
    simulate(sc, rtModel({ root: { runtimeNs: null, periodNs: s(1) }, runtimeShare: false, groups: [] }), undefined, { observer: log.observer });
    log.close(sc.durationNs);
    expect(log.service('p30', 0, ms(200))).toBe(ms(200));
    expect(log.service('p20', 0, ms(200))).toBe(ms(200));
    expect(log.service('p10', 0, ms(200))).toBe(0);
  });

  it('a woken high-priority task pre-empts the lower one, which is pushed to the free CPU', () => {
    // p80 pinned to CPU 0 wakes at 10 ms while p50 (free to move) runs there and CPU 1 runs fair work.
    const sc = scenario({
      durationNs: ms(100),
      hosts: [host('ph1', 2)],
      hostThreads: [
        hostThread(busyTask('p50', { policy: { class: 'fifo', priority: 50 }, affinity: [0, 1] })),
        hostThread(task('p80', ms(20), ms(100), { policy: { class: 'fifo', priority: 80 }, arrival: periodic(ms(100), ms(10)), affinity: [0] })),
        hostThread(busyTask('cfs', { policy: { class: 'fair', nice: 0 }, affinity: [1] })),
      ],
    });
    const log = new ServiceLog();
    simulate(sc, rtModel({ root: { runtimeNs: null, periodNs: s(1) }, runtimeShare: false, groups: [] }), undefined, { observer: log.observer });
    log.close(sc.durationNs);
    expect(log.service('p80', 0, ms(100))).toBe(ms(20));
    expect(log.service('p50', 0, ms(100))).toBe(ms(100)); // never waits: pushed to CPU 1 at 10 ms
    expect(log.service('cfs', ms(10), ms(30))).toBe(0);
  });

  it('a CPU that runs out of RT work pulls a task waiting behind a higher priority elsewhere (§3.4 pull)', () => {
    // CPU 0: p30 busy (pinned) with p10 (free to move) queued behind it. CPU 1: p25 runs 50 ms of every 100 ms.
    const sc = scenario({
      durationNs: s(1),
      hosts: [host('ph1', 2)],
      hostThreads: [
        hostThread(busyTask('p30', { policy: { class: 'fifo', priority: 30 }, affinity: [0] })),
        hostThread(task('p25', ms(50), ms(100), { policy: { class: 'fifo', priority: 25 }, affinity: [1] })),
        hostThread(busyTask('p10', { policy: { class: 'fifo', priority: 10 }, affinity: [0, 1] })),
      ],
    });
    const log = new ServiceLog();
    const model = rtModel({ root: { runtimeNs: null, periodNs: s(1) }, runtimeShare: false, groups: [] });
    simulate(sc, model, undefined, { observer: log.observer });
    log.close(sc.durationNs);
    expect(log.service('p30', 0, s(1))).toBe(s(1));
    expect(log.service('p10', 0, s(1))).toBe(ms(500));
    expect(model.rt!.stats().pulls).toBe(1); // pulled once at 50 ms; afterwards it waits on CPU 1 behind p25
  });

  it('SCHED_RR peers rotate every quantum; SCHED_FIFO peers do not', () => {
    const run = (rr: boolean) => {
      const sc = scenario({
        durationNs: ms(400),
        hostThreads: ['x', 'y'].map((id) => hostThread(busyTask(id, { policy: { class: rr ? 'rr' : 'fifo', priority: 40 } }))),
      });
      const log = new ServiceLog();
      simulate(sc, rtModel({ root: { runtimeNs: null, periodNs: s(1) }, runtimeShare: false, groups: [] }), undefined, { observer: log.observer });
      return log.close(sc.durationNs).runs;
    };
    expect(run(true).get('x')).toEqual([
      [0, ms(100)],
      [ms(200), ms(300)],
    ]);
    expect(run(false).get('x')).toEqual([[0, ms(400)]]);
    expect(run(false).get('y')).toBeUndefined();
  });
});
