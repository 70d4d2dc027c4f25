// Linux CFS host class (SCHED_OTHER, 2.6.23–6.5 rules) with cgroup cpu.shares and CFS bandwidth
// control — linux-irmos.md §6.1 and §6.3. Kernels from 6.6 pick by EEVDF; this model keeps CFS's
// vruntime rules either way [M] (see kernel.ts).
//
// What it models:
// - Per-CPU runqueues ordered by vruntime (the running entity stays in its queue); the pick is the
//   smallest vruntime among visible (not throttled) entities. vruntime += Δexec · 1024 / weight.
// - sched_latency = 6 ms·f, min_granularity = 0.75 ms·f, wakeup_granularity = 1 ms·f with
//   f = 1 + ilog2(min(ncpus, 8)) (§0 rows 20–23).
// - Tick pre-emption, wake-up placement and wake-up pre-emption (§6.1).
// - Wake-up CPU selection and idle balancing: a CPU with no fair work pulls a waiting entity from the
//   busiest CPU (§6.1 SMP).
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
// - Load balancing is idle balancing only (at a pick on a CPU without fair work, and at each tick of
//   an idle CPU); there is no periodic balancing between busy CPUs and no cache-hot test.
// - Unthrottled entities are placed like waking sleepers (Linux re-enqueues the group entity with
//   ENQUEUE_WAKEUP).
// - The run listener is told of fair run time only; the class cannot see a CPU running nothing.
// Runqueue data structures: fair-queue.ts; bandwidth control: fair-bandwidth.ts.

import type { Ns } from '../../src/scenario/types.js';
import type { HostEntity } from '../../src/engine/entities.js';
import { niceWeight } from '../../src/engine/guest.js';
import type { PolicyContext, SchedClass, ServedClass } from '../../src/engine/policy.js';
import { CfsBandwidth, type BandwidthHost } from './fair-bandwidth.js';
import { FairRunqueues, type FairGroup, type FairSlot } from './fair-queue.js';

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
/** sched_nr_latency (§0 row 23). */
const NR_LATENCY = 8;

export class CfsClass implements SchedClass, ServedClass, BandwidthHost {
  readonly name = 'fair';
  /** §6.1 tunables, scaled by f = 1 + ilog2(min(ncpus, 8)) (§0 rows 20–22). */
  readonly latencyNs: Ns;
  readonly minGranularityNs: Ns;
  readonly wakeupGranularityNs: Ns;
  private readonly rq: FairRunqueues;
  /** Per CPU: fair asked for a re-pick (tick or wake-up pre-emption, throttling). */
  private readonly preemptPending: Uint8Array;
  private readonly groups = new Map<string, FairGroup>();
  private runListener: ((cpu: number, deltaNs: Ns) => void) | null = null;
  private tickPreemptions = 0;
  private wakeupPreemptions = 0;
  private idlePulls = 0;

