// A CFS-like fair guest: least virtual runtime first, re-evaluated at wake-ups, blocks and guest
// ticks (vruntime += exec·1024/weight; a waking task is placed no earlier than the smallest
// vruntime minus one tick, GENTLE_FAIR_SLEEPERS-style; linux-irmos.md §6.1).

import type { Task } from '../entities.js';
import type { GuestPolicy, GuestPolicyFactory, GuestQueue } from '../guest-policy.js';
import type { Ns } from '../system.js';

const NICE0_WEIGHT = 1024;

/** Linux's nice-to-weight table (kernel/sched/core.c sched_prio_to_weight), nice -20..19. */
export const NICE_TO_WEIGHT = [
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991,
  1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];

export function niceWeight(nice: number): number {
  return NICE_TO_WEIGHT[Math.max(-20, Math.min(19, nice)) + 20];
}

interface FairTaskState {
  vruntime: number;
}

function stateOf(task: Task): FairTaskState {
  return (task.guestPolicyState ??= { vruntime: 0 }) as FairTaskState;
}

function weightOf(t: Task): number {
  const p = t.spec.policy;
  return p.class === 'fair' ? niceWeight(p.nice) : NICE0_WEIGHT;
}

/** A class, not an object of closures: every run's guests share its methods (stable call targets across runs, issue 14). */
class FairPolicy implements GuestPolicy {
  readonly requeueOnNextJob = false;
  readonly ticks = true;
  /** The smallest vruntime at the last placement (the head's): where a waking task is placed from. */
  private minVruntime = 0;

  constructor(private readonly tickNs: Ns) {}

  compare(a: Task, b: Task): number {
    return stateOf(a).vruntime - stateOf(b).vruntime;
  }

  wake(task: Task): void {
    const st = stateOf(task);
    st.vruntime = Math.max(st.vruntime, this.minVruntime - this.tickNs);
  }

  charge(task: Task, deltaNs: Ns): void {
    stateOf(task).vruntime += (deltaNs * NICE0_WEIGHT) / weightOf(task);
  }

  tick(_runnable: readonly Task[], queue: GuestQueue): void {
    queue.markDirty();
  }

  headChosen(head: Task): void {
    this.minVruntime = stateOf(head).vruntime;
  }
}

export const fairPolicy: GuestPolicyFactory = {
  summary: 'CFS-like fair share by virtual runtime (nice weights)',
  create(_tasks, tickNs): GuestPolicy {
    return new FairPolicy(tickNs);
  },
};
