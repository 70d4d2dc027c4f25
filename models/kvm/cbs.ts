// The hard Constant Bandwidth Server: one budget-enforced reservation (Q, D, P) with a remaining
// budget c and an absolute scheduling deadline d. Shared by IRMOS's per-(group, CPU) servers
// (linux-irmos.md §2.4), SCHED_DEADLINE entities (§4.2) and the deferred fair_server (§4.6).
// The owner keeps its runqueues; this file keeps only the budget rules and the two timers
// (replenishment / 0-laxity, and exact exhaustion enforcement) and tells the owner through hooks.
//
//   idle ──activate──▶ ready ──c ≤ 0──▶ throttled ──timer at d − D + P──▶ ready
//     ▲                  │                 │ work blocks            (c += Q, d += P while c ≤ 0)
//     └───deactivate─────┘                 ▼
//                               throttledIdle ──timer──▶ idle (replenished, (c, d) kept)
//
// A deferred server (§4.6) adds `deferred`: it has work but waits, throttled, until its 0-laxity
// instant d − c while its client runs in the background and is charged to it.
//
// Hard, not soft CBS (§2.4 last paragraph, §10.1): an exhausted server sleeps until its
// replenishment instant; it is never recharged early with a postponed deadline, and it never keeps
// running at background priority.

import type { Ns } from '../../src/scenario/types.js';
import { EventPhase, type Timer } from '../../src/engine/event-queue.js';
import type { PolicyContext } from '../../src/engine/policy.js';
import { widenNumberFields } from '../../src/engine/wide-numbers.js';

export const CbsState = {
  /** No work; (c, d) are kept for the next wake-up test (§2.4.5). */
  idle: 0,
  /** Has work and budget: eligible for EDF. */
  ready: 1,
  /** Has work, budget exhausted: waits for its replenishment instant (§2.4.3, §4.2). */
  throttled: 2,
  /** Throttled and its work blocked: the timer still fires and only replenishes (§2.4.5). */
  throttledIdle: 3,
  /** Deferred dl_server with work, waiting for its 0-laxity instant d − c (§4.6 step 1). */
  deferred: 4,
} as const;
export type CbsState = (typeof CbsState)[keyof typeof CbsState];

export interface CbsParams {
  /** Q: budget per period (ns); 0 makes a server that never runs. */
  runtimeNs: Ns;
  /** D: relative deadline (ns), Q ≤ D ≤ P. IRMOS servers use D = P. */
  deadlineNs: Ns;
  /** P: period (ns). */
  periodNs: Ns;
  /** Deferred dl_server mode (§4.6). */
  defer?: boolean;
}

/** What the owner hears. Hooks run inside engine callbacks: they may resched and move entities, not settle. */
export interface CbsHooks {
  /** Budget exhausted while ready: now throttled (the owner drops it from EDF). */
  throttled(server: CbsServer): void;
  /** A replenishment or a deferred server's 0-laxity activation: `state` says whether it is ready. */
  replenished(server: CbsServer): void;
  /** The exhaustion timer fired: the owner brings accounting on `server.cpu` up to date (ctx.settle). */
  enforce(server: CbsServer): void;
  /** Deferred servers: charge the client's background service so far (ctx.settle) before the 0-laxity decision. */
  sync?(server: CbsServer): void;
}

/** Kernel's DL_SCALE: the overflow test works at ~1 µs resolution (linux-irmos.md §0 row 17). */
const DL_SCALE_DIV = 1024;

/** dl_server_min_res (deadline.c): a deferred server's timer that fires less than this before its 0-laxity instant activates it instead of being forwarded. */
export const DL_SERVER_MIN_RES_NS = 1_000_000;

