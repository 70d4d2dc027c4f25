// The stock Linux host under KVM, in three configurations of the same kernel that differ only in
// how a VMU's SLA becomes native parameters:
// - kvm-linux:     reserved VMUs are RT cgroups (cpu.rt_runtime_us / cpu.rt_period_us per CPU) whose
//                  vCPU threads are SCHED_FIFO; groups compete by task priority (linux-irmos.md §3.3).
// - kvm-linux-cfs: reserved VMUs are CFS cgroups capped by bandwidth control, cpu.max =
//                  "vcpus×budget period" (§6.3), as most clouds do.
// - kvm-deadline:  each reserved vCPU thread is a SCHED_DEADLINE reservation (§4), global EDF.
// Everything else is common: best-effort VMUs under CFS, host threads under their own policy, the
// kernel version choosing RT_RUNTIME_SHARE, root RT throttling and the fair_server (kernel.ts).

import { admitCategories } from '../categories.js';
import { planLinuxCategories } from './linux-categories.js';
import { stockExplain, type StockVariant } from './explain.js';
import type { HostBuild, HostPopulation, HostSetup, HypervisorModel, IoStage, PacketPath, PrepareSetup, SlaMappingRow } from '../../src/engine/model.js';
import type { IoLoadSpec, VmuSpec } from '../../src/scenario/types.js';
import { IO_THREAD_PARAMS, kvmHostPacketPath, kvmIoPath, kvmPacketPath, kvmPopulation, migrationThreads, threadPlacement, threadRole } from './io-threads.js';
import { globalAdmission } from '../../src/analysis/admission.js';
import { InputError, pointerOf } from '../../src/errors.js';
import { formatDuration } from '../../src/scenario/units.js';
import { readParams, type ParamSpec } from '../params.js';
import {
  refuseAdmission,
  bestEffortGroups,
  bestEffortRow,
  perCpuBudget,
  vcpuPriorities,
} from './common.js';
import { cpuList, policyText, slaText } from '../describe.js';
import { hostThreadsOnHost, vmusOnHost } from '../population.js';
import { CfsClass, type FairGroupConfig } from './fair.js';
import { DEFAULT_KERNEL, kernelFeatures, type KernelFeatures } from './kernel.js';
import { DeadlineClass, DL_MIN_RUNTIME_NS } from './deadline.js';
import { requireAtMost, requireDuration, requireParam, type DurationRange } from '../limits.js';
import type { RtGroupConfig } from './rt.js';
import { SporadicRtClass } from './sporadic.js';

type Variant = StockVariant;

