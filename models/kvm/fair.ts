// Linux CFS host class (SCHED_OTHER, 2.6.23–6.5 rules) with cgroup cpu.shares and CFS bandwidth
// control — linux-irmos.md §6.1 and §6.3 — and, with `pick: 'eevdf'` (kernels 6.6+, kernel.ts), the
// EEVDF pick of §6.2 on the same vruntimes.
//
// EEVDF mode (§6.2): the rules are listed in fair-eevdf.ts's header.
//
// sched_yield by kernel: fair-yield.ts.
//
// What it models:
// - Per-CPU runqueues ordered by vruntime (the running entity stays in its queue); the pick is the
//   smallest vruntime among visible (not throttled) entities. vruntime += Δexec · 1024 / weight.
// - sched_latency = 6 ms·f, min_granularity = 0.75 ms·f, wakeup_granularity = 1 ms·f with
//   f = 1 + ilog2(min(ncpus, 8)) (§0 rows 20–23).
// - Tick pre-emption, wake-up placement and wake-up pre-emption (§6.1).
// - Wake-up CPU selection and idle balancing: a CPU with no fair work pulls a waiting entity from the
//   busiest CPU (§6.1 SMP).
// - Periodic load balancing between CPUs, busy or idle, with cache-hot and affinity checks and
//   active balancing (fair-balance.ts, by kernel: kernel.ts `fairBalance`).
// - Bandwidth control per group (fair-bandwidth.ts, §6.3): a throttled group's entities leave the pick
//   on that CPU but stay runnable.
//
// Modelling choices [M]:
// - Flat approximation of the cgroup hierarchy: a group member's weight is the group's cpu.shares
//   divided by the group's member count (Linux splits the group entity's weight per CPU by load and
//   nests a runqueue per group). A thread outside any group has weight niceWeight(nice).
// - The running fair entity keeps its CPU until fair itself decides to pre-empt it (tick or wake-up
//   pre-emption, throttling, blocking): a re-pick requested by another class leaves it in place, as
//   Linux only calls schedule() when someone set need_resched.
// - min_vruntime is brought up to date lazily (at enqueue, tick, migration), not at every charge.
// - Every entity is a sleeper at its first wake (no START_DEBIT): the threads exist before the run.
// - The idle pull (at a pick on a CPU without fair work, and at each tick of an idle CPU) takes any
//   waiting entity at once, cache-hot or not; the periodic balancer's [M] choices are in fair-balance.ts.
// - Unthrottled entities are placed like waking sleepers (Linux re-enqueues the group entity with
//   ENQUEUE_WAKEUP).
// - The run listener is told of fair run time only; the class cannot see a CPU running nothing.
// Runqueue data structures: fair-queue.ts; the EEVDF pick: fair-eevdf.ts; delayed dequeue: fair-delay.ts;
// bandwidth control: fair-bandwidth.ts; periodic load
// balancing: fair-balance.ts.

import type { Ns } from '../../src/scenario/types.js';
import type { HostEntity } from '../../src/engine/entities.js';
import { niceWeight } from '../../src/engine/guest-policies/fair.js';
import type { ClassNeeds, PolicyContext, SchedClass, ServedClass } from '../../src/engine/policy.js';
import { CfsBandwidth, type BandwidthHost } from './fair-bandwidth.js';
import { FairBalancer, NEWEST_FAIR_BALANCE, type FairBalanceFeatures } from './fair-balance.js';
import { DelayedDequeue, type DelayHost } from './fair-delay.js';
import { avgVruntime, protectedSlice } from './fair-eevdf.js';
import { FairRunqueues, fairSlot, type FairGroup, type FairSlot } from './fair-queue.js';
import { cfsTickPreempts, pickCfs } from './fair-cfs.js';
import { yieldFair, type FairYield } from './fair-yield.js';

export interface FairGroupConfig {
  id: string;
  /** cgroup cpu.shares (the cgroup default is 1024; cgroup v2 cpu.weight scaled). */
  shares: number;
  /** CFS bandwidth control quota per period (cpu.max); absent = unlimited. */
  quotaNs?: number;
  /** Bandwidth period, default 100 ms (§0 row 27). */
  periodNs?: number;
}

export interface FairAdmitConfig {
  nice: number;
  /** CFS group id; undefined = no group. */
  group?: string;
}

