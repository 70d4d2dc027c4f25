// The per-CPU fair_server (Linux 6.12+; linux-irmos.md §4.6): a deferred dl_server that protects
// the fair class from RT starvation. Its CBS rules (defer, 0-laxity activation, background
// charging) live in cbs.ts; this file wires them to the served class and to DeadlineClass.
//
//   fair work appears ─▶ start: (Q, now + P), deferred, timer at the 0-laxity instant d − c
//   fair runs on its own (no RT pressure) ─▶ charged to c; c ≤ 0 → new period, deferred again
//   timer fires with c left (fair was starved) ─▶ fresh (Q, now + P), EDF entity in the DL band:
//       when EDF picks it, pickNext returns the served class's pick, which pre-empts RT
//   exhausted in the band ─▶ throttled until d, then back in the band (dl_defer_running stays set
//       until fair work again runs unprotected or the server stops)
//   no fair work left ─▶ stop (timer cancelled, (c, d) kept)
//
// 6.12–6.16: the server stops as soon as the served class has no runnable work on the CPU
// (dl_server_stop on the last fair dequeue), and only fair execution is charged to it.
//
// 6.17+ (`idleCharge`; cccb45d7c4295 "sched/deadline: Less agressive dl_server handling", then
// 2dcbcce9bfac "sched/deadline: Fix dl_server behaviour"): the last fair dequeue no longer stops
// it. Idle time on its CPU is charged to its runtime too (dl_server_update_idle_time, called from
// put_prev_task_idle and from enqueue_task_fair when a fair wake-up ends an idle stretch, whether or
// not the server is started: never below 0, and reaching 0 clears dl_defer_running). It stops when it
// is picked in the DL band and the fair class has nothing (__pick_task_dl → dl_server_stop). The
// intermediate cccb45d7c4295 rule (yield the rest of the period the first time, stop at the next
// idle pick: dl_server_idle / dl_server_stopped) was reverted by 2dcbcce9bfac and is not modelled.
//
// Modelling choices ([M]):
// - 6.17+: idle is charged as the engine settles idle segments (SchedClass.idleTime), not only at
//   the two kernel call sites; the total is the same.
// - 6.17+: "picked in the band with nothing to run" is applied when the last fair entity leaves
//   while the server is in the band (the CPU is re-picked at that instant anyway), and when a
//   replenishment or 0-laxity activation would put it in the band with no fair work.
// - A deferred server whose idle charge reaches 0 waits throttled for its next period (cbs.ts
//   consumeIdle) instead of keeping its 0-laxity timer.
// - Exact enforcement in the band: while ready, a timer at now + c settles the CPU (the fair class
//   charges the server through the run listener) and re-arms until the budget is gone.
// - No 1 ms minimum forward of the defer timer (dl_server_min_res): it is re-armed to the exact
//   new 0-laxity instant.
// - Its time is not charged to RT bandwidth (§4.6 last point).

import type { PolicyContext, ServedClass } from '../../src/engine/policy.js';
import type { Ns } from '../../src/scenario/types.js';
import { CbsServer, CbsState, type CbsHooks } from './cbs.js';
import type { DeadlineClass, DlTask } from './deadline.js';

export class FairServer implements CbsHooks {
  readonly cbs: CbsServer;
  /** When it last entered the DL band: EDF tie-break against DL tasks. */
  readySeq = 0;

  constructor(
    private readonly owner: DeadlineClass,
    private readonly ctx: PolicyContext,
    readonly cpu: number,
    readonly served: ServedClass,
    runtimeNs: Ns,
    periodNs: Ns,
    /** 6.17+ rules (see the header): idle charging, no stop on the last dequeue. */
    readonly idleCharge = false,
  ) {
    this.cbs = new CbsServer(ctx, { runtimeNs, deadlineNs: periodNs, periodNs, defer: true }, this);
    this.cbs.cpu = cpu;
  }

  /** In the DL band and earlier than DL task `t` (null: no DL task queued here). */
  beats(t: DlTask | null): boolean {
    const cbs = this.cbs;
    if (cbs.state !== CbsState.ready) return false;
    if (t === null) return true;
    return cbs.deadline < t.cbs.deadline || (cbs.deadline === t.cbs.deadline && this.readySeq < t.seq);
  }

  /** The served class gained its first (true) or lost its last (false) runnable entity here: dl_server_start / stop. */
  setActive(active: boolean): void {
    if (active) {
      if (this.cbs.activate(this.ctx.now)) this.enterBand();
      return;
    }
    const wasInBand = this.cbs.state === CbsState.ready;
    // 6.17+: a deferred or throttled server stays started (and is charged idle time).
    if (this.idleCharge && !wasInBand) return;
    this.cbs.deactivate();
    if (wasInBand) this.owner.fairServerLeft(this.cpu);
  }

  /** Served-class execution on this CPU (dl_server_update from update_curr_fair). */
  consume(deltaNs: Ns): void {
    this.cbs.consume(deltaNs, this.ctx.now);
  }

  /** 6.17+: the CPU ran nothing for `deltaNs` (dl_server_update_idle_time). */
  idle(deltaNs: Ns): void {
    this.cbs.consumeIdle(deltaNs, this.ctx.now);
  }

  throttled(): void {
    this.ctx.note('fair_server throttle', this.cpu, null); // for traces
    this.owner.fairServerLeft(this.cpu);
  }

  replenished(): void {
    this.ctx.note('fair_server replenish', this.cpu, null); // for traces
    if (this.cbs.state !== CbsState.ready) return;
    if (this.idleCharge && !this.served.hasRunnable(this.cpu)) {
      // 6.17+: picked in the band with no fair task → dl_server_stop.
      this.cbs.deactivate();
      return;
    }
    this.enterBand();
  }

  enforce(): void {
    this.ctx.settle(this.cpu);
    if (this.cbs.state === CbsState.ready) this.cbs.armEnforcement(this.ctx.now);
  }

  sync(): void {
    this.ctx.settle(this.cpu);
  }

  private enterBand(): void {
    this.readySeq = this.owner.nextSeq();
    this.cbs.armEnforcement(this.ctx.now);
    this.owner.fairServerReady(this.cpu);
  }
}
