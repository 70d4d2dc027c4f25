// GRUB bandwidth reclaiming for SCHED_DEADLINE (SCHED_FLAG_RECLAIM; linux-irmos.md §4.3): Abeni,
// Lelli, Scordino, Palopoli, "Greedy CPU reclaiming for SCHED_DEADLINE" (RTLWS 2014), merged in 4.13;
// Documentation/scheduler/sched-deadline.rst §3 "Bandwidth reclaiming"; kernel/sched/deadline.c.
//
// Every DL entity of a runqueue takes part in the bookkeeping, reclaiming or not; only an entity with
// the flag has its runtime charged by grub_reclaim() instead of 1:1.
//
//   wakeup (task_contending: add_running_bw) ──▶ ACTIVE contending
//   block before its 0-lag time  ──▶ ACTIVE non contending; the inactive timer fires at the 0-lag
//       time d − c·P/Q and takes its bandwidth out of running_bw (sub_running_bw) ──▶ INACTIVE
//   block at or after its 0-lag time ──▶ INACTIVE at once; a wake-up while non contending cancels
//       the timer (its bandwidth never left running_bw)
//
// Per runqueue (struct dl_rq), in the kernel's fixed point (BW_SHIFT = 20, RATIO_SHIFT = 8):
//   this_bw    Σ dl_bw of the entities whose runqueue this is (asleep or not; add_rq_bw/sub_rq_bw)
//   running_bw Σ dl_bw of its ACTIVE entities (contending and non contending)
//   extra_bw   max_bw − Σ dl_bw admitted in the root domain / its CPUs (__dl_add → __dl_update)
//   max_bw     to_ratio(global rt period, rt runtime) = 996147 for 950 ms / 1 s (init_dl_rq_bw_ratio)
//   bw_ratio   to_ratio(rt runtime, rt period) >> (BW_SHIFT − RATIO_SHIFT) = 269 for 0.95
//
// grub_reclaim(delta) as of 6.5 (6a9d623aad89 "sched/deadline: Fix bandwidth reclaim equation in
// GRUB", read in 6.12's deadline.c), `max-bw`:
//   u_inact = this_bw − running_bw
//   u_act   = u_inact + extra_bw > max_bw − u ? u : max_bw − u_inact − extra_bw
//   dq      = −(delta · ((u_act · bw_ratio) >> 8)) >> 20     i.e. dq = −max{u, Umax − Uinact − Uextra}/Umax dt
// 4.13–6.4 (`legacy`, the original merge, extra_bw also starting at max_bw):
//   u_act_min = (u · bw_ratio) >> 8
//   u_act     = u_inact + extra_bw > 2^20 − u_act_min ? u_act_min : 2^20 − u_inact − extra_bw
//   dq        = −(delta · u_act) >> 20                            i.e. dq = −max{u/Umax, 1 − Uinact − Uextra} dt
// So a lone reclaiming task of utilisation u on an idle CPU of its own runs Umax·P per period with
// `max-bw` (the 6.5 fix's point), and u/(1 − Umax + u)·P with `legacy` (0.83·P for u = 0.25).
//
// Migration (migrate_task_rq_dl on a wake-up elsewhere; push/pull with DEQUEUE/ENQUEUE_MIGRATING)
// moves this_bw and, for an ACTIVE entity, running_bw with it; a non-contending entity woken on
// another CPU leaves the old running_bw at once (its timer is cancelled).
//
// Modelling choices ([M]):
// - A change of running_bw/this_bw on a CPU whose running entity reclaims first settles that CPU
//   (charges the time so far at the old rate), then re-arms its exhaustion timer at the new rate: the
//   rate is piecewise exact, where the kernel applies the rate it finds at its next update_curr_dl.
// - The fair_server (6.12+; its dl_bw counted in this_bw and extra_bw as dl_server_apply_params does)
//   is contending while the fair class has work on its CPU and goes non contending when it has none
//   (dl_server_start / dl_server_stop, the 6.12–6.16 rule; 6.17+ keeps the server started longer).
// - The 6.12 dl_server init bug that subtracted the fair_servers' bandwidth from one CPU's extra_bw
//   ("sched/deadline: Fix dl_server ... extra_bw", later stable fix) is not modelled: extra_bw is the
//   even split __dl_add intends.

