// Stock Linux SCHED_FIFO/SCHED_RR host class with RT throttling, RT_RUNTIME_SHARE and (optionally)
// RT cgroups (CONFIG_RT_GROUP_SCHED) — linux-irmos.md §3. It is the baseline IRMOS was built on.
//
// What it models:
// - POSIX fixed priority 1..99, FIFO among equals; SCHED_RR rotates after its quantum, counted in
//   ticks (§0 row 6). A pre-empted task keeps its place at the head of its priority; a waking,
//   rotated, migrated or yielding (yield_task_rt) task goes to the tail.
// - Per-CPU runqueues with push/pull (§3.4): wake-up placement on the lowest-priority allowed CPU
//   when the previous one would not run it at once, push of a task that cannot run where it sits,
//   pull by a CPU about to run something of lower priority. Net effect: about the M highest-priority
//   runnable RT entities of the host run.
// - Throttling (§3.1, §3.3): every bandwidth object (the root when its runtime is not null, and each
//   group) keeps rt_time per CPU, charged in charge(); a (group, CPU) or (root, CPU) whose rt_time
//   reaches its runtime is throttled — its tasks stay queued but invisible — until its period timer,
//   on the fixed grid k·period, forgives one runtime of debt and rt_time falls below the runtime.
// - Groups compete by the priority of their highest queued task, not by deadline (§3.3).
//
// Modelling choices [M] (placement and queue rules: rt-queue.ts):
// - Enforcement 'exact' (default): a per-CPU budget timer fires at the instant the running entity
//   exhausts a level's runtime (throttle at rt_time ≥ runtime). 'tick' follows the kernel, where RT
//   time reaches rt_time only in update_curr_rt (rt.c, v2.6.25 to v6.18: called from task_tick_rt,
//   put_prev_task_rt and dequeue_task_rt): the running task's time is charged, and
//   sched_rt_runtime_exceeded tested (rt_time > runtime), at each tick and when it leaves the CPU,
//   so the overrun is up to one tick (§1.3). do_sched_rt_period_timer does not call update_curr_rt:
//   it forgives debt from rt_time as last charged, and the running task's time since its last tick is
//   charged at its next tick, into the new period.
// - Period grid anchored at time 0 (2.6.3x kernels forward the period hrtimer on its own grid; recent
//   kernels re-anchor it when the timer restarts after an idle period: do_start_rt_bandwidth kicks it
//   at the first RT wake-up, so a workload whose RT threads start at 0 on a quiet kernel gets this
//   grid). The root grid can be shifted (RtClassOptions.root.phaseNs: a timer left running by
//   earlier RT activity); group grids stay at k·P. One period of debt is forgiven
//   per expiry (overrun = 1: the timer is never late in a simulation, and it only stops after a
//   period with no rt_time, nothing queued and nothing throttled).
// - When a group unthrottles, its tasks go to the tail of their priority, as the re-enqueued group
//   entity does in its parent's list.
// - Root runtime null: the root level is not charged at all (sched_rt_runtime_us = −1, or 6.12+
//   without RT groups). Groups are still enforced; on a real kernel −1 disables group throttling too
//   (rt_bandwidth_enabled()).
// - The span for RT_RUNTIME_SHARE borrowing is the whole host (one root domain).

import type { Ns } from '../../src/scenario/types.js';
import { EventPhase, type Timer } from '../../src/engine/event-queue.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { ClassNeeds, PolicyContext, SchedClass } from '../../src/engine/policy.js';
import { RtBandwidth } from './rt-bandwidth.js';
import { RtRunqueues, rtSlot, type RtSlot } from './rt-queue.js';

export interface RtGroupConfig {
  id: string;
  /** cpu.rt_runtime_us, per CPU (ns). */
  runtimeNs: number;
  /** cpu.rt_period_us (ns). */
  periodNs: number;
}

export interface RtClassOptions {
  root: {
    /** null: unlimited (sched_rt_runtime_us = −1, or 6.12+ kernels without RT_GROUP_SCHED). */
    runtimeNs: number | null;
    periodNs: number;
    /** Phase of the root period grid, 0 ≤ phase < period: its timer expires at phase + k·period (default 0). */
    phaseNs?: number;
  };
  runtimeShare: boolean;
  groups: RtGroupConfig[];
  /** SCHED_RR quantum (default 100 ms, sched_rr_timeslice_ms). */
  rrQuantumNs?: number;
  /** Budget enforcement: at the exhaustion instant (default) or when the CPU is next settled. */
  enforcement?: 'exact' | 'tick';
}

