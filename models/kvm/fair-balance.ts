// Periodic load balancing of the fair class (linux-irmos.md §6.1 SMP): scheduler_tick →
// trigger_load_balance → SCHED_SOFTIRQ → rebalance_domains → load_balance(), on busy CPUs and on
// idle ones, each at its own balance interval. The idle *pull* at a pick (newidle balance) stays in
// fair.ts; this module moves work between CPUs that are both busy, and pushes a running task away
// (active balance) when pinned or cache-hot tasks defeat the pulls. The statistics and the choice of
// the busiest CPU and of the imbalance (find_busiest_group, by kernel) are in fair-balance-stats.ts.
//
// Sources: kernel/sched.c and include/linux/topology.h of 2.6.32; kernel/sched/fair.c and
// topology.c of 5.6 and 6.1; the commits named in kernel.ts (`fairBalance`).
// - rebalance_domains: a CPU balances when jiffies ≥ last_balance + interval, interval =
//   msecs_to_jiffies(balance_interval × (busy ? busy_factor : 1)) (get_sd_balance_interval; from
//   5.10 one jiffy less when busy), at least one jiffy. balance_interval starts at min_interval, is
//   reset to it when an imbalance was found, and doubles up to max_interval when balanced (up to
//   MAX_PINNED_INTERVAL = 512 ms when every task was pinned).
// - load_balance: detach_tasks/attach_tasks (balance_tasks/pull_task in 2.6.32) up to the imbalance;
//   a busiest CPU whose tasks are all pinned away is dropped and the search redone (LBF_ALL_PINNED).
//   No move: nr_balance_failed++, and after cache_nice_tries + 2 failures an active balance
//   (active_load_balance_cpu_stop) moves a task from the busiest CPU — typically the one that was
//   running — if the running one may run here (up to 5.11 for any imbalance, from 5.12 only for
//   a task-count one).
// - can_migrate_task: not a task whose group is throttled at either end (throttled_lb_pair), not
//   outside its affinity, not the running task, not a cache-hot one (task_hot: it ran less than
//   sysctl_sched_migration_cost = 0.5 ms ago, §0 row 24) unless nr_balance_failed > cache_nice_tries.
// - detach_tasks' per-task test: half the task's load must fit in what is left to move (≤ 5.9,
//   relaxed after cache_nice_tries failures from 5.5); from 5.10 load >> nr_balance_failed must fit,
//   so 2 tasks against 1 move at the second attempt.
//
// Modelling choices [M] (and fair-balance-stats.ts's):
// - One flat sched domain of all the host's CPUs, one CPU per group, sharing the LLC (the MC level):
//   no SMT, package or NUMA level; every CPU balances for itself (should_we_balance is trivial).
// - The balance runs 1 ns after its tick (the softirq on the way out of the tick interrupt), so that
//   it sees the switches that tick decided on every CPU: a task pre-empted at that tick is cache-hot,
//   not running.
// - The CPUs whose balance falls on one tick run it at once in the kernel, reading each other's
//   statistics without locks: here all of them first find their busiest CPU and imbalance on the
//   same state, then move tasks one after the other; a task one of them moved is no candidate for
//   another in that instant (it is in flight).
// - A CPU whose balance is due while no other CPU could be a busiest one is settled at the tick
//   (out_balanced), without an event.
// - Candidate order: most recently enqueued first before 4.15 (cfs_rq->tasks, list_add at enqueue),
//   least recently picked first from 4.15 (cfs_tasks kept MRU, detached from the tail).
// - An active balance happens at once (the stopper's latency is not modelled) and moves the first
//   allowed task in that order, the running one included.
// - Idle CPUs keep fair.ts's immediate pull of any waiting entity (which ignores cache-hotness);
//   their periodic balance here adds what that pull cannot do, the active push of a running task.
// - Not modelled: NOHZ idle balancing (an idle CPU ticks here), the misfit / reduced-capacity active
//   balance (6.0+), NUMA balancing, buddies in task_hot.
// - With identical busy loops and nothing else, which loop waits (or is hot) at a balance tick is
//   locked to the tick-quantized slices, so the rotation may favour some loops for ever; on a real
//   host interrupts and kernel threads break that lock, in hvsim any other activity does.

