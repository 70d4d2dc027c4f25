// SCHED_DEADLINE (mainline since 3.14; linux-irmos.md §4): every task is a hard CBS (runtime,
// deadline, period) (§4.2, rules in cbs.ts), tasks are ordered by absolute deadline on per-CPU
// runqueues, and push/pull between those runqueues approximates global EDF (§4.4). Optionally a
// per-CPU fair_server (§4.6, deadline-fair-server.ts) lets the fair class run in the DL band when
// RT starves it.
//
// Modelling choices ([M]):
// - Enforcement is exact by default (HRTICK_DL-like: an exhaustion timer while a task runs);
//   'tick' charges at ticks and switches only, as the stock kernel does (§1.3), and overruns are
//   repaid by postponing deadlines at replenishment.
// - GRUB reclaiming (§4.3, SCHED_FLAG_RECLAIM) for the entities admitted with `reclaim`, when the
//   owner gives the GRUB rules (options.grub): bookkeeping and charging in grub.ts. No
//   capacity/frequency scaling, no PI boosting.
// - sched_yield (yield_task_dl, §4.2): the task gives up the runtime it has left and is throttled
//   until its next period start (CbsServer.yieldRest), whatever else is runnable.
// - "Free CPU" and "latest deadline" (cpudl, §4.4) are read from the per-CPU queues: a CPU's
//   deadline is the earliest one queued there (running task included; a ready fair_server counts).
// - Push moves the earliest-deadline task that is neither running nor its CPU's EDF choice; pull
//   takes, from any other CPU, the earliest such task that beats the local earliest deadline.
//   Pull runs at the next re-pick of a CPU whose DL work blocked, throttled or left the band.
// - Wake-up placement (select_task_rq_dl): stay on the last runqueue unless its earliest deadline is
//   not later than ours; then go to a free CPU (the last CPU first) or the one with the latest
//   deadline later than ours.
// - Affinity is honoured even though Linux requires a DL task's mask to span its root domain.
// - Admission control (§4.5) is the model's (src/analysis); bandwidthPerCpu() sums what is admitted.

import type { Ns } from '../../src/scenario/types.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { ClassNeeds, PolicyContext, SchedClass, ServedClass } from '../../src/engine/policy.js';
import { objectArray } from '../../src/engine/object-array.js';
import { CbsServer, CbsState, type CbsHooks } from './cbs.js';
import { FairServer } from './deadline-fair-server.js';
import { GrubAccounting, type GrubEntity, type GrubFormula, type GrubRunner } from './grub.js';

export interface DeadlineAdmitConfig {
  /** sched_runtime (ns), ≥ 1024 (§4.1). */
  runtimeNs: Ns;
  /** sched_deadline (ns), runtime ≤ deadline ≤ period. */
  deadlineNs: Ns;
  /** sched_period (ns); 0 means equal to the deadline (§4.1). */
  periodNs: Ns;
  /** SCHED_FLAG_RECLAIM (§4.3): runtime charged by GRUB's rule (grub.ts) instead of 1:1. */
  reclaim?: boolean;
}

export interface DeadlineOptions {
  /** Per-CPU deferred fair_server (§4.6): kernel defaults 50 ms / 1 s. runtimeNs 0 disables it. */
  /** idleCharge: the 6.17+ fair_server rules (KernelFeatures.fairServerIdleCharge, deadline-fair-server.ts). */
  /** stuckFix: a start that begins a new period clears dl_defer_running (KernelFeatures.fairServerStuckFix). */
  /** enforceAtTickNs: in-band budget enforcement at ticks of this period (no HRTICK), 0 = exact (default). */
  fairServer?: { served: ServedClass; runtimeNs: Ns; periodNs: Ns; idleCharge?: boolean; stuckFix?: boolean; enforceAtTickNs?: Ns };
  /** Budget enforcement (§1.3). Default 'exact'. */
  enforcement?: 'exact' | 'tick';
  /**
   * GRUB (§4.3, grub.ts): the root domain's sched_rt_runtime/period (max_bw, bw_ratio) and the kernel's
   * grub_reclaim formula. Absent: SCHED_FLAG_RECLAIM is refused. The bookkeeping runs only when some
   * entity reclaims.
   */
  grub?: { rtRuntimeNs: Ns; rtPeriodNs: Ns; formula: GrubFormula };
}

/** Minimum runtime: 2^DL_SCALE ns (§0 row 17, §4.1). */
export const DL_MIN_RUNTIME_NS = 1024;