export interface RtAdmitConfig {
  /** 1..99, higher is more urgent. */
  priority: number;
  rr: boolean;
  /** RT cgroup id; undefined = the root group. */
  group?: string;
}

const DEFAULT_RR_QUANTUM_NS = 100_000_000;

export class RtClass implements SchedClass<RtAdmitConfig> {
  readonly name = 'rt';
  /** Protected: SCHED_SPORADIC (sporadic.ts) is a policy of this class and moves its threads between priorities. */
  protected readonly rq: RtRunqueues;
  private readonly root: RtBandwidth | null;
  private readonly groups = new Map<string, RtBandwidth>();
  private readonly bandwidths: RtBandwidth[] = [];
  private readonly exact: boolean;
  private readonly share: boolean;
  private readonly rrQuantum: Ns;
  /** Per-CPU budget-exhaustion timers (exact enforcement). */
  private readonly enforce: Timer[];
  /** Per CPU: time up to which the running RT entity has been charged. */
  private readonly chargedTo: Float64Array;
  /** Tick enforcement, per CPU: time the running RT entity ran since its last update_curr_rt (not yet in rt_time). */
  private readonly unaccounted: Float64Array;
  private pushes = 0;
  private pulls = 0;
  private rrRotations = 0;

  constructor(
    protected readonly ctx: PolicyContext,
    opts: RtClassOptions,
  ) {
    const n = ctx.cpuCount;
    this.exact = (opts.enforcement ?? 'exact') === 'exact';
    this.share = opts.runtimeShare;
    this.rrQuantum = opts.rrQuantumNs ?? DEFAULT_RR_QUANTUM_NS;
    this.chargedTo = new Float64Array(n);
    this.unaccounted = new Float64Array(n);
    checkPositive('root period', opts.root.periodNs);
    this.root = opts.root.runtimeNs === null ? null : this.addBandwidth('root', opts.root.runtimeNs, opts.root.periodNs);
    if (this.root !== null) this.root.phase = opts.root.phaseNs ?? 0;
    for (const g of opts.groups) {
      if (this.groups.has(g.id)) throw new Error(`rt: duplicate RT group ${g.id}`);
      checkPositive(`group ${g.id} period`, g.periodNs);
      this.groups.set(g.id, this.addBandwidth(g.id, g.runtimeNs, g.periodNs));
    }
    this.rq = new RtRunqueues(ctx, this, this.root);
    this.enforce = Array.from({ length: n }, (_, cpu) => ctx.timer(EventPhase.budget, () => this.onEnforce(cpu)));
  }

  admit(e: HostEntity, cfg: RtAdmitConfig): void {
    if (!Number.isInteger(cfg.priority) || cfg.priority < 1 || cfg.priority > 99) {
      throw new Error(`rt: ${e.id}: priority must be an integer 1..99, got ${cfg.priority}`);
    }
    let group: RtBandwidth | null = null;
    if (cfg.group !== undefined) {
      group = this.groups.get(cfg.group) ?? null;
      if (group === null) throw new Error(`rt: ${e.id}: unknown RT group ${cfg.group}`);
    }
    const slot: RtSlot = { prio: cfg.priority, rr: cfg.rr, group, seq: 0, index: -1, queued: false, rrLeftNs: this.rrQuantum, prevCpu: -1 };
    e.schedClass = this;
    e.slot = slot;
  }

  // ---- SchedClass ---------------------------------------------------------------------------

  enqueue(e: HostEntity): void {
    const s = rtSlot(e);
    const rq = this.rq;
    rq.toTail(s); // a waking task joins the tail of its priority
    const cpu = rq.selectCpu(e);
    rq.insert(e, cpu);
    if (s.group !== null) this.startPeriod(s.group);
    if (this.root !== null) this.startPeriod(this.root);
    if (!rq.visible(s, cpu)) return;
    if (rq.best(cpu) === e) this.ctx.resched(cpu);
    // §3.4 push: if it cannot run here now, or it displaced a waiting task, try lower-priority CPUs.
    this.pushFrom(cpu);
  }