  constructor(
    private readonly ctx: PolicyContext,
    opts: { groups: FairGroupConfig[] },
  ) {
    const n = ctx.cpuCount;
    const f = 1 + Math.floor(Math.log2(Math.min(n, 8)));
    this.latencyNs = 6_000_000 * f;
    this.minGranularityNs = 750_000 * f;
    this.wakeupGranularityNs = 1_000_000 * f;
    this.rq = new FairRunqueues(ctx);
    this.preemptPending = new Uint8Array(n);
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
      group,
      queued: false,
      index: -1,
      prevCpu: -1,
    };
    e.policy = this;
    e.slot = slot;
    if (group !== null) {
      group.members.push(e);
      // [M] flat hierarchy: the group's shares split evenly over its members.
      const w = group.shares / group.members.length;
      for (const m of group.members) (m.slot as FairSlot).weight = w;
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
    const s = e.slot as FairSlot;
    const rq = this.rq;
    const stillRunning = e.runningOn >= 0 && e.allows(e.runningOn);
    const cpu = stillRunning ? e.runningOn : this.selectCpu(e, s);
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.policy === this) this.ctx.settle(cpu); // update_curr before placement
    // A wake-up migration keeps the entity's vruntime relative to min_vruntime.
    if (s.prevCpu >= 0 && s.prevCpu !== cpu) s.vruntime += rq.minVruntime[cpu] - rq.minVruntime[s.prevCpu];
    const bw = s.group === null ? null : s.group.bw;
    if (bw !== null) bw.beforeEnqueue(cpu); // §6.3: may throttle the group here before it is queued
    rq.updateMinVruntime(cpu);
    // §6.1 wake-up placement (GENTLE_FAIR_SLEEPERS): at most half a latency of sleeper credit.
    if (!stillRunning) s.vruntime = Math.max(s.vruntime, rq.minVruntime[cpu] - this.latencyNs / 2);
    rq.insert(e, cpu);
    if (rq.visible(s, cpu)) this.checkPreemptWakeup(e, s, cpu);
  }

  dequeue(e: HostEntity): void {
    const s = e.slot as FairSlot;
    if (!s.queued) return;
    this.rq.remove(e, e.cpu);
    e.cpu = -1;
  }

  pickNext(cpu: number): HostEntity | null {
    const rq = this.rq;
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.policy === this && cur.cpu === cpu) {
      const cs = cur.slot as FairSlot;
      if (cs.queued && rq.visible(cs, cpu)) {
        if (this.preemptPending[cpu] === 0) return cur; // nobody asked fair to pre-empt it [M]
        const best = rq.leftmost(cpu, null);
        if (best === cur) {
          // Re-picked after a pre-emption request: a new slice starts (set_next_entity).
          cs.sumExecAtPick = cs.sumExec;
          this.preemptPending[cpu] = 0;
        }
        return best;
      }
    }
    return rq.leftmost(cpu, null);
  }

  /** §6.1 idle balance: a CPU without fair work pulls a waiting entity from the busiest allowed CPU. */
  balance(cpu: number): void {
    const rq = this.rq;
    if (rq.nrVisible[cpu] !== 0 || rq.nrVisibleTotal === 0) return;
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.policy !== this && cur.runnable) return; // a higher class keeps the CPU [M]
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
    const s = e.slot as FairSlot;
    s.vruntime += (deltaNs * NICE0_LOAD) / s.weight; // §6.1 vruntime
    s.sumExec += deltaNs;
    if (this.runListener !== null) this.runListener(cpu, deltaNs);
    const bw = s.group === null ? null : s.group.bw;
    if (bw !== null) bw.account(cpu, deltaNs); // §6.3 per-CPU slice accounting
  }

  started(e: HostEntity, cpu: number): void {
    const s = e.slot as FairSlot;
    s.sumExecAtPick = s.sumExec;
    this.preemptPending[cpu] = 0;
  }

  stopped(): void {}

  /** §6.1 tick pre-emption (check_preempt_tick); on an idle CPU, a periodic idle-balance check. */
  tick(cpu: number, curr: HostEntity | null): void {
    const rq = this.rq;
    if (curr === null) {
      if (rq.nrVisibleTotal > 0 && rq.anyPullable(cpu)) this.ctx.resched(cpu);
      return;
    }
    if (curr.policy !== this || curr.cpu !== cpu || rq.nrVisible[cpu] < 2) return;
    const s = curr.slot as FairSlot;
    if (!s.queued || !rq.visible(s, cpu)) return;
    const q = rq.queues[cpu];
    let load = 0;
    let left: FairSlot | null = null;
    for (let i = 0; i < q.length; i++) {
      const xs = q[i].slot as FairSlot;
      if (!rq.visible(xs, cpu)) continue;
      load += xs.weight;
      if (q[i] !== curr && (left === null || xs.vruntime < left.vruntime)) left = xs;
    }
    if (left === null) return;
    rq.raiseMinVruntime(cpu, Math.min(s.vruntime, left.vruntime));
    const nr = rq.nrVisible[cpu];
    const period = nr > NR_LATENCY ? nr * this.minGranularityNs : this.latencyNs;
    const ideal = (period * s.weight) / load; // §6.1 ideal slice
    const ran = s.sumExec - s.sumExecAtPick;
    // §6.1: pre-empt after the ideal slice, or after min_granularity if it leads the leftmost by more than a slice.
    if (ran > ideal || (ran >= this.minGranularityNs && s.vruntime - left.vruntime > ideal)) {
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

  /** For trace notes: an entity of the group of `bw` on `cpu` (the running one if it is), or null. */
  private memberOn(bw: CfsBandwidth, cpu: number): HostEntity | null {
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.policy === this && (cur.slot as FairSlot).group?.bw === bw) return cur;
    const q = this.rq.queues[cpu];
    for (let i = 0; i < q.length; i++) if ((q[i].slot as FairSlot).group?.bw === bw) return q[i];
    return null;
  }

  throttleCpu(bw: CfsBandwidth, cpu: number): void {
    this.ctx.note('throttle', cpu, this.memberOn(bw, cpu)); // for traces: quota exhausted
    this.rq.addVisible(cpu, -bw.nrQueued[cpu]);
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.policy === this && (cur.slot as FairSlot).group?.bw === bw) this.preempt(cpu);
  }

  unthrottleCpu(bw: CfsBandwidth, cpu: number): void {
    this.ctx.note('unthrottle', cpu, this.memberOn(bw, cpu)); // for traces
    const rq = this.rq;
    const q = rq.queues[cpu];
    // min_vruntime over the entities that stayed visible, then place the returning ones as sleepers [M].
    let low = Infinity;
    for (let i = 0; i < q.length; i++) {
      const xs = q[i].slot as FairSlot;
      if (xs.group?.bw !== bw && rq.visible(xs, cpu) && xs.vruntime < low) low = xs.vruntime;
    }
    if (low !== Infinity) rq.raiseMinVruntime(cpu, low);
    const floor = rq.minVruntime[cpu] - this.latencyNs / 2;
    for (let i = 0; i < q.length; i++) {
      const xs = q[i].slot as FairSlot;
      if (xs.group?.bw === bw && xs.vruntime < floor) xs.vruntime = floor;
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
    return this.rq.nrVisible[cpu] + (cur !== null && cur.policy !== this && cur.runnable ? 1 : 0);
  }

  /** §6.1 wake-up pre-emption: the current entity leads the woken one by more than wakeup_granularity. */
  private checkPreemptWakeup(e: HostEntity, s: FairSlot, cpu: number): void {
    const cur = this.ctx.current(cpu);
    if (cur === null) {
      this.ctx.resched(cpu);
      return;
    }
    if (cur === e || cur.policy !== this || !cur.runnable) return; // another class, or a re-pick is due anyway
    const gran = (this.wakeupGranularityNs * NICE0_LOAD) / s.weight; // in the woken entity's virtual time
    if ((cur.slot as FairSlot).vruntime - s.vruntime > gran) {
      this.wakeupPreemptions++;
      this.preempt(cpu);
    }
  }

  private preempt(cpu: number): void {
    this.preemptPending[cpu] = 1;
    this.ctx.resched(cpu);
  }

  private migrate(e: HostEntity, from: number, to: number): void {
    const rq = this.rq;
    const s = e.slot as FairSlot;
    rq.updateMinVruntime(from);
    rq.remove(e, from);
    rq.updateMinVruntime(to);
    s.vruntime += rq.minVruntime[to] - rq.minVruntime[from]; // keep its lag relative to min_vruntime
    rq.insert(e, to);
  }
}