class DlTask implements CbsHooks, GrubRunner {
  readonly cbs: CbsServer;
  /** Queued in its CPU's runqueue (ready and runnable). */
  queued = false;
  /** When it was queued: FIFO among equal deadlines. */
  seq = 0;
  /** Its place in its CPU's runqueue while queued: unqueue takes it out without a search. */
  rqIndex = -1;
  /** Its GRUB bookkeeping (grub.ts), when some entity of the class reclaims. */
  grub: GrubEntity | null = null;
  readonly reclaim: boolean;

  constructor(
    readonly owner: DeadlineClass,
    readonly entity: HostEntity,
    ctx: PolicyContext,
    cfg: DeadlineAdmitConfig,
  ) {
    this.cbs = new CbsServer(ctx, { runtimeNs: cfg.runtimeNs, deadlineNs: cfg.deadlineNs, periodNs: cfg.periodNs }, this);
    this.reclaim = cfg.reclaim === true;
  }

  throttled(): void {
    this.owner.onThrottled(this);
  }

  replenished(): void {
    this.owner.onReplenished(this);
  }

  enforce(): void {
    this.owner.onEnforce(this);
  }
}

export class DeadlineClass implements SchedClass<DeadlineAdmitConfig> {
  readonly name = 'deadline';

  /** Per-CPU runqueue of ready DL tasks (unordered; picks scan by deadline). */
  private readonly rq: HostEntity[][];
  private readonly needPull: Uint8Array;
  private readonly fair: FairServer[] | null;
  private readonly exact: boolean;
  /** The fair_server is charged for idle time too (6.17+). */
  private readonly idleCharge: boolean = false;
  private readonly tasks: DlTask[] = [];
  /**
   * Admitted tasks whose affinity allows more than one CPU. With none, push and pull can move
   * nothing (every task is queued on its one allowed CPU), so they are skipped (issue 14).
   */
  private movable = 0;
  private seq = 0;
  private pushes = 0;
  private pulls = 0;
  /**
   * Whether the 'throttle' and 'replenish' notes are taken (a context that does not say counts as
   * taking them): two calls through the engine per job saved where no trace listens (issue 14).
   */
  private readonly notes: boolean;
  /** Off: every wake-up re-picks its CPU, as before keepsPick (the general path, for the equivalence test). */
  wakeupPreemptCheck = true;
  /**
   * Replenishments of throttled tasks that have no work are held until needed (CbsServer.
   * holdIdleReplenishment) where nothing sees them happen: no trace takes the 'replenish' notes, no
   * GRUB bookkeeping. Off: each fires as its own event (the general path, for the equivalence test).
   * Read at init().
   */
  holdIdleReplenishments = true;
  /** Whether they are held in this run (init()). */
  private holding = false;
  private readonly grubRules: DeadlineOptions['grub'];
  /** GRUB bookkeeping (§4.3), built by init() when some entity reclaims. */
  private grub: GrubAccounting | null = null;
  /** Each fair_server's GRUB entity (its dl_bw counts in this_bw and extra_bw, 6.12+). */
  private fairGrub: GrubEntity[] = [];

  constructor(
    private readonly ctx: PolicyContext,
    opts: DeadlineOptions = {},
  ) {
    this.exact = (opts.enforcement ?? 'exact') === 'exact';
    this.notes = ctx.notesObserved !== false;
    this.rq = Array.from({ length: ctx.cpuCount }, () => objectArray<HostEntity>());
    this.needPull = new Uint8Array(ctx.cpuCount);
    this.grubRules = opts.grub;
    const fs = opts.fairServer;
    if (fs !== undefined && fs.runtimeNs > 0) {
      this.fair = Array.from({ length: ctx.cpuCount }, (_, cpu) => new FairServer(this, ctx, cpu, fs.served, fs.runtimeNs, fs.periodNs, fs.idleCharge === true, fs.stuckFix === true, fs.enforceAtTickNs ?? 0));
      this.idleCharge = fs.idleCharge === true;
      fs.served.setRunListener((cpu, delta) => this.fair![cpu].consume(delta));
      fs.served.setActivityListener((cpu, active) => {
        this.fair![cpu].setActive(active);
        // dl_server_start / dl_server_stop: the server contends, or goes non contending (grub.ts [M]).
        if (this.grub === null) return;
        if (active) this.grub.contend(this.fairGrub[cpu], cpu);
        else this.grub.nonContend(this.fairGrub[cpu], this.fair![cpu].cbs, this.ctx.now);
      });
    } else {
      this.fair = null;
    }
  }

