// A delay-dequeued sleeper (EEVDF DELAY_DEQUEUE, Linux 6.12+; linux-irmos.md §6.2,
// docs/validation-notes.md §3) that wakes before pick_eevdf reaches it. Linux 6.18 kernel/sched:
// try_to_wake_up → ttwu_runnable finds it still on_rq (sched_delayed), so there is no
// select_task_rq — it stays on its old CPU even with another CPU idle — and enqueue_task(ENQUEUE_DELAYED)
// → requeue_delayed_entity (fair.c): under DELAY_ZERO a positive lag is dropped (place_entity with
// vlag 0: vruntime = V of the others, deadline one slice on), a negative lag is kept with its
// vruntime and deadline. Then wakeup_preempt.
import { describe, expect, it } from 'vitest';
import type { HypervisorModel } from '../src/engine/model.js';
import { simulate } from '../src/experiments/simulate.js';
import type { TaskSpec } from '../src/scenario/types.js';
import type { HostEntity } from '../src/engine/entities.js';
import type { PolicyContext } from '../src/engine/policy.js';
import { CfsClass } from '../models/kvm/fair.js';
import { DelayedDequeue } from '../models/kvm/fair-delay.js';
import { avgVruntime } from '../models/kvm/fair-eevdf.js';
import { FairRunqueues, fairSlot, type FairSlot } from '../models/kvm/fair-queue.js';
import { RtClass } from '../models/kvm/rt.js';
import { host, hostThread, ms, periodic, s, scenario, task } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';

const TICK = ms(4);

/** fifo → RtClass, fair → the EEVDF class (6.18 rules; base_slice 0.70 ms × f = 2 on 2 CPUs = 1.4 ms). */
function model(delayDequeue: boolean): HypervisorModel {
  return {
    name: 'test-kvm-eevdf-delay',
    family: 'kvm',
    summary: 'test',
    build({ entities, ctx }) {
      const rt = new RtClass(ctx, { root: { runtimeNs: null, periodNs: s(1) }, runtimeShare: false, groups: [] });
      const cfs = new CfsClass(ctx, { groups: [], pick: 'eevdf', delayDequeue, baseSliceNs: 700_000 });
      for (const e of entities) {
        const pol = (e.origin as { spec: TaskSpec }).spec.policy;
        if (pol.class === 'fair') cfs.admit(e, { nice: pol.nice });
        else if (pol.class === 'fifo') rt.admit(e, { priority: pol.priority, rr: false });
      }
      return { classes: [rt, cfs], mapping: [], settings: {} };
    },
  };
}

/**
 * CPU 1 runs a FIFO thread until 3.5 ms, then idles. On CPU 0: sleeper `z` (allowed on both CPUs),
 * 3 ms jobs released at 0 and at `wake`, and loop `h` (pinned) from 0.5 ms. z runs 0–3 ms alone first:
 * h wakes at 0.5 ms placed at V = 0.5 ms (deadline 1.9 ms), z keeps the CPU (protected to its deadline
 * 1.4 ms, not noticed before a tick). z blocks at 3 ms with vruntime 3 ms > V = (3 + 0.5)/2: not
 * eligible, so it is delay-dequeued and stays in CPU 0's tree (deadline renewed to 4.4 ms). h runs from
 * 3 ms with vruntime t − 2.5 ms, protected to 1.9 ms past the 4 ms tick; V = (t + 0.5 ms)/2, so z's lag
 * turns positive at 5.5 ms. The 8 ms tick (h unprotected; z eligible, deadline 4.4 < h's 6.9 ms) is the
 * pick that would reach z and dequeue it. Returns the runs [start, end, cpu] of z's second job.
 */
function secondJob(wake: number, delayDequeue: boolean) {
  const sc = scenario({
    durationNs: ms(40),
    hosts: [host('ph1', 2, { tickNs: TICK })],
    hostThreads: [
      hostThread(task('rt', ms(3.5), s(1), { policy: { class: 'fifo', priority: 50 }, affinity: [1] })),
      hostThread(task('h', s(1), s(1), { policy: { class: 'fair', nice: 0 }, arrival: periodic(s(1), ms(0.5)), affinity: [0] })),
      hostThread(task('z', ms(3), wake, { policy: { class: 'fair', nice: 0 }, arrival: periodic(wake), affinity: [0, 1] })),
    ],
  });
  const log = new ServiceLog();
  simulate(sc, model(delayDequeue), undefined, { observer: log.observer });
  log.close(sc.durationNs);
  const runs = log.withCpu('z');
  expect(runs[0]).toEqual([0, ms(3), 0]); // the set-up above holds
  return runs.filter(([from]) => from >= wake && from < 2 * wake);
}

