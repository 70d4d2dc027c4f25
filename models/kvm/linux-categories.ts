// CPU categories per PH role under the stock-Linux models (issue 11; seed §4, figure 6): where the
// IXB's packet work (every VMU's vhost thread, io-threads.ts) runs when the host declares categories.
//
// - rt-groups (kvm-linux), IXB fixed: an RT cgroup `ixb` with cpu.rt_runtime_us = share × P on each
//   CPU (linux-irmos.md §3.3), its vhost threads SCHED_FIFO 99, above every vCPU, so the IXB runs first
//   and is throttled at its portion; the group counts in RT group admission beside the VMUs' groups.
// - deadline (kvm-deadline), IXB fixed: one SCHED_DEADLINE server per vhost thread, the category
//   split evenly among them (runtime = share × P / n, deadline = period = P), counted in DEADLINE
//   admission (§4.5). Without GRUB reclaiming (§4.3) a server does not use time the others leave.
// - cfs-quota (kvm-linux-cfs), or IXB not fixed: a cgroup `ixb` with cpu.weight ∝ its share — CFS
//   offers no guarantee, only a share of contended time (§6), and the row says so.
// The VMU category is the admission bound of models/categories.ts (each VMU held by its own
// reservation); the framework's host threads keep their own policies (not partitioned yet).

import type { HostCategories } from '../../src/engine/system.js';
import type { HostSetup, SlaMappingRow } from '../../src/engine/model.js';
import type { HostThreadSpec } from '../../src/scenario/types.js';
import { formatDuration } from '../../src/scenario/units.js';
import { categoryRow } from '../categories.js';
import type { FairGroupConfig } from './fair.js';
import { vhostId } from './io-threads.js';
import type { RtGroupConfig } from './rt.js';

/** cpu.shares of a category at 100 % (1024 is the cgroup default for one group). */
const SHARES_AT_FULL = 1024 * 10;
const IXB_PRIORITY = 99;

export type StockVariant = 'rt-groups' | 'cfs-quota' | 'deadline';

export type IxbPlacement =
  | { class: 'rt'; group: string; priority: number; native: string }
  | { class: 'dl'; runtimeNs: number; periodNs: number; native: string }
  | { class: 'cfs'; group: string; native: string };

export interface LinuxCategoryPlan {
  rtGroups: RtGroupConfig[];
  fairGroups: FairGroupConfig[];
  rows: SlaMappingRow[];
  /** Where an IXB thread goes; undefined for every other thread. */
  place(thread: HostThreadSpec): IxbPlacement | undefined;
}

export function planLinuxCategories(setup: HostSetup, categories: HostCategories, variant: StockVariant, periodNs: number): LinuxCategoryPlan {
  const ixbThreads = setup.population.hostThreads.filter((t) => t.ioThreadOf !== undefined && t.id === vhostId(setup.population.vmus.find((v) => v.id === t.ioThreadOf)!));
  const { share, fixed } = categories.ixb;
  const runtimeNs = Math.floor(share * periodNs);
  const rtGroups: RtGroupConfig[] = [];
  const fairGroups: FairGroupConfig[] = [];
  let placement: IxbPlacement;
  let ixbNative: string;
  if (fixed && variant === 'rt-groups') {
    rtGroups.push({ id: 'ixb', runtimeNs, periodNs });
    placement = { class: 'rt', group: 'ixb', priority: IXB_PRIORITY, native: `SCHED_FIFO ${IXB_PRIORITY} in RT cgroup ixb` };
    ixbNative = `RT cgroup ixb: cpu.rt_runtime_us=${runtimeNs / 1000} cpu.rt_period_us=${periodNs / 1000} on each CPU, vhost threads SCHED_FIFO ${IXB_PRIORITY} (above every vCPU); throttled at its portion, it uses others' time only through RT_RUNTIME_SHARE borrowing`;
  } else if (fixed && variant === 'deadline' && ixbThreads.length > 0) {
    const each = Math.floor(runtimeNs / ixbThreads.length);
    placement = { class: 'dl', runtimeNs: each, periodNs, native: `SCHED_DEADLINE ${formatDuration(each)} / ${formatDuration(periodNs)}` };
    ixbNative = `one SCHED_DEADLINE server per vhost thread, ${formatDuration(each)} / ${formatDuration(periodNs)} each (the portion split among ${ixbThreads.length}); no GRUB: no use of time the others leave`;
  } else {
    const shares = Math.max(2, Math.round(share * SHARES_AT_FULL));
    fairGroups.push({ id: 'ixb', shares });
    placement = { class: 'cfs', group: 'ixb', native: `SCHED_OTHER in cgroup ixb` };
    ixbNative = `cgroup ixb cpu.weight ∝ ${shares} under CFS${fixed ? ': CFS cannot fix a portion, so the IXB gets only a weighted share of contended time' : ''}`;
  }
  const rows = [
    categoryRow(setup, 'ixb', ixbNative),
    categoryRow(setup, 'vmu', 'admission Σ VMU SLAs ≤ the category; each VMU held to its SLA by its own reservation'),
    categoryRow(setup, 'framework', 'not partitioned yet: host threads at their own policies'),
  ];
  const ids = new Set(ixbThreads.map((t) => t.id));
  return { rtGroups, fairGroups, rows, place: (t) => (ids.has(t.id) ? placement : undefined) };
}
