// Which stock-kernel behaviours are in force for a given Linux version (linux-irmos.md §0 and §3).
// The deliverable scenarios pin the IRMOS era (2.6.3x) explicitly; the default is a current kernel.

import { InputError, describeValue } from '../../src/errors.js';
import type { FairBalanceFeatures } from './fair-balance.js';
import type { FairYield } from './fair.js';
import type { GrubFormula } from './grub.js';

export const DEFAULT_KERNEL = '6.12';

export interface KernelFeatures {
  version: string;
  /** RT_RUNTIME_SHARE: per-CPU RT runtime borrowing, on until 5.9, off from 5.10 (commit 2586af1ac187; §0 row 3). */
  rtRuntimeShare: boolean;
  /** Default root RT throttling (950 ms / 1 s). Removed in 6.12 in favour of the fair_server (§3.1, §4.6). */
  rootRtThrottling: boolean;
  /** Per-CPU fair_server dl_server (50 ms / 1 s, deferred) protecting CFS from RT hogs: 6.12+ (§4.6). */
  fairServer: boolean;
  /**
   * 6.17+ fair_server (commit cccb45d7c4295 "sched/deadline: Less agressive dl_server handling",
   * as amended by 2dcbcce9bfac "sched/deadline: Fix dl_server behaviour"): the last fair dequeue no
   * longer stops a deferred server, it stops when picked in the DL band with no fair task, and idle
   * time is charged to its runtime (dl_server_update_idle_time, floor 0). hvsim keeps 6.12–6.16 as
   * before (stop on the last dequeue, fair execution charged only).
   */
  fairServerIdleCharge: boolean;
  /**
   * "sched/deadline: Fix 'stuck' dl_server" (115135422562; 6.19, stable 6.18.9 and 6.12.69): a
   * fair_server start that has to begin a new period (update_dl_entity) clears dl_defer_running, so
   * it defers to its 0-laxity instant again instead of entering the DL band at once.
   */
  fairServerStuckFix: boolean;
  /** SCHED_DEADLINE exists: 3.14+ (§4). */
  schedDeadline: boolean;
  /**
   * GRUB reclaiming, SCHED_FLAG_RECLAIM (§4.3, grub.ts): none before 4.13; from 4.13 the original
   * grub_reclaim (dq = −max{u/Umax, 1 − Uinact − Uextra} dt); from 6.5 the max_bw form of 6a9d623aad89
   * "sched/deadline: Fix bandwidth reclaim equation in GRUB" (dq = −max{u, Umax − Uinact − Uextra}/Umax dt).
   */
  grub: 'none' | GrubFormula;
  /** EEVDF replaced CFS's pick in 6.6 (§6.2); fair.ts switches to its EEVDF pick from 6.6. */
  eevdf: boolean;
  /** DELAY_DEQUEUE (6.12+, §6.2): a negative-lag sleeper stays queued until its lag decays to 0. */
  delayDequeue: boolean;
  /** EEVDF normalized base_slice before the ×f scaling (§6.2): 0.75 ms for 6.6–6.14, 0.70 ms from 6.15
   *  (commit 2ae891b "sched: Reduce the default slice to avoid tasks getting an extra tick"). */
  baseSliceNs: number;
  /**
   * What sched_yield does to a fair task (yield_task_fair; fair.ts): 'repick' before 2.6.39
   * (sched_compat_yield = 0: update_curr only), 'skip' from 2.6.39 (set_skip_buddy, commit
   * ac53db596cc0), 'deadline' from 6.6 (EEVDF: deadline += slice), 'forfeit' from 79104becf42b
   * ("sched/fair: Forfeit vruntime on yield": 6.19, and stable 6.18.2 and 6.12.63; a version without
   * its stable number is taken as the series' first release, and 6.6.y's backport is not pinned).
   */
  fairYield: FairYield;
  /**
   * Periodic load balancing of the fair class (fair-balance.ts; §6.1 SMP), for the LLC-sharing level:
   * - min/max_interval and busy_factor: SD_MC_INIT's 1 ms / 4 ms and 64 up to 3.15; sd_init's
   *   sd_weight / 2·sd_weight ms and 32 from 3.16 (143e1e28cb40); busy_factor 16 from 5.10
   *   (6e7499135db7 "sched/fair: Reduce busy load balance interval"), which also takes one jiffy off
   *   a busy interval (patch 3 of that series); imbalance_pct 125, then 117 from 3.16.
   * - load_balance: the avg_load + fix_small_imbalance rules up to 5.4, group types and migration
   *   types from 5.5 (0b0695f2b34a); the per-task load test relaxed by failures from 5.10
   *   (5a7f55590467); active balance only for task-count imbalances from 5.12 (e9b9734b7465).
   * - Which task goes first: most recently enqueued, least recently picked from 4.15 (497297182186) [R].
   * - Capacity averages: rt_avg (half-life 500 ms) until 4.18, PELT (32 ms) from 4.19 [R].
   */
  fairBalance: FairBalanceFeatures;
}