export class CbsServer {
  runtimeNs: Ns;
  deadlineNs: Ns;
  periodNs: Ns;
  readonly defer: boolean;
  /** c: remaining budget (ns); negative after an overrun (tick enforcement), repaid at replenishment. */
  budgetNs: Ns = 0;
  /** d: absolute scheduling deadline (meaningless before the first activation, which starts a period). */
  deadline: Ns = 0;
  state: CbsState = CbsState.idle;
  /** dl_defer_running (§4.6): the client was starved and the server now runs it in the DL band. */
  deferRunning = false;
  /** CPU whose accounting the enforcement hook settles; the owner sets it when the server starts running. */
  cpu = -1;
  /**
   * Deferred servers, "sched/deadline: Fix 'stuck' dl_server" (115135422562; 6.19, stable 6.18.9 and
   * 6.12.69): a wake-up that starts a new period (update_dl_entity → replenish_dl_new_period) also
   * clears dl_defer_running, so the new period is deferred again instead of entering the DL band.
   */
  resetClearsDeferRunning = false;
  /**
   * Deferred servers charged for idle time (6.17+, consumeIdle): a wake-up that finds the budget used
   * up (0) but the deadline still ahead and no overflow arms the defer timer at d − 0 = d
   * (update_dl_entity sets dl_defer_armed, start_dl_timer), where dl_server_timer puts it in the DL
   * band with (Q, d + P); without it, such a wake-up waits for the replenishment and defers again.
   */
  zeroBudgetDefers = false;
  /**
   * Deferred servers: enforcement in the DL band at scheduler ticks (tick period, ns; 0 = exact), as
   * the kernel does without HRTICK: update_curr_dl_se only sees the budget run out at a tick or when
   * the client stops running. While it runs past the budget nothing happens; the owner decides at the
   * tick (the owner's enforce hook) or when the client blocks (exhaust).
   */
  enforceAtTickNs = 0;
  /**
   * Hold the replenishment of a throttled server whose work blocked (throttledIdle) instead of
   * firing it (issue 14): that replenishment only refills (c, d) and leaves the server idle (§2.4
   * step 5 "if throttled, the timer still fires and only replenishes"; §4.2 "if the task is not
   * queued, just replenish; the wake-up rule runs later"), so nothing can tell when it happened
   * before the server is next used. Every entry point that reads or drives the server first fires
   * it if it would have fired by then (catchUp, at its own instant and key), or, when work comes
   * back before it, puts the timer back where it was (Timer.place). Set by an owner whose
   * replenished hook does nothing observable for a server left idle (no trace taking its notes, no
   * bandwidth bookkeeping of its own); never for a deferred server.
   */
  holdIdleReplenishment = false;

  // Counters (summed by the owners' stats()).
  throttles = 0;
  replenishments = 0;
  /** New periods (Q, now + D): first activation, failed wake-up test, or a deferred server's background reset. */
  wakeResets = 0;
  /** Replenishment found d still in the past ("replenish lagged too much", §4.2). */
  lagResets = 0;
  /** Deferred server reached 0-laxity and entered the DL band (§4.6 step 3). */
  deferActivations = 0;

  // activate, consume and armEnforcement read the context's clock themselves: a time passed across
  // the call was a fresh heap number on every wake-up, charge and start, and so was a `now` parameter
  // defaulting to the clock (its tagged argument and the clock's double merge into one boxed value
  // at the function's entry: IRMOS's per-job path, issue 14, sampling heap profiler).
  private readonly timer: Timer;
  private readonly enforcement: Timer;
  /** Never activated: the first activation starts a period (setup_new_dl_entity), whatever the rules say. */
  private fresh = true;
  /**
   * The time a replenishment is applied at, for replenish() and refill(): handed over in this double
   * field, not as an argument, which was a fresh heap number per replenishment (issue 14).
   */
  private ruleNs: Ns = 0;

  constructor(
    private readonly ctx: PolicyContext,
    params: CbsParams,
    private readonly hooks: CbsHooks,
  ) {
    checkParams(params);
    this.runtimeNs = params.runtimeNs;
    this.deadlineNs = params.deadlineNs;
    this.periodNs = params.periodNs;
    this.defer = params.defer === true;
    this.timer = ctx.timer(EventPhase.budget, () => this.onTimer()); // no time parameter: see onTimer
    // Armed at each start of a running server and cancelled when it stops: the queue's near tier.
    this.enforcement = ctx.timer(EventPhase.budget, enforcementDue, true);
    this.enforcement.owner = this;
    widenNumberFields(this as unknown as { ruleNs: Ns }, ['ruleNs']);
  }

