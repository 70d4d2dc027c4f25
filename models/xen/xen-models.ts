// The Xen models: one hypervisor scheduler each (the only scheduling class on the PH), dom0 as a
// domain beside the guests (dom0.ts), and the mapping of each VMU's SLA to the scheduler's native
// parameters (DESIGN.md "Hypervisor models"):
// - xen-credit / xen-credit2: weight ∝ utilisation (1024 × budget/period: 256, the default weight,
//   stands for a quarter of a CPU) and cap = utilisation × 100 % × vCPUs; best-effort VMUs keep
//   weight/4 (the scenario's cgroup-style 1024 = Xen's 256) and no cap.
// - xen-sedf: slice = budget, period = period, no extratime (a hard reservation); best-effort
//   VMUs run on extratime only; dom0 gets its historical 15 ms every 20 ms (xen.md §5).
// - xen-rtds: budget/period per vCPU, extratime off for reserved VMUs; best-effort VMUs and dom0
//   the RTDS default 4 ms / 10 ms with extratime (xen.md §4).

import type { HostBuild, HostSetup, HypervisorModel, PrepareSetup, SlaMappingRow } from '../../src/engine/model.js';
import { InputError, pointerOf } from '../../src/errors.js';
import type { VmuSpec } from '../../src/scenario/types.js';
import { formatDuration } from '../../src/scenario/units.js';
import type { ParamSpec, ParamValues } from '../params.js';
import { cpuList, slaText } from '../kvm/common.js';
import { vmusOnHost } from '../population.js';
import { CreditClass } from './credit.js';
import { Credit2Class } from './credit2.js';
import { DOM0, isDom0, readXenParams, xenIoPath, xenPopulation, type Dom0Settings } from './dom0.js';
import { RtdsClass } from './rtds.js';
import { SedfClass } from './sedf.js';

const MAX_WEIGHT = 65535;

/** Credit-style weight and cap for a VMU. */
function proportionalShare(vmu: VmuSpec): { weight: number; cap: number } {
  if (!vmu.sla) return { weight: Math.max(1, Math.min(MAX_WEIGHT, Math.round(vmu.weight / 4))), cap: 0 };
  const u = vmu.sla.budget / vmu.sla.period;
  return { weight: Math.max(1, Math.min(MAX_WEIGHT, Math.round(1024 * u))), cap: Math.ceil(100 * u * vmu.vcpus) };
}

function dom0Row(setup: HostSetup, native: string, p: Dom0Settings): SlaMappingRow {
  const dom0 = setup.population.vmus.find(isDom0)!;
  const where = p.dom0Pin ? `vCPUs pinned 1:1 to ${cpuList(dom0.affinity)}` : `on ${cpuList(dom0.affinity)}`;
  return { entity: DOM0, requested: `${dom0.vcpus} vCPU(s), backends on vCPU${p.eventVcpu}`, native: `${native}, ${where}` };
}

type ShareClass = CreditClass | Credit2Class;

function buildProportional(setup: HostSetup, cls: ShareClass, p: Dom0Settings & { dom0Weight: number }, label: string): SlaMappingRow[] {
  const mapping: SlaMappingRow[] = [];
  for (const v of vmusOnHost(setup)) {
    const { weight, cap } = isDom0(v.vmu) ? { weight: p.dom0Weight, cap: p.dom0Cap } : proportionalShare(v.vmu);
    for (const e of v.vcpus) cls.admit(e, { domain: v.vmu.id, weight, cap });
    const native = `${label} weight=${weight}${cap > 0 ? ` cap=${cap}` : ' no cap'}`;
    if (isDom0(v.vmu)) mapping.push(dom0Row(setup, native, p));
    else mapping.push({ entity: v.vmu.id, requested: slaText(v.vmu.sla, v.vmu.vcpus), native: `${native} on ${cpuList(v.vmu.affinity)}` });
  }
  return mapping;
}

const creditParams = (_cpus: number) =>
  ({
    xenVersion: {
      type: 'string',
      default: '4.19',
      doc: 'Xen version whose Credit behaviour to model ("3.4": pre-4.0 sampled accounting, as the IRMOS-era papers saw it)',
      pattern: /^\d+\.\d+/,
      patternDoc: 'a Xen version such as "3.4" or "4.19"',
    },
    tslice: { type: 'duration', default: 30_000_000, min: 1_000_000, doc: 'sched_credit_tslice_ms (accounting period; tick = tslice/3)' },
    ratelimit: { type: 'duration', default: 1_000_000, doc: 'sched_ratelimit_us (0 disables)' },
  }) satisfies Record<string, ParamSpec>;