  dequeue(e: HostEntity): void {
    const cpu = e.cpu;
    if (cpu < 0) return;
    this.rq.remove(e);
    e.cpu = -1;
    this.ctx.resched(cpu);
  }

  pickNext(cpu: number): HostEntity | null {
    return this.rq.best(cpu);
  }

  /** §3.4 pull, before this CPU picks: take the best task waiting elsewhere that would run here. */
  balance(cpu: number): void {
    const cand = this.rq.pullCandidate(cpu);
    if (cand === null) return;
    this.rq.move(cand, cpu);
    this.pulls++;
  }

  charge(e: HostEntity, cpu: number, deltaNs: Ns): void {
    this.chargedTo[cpu] = this.ctx.now;
    if (this.exact) this.updateCurr(e, cpu, deltaNs);
    else this.unaccounted[cpu] += deltaNs; // reaches rt_time at the next tick or switch (updateCurrRt)
  }

  started(e: HostEntity, cpu: number): void {
    this.chargedTo[cpu] = this.ctx.now;
    this.armEnforcement(e, cpu, false);
  }

  stopped(e: HostEntity, cpu: number): void {
    this.enforce[cpu].cancel();
    this.updateCurrRt(e, cpu); // put_prev_task_rt → update_curr_rt
    const s = rtSlot(e);
    // Pre-empted while still runnable: it may run at once on a lower-priority CPU (§3.4 push).
    if (e.runnable && s.queued && e.cpu === cpu) this.pushFrom(cpu);
  }

  /** sched_yield (yield_task_rt → requeue_task_rt(rq, curr, 0)): to the tail of its priority; the re-pick and push follow. */
  yield(e: HostEntity, cpu: number): void {
    this.rq.requeueTail(e, cpu);
  }

  /**
   * The tick: RR quanta (and the settle that lets the bandwidth timers see the runtime used) — of
   * RT entities only, so with none on the host it does nothing.
   */
  needs(): ClassNeeds {
    return { tick: true, idleTime: false, tickOnlyWithMembers: true };
  }

  /** SCHED_RR quantum, counted in ticks (task_tick_rt); rotation only if an equal-priority peer waits. */
  tick(cpu: number, curr: HostEntity | null): void {
    if (curr === null || curr.schedClass !== this || curr.cpu !== cpu) return;
    this.updateCurrRt(curr, cpu); // task_tick_rt → update_curr_rt
    const s = rtSlot(curr);
    if (!s.rr) return;
    s.rrLeftNs -= this.ctx.tickNs;
    if (s.rrLeftNs > 0) return;
    s.rrLeftNs = this.rrQuantum;
    if (!this.rq.hasPeer(curr, cpu)) return;
    this.rq.toTail(s);
    this.rrRotations++;
    this.ctx.resched(cpu);
  }

  stats(): Record<string, number> {
    const out: Record<string, number> = { throttles: 0, unthrottles: 0, periodTimers: 0, borrowedNs: 0 };
    for (const b of this.bandwidths) {
      out.throttles += b.throttles;
      out.unthrottles += b.unthrottles;
      out.periodTimers += b.periods;
      out.borrowedNs += b.borrowedNs;
      out[`throttles.${b.id}`] = b.throttles;
    }
    out.pushes = this.pushes;
    out.pulls = this.pulls;
    out.rrRotations = this.rrRotations;
    return out;
  }

  /**
   * Time a higher class ran on `cpu` that Linux also charges to the root RT runtime (SCHED_DEADLINE
   * before 6.12, linux-irmos.md §3.1 (d)). For the deadline class to call from its charge().
   */
  accountExternal(cpu: number, deltaNs: Ns): void {
    if (this.root !== null && deltaNs > 0) this.account(this.root, cpu, deltaNs);
  }

  // ---- SMP ----------------------------------------------------------------------------------

  /** §3.4 push: move waiting visible tasks that cannot run here to CPUs where they would run at once. */
  protected pushFrom(cpu: number): void {
    const rq = this.rq;
    for (let guard = rq.queues[cpu].length; guard > 0; guard--) {
      const cand = rq.pushCandidate(cpu);
      if (cand === null) return;
      const target = rq.lowest(cand, rtSlot(cand).prio, -1, cpu);
      if (target < 0) return; // the best pushable task cannot move: stop, as push_rt_tasks does
      rq.move(cand, target);
      this.pushes++;
      this.ctx.resched(target);
    }
  }

  // ---- throttling ---------------------------------------------------------------------------

