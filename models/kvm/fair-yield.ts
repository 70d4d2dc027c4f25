// sched_yield for the fair class (linux-irmos.md §6.1/§6.2), by kernel (kernel.ts `fairYield`).
//
// sched_yield (yield_task_fair; the engine then re-picks the CPU with the yielder off it, so neither
// RUN_TO_PARITY nor "nobody asked fair to pre-empt" keeps it), by kernel (kernel.ts `fairYield`):
// - 'repick' (2.6.23–2.6.38, sched_compat_yield = 0): update_curr only; the pick decides by vruntime.
// - 'skip' (2.6.39–6.5): set_skip_buddy. pick_next_entity passes over the skip buddy when it is the
//   leftmost and the second is within wakeup_gran of it (wakeup_preempt_entity < 1); picking the
//   skip buddy, or its dequeue, clears it.
// - 'deadline' (6.6+): se->deadline += calc_delta_fair(se->slice, se).
// - 'forfeit' (79104becf42b: 6.19, 6.18.2, 6.12.63): if eligible, se->vruntime = se->deadline and
//   the deadline moves one slice on (update_deadline in the newest code: the same values).
// Alone on its runqueue (rq->nr_running == 1) a yield changes nothing. [M] nr_running counts the
// visible fair entities of the CPU only.

import type { HostEntity } from '../../src/engine/entities.js';
import { avgVruntime, ELIGIBLE_EPS } from './fair-eevdf.js';
import { fairSlot, type FairRunqueues, type FairSlot } from './fair-queue.js';

/** What sched_yield does (kernel.ts picks it by version). */
export type FairYield = 'repick' | 'skip' | 'deadline' | 'forfeit';

/** What a yield rule reads and writes of the fair class. */
export interface YieldTarget {
  rq: FairRunqueues;
  /** Per CPU: cfs_rq->skip, the skip buddy. */
  skip: (HostEntity | null)[];
  /** A request in the entity's virtual time: slice·1024/w. */
  vslice(s: FairSlot): number;
}

/** yield_task_fair for `e` on `cpu` under `rule` (header). */
export function yieldFair(rule: FairYield, fair: YieldTarget, e: HostEntity, cpu: number): void {
  const s = fairSlot(e);
  if (fair.rq.nrVisible[cpu] < 2) return; // "Are we the only task in the tree?"
  switch (rule) {
    case 'repick':
      return;
    case 'skip':
      fair.skip[cpu] = e; // set_skip_buddy
      return;
    case 'deadline':
      s.deadline += fair.vslice(s);
      return;
    case 'forfeit':
      if (s.vruntime > avgVruntime(fair.rq, cpu, null) + ELIGIBLE_EPS) return; // only an eligible entity forfeits
      s.vruntime = s.deadline;
      s.deadline += fair.vslice(s);
  }
}
