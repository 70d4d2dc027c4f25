// POSIX fixed priorities inside a guest: SCHED_FIFO, FIFO among equals; SCHED_RR tasks rotate
// behind their equals when their quantum (100 ms, sched_rr_timeslice_ms; linux-irmos.md §0 row 6)
// is used up, checked at guest ticks.

import type { Task } from '../entities.js';
import type { GuestPolicy, GuestPolicyFactory, GuestQueue } from '../guest-policy.js';
import type { Ns, TaskSpec } from '../system.js';

const RR_QUANTUM_NS = 100_000_000;

/** Per-task state: the RR quantum left (unused by SCHED_FIFO tasks). */
interface FifoTaskState {
  rrLeftNs: number;
}

function stateOf(task: Task): FifoTaskState {
  return (task.guestPolicyState ??= { rrLeftNs: 0 }) as FifoTaskState;
}

export function priorityOf(t: Task): number {
  const p = t.spec.policy;
  return p.class === 'fifo' || p.class === 'rr' ? p.priority : 0;
}

const isRr = (t: Task) => t.spec.policy.class === 'rr';

/** A class, not an object of closures: every run's guests share its methods (stable call targets across runs, issue 14). */
class FifoPolicy implements GuestPolicy {
  readonly requeueOnNextJob = false;
  readonly stableOrder = true; // priorities are fixed; RR rotation re-queues
  readonly chargeSplitsExactly = true; // an integer quantum count, acted on only at the guest tick and at wake-up
  readonly ticks: boolean;
  /** Only an RR task's quantum is charged. */
  readonly chargesNothing: boolean;

  constructor(tasks: readonly TaskSpec[]) {
    this.ticks = tasks.some((t) => t.policy.class === 'rr');
    this.chargesNothing = !this.ticks;
  }

  compare(a: Task, b: Task): number {
    return priorityOf(b) - priorityOf(a);
  }

  wake(task: Task): void {
    const st = stateOf(task);
    if (isRr(task) && st.rrLeftNs <= 0) st.rrLeftNs = RR_QUANTUM_NS;
  }

  charge(task: Task, deltaNs: Ns): void {
    if (isRr(task)) stateOf(task).rrLeftNs -= deltaNs;
  }

  tick(runnable: readonly Task[], queue: GuestQueue): void {
    for (const t of runnable) {
      const st = stateOf(t);
      if (isRr(t) && st.rrLeftNs <= 0) {
        st.rrLeftNs = RR_QUANTUM_NS;
        queue.requeue(t);
        queue.markDirty();
      }
    }
  }
}

export const fifoPolicy: GuestPolicyFactory = {
  summary: 'POSIX fixed priorities (SCHED_FIFO; SCHED_RR rotates every 100 ms)',
  create(tasks): GuestPolicy {
    return new FifoPolicy(tasks);
  },
};