  /** Tick enforcement: update_curr_rt, charging the running entity's time since its last call. */
  private updateCurrRt(e: HostEntity, cpu: number): void {
    const delta = this.unaccounted[cpu];
    if (delta <= 0) return;
    this.unaccounted[cpu] = 0;
    this.updateCurr(e, cpu, delta);
  }

  /** Charge every bandwidth level of `e` (§3.1, §3.3). */
  private updateCurr(e: HostEntity, cpu: number, deltaNs: Ns): void {
    const s = rtSlot(e);
    if (s.group !== null) this.account(s.group, cpu, deltaNs);
    if (this.root !== null) this.account(this.root, cpu, deltaNs);
  }

  private addBandwidth(id: string, runtime: Ns, period: Ns): RtBandwidth {
    if (!(runtime >= 0)) throw new Error(`rt: ${id}: runtime must be ≥ 0, got ${runtime}`);
    const b = new RtBandwidth(id, runtime, period, this.ctx.cpuCount);
    b.timer = this.ctx.timer(EventPhase.budget, () => this.onPeriod(b));
    this.bandwidths.push(b);
    return b;
  }

  /** §3.1: the period timer runs while there is RT work or unforgiven rt_time, on the grid phase + k·P. */
  private startPeriod(b: RtBandwidth): void {
    if (b.timer.armed) return;
    b.timer.arm(b.phase + (Math.floor((this.ctx.now - b.phase) / b.period) + 1) * b.period);
  }

  private over(rtTime: Ns, runtime: Ns): boolean {
    return this.exact ? rtTime >= runtime : rtTime > runtime;
  }

  /** §3.1 charging: rt_time += delta on this level, then borrow (§3.2) or throttle if exhausted. */
  private account(b: RtBandwidth, cpu: number, delta: Ns): void {
    b.rtTime[cpu] += delta;
    this.startPeriod(b);
    if (b.throttled[cpu] === 0 && this.exhausted(b, cpu)) this.throttle(b, cpu);
  }

  /** sched_rt_runtime_exceeded, without the side effect of throttling. */
  private exhausted(b: RtBandwidth, cpu: number): boolean {
    if (b.runtime[cpu] >= b.period) return false; // runtime ≥ period: never throttled (§3.1)
    if (this.share && this.over(b.rtTime[cpu], b.runtime[cpu])) {
      b.borrow(cpu, this.lent); // §3.2: borrow 1/n of every other CPU's spare
      if (b.runtime[cpu] >= b.period) return false;
    }
    if (!this.over(b.rtTime[cpu], b.runtime[cpu])) return false;
    if (b.baseRuntime === 0) {
      b.rtTime[cpu] = 0; // §3.1: a level with runtime 0 is not throttled; its time is discarded
      return false;
    }
    return true;
  }

