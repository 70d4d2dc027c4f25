import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HypervisorModel } from '../src/engine/model.js';
import { simulate } from '../src/experiments/simulate.js';
import type { TaskSpec } from '../src/scenario/types.js';
import { CfsClass, type FairGroupConfig } from '../models/kvm/fair.js';
import { RtClass } from '../models/kvm/rt.js';
import { busyTask, host, hostThread, ms, periodic, s, scenario, task } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';

/** fifo/rr threads → RtClass (unthrottled), fair threads → CfsClass, in the group named by `groupOf`. */
function fairModel(groups: FairGroupConfig[] = [], groupOf: Record<string, string> = {}): HypervisorModel {
  return {
    name: 'test-kvm-fair',
    family: 'kvm',
    summary: 'test',
    build({ entities, ctx }) {
      const rt = new RtClass(ctx, { root: { runtimeNs: null, periodNs: s(1) }, runtimeShare: false, groups: [] });
      const cfs = new CfsClass(ctx, { groups });
      for (const e of entities) {
        const pol = (e.origin as { spec: TaskSpec }).spec.policy;
        if (pol.class === 'fair') cfs.admit(e, { nice: pol.nice, group: groupOf[e.id] });
        else if (pol.class === 'fifo' || pol.class === 'rr') rt.admit(e, { priority: pol.priority, rr: pol.class === 'rr' });
      }
      return { classes: [rt, cfs], mapping: [], settings: {} };
    },
  };
}

const fair = (nice = 0) => ({ policy: { class: 'fair' as const, nice } });

describe('CFS (linux-irmos.md §6.1)', () => {
  it('two busy loops nice 0 and nice 5 on one CPU share 1024:335 within 2 % over 10 s', () => {
    const sc = scenario({
      durationNs: s(10),
      hostThreads: [hostThread(busyTask('n0', fair(0))), hostThread(busyTask('n5', fair(5)))],
    });
    const log = new ServiceLog();
    simulate(sc, fairModel(), undefined, { observer: log.observer });
    log.close(sc.durationNs);
    const a = log.service('n0', 0, sc.durationNs);
    const b = log.service('n5', 0, sc.durationNs);
    expect(a + b).toBe(s(10));
    expect(Math.abs(a / b / (1024 / 335) - 1)).toBeLessThan(0.02);
  });

  it('N busy loops free to run anywhere on N CPUs each get ~100 %', () => {
    for (const n of [2, 4, 8]) {
      const all = Array.from({ length: n }, (_, i) => i);
      const sc = scenario({
        durationNs: s(2),
        hosts: [host('ph1', n)],
        hostThreads: all.map((i) => hostThread(busyTask(`l${i}`, { ...fair(), affinity: all }))),
      });
      const log = new ServiceLog();
      simulate(sc, fairModel(), undefined, { observer: log.observer });
      log.close(sc.durationNs);
      for (const i of all) expect(log.service(`l${i}`, 0, sc.durationNs)).toBeGreaterThan(0.99 * s(2));
    }
  });

  it('a CPU that runs out of work pulls a waiting fair entity (idle balance)', () => {
    // CPU 1 is busy with RT until 500 ms, so b wakes (10 ms) next to a on CPU 0; at 500 ms CPU 1 pulls one of them.
    const sc = scenario({
      durationNs: s(1),
      hosts: [host('ph1', 2)],
      hostThreads: [
        hostThread(task('rt', ms(500), s(1), { policy: { class: 'fifo', priority: 50 }, affinity: [1] })),
        hostThread(busyTask('a', { ...fair(), affinity: [0, 1] })),
        hostThread(task('b', ms(990), s(1), { ...fair(), arrival: periodic(s(1), ms(10)), affinity: [0, 1] })),
      ],
    });
    const log = new ServiceLog();
    simulate(sc, fairModel(), undefined, { observer: log.observer });
    log.close(sc.durationNs);
    expect(log.service('a', ms(10), ms(500)) + log.service('b', ms(10), ms(500))).toBe(ms(490)); // sharing CPU 0
    expect(log.service('a', ms(500), s(1))).toBe(ms(500));
    expect(log.service('b', ms(500), s(1))).toBe(ms(500));
  });

  it('a waking sleeper pre-empts a busy loop at once (wake-up placement and pre-emption)', () => {
    const sc = scenario({
      durationNs: s(2),
      // io first wakes at 5 ms, once the hog runs (at 0 both would tie on vruntime 0).
      hostThreads: [hostThread(busyTask('hog', fair(0))), hostThread(task('io', ms(1), ms(10), { ...fair(0), arrival: periodic(ms(10), ms(5)) }))],
    });
    const run = simulate(sc, fairModel());
    const io = run.tasks.find((t) => t.id === 'io')!;
    expect(io.completed).toBe(200);
    expect(io.response.maxNs).toBe(ms(1));
    expect(run.hosts[0].classStats.fair.wakeupPreemptions).toBeGreaterThanOrEqual(199);
  });
});

