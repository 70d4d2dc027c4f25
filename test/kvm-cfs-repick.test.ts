// CFS (kernels 2.6.23–6.5; linux-irmos.md §6.1): what a re-pick of the running task does to its slice
// accounting. Linux v6.5 kernel/sched/fair.c: check_preempt_tick measures
// delta_exec = sum_exec_runtime − prev_sum_exec_runtime, and only set_next_entity sets
// prev_sum_exec_runtime. pick_next_task_fair with CONFIG_FAIR_GROUP_SCHED (every distribution kernel)
// calls set_next_entity only `if (prev != p)`: a task re-picked because it is still the leftmost keeps
// its old slice start, so once it has run past its ideal slice every tick reschedules, and the first
// tick at which another entity's vruntime is below its own hands the CPU over.
import { describe, expect, it } from 'vitest';
import type { HypervisorModel } from '../src/engine/model.js';
import { simulate } from '../src/experiments/simulate.js';
import { CfsClass } from '../models/kvm/fair.js';
import { busyTask, host, hostThread, ms, periodic, s, scenario, task } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';

const TICK = ms(1);
const NICE_M15_WEIGHT = 29154; // sched_prio_to_weight[-15]

const cfsOnly: HypervisorModel = {
  name: 'test-kvm-cfs',
  family: 'kvm',
  summary: 'test',
  build({ entities, ctx }) {
    const cfs = new CfsClass(ctx, { groups: [], pick: 'cfs', balance: null });
    for (const e of entities) {
      const pol = e.origin as { spec: { policy: { nice: number } } };
      cfs.admit(e, { nice: pol.spec.policy.nice });
    }
    return { classes: [cfs], mapping: [], settings: {} };
  },
};

describe('CFS re-pick of the running task (Linux v6.5 pick_next_task_fair / set_next_entity)', () => {
  it('a heavy sleeper keeps the CPU past its ideal slice until its vruntime passes the loop\'s, then yields at the very next tick', () => {
    // 1 CPU (f = 1): sched_latency 6 ms. Loop `b` (nice 0) runs alone from 0, so at W its vruntime is W.
    // `a` (nice −15, weight 29154) wakes at W and is placed at min_vruntime − latency/2 = W − 3 ms
    // (place_entity, GENTLE_FAIR_SLEEPERS); it pre-empts b. Its ideal slice is 6 ms·29154/30178 ≈ 5.8 ms:
    // from the 6th tick on, check_preempt_tick reschedules at every tick and pick_next_entity re-picks a
    // (still leftmost) without resetting prev_sum_exec_runtime. Its vruntime passes b's after
    // 3 ms·29154/1024 ≈ 85.4 ms of running: b runs from the first tick after that. Resetting the slice
    // at each re-pick would instead wait for a slice boundary (W + 6.5 + 6k ms: 191 ms here).
    const W = ms(100.5);
    const sc = scenario({
      durationNs: ms(400),
      hosts: [host('ph1', 1, { tickNs: TICK })],
      hostThreads: [
        hostThread(busyTask('b', { policy: { class: 'fair', nice: 0 } })),
        hostThread(task('a', ms(200), s(1), { policy: { class: 'fair', nice: -15 }, arrival: periodic(s(1), W) })),
      ],
    });
    const log = new ServiceLog();
    simulate(sc, cfsOnly, undefined, { observer: log.observer });
    log.close(sc.durationNs);
    const crossing = W + (ms(3) * NICE_M15_WEIGHT) / 1024; // a's vruntime reaches b's
    const handOver = Math.ceil(crossing / TICK) * TICK; // the first tick after it
    expect(handOver).toBe(ms(186));
    expect(log.service('b', W, handOver)).toBe(0); // a ran without a break from W …
    expect(log.service('a', W, handOver)).toBe(handOver - W);
    expect(log.service('b', handOver, handOver + TICK)).toBe(TICK); // … and b runs from that tick
  });
});
