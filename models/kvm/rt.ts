// Stock Linux SCHED_FIFO/SCHED_RR host class with RT throttling, RT_RUNTIME_SHARE and (optionally)
// RT cgroups (CONFIG_RT_GROUP_SCHED) — linux-irmos.md §3. It is the baseline IRMOS was built on.
//
// What it models:
// - POSIX fixed priority 1..99, FIFO among equals; SCHED_RR rotates after its quantum, counted in
//   ticks (§0 row 6). A pre-empted task keeps its place at the head of its priority; a waking,
//   rotated or migrated task goes to the tail.
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
// Modelling choices [M]:
// - Flat priority view: a group entity sits at its best task's priority, so picking the best visible
//   task of the CPU equals picking the best group and then its best task; ties across groups are
//   broken by queue order (Linux: FIFO order of the group entity in the parent's list). When a group
//   unthrottles, its tasks go to the tail of their priority, as the re-enqueued group entity does.
// - Enforcement 'exact' (default): a per-CPU budget timer fires at the instant the running entity
//   exhausts a level's runtime (throttle at rt_time ≥ runtime). 'tick': rt_time is checked whenever the
//   CPU is settled (every tick and every switch), throttling at rt_time > runtime as update_curr_rt
//   does, so the overrun is up to one tick (§1.3).
// - Period grid anchored at time 0 (2.6.3x kernels forward the period hrtimer on its own grid; recent
//   kernels re-anchor it when the timer restarts after an idle period). One period of debt is forgiven
//   per expiry (overrun = 1: the timer is never late in a simulation, and it only stops after a
//   period with no rt_time and nothing queued).
// - Root runtime null: the root level is not charged at all (sched_rt_runtime_us = −1, or 6.12+
//   without RT groups). Groups are still enforced [M]; on a real kernel −1 disables group throttling
//   too (rt_bandwidth_enabled()).
// - Push/pull consider only visible (unthrottled) tasks; the span for borrowing is the whole host.

import type { Ns } from '../../src/scenario/types.js';
import { EventPhase, type Timer } from '../../src/engine/event-queue.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext, SchedClass } from '../../src/engine/policy.js';
import { RtBandwidth } from './rt-bandwidth.js';

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

interface RtSlot {
  prio: number;
  rr: boolean;
  group: RtBandwidth | null;
  /** FIFO order among equal priorities: smaller = nearer the head. */
  seq: number;
  /** Index in its CPU's queue while queued. */
  index: number;
  queued: boolean;
  rrLeftNs: Ns;
  prevCpu: number;
}

const DEFAULT_RR_QUANTUM_NS = 100_000_000;

export class RtClass implements SchedClass {
  readonly name = 'rt';
  private readonly queues: HostEntity[][];
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
  private seq = 0;
  private totalQueued = 0;
  private pushes = 0;
  private pulls = 0;
  private rrRotations = 0;

  constructor(
    private readonly ctx: PolicyContext,
    opts: RtClassOptions,
  ) {
    const n = ctx.cpuCount;
    this.exact = (opts.enforcement ?? 'exact') === 'exact';
    this.share = opts.runtimeShare;
    this.rrQuantum = opts.rrQuantumNs ?? DEFAULT_RR_QUANTUM_NS;
    this.queues = Array.from({ length: n }, () => []);
    this.chargedTo = new Float64Array(n);
    checkPositive('root period', opts.root.periodNs);
    this.root = opts.root.runtimeNs === null ? null : this.addBandwidth('root', opts.root.runtimeNs, opts.root.periodNs);
    for (const g of opts.groups) {
      if (this.groups.has(g.id)) throw new Error(`rt: duplicate RT group ${g.id}`);
      checkPositive(`group ${g.id} period`, g.periodNs);
      this.groups.set(g.id, this.addBandwidth(g.id, g.runtimeNs, g.periodNs));
    }
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
    e.policy = this;
    e.slot = slot;
  }

  // ---- SchedClass ---------------------------------------------------------------------------

  enqueue(e: HostEntity): void {
    const s = e.slot as RtSlot;
    s.seq = ++this.seq; // a waking task joins the tail of its priority
    const cpu = this.selectCpu(e, s);
    this.insert(e, s, cpu);
    if (s.group !== null) this.startPeriod(s.group);
    if (this.root !== null) this.startPeriod(this.root);
    if (!this.visible(s, cpu)) return;
    if (this.best(cpu) === e) this.ctx.resched(cpu);
    else this.pushFrom(cpu); // §3.4: it cannot run here now; try a lower-priority CPU
  }