  /** Make `e` a SCHED_DEADLINE task (and this class its schedClass). Call inside the model's build(). */
  admit(e: HostEntity, cfg: DeadlineAdmitConfig): void {
    const periodNs = cfg.periodNs === 0 ? cfg.deadlineNs : cfg.periodNs;
    if (!(cfg.runtimeNs >= DL_MIN_RUNTIME_NS && cfg.runtimeNs <= cfg.deadlineNs && cfg.deadlineNs <= periodNs)) {
      throw new RangeError(
        `${e.id}: SCHED_DEADLINE needs ${DL_MIN_RUNTIME_NS} ns ≤ runtime ≤ deadline ≤ period, got (${cfg.runtimeNs}, ${cfg.deadlineNs}, ${cfg.periodNs})`,
      );
    }
    if (cfg.reclaim === true && this.grubRules === undefined) throw new RangeError(`${e.id}: SCHED_FLAG_RECLAIM needs a kernel with GRUB reclaiming (4.13+, §4.3)`);
    const t = new DlTask(this, e, this.ctx, { ...cfg, periodNs });
    this.tasks.push(t);
    t.cbs.holdIdleReplenishment = this.holding; // admitted after init() (a VMU started later)
    if (e.affinity.length > 1) this.movable++;
    // Its runqueue until it first wakes (where enqueue would put it): the first wake-up then takes
    // the path every later one takes (issue 14: a path only a run's first wake-ups took was a deopt per run).
    if (e.cpu < 0) e.cpu = e.affinity[0];
    e.slot = t;
    e.schedClass = this;
  }

  /**
   * sched_setattr on a SCHED_DEADLINE thread while it runs (issue 13 renegotiation; admission,
   * sched_dl_overflow, already accepted it): CbsServer.setParams keeps the runtime and deadline in
   * progress and applies the new ones from the next replenishment (__setparam_dl).
   */
  setParams(e: HostEntity, cfg: DeadlineAdmitConfig): void {
    const t = e.slot as DlTask;
    if (t.grub !== null) this.grub!.changeBandwidth(t.grub, cfg.runtimeNs, cfg.periodNs === 0 ? cfg.deadlineNs : cfg.periodNs);
    t.cbs.setParams(cfg, this.ctx.now);
    for (let cpu = 0; cpu < this.ctx.cpuCount; cpu++) this.ctx.resched(cpu);
  }

  // ---- SchedClass ------------------------------------------------------------------------

  /**
   * GRUB (§4.3) only when some entity reclaims: then every DL entity, fair_servers included, is
   * counted. Then whether idle tasks' replenishments are held (holdIdleReplenishments).
   */
  init(): void {
    this.initGrub();
    // onReplenished, for a task left without work, only notes the replenishment for traces.
    this.holding = this.holdIdleReplenishments && !this.notes && this.grub === null;
    for (const t of this.tasks) t.cbs.holdIdleReplenishment = this.holding;
  }

  private initGrub(): void {
    const rules = this.grubRules;
    if (rules === undefined || !this.tasks.some((t) => t.reclaim)) return;
    const grub = new GrubAccounting(this.ctx, rules.formula, rules.rtRuntimeNs, rules.rtPeriodNs, this.exact);
    this.grub = grub;
    for (const t of this.tasks) {
      const e = t.entity;
      t.grub = grub.entity(t.cbs.runtimeNs, t.cbs.periodNs, t.reclaim, e.cpu >= 0 && e.allows(e.cpu) ? e.cpu : e.affinity[0]);
    }
    if (this.fair !== null) this.fairGrub = this.fair.map((fs) => grub.entity(fs.cbs.runtimeNs, fs.cbs.periodNs, false, fs.cpu));
  }