import type { Ns } from '../../src/scenario/types.js';
import { EventPhase, type Timer } from '../../src/engine/event-queue.js';
import type { PolicyContext } from '../../src/engine/policy.js';

export type GrubFormula = 'legacy' | 'max-bw';

export const BW_SHIFT = 20;
const BW_UNIT = 1 << BW_SHIFT;
const RATIO_SHIFT = 8;

/** to_ratio(period, runtime) = (runtime << BW_SHIFT) / period, u64 division (core.c). */
export function toRatio(periodNs: Ns, runtimeNs: Ns): number {
  if (periodNs === 0) return 0;
  return Number((BigInt(runtimeNs) << BigInt(BW_SHIFT)) / BigInt(periodNs));
}

/** (delta · u) >> BW_SHIFT, exact in doubles for any delta below 2^53 (split to keep the product exact). */
export function bwScale(deltaNs: Ns, u: number): Ns {
  const hi = Math.floor(deltaNs / BW_UNIT);
  const lo = deltaNs - hi * BW_UNIT;
  return hi * u + Math.floor((lo * u) / BW_UNIT);
}

export const GrubState = {
  /** Not in running_bw (asleep past its 0-lag time, or never woken). */
  inactive: 0,
  /** TASK_RUNNING: in running_bw. */
  contending: 1,
  /** Blocked before its 0-lag time: still in running_bw until the inactive timer fires. */
  nonContending: 2,
} as const;
export type GrubState = (typeof GrubState)[keyof typeof GrubState];

/** What the 0-lag time is computed from: the entity's CBS state when it blocks. */
export interface GrubCbsView {
  readonly budgetNs: Ns;
  readonly deadline: Ns;
  readonly runtimeNs: Ns;
  readonly periodNs: Ns;
}

/** A reclaiming entity as its class runs it: its GRUB part, and its CBS's exhaustion timer. */
export interface GrubRunner {
  readonly grub: GrubEntity | null;
  readonly cbs: { readonly budgetNs: Ns; armEnforcement(runForNs?: Ns): void };
}

/** One DL entity's part in the bookkeeping (sched_dl_entity's dl_bw, dl_non_contending, inactive_timer). */
export class GrubEntity {
  state: GrubState = GrubState.inactive;
  /** The runqueue whose this_bw holds it (task_cpu). */
  cpu: number;
  /** dl_bw = to_ratio(dl_period, dl_runtime). */
  bw: number;
  readonly timer: Timer;

  constructor(
    readonly reclaim: boolean,
    bw: number,
    cpu: number,
    timer: (g: GrubEntity) => Timer,
  ) {
    this.bw = bw;
    this.cpu = cpu;
    this.timer = timer(this);
  }
}

export class GrubAccounting {
  readonly runningBw: number[];
  readonly thisBw: number[];
  readonly extraBw: number[];
  readonly maxBw: number;
  readonly bwRatio: number;
  /** Inactive timers that fired (a blocked entity's bandwidth left running_bw at its 0-lag time). */
  inactiveTimers = 0;
  /** The reclaiming entity running on each CPU: a change of that CPU's utilisations re-times it. */
  private readonly runningOn: (GrubRunner | null)[];
  private readonly hooks: { beforeChange(cpu: number): void; afterChange(cpu: number): void };

  constructor(
    private readonly ctx: PolicyContext,
    readonly formula: GrubFormula,
    rtRuntimeNs: Ns,
    rtPeriodNs: Ns,
    /** Exhaustion timers (the class's exact enforcement); false: runtime is seen at ticks and switches. */
    private readonly exact: boolean,
  ) {
    this.runningOn = new Array<GrubRunner | null>(ctx.cpuCount).fill(null);
    this.hooks = {
      beforeChange: (cpu) => {
        if (this.runningOn[cpu] !== null) ctx.settle(cpu);
      },
      afterChange: (cpu) => this.rearm(cpu),
    };
    // init_dl_rq_bw_ratio; sched_rt_runtime_us = -1 (RUNTIME_INF) has no counterpart here (rtRuntime ≤ rtPeriod).
    this.maxBw = toRatio(rtPeriodNs, rtRuntimeNs);
    this.bwRatio = Math.floor(toRatio(rtRuntimeNs, rtPeriodNs) / (1 << (BW_SHIFT - RATIO_SHIFT)));
    const n = ctx.cpuCount;
    this.runningBw = new Array<number>(n).fill(0);
    this.thisBw = new Array<number>(n).fill(0);
    this.extraBw = new Array<number>(n).fill(this.maxBw);
  }

