// What the fair class's periodic balancer (fair-balance.ts) reads of the runqueues, and how it finds
// the busiest CPU and the imbalance to move: update_sd_lb_stats, find_busiest_group,
// calculate_imbalance, find_busiest_queue — linux-irmos.md §6.1 SMP, for one flat domain of 1-CPU
// groups [M]. Sources: kernel/sched.c of 2.6.32; kernel/sched/fair.c of 5.6 and 6.1.
//
// - Before 5.5 ('legacy'): avg_load = load × 1024 / cpu_power; busiest = the highest avg_load among
//   CPUs with more tasks than capacity; balanced if this CPU is at or above the busiest or the domain
//   average, or (busy) within imbalance_pct of the busiest; imbalance = min(busiest − avg, avg −
//   this) in load, raised to one task's load by fix_small_imbalance when that narrows the gap (so
//   2 tasks against 1 move one).
// - From 5.5 ('group-types', 0b0695f2b34a "sched/fair: Rework load_balance()"): each CPU is
//   has_spare, fully_busy or overloaded (group_classify: util and runnable against capacity and
//   imbalance_pct); a busy CPU pulls only from an overloaded one (migrate_load, imbalance =
//   min(busiest − avg, avg − local) in capacity-scaled load); a CPU with spare capacity evens the
//   task counts (migrate_task, (nr_busiest − nr_local) / 2; 16b0a7a1a0af for CPUs sharing the LLC).
//
// Modelling choices [M]:
// - nr_running counts the visible fair entities plus one if another class runs on the CPU.
// - Load before 5.5 is the instantaneous runnable weight of the CPU's visible fair entities (2.6.x's
//   weighted_cpuload without the few-tick cpu_load[] decay; 3.8–5.4's PELT runnable load is taken as
//   that too). From 5.5 load, util and runnable are PELT-like per-entity averages (half-life 32 ms) of
//   the fraction of time each entity was runnable and running, continuous rather than in 1 ms steps;
//   a CPU's signal sums the entities attached to it — queued there, or asleep after running there
//   last (blocked load) — and an entity carries its averages when it moves. Threads start like new
//   tasks: full load, util of half a CPU.
// - Capacity (cpu_power, capacity_of: scale_rt_power, scale_rt_capacity) = 1024 × (1 − the share of
//   recent time other classes ran on the CPU), an exponential average sampled at each tick
//   (half-life 500 ms — rt_avg, halved every sched_avg_period — before 4.19; PELT's 32 ms after).
// - Not modelled: group_imbalanced (needs a parent domain), misfit and asym packing, the 5.5–5.9
//   migrate_util pull of an idle CPU (fair.ts's idle pull stands for it), NUMA.

import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext } from '../../src/engine/policy.js';
import type { BalanceHost, FairBalanceFeatures } from './fair-balance.js';
import { fairSlot, type FairRunqueues, type FairSlot } from './fair-queue.js';

/** SCHED_LOAD_SCALE / SCHED_CAPACITY_SCALE. */
export const SCALE = 1024;
/** migration_type (5.5+; before, always load). */
export const MIGRATE_LOAD = 0;
export const MIGRATE_TASK = 1;
/** PELT: y^32 = 1/2 over 1 ms periods, a half-life of 32 ms (LOAD_AVG_PERIOD). */
const PELT_HALF_LIFE_NS = 32_000_000;
// group_type (5.5+), in pulling priority order.
const HAS_SPARE = 0;
const FULLY_BUSY = 1;
const OVERLOADED = 2;

export class BalanceStats {
  /** Per balance: CPUs dropped from the search because all their tasks were pinned (LBF_ALL_PINNED). */
  readonly excluded: Uint8Array;
  /** Outcome of the last findBusiest: the imbalance, and how it is measured. */
  imbalance = 0;
  migrationType = MIGRATE_LOAD;

  private readonly ctx: PolicyContext;
  private readonly rq: FairRunqueues;
  private readonly legacy: boolean;
  /** Per CPU: tick-sampled average of the time other classes ran there, and its per-tick decay. */
  private readonly otherAvg: Float64Array;
  private readonly decay: number;
  /** 5.5+: per-entity PELT-like averages are kept, and summed per CPU (gatherPelt). */
  readonly pelt: boolean;
  private readonly peltLoad: Float64Array;
  private readonly peltUtil: Float64Array;
  private readonly peltRunnable: Float64Array;

