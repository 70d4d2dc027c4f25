// The per-CPU fair_server (Linux 6.12+; linux-irmos.md §4.6): a deferred dl_server that protects
// the fair class from RT starvation. Its CBS rules (defer, 0-laxity activation, background
// charging) live in cbs.ts; this file wires them to the served class and to DeadlineClass.
//
//   fair work appears ─▶ start: (Q, now + P), deferred, timer at the 0-laxity instant d − c
//   fair runs on its own (no RT pressure) ─▶ charged to c; c ≤ 0 → new period, deferred again
//   timer fires with c left (fair was starved) ─▶ fresh (Q, now + P), EDF entity in the DL band:
//       when EDF picks it, pickNext returns the served class's pick, which pre-empts RT
//   exhausted in the band ─▶ seen at a tick while its fair task still runs: the switch away charges a
//       few µs more and update_curr_dl_se starts a new period, deferred again ([2] E→B in the
//       kernel's dl_server state diagram, "sched/deadline: Document dl_server" 2614069c5912);
//       seen when that task blocks: throttled until d, then back in the band (dl_defer_running
//       stays set until fair work again runs unprotected or the server stops)
//   no fair work left ─▶ stop (timer cancelled, (c, d) kept)
//
// 6.12–6.16: the server stops as soon as the served class has no runnable work on the CPU
// (dl_server_stop on the last fair dequeue), and only fair execution is charged to it.
//
// 6.17–6.18 (`idleCharge`; cccb45d7c4295 "sched/deadline: Less agressive dl_server handling", then
// 2dcbcce9bfac "sched/deadline: Fix dl_server behaviour"; read against 6.18's deadline.c, whose
// kallsyms on the validation machine, 6.18.44, still has dl_server_update_idle_time): the last fair
// dequeue no longer stops it. Idle time on its CPU is charged to its runtime too
// (dl_server_update_idle_time, from put_prev_task_idle and from enqueue_task_fair when a fair wake-up
// ends an idle stretch, whether or not the server is started): skipped while the runtime is negative;
// going below 0 sets it to 0 and clears dl_defer_running, and that is all: no new period, and a
// pending defer timer stays armed. dl_server_timer then forwards it to d − 0 = d, where
// replenish_dl_entity gives (Q, d + P) and the server enters the DL band; a start that finds c = 0
// with d ahead arms that same timer (update_dl_entity keeps (0, d), start_dl_timer at d − 0). It
// stops when it is picked in the DL band and the fair class has nothing (__pick_task_dl →
// dl_server_stop). The intermediate cccb45d7c4295 rule (yield the rest of the period the first time:
// dl_server_idle / dl_server_stopped) was reverted by 2dcbcce9bfac and is not modelled, nor is 6.19's
// rework (e636ffb9e31b "Fix dl_server time accounting": idle charged through update_curr_dl_se,
// dl_defer_idle), which the 6.18 stable series did not take.
// All versions with the fix 115135422562 "sched/deadline: Fix 'stuck' dl_server" (6.19, 6.18.9,
// 6.12.69; `stuckFix`): a start that begins a new period (deadline passed or overflow) clears
// dl_defer_running, so it defers again instead of entering the band at once.
// Not modelled: 14a857056466 "sched/deadline: Use revised wakeup rule for dl_server" (mainline April 2026,
// queued for 6.18.y on 2026-04-22): a start before d whose budget overflows keeps d with runtime
// density × (d − now) instead of a new period (docs/validation-notes.md §2 says where it matters).
//
// Modelling choices ([M]):
// - 6.17+: idle is charged as the engine settles idle segments (SchedClass.idleTime), not only at
//   the two kernel call sites; the total is the same.
// - 6.17+: "picked in the band with nothing to run" is applied when the last fair entity leaves
//   while the server is in the band (the CPU is re-picked at that instant anyway), and when a
//   replenishment or 0-laxity activation would put it in the band with no fair work.
// - In the band the budget is enforced at ticks (`enforceAtTickNs`: kvm-linux gives the host tick;
//   the kernel has no HRTICK by default): a fair task runs past c = 0 until the next tick (then the
//   E→B restart above) or until the fair class has nothing left (then throttled until d). The kernel
//   also notices it at any other update_curr of the fair class (a second fair task's block, a
//   wake-up); here another fair task runs on to the tick.
// - Exhausted in the band, the server is left at c = 0 where the kernel leaves it a little below 0
//   (the job that crossed 0 ran on to its next accounting point), so idle time is not charged to it
//   while it waits for d (cbs.ts consumeIdle), as the kernel's negative-runtime test skips it.
// - dl_server_min_res: a defer timer that fires less than 1 ms before the 0-laxity instant activates
//   the server; otherwise it is re-armed to that instant.
// - Its time is not charged to RT bandwidth (§4.6 last point; update_curr_dl_se returns before the
//   RT_GROUP_SCHED rt_time charge for the fair_server).

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
    /** 115135422562 (see the header): a start that begins a new period clears dl_defer_running. */
    stuckFix = false,
    /** In-band enforcement at ticks of this period (ns; 0 = exact): see the header. */
    enforceAtTickNs = 0,
  ) {
    this.cbs = new CbsServer(ctx, { runtimeNs, deadlineNs: periodNs, periodNs, defer: true }, this);
    this.cbs.cpu = cpu;
    this.cbs.resetClearsDeferRunning = stuckFix;
    this.cbs.zeroBudgetDefers = idleCharge;
    this.cbs.enforceAtTickNs = enforceAtTickNs;
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
      if (this.cbs.activate()) this.enterBand();
      return;
    }
    const wasInBand = this.cbs.state === CbsState.ready;
    // 6.17+: a deferred or throttled server stays started (and is charged idle time).
    if (this.idleCharge && !wasInBand) return;
    if (this.idleCharge && this.cbs.budgetNs <= 0) {
      // Tick enforcement: its last fair task blocked after the budget ran out; the dequeue's
      // update_curr throttles it (update_curr_dl_se) before any pick could stop it.
      this.cbs.exhaustInBand(this.ctx.now, false);
      return;
    }
    this.cbs.deactivate();
    if (wasInBand) this.owner.fairServerLeft(this.cpu);
  }

  /** Served-class execution on this CPU (dl_server_update from update_curr_fair). */
  consume(deltaNs: Ns): void {
    this.cbs.consume(deltaNs);
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
    const cbs = this.cbs;
    if (cbs.state !== CbsState.ready) return;
    if (cbs.budgetNs > 0 || cbs.enforceAtTickNs === 0) {
      cbs.armEnforcement();
      return;
    }
    // A tick found the budget used up while a fair task still runs here (task_tick_fair →
    // update_curr → dl_server_update): throttled, and the switch away from that task starts a new
    // deferred period (CbsServer.exhaustInBand).
    const cur = this.ctx.current(this.cpu);
    cbs.exhaustInBand(this.ctx.now, cur !== null && (cur.schedClass as unknown) === (this.served as unknown));
  }

  sync(): void {
    this.ctx.settle(this.cpu);
  }

  private enterBand(): void {
    this.readySeq = this.owner.nextSeq();
    this.cbs.armEnforcement();
    this.owner.fairServerReady(this.cpu);
  }
}
