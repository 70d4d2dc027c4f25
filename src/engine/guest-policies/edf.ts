// EDF inside a guest: earliest absolute job deadline first — a guest running its tasks under
// SCHED_DEADLINE with runtime ≥ demand, so in EDF order (budget enforcement inside the guest is not
// modelled). Equal deadlines in queue order; a task carrying on with a queued job re-queues behind
// the equal deadlines, as enqueue_dl_entity does after a replenishment.

import type { Task } from '../entities.js';
import type { GuestPolicy, GuestPolicyFactory } from '../guest-policy.js';

/** A class, not an object of closures: every run's guests share its methods (stable call targets across runs, issue 14). */
class EdfPolicy implements GuestPolicy {
  readonly requeueOnNextJob = true;
  readonly stableOrder = true; // a job's deadline is fixed at its release; a new job comes through nextJob
  readonly ticks = false;

  // The sign only (Guest reads nothing else; equal deadlines, or none, fall to queue order): a
  // small integer, where the difference of two deadlines was a fresh heap number per call.
  // Two jobs' deadlines are compared as read: `job?.deadline ?? Infinity` merged a field read with a
  // constant, which V8 kept as a boxed number — two heap numbers per comparison, the largest
  // allocation of the 4-vCPU EDF set (31 of 144 B per job, sampling heap profiler; issue 14).
  compare(a: Task, b: Task): number {
    const ja = a.currentJob;
    const jb = b.currentJob;
    if (ja === undefined || jb === undefined) return sign(ja?.deadline ?? Infinity, jb?.deadline ?? Infinity);
    return sign(ja.deadline, jb.deadline);
  }
}

function sign(da: number, db: number): number {
  return da < db ? -1 : da > db ? 1 : 0;
}

export const edfPolicy: GuestPolicyFactory = {
  summary: 'earliest deadline first (SCHED_DEADLINE order, no budget enforcement)',
  create(): GuestPolicy {
    return new EdfPolicy();
  },
};