  constructor(
    private readonly host: BalanceHost,
    ctx: PolicyContext,
    private readonly f: FairBalanceFeatures,
    private readonly cpus: readonly number[],
  ) {
    const n = ctx.cpuCount;
    this.ctx = ctx;
    this.rq = host.rq;
    this.legacy = f.algorithm === 'legacy';
    this.excluded = new Uint8Array(n);
    this.otherAvg = new Float64Array(n);
    this.decay = Math.pow(2, -ctx.tickNs / f.avgHalfLifeNs);
    this.pelt = !this.legacy;
    this.peltLoad = new Float64Array(n);
    this.peltUtil = new Float64Array(n);
    this.peltRunnable = new Float64Array(n);
  }

  /** At each tick: whether another class ran on `cpu` (sched_rt_avg_update / update_rt_rq_load_avg). */
  sampleTick(cpu: number, curr: HostEntity | null): void {
    const other = curr !== null && curr.schedClass !== this.host.owner && curr.runnable;
    this.otherAvg[cpu] = this.otherAvg[cpu] * this.decay + (other ? 1 - this.decay : 0);
  }

  // ---- PELT-like per-entity averages (5.5+) -------------------------------------------------

  /** The entity became runnable (enqueue) or stopped being so (dequeue): update_load_avg. */
  setRunnable(s: FairSlot, runnable: boolean): void {
    if (!this.pelt) return;
    this.peltAdvance(s);
    s.peltRunnable = runnable;
  }

  /** The entity started or stopped running on a CPU. */
  setRunning(s: FairSlot, running: boolean): void {
    if (!this.pelt) return;
    this.peltAdvance(s);
    s.peltRunning = running;
  }

  private peltAdvance(s: FairSlot): void {
    const now = this.ctx.now;
    if (now === s.peltAt) return;
    const y = peltDecay(now - s.peltAt);
    s.peltRunnableAvg = pelt(s.peltRunnableAvg, s.peltRunnable, y);
    s.peltRunningAvg = pelt(s.peltRunningAvg, s.peltRunning, y);
    s.peltAt = now;
  }

  /** task_h_load: the entity's weight × its runnable average now (flat hierarchy [M]). */
  taskLoad(s: FairSlot): number {
    if (this.legacy) return s.weight;
    return s.weight * pelt(s.peltRunnableAvg, s.peltRunnable, peltDecay(this.ctx.now - s.peltAt));
  }

  /** cfs_rq load_avg, util_avg and runnable_avg of every CPU: the entities attached there, blocked
   *  ones included. [M] Read once for all the CPUs balancing at one instant (the kernel reads them
   *  without locks, at the same time). */
  gatherPelt(): void {
    if (!this.pelt) return;
    this.peltLoad.fill(0);
    this.peltUtil.fill(0);
    this.peltRunnable.fill(0);
    const now = this.ctx.now;
    for (const e of this.host.members) {
      const s = fairSlot(e);
      const cpu = e.cpu >= 0 ? e.cpu : s.prevCpu;
      if (cpu < 0) continue;
      const y = peltDecay(now - s.peltAt);
      const r = pelt(s.peltRunnableAvg, s.peltRunnable, y);
      const u = pelt(s.peltRunningAvg, s.peltRunning, y);
      this.peltLoad[cpu] += s.weight * r;
      this.peltRunnable[cpu] += SCALE * r;
      this.peltUtil[cpu] += SCALE * u;
    }
  }

  // ---- per-CPU statistics -------------------------------------------------------------------

  /** rq->nr_running [M]: visible fair entities, plus one if another class runs here. */
  nrRunning(cpu: number): number {
    const cur = this.ctx.current(cpu);
    return this.rq.nrVisible[cpu] + (cur !== null && cur.schedClass !== this.host.owner && cur.runnable ? 1 : 0);
  }

  /** cpu_power / capacity_of: what other classes leave of the CPU (scale_rt_power, scale_rt_capacity), ≥ 1. */
  private capacity(cpu: number): number {
    return Math.max(1, Math.floor(SCALE * (1 - this.otherAvg[cpu])));
  }

  /** Whether any other CPU could be a busiest one for `dst`: a fair entity there and more than one
   *  task, or before 5.5 a fair entity on a CPU whose capacity rounds to none. A cheap first test. */
  anyBusiest(dst: number): boolean {
    for (const c of this.cpus) {
      if (c === dst || this.rq.nrVisible[c] === 0) continue;
      if (this.nrRunning(c) > 1 || (this.legacy && groupCapacity(this.capacity(c)) === 0)) return true;
    }
    return false;
  }

  /** find_busiest_group + find_busiest_queue: the CPU to pull from (sets imbalance, migrationType), or -1. */
  findBusiest(dst: number, idle: boolean): number {
    return this.legacy ? this.findBusiestLegacy(dst, idle) : this.findBusiestGroups(dst, idle);
  }

