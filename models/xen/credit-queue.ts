// Xen Credit (credit1): per-vCPU and per-domain state, priorities, and the per-pCPU run queue
// (xen.md §2.1). The queue is an explicit ordered list, as Xen's is: a vCPU is inserted behind every
// entry of equal or higher priority, but priorities change in place (accounting, §2.4) without
// moving entries, so the list is only re-sorted at each pCPU's next tick (§2.3 step 2) and the head
// is taken as it stands.

import type { HostEntity } from '../../src/engine/entities.js';

/** §0 / §2.1: BOOST 0 > UNDER −1 > OVER −2 > IDLE −64. */
export const CREDIT_PRI = { BOOST: 0, UNDER: -1, OVER: -2, IDLE: -64 } as const;
export type CreditPri = (typeof CREDIT_PRI)[keyof typeof CREDIT_PRI];

export interface CreditDomain {
  id: string;
  /** 1..65535 (§0). */
  weight: number;
  /** % of one pCPU, 0 = uncapped (§0, §2.11). */
  cap: number;
  /** Active vCPUs, in Xen's list order (a newly active vCPU goes to the head). */
  activeVcpus: HostEntity[];
}

/** §2.1 per-vCPU scheduler data. */
export interface CreditSlot {
  dom: CreditDomain;
  /** Signed credits; 1 credit = 100 µs of CPU. */
  credit: number;
  /** Sub-credit remainder of exact burning (§2.2), in ns × credits-per-ms (< 1e6). */
  residual: number;
  pri: CreditPri;
  /** PARKED: paused by its domain's cap until an accounting gives it credit ≥ 0 again (§2.11). */
  parked: boolean;
  /** MIGRATING flag: the next wake is a migration (or the first insertion), not a real wake (§2.5). */
  migrating: boolean;
  /** _VPF_migrating: the tick's placement found a better pCPU; leave at the next schedule (§2.3). */
  migratePending: boolean;
  /** On its domain's active list (earning credit at accounting, §2.4). */
  active: boolean;
  /** v->processor: the pCPU whose run queue it joins when it wakes (kept while blocked). */
  processor: number;
  /** The soft balancing step's pCPUs (soft ∩ hard), or null without a useful soft affinity (affinity.ts). */
  softMask: readonly number[] | null;
  queued: boolean;
  /** Total credits debited, by burning or by sampled ticks (for tests and traces). */
  burned: number;
}

export function slotOf(e: HostEntity): CreditSlot {
  return e.slot as CreditSlot;
}

/** Current Credit priority of a vCPU admitted to a CreditClass (CREDIT_PRI values). */
export function creditPriority(e: HostEntity): CreditPri {
  return slotOf(e).pri;
}

export function creditPriorityName(pri: number): 'BOOST' | 'UNDER' | 'OVER' | 'IDLE' {
  return pri === CREDIT_PRI.BOOST ? 'BOOST' : pri === CREDIT_PRI.UNDER ? 'UNDER' : pri === CREDIT_PRI.OVER ? 'OVER' : 'IDLE';
}

/** A snapshot of a vCPU's Credit state, for tests and traces. */
export function creditState(e: HostEntity): {
  pri: 'BOOST' | 'UNDER' | 'OVER' | 'IDLE';
  credit: number;
  burned: number;
  active: boolean;
  parked: boolean;
  processor: number;
} {
  const s = slotOf(e);
  return { pri: creditPriorityName(s.pri), credit: s.credit, burned: s.burned, active: s.active, parked: s.parked, processor: s.processor };
}

/**
 * §2.5 step 3 / §2.7 step 4: insert behind every entry whose priority is ≥ its own, i.e. before the
 * first strictly lower one (FIFO within a priority: round-robin at slice end).
 */
export function runqInsert(q: HostEntity[], e: HostEntity): void {
  const pri = slotOf(e).pri;
  let at = 0;
  while (at < q.length && slotOf(q[at]).pri >= pri) at++;
  insertAt(q, at, e);
}

/** A stolen vCPU runs at once (§2.8): it goes to the head of the stealer's queue. */
export function runqPushHead(q: HostEntity[], e: HostEntity): void {
  insertAt(q, 0, e);
}

export function runqRemove(q: HostEntity[], e: HostEntity): void {
  const at = q.indexOf(e);
  if (at < 0) throw new Error(`credit: ${e.id} is not on the run queue it claims`);
  removeAt(q, at);
}

export function removeAt(q: HostEntity[], at: number): void {
  for (let i = at; i < q.length - 1; i++) q[i] = q[i + 1];
  q.pop();
  // The caller owns the slot's `queued` flag.
}

function insertAt(q: HostEntity[], at: number, e: HostEntity): void {
  q.push(e);
  for (let i = q.length - 1; i > at; i--) q[i] = q[i - 1];
  q[at] = e;
}

/**
 * §2.3 step 2: the tick's O(n) re-sort after an accounting, a stable partition that moves every
 * UNDER-or-better entry ahead of every OVER entry. `scratch` is reused (no allocation per tick).
 */
export function runqSort(q: HostEntity[], scratch: HostEntity[]): void {
  let under = 0;
  scratch.length = 0;
  for (let i = 0; i < q.length; i++) {
    const e = q[i];
    if (slotOf(e).pri >= CREDIT_PRI.UNDER) q[under++] = e;
    else scratch.push(e);
  }
  for (let i = 0; i < scratch.length; i++) q[under + i] = scratch[i];
  scratch.length = 0;
}
