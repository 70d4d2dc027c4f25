// The RT class's per-CPU runqueues and its SMP placement rules (linux-irmos.md §3.4): POSIX priority
// order with FIFO among equals, a cpupri-like CPU score, wake-up placement, and the choice of what to
// push and what to pull. Throttling state lives in the bandwidth objects (rt-bandwidth.ts); this file
// only asks whether a task is visible.
//
// Modelling choices [M]:
// - Flat priority view of RT groups: a group entity sits at its best task's priority (§3.3), so the
//   best visible task of a CPU is the best task of its best group. Ties across groups fall back to
//   queue order.
// - A CPU's score ignores root throttling, as Linux's cpupri does (the root rt_rq keeps its highest
//   priority while throttled), so a throttled CPU with RT work is not a push target.
// - Push and pull move only visible (unthrottled) tasks.

import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext, SchedClass } from '../../src/engine/policy.js';
import type { Ns } from '../../src/scenario/types.js';
import type { RtBandwidth } from './rt-bandwidth.js';

export interface RtSlot {
  /** 1..99, higher is more urgent. */
  prio: number;
  rr: boolean;
  group: RtBandwidth | null;
  /** FIFO order among equal priorities: smaller = nearer the head. */
  seq: number;
  /** Index in its CPU's queue while queued. */
  index: number;
  queued: boolean;
  rrLeftNs: Ns;
  prevCpu: number;
}

/** The RT-class state of `e` (its sched_rt_entity): the one typed view of `e.slot` for this class. */
export function rtSlot(e: HostEntity): RtSlot {
  return e.slot as RtSlot;
}

/** POSIX order: higher priority first, then nearer the head of its priority list. */
export function ranksBefore(a: RtSlot, b: RtSlot): boolean {
  return a.prio > b.prio || (a.prio === b.prio && a.seq < b.seq);
}

export class RtRunqueues {
  readonly queues: HostEntity[][];
  totalQueued = 0;
  private seq = 0;

  constructor(
    private readonly ctx: PolicyContext,
    /** The class whose entities these are (to recognise them on a CPU). */
    private readonly owner: SchedClass,
    /** Root bandwidth object, or null when the root is unlimited. */
    private readonly root: RtBandwidth | null,
  ) {
    this.queues = Array.from({ length: ctx.cpuCount }, () => []);
  }

  /** Send the entity to the tail of its priority list. */
  toTail(s: RtSlot): void {
    s.seq = ++this.seq;
  }

  /**
   * requeue_task_rt(rq, p, 0), sched_yield's rule (yield_task_rt): the task goes to the tail of its
   * priority list at every level, so a grouped task's group entity goes to the tail in the root
   * list too; in the flat view the group's other tasks on `cpu` move behind the other groups first,
   * in their order, then the task behind them.
   */
  requeueTail(e: HostEntity, cpu: number): void {
    const s = rtSlot(e);
    if (s.group !== null) {
      const peers = this.queues[cpu].filter((x) => x !== e && rtSlot(x).group === s.group);
      peers.sort((a, b) => rtSlot(a).seq - rtSlot(b).seq);
      for (const x of peers) this.toTail(rtSlot(x));
    }
    this.toTail(s);
  }

  visible(s: RtSlot, cpu: number): boolean {
    if (this.root !== null && this.root.throttled[cpu] !== 0) return false;
    return s.group === null || s.group.throttled[cpu] === 0;
  }

  /** Best visible entity queued on `cpu` (the RT pick). */
  best(cpu: number): HostEntity | null {
    if (this.root !== null && this.root.throttled[cpu] !== 0) return null;
    const q = this.queues[cpu];
    let best: HostEntity | null = null;
    let bs: RtSlot | null = null;
    for (let i = 0; i < q.length; i++) {
      const s = rtSlot(q[i]);
      if (s.group !== null && s.group.throttled[cpu] !== 0) continue;
      if (bs === null || ranksBefore(s, bs)) {
        best = q[i];
        bs = s;
      }
    }
    return best;
  }

  /** Whether another visible entity of priority `prio` waits on `cpu` (RR rotation). */
  hasPeer(e: HostEntity, cpu: number): boolean {
    const prio = rtSlot(e).prio;
    const q = this.queues[cpu];
    for (let i = 0; i < q.length; i++) {
      const s = rtSlot(q[i]);
      if (q[i] !== e && s.prio === prio && this.visible(s, cpu)) return true;
    }
    return false;
  }

  /**
   * cpupri-like score (§3.4): the priority of the CPU's best queued task of an unthrottled group;
   * without RT work, 0 when busy with other work and −1 when idle.
   */
  score(cpu: number): number {
    const q = this.queues[cpu];
    let top = 0;
    for (let i = 0; i < q.length; i++) {
      const s = rtSlot(q[i]);
      if (s.prio > top && (s.group === null || s.group.throttled[cpu] === 0)) top = s.prio;
    }
    if (top > 0) return top;
    return this.ctx.current(cpu) === null ? -1 : 0;
  }