import { EventPhase, type Timer } from '../../src/engine/event-queue.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext, SchedClass } from '../../src/engine/policy.js';
import type { Ns } from '../../src/scenario/types.js';
import { BalanceStats, MIGRATE_LOAD, MIGRATE_TASK } from './fair-balance-stats.js';
import { fairSlot, type FairRunqueues } from './fair-queue.js';

export interface FairBalanceFeatures {
  /** min/max_interval: 'fixed' = SD_MC_INIT's 1 ms / 4 ms (≤ 3.15); 'domain-weight' = sd_init's
   *  sd_weight / 2·sd_weight ms, 1 ms per CPU of the domain (143e1e28cb40, 3.16). */
  interval: 'fixed' | 'domain-weight';
  /** busy_factor: 64 (SD_MC_INIT), 32 (sd_init, 3.16), 16 (6e7499135db7, 5.10). */
  busyFactor: number;
  /** get_sd_balance_interval: a busy interval is one jiffy shorter (5.10, "sched/fair: Minimize
   *  concurrent LBs between domain level"). */
  busyIntervalLessOneJiffy: boolean;
  /** imbalance_pct of the LLC level: 125 (SD_MC_INIT), 117 (sd_init's SD_SHARE_PKG_RESOURCES, 3.16). */
  imbalancePct: number;
  /** cache_nice_tries of the LLC level (1 throughout). */
  cacheNiceTries: number;
  /** find_busiest_group / calculate_imbalance: 'legacy' (≤ 5.4) or 'group-types' (5.5, 0b0695f2b34a). */
  algorithm: 'legacy' | 'group-types';
  /** detach_tasks' per-task load test (header): 'half' (≤ 5.4), 'half-unless-failed' (5.5–5.9),
   *  'shift' (load >> nr_balance_failed, 5a7f55590467, 5.10). */
  taskLoadTest: 'half' | 'half-unless-failed' | 'shift';
  /** Which task detach_tasks tries first: 'mru-enqueue' (≤ 4.14) or 'lru' (497297182186, 4.15) [R]. */
  taskOrder: 'mru-enqueue' | 'lru';
  /** need_active_balance after cache_nice_tries + 2 failures: for any imbalance ('failures', ≤ 5.11),
   *  or only for a task-count imbalance of a CPU with spare capacity ('task-imbalance',
   *  e9b9734b7465 "sched/fair: Reduce cases for active balance", 5.12). */
  activeBalance: 'failures' | 'task-imbalance';
  /** Half-life of the average of other classes' time, which makes a CPU's capacity: 500 ms (rt_avg
   *  halved every sched_avg_period) before 4.19, 32 ms (PELT avg_rt/avg_dl) from 4.19 [R]. */
  avgHalfLifeNs: Ns;
  /** sysctl_sched_migration_cost (§0 row 24). */
  migrationCostNs: Ns;
}

/** The newest kernels' rules (6.x), the default of a CfsClass built without a kernel. */
export const NEWEST_FAIR_BALANCE: FairBalanceFeatures = {
  interval: 'domain-weight',
  busyFactor: 16,
  busyIntervalLessOneJiffy: true,
  imbalancePct: 117,
  cacheNiceTries: 1,
  algorithm: 'group-types',
  taskLoadTest: 'shift',
  taskOrder: 'lru',
  activeBalance: 'task-imbalance',
  avgHalfLifeNs: 32_000_000,
  migrationCostNs: 500_000,
};

/** What the balancer needs from the fair class. */
export interface BalanceHost {
  readonly owner: SchedClass;
  readonly rq: FairRunqueues;
  /** Every entity of the class (for blocked load). */
  readonly members: readonly HostEntity[];
  /** detach_task + attach_task: move queued `e` keeping its lag, then check_preempt_curr on `to`. */
  moveTask(e: HostEntity, from: number, to: number): void;
}

