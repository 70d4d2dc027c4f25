// RTDS, Xen's real-time deferrable-server scheduler (4.5+, event-driven since 4.7, extratime since
// 4.10; xen.md §4): global EDF over the cpupool, every vCPU a deferrable server (budget B, period P)
// whose deadlines sit on the absolute grid k·P from time 0. Budget is kept while the vCPU sleeps and
// discarded at the period boundary; an exhausted vCPU with extratime keeps competing one priority
// level lower, one without waits for its boundary.
//
// Engine mapping (as in sedf.ts): schedule(cpu, now) is rt_schedule() on that pCPU (burn was already
// done by the engine's settle → charge) and returns next_time = cur_budget, for which the engine
// arms the pCPU's slice timer; pickNext(cpu) reports its decision. "Tickling" a pCPU is asking the
// engine to re-pick it. One global RunQ (unsorted array, scanned by priority), a DepletedQ (a
// flag), a ReplQ (the runnable vCPUs, scanned for the earliest deadline) with one replenishment
// timer.
//
// Modelling choices ([M]):
// - The cpupool is the whole host; hard affinity is honoured; no soft affinity.
// - A pCPU counts as idle for tickling when its last schedule point chose nothing (the "current" of
//   Xen's curr_on_cpu, including a vCPU picked but not yet switched in during the same instant).
// - Priority ties (same level and deadline) go to the vCPU queued first; compare_unit_priority's
//   truncation of deadline differences to int is not reproduced.
// - Timer slop, IPI and context-switch latencies are the engine's (contextSwitchNs), not modelled here.
// - Xen's replenishment handler only tickles for a replenished vCPU that was depleted (or for the
//   RunQ head if the replenished one is running): an extratime vCPU replenished while queued at a
//   level ≥ 1 is not tickled and waits for the next schedule point. Kept as in Xen.

import type { Ns } from '../../src/scenario/types.js';
import type { HostEntity } from '../../src/engine/entities.js';
import { EventPhase, type Timer } from '../../src/engine/event-queue.js';
import type { PolicyContext, SchedClass, TaskSlice } from '../../src/engine/policy.js';
import { poolCpus } from './affinity.js';
import { ReplQueue } from './rtds-replq.js';

/** Xen defaults (§0 RTDS row). */
export const RTDS_DEFAULT_BUDGET_NS = 4_000_000;
export const RTDS_DEFAULT_PERIOD_NS = 10_000_000;
/** rt_dom_cntl limits: period ≥ 10 µs, 10 µs ≤ budget ≤ period. */
export const RTDS_MIN_PERIOD_NS = 10_000;
export const RTDS_MIN_BUDGET_NS = 10_000;

export interface RtdsAdmitConfig {
  /** Budget per period (default 4 ms). */
  budgetNs?: Ns;
  /** Period = relative deadline (default 10 ms). */
  periodNs?: Ns;
  /** May run beyond its budget in otherwise idle time (default true, Xen ≥ 4.10). */
  extratime?: boolean;
}

const Q = { none: 0, runq: 1, depleted: 2 } as const;
type Q = (typeof Q)[keyof typeof Q];

class RtdsVcpu {
  /** cur_budget. */
  budget: Ns = 0;
  /** cur_deadline: a multiple of the period (0 before the first wake). */
  deadline: Ns = 0;
  /** priority_level: 0 with budget, +1 per extratime refill. */
  level = 0;
  depleted = false;
  where: Q = Q.none;
  seq = 0;
  /** Slot on the ReplQ while runnable (queued or running), -1 otherwise (rtds-replq.ts). */
  replSlot = -1;
  // counters
  replenishments = 0;
  exhaustions = 0;
  extraLevels = 0;

  constructor(
    readonly entity: HostEntity,
    /** Admission order: the ReplQ's tie-break among equal deadlines. */
    readonly index: number,
    public budgetNs: Ns,
    public periodNs: Ns,
    readonly extratime: boolean,
  ) {}
}

