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
// Every model also takes `cpupools` (cpupools.ts): each extra pool gets its own instance of the
// scheduler it names, mapping its domains the same way; Pool-0 runs the model's scheduler.

import { admitCategories } from '../categories.js';
import type { HostBuild, HostSetup, HypervisorModel, PrepareSetup, SlaMappingRow } from '../../src/engine/model.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { SchedClass } from '../../src/engine/policy.js';
import { InputError, pointerOf } from '../../src/errors.js';
import type { Sla, VmuSpec } from '../../src/scenario/types.js';
import { formatDuration } from '../../src/scenario/units.js';
import { percent } from '../../src/scenario/categories.js';
import { readParams, type ParamSpec, type ParamValues } from '../params.js';
import { requireAtMost, requireParam, requireSlaWithin, type DurationRange } from '../limits.js';
import { cpuList, slaText } from '../describe.js';
import { vmusOnHost, type VmuOnHost } from '../population.js';
import { softStepMask } from './affinity.js';
import { confineToPools, poolOf, registerPoolScheduler, resolveCpupools, type Cpupool } from './cpupools.js';
import { CreditClass } from './credit.js';
import { creditFeatures } from './credit-version.js';
import { Credit2Class } from './credit2.js';
import { DOM0, isDom0, netbackOf, readXenParams, xenIoPath, xenHostPacketPath, xenPacketPath, xenPopulation, type Dom0Settings } from './dom0.js';
import { categoryBudget, categoryDomain, categoryPools, categoryWeight, ixbDomainRow, IXB_DOMAIN, requireCategoryBudget, xenCategoryRows, type CategoryDomain } from './xen-categories.js';
import { RTDS_MIN_BUDGET_NS, RTDS_MIN_PERIOD_NS, RtdsClass, type RtdsAdmitConfig } from './rtds.js';
import { creditExplain, credit2Explain, rtdsExplain, sedfExplain } from './explain.js';
import type { Explain } from '../../src/engine/phenomena.js';
import { SEDF_PERIOD_MAX_NS, SEDF_PERIOD_MIN_NS, SEDF_SLICE_MIN_NS, SedfClass, type SedfAdmitConfig } from './sedf.js';

// The toolstack's ranges (xen.md §0, §4, §5): what `xl sched-*` refuses is refused here, by field.
const SEDF_PERIOD: DurationRange = { min: SEDF_PERIOD_MIN_NS, max: SEDF_PERIOD_MAX_NS, source: 'Xen SEDF, xen.md §5' };
const SEDF_SLICE: DurationRange = { min: SEDF_SLICE_MIN_NS, source: 'Xen SEDF, xen.md §5' };
const RTDS_PERIOD: DurationRange = { min: RTDS_MIN_PERIOD_NS, source: 'Xen RTDS, xen.md §4' };
const RTDS_BUDGET: DurationRange = { min: RTDS_MIN_BUDGET_NS, source: 'Xen RTDS, xen.md §4' };
/** sched_credit_tslice_ms: whole milliseconds 1..1000 (xen.md §0). */
const CREDIT_TSLICE: DurationRange = { min: 1_000_000, max: 1_000_000_000, source: 'Xen Credit sched_credit_tslice_ms, xen.md §0' };
/** sched_ratelimit_us: 0 (off) or 100 µs..500 ms (xen.md §0). */
const RATELIMIT: DurationRange = { min: 100_000, max: 500_000_000, source: 'Xen sched_ratelimit_us: 0 or 100 µs..500 ms, xen.md §0' };

function requireRatelimit(setup: HostSetup, ratelimit: number): void {
  if (ratelimit !== 0) requireParam(setup, 'ratelimit', ratelimit, RATELIMIT);
}

const MAX_WEIGHT = 65535;

/** Credit-style weight and cap for a VMU. */
function proportionalShare(vmu: VmuSpec): { weight: number; cap: number } {
  if (!vmu.sla) return { weight: Math.max(1, Math.min(MAX_WEIGHT, Math.round(vmu.weight / 4))), cap: 0 };
  const u = vmu.sla.budget / vmu.sla.period;
  return { weight: Math.max(1, Math.min(MAX_WEIGHT, Math.round(1024 * u))), cap: Math.ceil(100 * u * vmu.vcpus) };
}