  /** 2.6.32's rules (header), integer arithmetic as the kernel's unsigned longs. */
  private findBusiestLegacy(dst: number, idle: boolean): number {
    const pct = this.f.imbalancePct;
    let totalLoad = 0;
    let totalPwr = 0;
    let maxLoad = 0;
    let busiest = -1;
    let bNr = 0;
    let bPower = SCALE;
    let bLoad = 0;
    let thisLoad = 0;
    let thisNr = 0;
    let thisWeighted = 0;
    let thisPower = SCALE;
    // update_sd_lb_stats
    for (const c of this.cpus) {
      if (c !== dst && this.excluded[c] !== 0) continue;
      const power = this.capacity(c);
      const load = this.rq.visibleWeight(c); // weighted_cpuload [M]: instantaneous
      const nr = this.nrRunning(c);
      const avg = Math.floor((load * SCALE) / power);
      totalLoad += load;
      totalPwr += power;
      if (c === dst) {
        thisLoad = avg;
        thisNr = nr;
        thisWeighted = load;
        thisPower = power;
      } else if (avg > maxLoad && nr > groupCapacity(power)) {
        maxLoad = avg;
        busiest = c;
        bNr = nr;
        bPower = power;
        bLoad = load;
      }
    }
    // find_busiest_group
    if (busiest < 0 || bNr === 0) return -1;
    if (thisLoad >= maxLoad) return -1;
    const avgLoad = Math.floor((SCALE * totalLoad) / totalPwr);
    if (thisLoad >= avgLoad) return -1;
    if (!idle) {
      if (100 * maxLoad <= pct * thisLoad) return -1;
    } else if (bNr <= 1) {
      return -1; // this_idle_cpus (1) ≤ busiest_idle_cpus (0) + 1 and busiest_nr_running ≤ its weight
    }
    // calculate_imbalance
    const bPerTask = Math.floor(bLoad / bNr);
    const fixSmall = (): number => {
      // fix_small_imbalance: one task's load if moving it narrows the gap, or gains throughput.
      let imbn = 2;
      let thisPerTask = 0;
      if (thisNr > 0) {
        thisPerTask = Math.floor(thisWeighted / thisNr);
        if (bPerTask > thisPerTask) imbn = 1;
      }
      const scaled = Math.floor((bPerTask * SCALE) / bPower);
      if (maxLoad - thisLoad + scaled >= scaled * imbn) return bPerTask;
      const pwrNow = Math.floor((bPower * Math.min(bPerTask, maxLoad) + thisPower * Math.min(thisPerTask, thisLoad)) / SCALE);
      let tmp = Math.floor((bPerTask * SCALE) / bPower);
      let pwrMove = maxLoad > tmp ? bPower * Math.min(bPerTask, maxLoad - tmp) : 0;
      tmp = maxLoad * bPower < bPerTask * SCALE ? Math.floor((maxLoad * bPower) / thisPower) : Math.floor((bPerTask * SCALE) / thisPower);
      pwrMove = Math.floor((pwrMove + thisPower * Math.min(thisPerTask, thisLoad + tmp)) / SCALE);
      return pwrMove > pwrNow ? bPerTask : 0;
    };
    let imb: number;
    if (maxLoad < avgLoad) {
      imb = fixSmall();
    } else {
      const aboveCapacity = Math.floor(((bNr - groupCapacity(bPower)) * SCALE * SCALE) / bPower);
      const maxPull = Math.min(maxLoad - avgLoad, aboveCapacity);
      imb = Math.floor(Math.min(maxPull * bPower, (avgLoad - thisLoad) * thisPower) / SCALE);
      if (imb < bPerTask) imb = Math.max(imb, fixSmall());
    }
    // find_busiest_queue: a CPU whose one task outweighs the imbalance is left alone.
    if (groupCapacity(bPower) > 0 && bNr === 1 && bLoad > imb) return -1;
    this.imbalance = imb;
    this.migrationType = MIGRATE_LOAD;
    return busiest;
  }

  /** 5.5+ group_classify for a 1-CPU group (group_is_overloaded, group_has_capacity). */
  private classify(cpu: number, nr: number, cap: number): number {
    const pct = this.f.imbalancePct;
    const util = Math.min(SCALE, this.peltUtil[cpu]); // cpu_util_cfs, capped at capacity_orig
    const runnable = this.peltRunnable[cpu]; // cpu_runnable
    if (nr > 1 && (cap * 100 < util * pct || cap * pct < runnable * 100)) return OVERLOADED;
    if (nr < 1) return HAS_SPARE;
    if (cap * pct < runnable * 100) return FULLY_BUSY;
    return cap * 100 > util * pct ? HAS_SPARE : FULLY_BUSY;
  }

