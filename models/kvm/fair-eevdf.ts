// The EEVDF pick of the fair class on one CPU's runqueue (linux-irmos.md §6.2; Linux 6.18
// kernel/sched/fair.c avg_vruntime, protect_slice, pick_eevdf), as pure functions of the runqueue.
// The class that drives them (placement, deadlines, delayed dequeue) is fair.ts.
//
// EEVDF mode (§6.2):
// - request slice = base_slice 0.75 ms·f, 0.70 ms·f from 6.15 (sysctl_sched_base_slice, scaled like the
//   §6.1 tunables);
//   virtual deadline vd = vruntime + slice·1024/w.
// - V = weight-averaged vruntime of the visible entities of the CPU, the running one included;
//   eligible iff vruntime ≤ V (lag ≥ 0); pick = earliest vd among the eligible.
// - When the current's vruntime reaches vd: new request vd = vruntime + slice·1024/w and resched
//   (update_deadline). Without HRTICK this is only noticed at accounting points: the tick, or an
//   enqueue on that CPU (update_curr), and update_curr reschedules only with another entity queued
//   (nr_queued > 1). So a lone busy loop's request has often ended unnoticed when a sleeper wakes:
//   the enqueue's update_curr renews it to V + slice before the sleeper is placed, at V + slice too
//   (lag 0), and the tie goes to the sleeper (pick_eevdf keeps curr only if entity_before(curr, best),
//   a strict <): it pre-empts at once. Woken inside the loop's request it waits for the next tick.
// - RUN_TO_PARITY (6.18 set_protect_slice/protect_slice): vprot = vd when the entity is picked
//   (set_next_entity, only when the pick changes task: a re-picked current is not re-protected);
//   protected while vruntime < vprot. update_curr reschedules whenever curr is unprotected.
// - Wake-up pre-emption: only if the pick would now be the woken entity (check_preempt_wakeup_fair).
// - PLACE_LAG: lag = V − vruntime saved at sleep (clamped to ±max(2·slice, tick) in virtual time),
//   restored on wake as vruntime = V − lag·(W + w)/W; first wake: lag 0 (vruntime = V).
// - DELAY_DEQUEUE / DELAY_ZERO (6.12+): fair-delay.ts. [M] Bandwidth-group members are not delayed;
//   for them DELAY_ZERO's effect is approximated by clamping the saved lag to ≥ 0.
// - No PREEMPT_SHORT, no per-task sched_attr slices, no HRTICK. With every slice equal (no thread sets
//   sched_attr.sched_runtime) PREEMPT_SHORT is inert in 6.18: check_preempt_wakeup_fair only cancels
//   curr's protection when the wakee has_shorter_slice(), and set_protect_slice protects up to
//   min(cfs_rq_min_slice, se->slice) = the current request's deadline (fair.c, 6.17+ "Limit run to
//   parity to the min slice of enqueued entities"), which is what `vprot` models.
// - Where a woken task's wait ends is the next tick of its CPU (update_curr notices the request's
//   end there): the tick grid's phase and skew are the host's (src/engine/tick.ts, tickPhase and
//   skewTick), which is what spreads these waits over a tick across real runs.

import type { HostEntity } from '../../src/engine/entities.js';
import { fairSlot, type FairRunqueues, type FairSlot } from './fair-queue.js';

/** 1 ns of virtual time: float tolerance for the EEVDF lag ≥ 0 (eligibility) test. */
export const ELIGIBLE_EPS = 1;

/** §6.2 V: weight-averaged vruntime of the entities in `cpu`'s tree (running one and delay-dequeued sleepers included), other than `skip`. */
export function avgVruntime(rq: FairRunqueues, cpu: number, skip: FairSlot | null): number {
  const q = rq.queues[cpu];
  let w = 0;
  let wv = 0;
  for (let i = 0; i < q.length; i++) {
    const xs = fairSlot(q[i]);
    if (xs === skip || !rq.inTree(xs, cpu)) continue;
    w += xs.weight;
    wv += xs.weight * xs.vruntime;
  }
  return w > 0 ? wv / w : rq.minVruntime[cpu];
}

/** fair.c protect_slice (6.17+): the current still runs inside the protection set when it was picked. */
export function protectedSlice(s: FairSlot): boolean {
  return s.vruntime < s.vprot;
}

/**
 * §6.2 pick_eevdf: with RUN_TO_PARITY the eligible, still-protected current stays; otherwise the
 * eligible (vruntime ≤ V) entity of the tree with the earliest virtual deadline — a delay-dequeued
 * sleeper may be the answer (the caller dequeues it) — and the current only on a strictly earlier
 * deadline (entity_before is a strict <: a tie goes to the tree's entity).
 */
export function pickEevdf(rq: FairRunqueues, cpu: number, cur: HostEntity | null): HostEntity | null {
  const q = rq.queues[cpu];
  // An empty CPU (the idle path under higher classes) answers at once, with no closure or average.
  if (cur === null && q.length === 0) return null;
  // Eligible: vruntime ≤ V (+ the float guard); one bound, no closure per pick (issue 14).
  const bound = avgVruntime(rq, cpu, null) + ELIGIBLE_EPS;
  let curOk = false;
  if (cur !== null) {
    const cs = fairSlot(cur);
    curOk = cur.cpu === cpu && cs.queued && rq.visible(cs, cpu) && cs.vruntime <= bound;
    if (curOk && protectedSlice(cs)) return cur;
  }
  let best: HostEntity | null = null;
  let bd = Infinity;
  let fallback: HostEntity | null = null;
  let fv = Infinity;
  for (let i = 0; i < q.length; i++) {
    const x = q[i];
    const xs = fairSlot(x);
    if (!rq.inTree(xs, cpu)) continue;
    if (xs.vruntime < fv) {
      fv = xs.vruntime;
      fallback = x;
    }
    if (x === cur || !(xs.vruntime <= bound)) continue;
    if (xs.deadline < bd) {
      bd = xs.deadline;
      best = x;
    }
  }
  if (curOk && (best === null || fairSlot(cur!).deadline < bd)) best = cur;
  return best ?? fallback; // someone is always eligible; the fallback only guards float edge cases
}
