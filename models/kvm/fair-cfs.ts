// The CFS (2.6.23–6.5) decisions of the fair class (fair.ts with pick 'cfs'): tick pre-emption and
// the pick with its skip buddy, linux-irmos.md §6.1. EEVDF's (6.6+) are in fair-eevdf.ts.

import type { HostEntity } from '../../src/engine/entities.js';
import { fairSlot, type FairRunqueues, type FairSlot } from './fair-queue.js';

const NICE0_LOAD = 1024;
/** sched_nr_latency (§0 row 23). */
const NR_LATENCY = 8;

/**
 * §6.1 check_preempt_tick for `curr`, queued and visible on `cpu`: pre-empt after its ideal slice
 * (sched_period·w/load), or after min_granularity if it leads the leftmost by more than that slice.
 * Brings min_vruntime up to date as the kernel's update_curr does.
 */
export function cfsTickPreempts(rq: FairRunqueues, cpu: number, curr: HostEntity, latencyNs: number, minGranularityNs: number): boolean {
  const s = fairSlot(curr);
  const q = rq.queues[cpu];
  let load = 0;
  let left: FairSlot | null = null;
  for (let i = 0; i < q.length; i++) {
    const xs = fairSlot(q[i]);
    if (!rq.visible(xs, cpu)) continue;
    load += xs.weight;
    if (q[i] !== curr && (left === null || xs.vruntime < left.vruntime)) left = xs;
  }
  if (left === null) return false;
  rq.raiseMinVruntime(cpu, Math.min(s.vruntime, left.vruntime));
  const nr = rq.nrVisible[cpu];
  const period = nr > NR_LATENCY ? nr * minGranularityNs : latencyNs;
  const ideal = (period * s.weight) / load; // §6.1 ideal slice
  const ran = s.sumExec - s.sumExecAtPick;
  return ran > ideal || (ran >= minGranularityNs && s.vruntime - left.vruntime > ideal);
}

/**
 * CFS pick_next_entity (§6.1): the leftmost, unless it is the skip buddy (`skip[cpu]`) and the
 * second is within wakeup_gran of it (wakeup_preempt_entity(second, left) < 1). Picking the skip
 * buddy clears it.
 */
export function pickCfs(rq: FairRunqueues, cpu: number, skip: (HostEntity | null)[], wakeupGranularityNs: number): HostEntity | null {
  const left = rq.leftmost(cpu, null);
  const buddy = skip[cpu];
  if (left === null || buddy === null) return left;
  if (left === buddy) {
    const second = rq.leftmost(cpu, buddy);
    const ls = fairSlot(left);
    const gran = (wakeupGranularityNs * NICE0_LOAD) / ls.weight; // wakeup_gran(left)
    if (second !== null && fairSlot(second).vruntime - ls.vruntime <= gran) return second;
    skip[cpu] = null;
  }
  return left;
}
