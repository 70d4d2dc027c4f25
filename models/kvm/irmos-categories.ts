// CPU categories per PH role under kvm-irmos (issue 11; seed §4, figure 6): what the IRMOS
// hierarchy offers for each category.
//
// - IXB real-time, fixed: one IRMOS group `ixb` holding every VMU's vhost thread (the IXB packet
//   work, io-threads.ts), Q = share × P on each CPU, so the IXB gets its portion in every period
//   however overloaded the VMUs are (hard CBS, linux-irmos.md §2.4, §2.9). It is a sibling of the
//   VMU groups, not their parent's sibling in a nested tree: the IRMOS kernel schedules every
//   group's server flat in one per-CPU EDF queue and uses the hierarchy for admission only (§2.7).
//   A hard CBS does not reclaim, so the IXB does not use time the others leave (§4.1.1 asks for it;
//   IRMOS has no slack reclaiming, §2.4; the IRMOS slides, seeds/002, list "Soft reservations" under
//   "Things to improve"; AQuoSA's QOS_F_SOFT, §2.10, is the pre-IRMOS framework's, not this
//   kernel's) — say so in the row.
// - VMU-granted: the VMU groups are the category's children; admission puts Σ of their bandwidths
//   within the category (models/categories.ts, §2.7's container semantics), and each group's hard
//   CBS keeps its VMU at its Q/P, so the VMUs together never exceed the category.
// - ISONI framework and a non-fixed IXB: SCHED_OTHER cgroups `framework` / `ixb` with cpu.shares
//   ∝ their shares, served by CFS from what the reservations leave (seed §4.1.3: "they may exploit
//   the remaining CPU processing time"). A fixed framework gets an IRMOS group like the IXB, its
//   threads SCHED_FIFO 1 inside it.

import type { HostCategories } from '../../src/engine/system.js';
import type { HostSetup, SlaMappingRow } from '../../src/engine/model.js';
import type { HostThreadSpec } from '../../src/scenario/types.js';
import { categoryRow } from '../categories.js';
import type { FairGroupConfig } from './fair.js';
import type { IrmosGroupConfig } from './irmos.js';
import { isIxbWorker } from './io-threads.js';

/** cpu.shares of a category at 100 % (1024 is the cgroup default for one group). */
const SHARES_AT_FULL = 1024 * 10;
/** Priority of threads inside a category's reservation (alone in it, so any value serves). */
const CATEGORY_PRIORITY = 1;

export type CategoryPlacement = { class: 'irmos'; group: string; priority: number; native: string } | { class: 'cfs'; group: string; native: string };

export interface IrmosCategoryPlan {
  /** Reservations of the fixed categories, to join the VMU groups (and their admission, §2.8). */
  groups: IrmosGroupConfig[];
  fairGroups: FairGroupConfig[];
  rows: SlaMappingRow[];
  /** Where a host thread goes: the IXB's (a vhost) or the framework's (a SCHED_OTHER host thread); undefined: where it would go without categories. */
  place(thread: HostThreadSpec): CategoryPlacement | undefined;
}

/** The VMUs' vhost threads do the IXB work under KVM (model.ts packetPath, io-threads.ts). */
const isIxbThread = (setup: HostSetup, t: HostThreadSpec) => isIxbWorker(setup.population, setup.host.id, t);

export function planIrmosCategories(setup: HostSetup, categories: HostCategories, periodNs: number): IrmosCategoryPlan {
  const cpus = Array.from({ length: setup.host.cpus }, (_, i) => i);
  const groups: IrmosGroupConfig[] = [];
  const fairGroups: FairGroupConfig[] = [];
  const placement = new Map<'ixb' | 'framework', CategoryPlacement>();
  const rows: SlaMappingRow[] = [];
  for (const name of ['ixb', 'framework'] as const) {
    const c = categories[name];
    if (c.fixed) {
      const runtimeNs = Math.floor(c.share * periodNs);
      groups.push({ id: name, runtimeNs, periodNs, cpus });
      placement.set(name, { class: 'irmos', group: name, priority: CATEGORY_PRIORITY, native: `SCHED_FIFO ${CATEGORY_PRIORITY} in IRMOS group ${name}` });
      const slack = name === 'ixb' ? '; hard CBS: no use of time the others leave (IRMOS does not reclaim, §2.4; soft reservations are future work in the IRMOS slides)' : '';
      rows.push(categoryRow(setup, name, `IRMOS group ${name}, sibling of the VMU groups (scheduling is flat, §2.7): cpu.rt_runtime_us=${runtimeNs / 1000} cpu.rt_period_us=${periodNs / 1000} on each CPU${slack}`));
    } else {
      const shares = Math.max(2, Math.round(c.share * SHARES_AT_FULL));
      fairGroups.push({ id: name, shares });
      placement.set(name, { class: 'cfs', group: name, native: `SCHED_OTHER in cgroup ${name}` });
      rows.push(categoryRow(setup, name, `cgroup ${name} cpu.shares=${shares} under CFS: only what the reservations leave, divided by weight`));
    }
  }
  rows.splice(1, 0, categoryRow(setup, 'vmu', `the VMU groups as the category's children: admission Σ Q/P ≤ the category (§2.7 container), each held to its Q/P by hard CBS${categories.vmu.fixed ? '' : ' (IRMOS reserves every VMU: the portion is fixed in effect)'}`));
  return {
    groups,
    fairGroups,
    rows,
    place(thread) {
      if (isIxbThread(setup, thread)) return placement.get('ixb');
      if (thread.ioThreadOf === undefined && thread.policy.class === 'fair') return placement.get('framework');
      return undefined;
    },
  };
}