const NICE0_LOAD = 1024;
const DEFAULT_BANDWIDTH_PERIOD_NS = 100_000_000;

export type FairPick = 'cfs' | 'eevdf';
export type { FairYield } from './fair-yield.js';


export class CfsClass implements SchedClass<FairAdmitConfig>, ServedClass, BandwidthHost, DelayHost {
  readonly name = 'fair';
  /** §6.1 tunables, scaled by f = 1 + ilog2(min(ncpus, 8)) (§0 rows 20–22). */
  readonly latencyNs: Ns;
  readonly minGranularityNs: Ns;
  readonly wakeupGranularityNs: Ns;
  /** §6.2 base_slice (EEVDF request size), 0.75 ms·f (0.70 ms·f from 6.15). */
  readonly baseSliceNs: Ns;
  readonly pick: FairPick;
  readonly yieldRule: FairYield;
  /** DELAY_DEQUEUE (fair-delay.ts). */
  private readonly delay: DelayedDequeue;
  /** Per CPU: cfs_rq->skip, the skip buddy ('skip' yield rule). */
  private readonly skip: (HostEntity | null)[];
  private readonly rq: FairRunqueues;
  /** Per CPU: fair asked for a re-pick (tick or wake-up pre-emption, throttling). */
  private readonly preemptPending: Uint8Array;
  private readonly groups = new Map<string, FairGroup>();
  /** Every admitted entity. */
  private readonly members: HostEntity[] = [];
  private runListener: ((cpu: number, deltaNs: Ns) => void) | null = null;
  private tickPreemptions = 0;
  private wakeupPreemptions = 0;
  private idlePulls = 0;
  /** Periodic load balancing (fair-balance.ts); null when switched off. */
  private readonly balancer: FairBalancer | null;
  /** cfs_tasks is kept MRU by pick (4.15+): a pick moves the entity to the head of its CPU's list. */
  private readonly touchOnPick: boolean;

  constructor(
    private readonly ctx: PolicyContext,
    opts: {
      groups: FairGroupConfig[];
      /** 'eevdf' for kernels 6.6+ (§6.2); default 'cfs' (§6.1). */
      pick?: FairPick;
      /** 6.12+ DELAY_DEQUEUE (EEVDF only). */
      delayDequeue?: boolean;
      /** EEVDF normalized base_slice before ×f, default 0.75 ms (0.70 ms from 6.15, kernel.ts). */
      baseSliceNs?: Ns;
      /** sched_yield rule; default the newest of the pick's kernels: 'skip' for CFS, 'forfeit' for EEVDF. */
      yieldRule?: FairYield;
      /** Periodic load balancing rules (kernel.ts `fairBalance`); default the newest kernels'; null = none. */
      balance?: FairBalanceFeatures | null;
    },
  ) {
    this.pick = opts.pick ?? 'cfs';
    this.yieldRule = opts.yieldRule ?? (this.pick === 'eevdf' ? 'forfeit' : 'skip');
    const n = ctx.cpuCount;
    const f = 1 + Math.floor(Math.log2(Math.min(n, 8)));
    this.latencyNs = 6_000_000 * f;
    this.minGranularityNs = 750_000 * f;
    this.wakeupGranularityNs = 1_000_000 * f;
    this.baseSliceNs = (opts.baseSliceNs ?? 750_000) * f;
    this.rq = new FairRunqueues(ctx);
    this.delay = new DelayedDequeue(ctx, this.rq, this, this.pick === 'eevdf' && (opts.delayDequeue ?? false));
    this.preemptPending = new Uint8Array(n);
    this.skip = new Array<HostEntity | null>(n).fill(null);
    for (const g of opts.groups) {
      if (this.groups.has(g.id)) throw new Error(`fair: duplicate CFS group ${g.id}`);
      if (!(g.shares > 0)) throw new Error(`fair: group ${g.id}: shares must be > 0, got ${g.shares}`);
      let bw: CfsBandwidth | null = null;
      if (g.quotaNs !== undefined) {
        const period = g.periodNs ?? DEFAULT_BANDWIDTH_PERIOD_NS;
        if (!(g.quotaNs > 0) || !(period > 0)) throw new Error(`fair: group ${g.id}: quota and period must be > 0`);
        bw = new CfsBandwidth(ctx, this, g.id, g.quotaNs, period);
      }
      this.groups.set(g.id, { id: g.id, shares: g.shares, members: [], bw });
    }
    const balance = opts.balance === undefined ? NEWEST_FAIR_BALANCE : opts.balance;
    this.touchOnPick = balance !== null && balance.taskOrder === 'lru';
    // [M] one flat sched domain of all the host's CPUs (this class serves them all).
    const domain = Array.from({ length: n }, (_, c) => c);
    this.balancer =
      balance === null ? null : new FairBalancer({ owner: this, rq: this.rq, members: this.members, moveTask: (e, from, to) => this.moveTask(e, from, to) }, ctx, balance, domain);
  }