  /**
   * New (Q, D, P) while the server lives — sched_setattr on a SCHED_DEADLINE task, a write of an
   * IRMOS group's runtime/period (issue 13 renegotiation). The kernel's __setparam_dl only stores
   * dl_runtime, dl_deadline and dl_period (dl_change_utilization moves the bandwidth accounting): the
   * budget and deadline in progress are kept and the new values take effect at the next
   * replenishment (c += Q', d += P') or new period (Q', now + D'); a throttled entity keeps its
   * replenishment timer. Only the re-enqueue with ENQUEUE_RESTORE starts a new period at once when
   * the deadline in progress has already passed (enqueue_dl_entity → setup_new_dl_entity). Returns
   * true when that reset happened (the owner's ordering by deadline changed).
   */
  setParams(params: Pick<CbsParams, 'runtimeNs' | 'deadlineNs' | 'periodNs'>, now: Ns): boolean {
    checkParams(params);
    this.catchUp(); // a held replenishment due before this call refills with the old (Q, P)
    this.runtimeNs = params.runtimeNs;
    this.deadlineNs = params.deadlineNs;
    this.periodNs = params.periodNs;
    if (this.state !== CbsState.ready || this.fresh || this.deadline >= now) return false;
    this.newPeriod(now);
    if (this.enforcement.armed) this.enforcement.arm(now + this.budgetNs);
    return true;
  }

  get eligible(): boolean {
    return this.state === CbsState.ready;
  }

  get throttledNow(): boolean {
    this.catchUp();
    return this.state === CbsState.throttled || this.state === CbsState.throttledIdle;
  }

  /** Start of the next period, d − D + P: where an exhausted server is replenished (§4.2; = d when D = P, §2.4.3). */
  get replenishAt(): Ns {
    return this.deadline - this.deadlineNs + this.periodNs;
  }

  /**
   * A held replenishment (holdIdleReplenishment) that would have fired by now — before the event
   * being handled, or in an instant whose events are over — is applied now, as it would have been
   * then. Call before reading the server's state from outside its own entry points.
   */
  catchUp(): void {
    if (this.timer.held >= 0) this.timer.fireIfDue();
  }

  /** Bandwidth Q/P. */
  get bandwidth(): number {
    return this.runtimeNs / this.periodNs;
  }

  /**
   * Overflow test of the CBS wake-up rule (§2.4.1, §4.2): would the residual budget over the
   * residual time exceed the density Q/D? Cross-multiplied at DL_SCALE resolution as the kernel does.
   */
  overflows(now: Ns): boolean {
    this.catchUp();
    return this.overflowsWithin(this.deadline - now);
  }

  /**
   * The overflow test given the residual time d − now. A wake-up passes the residual, not the time:
   * within a period it is a small integer, where a time past 2^31 ns handed to this call (too large
   * for V8 to inline into activate) would be a fresh heap number per wake-up (issue 14).
   */
  private overflowsWithin(residualNs: Ns): boolean {
    const left = Math.floor(this.deadlineNs / DL_SCALE_DIV) * Math.floor(this.budgetNs / DL_SCALE_DIV);
    const right = Math.floor(residualNs / DL_SCALE_DIV) * Math.floor(this.runtimeNs / DL_SCALE_DIV);
    return right < left;
  }

  /** Whether activating at `now` would start a fresh period (for push/pull heuristics; no side effects). */
  wouldReset(now: Ns): boolean {
    return this.deadline <= now || this.overflows(now);
  }