/** What one pool's scheduler instance needs: the host, its pCPUs, its domains, its parameters. */
export interface PoolSetup<P> {
  setup: HostSetup;
  pool: Cpupool;
  /** Every pool of the host (a category domain's settings depend on whether it has a pool of its own). */
  pools: Cpupool[];
  domains: VmuOnHost[];
  p: P;
}

/** One pool's scheduler instance, its SLA mapping rows and its native settings. */
export interface PoolBuild {
  cls: SchedClass;
  mapping: SlaMappingRow[];
  settings: Record<string, string | number | boolean>;
  /** A domain's new SLA written with the scheduler's xl command (HostBuild.changeSla); absent: not modelled. */
  changeSla?(v: VmuOnHost, sla: Sla): string;
}

/** dom0's settings plus the scheduler's own parameters, all validated together (unknown keys refused). */
type XenParams<S extends Record<string, ParamSpec>> = Dom0Settings & { dom0Weight: number } & ParamValues<S>;

/** A Xen scheduler: its own parameters and how it builds one pool (a new one: xenSchedulerModel()). */
export interface XenScheduler<S extends Record<string, ParamSpec>> {
  own: (cpus: number) => S;
  /**
   * Whether it reserves time per vCPU (sedf slice, rtds budget). Without (credit, credit2: weight
   * and cap only) a fixed category of whole pCPUs becomes a cpupool (xen-categories.ts).
   */
  reserves: boolean;
  buildPool(b: PoolSetup<XenParams<S>>): PoolBuild;
  /** The scheduler's rule behind each phenomenon, in the terms of its parameters (explain.ts). */
  explain(p: XenParams<S>): Explain;
}

function dom0Row(b: PoolSetup<Dom0Settings>, native: string): SlaMappingRow {
  const dom0 = b.setup.population.vmus.find(isDom0)!;
  const where = b.p.dom0Pin ? `vCPUs pinned 1:1 to ${cpuList(dom0.affinity)}` : `on ${cpuList(dom0.affinity)}`;
  return { entity: DOM0, requested: `${dom0.vcpus} vCPU(s), backends on vCPU${b.p.eventVcpu}`, native: `${native}, ${where}` };
}

/** A guest's mapping row; soft affinity shown where the scheduler honours it. */
function guestRow(v: VmuOnHost, native: string, honoursSoft: boolean, pool: readonly number[]): SlaMappingRow {
  const soft = v.vmu.softAffinity;
  let prefers = '';
  if (soft !== undefined) {
    const useful = v.vcpus.some((e) => softStepMask(e, pool) !== null);
    prefers = !honoursSoft ? ' (soft affinity ignored)' : useful ? `, prefers ${cpuList(soft)}` : ' (soft affinity has no effect here)';
  }
  // sla.reclaim is kvm-deadline's SCHED_FLAG_RECLAIM: a Xen scheduler keeps its own rule (extratime, caps).
  const reclaim = v.vmu.sla?.reclaim === true ? '; sla.reclaim not applied: the scheduler\'s own rule for spare time holds (extratime, weights and caps)' : '';
  return { entity: v.vmu.id, requested: slaText(v.vmu.sla, v.vmu.vcpus), native: `${native} on ${cpuList(v.vmu.affinity)}${prefers}${reclaim}` };
}

/** A domain's row: dom0's, the IXB driver domain's, or a guest's. */
function domainRow(b: PoolSetup<Dom0Settings>, v: VmuOnHost, native: string, honoursSoft: boolean): SlaMappingRow {
  if (isDom0(v.vmu)) return dom0Row(b, native);
  if (v.vmu.id === IXB_DOMAIN && b.setup.host.categories !== undefined) return ixbDomainRow(v.vmu, native);
  return guestRow(v, native, honoursSoft, b.pool.cpus);
}

function proportionalPool(b: PoolSetup<Dom0Settings & { dom0Weight: number }>, cls: CreditClass | Credit2Class, label: string, honoursSoft: boolean): SlaMappingRow[] {
  return b.domains.map((v) => {
    // A category domain (xen-categories.ts): weight ∝ its portion, no cap, so it keeps every idle cycle.
    const category = categoryDomain(b.setup, v.vmu, b.pools);
    const { weight, cap } = category ? { weight: categoryWeight(category), cap: 0 } : isDom0(v.vmu) ? { weight: b.p.dom0Weight, cap: b.p.dom0Cap } : proportionalShare(v.vmu);
    for (const e of v.vcpus) cls.admit(e, { domain: v.vmu.id, weight, cap });
    const native = `${label} weight=${weight}${cap > 0 ? ` cap=${cap}` : ' no cap'}${category ? ` (${percent(category.category.share)} of ${b.setup.host.cpus} pCPU)` : ''}`;
    return domainRow(b, v, native, honoursSoft);
  });
}

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

