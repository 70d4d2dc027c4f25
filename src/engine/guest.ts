// The guest OS scheduler inside a VMU: it places the VMU's runnable tasks on its vCPUs. It sees
// vCPUs as processors that are always there; whether the host actually runs a vCPU is invisible to
// it — a task placed on a vCPU the host does not run makes no progress. That blindness is where the
// hierarchical effects come from.
//
// Policies [M]: global scheduling over the VMU's vCPUs (Linux guests approximate this with RT and
// DL push/pull):
// - fifo: POSIX fixed priority, FIFO among equals; SCHED_RR tasks rotate when their quantum
//   (100 ms, sched_rr_timeslice_ms; linux-irmos.md §0 row 6) is used up, checked at guest ticks.
// - edf: earliest absolute job deadline first (a guest running its tasks under SCHED_DEADLINE with
//   runtime ≥ demand: EDF order; budget enforcement inside the guest is not modelled).
// - fair: least virtual runtime first, re-evaluated at wake-ups, blocks and guest ticks
//   (CFS-like: vruntime += exec·1024/weight; a waking task is placed no earlier than the smallest
//   vruntime minus one tick, GENTLE_FAIR_SLEEPERS-style; linux-irmos.md §6.1).

import type { GuestSchedulerKind, Ns } from './system.js';
import type { HostEntity, Task } from './entities.js';

const RR_QUANTUM_NS = 100_000_000;
const NICE0_WEIGHT = 1024;

/** Linux's nice-to-weight table (kernel/sched/core.c sched_prio_to_weight), nice -20..19. */
export const NICE_TO_WEIGHT = [
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991,
  1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];

export function niceWeight(nice: number): number {
  return NICE_TO_WEIGHT[Math.max(-20, Math.min(19, nice)) + 20];
}

/** Engine services the guest needs: settle accounting and hand a task to a vCPU. */
export interface GuestHost {
  readonly now: Ns;
  /** Settle the pCPU a vCPU runs on, so task progress is accounted before a change. */
  settleVcpu(vcpu: HostEntity): void;
  /** Place `task` (or nothing) on `vcpu`; wakes or blocks the vCPU on the host as needed. */
  assign(vcpu: HostEntity, task: Task | null): void;
  /** The guest has a placement to recompute in this instant's reschedule pass. */
  guestDirty(guest: Guest): void;
}

export class Guest {
  /** Runnable tasks (have a pending job). */
  private readonly runnable: Task[] = [];
  private orderCounter = 0;
  private minVruntime = 0;
  /** Set when a wake, block or tick may change the placement; cleared by reassign(). */
  dirty = false;

  constructor(
    readonly kind: GuestSchedulerKind,
    readonly vcpus: HostEntity[],
    readonly tickNs: Ns,
    private readonly host: GuestHost,
  ) {}