  dequeue(e: HostEntity): void {
    const cpu = e.cpu;
    if (cpu < 0) return;
    this.remove(e, e.slot as RtSlot);
    e.cpu = -1;
    this.ctx.resched(cpu);
  }

  pickNext(cpu: number): HostEntity | null {
    if (this.root !== null && this.root.throttled[cpu] !== 0) return null;
    return this.best(cpu);
  }

  /** §3.4 pull: take the best waiting task elsewhere that would run here and not where it sits. */
  balance(cpu: number): void {
    if (this.totalQueued < 2) return;
    if (this.root !== null && this.root.throttled[cpu] !== 0) return;
    const local = this.best(cpu);
    const floor = local === null ? 0 : (local.slot as RtSlot).prio;
    let cand: HostEntity | null = null;
    let cs: RtSlot | null = null;
    for (let c = 0; c < this.queues.length; c++) {
      const q = this.queues[c];
      if (c === cpu || q.length < 2) continue;
      const pick = this.best(c);
      if (pick === null) continue;
      for (let i = 0; i < q.length; i++) {
        const x = q[i];
        const xs = x.slot as RtSlot;
        if (x === pick || x.runningOn >= 0 || xs.prio <= floor || !this.visible(xs, c) || !x.allows(cpu)) continue;
        if (cs === null || ranksBefore(xs, cs)) {
          cand = x;
          cs = xs;
        }
      }
    }
    if (cand !== null) {
      this.move(cand, cpu);
      this.pulls++;
    }
  }

  charge(e: HostEntity, cpu: number, deltaNs: Ns): void {
    const s = e.slot as RtSlot;
    this.chargedTo[cpu] = this.ctx.now;
    if (s.group !== null) this.account(s.group, cpu, deltaNs);
    if (this.root !== null) this.account(this.root, cpu, deltaNs);
  }

  started(e: HostEntity, cpu: number): void {
    this.chargedTo[cpu] = this.ctx.now;
    this.armEnforcement(e, cpu);
  }

  stopped(e: HostEntity, cpu: number): void {
    this.enforce[cpu].cancel();
    const s = e.slot as RtSlot;
    // Pre-empted while still runnable: it may run at once on a lower-priority CPU (§3.4 push).
    if (e.runnable && s.queued && e.cpu === cpu) this.pushFrom(cpu);
  }