const credit2Params = (_cpus: number) =>
  ({ ratelimit: { type: 'duration', default: 1_000_000, doc: 'sched_ratelimit_us (0 disables)' } }) satisfies Record<string, ParamSpec>;

const sedfParams = (_cpus: number) =>
  ({
    dom0Period: { type: 'duration', default: 20_000_000, min: 1, doc: "dom0's SEDF period (20 ms in Xen 3.0–4.1)" },
    dom0Slice: { type: 'duration', default: 15_000_000, doc: "dom0's SEDF slice (15 ms)" },
  }) satisfies Record<string, ParamSpec>;

const rtdsParams = (_cpus: number) =>
  ({
    dom0Budget: { type: 'duration', default: 4_000_000, doc: "dom0's RTDS budget (RTDS default 4 ms)" },
    dom0Period: { type: 'duration', default: 10_000_000, min: 1, doc: "dom0's RTDS period (RTDS default 10 ms)" },
  }) satisfies Record<string, ParamSpec>;

/** A budget or slice above its period is refused, as the toolstack does. */
function checkWithin(setup: HostSetup, budget: number, period: number, key: string, what: string): void {
  if (budget > period) {
    throw new InputError({
      file: setup.scenario.file,
      pointer: setup.paramsPointer + pointerOf(key),
      expected: `a ${what} no longer than the period (${formatDuration(period)})`,
      found: formatDuration(budget),
    });
  }
}

/** dom0's settings plus the scheduler's own parameters, all validated together (unknown keys refused). */
type XenParams<S extends Record<string, ParamSpec>> = Dom0Settings & { dom0Weight: number } & ParamValues<S>;

function xenModel<S extends Record<string, ParamSpec>>(
  name: string,
  summary: string,
  own: (cpus: number) => S,
  build: (setup: HostSetup, p: XenParams<S>) => HostBuild,
): HypervisorModel {
  const read = (setup: PrepareSetup) => readXenParams(own, setup) as unknown as XenParams<S>;
  return {
    name,
    family: 'xen',
    summary,
    prepare: (setup) => xenPopulation(setup, read(setup)),
    ioPath: (load, _vmu, setup) => xenIoPath(load, read(setup)),
    build: (setup) => build(setup, read(setup)),
  };
}

export const xenCredit = xenModel(
  'xen-credit',
  'Xen Credit (credit1): weights and caps, 30 ms slices, BOOST/UNDER/OVER, dom0 beside the guests',
  creditParams,
  (setup, p) => {
    const cls = new CreditClass(setup.ctx, { tsliceNs: p.tslice, ratelimitNs: p.ratelimit, xenVersion: p.xenVersion, cpus: setup.host.cpus });
    const mapping = buildProportional(setup, cls, p, 'credit');
    return { classes: [cls], mapping, settings: { xenVersion: p.xenVersion, tslice: formatDuration(p.tslice), ratelimit: formatDuration(p.ratelimit) } };
  },
);

export const xenCredit2 = xenModel(
  'xen-credit2',
  'Xen Credit2 (default since 4.12): weighted credit burn, dynamic 0.5–10 ms slices, caps by budget',
  credit2Params,
  (setup, p) => {
    const cls = new Credit2Class(setup.ctx, { ratelimitNs: p.ratelimit });
    const mapping = buildProportional(setup, cls, p, 'credit2');
    return { classes: [cls], mapping, settings: { ratelimit: formatDuration(p.ratelimit) } };
  },
);