export const STOCK_LINUX_PARAMS = {
  kernel: {
    type: 'string',
    default: DEFAULT_KERNEL,
    doc: 'Linux version whose scheduler behaviour to model ("2.6.33", "5.10", "6.12")',
    // Anchored: "x6.12y" is no version. A suffix such as "-rt" or "-rc1" after the numbers is allowed.
    pattern: /^\d+\.\d+(\.\d+)?(-[A-Za-z0-9._-]+)?$/,
    patternDoc: 'a Linux version such as "2.6.33", "5.10" or "6.12"',
  },
  rtRuntime: { type: 'duration', default: 950_000_000, doc: 'sched_rt_runtime_us: RT time allowed per period on each CPU' },
  rtPeriod: { type: 'duration', default: 1_000_000_000, doc: 'sched_rt_period_us', min: 1 },
  rtPeriodPhase: {
    type: 'duration',
    default: 0,
    doc: 'where the root RT period timer (sched_rt_period_timer) expires: phase + k·rtPeriod (taken modulo rtPeriod). 0 = started at time 0, as a kernel whose timer was idle starts it at the first RT wake-up; another value stands for a timer already running from earlier RT activity',
  },
  rtRuntimeShare: {
    type: 'string',
    default: 'auto',
    doc: 'RT_RUNTIME_SHARE: auto (on before 5.10, off after), on or off',
    pattern: /^(auto|on|off)$/,
    patternDoc: '"auto", "on" or "off"',
  },
  rtEnforcement: {
    type: 'string',
    default: 'tick',
    doc: "RT throttling: tick (the kernel: rt_time charged and tested in update_curr_rt at ticks and switches, linux-irmos.md §1.3; up to a tick of overrun, carried as debt) or exact (throttled at the instant rt_time reaches the runtime, an idealised kernel)",
    pattern: /^(tick|exact)$/,
    patternDoc: '"tick" or "exact"',
  },
  fairServerRuntime: { type: 'duration', default: 50_000_000, doc: 'fair_server runtime per CPU (6.12+); 0 disables it' },
  fairServerPeriod: { type: 'duration', default: 1_000_000_000, doc: 'fair_server period per CPU (6.12+)', min: 1 },
  bandwidthControl: { type: 'boolean', default: true, doc: 'kvm-linux-cfs: apply cpu.max quotas (false = plain CFS shares)' },
  ioRuntime: { type: 'duration', default: 100_000, doc: 'kvm-deadline with ioThreads=inside: runtime of each I/O thread\'s own SCHED_DEADLINE reservation' },
  ioPeriod: { type: 'duration', default: 2_000_000, min: 1, doc: 'kvm-deadline with ioThreads=inside: its period' },
  categoryPeriod: { type: 'duration', default: 10_000_000, min: 1, doc: "period P of a fixed IXB category's RT cgroup or DEADLINE servers (host categories, seed figure 6): runtime = share × P" },
  ixbReclaim: {
    type: 'boolean',
    default: false,
    doc: "kvm-deadline with a fixed IXB category: SCHED_FLAG_RECLAIM (GRUB, linux-irmos.md §4.3; 4.13+) on the IXB's SCHED_DEADLINE servers, so the IXB also uses the time the others leave (seed §4.1.1), up to rtRuntime/rtPeriod of each CPU",
  },
  ...IO_THREAD_PARAMS,
} satisfies Record<string, ParamSpec>;

/** sched_setattr refuses a runtime below 2^DL_SCALE = 1024 ns (linux-irmos.md §0 row 17, §4.1). */
const DL_RUNTIME: DurationRange = { min: DL_MIN_RUNTIME_NS, source: 'SCHED_DEADLINE needs 1024 ns ≤ runtime, linux-irmos.md §0 row 17' };

/** The sysctl and debugfs writes the kernel refuses with EINVAL, refused here by parameter. */
function checkStockLinuxLimits(setup: HostSetup, p: { rtRuntime: number; rtPeriod: number; fairServerRuntime: number; fairServerPeriod: number; ioRuntime: number; ioPeriod: number }): void {
  // sched_rt_handler: sched_rt_runtime_us > sched_rt_period_us is EINVAL (linux-irmos.md §0 row 2, §3.1).
  requireAtMost(setup, 'rtRuntime', p.rtRuntime, 'rtPeriod', p.rtPeriod, 'sched_rt_runtime_us > sched_rt_period_us is EINVAL, linux-irmos.md §3.1');
  // fair_server is a dl_server: runtime ≤ period, as for any deadline entity (linux-irmos.md §4.6).
  requireAtMost(setup, 'fairServerRuntime', p.fairServerRuntime, 'fairServerPeriod', p.fairServerPeriod, 'a dl_server needs runtime ≤ period, linux-irmos.md §4.6');
  requireParam(setup, 'ioRuntime', p.ioRuntime, DL_RUNTIME);
  requireAtMost(setup, 'ioRuntime', p.ioRuntime, 'ioPeriod', p.ioPeriod, 'SCHED_DEADLINE needs runtime ≤ deadline ≤ period, linux-irmos.md §4.1');
}

