// KVM on the IRMOS-patched Linux (2.6.3x): each reserved VMU is a cgroup whose reservation
// (cpu.rt_runtime_us = budget, cpu.rt_period_us = period) gives Q every P on each CPU of its cpuset,
// scheduled by hard CBS + EDF among reservations, with its vCPU threads SCHED_FIFO inside
// (linux-irmos.md §2; seed slides 002).
//
// The cpuset of a VMU's group holds as many CPUs as the VMU has vCPUs (fewer only if its affinity is
// narrower), chosen inside its affinity: the SLA's Q every P per vCPU is then exactly the group's
// M·Q/P (§2.6), each vCPU can run its Q on a CPU of its own, and push/pull among those servers keeps
// the group's highest-priority vCPUs running (slides 002: "with M CPUs, if N ≤ M partitioned
// reservations are scheduled, the N highest priority tasks in the group concurrently run"). The other
// way to deliver Q to a vCPU whose cpuset is wider — migrating a throttled vCPU to the group's other
// servers — rests on migrateOnThrottle, which §2.6 marks unverified in the original, grants up to
// min(1, width·Q/P) instead of Q/P (the reservation is no longer a limit, §2.1, §2.9 isolation) and
// charges width·Q/P to admission. Partitioning is also what the deliverable names "the optimal
// solution for single-CPU VMUs" (seed 000, section 5.2: "completely partitioned EDF scheduling"). Host SCHED_FIFO/RR threads live in the root group's
// task reservation (§2.7); a host thread asking for SCHED_DEADLINE — which that kernel lacks — gets
// an IRMOS reservation of its own with the same runtime and period, which is what IRMOS offered
// instead. Everything best-effort runs under CFS below.

import { irmosExplain } from './explain.js';
import { perCpuAdmission, type Reservation } from '../../src/analysis/admission.js';
import type { HostBuild, HostSetup, HypervisorModel, SlaMappingRow } from '../../src/engine/model.js';
import { pointerOf } from '../../src/errors.js';
import { formatDuration } from '../../src/scenario/units.js';
import { readParams, type ParamSpec } from '../params.js';
import {
  refuseAdmission,
  bestEffortGroups,
  bestEffortRow,
  leastReservedCpus,
  perCpuBudget,
} from './common.js';
import { cpuList, policyText, slaText } from '../describe.js';
import { hostThreadsOnHost, refuseSporadicThreads, vmusOnHost } from '../population.js';
import { CfsClass } from './fair.js';
import { kernelFeatures } from './kernel.js';
import { IrmosClass, type IrmosGroupConfig } from './irmos.js';
import { admitCategories } from '../categories.js';
import { planIrmosCategories } from './irmos-categories.js';
import { IO_THREAD_PARAMS, kvmHostPacketPath, kvmIoPath, kvmPacketPath, kvmPopulation, migrationThreads, threadPlacement, threadRole } from './io-threads.js';

const ROOT_GROUP = '';
/** The stock kernel the IRMOS patches applied to. */
const IRMOS_KERNEL = '2.6.33';
const VCPU_PRIORITY = 50;

export const IRMOS_PARAMS = {
  admissionBound: {
    type: 'number',
    default: 0.95,
    min: 0,
    max: 1,
    doc: 'per-CPU admission bound Σ Q/P ≤ bound (U(root) = sched_rt_runtime_us/sched_rt_period_us, §2.8)',
  },
  rootRuntime: {
    type: 'optional-duration',
    doc: "root group's task reservation per CPU (rt_task_runtime_us of /); default: the bandwidth the groups leave under the bound, if any root RT thread exists",
  },
  rootPeriod: { type: 'duration', default: 1_000_000_000, min: 1, doc: "root group's task reservation period" },
  migrateOnThrottle: {
    type: 'boolean',
    default: false,
    doc: 'push a task away from a throttled server to another CPU of its group (§2.6, unverified in the original); matters only where a group has more CPUs than runnable threads, as a VMU\'s cpuset has one CPU per vCPU',
  },
  categoryPeriod: {
    type: 'duration',
    default: 10_000_000,
    min: 1,
    doc: "period P of the reservations of fixed CPU categories (host categories, seed figure 6): Q = share × P on each CPU; 10 ms, the order of a packet's deadline",
  },
  ...IO_THREAD_PARAMS,
  // IRMOS practice attached every thread of the VM to its group (linux-irmos.md §7.3).
  ioThreads: { ...IO_THREAD_PARAMS.ioThreads, default: 'inside' },
} satisfies Record<string, ParamSpec>;