  /** The 5.5+ rules (header), for 1-CPU groups sharing the LLC; call gatherPelt first. */
  private findBusiestGroups(dst: number, idle: boolean): number {
    const pct = this.f.imbalancePct;
    let totalLoad = 0;
    let totalCap = 0;
    let busiest = -1;
    let bType = HAS_SPARE;
    let bAvg = 0;
    let bNr = 0;
    let bLoad = 0;
    let bCap = SCALE;
    let lType = HAS_SPARE;
    let lNr = 0;
    let lLoad = 0;
    let lCap = SCALE;
    // update_sd_lb_stats, update_sd_pick_busiest
    for (const c of this.cpus) {
      if (c !== dst && this.excluded[c] !== 0) continue;
      const nr = this.nrRunning(c);
      const cap = this.capacity(c);
      const load = this.peltLoad[c]; // cpu_load: cfs_rq load_avg
      const type = this.classify(c, nr, cap);
      totalLoad += load;
      totalCap += cap;
      if (c === dst) {
        lType = type;
        lNr = nr;
        lLoad = load;
        lCap = cap;
        continue;
      }
      if (this.rq.nrVisible[c] === 0) continue; // "Make sure that there is at least one task to pull"
      const avg = type === OVERLOADED ? Math.floor((load * SCALE) / cap) : 0; // avg_load only when overloaded
      let pick: boolean;
      if (busiest < 0 || type !== bType) pick = busiest < 0 || type > bType;
      else if (type === OVERLOADED) pick = avg > bAvg;
      else if (type === FULLY_BUSY) pick = false; // avg_load is 0: the first one stays
      else pick = nr > bNr; // has_spare: the one with more tasks (no idle CPU here: it has a fair task)
      if (pick) {
        busiest = c;
        bType = type;
        bAvg = avg;
        bNr = nr;
        bLoad = load;
        bCap = cap;
      }
    }
    // find_busiest_group
    if (busiest < 0) return -1;
    if (lType > bType) return -1; // the local group is busier than the busiest
    let lAvg = 0;
    let sdAvg = 0;
    if (lType === OVERLOADED) {
      lAvg = Math.floor((lLoad * SCALE) / lCap);
      if (lAvg >= bAvg) return -1;
      sdAvg = Math.floor((totalLoad * SCALE) / totalCap);
      if (lAvg >= sdAvg) return -1;
      if (100 * bAvg <= pct * lAvg) return -1;
    }
    if (bType !== OVERLOADED) {
      if (!idle) return -1; // "let another idle CPU try to pull task"
      if (this.rq.nrVisible[busiest] === 1) return -1; // busiest has no task waiting
    }
    // calculate_imbalance
    let imb: number;
    if (lType === HAS_SPARE) {
      this.migrationType = MIGRATE_TASK;
      imb = Math.max(0, bNr - lNr) >> 1;
    } else {
      if (lType < OVERLOADED) {
        lAvg = Math.floor((lLoad * SCALE) / lCap);
        if (lAvg >= bAvg) return -1;
        sdAvg = Math.floor((totalLoad * SCALE) / totalCap);
        if (lAvg >= sdAvg) return -1;
      }
      this.migrationType = MIGRATE_LOAD;
      imb = Math.floor(Math.min((bAvg - sdAvg) * bCap, (sdAvg - lAvg) * lCap) / SCALE);
    }
    if (imb <= 0) return -1;
    // find_busiest_queue: a CPU whose one task outweighs the imbalance is left alone, unless squeezed
    // by other classes (check_cpu_capacity).
    if (this.migrationType === MIGRATE_LOAD && this.rq.nrVisible[busiest] === 1 && bLoad > imb && !(bCap * pct < SCALE * 100)) return -1;
    this.imbalance = imb;
    return busiest;
  }
}

/** The decay of a PELT average over `dt` ns (y^(dt / 1 ms)). */
function peltDecay(dt: number): number {
  return Math.pow(2, -dt / PELT_HALF_LIFE_NS);
}

/** A PELT average after a stretch, decayed by `y`, during which its signal was `on` (1) or off (0). */
function pelt(avg: number, on: boolean, y: number): number {
  return on ? 1 - (1 - avg) * y : avg * y;
}

/** DIV_ROUND_CLOSEST(cpu_power, SCHED_LOAD_SCALE): how many tasks a CPU of that power is taken to hold. */
function groupCapacity(power: number): number {
  return Math.floor((power + SCALE / 2) / SCALE);
}