  /**
   * Tick enforcement needs the engine's settle (and so the charge) before each tick; the 6.17+
   * fair_server is charged for idle time (§4.6). With exact enforcement a charge is only the task's
   * own c −= delta (a fair_server is charged by the fair class, never here), exhausting at c ≤ 0
   * exactly when the enforcement timer fires: split anywhere else, the same (issue 14: lets the
   * engine leave out no-op ticks).
   */
  needs(): ClassNeeds {
    // GRUB (grub.ts) rounds each charged stretch down, as update_curr_dl does: there a split is not
    // the same, so the host ticks keep settling reclaimers as the kernel's tick does.
    // With no task allowed on two CPUs, push and pull move nothing (`movable`): each CPU's runqueue
    // and fair_server are its own and `seq` orders one runqueue, so the class ties no CPUs together
    // (the engine may run them apart, cpu-islands.ts). GRUB's bandwidth sums span the root domain.
    const apart = this.movable === 0 && this.grub === null;
    return { tick: !this.exact, idleTime: this.idleCharge, chargeSplits: this.exact && this.grub === null, ...(apart && { cpuCoupling: [] }) };
  }

  /** Idle time on `cpu` counts against its fair_server (dl_server_update_idle_time, 6.17+). */
  idleTime(cpu: number, deltaNs: Ns): void {
    this.fair![cpu].idle(deltaNs);
  }

  enqueue(e: HostEntity): void {
    const t = taskOf(e);
    let cpu = e.cpu >= 0 && e.allows(e.cpu) ? e.cpu : e.affinity[0];
    e.cpu = cpu;
    // §4.3 task_contending comes first, throttled or not: a throttled task is still active.
    if (t.grub !== null) this.grub!.contend(t.grub, cpu);
    // §4.2 wake-up rule (overflow test, revised CBS, constrained throttle) in CbsServer.activate.
    if (!t.cbs.activate()) return; // throttled: the replenishment timer enqueues it
    // select_task_rq_dl (§4.4): not earlier than the local deadline → a free or later CPU.
    if (e.affinity.length > 1 && this.earliestDeadline(cpu) <= t.cbs.deadline) {
      const j = this.laterCpu(t, cpu);
      if (j >= 0) {
        cpu = j;
        this.pushes++;
      }
    }
    this.queue(t, cpu, !this.keepsPick(t, cpu));
    this.pushFrom(cpu);
  }

  /**
   * check_preempt_curr_dl on a wake-up (§4.2 "among DL tasks, the earliest d wins and pre-empts on
   * wake-up"): `t` queued on `cpu` leaves its EDF choice as it is when the DL task running there is
   * queued there with a deadline not later than t's (ties go to the earlier queued). The CPU is then
   * not re-picked for this wake-up (issue 14: a wake-up that pre-empts nothing was a settle and a
   * runqueue scan). Only where that re-pick's settle is invisible: exact enforcement without GRUB (a
   * charge split in two is the same charge: needs().chargeSplits) and a host thread running (a vCPU's
   * guest may charge its task in floating point). Anything else that changes the CPU's choice in
   * this instant re-picks it as before.
   */
  private keepsPick(t: DlTask, cpu: number): boolean {
    if (!this.wakeupPreemptCheck || !this.exact || this.grub !== null) return false;
    const cur = this.ctx.current(cpu);
    if (cur === null || cur.schedClass !== this || cur.cpu !== cpu || cur.isVcpu) return false;
    const c = taskOf(cur);
    // t is queued after c, so an equal deadline keeps c first (earlier()).
    return c.queued && c.cbs.deadline <= t.cbs.deadline;
  }

  dequeue(e: HostEntity): void {
    const t = taskOf(e);
    if (t.queued) {
      this.unqueue(t);
      this.needPull[e.cpu] = 1;
    }
    t.cbs.deactivate();
    // §4.3 task_non_contending: its bandwidth stays in running_bw until its 0-lag time.
    if (t.grub !== null) this.grub!.nonContend(t.grub, t.cbs, this.ctx.now);
  }

  /** EDF on this CPU: the earliest queued deadline; a ready fair_server runs its client in the DL band. */
  pickNext(cpu: number): HostEntity | null {
    const best = this.earliestTask(cpu);
    const fs = this.fair?.[cpu];
    if (fs !== undefined && fs.beats(best === null ? null : taskOf(best))) {
      const e = fs.served.pickNext(cpu);
      if (e !== null) return e;
    }
    return best;
  }