  /** An admitted entity (sched_setattr while asleep: __dl_add, then switched_to_dl's add_rq_bw on `cpu`). */
  entity(runtimeNs: Ns, periodNs: Ns, reclaim: boolean, cpu: number): GrubEntity {
    const g = new GrubEntity(reclaim, toRatio(periodNs, runtimeNs), cpu, (x) => this.ctx.timer(EventPhase.budget, () => this.inactiveTimer(x)));
    this.admitBandwidth(g.bw);
    this.thisBw[cpu] += g.bw;
    return g;
  }

  /** __dl_add / __dl_sub: each CPU of the root domain gives up (or gets back) bw / CPUs of extra_bw (truncated, as (s32)bw / cpus). */
  admitBandwidth(bw: number): void {
    const share = Math.trunc(bw / this.ctx.cpuCount);
    for (let i = 0; i < this.extraBw.length; i++) this.extraBw[i] -= share;
  }

  /** Wake-up on `cpu` (task_contending; migrate_task_rq_dl first when the CPU changes). */
  contend(g: GrubEntity, cpu: number): void {
    if (g.state === GrubState.contending) {
      this.move(g, cpu);
      return;
    }
    const from = g.cpu;
    this.hooks.beforeChange(from);
    if (cpu !== from) this.hooks.beforeChange(cpu);
    if (g.state === GrubState.nonContending) {
      g.timer.cancel();
      if (cpu !== from) this.runningBw[from] -= g.bw;
    }
    const counted = g.state !== GrubState.inactive && cpu === from;
    if (cpu !== from) {
      this.thisBw[from] -= g.bw;
      this.thisBw[cpu] += g.bw;
      g.cpu = cpu;
    }
    if (!counted) this.runningBw[cpu] += g.bw;
    g.state = GrubState.contending;
    this.hooks.afterChange(from);
    if (cpu !== from) this.hooks.afterChange(cpu);
  }

  /** Block (task_non_contending): out of running_bw now if its 0-lag time has passed, else at it. */
  nonContend(g: GrubEntity, cbs: GrubCbsView, now: Ns): void {
    if (g.state !== GrubState.contending) return;
    // zerolag_time = deadline − runtime·dl_period/dl_runtime (div64_long truncates toward 0).
    const lag = Number((BigInt(cbs.budgetNs) * BigInt(cbs.periodNs)) / BigInt(cbs.runtimeNs));
    const zeroLag = cbs.deadline - lag;
    if (zeroLag < now) {
      this.hooks.beforeChange(g.cpu);
      this.runningBw[g.cpu] -= g.bw;
      g.state = GrubState.inactive;
      this.hooks.afterChange(g.cpu);
      return;
    }
    g.state = GrubState.nonContending;
    g.timer.arm(zeroLag);
  }

  /** A queued (contending) entity moved between runqueues by push/pull: both utilisations go with it. */
  move(g: GrubEntity, cpu: number): void {
    if (g.cpu === cpu) return;
    const from = g.cpu;
    const active = g.state !== GrubState.inactive;
    this.hooks.beforeChange(from);
    this.hooks.beforeChange(cpu);
    this.thisBw[from] -= g.bw;
    this.thisBw[cpu] += g.bw;
    if (active) {
      this.runningBw[from] -= g.bw;
      this.runningBw[cpu] += g.bw;
    }
    g.cpu = cpu;
    this.hooks.afterChange(from);
    this.hooks.afterChange(cpu);
  }