const credit: XenScheduler<ReturnType<typeof creditOwn>> = {
  own: creditOwn,
  reserves: false,
  explain: (p) => creditExplain(p.tslice, creditFeatures(p.xenVersion), p.xenVersion, p.dom0Weight),
  buildPool(b) {
    const { p, setup } = b;
    requireParam(setup, 'tslice', p.tslice, CREDIT_TSLICE);
    if (p.tslice % 1_000_000 !== 0) requireParam(setup, 'tslice', p.tslice, { min: Infinity, source: 'Xen Credit takes whole milliseconds (sched_credit_tslice_ms), xen.md §0' });
    const features = creditFeatures(p.xenVersion);
    if (features.ratelimit) {
      // Before 4.2 there is no rate limit: the value is ignored, as CreditClass does.
      requireRatelimit(setup, p.ratelimit);
      requireAtMost(setup, 'ratelimit', p.ratelimit, 'tslice', p.tslice, 'xen.md §0: the rate limit must be ≤ the credit timeslice');
    }
    if (p.tslice !== 30_000_000 && !features.configurableTslice) {
      throw new InputError({ file: setup.scenario.file, pointer: setup.paramsPointer + pointerOf('tslice'), expected: `30ms: Xen ${p.xenVersion} has a fixed timeslice (sched_credit_tslice_ms came in 4.2)`, found: formatDuration(p.tslice) });
    }
    const cls = new CreditClass(b.setup.ctx, { tsliceNs: p.tslice, ratelimitNs: p.ratelimit, xenVersion: p.xenVersion, pool: b.pool.cpus });
    const mapping = proportionalPool(b, cls, 'credit', cls.features.softAffinity);
    const changeSla = (v: VmuOnHost, sla: Sla): string => {
      const { weight, cap } = proportionalShare({ ...v.vmu, sla });
      cls.setDomain(v.vmu.id, weight, cap);
      return `xl sched-credit -d ${v.vmu.id} -w ${weight} -c ${cap}`;
    };
    return { cls, mapping, settings: { xenVersion: p.xenVersion, tslice: formatDuration(p.tslice), ratelimit: formatDuration(p.ratelimit) }, changeSla };
  },
};

function creditOwn(_cpus: number) {
  return {
    xenVersion: {
      type: 'string',
      default: '4.19',
      doc: 'Xen version whose Credit behaviour to model ("3.4": pre-4.0 sampled accounting, as the IRMOS-era papers saw it)',
      pattern: /^\d+\.(\d+|x)(\.\d+)?$/,
      patternDoc: 'a Xen version such as "3.4", "4.19", "3.0.4" or "3.x"',
    },
    tslice: { type: 'duration', default: 30_000_000, min: 1_000_000, doc: 'sched_credit_tslice_ms (accounting period; tick = tslice/3)' },
    ratelimit: { type: 'duration', default: 1_000_000, doc: 'sched_ratelimit_us (0 disables)' },
  } satisfies Record<string, ParamSpec>;
}

const credit2: XenScheduler<ReturnType<typeof credit2Own>> = {
  own: credit2Own,
  reserves: false,
  explain: (p) => credit2Explain(p.dom0Weight),
  buildPool(b) {
    requireRatelimit(b.setup, b.p.ratelimit);
    const cls = new Credit2Class(b.setup.ctx, { ratelimitNs: b.p.ratelimit, pool: b.pool.cpus });
    const changeSla = (v: VmuOnHost, sla: Sla): string => {
      const { weight, cap } = proportionalShare({ ...v.vmu, sla });
      cls.setDomain(v.vmu.id, weight, cap);
      return `xl sched-credit2 -d ${v.vmu.id} -w ${weight} -c ${cap}`;
    };
    return { cls, mapping: proportionalPool(b, cls, 'credit2', true), settings: { ratelimit: formatDuration(b.p.ratelimit) }, changeSla };
  },
};