/** SCHED_SOFTIRQ runs on the way out of the tick interrupt, once the tick's re-picks took effect [M]. */
const SOFTIRQ_DELAY_NS = 1;
const MAX_PINNED_INTERVAL_MS = 512;
const SCHED_NR_MIGRATE = 32; // sysctl_sched_nr_migrate

export class FairBalancer {
  /** Tasks moved by periodic balancing, and by active balancing. */
  periodicMigrations = 0;
  activeMigrations = 0;
  /** Candidates passed over because they were cache-hot. */
  hotSkips = 0;
  /** Runqueue statistics and find_busiest_group (fair-balance-stats.ts); the class feeds its averages. */
  readonly stats: BalanceStats;

  private readonly ctx: PolicyContext;
  private readonly rq: FairRunqueues;
  private readonly legacy: boolean;
  private readonly minIntervalMs: number;
  private readonly maxIntervalMs: number;
  /** Per CPU (its one domain): sd->balance_interval (ms), last_balance (ns), nr_balance_failed. */
  private readonly balanceIntervalMs: Float64Array;
  private readonly lastBalance: Float64Array;
  private readonly nrBalanceFailed: Int32Array;
  /** The pending SCHED_SOFTIRQs: the CPUs, whether each was idle at its tick, and what each found. */
  private readonly softirq: Timer;
  private readonly pending: number[] = [];
  private readonly idleAtTick: Uint8Array;
  private readonly foundBusiest: Int32Array;
  private readonly foundImbalance: Float64Array;
  private readonly foundType: Uint8Array;
  private readonly candidates: HostEntity[] = [];
  /** LBF_ALL_PINNED of the detach in progress. */
  private allPinned = false;

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
    this.stats = new BalanceStats(host, ctx, f, cpus);
    this.minIntervalMs = f.interval === 'fixed' ? 1 : cpus.length;
    this.maxIntervalMs = f.interval === 'fixed' ? 4 : 2 * cpus.length;
    this.balanceIntervalMs = new Float64Array(n).fill(this.minIntervalMs);
    this.lastBalance = new Float64Array(n);
    this.nrBalanceFailed = new Int32Array(n);
    this.softirq = ctx.timer(EventPhase.tick, () => this.runSoftirqs());
    this.idleAtTick = new Uint8Array(n);
    this.foundBusiest = new Int32Array(n);
    this.foundImbalance = new Float64Array(n);
    this.foundType = new Uint8Array(n);
  }

  /** scheduler_tick's share: sample the averages; trigger_load_balance when this CPU's balance is due. */
  tick(cpu: number, curr: HostEntity | null): void {
    const stats = this.stats;
    stats.sampleTick(cpu, curr);
    const idle = stats.nrRunning(cpu) === 0; // idle_at_tick
    const now = this.ctx.now;
    if (now - this.lastBalance[cpu] < this.intervalNs(cpu, !idle)) return;
    this.lastBalance[cpu] = now; // sd->last_balance = jiffies
    if (!stats.anyBusiest(cpu)) {
      this.outBalanced(cpu, false);
      return;
    }
    this.idleAtTick[cpu] = idle ? 1 : 0;
    if (this.pending.length === 0) this.softirq.arm(now + SOFTIRQ_DELAY_NS); // raise SCHED_SOFTIRQ
    this.pending.push(cpu);
  }

  /** get_sd_balance_interval, in ns. */
  private intervalNs(cpu: number, busy: boolean): Ns {
    const ms = busy ? this.balanceIntervalMs[cpu] * this.f.busyFactor : this.balanceIntervalMs[cpu];
    let jiffies = Math.ceil((ms * 1_000_000) / this.ctx.tickNs); // msecs_to_jiffies
    if (busy && this.f.busyIntervalLessOneJiffy) jiffies -= 1;
    return Math.max(1, jiffies) * this.ctx.tickNs;
  }

  /** run_rebalance_domains of every CPU due at this tick: all find their busiest CPU, then all act (header). */
  private runSoftirqs(): void {
    const stats = this.stats;
    stats.gatherPelt();
    for (const cpu of this.pending) {
      stats.excluded.fill(0);
      this.foundBusiest[cpu] = stats.findBusiest(cpu, this.idleAtTick[cpu] === 1);
      this.foundImbalance[cpu] = stats.imbalance;
      this.foundType[cpu] = stats.migrationType;
    }
    for (const cpu of this.pending) this.loadBalance(cpu, this.idleAtTick[cpu] === 1);
    this.pending.length = 0;
  }

  /** load_balance once find_busiest_group/queue has run: move tasks, count failures, adapt the interval. */
  private loadBalance(dst: number, idle: boolean): void {
    const stats = this.stats;
    const legacy = this.legacy;
    stats.excluded.fill(0);
    let busiest = this.foundBusiest[dst];
    stats.imbalance = this.foundImbalance[dst];
    stats.migrationType = this.foundType[dst];
    let moved = 0;
    let allPinned = false;
    for (let redo = false; ; redo = true) {
      if (redo) {
        stats.gatherPelt();
        busiest = stats.findBusiest(dst, idle);
      }
      if (busiest < 0) {
        this.outBalanced(dst, allPinned);
        return;
      }
      allPinned = !legacy; // 6.x sets LBF_ALL_PINNED before trying, 2.6.32 only inside move_tasks
      if (stats.nrRunning(busiest) <= 1) break;
      moved = this.detachTasks(dst, busiest, idle);
      this.periodicMigrations += moved;
      allPinned = this.allPinned;
      if (!allPinned) break;
      // Every task there was pinned away from dst: drop that CPU and search again.
      stats.excluded[busiest] = 1;
      if (!this.cpus.some((c) => c !== dst && stats.excluded[c] === 0)) {
        this.outBalanced(dst, true);
        return;
      }
    }
    const cnt = this.f.cacheNiceTries;
    let kicked = false;
    if (moved === 0) {
      this.nrBalanceFailed[dst]++;
      if (this.nrBalanceFailed[dst] > cnt + 2 && (this.f.activeBalance === 'failures' || stats.migrationType === MIGRATE_TASK)) {
        const cur = this.ctx.current(busiest);
        // "Don't kick the active_load_balance_cpu_stop, if the curr task on busiest CPU can't be moved to this_cpu"
        if (cur === null || !cur.allows(dst)) {
          this.outOnePinned(dst, legacy || allPinned);
          return;
        }
        kicked = true;
        this.nrBalanceFailed[dst] = cnt + 1; // "We've kicked active balancing, force task migration."
        if (this.activeBalance(busiest, dst) && !legacy) this.nrBalanceFailed[dst] = 0; // "Active balancing done"
      }
    } else {
      this.nrBalanceFailed[dst] = 0;
    }
    // "We were unbalanced, so reset the balancing interval"; 2.6.32 backs off after an active kick.
    if (!kicked || !legacy) this.balanceIntervalMs[dst] = this.minIntervalMs;
    else if (this.balanceIntervalMs[dst] < this.maxIntervalMs) this.balanceIntervalMs[dst] *= 2;
  }

  /** out_balanced: reset the failures, then out_one_pinned. */
  private outBalanced(dst: number, allPinned: boolean): void {
    this.nrBalanceFailed[dst] = 0;
    this.outOnePinned(dst, allPinned);
  }

  /** out_one_pinned: "tune up the balancing interval". */
  private outOnePinned(dst: number, allPinned: boolean): void {
    const iv = this.balanceIntervalMs[dst];
    if ((allPinned && iv < MAX_PINNED_INTERVAL_MS) || iv < this.maxIntervalMs) this.balanceIntervalMs[dst] = iv * 2;
  }

  /** The fair entities queued on `src` in the order the kernel tries them (header). */
  private candidatesOf(src: number): HostEntity[] {
    const list = this.candidates;
    list.length = 0;
    const q = this.rq.queues[src];
    for (let i = 0; i < q.length; i++) list.push(q[i]);
    const sign = this.f.taskOrder === 'lru' ? 1 : -1;
    list.sort((a, b) => sign * (fairSlot(a).listSeq - fairSlot(b).listSeq));
    return list;
  }

  /** can_migrate_task; clears allPinned when `p` may run on dst (LBF_ALL_PINNED). */
  private canMigrate(p: HostEntity, src: number, dst: number): boolean {
    const s = fairSlot(p);
    if (s.balancedAt === this.ctx.now) return false; // in flight from another CPU's balance [M]
    if (!this.rq.visible(s, src) || !this.rq.visible(s, dst)) return false; // throttled_lb_pair
    if (!p.allows(dst)) return false;
    this.allPinned = false;
    if (p.runningOn >= 0) return false; // task_running
    // task_hot: exec_start within sysctl_sched_migration_cost; forced after cache_nice_tries failures.
    if (this.ctx.now - s.lastRanNs >= this.f.migrationCostNs) return true;
    if (this.nrBalanceFailed[dst] > this.f.cacheNiceTries) return true;
    this.hotSkips++;
    this.ctx.note('lb-hot', src, p);
    return false;
  }

  /** detach_tasks + attach_tasks (balance_tasks in 2.6.32): the number of tasks moved. */
  private detachTasks(dst: number, src: number, idle: boolean): number {
    const f = this.f;
    const stats = this.stats;
    const failed = this.nrBalanceFailed[dst];
    let imb = stats.imbalance;
    this.allPinned = true;
    if (imb <= 0) {
      this.allPinned = false;
      return 0;
    }
    const loopMax = Math.min(SCHED_NR_MIGRATE, stats.nrRunning(src));
    let loops = 0;
    let moved = 0;
    for (const p of this.candidatesOf(src)) {
      const load = Math.max(1, stats.taskLoad(fairSlot(p))); // se.load.weight; task_h_load from 5.5
      if (this.legacy) {
        if (loops++ > SCHED_NR_MIGRATE) break;
        if (Math.floor(load / 2) > imb || !this.canMigrate(p, src, dst)) continue;
      } else {
        if (idle && stats.nrRunning(src) <= 1) break; // "We don't want to steal all"
        if (++loops > loopMax && !this.allPinned) break;
        if (!this.canMigrate(p, src, dst)) continue;
        if (stats.migrationType === MIGRATE_LOAD) {
          const tooBig =
            f.taskLoadTest === 'shift'
              ? Math.floor(load / 2 ** Math.min(failed, 63)) > imb // shr_bound
              : Math.floor(load / 2) > imb && (f.taskLoadTest === 'half' || failed <= f.cacheNiceTries);
          if (tooBig) continue;
        }
      }
      this.move(p, src, dst);
      this.ctx.note('lb-pull', dst, p);
      moved++;
      imb -= stats.migrationType === MIGRATE_TASK ? 1 : load;
      if (imb <= 0) break;
    }
    return moved;
  }

  private move(p: HostEntity, src: number, dst: number): void {
    fairSlot(p).balancedAt = this.ctx.now;
    this.host.moveTask(p, src, dst);
  }

  /** active_load_balance_cpu_stop: move one task (the first allowed, hot or running) from src to dst. */
  private activeBalance(src: number, dst: number): boolean {
    if (this.stats.nrRunning(src) <= 1) return false; // "Is there any task to move?"
    for (const p of this.candidatesOf(src)) {
      const s = fairSlot(p);
      if (s.balancedAt === this.ctx.now || !this.rq.visible(s, src) || !this.rq.visible(s, dst) || !p.allows(dst)) continue;
      this.move(p, src, dst);
      this.ctx.note('lb-active', dst, p);
      this.activeMigrations++;
      return true;
    }
    return false;
  }
}