  private markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.host.guestDirty(this);
  }

  wake(task: Task): void {
    // An I/O stage can hand a task new work in the instant its last job finished: it never left.
    if (this.runnable.includes(task)) return;
    const st = task.guestSlot;
    // Blocked and woken again in one instant (a job completing at its successor's release): the
    // guest will most likely pick it again for the vCPU it never left.
    if (isPlaced(task)) st.newJobWhilePlaced = true;
    st.order = this.orderCounter++;
    if (this.kind === 'fair') st.vruntime = Math.max(st.vruntime, this.minVruntime - this.tickNs);
    if (task.spec.policy.class === 'rr' && st.rrLeftNs <= 0) st.rrLeftNs = RR_QUANTUM_NS;
    this.runnable.push(task);
    this.markDirty();
  }

  /**
   * The task's job completed and its next job was already queued: it goes on without blocking
   * (a late periodic task), but the guest decides again — under EDF the new job's later deadline
   * may lose to another task's.
   */
  nextJob(task: Task): void {
    const st = task.guestSlot;
    st.newJobWhilePlaced = true;
    // SCHED_DEADLINE re-queues a task whose deadline moved behind the equal deadlines already
    // queued (enqueue_dl_entity after replenishment); a FIFO task keeps its place in its list.
    if (this.kind === 'edf') st.order = this.orderCounter++;
    this.markDirty();
  }

  block(task: Task): void {
    const i = this.runnable.indexOf(task);
    if (i >= 0) this.runnable.splice(i, 1);
    this.markDirty();
  }

  /** Account executed time into policy state (called with the delta a task just ran). */
  charge(task: Task, deltaNs: Ns): void {
    const st = task.guestSlot;
    if (this.kind === 'fair') st.vruntime += (deltaNs * NICE0_WEIGHT) / weightOf(task);
    if (task.spec.policy.class === 'rr') st.rrLeftNs -= deltaNs;
  }

  /** Guest tick: rotate RR tasks whose quantum is spent; let fair re-balance. */
  tick(): void {
    for (const v of this.vcpus) this.host.settleVcpu(v);
    for (const t of this.runnable) {
      if (t.spec.policy.class === 'rr' && t.guestSlot.rrLeftNs <= 0) {
        t.guestSlot.rrLeftNs = RR_QUANTUM_NS;
        t.guestSlot.order = this.orderCounter++;
        this.markDirty();
      }
    }
    if (this.kind === 'fair') this.markDirty();
  }

  /** Recompute the placement of runnable tasks on vCPUs (global policy, affinity respected). */
  reassign(): void {
    this.dirty = false;
    for (const v of this.vcpus) this.host.settleVcpu(v);
    if (this.vcpus.length === 1) return this.reassignSingle();
    const ordered = this.runnable.slice().sort(this.comparator());
    if (this.kind === 'fair' && ordered.length > 0) this.minVruntime = ordered[0].guestSlot.vruntime;

    // Which tasks run: in policy order, each task is admitted if the tasks admitted so far and it
    // can all have an allowed vCPU (bipartite matching by augmenting paths; a few tasks and vCPUs).
    const chosen = new Map<HostEntity, Task>();
    for (const task of ordered) {
      if (chosen.size === this.vcpus.length) break;
      this.augment(task, chosen, new Set());
    }
    // Then avoid needless migrations: swap two chosen tasks when each may run where the other is
    // placed and one of them gets back the vCPU it is on.
    for (const [v, task] of [...chosen]) {
      if (chosen.get(v) !== task) continue; // moved by an earlier swap
      const home = task.runner;
      if (home === null || home === v || !home.isVcpu || !task.spec.affinity.includes(vcpuIndex(home))) continue;
      const other = chosen.get(home);
      if (other === undefined) {
        chosen.delete(v);
        chosen.set(home, task);
      } else if (other.runner !== home && other.spec.affinity.includes(vcpuIndex(v))) {
        chosen.set(home, task);
        chosen.set(v, other);
      }
    }
    const changed = this.vcpus.filter((v) => needsAssign(v, chosen.get(v) ?? null));
    for (const v of changed) this.host.assign(v, chosen.get(v) ?? null);
  }

  /** One vCPU (the common case): the best runnable task, found without sorting or allocating. */
  private reassignSingle(): void {
    const compare = this.comparator();
    let best: Task | null = null;
    for (const t of this.runnable) if (best === null || compare(t, best) < 0) best = t;
    if (this.kind === 'fair' && best !== null) this.minVruntime = best.guestSlot.vruntime;
    const v = this.vcpus[0];
    if (needsAssign(v, best)) this.host.assign(v, best);
  }

  /** Find `task` a vCPU, moving already chosen tasks along an augmenting path if needed. */
  private augment(task: Task, chosen: Map<HostEntity, Task>, visited: Set<HostEntity>): boolean {
    for (const i of task.spec.affinity) {
      const v = this.vcpus[i];
      if (visited.has(v)) continue;
      visited.add(v);
      const holder = chosen.get(v);
      if (holder === undefined || this.augment(holder, chosen, visited)) {
        chosen.set(v, task);
        return true;
      }
    }
    return false;
  }

  private comparator(): (a: Task, b: Task) => number {
    return (this.compare ??= this.makeComparator());
  }

  private compare: ((a: Task, b: Task) => number) | undefined;

  private makeComparator(): (a: Task, b: Task) => number {
    switch (this.kind) {
      case 'fifo':
        return (a, b) => priorityOf(b) - priorityOf(a) || a.guestSlot.order - b.guestSlot.order;
      case 'edf':
        return (a, b) =>
          (a.currentJob?.deadline ?? Infinity) - (b.currentJob?.deadline ?? Infinity) ||
          a.guestSlot.order - b.guestSlot.order;
      case 'fair':
        return (a, b) => a.guestSlot.vruntime - b.guestSlot.vruntime || a.guestSlot.order - b.guestSlot.order;
    }
  }
}

function isPlaced(task: Task): boolean {
  return task.runner !== null && task.runner.task === task;
}

/** A vCPU is handed `task` when its task changes, or when its task moved on to a new job in place. */
function needsAssign(v: HostEntity, task: Task | null): boolean {
  if (task === null) return v.task !== null;
  const renewed = task.guestSlot.newJobWhilePlaced;
  task.guestSlot.newJobWhilePlaced = false;
  return renewed || v.task !== task;
}

function vcpuIndex(v: HostEntity): number {
  return v.origin.kind === 'vcpu' ? v.origin.index : -1;
}

function priorityOf(t: Task): number {
  const p = t.spec.policy;
  return p.class === 'fifo' || p.class === 'rr' ? p.priority : 0;
}

function weightOf(t: Task): number {
  const p = t.spec.policy;
  return p.class === 'fair' ? niceWeight(p.nice) : NICE0_WEIGHT;
}
