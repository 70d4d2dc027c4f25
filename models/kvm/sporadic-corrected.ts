// The corrected sporadic-server budget of Stanovich, Baker, Wang and González Harbour, "Defects of the
// POSIX Sporadic Server and How to Correct Them" (RTAS 2010, pp. 35–45, DOI 10.1109/RTAS.2010.34;
// linux-irmos.md §5), for SCHED_SPORADIC's `rules: corrected` (sporadic.ts). The paper keeps the
// POSIX API and replaces the bookkeeping: the budget is a queue of replenishments (time, amount)
// whose amounts always sum to the initial budget C, and a chunk comes back T after the instant it
// was actually consumed. What hvsim follows, rule by rule (named after the paper's Budget_Check,
// Split_Check and Unblock_Check as realised in seL4's refill_budget_check, refill_split_check and
// refill_unblock_check, src/kernel/sporadic.c, "implemented according to Stanovich et al."):
//
// C1 (Unblock_Check, merging): when the thread wakes or a replenishment falls due, every chunk due
//    by now is merged into the head, which becomes available from now. The capacity is the head's
//    amount when it is due, else 0.
// C2 (activation when it runs): a run segment at the high priority starts when the thread starts to
//    run there, not when it is queued: higher-priority work that delays it moves its replenishment
//    later instead of making it premature (the paper's first defect).
// C3 (Split_Check): when the segment ends — pre-emption, blocking, or exhaustion — the time it used
//    becomes a chunk due at its start + T; what is left of the head stays available. At every stop,
//    not only at blocking, so each chunk is one contiguous stretch of service: no window of length T
//    holds more than C at the high priority.
// C4 (max_repl, merging): with sched_ss_max_repl chunks already queued, the head's remnant is merged
//    into the next chunk (and is unavailable until it falls due) rather than taking a new slot, as
//    POSIX folds the last replenishment; budget is delayed, never created.
// C5 (no amplification, Budget_Check): a segment is never charged more than the head it started
//    with (exhaustion is enforced exactly), and a chunk due while the thread runs at the high
//    priority ends the segment first (C3) before being merged (C1), so no chunk is ever credited for
//    time consumed from another: Σ amounts = C at all times (the paper's budget amplification defect
//    needs a replenishment computed from more than the consumed chunk). An overrun past the head,
//    impossible with exact enforcement, would postpone the next chunk by its length (refill_budget_check).
// [M] The queue holds at most max_repl chunks, the head included; a chunk that frees by being merged
//    is no longer counted.

import type { Ns } from '../../src/scenario/types.js';

export interface Chunk {
  /** When this budget becomes available (ns). */
  at: Ns;
  amount: Ns;
}

export class CorrectedBudget {
  /** In due order; Σ amount = budget. chunks[0] is the head. */
  readonly chunks: Chunk[];
  merges = 0;

  constructor(
    readonly budget: Ns,
    readonly period: Ns,
    readonly maxRepl: number,
    now: Ns,
  ) {
    this.chunks = [{ at: now, amount: budget }];
  }

  /** C1: merge every chunk due by `now` into the head; returns the capacity available now. */
  mergeDue(now: Ns): Ns {
    const q = this.chunks;
    if (q[0].at > now) return 0;
    q[0].at = now;
    while (q.length > 1 && q[1].at <= now) q[0].amount += q.splice(1, 1)[0].amount;
    return q[0].amount;
  }

  /** Capacity available now without merging (the head when due). */
  available(now: Ns): Ns {
    return this.chunks[0].at <= now ? this.chunks[0].amount : 0;
  }

  /** When the next chunk falls due after `now`, or Infinity. */
  nextDue(now: Ns): Ns {
    for (const c of this.chunks) if (c.at > now) return c.at;
    return Infinity;
  }

  /**
   * C3/C4/C5: a segment that started at `start` used `used` of the head. Returns true when the head
   * still has capacity now (the thread may stay at its high priority).
   */
  split(start: Ns, used: Ns, now: Ns): boolean {
    const q = this.chunks;
    if (used <= 0) return this.available(now) > 0;
    const head = q[0];
    const overrun = Math.max(0, used - head.amount);
    const consumed = used - overrun;
    const remnant = head.amount - consumed;
    const back: Chunk = { at: start + this.period, amount: consumed };
    q.shift();
    if (remnant > 0) {
      if (q.length + 2 > this.maxRepl && q.length > 0) {
        // C4: no slot for both the remnant and the new chunk: the remnant joins the next chunk.
        q[0].amount += remnant;
        this.merges++;
      } else if (q.length + 2 > this.maxRepl) {
        back.amount += remnant; // max_repl = 1: everything comes back at start + T
        this.merges++;
      } else {
        q.unshift({ at: now, amount: remnant });
      }
    }
    this.insert(back);
    if (overrun > 0) this.chunks[0].at += overrun; // C5, refill_budget_check's overrun rule
    return this.available(now) > 0;
  }

  private insert(c: Chunk): void {
    const q = this.chunks;
    let i = q.length;
    while (i > 0 && q[i - 1].at > c.at) i--;
    q.splice(i, 0, c);
  }
}
