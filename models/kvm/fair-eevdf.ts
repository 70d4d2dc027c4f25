// The EEVDF pick of the fair class on one CPU's runqueue (linux-irmos.md §6.2; Linux 6.18
// kernel/sched/fair.c avg_vruntime, protect_slice, pick_eevdf), as pure functions of the runqueue.
// The class that drives them (placement, deadlines, delayed dequeue) is fair.ts.

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
  const V = avgVruntime(rq, cpu, null);
  const eligible = (xs: FairSlot) => xs.vruntime <= V + ELIGIBLE_EPS;
  let curOk = false;
  if (cur !== null) {
    const cs = fairSlot(cur);
    curOk = cur.cpu === cpu && cs.queued && rq.visible(cs, cpu) && eligible(cs);
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
    if (x === cur || !eligible(xs)) continue;
    if (xs.deadline < bd) {
      bd = xs.deadline;
      best = x;
    }
  }
  if (curOk && (best === null || fairSlot(cur!).deadline < bd)) best = cur;
  return best ?? fallback; // someone is always eligible; the fallback only guards float edge cases
}