  /**
   * Work arrived for an idle server (§2.4.1, §4.2 wake-up). Returns true when it is ready (eligible
   * for EDF) afterwards, false when it must wait for a timer.
   */
  activate(): boolean {
    const now = this.ctx.now;
    this.catchUp(); // a held replenishment due by now happened first: then the wake-up rule sees it
    switch (this.state) {
      case CbsState.ready:
        return true;
      case CbsState.throttled:
      case CbsState.deferred:
        return false;
      case CbsState.throttledIdle:
        // §2.4.1: a throttled server that gets work back just waits for its timer (a held one
        // fires by itself again, at its instant and in its place among that instant's events).
        this.state = CbsState.throttled;
        this.timer.place();
        return false;
    }
    if (this.runtimeNs === 0) {
      // A reservation of 0 never runs (a cgroup with rt_runtime_us = 0, §0 row 5): throttled for good.
      this.state = CbsState.throttled;
      return false;
    }
    // The first activation starts a period whatever the rules say (setup_new_dl_entity). It takes the
    // reset below, the path every later reset takes, rather than a branch of its own: a branch run
    // only by a run's first few activations — before V8 gave the function type feedback — had none
    // in the optimised code, which deoptimised at every new run's first activation (issue 14, the
    // bench's second run). Same result: after the new period neither the constrained test nor the
    // wake-up test holds (d = now + D; c·D = D·Q), and a fresh server's deferRunning is already false.
    const fresh = this.fresh;
    const constrained = this.deadlineNs < this.periodNs;
    // §4.2: a constrained entity activated after d but before its next period start is throttled
    // (runtime clipped to 0) until that period start, so it cannot run Q/D instead of Q/P.
    if (!fresh && constrained && this.deadline <= now && now < this.replenishAt) {
      if (this.budgetNs > 0) this.budgetNs = 0;
      this.throttleUntilTimer(now);
      return false;
    }
    // wouldReset(now), without overflows' catchUp: this call's first line made it, at this same instant.
    if (fresh || this.deadline <= now || this.overflowsWithin(this.deadline - now)) {
      if (!fresh && constrained && this.deadline > now) {
        // §4.2 revised CBS: keep d, clip the budget to the density times the time left.
        this.budgetNs = Math.floor((this.runtimeNs * (this.deadline - now)) / this.deadlineNs);
      } else {
        if (this.resetClearsDeferRunning) this.deferRunning = false; // update_dl_entity (115135422562)
        this.fresh = false;
        this.newPeriod(now);
      }
    }
    if (this.budgetNs === 0 && this.zeroBudgetDefers && this.defer && !this.deferRunning) return this.deferToZeroLaxity(now);
    if (this.budgetNs <= 0) {
      // [M] Debt left by tick-accounted overrun (or a 0 revised budget): sleep to the next period.
      this.throttleUntilTimer(now);
      return false;
    }
    if (this.defer && !this.deferRunning) return this.deferToZeroLaxity(now);
    this.state = CbsState.ready;
    return true;
  }

  /** The server's last work blocked (§2.4.5). A deferred dl_server stops outright (dl_server_stop, §4.6). */
  deactivate(): void {
    this.enforcement.cancel();
    if (this.defer) {
      this.timer.cancel();
      this.state = CbsState.idle;
      return;
    }
    if (this.state === CbsState.ready) this.state = CbsState.idle;
    else if (this.state === CbsState.throttled) {
      this.state = CbsState.throttledIdle;
      if (this.holdIdleReplenishment) this.timer.hold();
    }
  }

  /**
   * Charge `deltaNs` of execution (§2.4.2). A deferred server is also charged while its client runs
   * in the background (not in the DL band): that is how it learns the client was not starved (§4.6 step 2).
   * The time is read here only when a rule needs it: passed in, it was a fresh heap number per
   * charge once past 2^31 ns (issue 14: a sixth of the 64-pCPU reference host's allocation).
   */
  consume(deltaNs: Ns): void {
    const st = this.state;
    if (this.defer) {
      if (st === CbsState.idle || st === CbsState.throttledIdle) return;
      this.budgetNs -= deltaNs;
      if (st === CbsState.ready) {
        if (this.budgetNs <= 0 && this.enforceAtTickNs === 0) this.exhaust();
        return;
      }
      // Background service used up the whole budget: this period needs no protection; start a new
      // one and defer again (update_curr_dl_se's dl_defer && dl_throttled path).
      if (this.budgetNs <= 0) this.restartDeferred(this.ctx.now);
      return;
    }
    this.budgetNs -= deltaNs;
    if (st === CbsState.ready && this.budgetNs <= 0) this.exhaust();
  }

  /**
   * Idle time on a deferred server's CPU (dl_server_update_idle_time, 6.17–6.18: called from
   * put_prev_task_idle and from the fair enqueue that ends an idle stretch, whether or not the server
   * is started): taken off the budget unless it is already negative; going below 0 sets it to 0 and
   * clears dl_defer_running. Nothing else: no new period, no state change, and a pending defer timer
   * stays where it was (dl_server_timer then forwards it to d − 0 = d and enters the DL band there
   * with (Q, d + P)). Only update_curr_dl_se (fair execution, consume) starts a new period.
   */
  consumeIdle(deltaNs: Ns, now: Ns): void {
    if (!this.defer || this.budgetNs < 0 || this.fresh) return;
    // [M] Exhausted in the DL band (throttled until d): exact enforcement stops it at c = 0, where
    // the kernel, which charges it at ticks and when its fair task blocks, leaves it a little below 0
    // and so skips the idle charge (runtime < 0): dl_defer_running survives to the replenishment.
    if (this.state === CbsState.throttled) return;
    this.budgetNs -= deltaNs;
    if (this.budgetNs >= 0) return;
    this.budgetNs = 0;
    this.deferRunning = false;
    // [M] In the DL band the CPU is never idle (a band server with no fair task stops at once), so
    // this only guards the model: no budget left there is an exhaustion.
    if (this.state === CbsState.ready) this.exhaust();
  }