  /** Lowest-scoring allowed CPU (≠ exclude) where priority `prio` would run at once, `prefer` on ties; −1 if none. */
  lowest(e: HostEntity, prio: number, prefer: number, exclude: number): number {
    let best = -1;
    let bestScore = prio;
    for (const c of e.affinity) {
      if (c === exclude) continue;
      const sc = this.score(c);
      if (sc < bestScore || (sc === bestScore && c === prefer && best >= 0)) {
        best = c;
        bestScore = sc;
      }
    }
    return best;
  }

  /** §3.4 wake-up placement (select_task_rq_rt). */
  selectCpu(e: HostEntity): number {
    const s = rtSlot(e);
    if (e.runningOn >= 0 && e.allows(e.runningOn)) return e.runningOn; // woke again before being switched out
    const prev = s.prevCpu >= 0 && e.allows(s.prevCpu) ? s.prevCpu : e.affinity[0];
    if (e.affinity.length === 1) return prev;
    const cur = this.ctx.current(prev);
    // Keep the previous CPU if it would run the task at once, unless that pre-empts a pinned RT task.
    const pinnedVictim = cur !== null && cur.schedClass === this.owner && cur.runnable && cur.affinity.length === 1;
    if (this.score(prev) < s.prio && !pinnedVictim) return prev;
    const target = this.lowest(e, s.prio, prev, -1);
    return target >= 0 ? target : prev;
  }

  /** §3.4 push: the best waiting visible task on `cpu` that is not its pick and may migrate, or null. */
  pushCandidate(cpu: number): HostEntity | null {
    const pick = this.best(cpu);
    if (pick === null) return null;
    const q = this.queues[cpu];
    let cand: HostEntity | null = null;
    let cs: RtSlot | null = null;
    for (let i = 0; i < q.length; i++) {
      const x = q[i];
      const xs = rtSlot(x);
      if (x === pick || x.runningOn >= 0 || x.affinity.length < 2 || !this.visible(xs, cpu)) continue;
      if (cs === null || ranksBefore(xs, cs)) {
        cand = x;
        cs = xs;
      }
    }
    return cand;
  }

  /**
   * §3.4 pull: the best task waiting on another CPU (not that CPU's pick, not running, visible),
   * allowed on `cpu` and of higher priority than what `cpu` would run; null if none.
   */
  pullCandidate(cpu: number): HostEntity | null {
    if (this.totalQueued < 2) return null;
    if (this.root !== null && this.root.throttled[cpu] !== 0) return null;
    const local = this.best(cpu);
    const floor = local === null ? 0 : rtSlot(local).prio;
    let cand: HostEntity | null = null;
    let cs: RtSlot | null = null;
    for (let c = 0; c < this.queues.length; c++) {
      const q = this.queues[c];
      if (c === cpu || q.length < 2) continue;
      const pick = this.best(c);
      if (pick === null) continue;
      for (let i = 0; i < q.length; i++) {
        const x = q[i];
        const xs = rtSlot(x);
        if (x === pick || x.runningOn >= 0 || xs.prio <= floor || !this.visible(xs, c) || !x.allows(cpu)) continue;
        if (cs === null || ranksBefore(xs, cs)) {
          cand = x;
          cs = xs;
        }
      }
    }
    return cand;
  }

  insert(e: HostEntity, cpu: number): void {
    const s = rtSlot(e);
    const q = this.queues[cpu];
    s.index = q.length;
    q.push(e);
    s.queued = true;
    s.prevCpu = cpu;
    e.cpu = cpu;
    if (s.group !== null) s.group.nrQueued[cpu]++;
    if (this.root !== null) this.root.nrQueued[cpu]++;
    this.totalQueued++;
  }

  remove(e: HostEntity): void {
    const s = rtSlot(e);
    if (!s.queued) return;
    const cpu = e.cpu;
    const q = this.queues[cpu];
    const last = q.pop()!;
    if (last !== e) {
      q[s.index] = last;
      rtSlot(last).index = s.index;
    }
    s.queued = false;
    s.index = -1;
    if (s.group !== null) s.group.nrQueued[cpu]--;
    if (this.root !== null) this.root.nrQueued[cpu]--;
    this.totalQueued--;
  }

  /** Migrate a queued, not running entity; it joins the tail of its priority on the new CPU. */
  move(e: HostEntity, to: number): void {
    this.remove(e);
    this.toTail(rtSlot(e));
    this.insert(e, to);
  }
}