describe('CFS bandwidth control (linux-irmos.md §6.3)', () => {
  const capped = (quota: number, period: number, k = 1) => ({
    groups: [{ id: 'g', shares: 1024, quotaNs: quota, periodNs: period }],
    groupOf: Object.fromEntries(Array.from({ length: k }, (_, i) => [`w${i}`, 'g'])),
  });

  it('a group with quota 25 ms / period 100 ms holding a busy loop gets 25 % and stalls P − Q on the fixed grid', () => {
    const sc = scenario({ durationNs: s(2), hostThreads: [hostThread(busyTask('w0', fair()))] });
    const log = new ServiceLog();
    const { groups, groupOf } = capped(ms(25), ms(100));
    const run = simulate(sc, fairModel(groups, groupOf), undefined, { observer: log.observer });
    log.close(sc.durationNs);
    const share = log.service('w0', 0, sc.durationNs) / sc.durationNs;
    expect(Math.abs(share - 0.25)).toBeLessThanOrEqual(0.01);
    const gaps = log.gaps('w0');
    const longest = Math.max(...gaps.map(([a, b]) => b - a));
    expect(longest).toBeGreaterThanOrEqual(ms(75));
    expect(longest).toBeLessThanOrEqual(ms(75) + ms(5));
    for (const [, resume] of gaps) expect(resume % ms(100)).toBe(0); // unthrottled only at period boundaries
    expect(run.hosts[0].classStats.fair.throttles).toBe(20);
  });

  it('a 2-thread group on 2 CPUs burns its quota in Q/2 and then stalls both threads for P − Q/2', () => {
    const sc = scenario({
      durationNs: s(2),
      hosts: [host('ph1', 2)],
      hostThreads: [0, 1].map((i) => hostThread(busyTask(`w${i}`, { ...fair(), affinity: [0, 1] }))),
    });
    const log = new ServiceLog();
    const { groups, groupOf } = capped(ms(50), ms(100), 2);
    simulate(sc, fairModel(groups, groupOf), undefined, { observer: log.observer });
    log.close(sc.durationNs);
    const total = log.service('w0', 0, sc.durationNs) + log.service('w1', 0, sc.durationNs);
    expect(Math.abs(total / sc.durationNs - 0.5)).toBeLessThanOrEqual(0.01);
    for (const id of ['w0', 'w1']) {
      const longest = Math.max(...log.gaps(id).map(([a, b]) => b - a));
      expect(longest).toBeGreaterThanOrEqual(ms(75) - ms(5));
      expect(longest).toBeLessThanOrEqual(ms(75) + ms(5));
    }
  });

  it('an idle group costs no period timers: the timer runs only around its activity', () => {
    const sc = scenario({ durationNs: s(10), hostThreads: [hostThread(task('w0', ms(5), s(1), fair()))] });
    const { groups, groupOf } = capped(ms(25), ms(100));
    const run = simulate(sc, fairModel(groups, groupOf));
    expect(run.tasks[0].completed).toBe(10);
    // One expiry after each 5 ms burst finds the group idle and stops (10 activations → ≤ 10 expiries, not 100).
    expect(run.hosts[0].classStats.fair.bandwidthPeriods).toBeLessThanOrEqual(10);
  });

  it('the quota caps but does not guarantee: a capped group next to an uncapped loop gets min(fair share, quota)', () => {
    const sc = scenario({
      durationNs: s(2),
      hostThreads: [hostThread(busyTask('w0', fair())), hostThread(busyTask('free', fair()))],
    });
    const log = new ServiceLog();
    const { groups, groupOf } = capped(ms(25), ms(100));
    simulate(sc, fairModel(groups, groupOf), undefined, { observer: log.observer });
    log.close(sc.durationNs);
    expect(Math.abs(log.service('w0', 0, sc.durationNs) / sc.durationNs - 0.25)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(log.service('free', 0, sc.durationNs) / sc.durationNs - 0.75)).toBeLessThanOrEqual(0.01);
  });

  it('per aligned period a capped group never runs more than its quota plus one slice and one tick per CPU (invariant 5, §9)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }), // threads = CPUs
        fc.constantFrom(ms(20), ms(50), ms(100)),
        fc.integer({ min: 1, max: 9 }), // quota in tenths of the period, per CPU
        (k, period, tenths) => {
          const quota = (period * tenths * k) / 10;
          const all = Array.from({ length: k }, (_, i) => i);
          const sc = scenario({
            durationNs: 20 * period,
            hosts: [host('ph1', k)],
            hostThreads: all.map((i) => hostThread(busyTask(`w${i}`, { ...fair(), affinity: all }))),
          });
          const log = new ServiceLog();
          const { groups, groupOf } = capped(quota, period, k);
          simulate(sc, fairModel(groups, groupOf), undefined, { observer: log.observer });
          log.close(sc.durationNs);
          let total = 0;
          for (let p = 0; p < 20; p++) {
            let used = 0;
            for (const i of all) used += log.service(`w${i}`, p * period, (p + 1) * period);
            if (used > quota + k * (ms(5) + ms(1))) return false;
            total += used;
          }
          return total <= 20 * quota + k * (ms(5) + ms(1));
        },
      ),
      { numRuns: 30, seed: 11 },
    );
  });
});