  /**
   * sched_yield of a SCHED_DEADLINE task (§4.2): yield_task_dl sets dl_yielded, update_curr_dl
   * throttles the running task at once, and replenish_dl_entity drops the runtime it had left; so:
   * no budget, throttled until the next period start (at once if that has passed).
   */
  yieldRest(now: Ns): void {
    if (this.state !== CbsState.ready) return;
    if (this.budgetNs > 0) this.budgetNs = 0;
    this.exhaust();
  }

  /**
   * Exact enforcement (§1.3 'exact'): fire the enforce hook when the budget would run out, after
   * `runForNs` of execution when it is not charged 1:1 (GRUB, grub.ts).
   */
  armEnforcement(runForNs?: Ns): void {
    if (this.state !== CbsState.ready) return;
    const at = this.ctx.now + (runForNs ?? Math.max(0, this.budgetNs));
    const tick = this.enforceAtTickNs;
    const phase = tick > 0 && this.cpu >= 0 ? (this.ctx.tickPhaseNs?.(this.cpu) ?? 0) : 0; // the CPU's tick grid (src/engine/tick.ts)
    this.enforcement.arm(tick > 0 ? phase + Math.ceil((at - phase) / tick) * tick : at);
  }

  /**
   * A deferred server in the band whose budget ran out (tick enforcement) is throttled until its next
   * period start (update_curr_dl_se's throttle: dl_throttled, dequeued, timer at d; dl_defer_running
   * stays set). `clientRuns`: detected at a tick while its client keeps running: the switch away from
   * it charges the few µs since the tick, and update_curr_dl_se, seeing a throttled deferred server
   * out of runtime, starts a new period deferred to its 0-laxity instant instead ([2] E→B in the
   * kernel's dl_server state diagram, "Document dl_server" 2614069c5912).
   */
  exhaustInBand(now: Ns, clientRuns: boolean): void {
    if (this.state !== CbsState.ready) return;
    this.exhaust();
    if (clientRuns && (this.state as CbsState) === CbsState.throttled) this.restartDeferred(now);
  }

  /** update_curr_dl_se on a throttled deferred server out of runtime: new period (Q, now + D), deferred again, dl_defer_running cleared. */
  private restartDeferred(now: Ns): void {
    this.deferRunning = false;
    this.timer.cancel();
    this.newPeriod(now);
    this.deferToZeroLaxity(now);
    if (this.state === CbsState.ready) this.hooks.replenished(this);
  }

  /** The exhaustion timer fired (enforcementDue). */
  enforcementFired(): void {
    this.hooks.enforce(this);
  }

  cancelEnforcement(): void {
    this.enforcement.cancel();
  }

  // ---- rules ------------------------------------------------------------------------------

  private newPeriod(now: Ns): void {
    this.budgetNs = this.runtimeNs;
    this.deadline = now + this.deadlineNs;
    this.wakeResets++;
  }

  /**
   * §2.4.3 / §4.2 exhaustion: throttle until the next period start, or replenish at once if it
   * passed. Now is read here (every caller's time is the context's): passed in, it was a fresh heap
   * number per exhaustion (issue 14).
   */
  private exhaust(): void {
    const now = this.ctx.now;
    this.throttles++;
    this.enforcement.cancel();
    this.state = CbsState.throttled;
    this.hooks.throttled(this);
    const at = this.replenishAt;
    if (at <= now) this.replenishAtTime(now);
    else this.armReplenishment(at);
  }

  private throttleUntilTimer(now: Ns): void {
    this.throttles++;
    this.state = CbsState.throttled;
    const at = this.replenishAt;
    if (at <= now) this.replenishAtTime(now);
    else this.armReplenishment(at);
  }

