// The guest OS scheduler inside a VMU: it places the VMU's runnable tasks on its vCPUs. It sees
// vCPUs as processors that are always there; whether the host actually runs a vCPU is invisible to
// it — a task placed on a vCPU the host does not run makes no progress. That blindness is where the
// hierarchical effects come from.
//
// This module is the machinery common to every guest policy [M]: global scheduling over the VMU's
// vCPUs (Linux guests approximate it with RT and DL push/pull), the runnable set, queue order among
// equals, and the placement. The order itself is the policy's (guest-policy.ts, guest-policies/).

import type { Ns, TaskSpec } from './system.js';
import type { HostEntity, Task } from './entities.js';
import type { GuestPolicy, GuestQueue } from './guest-policy.js';
import { objectArray } from './object-array.js';

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

/** How a guest may shorten its placement (Simulator builds it; tests turn the shortcuts off to compare). */
export interface GuestOptions {
  /**
   * Keep the runnable tasks in policy order as they change, when the policy's order changes only
   * at wake-ups, new jobs and re-queues (GuestPolicy.stableOrder), and place tasks that may all run
   * on every vCPU without the general matching, and leave out a policy charge that changes nothing
   * (GuestPolicy.chargesNothing). Off: every placement sorts and matches from scratch.
   * Same placements either way (test/guest-incremental.test.ts).
   */
  readonly incremental: boolean;
  /** Check at every placement that the kept order is the one a sort gives (with the protocol checks: tests). */
  readonly checkOrder: boolean;
}

const GENERAL: GuestOptions = { incremental: false, checkOrder: false };

export class Guest implements GuestQueue {
  /**
   * Runnable tasks (have a pending job), in wake-up order: what the general path sorts and a tick
   * visits. Kept only when something reads it (`tracksWakeOrder`): a kept order without ticks has
   * its runnable tasks in `sorted`.
   */
  private readonly runnable: Task[] = objectArray();
  /** The same tasks in policy order (then queue order), kept as they change when `keepsOrder`. */
  private readonly sorted: Task[] = objectArray();
  /** The policy's order is stable between wake-ups, new jobs and re-queues, and kept in `sorted` (issue 14). */
  readonly keepsOrder: boolean;
  /** Every task may run on every vCPU, listed in vCPU order: the matching is known in advance. */
  readonly directMatching: boolean;
  /**
   * `runnable` is kept: the general path sorts it, a ticking policy visits it in wake-up order (a
   * round-robin rotation re-queues in that order), the order check sorts it. Otherwise its upkeep —
   * a push at each wake-up, a scan at each block — served nothing (issue 14: the 4-vCPU EDF set).
   */
  private readonly tracksWakeOrder: boolean;
  /** The policy's charge() is called (it has one, and it may change something: GuestPolicy.chargesNothing). */
  private readonly charges: boolean;
  /** Placements settle every vCPU first (the policy's order may read charged state, or a split shows). */
  private settleFirst = true;
  /**
   * A placement is only "the head of `sorted` on the one vCPU": one vCPU, a kept order, no settle
   * first, no policy hook at the head. A wake-up that leaves the head as it was then changes nothing
   * (wake).
   */
  private placesHeadOnly = false;
  private readonly checkOrder: boolean;
  private orderCounter = 0;
  /** Set when a wake, block or tick may change the placement; cleared by reassign(). */
  dirty = false;
  // Scratch space of the multi-vCPU placement, reused so the hot path allocates nothing.
  private readonly ordered: Task[] = objectArray();
  private readonly chosen: (Task | null)[];
  /** vCPU indices in the order the matching first filled them (the first `filled`), and their tasks then. */
  private readonly filledOrder: number[];
  private filled = 0;
  private readonly snapshot: (Task | null)[];
  private readonly visitedAt: Uint32Array;
  private visitStamp = 0;

  constructor(
    readonly policy: GuestPolicy,
    readonly vcpus: HostEntity[],
    readonly tickNs: Ns,
    private readonly host: GuestHost,
    /** The VMU's task specs (every task the guest will schedule). */
    tasks: readonly TaskSpec[] = [],
    options: GuestOptions = GENERAL,
  ) {
    this.chosen = vcpus.map(() => null);
    // Sized up front: a store past the end of a new run's empty array deoptimised reassign ("out of bounds").
    this.filledOrder = vcpus.map((_, i) => i);
    this.snapshot = vcpus.map(() => null);
    this.visitedAt = new Uint32Array(vcpus.length);
    this.keepsOrder = options.incremental && policy.stableOrder === true;
    this.directMatching = options.incremental && tasks.every((t) => t.affinity.length === vcpus.length && t.affinity.every((c, i) => c === i));
    this.checkOrder = options.checkOrder;
    this.tracksWakeOrder = !this.keepsOrder || policy.ticks || this.checkOrder;
    // A charge that changes nothing is left out (issue 14: 1.3 calls per job at 64 pCPUs, FIFO guests).
    this.charges = policy.charge !== undefined && !(options.incremental && policy.chargesNothing === true);
  }