function credit2Own(_cpus: number) {
  return { ratelimit: { type: 'duration', default: 1_000_000, doc: 'sched_ratelimit_us (0 disables)' } } satisfies Record<string, ParamSpec>;
}

/** A reservation scheduler's native parameters for each kind of domain, and how they read. */
export interface ReservationRules<C> {
  dom0: { cfg: C; native: string };
  /** dom0 (framework) and the IXB driver domain on a host with CPU categories (xen-categories.ts). */
  category(d: CategoryDomain): { cfg: C; native: string };
  reserved(budget: number, period: number): { cfg: C; native: string };
  bestEffort(v: VmuOnHost): { cfg: C; native: string };
}

/** SEDF and RTDS map dom0, reserved and best-effort domains alike: one admission per vCPU, one row per domain. */
export function reservationPool<C>(b: PoolSetup<Dom0Settings>, admit: (e: HostEntity, cfg: C) => void, rules: ReservationRules<C>): SlaMappingRow[] {
  return b.domains.map((v): SlaMappingRow => {
    const category = categoryDomain(b.setup, v.vmu, b.pools);
    const rule = category ? rules.category(category) : isDom0(v.vmu) ? rules.dom0 : v.vmu.sla ? rules.reserved(v.vmu.sla.budget, v.vmu.sla.period) : rules.bestEffort(v);
    for (const e of v.vcpus) admit(e, rule.cfg);
    return domainRow(b, v, rule.native, false);
  });
}

const sedf: XenScheduler<ReturnType<typeof sedfOwn>> = {
  own: sedfOwn,
  reserves: true,
  explain: (p) => sedfExplain(p.dom0Slice, p.dom0Period),
  buildPool(b) {
    const { setup, p } = b;
    checkWithin(setup, p.dom0Slice, p.dom0Period, 'dom0Slice', 'dom0 slice');
    requireParam(setup, 'dom0Period', p.dom0Period, SEDF_PERIOD);
    requireParam(setup, 'dom0Slice', p.dom0Slice, SEDF_SLICE);
    requireSlaWithin(setup, b.domains, SEDF_SLICE, SEDF_PERIOD);
    const cls = new SedfClass(setup.ctx, { pool: b.pool.cpus });
    const mapping = reservationPool(b, (e, cfg: SedfAdmitConfig) => cls.admit(e, cfg), {
      dom0: { cfg: { periodNs: p.dom0Period, sliceNs: p.dom0Slice, extratime: true }, native: `sedf period=${formatDuration(p.dom0Period)} slice=${formatDuration(p.dom0Slice)} extratime` },
      reserved: (budget, period) => ({ cfg: { periodNs: period, sliceNs: budget, extratime: false }, native: `sedf period=${formatDuration(period)} slice=${formatDuration(budget)} per vCPU, no extratime,` }),
      bestEffort: (v) => ({ cfg: { periodNs: 100_000_000, sliceNs: 0, extratime: true, weight: Math.max(1, Math.round(v.vmu.weight / 1024)) }, native: 'sedf slice 0, extratime only (best effort)' }),
      // A fixed category: its portion as a slice with extratime (it also runs in idle time, xen.md §5
      // L1); one left to the scheduler: slice 0, extratime only, extraweight ∝ its portion (L1 score
      // 2^17 / extraweight, so idle time divides ∝ portions).
      category: (d) => {
        if (!d.category.fixed) {
          const weight = Math.max(1, Math.round(100 * d.perVcpu));
          return { cfg: { periodNs: 100_000_000, sliceNs: 0, extratime: true, weight }, native: `sedf slice 0, extratime weight=${weight} (idle time only)` };
        }
        const slice = categoryBudget(d, p.categoryPeriod);
        requireCategoryBudget(setup, d, slice, SEDF_SLICE_MIN_NS, 'Xen SEDF, xen.md §5');
        return { cfg: { periodNs: p.categoryPeriod, sliceNs: slice, extratime: true }, native: `sedf period=${formatDuration(p.categoryPeriod)} slice=${formatDuration(slice)} per vCPU, extratime` };
      },
    });
    // Where sedf_pick_cpu put each vCPU (sedf.ts): the guarantee is per pCPU (xen.md §5), so the row
    // names the placement and the overload check sums what was placed, not the affinity's average.
    for (let i = 0; i < b.domains.length; i++) {
      const v = b.domains[i];
      if (isDom0(v.vmu)) continue;
      mapping[i].native += `; placed ${v.vcpus.map((e, k) => `vCPU${k} on pCPU ${cls.homeCpu(e)}`).join(', ')}`;
    }
    const overloaded = overloadNote(setup, b.pools, p.categoryPeriod, b.domains, (e) => cls.homeCpu(e));
    const changeSla = (v: VmuOnHost, sla: Sla): string => {
      for (const e of v.vcpus) cls.setParams(e, sla.period, sla.budget);
      return `xl sched-sedf -d ${v.vmu.id} -p ${sla.period / 1e6} -s ${sla.budget / 1e6}`;
    };
    return { cls, mapping, settings: { dom0: `${formatDuration(p.dom0Slice)} / ${formatDuration(p.dom0Period)}`, ...(overloaded ? { overload: overloaded } : {}) }, changeSla };
  },
};