describe('EEVDF: a delay-dequeued sleeper woken before the pick reaches it (6.18 ttwu_runnable, requeue_delayed_entity)', () => {
  it('negative lag (woken at 4.5–5 ms): it stays on CPU 0 with its vruntime — not eligible, it waits for the 8 ms tick though CPU 1 idles', () => {
    // Woken at r: V = (r + 0.5 ms)/2 < 3 ms = its kept vruntime, so pick_eevdf passes it over; the next tick
    // (8 ms) brings both CPU 1's idle pull and CPU 0's pick (z now eligible, deadline 4.4 ms earliest).
    for (const wake of [ms(4.5), ms(4.8), ms(5.2)]) {
      const runs = secondJob(wake, true);
      expect(runs[0][0]).toBe(ms(8));
    }
  });

  it('positive lag (woken at 6–7.5 ms): the lag is dropped — placed at V of the others (= h\'s vruntime), the same deadline as h\'s renewed one — and the tie makes it pre-empt h on CPU 0 at once (CPU 1 idle)', () => {
    // update_curr at the enqueue renews h's request: deadline = (r − 2.5 ms) + 1.4 ms; z placed at
    // vruntime r − 2.5 ms gets the same deadline, and entity_before(curr, z) is false on a tie.
    for (const wake of [ms(6), ms(6.5), ms(7.5)]) {
      const [start, , cpu] = secondJob(wake, true)[0];
      expect([start, cpu]).toEqual([wake, 0]); // (a 3 ms job outlives its 1.4 ms request: the next tick may pre-empt it)
    }
  });

  it('contrast, 6.6–6.11 (no DELAY_DEQUEUE): the sleeper left the tree, so the wake-up picks the idle CPU 1 and it runs at once', () => {
    for (const wake of [ms(4.5), ms(5.5), ms(7)]) {
      const runs = secondJob(wake, false);
      expect(runs[0]).toEqual([wake, wake + ms(3), 1]);
    }
  });
});

/** A FairSlot at `vruntime` with deadline `deadline` (nice 0), for the direct requeue checks below. */
function slot(vruntime: number, deadline: number): FairSlot {
  return {
    weight: 1024, vruntime, sumExec: 0, sumExecAtPick: 0, deadline, vlag: 0, vprot: 0, delayed: false, group: null,
    queued: false, index: -1, prevCpu: -1, lastRanNs: -Infinity, listSeq: 0, balancedAt: -Infinity,
    peltRunnableAvg: 1, peltRunningAvg: 0.5, peltAt: 0, peltRunnable: false, peltRunning: false,
  };
}

describe('requeue_delayed_entity (6.18 fair.c, DELAY_ZERO) on one runqueue', () => {
  const SLICE_V = 1_400_000; // vslice at nice 0
  /** One CPU holding a visible entity at vruntime `other` and a delayed sleeper at `v` (deadline `d`); requeue the sleeper. */
  function requeue(other: number, v: number, d: number): FairSlot {
    const ctx = { cpuCount: 1, tickNs: TICK, current: () => null, settle: () => undefined } as unknown as PolicyContext;
    const rq = new FairRunqueues(ctx);
    const mk = (s: FairSlot) => ({ slot: s, cpu: -1, runningOn: -1 }) as unknown as HostEntity;
    const sleeper = mk(slot(v, d));
    rq.insert(mk(slot(other, other + SLICE_V)), 0);
    rq.insert(sleeper, 0);
    const s = fairSlot(sleeper);
    s.delayed = true; // what DelayedDequeue.tryDelay does to a queued entity
    rq.nrDelayed[0]++;
    rq.addVisible(0, -1);
    const host = { entityLag: (x: FairSlot) => avgVruntime(rq, 0, null) - x.vruntime, vslice: () => SLICE_V, setRunnable: () => undefined };
    const cpu = new DelayedDequeue(ctx, rq, host, true).requeue(sleeper, s);
    expect(cpu).toBe(0); // stays where it was queued
    expect([s.delayed, rq.nrVisible[0], rq.nrDelayed[0]]).toEqual([false, 2, 0]);
    return s;
  }

  it('a positive lag is dropped: placed at V of the others with a fresh request', () => {
    const s = requeue(ms(5), ms(3), ms(4.4)); // V = 4 ms > 3 ms: lag +1 ms
    expect([s.vruntime, s.deadline, s.vlag]).toEqual([ms(5), ms(5) + SLICE_V, 0]);
  });

  it('a negative lag is kept, with its vruntime and deadline', () => {
    const s = requeue(ms(1), ms(3), ms(4.4)); // V = 2 ms < 3 ms: lag −1 ms
    expect([s.vruntime, s.deadline, s.vlag]).toEqual([ms(3), ms(4.4), 0]);
  });
});
