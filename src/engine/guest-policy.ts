// The guest scheduler's seam: what a guest OS policy decides inside a VMU. The guest machinery
// (guest.ts) owns the runnable set, the queue order among equals, and the placement of tasks on
// vCPUs; a policy owns only the order of runnable tasks and the per-task state behind it — the
// guest-side counterpart of a host SchedClass (policy.ts). One file per policy in
// guest-policies/, one line per policy in GUEST_POLICIES below.

import type { Task } from './entities.js';
import type { Ns, TaskSpec } from './system.js';
import { edfPolicy } from './guest-policies/edf.js';
import { fairPolicy } from './guest-policies/fair.js';
import { fifoPolicy } from './guest-policies/fifo.js';

/** What a policy may ask of its guest. */
export interface GuestQueue {
  /** Put `task` behind the runnable tasks it ties with (a new queue position). */
  requeue(task: Task): void;
  /** The placement may have changed: recompute it in this instant's reschedule pass. */
  markDirty(): void;
}

export interface GuestPolicy {
  /** Negative when `a` should run before `b`; 0 leaves it to the guest's queue order (FIFO). */
  compare(a: Task, b: Task): number;
  /** `task` becomes runnable. */
  wake?(task: Task): void;
  /** `task` executed `deltaNs` (called as it runs). */
  charge?(task: Task, deltaNs: Ns): void;
  /**
   * charge() changes nothing for this VMU's tasks (SCHED_FIFO without an RR task: only an RR
   * quantum is charged): the guest then leaves the call out (guest.ts, GuestOptions.incremental).
   */
  readonly chargesNothing?: boolean;
  /**
   * Charging a run in pieces leaves the same state as charging it whole (integer arithmetic, no
   * threshold acted on inside charge): the engine may then leave out host ticks (Simulator.elidableTicks).
   */
  readonly chargeSplitsExactly?: boolean;
  /**
   * `compare` of two runnable tasks changes only when one of them wakes, moves on to a new job or is
   * re-queued (GuestQueue.requeue) — it reads nothing charge() or time changes. The guest then keeps
   * its runnable tasks in order as they change instead of sorting them at every placement, and
   * settles no vCPU just to compare (guest.ts GuestOptions.incremental; issue 14).
   */
  readonly stableOrder?: boolean;
  /** A guest tick (only when `ticks`); the runnable tasks, in no particular order. */
  tick?(runnable: readonly Task[], queue: GuestQueue): void;
  /** The task at the head of the order after a placement (fair: the smallest vruntime). */
  headChosen?(head: Task): void;
  /**
   * A task carrying on with its next queued job goes behind the tasks it ties with (SCHED_DEADLINE
   * re-queues at the new deadline) rather than keeping its place (SCHED_FIFO).
   */
  readonly requeueOnNextJob: boolean;
  /** Whether the guest needs its periodic tick (fair re-balancing, RR quanta). */
  readonly ticks: boolean;
}

export interface GuestPolicyFactory {
  /** One line for `hvsim` listings and the schema. */
  readonly summary: string;
  /** The policy of one VMU whose tasks are `tasks`, with guest tick `tickNs`. */
  create(tasks: readonly TaskSpec[], tickNs: Ns): GuestPolicy;
}

/** The guest policies by name, as a scenario's `guest.scheduler` names them. */
export const GUEST_POLICIES = {
  fifo: fifoPolicy,
  edf: edfPolicy,
  fair: fairPolicy,
} as const satisfies Record<string, GuestPolicyFactory>;

export type GuestPolicyName = keyof typeof GUEST_POLICIES;

export const GUEST_POLICY_NAMES = Object.keys(GUEST_POLICIES) as GuestPolicyName[];