function buildStockLinux(variant: Variant, setup: HostSetup): HostBuild {
  const { scenario, ctx, host } = setup;
  const file = scenario.file;
  const p = readParams(STOCK_LINUX_PARAMS, setup.params, file, setup.paramsPointer);
  const kernel = kernelFeatures(p.kernel, file, setup.paramsPointer + pointerOf('kernel'));
  checkStockLinuxLimits(setup, p);
  const vmus = vmusOnHost(setup);
  const threads = hostThreadsOnHost(setup);
  const reserved = vmus.filter((v) => v.vmu.sla);
  const mapping: SlaMappingRow[] = [];
  const prio = vcpuPriorities(reserved.map((v) => v.vmu));
  // Host CPU categories (seed figure 6): the VMUs' admission into theirs, the IXB's threads placed
  // by linux-categories.ts.
  // RT_GROUP_SCHED is needed (and keeps RT bandwidth control even on 6.12+) only when VMUs are RT groups.
  const rtGroupSched = variant === 'rt-groups';
  const rootThrottled = kernel.rootRtThrottling || rtGroupSched;
  const runtimeShare = p.rtRuntimeShare === 'auto' ? kernel.rtRuntimeShare : p.rtRuntimeShare === 'on';
  const categories = admitCategories(setup);
  const plan = categories === undefined ? undefined : planLinuxCategories(setup, categories, variant, p.categoryPeriod, runtimeShare, p.ixbReclaim);
  if (plan !== undefined) mapping.push(...plan.rows);
  const fairServerOn = kernel.fairServer && p.fairServerRuntime > 0;

  const fairGroups: FairGroupConfig[] = [...bestEffortGroups(vmus), ...(plan?.fairGroups ?? [])];
  const rtGroups: RtGroupConfig[] = [...(plan?.rtGroups ?? [])];
  if (variant === 'cfs-quota') {
    for (const v of reserved) {
      const sla = v.vmu.sla!;
      const quota = v.vmu.vcpus * sla.budget;
      fairGroups.push(p.bandwidthControl ? { id: v.vmu.id, shares: v.vmu.weight, quotaNs: quota, periodNs: sla.period } : { id: v.vmu.id, shares: v.vmu.weight });
      mapping.push({
        entity: v.vmu.id,
        requested: slaText(sla, v.vmu.vcpus),
        native: p.bandwidthControl
          ? `cgroup ${v.vmu.id}: cpu.max="${quota / 1000} ${sla.period / 1000}" (µs), cpu.shares=${v.vmu.weight}, vCPU threads SCHED_OTHER on ${cpuList(v.vmu.affinity)}`
          : `cgroup ${v.vmu.id}: cpu.shares=${v.vmu.weight}, no quota (bandwidthControl=false)`,
      });
      if (sla.reclaim === true) mapping[mapping.length - 1].native += p.bandwidthControl ? '; sla.reclaim not applied: cpu.max caps the group (no GRUB for CFS groups)' : '; sla.reclaim: CFS without a quota is work-conserving anyway';
    }
  }
  if (variant === 'rt-groups') {
    let sum = rtGroups.reduce((a, g) => a + g.runtimeNs / g.periodNs, 0);
    for (const v of reserved) {
      const sla = v.vmu.sla!;
      // An RT group has its rt_runtime on every CPU of the root domain (§3.3), whatever the threads'
      // affinity, so each vCPU finds the whole Q on the CPU it runs on (common.ts perCpuBudget).
      const width = Math.min(v.vmu.vcpus, v.vmu.affinity.length);
      const runtime = perCpuBudget(v.vmu, width);
      rtGroups.push({ id: v.vmu.id, runtimeNs: runtime, periodNs: sla.period });
      sum += runtime / sla.period;
      // sched-rt-group.rst admission: Σ children runtime/period ≤ the root's (linux-irmos.md §3.3).
      const rootBw = p.rtRuntime / p.rtPeriod;
      if (sum > rootBw + 1e-12) {
        refuseAdmission(
          setup,
          `${v.pointer}/sla`,
          `RT group admission (Σ cpu.rt_runtime_us/cpu.rt_period_us ≤ sched_rt_runtime_us/sched_rt_period_us = ${round(rootBw)})`,
          `Σ = ${round(sum)} once VMU ${v.vmu.id} is added`,
          'lower the VMUs\' budgets, or raise the model parameter rtRuntime',
        );
      }
      mapping.push({
        entity: v.vmu.id,
        requested: slaText(sla, v.vmu.vcpus),
        native: `RT cgroup ${v.vmu.id}: cpu.rt_runtime_us=${runtime / 1000} cpu.rt_period_us=${sla.period / 1000} ${host.cpus > 1 ? `on each of the host's ${host.cpus} CPUs` : "on the host's CPU"}${width < v.vmu.vcpus ? ` (shared by ${v.vmu.vcpus} vCPUs)` : ''}, admission counts ${round(runtime / sla.period)} of ${host.cpus > 1 ? 'each' : 'it'}; vCPU threads SCHED_FIFO priority ${prio.get(v.vmu.id)} on ${cpuList(v.vmu.affinity)}${sla.reclaim === true ? '; sla.reclaim not applied: an RT group is throttled at its runtime (RT_RUNTIME_SHARE only borrows its own runtime from other CPUs)' : ''}`,
      });
    }
  }

  const cfs = new CfsClass(ctx, {
    groups: fairGroups,
    pick: kernel.eevdf ? 'eevdf' : 'cfs',
    delayDequeue: kernel.delayDequeue,
    baseSliceNs: kernel.baseSliceNs,
    yieldRule: kernel.fairYield,
    balance: kernel.fairBalance,
  });
  const wantsDeadline = variant === 'deadline' || threads.some((t) => t.spec.policy.class === 'deadline');
  if (wantsDeadline && !kernel.schedDeadline) {
    const t = threads.find((x) => x.spec.policy.class === 'deadline');
    throw new InputError({
      file,
      pointer: t ? `${t.pointer}/policy` : setup.paramsPointer + pointerOf('kernel'),
      expected: 'a kernel with SCHED_DEADLINE (3.14 or later)',
      found: `kernel ${p.kernel}`,
      hint: 'raise the model parameter kernel, or use another policy',
    });
  }
  // GRUB (§4.3, grub.ts) with the root domain's sched_rt_runtime/period as max_bw, from 4.13.
  const grub = kernel.grub === 'none' ? undefined : { rtRuntimeNs: p.rtRuntime, rtPeriodNs: p.rtPeriod, formula: kernel.grub };
  const fairServer = fairServerOn ? { served: cfs, runtimeNs: p.fairServerRuntime, periodNs: p.fairServerPeriod, idleCharge: kernel.fairServerIdleCharge, stuckFix: kernel.fairServerStuckFix, enforceAtTickNs: ctx.tickNs } : undefined;
  const dl = wantsDeadline || fairServerOn ? new DeadlineClass(ctx, { ...(fairServer && { fairServer }), ...(grub && { grub }) }) : null;
  /** SCHED_FLAG_RECLAIM asked at `pointer`: refused by a kernel without GRUB (sched_setattr's EINVAL for an unknown flag). */
  const reclaimFlag = (asked: boolean | undefined, pointer: string): boolean => {
    if (asked !== true) return false;
    if (grub === undefined) throw new InputError({ file, pointer, expected: 'a kernel with SCHED_FLAG_RECLAIM (GRUB reclaiming, 4.13 or later; linux-irmos.md §4.3)', found: `kernel ${p.kernel}`, hint: 'raise the model parameter kernel, or drop reclaim' });
    return true;
  };
  // The RT class with POSIX SCHED_SPORADIC among its policies (sporadic.ts; never merged upstream).
  const rt = new SporadicRtClass(ctx, {
    root: { runtimeNs: rootThrottled && p.rtRuntime < p.rtPeriod ? p.rtRuntime : null, periodNs: p.rtPeriod, phaseNs: p.rtPeriodPhase % p.rtPeriod },
    runtimeShare,
    groups: rtGroups,
    // The kernel charges RT time and tests the throttle in update_curr_rt, at ticks and switches (rt.ts).
    enforcement: p.rtEnforcement === 'exact' ? 'exact' : 'tick',
  });

  // Place every entity.
  const dlBandwidths: { bw: number; pointer: string; id: string }[] = [];
  for (const v of vmus) {
    for (const e of v.vcpus) {
      if (!v.vmu.sla) cfs.admit(e, { nice: 0, group: v.vmu.id });
      else if (variant === 'rt-groups') rt.admit(e, { priority: prio.get(v.vmu.id)!, rr: false, group: v.vmu.id });
      else if (variant === 'cfs-quota') cfs.admit(e, { nice: 0, group: v.vmu.id });
      else {
        const sla = v.vmu.sla;
        requireDuration(setup, `${v.pointer}/sla/budget`, 'an SLA budget (the SCHED_DEADLINE runtime)', sla.budget, DL_RUNTIME);
        dl!.admit(e, { runtimeNs: sla.budget, deadlineNs: sla.deadline, periodNs: sla.period, reclaim: reclaimFlag(sla.reclaim, `${v.pointer}/sla/reclaim`) });
        dlBandwidths.push({ bw: sla.budget / sla.period, pointer: `${v.pointer}/sla`, id: e.id });
      }
    }
    if (!v.vmu.sla) mapping.push(bestEffortRow(v));
    else if (variant === 'deadline') {
      const sla = v.vmu.sla;
      mapping.push({
        entity: v.vmu.id,
        requested: slaText(sla, v.vmu.vcpus),
        native: `each vCPU thread SCHED_DEADLINE runtime=${formatDuration(sla.budget)} deadline=${formatDuration(sla.deadline)} period=${formatDuration(sla.period)}${sla.reclaim === true ? ' SCHED_FLAG_RECLAIM (GRUB: also the bandwidth the others leave, up to rtRuntime/rtPeriod of its CPU)' : ''}, global EDF over ${cpuList(v.vmu.affinity)}`,
      });
    }
  }
  for (const t of threads) {
    const pol = t.spec.policy;
    const owner = t.spec.ioThreadOf === undefined ? undefined : vmus.find((v) => v.vmu.id === t.spec.ioThreadOf)!.vmu;
    const ixb = plan?.place(t.spec);
    if (ixb !== undefined) {
      if (ixb.class === 'rt') rt.admit(t.entity, { priority: ixb.priority, rr: false, group: ixb.group });
      else if (ixb.class === 'cfs') cfs.admit(t.entity, { nice: 0, group: ixb.group });
      else {
        dl!.admit(t.entity, { runtimeNs: ixb.runtimeNs, deadlineNs: ixb.periodNs, periodNs: ixb.periodNs, reclaim: reclaimFlag(ixb.reclaim, setup.paramsPointer + pointerOf('ixbReclaim')) });
        dlBandwidths.push({ bw: ixb.runtimeNs / ixb.periodNs, pointer: `/hosts/${scenario.hosts.indexOf(host)}/categories/ixb/share`, id: t.spec.id });
      }
      mapping.push({ entity: t.spec.id, requested: t.spec.ioThreadOf === undefined ? 'the host\'s network stack for its OSD (IXB work)' : `I/O thread of ${t.spec.ioThreadOf} (IXB work)`, native: `${ixb.native} on ${cpuList(t.spec.affinity)}` });
      continue;
    }
    if (owner !== undefined) {
      // A VMU's vhost/iothread (io-threads.ts), or its migration thread with `thread: inside`: inside
      // its reservation, one priority above its vCPUs (linux-irmos.md §7.3), or outside it.
      const inside = threadPlacement(t.spec, p.ioThreads) === 'inside';
      let native: string;
      if (!inside || !owner.sla || variant === 'cfs-quota') {
        cfs.admit(t.entity, { nice: 0, group: inside ? owner.id : undefined });
        native = inside ? `SCHED_OTHER in cgroup ${owner.id}` : 'SCHED_OTHER outside any reservation';
      } else if (variant === 'rt-groups') {
        const priority = Math.min(99, prio.get(owner.id)! + 1);
        rt.admit(t.entity, { priority, rr: false, group: owner.id });
        native = `SCHED_FIFO ${priority} in RT cgroup ${owner.id}`;
      } else {
        dl!.admit(t.entity, { runtimeNs: p.ioRuntime, deadlineNs: p.ioPeriod, periodNs: p.ioPeriod });
        dlBandwidths.push({ bw: p.ioRuntime / p.ioPeriod, pointer: setup.paramsPointer + pointerOf('ioRuntime'), id: t.spec.id });
        native = `own SCHED_DEADLINE ${formatDuration(p.ioRuntime)} / ${formatDuration(p.ioPeriod)}`;
      }
      mapping.push({ entity: t.spec.id, requested: `${threadRole(t.spec)} of ${owner.id}`, native: `${native} on ${cpuList(t.spec.affinity)}` });
      continue;
    }
    if (pol.class === 'fifo' || pol.class === 'rr') rt.admit(t.entity, { priority: pol.priority, rr: pol.class === 'rr' });
    else if (pol.class === 'fair') {
      // On a host with categories the framework's cgroup (linux-categories.ts), else the root.
      const group = plan?.frameworkGroup(t.spec);
      cfs.admit(t.entity, { nice: pol.nice, ...(group !== undefined && { group }) });
      if (group !== undefined) {
        mapping.push({ entity: t.spec.id, requested: policyText(pol), native: `host thread ${policyText(pol)} in cgroup ${group} on ${cpuList(t.spec.affinity)}` });
        continue;
      }
    } else if (pol.class === 'sporadic') {
      rt.admit(t.entity, { priority: pol.priority, lowPriority: pol.lowPriority, budgetNs: pol.budget, periodNs: pol.period, maxRepl: pol.maxRepl, rules: pol.rules });
    } else {
      requireDuration(setup, `${t.pointer}/policy/runtime`, 'a SCHED_DEADLINE runtime', pol.runtime, DL_RUNTIME);
      dl!.admit(t.entity, { runtimeNs: pol.runtime, deadlineNs: pol.deadline, periodNs: pol.period, reclaim: reclaimFlag(pol.reclaim, `${t.pointer}/policy/reclaim`) });
      dlBandwidths.push({ bw: pol.runtime / pol.period, pointer: `${t.pointer}/policy`, id: t.spec.id });
    }
    mapping.push({ entity: t.spec.id, requested: policyText(pol), native: `host thread ${policyText(pol)} on ${cpuList(t.spec.affinity)}` });
  }

  // SCHED_DEADLINE admission per root domain: Σ bw ≤ M × rt_runtime/rt_period, the fair_server's
  // share counted from 6.12 (linux-irmos.md §4.5).
  if (dlBandwidths.length > 0) {
    const bound = p.rtRuntime / p.rtPeriod;
    const serverShare = fairServerOn ? host.cpus * (p.fairServerRuntime / p.fairServerPeriod) : 0;
    let sum = serverShare;
    for (const d of dlBandwidths) {
      sum += d.bw;
      const verdict = globalAdmission([sum], host.cpus, bound);
      if (!verdict.ok) {
        refuseAdmission(
          setup,
          d.pointer,
          `SCHED_DEADLINE admission on host ${host.id} (Σ runtime/period ≤ ${host.cpus} CPUs × ${round(bound)} = ${round(verdict.capacity)})`,
          `Σ = ${round(sum)} once ${d.id} is added${serverShare > 0 ? ` (fair_server share ${round(serverShare)} included)` : ''}`,
          'lower the runtimes, or raise the model parameter rtRuntime',
        );
      }
    }
  }

  const classes = [dl, rt, cfs].filter((c) => c !== null);
  return {
    classes,
    mapping,
    changeSla(vmu, sla) {
      // The same mapping as at build, written through the interface each variant configures.
      if (variant === 'rt-groups') {
        const runtime = perCpuBudget({ ...vmu, sla }, Math.min(vmu.vcpus, vmu.affinity.length));
        rt.setGroupBandwidth(vmu.id, runtime, sla.period);
        return `cgroup ${vmu.id}: cpu.rt_period_us=${sla.period / 1000} cpu.rt_runtime_us=${runtime / 1000}`;
      }
      if (variant === 'cfs-quota') {
        if (!p.bandwidthControl) return `cgroup ${vmu.id}: no quota (bandwidthControl=false), nothing to write`;
        cfs.setGroupQuota(vmu.id, vmu.vcpus * sla.budget, sla.period);
        return `cgroup ${vmu.id}: cpu.max="${(vmu.vcpus * sla.budget) / 1000} ${sla.period / 1000}"`;
      }
      for (const e of vmus.find((v) => v.vmu.id === vmu.id)!.vcpus) dl!.setParams(e, { runtimeNs: sla.budget, deadlineNs: sla.deadline, periodNs: sla.period });
      return `sched_setattr(runtime=${formatDuration(sla.budget)}, deadline=${formatDuration(sla.deadline)}, period=${formatDuration(sla.period)}) on each vCPU thread`;
    },
    settings: settingsOf(kernel, rootThrottled, runtimeShare, fairServerOn, p),
    explain: stockExplain({ variant, io: p.ioThreads as 'inside' | 'outside', migration: migrationThreads(scenario), bandwidthControl: p.bandwidthControl, runtimeShare, ...(categories && { ixb: { fixed: categories.ixb.fixed, periodNs: p.categoryPeriod, reclaim: p.ixbReclaim } }) }),
  };
}