  admit(e: HostEntity, cfg: FairAdmitConfig): void {
    let group: FairGroup | null = null;
    if (cfg.group !== undefined) {
      group = this.groups.get(cfg.group) ?? null;
      if (group === null) throw new Error(`fair: ${e.id}: unknown CFS group ${cfg.group}`);
    }
    const slot: FairSlot = {
      weight: niceWeight(cfg.nice), // §6.1 weights table
      vruntime: 0,
      sumExec: 0,
      sumExecAtPick: 0,
      deadline: 0,
      vlag: 0,
      vprot: 0,
      delayed: false,
      group,
      queued: false,
      index: -1,
      prevCpu: -1,
      lastRanNs: -Infinity,
      listSeq: 0,
      balancedAt: -Infinity,
      // [M] a thread that exists before the run starts like a new task: full load, half a CPU of util.
      peltRunnableAvg: 1,
      peltRunningAvg: 0.5,
      peltAt: 0,
      peltRunnable: false,
      peltRunning: false,
    };
    e.schedClass = this;
    e.slot = slot;
    this.members.push(e);
    if (group !== null) {
      group.members.push(e);
      // [M] flat hierarchy: the group's shares split evenly over its members.
      const w = group.shares / group.members.length;
      for (const m of group.members) fairSlot(m).weight = w;
    }
  }

  // ---- ServedClass --------------------------------------------------------------------------

  hasRunnable(cpu: number): boolean {
    return this.rq.nrVisible[cpu] > 0;
  }

  setRunListener(listener: (cpu: number, deltaNs: Ns) => void): void {
    this.runListener = listener;
  }

  setActivityListener(listener: (cpu: number, active: boolean) => void): void {
    this.rq.activityListener = listener;
  }

  // ---- SchedClass ---------------------------------------------------------------------------

