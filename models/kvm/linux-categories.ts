// CPU categories per PH role under the stock-Linux models (issue 11; seed §4, figure 6): where the
// IXB's packet work (every VMU's vhost thread, io-threads.ts) runs when the host declares categories.
//
// - rt-groups (kvm-linux), IXB fixed: an RT cgroup `ixb` with cpu.rt_runtime_us = share × P on each
//   CPU (linux-irmos.md §3.3), its vhost threads SCHED_FIFO 99, above every vCPU, so the IXB runs first
//   and is throttled at its portion; the group counts in RT group admission beside the VMUs' groups.
// - deadline (kvm-deadline), IXB fixed: one SCHED_DEADLINE server per vhost thread, the category
//   split evenly among them (runtime = share × P / n, deadline = period = P), counted in DEADLINE
//   admission (§4.5). Without GRUB reclaiming (§4.3) a server does not use time the others leave;
//   with kvm-deadline's ixbReclaim each server has SCHED_FLAG_RECLAIM (grub.ts) and does.
// - cfs-quota (kvm-linux-cfs), or IXB not fixed: a cgroup `ixb` with cpu.weight ∝ its share — CFS
//   offers no guarantee, only a share of contended time (§6), and the row says so.
// - Whether the IXB uses time the others leave (seed §4.1.1): an RT cgroup is throttled at its
//   runtime on each CPU even when the CPU would idle; with RT_RUNTIME_SHARE it first borrows the
//   unused runtime of the same group on other CPUs, up to the whole period (§3.3) — so it reclaims
//   only its own group's time on CPUs where its threads do not run, never the VMUs' or the idle
//   CPU's. A DEADLINE server does not either, unless it has SCHED_FLAG_RECLAIM (ixbReclaim; GRUB §4.3,
//   grub.ts): then it runs on in the bandwidth the other DL servers leave asleep and the unreserved
//   part, up to sched_rt_runtime/sched_rt_period of its CPU (max_bw), never into the other servers'
//   runtime. A CFS cgroup is work-conserving (§6): it takes all idle time, its weight only dividing
//   contended time.
// - ISONI framework: the SCHED_OTHER host threads (ISONI node and domain functions, monitoring: seed
//   §4.1.3, non-real-time) in a cgroup `framework` of their own with cpu.weight ∝ the portion, so
//   they divide CFS time with the IXB's cgroup by weight and not thread by thread, and take what the
//   RT and DEADLINE reservations leave ("they may exploit the remaining CPU processing time"). CFS
//   cannot fix a portion (cpu.max only caps), so a fixed framework portion is a weight too, said in
//   the row. Real-time host threads (fifo, rr, deadline) keep their own policies: they are not the
//   framework's non-real-time work.
// The VMU category is the admission bound of models/categories.ts (each VMU held by its own
// reservation).

import type { HostCategories } from '../../src/engine/system.js';
import type { HostSetup, SlaMappingRow } from '../../src/engine/model.js';
import type { HostThreadSpec } from '../../src/scenario/types.js';
import { formatDuration } from '../../src/scenario/units.js';
import { categoryRow } from '../categories.js';
import type { FairGroupConfig } from './fair.js';
import { isIxbWorker } from './io-threads.js';
import type { RtGroupConfig } from './rt.js';

/** cpu.shares of a category at 100 % (1024 is the cgroup default for one group). */
const SHARES_AT_FULL = 1024 * 10;
const IXB_PRIORITY = 99;

export type StockVariant = 'rt-groups' | 'cfs-quota' | 'deadline';

export type IxbPlacement =
  | { class: 'rt'; group: string; priority: number; native: string }
  | { class: 'dl'; runtimeNs: number; periodNs: number; reclaim: boolean; native: string }
  | { class: 'cfs'; group: string; native: string };

export interface LinuxCategoryPlan {
  rtGroups: RtGroupConfig[];
  fairGroups: FairGroupConfig[];
  rows: SlaMappingRow[];
  /** Where an IXB thread goes; undefined for every other thread. */
  place(thread: HostThreadSpec): IxbPlacement | undefined;
  /** The framework's cgroup for a SCHED_OTHER host thread that is not an I/O thread; undefined otherwise. */
  frameworkGroup(thread: HostThreadSpec): string | undefined;
}