function sedfOwn(_cpus: number) {
  return {
    dom0Period: { type: 'duration', default: 20_000_000, min: 1, doc: "dom0's SEDF period (20 ms in Xen 3.0–4.1)" },
    dom0Slice: { type: 'duration', default: 15_000_000, doc: "dom0's SEDF slice (15 ms)" },
  } satisfies Record<string, ParamSpec>;
}

const rtds: XenScheduler<ReturnType<typeof rtdsOwn>> = {
  own: rtdsOwn,
  reserves: true,
  explain: (p) => rtdsExplain(p.dom0Budget, p.dom0Period),
  buildPool(b) {
    const { setup, p } = b;
    checkWithin(setup, p.dom0Budget, p.dom0Period, 'dom0Budget', 'dom0 budget');
    requireParam(setup, 'dom0Period', p.dom0Period, RTDS_PERIOD);
    requireParam(setup, 'dom0Budget', p.dom0Budget, RTDS_BUDGET);
    requireSlaWithin(setup, b.domains, RTDS_BUDGET, RTDS_PERIOD);
    const cls = new RtdsClass(setup.ctx, { pool: b.pool.cpus });
    const mapping = reservationPool(b, (e, cfg: RtdsAdmitConfig) => cls.admit(e, cfg), {
      dom0: { cfg: { budgetNs: p.dom0Budget, periodNs: p.dom0Period, extratime: true }, native: `rtds budget=${formatDuration(p.dom0Budget)} period=${formatDuration(p.dom0Period)} extratime` },
      reserved: (budget, period) => ({ cfg: { budgetNs: budget, periodNs: period, extratime: false }, native: `rtds budget=${formatDuration(budget)} period=${formatDuration(period)} per vCPU, extratime off,` }),
      bestEffort: () => ({ cfg: { budgetNs: 4_000_000, periodNs: 10_000_000, extratime: true }, native: 'rtds default budget=4 ms period=10 ms, extratime,' }),
      // RTDS has no weights, only budgets (xen.md §4): a category gets its portion as a budget either
      // way, with extratime so it also takes slack (levels ≥ 1, EDF order).
      category: (d) => {
        const budget = categoryBudget(d, p.categoryPeriod);
        requireCategoryBudget(setup, d, budget, RTDS_MIN_BUDGET_NS, 'Xen RTDS, xen.md §4');
        const note = d.category.fixed ? '' : ' (RTDS has no weights: the portion is reserved in effect)';
        return { cfg: { budgetNs: budget, periodNs: p.categoryPeriod, extratime: true }, native: `rtds budget=${formatDuration(budget)} period=${formatDuration(p.categoryPeriod)} per vCPU, extratime${note}` };
      },
    });
    const changeSla = (v: VmuOnHost, sla: Sla): string => {
      for (const e of v.vcpus) cls.setParams(e, sla.budget, sla.period);
      return `xl sched-rtds -d ${v.vmu.id} -p ${sla.period / 1000} -b ${sla.budget / 1000}`;
    };
    return { cls, mapping, settings: { dom0: `${formatDuration(p.dom0Budget)} / ${formatDuration(p.dom0Period)}` }, changeSla };
  },
};