  enqueue(e: HostEntity): void {
    const s = fairSlot(e);
    const rq = this.rq;
    if (s.delayed) {
      this.checkPreemptWakeup(e, s, this.delay.requeue(e, s));
      return;
    }
    const stillRunning = e.runningOn >= 0 && e.allows(e.runningOn);
    const cpu = stillRunning ? e.runningOn : this.selectCpu(e, s);
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.schedClass === this) this.ctx.settle(cpu); // update_curr before placement
    const eevdf = this.pick === 'eevdf';
    // A wake-up migration keeps the entity's vruntime relative to min_vruntime (CFS; EEVDF keeps lag).
    if (!eevdf && s.prevCpu >= 0 && s.prevCpu !== cpu) s.vruntime += rq.minVruntime[cpu] - rq.minVruntime[s.prevCpu];
    const bw = s.group === null ? null : s.group.bw;
    if (bw !== null) bw.beforeEnqueue(cpu); // §6.3: may throttle the group here before it is queued
    rq.updateMinVruntime(cpu);
    if (!stillRunning) {
      if (eevdf) this.placeEevdf(s, cpu);
      // §6.1 wake-up placement (GENTLE_FAIR_SLEEPERS): at most half a latency of sleeper credit.
      else s.vruntime = Math.max(s.vruntime, rq.minVruntime[cpu] - this.latencyNs / 2);
    }
    rq.insert(e, cpu);
    this.balancer?.stats.setRunnable(s, true);
    if (rq.visible(s, cpu)) this.checkPreemptWakeup(e, s, cpu);
  }

  dequeue(e: HostEntity): void {
    const s = fairSlot(e);
    if (!s.queued) return;
    if (this.pick === 'eevdf') {
      const cpu = e.cpu;
      // §6.2 DELAY_DEQUEUE (6.12+, dequeue_entity; fair-delay.ts): a sleeper that is not eligible stays
      // in the tree, delayed, to burn off its negative lag.
      if (this.delay.tryDelay(e, s, cpu)) {
        if (this.skip[cpu] === e) this.skip[cpu] = null; // clear_buddies
        return;
      }
      s.vlag = this.entityLag(s, cpu); // §6.2 PLACE_LAG: the lag at sleep (update_entity_lag)
    }
    if (this.skip[e.cpu] === e) this.skip[e.cpu] = null; // dequeue_entity → clear_buddies
    const from = e.cpu;
    this.rq.remove(e, from);
    e.cpu = -1;
    this.balancer?.stats.setRunnable(s, false);
    this.delay.flushIfIdle(from);
  }

  pickNext(cpu: number): HostEntity | null {
    const rq = this.rq;
    // Nothing queued here (the idle re-pick of a CPU the fair class does not use, under higher
    // classes): every pick below answers null without side effects — a current fair entity queued
    // on this CPU would be in its queue (issue 14: an empty pick at each idle re-pick of a vCPU's pCPU).
    if (rq.queues[cpu].length === 0) return null;
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.schedClass === this && cur.cpu === cpu) {
      const cs = fairSlot(cur);
      if (cs.queued && rq.visible(cs, cpu)) {
        if (this.preemptPending[cpu] === 0) return cur; // nobody asked fair to pre-empt it [M]
        const best = this.pick === 'eevdf' ? this.delay.pickLive(cpu, cur) : this.pickCfs(cpu);
        if (best === cur) {
          // Re-picked after a pre-emption request: nothing is re-armed. pick_next_task_fair calls
          // set_next_entity only `if (prev != p)` — CFS (v6.5, CONFIG_FAIR_GROUP_SCHED as in every
          // distribution kernel): prev_sum_exec_runtime stays, so a current past its ideal slice is
          // rescheduled at every tick until another entity is leftmost (§6.1); EEVDF (6.18): an
          // unprotected current stays unprotected (§6.2). [M] Without FAIR_GROUP_SCHED v6.5 takes the
          // `simple:` path (put_prev_task + set_next_entity) and would start a new slice.
          this.preemptPending[cpu] = 0;
        }
        return best;
      }
    }
    return this.pick === 'eevdf' ? this.delay.pickLive(cpu, null) : this.pickCfs(cpu);
  }

  /** §6.1 idle balance: a CPU without fair work pulls a waiting entity from the busiest allowed CPU. */
  balance(cpu: number): void {
    const rq = this.rq;
    if (rq.nrVisible[cpu] !== 0 || rq.nrVisibleTotal === 0) return;
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.schedClass !== this && cur.runnable) return; // a higher class keeps the CPU [M]
    let src = -1;
    let srcLoad = 0;
    for (let c = 0; c < rq.queues.length; c++) {
      if (c === cpu || rq.nrVisible[c] <= srcLoad) continue;
      if (rq.pullable(c, cpu) !== null) {
        src = c;
        srcLoad = rq.nrVisible[c];
      }
    }
    if (src < 0) return;
    this.migrate(rq.pullable(src, cpu)!, src, cpu);
    this.idlePulls++;
  }

  charge(e: HostEntity, cpu: number, deltaNs: Ns): void {
    const s = fairSlot(e);
    s.vruntime += (deltaNs * NICE0_LOAD) / s.weight; // §6.1 vruntime
    s.sumExec += deltaNs;
    if (this.pick === 'eevdf' && s.vruntime >= s.deadline) {
      // §6.2 update_deadline: the request is done — a new one. vprot (≤ the old deadline) is left
      // behind, so protect_slice() is false from here: the tick or an enqueue on this CPU reschedules.
      s.deadline = s.vruntime + this.vslice(s);
    }
    if (this.runListener !== null) this.runListener(cpu, deltaNs);
    const bw = s.group === null ? null : s.group.bw;
    if (bw !== null) bw.account(cpu, deltaNs); // §6.3 per-CPU slice accounting
  }

  started(e: HostEntity, cpu: number): void {
    const s = fairSlot(e);
    s.sumExecAtPick = s.sumExec;
    // §6.2 set_next_entity → set_protect_slice (6.17+): vprot = the deadline, or vruntime + the
    // smallest slice queued when that is earlier — with every slice base_slice, the deadline.
    s.vprot = s.deadline;
    this.preemptPending[cpu] = 0;
    if (this.touchOnPick) this.rq.touch(s);
    this.balancer?.stats.setRunning(s, true);
  }

  stopped(e: HostEntity): void {
    const s = fairSlot(e);
    s.lastRanNs = this.ctx.now; // exec_start as last updated, for task_hot
    this.balancer?.stats.setRunning(s, false);
  }

  /** sched_yield (yield_task_fair), per the kernel's rule (fair-yield.ts). */
  yield(e: HostEntity, cpu: number): void {
    yieldFair(this.yieldRule, { rq: this.rq, skip: this.skip, vslice: (s) => this.vslice(s) }, e, cpu);
  }

  /**
   * The tick: slices, EEVDF deadlines and load balancing run on it — all on the class's own
   * entities, so with none on the host it does nothing (taskTick sees no fair curr and an empty
   * tree; the balancer finds no busiest CPU and has nothing to move).
   */
  needs(): ClassNeeds {
    return { tick: true, idleTime: false, tickOnlyWithMembers: true };
  }

  /** scheduler_tick: the fair tick, then trigger_load_balance (fair-balance.ts). */
  tick(cpu: number, curr: HostEntity | null): void {
    this.taskTick(cpu, curr);
    if (this.balancer !== null) this.balancer.tick(cpu, curr);
  }

  /** §6.1 tick pre-emption (check_preempt_tick); on an idle CPU, a periodic idle-balance check. */
  private taskTick(cpu: number, curr: HostEntity | null): void {
    const rq = this.rq;
    if (curr === null) {
      if (rq.nrVisibleTotal > 0 && rq.anyPullable(cpu)) this.ctx.resched(cpu);
      return;
    }
    if (curr.schedClass !== this || curr.cpu !== cpu) return;
    if (rq.nrQueued(cpu) < 2) return; // update_curr: "if (cfs_rq->nr_queued == 1) return;"
    const s = fairSlot(curr);
    if (!s.queued || !rq.visible(s, cpu)) return;
    if (this.pick === 'eevdf') {
      // §6.2 update_curr (6.18): no ideal-slice test; "if (resched || !protect_slice(curr))
      // resched_curr_lazy()". A request renewed at this tick (no HRTICK: its end is only noticed
      // here) leaves curr unprotected, and so does an earlier re-pick of curr that did not re-arm
      // vprot; pick_eevdf then decides. With preempt=none the lazy flag is still honoured on the
      // return to user space of a busy loop, so the switch happens at this tick.
      rq.updateMinVruntime(cpu);
      if (!protectedSlice(s) && this.delay.pickLive(cpu, curr) !== curr) {
        this.tickPreemptions++;
        this.preempt(cpu);
      }
      return;
    }
    if (cfsTickPreempts(rq, cpu, curr, this.latencyNs, this.minGranularityNs)) {
      this.tickPreemptions++;
      this.preempt(cpu);
    }
  }

  stats(): Record<string, number> {
    const out: Record<string, number> = {
      throttles: 0,
      unthrottles: 0,
      bandwidthPeriods: 0,
      slackReturns: 0,
      tickPreemptions: this.tickPreemptions,
      wakeupPreemptions: this.wakeupPreemptions,
      idlePulls: this.idlePulls,
      periodicMigrations: this.balancer?.periodicMigrations ?? 0,
      activeMigrations: this.balancer?.activeMigrations ?? 0,
      balanceHotSkips: this.balancer?.hotSkips ?? 0,
    };
    for (const g of this.groups.values()) {
      if (g.bw === null) continue;
      out.throttles += g.bw.throttles;
      out.unthrottles += g.bw.unthrottles;
      out.bandwidthPeriods += g.bw.periods;
      out.slackReturns += g.bw.slackReturns;
      out[`throttles.${g.id}`] = g.bw.throttles;
    }
    return out;
  }

  // ---- BandwidthHost (§6.3) -----------------------------------------------------------------

  /** New cpu.max of group `id` (CfsBandwidth.setQuota: tg_set_cfs_bandwidth); every CPU re-picked. */
  setGroupQuota(id: string, quotaNs: Ns, periodNs: Ns): void {
    const bw = this.groups.get(id)?.bw;
    if (bw == null) throw new Error(`fair: group ${id} has no bandwidth control`);
    bw.setQuota(quotaNs, periodNs);
    for (let cpu = 0; cpu < this.ctx.cpuCount; cpu++) this.ctx.resched(cpu);
  }

  /** For trace notes: an entity of the group of `bw` on `cpu` (the running one if it is), or null. */
  private memberOn(bw: CfsBandwidth, cpu: number): HostEntity | null {
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.schedClass === this && fairSlot(cur).group?.bw === bw) return cur;
    const q = this.rq.queues[cpu];
    for (let i = 0; i < q.length; i++) if (fairSlot(q[i]).group?.bw === bw) return q[i];
    return null;
  }

  throttleCpu(bw: CfsBandwidth, cpu: number): void {
    this.ctx.note('throttle', cpu, this.memberOn(bw, cpu)); // for traces: quota exhausted
    this.rq.addVisible(cpu, -bw.nrQueued[cpu]);
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.schedClass === this && fairSlot(cur).group?.bw === bw) this.preempt(cpu);
  }

  unthrottleCpu(bw: CfsBandwidth, cpu: number): void {
    this.ctx.note('unthrottle', cpu, this.memberOn(bw, cpu)); // for traces
    const rq = this.rq;
    const q = rq.queues[cpu];
    // min_vruntime over the entities that stayed visible, then place the returning ones as sleepers [M].
    let low = Infinity;
    for (let i = 0; i < q.length; i++) {
      const xs = fairSlot(q[i]);
      if (xs.group?.bw !== bw && rq.visible(xs, cpu) && xs.vruntime < low) low = xs.vruntime;
    }
    if (low !== Infinity) rq.raiseMinVruntime(cpu, low);
    const floor = rq.minVruntime[cpu] - this.latencyNs / 2;
    for (let i = 0; i < q.length; i++) {
      const xs = fairSlot(q[i]);
      if (xs.group?.bw === bw && xs.vruntime < floor) {
        xs.vruntime = floor;
        if (this.pick === 'eevdf') xs.deadline = floor + this.vslice(xs); // [M] a fresh request
      }
    }
    rq.addVisible(cpu, bw.nrQueued[cpu]);
    if (this.ctx.current(cpu) === null) this.ctx.resched(cpu); // unthrottle_cfs_rq kicks an idle CPU only
  }

  // ---- placement and pre-emption ------------------------------------------------------------

  private idle(cpu: number): boolean {
    return this.ctx.current(cpu) === null && this.rq.nrVisible[cpu] === 0;
  }

  /** §6.1 wake-up CPU: the previous CPU if idle, else an idle allowed CPU, else the least loaded. */
  private selectCpu(e: HostEntity, s: FairSlot): number {
    const prev = s.prevCpu >= 0 && e.allows(s.prevCpu) ? s.prevCpu : -1;
    if (prev >= 0 && this.idle(prev)) return prev;
    for (const c of e.affinity) if (this.idle(c)) return c;
    let best = prev >= 0 ? prev : e.affinity[0];
    let bestLoad = this.load(best);
    for (const c of e.affinity) {
      const l = this.load(c);
      if (l < bestLoad) {
        best = c;
        bestLoad = l;
      }
    }
    return best;
  }

  /** [M] load of a CPU for placement: its visible fair entities, plus one if another class occupies it. */
  private load(cpu: number): number {
    const cur = this.ctx.current(cpu);
    return this.rq.nrVisible[cpu] + (cur !== null && cur.schedClass !== this && cur.runnable ? 1 : 0);
  }

  /** §6.1 wake-up pre-emption: the current entity leads the woken one by more than wakeup_granularity.
   *  Also check_preempt_curr after a balancer's attach_task, which is not counted as a wake-up. */
  private checkPreemptWakeup(e: HostEntity, s: FairSlot, cpu: number, wakeup = true): void {
    const cur = this.ctx.current(cpu);
    if (cur === null) {
      this.ctx.resched(cpu);
      return;
    }
    if (cur === e || cur.schedClass !== this || !cur.runnable) return; // another class, or a re-pick is due anyway
    if (this.pick === 'eevdf') {
      // §6.2, 6.18: enqueue_entity's update_curr runs before the woken entity is counted: with another
      // entity already queued beside curr (nr_queued > 1) and curr unprotected — its request ended,
      // renewed by that update_curr or earlier — it reschedules and pick_eevdf chooses among all.
      // Otherwise check_preempt_wakeup_fair pre-empts only if pick_eevdf(protect) returns the woken
      // entity; a tie of deadlines goes to it (entity_before is strict).
      const cs = fairSlot(cur);
      const queuedBefore = this.rq.nrQueued(cpu) - (this.rq.visible(s, cpu) ? 1 : 0);
      const pick = this.delay.pickLive(cpu, cur);
      if (pick === e || (queuedBefore > 1 && !protectedSlice(cs) && pick !== cur)) {
        if (wakeup) this.wakeupPreemptions++;
        this.preempt(cpu);
      }
      return;
    }
    const gran = (this.wakeupGranularityNs * NICE0_LOAD) / s.weight; // in the woken entity's virtual time
    if (fairSlot(cur).vruntime - s.vruntime > gran) {
      if (wakeup) this.wakeupPreemptions++;
      this.preempt(cpu);
    }
  }

  /**
   * The balancer's detach_task + attach_task: bring both CPUs' accounting up to date (update_curr),
   * move `e` keeping its lag, take it off `from` if it ran there (active balance), then
   * check_preempt_curr on `to`.
   */
  private moveTask(e: HostEntity, from: number, to: number): void {
    const curFrom = this.ctx.current(from);
    if (curFrom !== null && curFrom.schedClass === this) this.ctx.settle(from);
    const curTo = this.ctx.current(to);
    if (curTo !== null && curTo.schedClass === this) this.ctx.settle(to);
    const wasRunning = e.runningOn === from;
    this.migrate(e, from, to);
    if (wasRunning) this.ctx.resched(from);
    const s = fairSlot(e);
    if (this.rq.visible(s, to)) this.checkPreemptWakeup(e, s, to, false);
  }

  private preempt(cpu: number): void {
    this.preemptPending[cpu] = 1;
    this.ctx.resched(cpu);
  }

  private migrate(e: HostEntity, from: number, to: number): void {
    const rq = this.rq;
    const s = fairSlot(e);
    rq.updateMinVruntime(from);
    const vFrom = this.pick === 'eevdf' ? avgVruntime(this.rq, from, null) : 0;
    if (this.skip[from] === e) this.skip[from] = null; // detach_task dequeues: clear_buddies
    rq.remove(e, from);
    this.delay.flushIfIdle(from); // its idle pick would
    rq.updateMinVruntime(to);
    if (this.pick === 'eevdf') {
      // §6.2: a migrating entity keeps its lag (relative to V), and its deadline relative to its vruntime.
      const shift = avgVruntime(this.rq, to, null) - vFrom;
      s.vruntime += shift;
      s.deadline += shift;
    } else {
      s.vruntime += rq.minVruntime[to] - rq.minVruntime[from]; // keep its lag relative to min_vruntime
    }
    rq.insert(e, to);
  }

  private pickCfs(cpu: number): HostEntity | null {
    return pickCfs(this.rq, cpu, this.skip, this.wakeupGranularityNs);
  }

  // ---- EEVDF (§6.2) -------------------------------------------------------------------------

  /** §6.2 update_entity_lag: V − vruntime, clamped to ±max(2·slice, tick) in the entity's virtual time. */
  entityLag(s: FairSlot, cpu: number): number {
    const limit = (Math.max(2 * this.baseSliceNs, this.ctx.tickNs) * NICE0_LOAD) / s.weight;
    return Math.max(-limit, Math.min(limit, avgVruntime(this.rq, cpu, null) - s.vruntime));
  }

  /** DelayHost: tell the balancer's load tracking (fair-balance-stats.ts) of a runnable change. */
  setRunnable(s: FairSlot, runnable: boolean): void {
    this.balancer?.stats.setRunnable(s, runnable);
  }

  /** A request in the entity's virtual time: slice·1024/w. */
  vslice(s: FairSlot): number {
    return (this.baseSliceNs * NICE0_LOAD) / s.weight;
  }

  /** §6.2 place_entity (PLACE_LAG) for an entity about to be queued on `cpu` (not yet in its queue). */
  private placeEevdf(s: FairSlot, cpu: number): void {
    const v = avgVruntime(this.rq, cpu, null);
    const load = this.rq.visibleWeight(cpu, true);
    // [M] bandwidth-group members are not delay-dequeued: DELAY_ZERO's effect is approximated by a floor at 0.
    let lag = this.delay.enabled && s.group !== null ? Math.max(0, s.vlag) : s.vlag;
    if (load > 0) lag = (lag * (load + s.weight)) / load; // V moves when the entity joins: inflate its lag
    s.vruntime = v - lag;
    s.deadline = s.vruntime + this.vslice(s);
    s.vlag = 0;
  }
}