function settingsOf(
  kernel: KernelFeatures,
  rootThrottled: boolean,
  runtimeShare: boolean,
  fairServer: boolean,
  p: { rtRuntime: number; rtPeriod: number; rtPeriodPhase: number; rtEnforcement: string; fairServerRuntime: number; fairServerPeriod: number },
): Record<string, string | number | boolean> {
  return {
    kernel: kernel.version,
    rtThrottling: rootThrottled
      ? `${formatDuration(p.rtRuntime)} / ${formatDuration(p.rtPeriod)}${p.rtPeriodPhase % p.rtPeriod !== 0 ? `, periods start at ${formatDuration(p.rtPeriodPhase % p.rtPeriod)} + k·${formatDuration(p.rtPeriod)}` : ''}`
      : 'off',
    rtEnforcement: p.rtEnforcement === 'exact' ? 'exact (at the exhaustion instant)' : 'at ticks and switches (update_curr_rt)',
    rtRuntimeShare: runtimeShare,
    fairServer: fairServer ? `${formatDuration(p.fairServerRuntime)} / ${formatDuration(p.fairServerPeriod)}` : 'off',
  };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

function stockPrepare(setup: PrepareSetup): HostPopulation {
  readParams(STOCK_LINUX_PARAMS, setup.params, setup.scenario.file, setup.paramsPointer);
  return kvmPopulation(setup);
}

function stockIoPath(load: IoLoadSpec, vmu: VmuSpec, setup: PrepareSetup): IoStage[] {
  return kvmIoPath(load, vmu, readParams(STOCK_LINUX_PARAMS, setup.params, setup.scenario.file, setup.paramsPointer));
}

function stockPacketPath(vmu: VmuSpec, setup: PrepareSetup): PacketPath {
  return kvmPacketPath(vmu, readParams(STOCK_LINUX_PARAMS, setup.params, setup.scenario.file, setup.paramsPointer));
}

/** The three stock-kernel models differ only in how a reserved VMU's SLA becomes native parameters. */
function stockLinuxModel(name: string, variant: Variant, summary: string): HypervisorModel {
  return { name, family: 'kvm', summary, build: (setup) => buildStockLinux(variant, setup), prepare: stockPrepare, ioPath: stockIoPath, packetPath: stockPacketPath, hostPacketPath: kvmHostPacketPath };
}

export const kvmLinux = stockLinuxModel(
  'kvm-linux',
  'rt-groups',
  'KVM on stock Linux: reserved VMUs as RT cgroups under RT throttling (groups compete by priority), the rest CFS',
);

export const kvmLinuxCfs = stockLinuxModel(
  'kvm-linux-cfs',
  'cfs-quota',
  'KVM on stock Linux: every VMU under CFS, SLAs as CFS bandwidth quota/period (cpu.max), as most clouds do',
);

export const kvmDeadline = stockLinuxModel(
  'kvm-deadline',
  'deadline',
  'KVM on stock Linux with each reserved vCPU thread a SCHED_DEADLINE reservation (global EDF, Σ ≤ 0.95·M)',
);