function rtdsOwn(_cpus: number) {
  return {
    dom0Budget: { type: 'duration', default: 4_000_000, doc: "dom0's RTDS budget (RTDS default 4 ms)" },
    dom0Period: { type: 'duration', default: 10_000_000, min: 1, doc: "dom0's RTDS period (RTDS default 10 ms)" },
  } satisfies Record<string, ParamSpec>;
}

/**
 * The schedulers of the registry's Xen models by their Xen name (what a cpupool's `scheduler` says).
 * The table erases each scheduler's parameter type; buildPool gets what own() read.
 */
const SCHEDULERS = new Map<string, XenScheduler<Record<string, ParamSpec>>>();

/**
 * A Xen model around `own`, dom0 and cpupools included: a new Xen scheduler is its class file
 * exporting `xenSchedulerModel(…)` plus its line in the registry (models/index.ts); cpupools may
 * then name it by `label` as well.
 */
export function xenSchedulerModel<S extends Record<string, ParamSpec>>(name: string, summary: string, scheduler: XenScheduler<S>, label = name): HypervisorModel {
  const own = scheduler as unknown as XenScheduler<Record<string, ParamSpec>>;
  SCHEDULERS.set(label, own);
  registerPoolScheduler(label);
  const read = (setup: PrepareSetup) => readXenParams(own.own, setup) as unknown as XenParams<Record<string, ParamSpec>>;
  return {
    name,
    family: 'xen',
    summary,
    prepare: (setup) => {
      refuseOverriddenDom0Params(setup);
      const p = read(setup);
      const pools = hostPools(setup, p, own, label);
      return confineToPools(setup, xenPopulation(setup, p, pools), pools);
    },
    ioPath: (load, vmu, setup) => xenIoPath(load, read(setup), netbackOf(setup, vmu)),
    packetPath: (vmu, setup) => xenPacketPath(read(setup), netbackOf(setup, vmu)),
    hostPacketPath: (setup) => xenHostPacketPath(setup, read(setup)),
    build: (setup) => buildPools(setup, read(setup), own, label),
  };
}

/** dom0's own share settings, which a host's framework category replaces (xen-categories.ts). */
const DOM0_SHARE_PARAMS = ['dom0Weight', 'dom0Cap', 'dom0Slice', 'dom0Budget'] as const;

/**
 * Refuses a dom0 share setting that would be silently ignored: on a host with CPU categories the
 * framework portion gives dom0 its share, so a setting is only honoured on hosts without them.
 */
function refuseOverriddenDom0Params(setup: PrepareSetup): void {
  const hosts = setup.scenario.hosts;
  if (!hosts.every((h) => h.categories !== undefined)) return;
  const given = DOM0_SHARE_PARAMS.find((k) => setup.params[k] !== undefined);
  if (given === undefined) return;
  throw new InputError({
    file: setup.scenario.file,
    pointer: setup.paramsPointer + pointerOf(given),
    expected: `no ${given}: every host declares CPU categories, whose framework portion sets dom0's share`,
    found: String(setup.params[given]),
    hint: `set the framework portion in ${pointerOf('hosts', 0, 'categories')} instead`,
  });
}

/** The host's pools: those its CPU categories make (xen-categories.ts), else the `cpupools` parameter's. */
function hostPools(setup: PrepareSetup, p: XenParams<Record<string, ParamSpec>>, sched: XenScheduler<Record<string, ParamSpec>>, scheduler: string): Cpupool[] {
  return categoryPools(setup, scheduler, sched.reserves, p.cpupools) ?? resolveCpupools(setup, p.cpupools);
}