  /**
   * sched_setattr with new (runtime, period): __sched_setscheduler re-enqueues a queued task with
   * DEQUEUE_SAVE/ENQUEUE_RESTORE (both utilisations swap to the new dl_bw); dl_change_utilization
   * for one asleep drops a non-contending one from running_bw at once; sched_dl_overflow moves extra_bw.
   */
  changeBandwidth(g: GrubEntity, runtimeNs: Ns, periodNs: Ns): void {
    const bw = toRatio(periodNs, runtimeNs);
    if (bw === g.bw) return;
    this.hooks.beforeChange(g.cpu);
    this.admitBandwidth(bw - g.bw);
    if (g.state === GrubState.nonContending) {
      g.timer.cancel();
      this.runningBw[g.cpu] -= g.bw;
      g.state = GrubState.inactive;
    } else if (g.state === GrubState.contending) {
      this.runningBw[g.cpu] += bw - g.bw;
    }
    this.thisBw[g.cpu] += bw - g.bw;
    g.bw = bw;
    this.hooks.afterChange(g.cpu);
  }

  /** `r` starts running on `cpu`: for a reclaimer, the execution after which its budget is spent (else undefined, 1:1). */
  started(r: GrubRunner, cpu: number): Ns | undefined {
    const g = r.grub;
    if (g === null || !g.reclaim) return undefined;
    this.runningOn[cpu] = r;
    return this.runFor(g, cpu, r.cbs.budgetNs);
  }

  stopped(r: GrubRunner, cpu: number): void {
    if (this.runningOn[cpu] === r) this.runningOn[cpu] = null;
  }

  /** The exhaustion timer of `r` fired and its CPU was settled: each settled stretch is charged rounded down (as update_curr_dl does), so a few ns may be left. */
  enforced(r: GrubRunner, cpu: number): void {
    if (this.runningOn[cpu] === r) this.rearm(cpu);
  }

  /** Re-time the exhaustion of the reclaimer running on `cpu` at the current rate. */
  private rearm(cpu: number): void {
    const r = this.runningOn[cpu];
    if (r !== null && this.exact) r.cbs.armEnforcement(this.runFor(r.grub!, cpu, r.cbs.budgetNs));
  }

  /** The runtime that `deltaNs` of execution on `cpu` costs a reclaiming entity (grub_reclaim). */
  charge(g: GrubEntity, cpu: number, deltaNs: Ns): Ns {
    return bwScale(deltaNs, this.rate(g, cpu));
  }

  /** Execution time on `cpu` after which `budgetNs` of runtime is used up at the current rate: the exhaustion instant's offset. */
  runFor(g: GrubEntity, cpu: number, budgetNs: Ns): Ns {
    if (budgetNs <= 0) return 0;
    const u = this.rate(g, cpu);
    let delta = Math.ceil((budgetNs * BW_UNIT) / u);
    // The float quotient may be one off: settle on the least delta whose charge reaches the budget.
    while (bwScale(delta, u) < budgetNs) delta++;
    while (delta > 0 && bwScale(delta - 1, u) >= budgetNs) delta--;
    return delta;
  }

  /** u_act in BW_SHIFT fixed point, the factor grub_reclaim multiplies delta by (at least 1). */
  rate(g: GrubEntity, cpu: number): number {
    const inact = this.thisBw[cpu] - this.runningBw[cpu];
    const extra = this.extraBw[cpu];
    let uAct: number;
    if (this.formula === 'max-bw') {
      uAct = inact + extra > this.maxBw - g.bw ? g.bw : this.maxBw - inact - extra;
      uAct = Math.floor((uAct * this.bwRatio) / (1 << RATIO_SHIFT));
    } else {
      const uActMin = Math.floor((g.bw * this.bwRatio) / (1 << RATIO_SHIFT));
      uAct = inact + extra > BW_UNIT - uActMin ? uActMin : BW_UNIT - inact - extra;
    }
    return Math.max(1, uAct);
  }

  /** inactive_task_timer: the 0-lag time of a blocked entity came; its bandwidth leaves running_bw. */
  private inactiveTimer(g: GrubEntity): void {
    if (g.state !== GrubState.nonContending) return;
    this.inactiveTimers++;
    this.hooks.beforeChange(g.cpu);
    this.runningBw[g.cpu] -= g.bw;
    g.state = GrubState.inactive;
    this.hooks.afterChange(g.cpu);
  }
}