export function planLinuxCategories(setup: HostSetup, categories: HostCategories, variant: StockVariant, periodNs: number, runtimeShare: boolean, reclaim = false): LinuxCategoryPlan {
  const ixbThreads = setup.population.hostThreads.filter((t) => isIxbWorker(setup.population, setup.host.id, t));
  const { share, fixed } = categories.ixb;
  const runtimeNs = Math.floor(share * periodNs);
  const rtGroups: RtGroupConfig[] = [];
  const fairGroups: FairGroupConfig[] = [];
  let placement: IxbPlacement;
  let ixbNative: string;
  if (fixed && variant === 'rt-groups') {
    rtGroups.push({ id: 'ixb', runtimeNs, periodNs });
    placement = { class: 'rt', group: 'ixb', priority: IXB_PRIORITY, native: `SCHED_FIFO ${IXB_PRIORITY} in RT cgroup ixb` };
    ixbNative = `RT cgroup ixb: cpu.rt_runtime_us=${runtimeNs / 1000} cpu.rt_period_us=${periodNs / 1000} on each CPU, vhost threads SCHED_FIFO ${IXB_PRIORITY} (above every vCPU); throttled at its portion even on an idle CPU, ${runtimeShare ? 'RT_RUNTIME_SHARE on: it borrows only its own group\'s unused runtime from other CPUs' : 'RT_RUNTIME_SHARE off: no use of time the others leave'}`;
  } else if (fixed && variant === 'deadline' && ixbThreads.length > 0) {
    const each = Math.floor(runtimeNs / ixbThreads.length);
    const flag = reclaim ? ' SCHED_FLAG_RECLAIM' : '';
    placement = { class: 'dl', runtimeNs: each, periodNs, reclaim, native: `SCHED_DEADLINE ${formatDuration(each)} / ${formatDuration(periodNs)}${flag}` };
    ixbNative = `one SCHED_DEADLINE server per vhost thread, ${formatDuration(each)} / ${formatDuration(periodNs)} each (the portion split among ${ixbThreads.length}); ${
      reclaim
        ? 'SCHED_FLAG_RECLAIM (GRUB): it also uses the time the others leave, up to sched_rt_runtime/sched_rt_period of each CPU, never the VMUs\' runtime'
        : 'no GRUB: no use of time the others leave'
    }`;
  } else {
    const shares = Math.max(2, Math.round(share * SHARES_AT_FULL));
    fairGroups.push({ id: 'ixb', shares });
    placement = { class: 'cfs', group: 'ixb', native: `SCHED_OTHER in cgroup ixb` };
    ixbNative = `cgroup ixb cpu.weight ∝ ${shares} under CFS${fixed ? ': CFS cannot fix a portion, so the IXB gets only a weighted share of contended time' : ''}; work-conserving: it uses all time the others leave`;
  }
  const framework = categories.framework;
  const frameworkShares = Math.max(2, Math.round(framework.share * SHARES_AT_FULL));
  fairGroups.push({ id: 'framework', shares: frameworkShares });
  const rows = [
    categoryRow(setup, 'ixb', ixbNative),
    categoryRow(setup, 'vmu', 'admission Σ VMU SLAs ≤ the category; each VMU held to its SLA by its own reservation'),
    categoryRow(
      setup,
      'framework',
      `cgroup framework cpu.weight ∝ ${frameworkShares} holding the SCHED_OTHER host threads, under CFS: what the ${variant === 'cfs-quota' ? 'VMUs\' quotas' : 'reservations'} leave, divided by weight${framework.fixed ? ' (CFS cannot fix a portion: cpu.max only caps)' : ''}; real-time host threads keep their own policies`,
    ),
  ];
  const ids = new Set(ixbThreads.map((t) => t.id));
  return {
    rtGroups,
    fairGroups,
    rows,
    place: (t) => (ids.has(t.id) ? placement : undefined),
    frameworkGroup: (t) => (t.ioThreadOf === undefined && !ids.has(t.id) && t.policy.class === 'fair' ? 'framework' : undefined),
  };
}