  /** SCHED_RR quantum, counted in ticks (task_tick_rt); rotation only if an equal-priority peer waits. */
  tick(cpu: number, curr: HostEntity | null): void {
    if (curr === null || curr.policy !== this) return;
    const s = curr.slot as RtSlot;
    if (!s.rr || curr.cpu !== cpu) return;
    s.rrLeftNs -= this.ctx.tickNs;
    if (s.rrLeftNs > 0) return;
    s.rrLeftNs = this.rrQuantum;
    const q = this.queues[cpu];
    for (let i = 0; i < q.length; i++) {
      const xs = q[i].slot as RtSlot;
      if (q[i] !== curr && xs.prio === s.prio && this.visible(xs, cpu)) {
        s.seq = ++this.seq;
        this.rrRotations++;
        this.ctx.resched(cpu);
        return;
      }
    }
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

  // ---- queues and placement -----------------------------------------------------------------

  private visible(s: RtSlot, cpu: number): boolean {
    if (this.root !== null && this.root.throttled[cpu] !== 0) return false;
    return s.group === null || s.group.throttled[cpu] === 0;
  }

  /** Best visible entity queued on `cpu`: highest priority, then nearest the head. */
  private best(cpu: number): HostEntity | null {
    if (this.root !== null && this.root.throttled[cpu] !== 0) return null;
    const q = this.queues[cpu];
    let best: HostEntity | null = null;
    let bs: RtSlot | null = null;
    for (let i = 0; i < q.length; i++) {
      const s = q[i].slot as RtSlot;
      if (s.group !== null && s.group.throttled[cpu] !== 0) continue;
      if (bs === null || ranksBefore(s, bs)) {
        best = q[i];
        bs = s;
      }
    }
    return best;
  }

  /**
   * cpupri-like score of a CPU (§3.4): the priority of its best queued task of an unthrottled group
   * (root throttling does not lower it, as in Linux), else 0 when busy with other work, −1 when idle.
   */
  private score(cpu: number): number {
    const q = this.queues[cpu];
    let top = 0;
    for (let i = 0; i < q.length; i++) {
      const s = q[i].slot as RtSlot;
      if (s.prio > top && (s.group === null || s.group.throttled[cpu] === 0)) top = s.prio;
    }
    if (top > 0) return top;
    return this.ctx.current(cpu) === null ? -1 : 0;
  }

  /** Lowest-scoring allowed CPU (≠ exclude) where a task of priority `prio` would run at once; −1 if none. */
  private lowest(e: HostEntity, prio: number, prefer: number, exclude: number): number {
    let best = -1;
    let bestScore = prio;
    for (const c of e.affinity) {
      if (c === exclude) continue;
      const sc = this.score(c);
      if (sc < bestScore || (sc === bestScore && c === prefer && best >= 0)) {
        best = c;
        bestScore = sc;
      }
    }
    return best;
  }

  /** §3.4 wake-up placement (select_task_rq_rt). */
  private selectCpu(e: HostEntity, s: RtSlot): number {
    if (e.runningOn >= 0 && e.allows(e.runningOn)) return e.runningOn; // woke again before being switched out
    const prev = s.prevCpu >= 0 && e.allows(s.prevCpu) ? s.prevCpu : e.affinity[0];
    if (e.affinity.length === 1) return prev;
    const cur = this.ctx.current(prev);
    // Do not pre-empt a pinned RT task when another CPU would take this one at once.
    const pinnedVictim = cur !== null && cur.policy === this && cur.runnable && cur.affinity.length === 1;
    if (this.score(prev) < s.prio && !pinnedVictim) return prev;
    const target = this.lowest(e, s.prio, prev, -1);
    return target >= 0 ? target : prev;
  }

  /** §3.4 push: move waiting visible tasks that cannot run here to CPUs where they would run at once. */
  private pushFrom(cpu: number): void {
    for (let guard = this.queues[cpu].length; guard > 0; guard--) {
      const pick = this.best(cpu);
      if (pick === null) return;
      const q = this.queues[cpu];
      let cand: HostEntity | null = null;
      let cs: RtSlot | null = null;
      for (let i = 0; i < q.length; i++) {
        const x = q[i];
        const xs = x.slot as RtSlot;
        if (x === pick || x.runningOn >= 0 || x.affinity.length < 2 || !this.visible(xs, cpu)) continue;
        if (cs === null || ranksBefore(xs, cs)) {
          cand = x;
          cs = xs;
        }
      }
      if (cand === null || cs === null) return;
      const target = this.lowest(cand, cs.prio, -1, cpu);
      if (target < 0) return; // the highest pushable cannot move: stop, as push_rt_tasks does
      this.move(cand, target);
      this.pushes++;
      this.ctx.resched(target);
    }
  }

  private insert(e: HostEntity, s: RtSlot, cpu: number): void {
    const q = this.queues[cpu];
    s.index = q.length;
    q.push(e);
    s.queued = true;
    s.prevCpu = cpu;
    e.cpu = cpu;
    if (s.group !== null) s.group.nrQueued[cpu]++;
    if (this.root !== null) this.root.nrQueued[cpu]++;
    this.totalQueued++;
  }

  private remove(e: HostEntity, s: RtSlot): void {
    if (!s.queued) return;
    const cpu = e.cpu;
    const q = this.queues[cpu];
    const last = q.pop()!;
    if (last !== e) {
      q[s.index] = last;
      (last.slot as RtSlot).index = s.index;
    }
    s.queued = false;
    s.index = -1;
    if (s.group !== null) s.group.nrQueued[cpu]--;
    if (this.root !== null) this.root.nrQueued[cpu]--;
    this.totalQueued--;
  }

  /** Migrate a queued, not running entity; it joins the tail of its priority on the new CPU. */
  private move(e: HostEntity, to: number): void {
    const s = e.slot as RtSlot;
    this.remove(e, s);
    s.seq = ++this.seq;
    this.insert(e, s, to);
  }

  // ---- throttling ---------------------------------------------------------------------------

  private addBandwidth(id: string, runtime: Ns, period: Ns): RtBandwidth {
    if (!(runtime >= 0)) throw new Error(`rt: ${id}: runtime must be ≥ 0, got ${runtime}`);
    const b = new RtBandwidth(id, runtime, period, this.ctx.cpuCount);
    b.timer = this.ctx.timer(EventPhase.budget, () => this.onPeriod(b));
    this.bandwidths.push(b);
    return b;
  }

  /** §3.1: the period timer runs while there is RT work or unforgiven rt_time, on the grid k·P. */
  private startPeriod(b: RtBandwidth): void {
    if (b.timer.armed) return;
    b.timer.arm(Math.floor(this.ctx.now / b.period) * b.period + b.period);
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
    if (b) return false;
    if (b.runtime[cpu] >= b.period) return false; // runtime ≥ period: never throttled (§3.1)
    if (this.share && this.over(b.rtTime[cpu], b.runtime[cpu])) {
      // §3.2: borrow 1/n of every other CPU's spare; a lender running RT now has less left.
      b.borrow(cpu, (lender) => {
        const cur = this.ctx.current(lender);
        if (cur !== null && cur.policy === this) this.armEnforcement(cur, lender);
      });
      if (b.runtime[cpu] >= b.period) return false;
    }
    if (!this.over(b.rtTime[cpu], b.runtime[cpu])) return false;
    if (b.baseRuntime === 0) {
      b.rtTime[cpu] = 0; // §3.1: a level with runtime 0 is not throttled; its time is discarded
      return false;
    }
    return true;
  }

  /** §3.1/§3.3: the level's tasks on `cpu` stay queued but become invisible. */
  private throttle(b: RtBandwidth, cpu: number): void {
    b.throttled[cpu] = 1;
    b.throttles++;
    this.ctx.resched(cpu);
  }

  private unthrottle(b: RtBandwidth, cpu: number): void {
    b.throttled[cpu] = 0;
    b.unthrottles++;
    if (b !== this.root) {
      // §3.3 [M]: the group entity is re-enqueued at the tail of its priority in the parent.
      const q = this.queues[cpu];
      for (let i = 0; i < q.length; i++) {
        const s = q[i].slot as RtSlot;
        if (s.group === b) s.seq = ++this.seq;
      }
    }
    this.ctx.resched(cpu);
    this.pushFrom(cpu);
  }

  /** §3.1 period timer: forgive one runtime of debt per CPU, unthrottle below the runtime, re-arm. */
  private onPeriod(b: RtBandwidth): void {
    const ctx = this.ctx;
    b.periods++;
    // Bring running RT entities' rt_time up to now so the debt reduction sees all of it.
    for (let cpu = 0; cpu < b.cpus; cpu++) {
      const cur = ctx.current(cpu);
      if (cur !== null && cur.policy === this) ctx.settle(cpu);
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
      if (cur !== null && cur.policy === this && cur.runningOn === cpu) this.armEnforcement(cur, cpu);
    }
    if (keep) b.timer.arm(ctx.now + b.period);
  }

  /** Exact enforcement: a budget timer at the instant the running entity exhausts a level. */
  private armEnforcement(e: HostEntity, cpu: number): void {
    if (!this.exact) return;
    const s = e.slot as RtSlot;
    const unsettled = this.ctx.now - this.chargedTo[cpu];
    let left = Infinity;
    if (s.group !== null) left = Math.min(left, s.group.left(cpu, unsettled));
    if (this.root !== null) left = Math.min(left, this.root.left(cpu, unsettled));
    const timer = this.enforce[cpu];
    if (left === Infinity) timer.cancel();
    else timer.arm(this.ctx.now + Math.max(0, left));
  }

  private onEnforce(cpu: number): void {
    this.ctx.settle(cpu);
    const e = this.ctx.current(cpu);
    if (e === null || e.policy !== this) return;
    const s = e.slot as RtSlot;
    if (s.group !== null && s.group.throttled[cpu] === 0 && this.exhausted(s.group, cpu)) this.throttle(s.group, cpu);
    if (this.root !== null && this.root.throttled[cpu] === 0 && this.exhausted(this.root, cpu)) this.throttle(this.root, cpu);
    if (this.visible(s, cpu)) this.armEnforcement(e, cpu);
  }
}

function ranksBefore(a: RtSlot, b: RtSlot): boolean {
  return a.prio > b.prio || (a.prio === b.prio && a.seq < b.seq);
}

function checkPositive(what: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`rt: ${what} must be a positive number of ns, got ${v}`);
}