export class RtdsClass implements SchedClass<RtdsAdmitConfig | undefined> {
  readonly name = 'rtds';
  private readonly vcpus: RtdsVcpu[] = [];
  /** RunQ: vCPUs with budget or extratime, not running. */
  private readonly runq: RtdsVcpu[] = [];
  /** ReplQ: the runnable vCPUs by deadline (rtds-replq.ts). */
  private readonly replq = new ReplQueue<RtdsVcpu>();
  private readonly decision: (HostEntity | null)[];
  private readonly tickled: Uint8Array;
  private readonly replTimer: Timer;
  /** Replenished vCPUs of one handler run, in processing order (preallocated). */
  private readonly batch: RtdsVcpu[] = [];
  private seq = 0;
  private tickles = 0;
  private migrations = 0;

  /** The cpupool's pCPUs: global EDF runs over these only (xen.md §4). */
  readonly cpus: readonly number[];

  constructor(
    private readonly ctx: PolicyContext,
    opts: { pool?: readonly number[] } = {},
  ) {
    this.cpus = poolCpus(ctx, opts.pool, 'rtds');
    this.decision = new Array<HostEntity | null>(ctx.cpuCount).fill(null);
    this.tickled = new Uint8Array(ctx.cpuCount);
    this.replTimer = ctx.timer(EventPhase.budget, (now) => this.onReplenish(now));
  }

  /**
   * `xl sched-rtds -d <dom> -p -b` on a running domain (issue 13 renegotiation): rt_dom_cntl
   * (XEN_DOMCTL_SCHEDOP_putinfo / putvcpuinfo) stores the new period and budget in each vCPU and
   * leaves cur_budget and cur_deadline alone, so the new values apply from its next replenishment
   * (rt_update_deadline: cur_deadline += period, cur_budget = budget). RTDS has no admission control
   * (xen.md §4).
   */
  setParams(e: HostEntity, budgetNs: Ns, periodNs: Ns): void {
    const v = this.vcpus.find((x) => x.entity === e)!;
    v.budgetNs = budgetNs;
    v.periodNs = periodNs;
    for (const c of this.cpus) this.ctx.resched(c);
  }

  /** Make `e` an RTDS vCPU (and this class its schedClass). Call inside the model's build(). */
  admit(e: HostEntity, cfg: RtdsAdmitConfig = {}): void {
    const b = cfg.budgetNs ?? RTDS_DEFAULT_BUDGET_NS;
    const p = cfg.periodNs ?? RTDS_DEFAULT_PERIOD_NS;
    if (!(Number.isInteger(b) && Number.isInteger(p) && p >= RTDS_MIN_PERIOD_NS && b >= RTDS_MIN_BUDGET_NS && b <= p)) {
      throw new RangeError(`${e.id}: RTDS needs integers with period ≥ 10 µs and 10 µs ≤ budget ≤ period, got budget ${b} ns, period ${p} ns`);
    }
    const v = new RtdsVcpu(e, this.vcpus.length, b, p, cfg.extratime ?? true);
    this.vcpus.push(v);
    e.slot = v;
    e.schedClass = this;
    e.cpu = e.affinity[0];
  }

  // ---- SchedClass ------------------------------------------------------------------------

  /** rt_unit_wake (§4 "Wake"): a missed boundary gives a new grid deadline and full budget; otherwise both are kept. */
  enqueue(e: HostEntity): void {
    const v = vcpuOf(e);
    if (e.runningOn >= 0 || v.where !== Q.none) return;
    const now = this.ctx.now;
    if (now >= v.deadline) this.updateDeadline(v, now);
    this.replq.add(v);
    this.armRepl();
    this.insert(v);
    this.tickle(v);
  }

  /** rt_unit_sleep of a queued vCPU: off the queues and the ReplQ (a running one: see stopped()). */
  dequeue(e: HostEntity): void {
    const v = vcpuOf(e);
    if (v.where !== Q.none) this.remove(v);
    if (this.replq.has(v)) {
      this.replq.delete(v);
      this.armRepl();
    }
  }

  /** The choice of the last schedule point on `cpu` (curr_on_cpu). */
  pickNext(cpu: number): HostEntity | null {
    const d = this.decision[cpu];
    return d !== null && d.runnable ? d : null;
  }

