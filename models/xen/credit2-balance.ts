// Credit2 load balancing between runqueues (xen.md §3 "Load balancing"), run by a runqueue at each of
// its epoch resets: find the runqueue whose load average differs most from this one; act only if the
// difference is ≥ 1 vCPU (neither over-loaded) or ≥ 1/8 (over-loaded); then apply the single push,
// pull or swap of vCPUs (by their own load averages) that leaves the smallest difference.
//
// [M] The threshold compares the two runqueues actually being balanced (Xen reads the last runqueue
// of its scan there). Only used with runqueue 'cpu' (the default 'all' has a single runqueue).

import type { Ns } from '../../src/scenario/types.js';
import { type C2Runqueue, type C2Vcpu, updateVcpuLoad } from './credit2-runqueue.js';

/** What the balancer needs from the class. */
export interface C2Balancer {
  readonly runqueues: C2Runqueue[];
  migrate(v: C2Vcpu, to: C2Runqueue, now: Ns): void;
}

/** Under-load tolerance 2^0 = 1 vCPU; over-load tolerance 2^−3 = 1/8 (Xen's defaults). */
const UNDERLOAD_TOLERANCE = 1;
const OVERLOAD_TOLERANCE = 1 / 8;

export function balanceLoad(b: C2Balancer, lrq: C2Runqueue, now: Ns): void {
  lrq.updateLoad(now, 0);
  let orq: C2Runqueue | null = null;
  let delta = 0;
  for (const rq of b.runqueues) {
    if (rq === lrq) continue;
    rq.updateLoad(now, 0);
    const d = Math.abs(lrq.avgload - rq.avgload);
    if (d > delta) {
      delta = d;
      orq = rq;
    }
  }
  if (orq === null) return;
  const loadMax = Math.max(lrq.avgload, orq.avgload);
  const cpusMax = Math.max(lrq.cpus.length, orq.cpus.length);
  if (delta < (loadMax < cpusMax ? UNDERLOAD_TOLERANCE : OVERLOAD_TOLERANCE)) return;

  let best = delta;
  let push: C2Vcpu | null = null;
  let pull: C2Vcpu | null = null;
  const consider = (p: C2Vcpu | null, q: C2Vcpu | null) => {
    let l = lrq.avgload;
    let o = orq!.avgload;
    if (p !== null) {
      l -= p.avgload;
      o += p.avgload;
    }
    if (q !== null) {
      l += q.avgload;
      o -= q.avgload;
    }
    const d = Math.abs(l - o);
    if (d < best) {
      best = d;
      push = p;
      pull = q;
    }
  };
  for (const q of orq.vcpus) updateVcpuLoad(q, now, 0);
  for (const p of lrq.vcpus) {
    updateVcpuLoad(p, now, 0);
    if (!migrateable(p, orq)) continue;
    for (const q of orq.vcpus) if (migrateable(q, lrq)) consider(p, q);
    consider(p, null);
  }
  for (const q of orq.vcpus) if (migrateable(q, lrq)) consider(null, q);
  const pushed = push as C2Vcpu | null;
  const pulled = pull as C2Vcpu | null;
  if (pushed !== null) b.migrate(pushed, orq, now);
  if (pulled !== null) b.migrate(pulled, lrq, now);
}

/** unit_is_migrateable: not already moving, and allowed on some pCPU of `rq`. */
function migrateable(v: C2Vcpu, rq: C2Runqueue): boolean {
  if (v.migrateTo !== null) return false;
  for (const c of v.entity.affinity) if (rq.has(c)) return true;
  return false;
}
