// The guest OS scheduler inside a VMU: it places the VMU's runnable tasks on its vCPUs. It sees
// vCPUs as processors that are always there; whether the host actually runs a vCPU is invisible to
// it — a task placed on a vCPU the host does not run makes no progress. That blindness is where the
// hierarchical effects come from.
//
// This module is the machinery common to every guest policy [M]: global scheduling over the VMU's
// vCPUs (Linux guests approximate it with RT and DL push/pull), the runnable set, queue order among
// equals, and the placement. The order itself is the policy's (guest-policy.ts, guest-policies/).

import type { Ns } from './system.js';
import type { HostEntity, Task } from './entities.js';
import type { GuestPolicy, GuestQueue } from './guest-policy.js';

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

export class Guest implements GuestQueue {
  /** Runnable tasks (have a pending job). */
  private readonly runnable: Task[] = [];
  private orderCounter = 0;
  /** Set when a wake, block or tick may change the placement; cleared by reassign(). */
  dirty = false;
  // Scratch space of the multi-vCPU placement, reused so the hot path allocates nothing.
  private readonly ordered: Task[] = [];
  private readonly chosen: (Task | null)[];
  /** vCPU indices in the order the matching first filled them (the first `filled`), and their tasks then. */
  private readonly filledOrder: number[] = [];
  private filled = 0;
  private readonly snapshot: Task[] = [];
  private readonly visitedAt: Uint32Array;
  private visitStamp = 0;

  constructor(
    readonly policy: GuestPolicy,
    readonly vcpus: HostEntity[],
    readonly tickNs: Ns,
    private readonly host: GuestHost,
  ) {
    this.chosen = vcpus.map(() => null);
    this.visitedAt = new Uint32Array(vcpus.length);
  }

  markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.host.guestDirty(this);
  }

  requeue(task: Task): void {
    task.guestSlot.order = this.orderCounter++;
  }

  wake(task: Task): void {
    // An I/O stage can hand a task new work in the instant its last job finished: it never left.
    if (this.runnable.includes(task)) return;
    const st = task.guestSlot;
    // Blocked and woken again in one instant (a job completing at its successor's release): the
    // guest will most likely pick it again for the vCPU it never left.
    if (isPlaced(task)) st.newJobWhilePlaced = true;
    st.order = this.orderCounter++;
    this.policy.wake?.(task);
    this.runnable.push(task);
    this.markDirty();
  }

  /**
   * The task's job completed and its next job was already queued: it goes on without blocking
   * (a late periodic task), but the guest decides again — under EDF the new job's later deadline
   * may lose to another task's.
   */
  nextJob(task: Task): void {
    task.guestSlot.newJobWhilePlaced = true;
    if (this.policy.requeueOnNextJob) this.requeue(task);
    this.markDirty();
  }

  block(task: Task): void {
    // Removed in place, order kept: splice allocated the array of removed elements on every block
    // (a fifth of the 4-vCPU EDF set's allocation, issue 14).
    const runnable = this.runnable;
    const i = runnable.indexOf(task);
    if (i >= 0) {
      for (let k = i + 1; k < runnable.length; k++) runnable[k - 1] = runnable[k];
      runnable.pop();
    }
    this.markDirty();
  }

  /** Account executed time into policy state (called with the delta a task just ran). */
  charge(task: Task, deltaNs: Ns): void {
    this.policy.charge?.(task, deltaNs);
  }

  /** Guest tick: the policy's periodic decisions (RR rotation, fair re-balancing). */
  tick(): void {
    for (let v = 0; v < this.vcpus.length; v++) this.host.settleVcpu(this.vcpus[v]);
    this.policy.tick?.(this.runnable, this);
  }

  /** Policy order, then queue order among equals. */
  private readonly compare = (a: Task, b: Task): number =>
    this.policy.compare(a, b) || a.guestSlot.order - b.guestSlot.order;

  /** Recompute the placement of runnable tasks on vCPUs (global policy, affinity respected). */
  reassign(): void {
    this.dirty = false;
    const vcpus = this.vcpus;
    for (let v = 0; v < vcpus.length; v++) this.host.settleVcpu(vcpus[v]);
    if (vcpus.length === 1) return this.reassignSingle();
    // The scratch arrays are overwritten up to a count, never emptied with `length = 0` (which
    // frees their storage, so every pass allocated anew: issue 14, allocation profile).
    const ordered = this.ordered;
    const runnable = this.runnable;
    const count = runnable.length;
    // Insertion sort: a VMU's few runnable tasks, and faster than Array.prototype.sort's calls into a
    // comparator at this size. The order is the same: `compare` is total (queue orders are distinct).
    for (let n = 0; n < count; n++) {
      const t = runnable[n];
      let i = n;
      while (i > 0 && this.compare(t, ordered[i - 1]) < 0) {
        ordered[i] = ordered[i - 1];
        i--;
      }
      ordered[i] = t;
    }
    if (count > 0) this.policy.headChosen?.(ordered[0]);

    // Which tasks run: in policy order, each task is admitted if the tasks admitted so far and it
    // can all have an allowed vCPU (bipartite matching by augmenting paths; a few tasks and vCPUs).
    const chosen = this.chosen;
    chosen.fill(null);
    this.filled = 0;
    for (let n = 0; n < count; n++) {
      if (this.filled === chosen.length) break;
      this.visitStamp++;
      this.augment(ordered[n]);
    }
    // Then avoid needless migrations: swap two chosen tasks when each may run where the other is
    // placed and one of them gets back the vCPU it is on (vCPUs visited in the order they were
    // first filled; the tasks as they were before any swap).
    const filledOrder = this.filledOrder;
    const snapshot = this.snapshot;
    const filled = this.filled;
    for (let k = 0; k < filled; k++) snapshot[k] = chosen[filledOrder[k]]!;
    for (let k = 0; k < filled; k++) {
      const v = filledOrder[k];
      const task = snapshot[k];
      if (chosen[v] !== task) continue; // moved by an earlier swap
      const home = task.runner;
      if (home === null || !home.isVcpu) continue;
      const h = vcpuIndex(home);
      if (h === v || !task.spec.affinity.includes(h)) continue;
      const other = chosen[h];
      if (other === null) {
        chosen[v] = null;
        chosen[h] = task;
      } else if (other.runner !== home && other.spec.affinity.includes(v)) {
        chosen[h] = task;
        chosen[v] = other;
      }
    }
    for (let v = 0; v < chosen.length; v++) if (needsAssign(vcpus[v], chosen[v])) this.host.assign(vcpus[v], chosen[v]);
  }

  /** One vCPU (the common case): the best runnable task, found without sorting or allocating. */
  private reassignSingle(): void {
    let best: Task | null = null;
    const runnable = this.runnable;
    for (let n = 0; n < runnable.length; n++) if (best === null || this.compare(runnable[n], best) < 0) best = runnable[n];
    if (best !== null) this.policy.headChosen?.(best);
    const v = this.vcpus[0];
    if (needsAssign(v, best)) this.host.assign(v, best);
  }

  /** Find `task` a vCPU, moving already chosen tasks along an augmenting path if needed. */
  private augment(task: Task): boolean {
    const affinity = task.spec.affinity;
    for (let a = 0; a < affinity.length; a++) {
      const i = affinity[a];
      if (this.visitedAt[i] === this.visitStamp) continue;
      this.visitedAt[i] = this.visitStamp;
      const holder = this.chosen[i];
      if (holder === null || this.augment(holder)) {
        if (holder === null) this.filledOrder[this.filled++] = i;
        this.chosen[i] = task;
        return true;
      }
    }
    return false;
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