function buildIrmos(setup: HostSetup): HostBuild {
  const { scenario, ctx, host } = setup;
  const p = readParams(IRMOS_PARAMS, setup.params, scenario.file, setup.paramsPointer);
  const vmus = vmusOnHost(setup);
  const threads = hostThreadsOnHost(setup);
  const allCpus = Array.from({ length: host.cpus }, (_, i) => i);
  const groups: IrmosGroupConfig[] = [];
  const pointers = new Map<string, string>();
  const mapping: SlaMappingRow[] = [];
  const categories = admitCategories(setup);
  const plan = categories === undefined ? undefined : planIrmosCategories(setup, categories, p.categoryPeriod);

  // Σ Q/P placed on each CPU so far: each group's cpuset goes where the least is reserved.
  const reserved = allCpus.map(() => 0);
  const reserve = (cpus: number[], runtime: number, period: number): number[] => {
    for (const c of cpus) reserved[c] += runtime / period;
    return cpus;
  };
  const place = (allowed: number[], count: number, runtime: number, period: number): number[] => reserve(leastReservedCpus(allowed, count, reserved), runtime, period);
  for (const v of vmus.filter((x) => x.vmu.sla)) {
    const sla = v.vmu.sla!;
    const width = Math.min(v.vmu.vcpus, v.vmu.affinity.length);
    const runtime = perCpuBudget(v.vmu, width);
    // Pinned vCPUs (pinVcpus, set only by models for VMUs they add) run on affinity[i mod n]: the
    // cpuset is those CPUs, where the least reserved ones could miss them (no server for a vCPU).
    const cpus = v.vmu.pinVcpus ? reserve([...new Set(v.vmu.affinity.slice(0, width))].sort((a, b) => a - b), runtime, sla.period) : place(v.vmu.affinity, width, runtime, sla.period);
    groups.push({ id: v.vmu.id, runtimeNs: runtime, periodNs: sla.period, cpus });
    pointers.set(v.vmu.id, `${v.pointer}/sla`);
    const chosen = cpus.length < v.vmu.affinity.length ? ` (${cpus.length} of its affinity ${cpuList(v.vmu.affinity)}, least reserved first)` : '';
    const shared = width < v.vmu.vcpus ? ` shared by ${v.vmu.vcpus} vCPUs` : '';
    mapping.push({
      entity: v.vmu.id,
      requested: slaText(sla, v.vmu.vcpus),
      native: `IRMOS cgroup ${v.vmu.id}: cpuset ${cpuList(cpus)}${chosen}; cpu.rt_runtime_us=${runtime / 1000} cpu.rt_period_us=${sla.period / 1000} ${cpus.length > 1 ? 'on each of them' : 'there'}${shared} (hard CBS: Q every P per CPU, ${round((cpus.length * runtime) / sla.period)} CPU in all); vCPU threads SCHED_FIFO ${v.vmu.hostPriority ?? VCPU_PRIORITY}${sla.reclaim === true ? '; sla.reclaim not applied: a hard CBS does not reclaim (linux-irmos.md §2.4)' : ''}`,
    });
  }
  for (const t of threads) {
    const pol = t.spec.policy;
    if (pol.class !== 'deadline') continue;
    // One thread, one server: a cpuset of one CPU delivers its runtime every period (as for a vCPU above).
    groups.push({ id: t.spec.id, runtimeNs: pol.runtime, periodNs: pol.period, cpus: place(t.spec.affinity, 1, pol.runtime, pol.period) });
    pointers.set(t.spec.id, `${t.pointer}/policy`);
  }

  if (plan !== undefined) {
    for (const g of plan.groups) {
      for (const c of g.cpus) reserved[c] += g.runtimeNs / g.periodNs;
      groups.push(g);
      pointers.set(g.id, `/hosts/${setup.scenario.hosts.indexOf(host)}/categories/${g.id}/share`);
    }
    mapping.push(...plan.rows);
  }

  // The root group's task reservation serves host FIFO/RR threads (§2.7). By default it takes what
  // the groups leave under the bound on the busiest CPU, over rootPeriod.
  const rootThreads = threads.filter((t) => t.spec.policy.class === 'fifo' || t.spec.policy.class === 'rr');
  if (rootThreads.length > 0 || p.rootRuntime !== undefined) {
    const busiest = Math.max(0, ...allCpus.map((c) => groups.filter((g) => g.cpus.includes(c)).reduce((a, g) => a + g.runtimeNs / g.periodNs, 0)));
    const runtime = p.rootRuntime ?? Math.max(0, Math.floor((p.admissionBound - busiest) * p.rootPeriod));
    groups.push({ id: ROOT_GROUP, runtimeNs: runtime, periodNs: p.rootPeriod, cpus: allCpus });
    pointers.set(ROOT_GROUP, setup.paramsPointer + pointerOf('rootRuntime'));
    mapping.push({
      entity: '(root group)',
      requested: `${rootThreads.length} host SCHED_FIFO/RR thread(s)`,
      native: `root cpu.rt_task_runtime_us=${runtime / 1000} cpu.rt_task_period_us=${p.rootPeriod / 1000} on each CPU`,
    });
  }

  // Admission (§2.8): per CPU, Σ Q/P of every reservation there ≤ bound, the root's counted.
  const reservations: Reservation[] = groups.flatMap((g) => g.cpus.map((cpu) => ({ id: g.id, cpu, runtime: g.runtimeNs, period: g.periodNs })));
  const verdict = perCpuAdmission(reservations, p.admissionBound, allCpus);
  if (!verdict.ok) {
    const v = verdict.firstViolation!;
    const last = v.members[v.members.length - 1];
    refuseAdmission(
      setup,
      pointers.get(last) ?? setup.paramsPointer,
      `IRMOS admission control on host ${host.id} pCPU ${v.cpu} (Σ Q/P ≤ ${p.admissionBound})`,
      `Σ Q/P = ${v.sum} from ${v.members.map((m) => (m === ROOT_GROUP ? '(root group)' : m)).join(', ')}`,
      'lower budgets, spread VMUs over more pCPUs (affinity), or raise the model parameter admissionBound',
    );
  }

  const irmos = new IrmosClass(ctx, { groups, migrateOnThrottle: p.migrateOnThrottle });
  // 2.6.33: sched_yield of a fair task is a plain re-pick (sched_compat_yield = 0), and the periodic
  // load balancer has that kernel's rules (kernel.ts).
  const era = kernelFeatures(IRMOS_KERNEL, scenario.file, setup.paramsPointer);
  const cfs = new CfsClass(ctx, { groups: [...bestEffortGroups(vmus), ...(plan?.fairGroups ?? [])], pick: 'cfs', yieldRule: era.fairYield, balance: era.fairBalance });
  for (const v of vmus) {
    for (const e of v.vcpus) {
      if (v.vmu.sla) irmos.admit(e, { priority: v.vmu.hostPriority ?? VCPU_PRIORITY, rr: false, group: v.vmu.id });
      else cfs.admit(e, { nice: 0, group: v.vmu.id });
    }
    if (!v.vmu.sla) mapping.push(bestEffortRow(v));
  }
  for (const t of threads) {
    const pol = t.spec.policy;
    let native: string;
    const category = plan?.place(t.spec);
    if (category !== undefined) {
      if (category.class === 'irmos') irmos.admit(t.entity, { priority: category.priority, rr: false, group: category.group });
      else cfs.admit(t.entity, { nice: pol.class === 'fair' ? pol.nice : 0, group: category.group });
      mapping.push({ entity: t.spec.id, requested: t.spec.ioThreadOf !== undefined ? `I/O thread of ${t.spec.ioThreadOf} (IXB work)` : category.group === 'ixb' ? 'the host\'s network stack for its OSD (IXB work)' : policyText(pol), native: `${category.native} on ${cpuList(t.spec.affinity)}` });
      continue;
    }
    const owner = t.spec.ioThreadOf === undefined ? undefined : vmus.find((v) => v.vmu.id === t.spec.ioThreadOf)!.vmu;
    if (owner !== undefined) {
      // A VMU's vhost/iothread (io-threads.ts), or its migration thread with `thread: inside`: in its
      // group above the vCPUs (§7.3), or outside under CFS.
      const inside = threadPlacement(t.spec, p.ioThreads) === 'inside';
      if (inside && owner.sla) {
        irmos.admit(t.entity, { priority: (owner.hostPriority ?? VCPU_PRIORITY) + 1, rr: false, group: owner.id });
        native = `SCHED_FIFO ${(owner.hostPriority ?? VCPU_PRIORITY) + 1} in IRMOS group ${owner.id}`;
      } else {
        cfs.admit(t.entity, { nice: 0, group: inside ? owner.id : undefined });
        native = inside ? `SCHED_OTHER in cgroup ${owner.id}` : 'SCHED_OTHER outside any reservation';
      }
      mapping.push({ entity: t.spec.id, requested: `${threadRole(t.spec)} of ${owner.id}`, native: `${native} on ${cpuList(t.spec.affinity)}` });
      continue;
    }
    if (pol.class === 'fifo' || pol.class === 'rr') {
      irmos.admit(t.entity, { priority: pol.priority, rr: pol.class === 'rr', group: ROOT_GROUP });
      native = `${policyText(pol)} in the root group's task reservation`;
    } else if (pol.class === 'deadline') {
      irmos.admit(t.entity, { priority: VCPU_PRIORITY, rr: false, group: t.spec.id });
      const cpus = groups.find((g) => g.id === t.spec.id)!.cpus;
      native = `own IRMOS reservation ${formatDuration(pol.runtime)} / ${formatDuration(pol.period)} with cpuset ${cpuList(cpus)} (no SCHED_DEADLINE in 2.6.3x)`;
    } else if (pol.class === 'fair') {
      cfs.admit(t.entity, { nice: pol.nice });
      native = policyText(pol);
    } else {
      throw new Error(`${t.spec.id}: SCHED_SPORADIC reached kvm-irmos, whose prepare() refuses it`);
    }
    mapping.push({ entity: t.spec.id, requested: policyText(pol), native: `host thread ${native} on ${cpuList(t.spec.affinity)}` });
  }

  return {
    classes: [irmos, cfs],
    mapping,
    changeSla(vmu, sla) {
      // The group keeps its cpuset; its per-CPU budget follows the new SLA as at build (perCpuBudget).
      const cpus = groups.find((g) => g.id === vmu.id)!.cpus;
      const runtime = perCpuBudget({ ...vmu, sla }, Math.min(vmu.vcpus, vmu.affinity.length));
      irmos.setGroupParams(vmu.id, runtime, sla.period);
      return `cgroup ${vmu.id}: cpu.rt_period_us=${sla.period / 1000} cpu.rt_runtime_us=${runtime / 1000} on ${cpuList(cpus)}`;
    },
    settings: { kernel: `${IRMOS_KERNEL}-irmos`, admissionBound: p.admissionBound, migrateOnThrottle: p.migrateOnThrottle },
    explain: irmosExplain(p.ioThreads as 'inside' | 'outside', migrationThreads(scenario), p.migrateOnThrottle, categories && { fixed: categories.ixb.fixed, periodNs: p.categoryPeriod }),
  };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export const kvmIrmos: HypervisorModel = {
  name: 'kvm-irmos',
  family: 'kvm',
  summary: 'KVM on the IRMOS Linux scheduler: per-CPU hard-CBS reservations, EDF among them, POSIX priorities inside, admission control',
  build: buildIrmos,
  prepare(setup) {
    readParams(IRMOS_PARAMS, setup.params, setup.scenario.file, setup.paramsPointer);
    refuseSporadicThreads(setup, 'kvm-irmos');
    return kvmPopulation(setup);
  },
  ioPath: (load, vmu, setup) => kvmIoPath(load, vmu, readParams(IRMOS_PARAMS, setup.params, setup.scenario.file, setup.paramsPointer)),
  packetPath: (vmu, setup) => kvmPacketPath(vmu, readParams(IRMOS_PARAMS, setup.params, setup.scenario.file, setup.paramsPointer)),
  hostPacketPath: kvmHostPacketPath,
};
