// POSIX fixed priorities inside a guest: SCHED_FIFO, FIFO among equals; SCHED_RR tasks rotate
// behind their equals when their quantum (100 ms, sched_rr_timeslice_ms; linux-irmos.md §0 row 6)
// is used up, checked at guest ticks.

import type { Task } from '../entities.js';
import type { GuestPolicy, GuestPolicyFactory } from '../guest-policy.js';

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

export const fifoPolicy: GuestPolicyFactory = {
  summary: 'POSIX fixed priorities (SCHED_FIFO; SCHED_RR rotates every 100 ms)',
  create(tasks): GuestPolicy {
    return {
      compare: (a, b) => priorityOf(b) - priorityOf(a),
      wake(task) {
        const st = stateOf(task);
        if (isRr(task) && st.rrLeftNs <= 0) st.rrLeftNs = RR_QUANTUM_NS;
      },
      charge(task, deltaNs) {
        if (isRr(task)) stateOf(task).rrLeftNs -= deltaNs;
      },
      tick(runnable, queue) {
        for (const t of runnable) {
          const st = stateOf(t);
          if (isRr(t) && st.rrLeftNs <= 0) {
            st.rrLeftNs = RR_QUANTUM_NS;
            queue.requeue(t);
            queue.markDirty();
          }
        }
      },
      requeueOnNextJob: false,
      stableOrder: true, // priorities are fixed; RR rotation re-queues
      ticks: tasks.some((t) => t.policy.class === 'rr'),
      chargeSplitsExactly: true, // an integer quantum count, acted on only at the guest tick and at wake-up
    };
  },
};