  /** §4.4 pull, when this CPU's DL work went away since its last pick. */
  balance(cpu: number): void {
    if (this.needPull[cpu] === 0) return;
    this.needPull[cpu] = 0;
    if (this.movable === 0) return; // a task queued elsewhere is not allowed here
    const local = this.earliestDeadline(cpu);
    let best: DlTask | null = null;
    for (let j = 0; j < this.rq.length; j++) {
      if (j === cpu) continue;
      const keep = this.pickTask(j);
      const list = this.rq[j];
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        if (e.runningOn >= 0 || e === keep || !e.allows(cpu)) continue;
        const t = taskOf(e);
        if (t.cbs.deadline < local && (best === null || earlier(t, best))) best = t;
      }
    }
    if (best !== null) {
      this.unqueue(best);
      this.queue(best, cpu);
      this.pulls++;
    }
  }

  charge(e: HostEntity, cpu: number, deltaNs: Ns): void {
    const t = taskOf(e);
    // §4.3: a reclaiming task's runtime goes down at GRUB's rate (grub_reclaim), every other 1:1.
    t.cbs.consume(t.reclaim && t.grub !== null ? this.grub!.charge(t.grub, cpu, deltaNs) : deltaNs);
  }

  started(e: HostEntity, cpu: number): void {
    const t = taskOf(e);
    t.cbs.cpu = cpu;
    const runFor = this.grub?.started(t, cpu); // §4.3: a reclaimer's budget lasts longer than its value
    if (this.exact) t.cbs.armEnforcement(runFor);
  }

  stopped(e: HostEntity, cpu: number): void {
    const t = taskOf(e);
    this.grub?.stopped(t, cpu);
    t.cbs.cancelEnforcement();
    // Pre-empted while ready: push it to a free or later CPU (push after schedule, §4.4).
    if (e.runnable && t.queued) this.pushFrom(cpu);
  }

  /** sched_yield (header): throttled until the next period; onThrottled takes it off its runqueue. */
  yield(e: HostEntity): void {
    taskOf(e).cbs.yieldRest(this.ctx.now);
  }

  stats(): Record<string, number> {
    let throttles = 0;
    let replenishments = 0;
    let wakeResets = 0;
    let lagResets = 0;
    for (const t of this.tasks) {
      t.cbs.catchUp();
      throttles += t.cbs.throttles;
      replenishments += t.cbs.replenishments;
      wakeResets += t.cbs.wakeResets;
      lagResets += t.cbs.lagResets;
    }
    const out: Record<string, number> = { throttles, replenishments, wakeResets, lagResets, pushes: this.pushes, pulls: this.pulls };
    if (this.grub !== null) out.grubInactiveTimers = this.grub.inactiveTimers;
    if (this.fair !== null) {
      let act = 0;
      let thr = 0;
      for (const fs of this.fair) {
        act += fs.cbs.deferActivations;
        thr += fs.cbs.throttles;
      }
      out.fairServerActivations = act;
      out.fairServerThrottles = thr;
    }
    return out;
  }

  // ---- inspection ------------------------------------------------------------------------

  /** The CBS state of a DL task (read it, do not drive it): for traces and tests. */
  reservation(e: HostEntity): CbsServer | undefined {
    if (e.schedClass !== this) return undefined;
    const cbs = taskOf(e).cbs;
    cbs.catchUp();
    return cbs;
  }

  /** The fair_server of `cpu`, if configured. */
  fairServer(cpu: number): CbsServer | undefined {
    return this.fair?.[cpu]?.cbs;
  }

  /** Σ runtime/period admitted so far, fair_servers included (§4.5: checked per root domain by the model). */
  totalBandwidth(): number {
    let sum = 0;
    for (const t of this.tasks) sum += t.cbs.bandwidth;
    if (this.fair !== null) for (const fs of this.fair) sum += fs.cbs.bandwidth;
    return sum;
  }

  // ---- hooks (from DlTask / FairServer) -------------------------------------------------------

  /** §4.2 exhaustion: dequeued until the next period start. */
  onThrottled(t: DlTask): void {
    if (this.notes) this.ctx.note('throttle', t.entity.cpu, t.entity); // for traces: runtime exhausted
    if (!t.queued) return;
    const cpu = t.entity.cpu;
    this.unqueue(t);
    this.needPull[cpu] = 1;
  }

  /** §4.2 replenishment: back on its runqueue if it has work, then push (§4.4). */
  onReplenished(t: DlTask): void {
    if (this.notes) this.ctx.note('replenish', t.entity.cpu, t.entity); // for traces
    if (t.cbs.state !== CbsState.ready || t.queued) return;
    const cpu = t.entity.cpu;
    this.queue(t, cpu);
    this.pushFrom(cpu);
  }

  onEnforce(t: DlTask): void {
    const cpu = t.entity.runningOn;
    if (cpu < 0) return;
    this.ctx.settle(cpu);
    this.grub?.enforced(t, cpu);
  }

  /** A fair_server entered the DL band on `cpu`: re-pick, and move DL tasks it displaces. */
  fairServerReady(cpu: number): void {
    this.ctx.resched(cpu);
    this.pushFrom(cpu);
  }

  /** A fair_server left the DL band on `cpu`. */
  fairServerLeft(cpu: number): void {
    this.needPull[cpu] = 1;
    this.ctx.resched(cpu);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  // ---- runqueues and global EDF (§4.4) ----------------------------------------------------------

  private queue(t: DlTask, cpu: number, resched = true): void {
    // §4.3: push, pull and wake-up placement carry this_bw and running_bw to the new runqueue.
    if (t.grub !== null) this.grub!.move(t.grub, cpu);
    t.entity.cpu = cpu;
    t.queued = true;
    t.seq = ++this.seq;
    const list = this.rq[cpu];
    t.rqIndex = list.length;
    list.push(t.entity);
    if (resched) this.ctx.resched(cpu);
  }

  private unqueue(t: DlTask): void {
    const cpu = t.entity.cpu;
    const list = this.rq[cpu];
    const i = t.rqIndex;
    const last = list[list.length - 1];
    list[i] = last;
    taskOf(last).rqIndex = i;
    list.pop();
    t.rqIndex = -1;
    t.queued = false;
    this.ctx.resched(cpu);
  }

  private earliestTask(cpu: number): HostEntity | null {
    const list = this.rq[cpu];
    let best: HostEntity | null = null;
    for (let i = 0; i < list.length; i++) {
      if (best === null || earlier(taskOf(list[i]), taskOf(best))) best = list[i];
    }
    return best;
  }

  /** The DL task this CPU runs (or is about to): its earliest, unless the fair_server wins. */
  private pickTask(cpu: number): HostEntity | null {
    const best = this.earliestTask(cpu);
    if (best === null) return null;
    const fs = this.fair?.[cpu];
    return fs !== undefined && fs.beats(taskOf(best)) ? null : best;
  }

  /** cpudl's view of a CPU: its earliest queued deadline, Infinity when free of DL work. */
  private earliestDeadline(cpu: number): number {
    const list = this.rq[cpu];
    let d = Infinity;
    for (let i = 0; i < list.length; i++) {
      const x = taskOf(list[i]).cbs.deadline;
      if (x < d) d = x;
    }
    const fs = this.fair?.[cpu];
    if (fs !== undefined && fs.cbs.state === CbsState.ready && fs.cbs.deadline < d) d = fs.cbs.deadline;
    return d;
  }

  /** find_later_rq: a free CPU (t's last CPU first), else the latest deadline later than t's; -1 if none. */
  private laterCpu(t: DlTask, from: number): number {
    const e = t.entity;
    let free = -1;
    let later = -1;
    let laterD = t.cbs.deadline;
    for (let i = 0; i < e.affinity.length; i++) {
      const j = e.affinity[i];
      if (j === from) continue;
      const d = this.earliestDeadline(j);
      if (d === Infinity) {
        if (free < 0 || j === e.lastCpu) free = j;
      } else if (d > laterD) {
        laterD = d;
        later = j;
      }
    }
    return free >= 0 ? free : later;
  }

  /** §4.4 push: move waiting tasks of `cpu`, earliest first, while each finds a free or later CPU. */
  private pushFrom(cpu: number): void {
    if (this.movable === 0) return; // nothing may leave its one CPU
    const list = this.rq[cpu];
    for (let guard = list.length; guard > 0; guard--) {
      const keep = this.pickTask(cpu);
      let cand: DlTask | null = null;
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        if (e.runningOn >= 0 || e === keep || e.affinity.length < 2) continue;
        const t = taskOf(e);
        if (cand === null || earlier(t, cand)) cand = t;
      }
      if (cand === null) return;
      const j = this.laterCpu(cand, cpu);
      if (j < 0) return;
      this.unqueue(cand);
      this.queue(cand, j);
      this.pushes++;
    }
  }
}

function taskOf(e: HostEntity): DlTask {
  return e.slot as DlTask;
}

/** EDF order: earlier deadline, then first queued. */
function earlier(a: DlTask, b: DlTask): boolean {
  return a.cbs.deadline < b.cbs.deadline || (a.cbs.deadline === b.cbs.deadline && a.seq < b.seq);
}

export type { DlTask };