  /** rt_schedule (§4 "schedule()"): keep the current vCPU only if strictly better than the RunQ candidate. */
  schedule(cpu: number, now: Ns): TaskSlice {
    this.tickled[cpu] = 0;
    const cur = this.ctx.current(cpu);
    const cv = cur !== null && cur.schedClass === this ? vcpuOf(cur) : null;
    const cand = this.best(cpu);
    let next: RtdsVcpu | null = null;
    if (cv !== null && cur!.runnable && cv.budget > 0 && (cand === null || prio(cv, cand) > 0)) {
      next = cv;
    } else if (cand !== null) {
      this.remove(cand);
      if (cand.entity.cpu !== cpu && cand.entity.lastCpu >= 0) this.migrations++;
      cand.entity.cpu = cpu;
      next = cand;
    }
    // (A switched-out runnable vCPU re-enters the RunQ in stopped(): Xen's context_saved.)
    this.decision[cpu] = next === null ? null : next.entity;
    return { next: this.pickNext(cpu), sliceNs: next === null ? Infinity : next.budget };
  }

  /** burn_budget (§4 "Burn"). */
  charge(e: HostEntity, cpu: number, deltaNs: Ns): void {
    const v = vcpuOf(e);
    v.budget -= deltaNs;
    if (v.budget > 0) return;
    v.exhaustions++;
    if (v.extratime) {
      v.level++;
      v.extraLevels++;
      v.budget = v.budgetNs;
    } else {
      v.budget = 0;
      v.depleted = true;
    }
    this.ctx.note('exhausted', cpu, e);
  }

  started(): void {}

  /** rt_context_saved: a switched-out runnable vCPU goes back to the RunQ (or DepletedQ) and tickles. */
  stopped(e: HostEntity, cpu: number): void {
    const v = vcpuOf(e);
    if (this.decision[cpu] === e) this.decision[cpu] = null; // it blocked: the pCPU goes idle
    if (e.runnable) {
      this.insert(v);
      this.tickle(v);
    } else if (this.replq.has(v)) {
      this.replq.delete(v);
      this.armRepl();
    }
  }

  stats(): Record<string, number> {
    let replenishments = 0;
    let exhaustions = 0;
    let extraLevels = 0;
    for (const v of this.vcpus) {
      replenishments += v.replenishments;
      exhaustions += v.exhaustions;
      extraLevels += v.extraLevels;
    }
    return { replenishments, exhaustions, extraLevels, tickles: this.tickles, migrations: this.migrations };
  }

  // ---- inspection --------------------------------------------------------------------------

  /** Server state of `e` (read it, do not drive it): for traces and tests. */
  server(e: HostEntity): { budget: Ns; deadline: Ns; level: number; depleted: boolean } {
    const v = vcpuOf(e);
    return { budget: v.budget, deadline: v.deadline, level: v.level, depleted: v.depleted };
  }

  /** Σ budget/period admitted (the model wrapper's schedulability checks, §4 "Schedulability"). */
  totalBandwidth(): number {
    let u = 0;
    for (const v of this.vcpus) u += v.budgetNs / v.periodNs;
    return u;
  }

  // ---- rules -------------------------------------------------------------------------------

  /**
   * rt_update_deadline: cur_deadline advanced by whole periods past now, full budget, level 0. From
   * cur_deadline = 0 that is the next point of the period grid; after `xl sched-rtds` changed the
   * period (setParams) the new periods count from the deadline in force, as in Xen.
   */
  private updateDeadline(v: RtdsVcpu, now: Ns): void {
    v.deadline += (Math.floor((now - v.deadline) / v.periodNs) + 1) * v.periodNs;
    v.budget = v.budgetNs;
    v.level = 0;
    v.replenishments++;
    this.replq.changed(v);
  }