  /**
   * The engine says that settling a vCPU's pCPU only splits its running segment in two (exact
   * accounting in pieces: no interference model, the vCPUs' class charges split-additively, an
   * exact guest charge): a placement of a stable-order policy, which reads no charged state, then
   * settles only the vCPUs it changes (the engine's assign does), not all of them first.
   */
  settlesSplitExactly(exact: boolean): void {
    this.settleFirst = !(this.keepsOrder && exact);
    this.placesHeadOnly = !this.settleFirst && this.vcpus.length === 1 && this.policy.headChosen === undefined;
  }

  markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.host.guestDirty(this);
  }

  requeue(task: Task): void {
    task.guestSlot.order = this.orderCounter++;
    if (this.keepsOrder) this.reposition(task);
  }

  wake(task: Task): void {
    const st = task.guestSlot;
    // An I/O stage can hand a task new work in the instant its last job finished: it never left.
    if (st.runnable) return;
    st.runnable = true;
    // Blocked and woken again in one instant (a job completing at its successor's release): the
    // guest will most likely pick it again for the vCPU it never left.
    if (isPlaced(task)) st.newJobWhilePlaced = true;
    st.order = this.orderCounter++;
    this.policy.wake?.(task);
    if (this.tracksWakeOrder) this.runnable.push(task);
    if (this.keepsOrder) this.insertSorted(task);
    // Behind the head: the placement would choose the head again, which the vCPU holds (a guest
    // that is not dirty was placed as it is, and a task that left the vCPU in this instant made it
    // dirty), and hand nothing to the host (issue 14: at 64 pCPUs, 0.29 placements per job, a task
    // released while a higher-priority task of its VMU runs).
    if (this.placesHeadOnly && this.sorted[0] !== task) return;
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
    else if (this.keepsOrder) this.reposition(task); // its order key is its new job's
    this.markDirty();
  }

  block(task: Task): void {
    task.guestSlot.runnable = false;
    if (this.tracksWakeOrder) removeInPlace(this.runnable, task);
    if (this.keepsOrder) removeInPlace(this.sorted, task);
    this.markDirty();
  }

  /** Account executed time into policy state (called with the delta a task just ran). */
  charge(task: Task, deltaNs: Ns): void {
    if (this.charges) this.policy.charge!(task, deltaNs);
  }

  /** Guest tick: the policy's periodic decisions (RR rotation, fair re-balancing). */
  tick(): void {
    for (let v = 0; v < this.vcpus.length; v++) this.host.settleVcpu(this.vcpus[v]);
    this.policy.tick?.(this.runnable, this);
  }

  /** Policy order, then queue order among equals. A method, not a per-guest closure: the same call target in every run. */
  private compare(a: Task, b: Task): number {
    return this.policy.compare(a, b) || a.guestSlot.order - b.guestSlot.order;
  }

  /** Recompute the placement of runnable tasks on vCPUs (global policy, affinity respected). */
  reassign(): void {
    this.dirty = false;
    const vcpus = this.vcpus;
    if (this.settleFirst) for (let v = 0; v < vcpus.length; v++) this.host.settleVcpu(vcpus[v]);
    if (this.checkOrder && this.keepsOrder) this.checkKeptOrder();
    if (vcpus.length === 1) this.chooseSingle();
    else {
      const ordered = this.keepsOrder ? this.sorted : this.sortRunnable();
      const count = this.keepsOrder ? this.sorted.length : this.runnable.length;
      if (count > 0) this.policy.headChosen?.(ordered[0]);
      if (this.directMatching) this.placeDirect(ordered, count);
      else this.placeMatched(ordered, count);
    }
    // A vCPU is handed its chosen task when its task changes, or when its task moved on to a new job
    // in place. Written here, not as a function of its own: V8 compiled that one by itself as well as
    // inside this one in every cold run (issue 14, --trace-opt).
    const chosen = this.chosen;
    for (let v = 0; v < chosen.length; v++) {
      const vcpu = vcpus[v];
      const task = chosen[v];
      let renewed = false;
      if (task !== null) {
        renewed = task.guestSlot.newJobWhilePlaced;
        task.guestSlot.newJobWhilePlaced = false;
      }
      // One call site: V8 inlines the engine's assignment into this function once per site.
      if (renewed || vcpu.task !== task) this.host.assign(vcpu, task);
    }
  }

  /**
   * Which tasks run, by the general matching: in policy order, each task is admitted if the tasks
   * admitted so far and it can all have an allowed vCPU (bipartite matching by augmenting paths; a
   * few tasks and vCPUs). Then avoid needless migrations: swap two chosen tasks when each may run
   * where the other is placed and one of them gets back the vCPU it is on (vCPUs visited in the order
   * they were first filled; the tasks as they were before any swap).
   */
  private placeMatched(ordered: Task[], count: number): void {
    const chosen = this.chosen;
    for (let v = 0; v < chosen.length; v++) chosen[v] = null;
    this.filled = 0;
    for (let n = 0; n < count; n++) {
      if (this.filled === chosen.length) break;
      this.visitStamp++;
      this.augment(ordered[n]);
    }
    const filledOrder = this.filledOrder;
    const snapshot = this.snapshot;
    const filled = this.filled;
    for (let k = 0; k < filled; k++) snapshot[k] = chosen[filledOrder[k]];
    for (let k = 0; k < filled; k++) {
      const v = filledOrder[k];
      const task = snapshot[k]!;
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
  }

  /**
   * placeMatched's result when every task may run on every vCPU, listed in vCPU order
   * (directMatching), without the matching: tried in vCPU order, the n-th task admitted takes vCPU 0
   * and pushes each task before it one vCPU up, so the first k tasks lie in reverse order on vCPUs
   * 0..k-1, filled in that order — vCPU i's first task is ordered[k-1-i], read there instead of from
   * a snapshot. The swap pass is placeMatched's with its affinity tests, which all hold, left out.
   */
  private placeDirect(ordered: Task[], count: number): void {
    const chosen = this.chosen;
    const n = chosen.length;
    const k = count < n ? count : n;
    for (let i = 0; i < k; i++) chosen[i] = ordered[k - 1 - i];
    for (let i = k; i < n; i++) chosen[i] = null;
    for (let i = 0; i < k; i++) {
      const task = ordered[k - 1 - i];
      if (chosen[i] !== task) continue; // moved by an earlier swap
      const home = task.runner;
      if (home === null || !home.isVcpu) continue;
      const h = vcpuIndex(home);
      if (h === i) continue;
      const other = chosen[h];
      if (other === null) {
        chosen[i] = null;
        chosen[h] = task;
      } else if (other.runner !== home) {
        chosen[h] = task;
        chosen[i] = other;
      }
    }
  }

  /**
   * The runnable tasks in policy order, into the scratch array (its first runnable.length entries).
   * Insertion sort: a VMU's few runnable tasks, and faster than Array.prototype.sort's calls into a
   * comparator at this size. The order is the same: `compare` is total (queue orders are distinct).
   * The scratch array is overwritten up to a count, never emptied with `length = 0` (which frees its
   * storage, so every pass allocated anew: issue 14, allocation profile).
   */
  private sortRunnable(): Task[] {
    const ordered = this.ordered;
    const runnable = this.runnable;
    for (let n = 0; n < runnable.length; n++) {
      const t = runnable[n];
      let i = n;
      while (i > 0 && this.compare(t, ordered[i - 1]) < 0) {
        ordered[i] = ordered[i - 1];
        i--;
      }
      ordered[i] = t;
    }
    return ordered;
  }

  /** Throws when the kept order is not what sorting the runnable tasks now gives (a policy whose order moved unannounced). */
  private checkKeptOrder(): void {
    const fresh = this.sortRunnable();
    const n = this.runnable.length;
    if (this.sorted.length !== n || this.sorted.some((t, i) => t !== fresh[i])) {
      throw new Error(`guest of ${this.vcpus[0]?.id ?? '?'}: kept order [${this.sorted.map((t) => t.id).join(', ')}] is not the policy's [${fresh.slice(0, n).map((t) => t.id).join(', ')}]`);
    }
  }

  /** `task` joins `sorted` at its place in the order (from the back: a new job's deadline is mostly late). */
  private insertSorted(task: Task): void {
    const sorted = this.sorted;
    let i = sorted.length;
    sorted.push(task);
    while (i > 0 && this.compare(task, sorted[i - 1]) < 0) {
      sorted[i] = sorted[i - 1];
      i--;
    }
    sorted[i] = task;
  }

  /** `task`'s order key changed (a new job, a re-queue): move it to its new place in `sorted`, if there. */
  private reposition(task: Task): void {
    if (removeInPlace(this.sorted, task)) this.insertSorted(task);
  }

  /** One vCPU (the common case): the best runnable task as its choice, found without sorting or allocating. */
  private chooseSingle(): void {
    let best: Task | null = null;
    const runnable = this.runnable;
    if (this.keepsOrder) best = this.sorted.length > 0 ? this.sorted[0] : null;
    else for (let n = 0; n < runnable.length; n++) if (best === null || this.compare(runnable[n], best) < 0) best = runnable[n];
    if (best !== null) this.policy.headChosen?.(best);
    this.chosen[0] = best;
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

/**
 * Remove `task` from `list` in place, order kept (splice allocated the array of removed elements on
 * every block: a fifth of the 4-vCPU EDF set's allocation, issue 14). Whether it was there.
 */
function removeInPlace(list: Task[], task: Task): boolean {
  // A loop, not indexOf: a call into the builtin cost more than scanning a VMU's few tasks (issue 14).
  const n = list.length;
  let i = 0;
  while (i < n && list[i] !== task) i++;
  if (i === n) return false;
  for (let k = i + 1; k < n; k++) list[k - 1] = list[k];
  list.pop();
  return true;
}

function isPlaced(task: Task): boolean {
  return task.runner !== null && task.runner.task === task;
}

function vcpuIndex(v: HostEntity): number {
  return v.origin.kind === 'vcpu' ? v.origin.index : -1;
}
