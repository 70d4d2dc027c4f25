// RTDS's ReplQ (xen.md §4 "Replenishment timer"): the runnable vCPUs ordered by cur_deadline, ties
// by admission order — the order in which the replenishment handler takes them and whose head arms
// its timer. Xen keeps a sorted list; a binary heap indexed by vCPU gives the same order with
// O(log n) updates, where a scan of every vCPU of the pool on each wake, sleep and replenishment
// made a 64-pCPU pool's events cost twice a 4-pCPU one's (issue 14, scale).

import type { Ns } from '../../src/scenario/types.js';

/** What the queue orders: a vCPU's deadline and its admission index (the tie-break). */
export interface ReplMember {
  readonly index: number;
  readonly deadline: Ns;
  /** Slot in the heap while queued, -1 otherwise (the queue's own field). */
  replSlot: number;
}

export class ReplQueue<T extends ReplMember> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  has(v: T): boolean {
    return v.replSlot >= 0;
  }

  /** The earliest member (deadline, then admission order), or null. */
  head(): T | null {
    return this.heap.length > 0 ? this.heap[0] : null;
  }

  add(v: T): void {
    if (v.replSlot >= 0) return this.changed(v);
    v.replSlot = this.heap.length;
    this.heap.push(v);
    this.up(v.replSlot);
  }

  delete(v: T): void {
    const i = v.replSlot;
    if (i < 0) return;
    v.replSlot = -1;
    const last = this.heap.pop()!;
    if (last === v) return;
    this.heap[i] = last;
    last.replSlot = i;
    this.up(i);
    this.down(last.replSlot);
  }

  /** `v`'s deadline changed while it is queued. */
  changed(v: T): void {
    if (v.replSlot < 0) return;
    this.up(v.replSlot);
    this.down(v.replSlot);
  }

  private up(i: number): void {
    const h = this.heap;
    const v = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!earlier(v, h[p])) break;
      h[i] = h[p];
      h[i].replSlot = i;
      i = p;
    }
    h[i] = v;
    v.replSlot = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const v = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && earlier(h[c + 1], h[c])) c++;
      if (!earlier(h[c], v)) break;
      h[i] = h[c];
      h[i].replSlot = i;
      i = c;
    }
    h[i] = v;
    v.replSlot = i;
  }
}

function earlier(a: ReplMember, b: ReplMember): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.index < b.index);
}