  /** repl_timer_handler (§4 "Replenishment timer"). */
  private onReplenish(now: Ns): void {
    const batch = this.batch;
    batch.length = 0;
    // In ReplQ (deadline) order; a replenished vCPU's deadline moves past now, so it is taken once.
    for (;;) {
      const v = this.replq.head();
      if (v === null || v.deadline > now) break;
      const e = v.entity;
      if (e.runningOn >= 0) this.ctx.settle(e.runningOn); // burn the old period's budget first
      this.updateDeadline(v, now);
      this.ctx.note('replenish', e.runningOn >= 0 ? e.runningOn : e.cpu, e);
      if (v.where !== Q.none) {
        this.remove(v);
        this.insert(v);
      }
      batch.push(v);
    }
    // Tickles, in the order Xen walks its temporary list (reverse of processing).
    for (let i = batch.length - 1; i >= 0; i--) {
      const v = batch[i];
      if (v.entity.runningOn >= 0 && this.runq.length > 0) {
        const head = this.best(-1)!;
        if (prio(v, head) < 0) this.tickle(head);
      } else if (v.depleted) {
        v.depleted = false;
        if (v.where !== Q.none) this.tickle(v);
      }
    }
    batch.length = 0;
    this.armRepl();
  }

  private armRepl(): void {
    const head = this.replq.head();
    const at = head === null ? Infinity : head.deadline;
    if (at === Infinity) this.replTimer.cancel();
    else if (this.replTimer.expiry !== at) this.replTimer.arm(at);
  }

  /** runq_insert: with budget or extratime into the RunQ, else the DepletedQ. */
  private insert(v: RtdsVcpu): void {
    v.seq = ++this.seq;
    if (v.budget > 0 || v.extratime) {
      v.where = Q.runq;
      this.runq.push(v);
    } else {
      v.where = Q.depleted;
    }
  }

  private remove(v: RtdsVcpu): void {
    if (v.where === Q.runq) {
      const q = this.runq;
      const i = q.indexOf(v);
      q[i] = q[q.length - 1];
      q.pop();
    }
    v.where = Q.none;
  }

  /** runq_pick: the highest-priority RunQ entry allowed on `cpu` (any when cpu < 0). */
  private best(cpu: number): RtdsVcpu | null {
    let best: RtdsVcpu | null = null;
    for (const v of this.runq) {
      if (cpu >= 0 && !v.entity.allows(cpu)) continue;
      if (best === null || before(v, best)) best = v;
    }
    return best;
  }

  /**
   * runq_tickle (§4 "Tickle"): among allowed, not yet tickled pCPUs, starting at the vCPU's own and
   * cycling, the first idle one; else the one running the lowest priority, if `v` is strictly higher.
   */
  private tickle(v: RtdsVcpu): void {
    const aff = v.entity.affinity;
    const n = aff.length;
    let start = 0;
    while (start < n && aff[start] < v.entity.cpu) start++;
    if (start === n) start = 0;
    let lowest = -1;
    let lowestV: RtdsVcpu | null = null;
    for (let k = 0; k < n; k++) {
      const cpu = aff[(start + k) % n];
      if (this.tickled[cpu] === 1) continue;
      const occ = this.decision[cpu];
      if (occ === null) {
        this.kick(cpu, v);
        return;
      }
      const ov = vcpuOf(occ);
      if (lowestV === null || prio(ov, lowestV) < 0) {
        lowestV = ov;
        lowest = cpu;
      }
    }
    if (lowestV !== null && prio(v, lowestV) > 0) this.kick(lowest, v);
  }

  private kick(cpu: number, v: RtdsVcpu): void {
    this.tickled[cpu] = 1;
    this.tickles++;
    this.ctx.note('tickle', cpu, v.entity);
    this.ctx.resched(cpu);
  }
}

function vcpuOf(e: HostEntity): RtdsVcpu {
  return e.slot as RtdsVcpu;
}

/** compare_unit_priority: > 0 when `a` is strictly higher (lower level, then earlier deadline). */
function prio(a: RtdsVcpu, b: RtdsVcpu): number {
  if (a.level !== b.level) return b.level - a.level;
  return b.deadline - a.deadline;
}

/** RunQ order: priority, then FIFO among equals (deadline_queue_insert goes after its equals). */
function before(a: RtdsVcpu, b: RtdsVcpu): boolean {
  const p = prio(a, b);
  return p > 0 || (p === 0 && a.seq < b.seq);
}
