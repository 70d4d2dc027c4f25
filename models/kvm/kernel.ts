// Which stock-kernel behaviours are in force for a given Linux version (linux-irmos.md §0 and §3).
// The deliverable scenarios pin the IRMOS era (2.6.3x) explicitly; the default is a current kernel.

import { InputError, describeValue } from '../../src/errors.js';
import type { FairYield } from './fair.js';

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
    eevdf: atLeast(6, 6),
    delayDequeue: atLeast(6, 12),
    baseSliceNs: atLeast(6, 15) ? 700_000 : 750_000,
    fairYield: !atLeast(2, 639) ? 'repick' : !atLeast(6, 6) ? 'skip' : since(6, 19, { 18: 2, 12: 63 }) ? 'forfeit' : 'deadline',
  };
}