/** The stable release number of "6.18.44-…" (44); 0 when absent, which stands for the series' first release. */
function stableOf(text: string): number {
  return Number(/^\d+\.\d+\.(\d+)/.exec(text)?.[1] ?? 0);
}

/** Parse "2.6.33", "5.10", "6.12.3" into comparable [major, minor]. */
export function parseKernelVersion(text: string, file: string, pointer: string): [number, number] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) {
    throw new InputError({ file, pointer, expected: 'a Linux version such as "2.6.33", "5.10" or "6.12"', found: describeValue(text) });
  }
  const major = Number(m[1]);
  // 2.6.x kernels: the third number is the real minor release; map 2.6.33 onto (2, 633) so order holds.
  const minor = major === 2 && m[3] !== undefined ? Number(m[2]) * 100 + Number(m[3]) : Number(m[2]);
  return [major, minor];
}

export function kernelFeatures(text: string, file: string, pointer: string): KernelFeatures {
  const [major, minor] = parseKernelVersion(text, file, pointer);
  const atLeast = (a: number, b: number) => major > a || (major === a && minor >= b);
  /** A change in mainline `a.b`, and backported to the stable series `a.<minor>` from `.<point>` on. */
  const since = (a: number, b: number, backports: Record<number, number>) =>
    atLeast(a, b) || (major === a && backports[minor] !== undefined && stableOf(text) >= backports[minor]);
  return {
    version: text,
    rtRuntimeShare: !atLeast(5, 10),
    rootRtThrottling: !atLeast(6, 12),
    fairServer: atLeast(6, 12),
    fairServerIdleCharge: atLeast(6, 17),
    fairServerStuckFix: since(6, 19, { 18: 9, 12: 69 }),
    schedDeadline: atLeast(3, 14),
    grub: atLeast(6, 5) ? 'max-bw' : atLeast(4, 13) ? 'legacy' : 'none',
    eevdf: atLeast(6, 6),
    delayDequeue: atLeast(6, 12),
    baseSliceNs: atLeast(6, 15) ? 700_000 : 750_000,
    fairYield: !atLeast(2, 639) ? 'repick' : !atLeast(6, 6) ? 'skip' : since(6, 19, { 18: 2, 12: 63 }) ? 'forfeit' : 'deadline',
    fairBalance: {
      interval: atLeast(3, 16) ? 'domain-weight' : 'fixed',
      busyFactor: !atLeast(3, 16) ? 64 : !atLeast(5, 10) ? 32 : 16,
      busyIntervalLessOneJiffy: atLeast(5, 10),
      imbalancePct: atLeast(3, 16) ? 117 : 125,
      cacheNiceTries: 1,
      algorithm: atLeast(5, 5) ? 'group-types' : 'legacy',
      taskLoadTest: !atLeast(5, 5) ? 'half' : !atLeast(5, 10) ? 'half-unless-failed' : 'shift',
      taskOrder: atLeast(4, 15) ? 'lru' : 'mru-enqueue',
      activeBalance: atLeast(5, 12) ? 'task-imbalance' : 'failures',
      avgHalfLifeNs: atLeast(4, 19) ? 32_000_000 : 500_000_000,
      migrationCostNs: 500_000,
    },
  };
}