  /**
   * The replenishment timer of a throttled server, at `at` > now. Held servers arm it to enter the
   * queue only at the next instant (Timer.armSoon, the same order as arm): an exhaustion at a job's
   * completion is followed, in the same event, by the work blocking (deactivate), which holds it then.
   */
  private armReplenishment(at: Ns): void {
    if (this.holdIdleReplenishment) this.timer.armSoon(at);
    else this.timer.arm(at);
  }

  /** §4.6 step 1: wait throttled until d − c; if that instant has passed, run at once. */
  private deferToZeroLaxity(now: Ns): boolean {
    const zeroLaxity = this.deadline - this.budgetNs;
    if (zeroLaxity <= now) {
      // start_dl_timer cannot arm in the past: the server is enqueued at once (still not defer-running).
      this.state = CbsState.ready;
      return true;
    }
    this.state = CbsState.deferred;
    this.timer.arm(zeroLaxity);
    return false;
  }

  /**
   * The replenishment or 0-laxity timer fired (from the queue, or a held one from catchUp): its
   * time is read from the timer, not passed to the callback, which made it a fresh heap number per
   * replenishment (issue 14, event-queue.ts `timeless`).
   */
  private onTimer(): void {
    const now = this.timer.heapTime;
    if (this.state === CbsState.deferred) {
      // Charge what the client ran in the background so far (the kernel has seen it at ticks);
      // that may already have started a new period and re-armed this timer.
      this.hooks.sync?.(this);
      if (this.state !== CbsState.deferred) return;
      // Background service or idle since arming moved the 0-laxity instant later: dl_server_timer
      // forwards the timer to it, unless it is less than dl_server_min_res away.
      const zeroLaxity = this.deadline - this.budgetNs;
      if (now < zeroLaxity - DL_SERVER_MIN_RES_NS) {
        this.timer.arm(zeroLaxity);
        return;
      }
      // §4.6 step 3: the client was starved. At 0-laxity c/(d − now) = 1 > Q/D, so the overflow
      // test gives a fresh (Q, now + D); the server enters the DL band as a hard CBS.
      this.deferRunning = true;
      this.deferActivations++;
      if (this.overflows(now)) this.newPeriod(now);
      this.ruleNs = now;
      this.refill();
      this.state = CbsState.ready;
      this.hooks.replenished(this);
      return;
    }
    if (this.state === CbsState.throttled || this.state === CbsState.throttledIdle) this.replenishAtTime(now);
  }

  /** replenish() at `now` (handed over in ruleNs). */
  private replenishAtTime(now: Ns): void {
    this.ruleNs = now;
    this.replenish();
  }

  /** §2.4.4 / §4.2 replenishment. */
  private replenish(): void {
    const now = this.ruleNs;
    this.refill();
    if (this.state === CbsState.throttledIdle) {
      this.state = CbsState.idle;
    } else if (this.defer && !this.deferRunning && now < this.deadline - this.budgetNs) {
      this.state = CbsState.deferred;
      this.timer.arm(this.deadline - this.budgetNs);
    } else {
      this.state = CbsState.ready;
    }
    this.hooks.replenished(this);
  }

  /** c += Q, d += P while c ≤ 0 (overrun debt is kept); reset if d is still in the past. */
  private refill(): void {
    const now = this.ruleNs;
    this.replenishments++;
    while (this.budgetNs <= 0) {
      this.deadline += this.periodNs;
      this.budgetNs += this.runtimeNs;
    }
    if (this.deadline < now) {
      this.lagResets++;
      this.budgetNs = this.runtimeNs;
      this.deadline = now + this.deadlineNs;
    }
  }
}

/** The exhaustion timer's callback: the same function in every run (Timer.owner). */
function enforcementDue(this: Timer): void {
  (this.owner as CbsServer).enforcementFired();
}

function checkParams(params: Pick<CbsParams, 'runtimeNs' | 'deadlineNs' | 'periodNs'>): void {
  const { runtimeNs: q, deadlineNs: dl, periodNs: p } = params;
  if (!(Number.isInteger(q) && Number.isInteger(dl) && Number.isInteger(p) && q >= 0 && q <= dl && dl > 0 && dl <= p)) {
    throw new RangeError(`CBS parameters must be integers with 0 ≤ runtime ≤ deadline ≤ period, deadline > 0, got (${q}, ${dl}, ${p})`);
  }
}