/** Pool-0 with the model's scheduler and parameters, then each cpupool with its own. */
function buildPools(setup: HostSetup, p: XenParams<Record<string, ParamSpec>>, main: XenScheduler<Record<string, ParamSpec>>, scheduler: string): HostBuild {
  const pools = hostPools(setup, p, main, scheduler);
  const onHost = vmusOnHost(setup);
  const classes: SchedClass[] = [];
  const mapping: SlaMappingRow[] = [];
  const changers = new Map<string, (sla: Sla) => string>();
  let renegotiable = true;
  let settings: HostBuild['settings'] = {};
  // Host CPU categories (seed figure 6): the VMUs' admission into theirs here; the IXB driver
  // domain, dom0's framework portion and the category pools are set by each pool's scheduler
  // (xen-categories.ts), and the category rows say what each category became.
  const categories = admitCategories(setup);
  for (const pool of pools) {
    const domains = onHost.filter((v) => poolOf(pools, v.vmu.id) === pool);
    const sched = pool.param === null ? main : SCHEDULERS.get(pool.param.scheduler)!;
    // An extra pool reads its scheduler's own parameters from its entry (dom0's stay Pool-0's).
    const params = pool.param === null ? p : { ...p, ...readParams(sched.own(setup.host.cpus), pool.param.params, setup.scenario.file, pool.param.pointer + '/params') };
    // Limits found in an extra pool's parameters name that pool's entry.
    const poolSetup = pool.param === null ? setup : { ...setup, paramsPointer: pool.param.pointer + '/params' };
    const built = sched.buildPool({ setup: poolSetup, pool, pools, domains, p: params });
    classes.push(built.cls);
    if (built.changeSla === undefined) renegotiable = false;
    else for (const v of domains) changers.set(v.vmu.id, (sla) => built.changeSla!(v, sla));
    if (pools.length === 1) {
      mapping.push(...built.mapping);
      settings = built.settings;
      continue;
    }
    const where = `${pool.name}: ${pool.param?.scheduler ?? scheduler} on ${cpuList(pool.cpus)}`;
    mapping.push(...built.mapping.map((row) => ({ ...row, native: `${row.native} [${where}]` })));
    if (pool.param === null) settings = { ...settings, ...built.settings };
    else for (const [k, v] of Object.entries(built.settings)) settings[`${pool.name}.${k}`] = v;
    settings[`cpupool ${pool.name}`] = `${pool.param?.scheduler ?? scheduler} on ${cpuList(pool.cpus)}${domains.length > 0 ? `: ${domains.map((d) => d.vmu.id).join(', ')}` : ', no domain'}`;
  }
  if (categories !== undefined) mapping.unshift(...xenCategoryRows(setup, categories, pools, mapping, scheduler, main.reserves));
  // The model's rules are Pool-0's scheduler's: the scheduler the model is named after.
  return { classes, mapping, settings, explain: main.explain(p), ...(renegotiable && { changeSla: (vmu: VmuSpec, sla: Sla) => changers.get(vmu.id)!(sla) }) };
}

export const xenCredit = xenSchedulerModel('xen-credit', 'Xen Credit (credit1): weights and caps, 30 ms slices, BOOST/UNDER/OVER, dom0 beside the guests', credit, 'credit');

export const xenCredit2 = xenSchedulerModel('xen-credit2', 'Xen Credit2 (default since 4.12): weighted credit burn, dynamic 0.5–10 ms slices, caps by budget', credit2, 'credit2');

export const xenSedf = xenSchedulerModel('xen-sedf', 'Xen SEDF (3.0–4.5): per-vCPU slice/period EDF, extratime, no load balancing, no admission control', sedf, 'sedf');

export const xenRtds = xenSchedulerModel('xen-rtds', 'Xen RTDS: per-vCPU budget/period, global EDF, deferrable servers on the period grid, extratime', rtds, 'rtds');

/** SEDF has no admission control (xen.md §5): an overloaded configuration is reported, not refused. */
function overloadNote(setup: HostSetup, pools: Cpupool[], periodNs: number, domains: VmuOnHost[], homeCpu: (e: HostEntity) => number): string | undefined {
  const perCpu = new Map<number, number>();
  for (const v of domains) {
    // dom0's default 75 % per vCPU would flag every host (xen.md §5); a category domain's slice counts.
    const category = categoryDomain(setup, v.vmu, pools);
    if (category === undefined && (!v.vmu.sla || isDom0(v.vmu))) continue;
    const share = category ? (category.category.fixed ? categoryBudget(category, periodNs) / periodNs : 0) : v.vmu.sla!.budget / v.vmu.sla!.period;
    for (const e of v.vcpus) perCpu.set(homeCpu(e), (perCpu.get(homeCpu(e)) ?? 0) + share);
  }
  const over = [...perCpu].filter(([, u]) => u > 1 + 1e-9).map(([c, u]) => `pCPU ${c} at ${(u * 100).toFixed(1)} %`);
  return over.length > 0 ? `reservations exceed the CPU (${over.join(', ')}); SEDF has no admission control` : undefined;
}