export const xenSedf = xenModel(
  'xen-sedf',
  'Xen SEDF (3.0–4.5): per-vCPU slice/period EDF, extratime, no load balancing, no admission control',
  sedfParams,
  (setup, p) => {
    checkWithin(setup, p.dom0Slice, p.dom0Period, 'dom0Slice', 'dom0 slice');
    const cls = new SedfClass(setup.ctx, {});
    const mapping: SlaMappingRow[] = [];
    for (const v of vmusOnHost(setup)) {
      if (isDom0(v.vmu)) {
        for (const e of v.vcpus) cls.admit(e, { periodNs: p.dom0Period, sliceNs: p.dom0Slice, extratime: true });
        mapping.push(dom0Row(setup, `sedf period=${formatDuration(p.dom0Period)} slice=${formatDuration(p.dom0Slice)} extratime`, p));
      } else if (v.vmu.sla) {
        const { budget, period } = v.vmu.sla;
        for (const e of v.vcpus) cls.admit(e, { periodNs: period, sliceNs: budget, extratime: false });
        mapping.push({ entity: v.vmu.id, requested: slaText(v.vmu.sla, v.vmu.vcpus), native: `sedf period=${formatDuration(period)} slice=${formatDuration(budget)} per vCPU, no extratime, on ${cpuList(v.vmu.affinity)}` });
      } else {
        for (const e of v.vcpus) cls.admit(e, { periodNs: 100_000_000, sliceNs: 0, extratime: true, weight: Math.max(1, Math.round(v.vmu.weight / 1024)) });
        mapping.push({ entity: v.vmu.id, requested: slaText(undefined), native: `sedf slice 0, extratime only (best effort) on ${cpuList(v.vmu.affinity)}` });
      }
    }
    const overloaded = overloadNote(setup);
    return { classes: [cls], mapping, settings: { dom0: `${formatDuration(p.dom0Slice)} / ${formatDuration(p.dom0Period)}`, ...(overloaded ? { overload: overloaded } : {}) } };
  },
);

export const xenRtds = xenModel(
  'xen-rtds',
  'Xen RTDS: per-vCPU budget/period, global EDF, deferrable servers on the period grid, extratime',
  rtdsParams,
  (setup, p) => {
    checkWithin(setup, p.dom0Budget, p.dom0Period, 'dom0Budget', 'dom0 budget');
    const cls = new RtdsClass(setup.ctx);
    const mapping: SlaMappingRow[] = [];
    for (const v of vmusOnHost(setup)) {
      if (isDom0(v.vmu)) {
        for (const e of v.vcpus) cls.admit(e, { budgetNs: p.dom0Budget, periodNs: p.dom0Period, extratime: true });
        mapping.push(dom0Row(setup, `rtds budget=${formatDuration(p.dom0Budget)} period=${formatDuration(p.dom0Period)} extratime`, p));
      } else if (v.vmu.sla) {
        const { budget, period } = v.vmu.sla;
        for (const e of v.vcpus) cls.admit(e, { budgetNs: budget, periodNs: period, extratime: false });
        mapping.push({ entity: v.vmu.id, requested: slaText(v.vmu.sla, v.vmu.vcpus), native: `rtds budget=${formatDuration(budget)} period=${formatDuration(period)} per vCPU, extratime off, on ${cpuList(v.vmu.affinity)}` });
      } else {
        for (const e of v.vcpus) cls.admit(e, { budgetNs: 4_000_000, periodNs: 10_000_000, extratime: true });
        mapping.push({ entity: v.vmu.id, requested: slaText(undefined), native: `rtds default budget=4 ms period=10 ms, extratime, on ${cpuList(v.vmu.affinity)}` });
      }
    }
    return { classes: [cls], mapping, settings: { dom0: `${formatDuration(p.dom0Budget)} / ${formatDuration(p.dom0Period)}` } };
  },
);

/** SEDF has no admission control (xen.md §5): an overloaded configuration is reported, not refused. */
function overloadNote(setup: HostSetup): string | undefined {
  const perCpu = new Map<number, number>();
  for (const v of vmusOnHost(setup)) {
    if (!v.vmu.sla || isDom0(v.vmu)) continue;
    const share = (v.vmu.sla.budget / v.vmu.sla.period) * v.vmu.vcpus / v.vmu.affinity.length;
    for (const c of v.vmu.affinity) perCpu.set(c, (perCpu.get(c) ?? 0) + share);
  }
  const over = [...perCpu].filter(([, u]) => u > 1 + 1e-9).map(([c, u]) => `pCPU ${c} at ${(u * 100).toFixed(1)} %`);
  return over.length > 0 ? `reservations exceed the CPU (${over.join(', ')}); SEDF has no admission control` : undefined;
}