  /** For trace notes: an entity of level `b` on `cpu` (the running one if it is), or null. */
  private memberOn(b: RtBandwidth, cpu: number): HostEntity | null {
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.schedClass === this && (b === this.root || rtSlot(cur).group === b)) return cur;
    const q = this.rq.queues[cpu];
    for (let i = 0; i < q.length; i++) if (b === this.root || rtSlot(q[i]).group === b) return q[i];
    return null;
  }

  /**
   * New runtime/period for RT group `id` (RtBandwidth.setBandwidth: tg_set_rt_bandwidth); each CPU
   * running one of its entities gets its exhaustion instant moved to the new runtime.
   */
  setGroupBandwidth(id: string, runtime: Ns, period: Ns): void {
    const b = this.groups.get(id);
    if (b === undefined) throw new Error(`rt: group ${id} is not configured`);
    b.setBandwidth(runtime, period);
    for (let cpu = 0; cpu < b.cpus; cpu++) {
      const cur = this.ctx.current(cpu);
      if (cur !== null && cur.schedClass === this && cur.runningOn === cpu) this.armEnforcement(cur, cpu, false);
      this.ctx.resched(cpu);
    }
  }

  /** A CPU lent runtime (§3.2): if it runs RT now, its exhaustion instant comes earlier. */
  private readonly lent = (lender: number): void => {
    const cur = this.ctx.current(lender);
    if (cur !== null && cur.schedClass === this) this.armEnforcement(cur, lender, false);
  };

  /** §3.1/§3.3: the level's tasks on `cpu` stay queued but become invisible. */
  private throttle(b: RtBandwidth, cpu: number): void {
    this.ctx.note(b === this.root ? 'root throttle' : 'throttle', cpu, this.memberOn(b, cpu)); // for traces
    b.throttled[cpu] = 1;
    b.throttles++;
    this.ctx.resched(cpu);
  }

  private unthrottle(b: RtBandwidth, cpu: number): void {
    this.ctx.note(b === this.root ? 'root unthrottle' : 'unthrottle', cpu, this.memberOn(b, cpu)); // for traces
    b.throttled[cpu] = 0;
    b.unthrottles++;
    if (b !== this.root) {
      // §3.3 [M]: the group entity is re-enqueued at the tail of its priority in the parent.
      const q = this.rq.queues[cpu];
      for (let i = 0; i < q.length; i++) {
        const s = rtSlot(q[i]);
        if (s.group === b) this.rq.toTail(s);
      }
    }
    this.ctx.resched(cpu);
    this.pushFrom(cpu);
  }

  /** §3.1 period timer: forgive one runtime of debt per CPU, unthrottle below the runtime, re-arm. */
  private onPeriod(b: RtBandwidth): void {
    const ctx = this.ctx;
    b.periods++;
    // Exact enforcement: bring running RT entities' rt_time up to now so the debt reduction sees all
    // of it. Tick enforcement: as do_sched_rt_period_timer, which only reads rt_time as update_curr_rt
    // last left it (the running task's time since its last tick goes into the next period).
    if (this.exact) {
      for (let cpu = 0; cpu < b.cpus; cpu++) {
        const cur = ctx.current(cpu);
        if (cur !== null && cur.schedClass === this) ctx.settle(cpu);
      }
    }
    let keep = false;
    for (let cpu = 0; cpu < b.cpus; cpu++) {
      // §3.2: without RT_RUNTIME_SHARE, a CPU's runtime returns to the configured value each period.
      if (!this.share) b.runtime[cpu] = b.baseRuntime;
      const t = b.rtTime[cpu];
      if (t > 0) {
        // §3.1: debt reduction on the fixed grid, rt_time -= min(rt_time, overrun × runtime), overrun = 1.
        b.rtTime[cpu] = t - Math.min(t, b.runtime[cpu]);
        if (b.throttled[cpu] !== 0 && b.rtTime[cpu] < b.runtime[cpu]) this.unthrottle(b, cpu);
      }
      if (b.rtTime[cpu] > 0 || b.nrQueued[cpu] > 0 || b.throttled[cpu] !== 0) keep = true;
      // A running entity has more runtime now: move its exhaustion instant.
      const cur = ctx.current(cpu);
      if (cur !== null && cur.schedClass === this && cur.runningOn === cpu) this.armEnforcement(cur, cpu, false);
    }
    if (keep) b.timer.arm(ctx.now + b.period);
  }

  /** Exact enforcement: a budget timer at the instant the running entity exhausts a level. */
  private armEnforcement(e: HostEntity, cpu: number, fromTimer: boolean): void {
    if (!this.exact) return;
    const s = rtSlot(e);
    const unsettled = this.ctx.now - this.chargedTo[cpu];
    let left = Infinity;
    if (s.group !== null) left = Math.min(left, s.group.left(cpu, unsettled));
    if (this.root !== null) left = Math.min(left, this.root.left(cpu, unsettled));
    const timer = this.enforce[cpu];
    // A level at or past its runtime is throttled by the checks; never re-fire at the same instant.
    if (left === Infinity || (fromTimer && left <= 0)) timer.cancel();
    else timer.arm(this.ctx.now + Math.max(0, left));
  }

  private onEnforce(cpu: number): void {
    this.ctx.settle(cpu);
    const e = this.ctx.current(cpu);
    if (e === null || e.schedClass !== this) return;
    const s = rtSlot(e);
    if (s.group !== null && s.group.throttled[cpu] === 0 && this.exhausted(s.group, cpu)) this.throttle(s.group, cpu);
    if (this.root !== null && this.root.throttled[cpu] === 0 && this.exhausted(this.root, cpu)) this.throttle(this.root, cpu);
    if (this.rq.visible(s, cpu)) this.armEnforcement(e, cpu, true);
  }
}

function checkPositive(what: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`rt: ${what} must be a positive number of ns, got ${v}`);
}
