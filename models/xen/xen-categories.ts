// CPU categories per PH role under the Xen models (issue 11; seed §4, figures 6–10): what Xen
// offers for each category, per scheduler.
//
// - IXB real-time: a network driver domain `ixb` that runs netback for every vif on the host
//   (xl's vif `backend=` names the backend domain, dom0 by default: xen docs/man/
//   xl-network-configuration.5.pod "backend"; backends run in dom0 or a driver domain, xen.md §7.1).
//   So the IXB work has a domain of its own, which the hypervisor scheduler can reserve for:
//   · sedf: slice = its portion of P per vCPU, period P, extratime on (xen.md §5: an EXTRA_AWARE
//     vCPU also runs in idle time, L1 queue, in 500 µs quanta) — the IXB "may use remaining unused
//     CPU time of other categories" (seed §4.1.1);
//   · rtds: budget = its portion of P per vCPU, period P, extratime on (xen.md §4: levels ≥ 1
//     share slack in EDF order);
//   · credit / credit2 have no per-vCPU reservation, only weight and cap (xen.md §2.12, §3): a
//     fixed portion of whole pCPUs becomes a cpupool of those pCPUs holding the domain alone
//     (xen.md §1; xen/common/sched/cpupool.c), guaranteed in every window but unable to use the
//     other pools' idle time; otherwise a weight ∝ its portion and no cap, a share of contended
//     time in the long run (xen.md §2.12: "enforced statistically over tens of ms") that takes
//     whatever the others leave (work-conserving).
//   The driver domain has as many vCPUs as its portion needs whole pCPUs (⌈portion × pCPUs⌉, at
//   most its pool's): a vCPU runs on one pCPU at a time, so a portion spread thinner over more vCPUs
//   than the netback threads can keep busy would go unused. One netback thread per vif, spread over
//   its vCPUs as irqbalance spreads the event channels (xen.md §7.1 multi-queue); the reservation
//   is per vCPU, so uneven vifs can leave one vCPU's budget unused while another's is short.
// - VMU-granted: each VMU held by its own parameters (slice/budget, or weight and cap), admission
//   Σ SLAs ≤ the category (models/categories.ts); under credit/credit2 a fixed portion of whole
//   pCPUs is a cpupool of its own too.
// - ISONI framework: dom0, which keeps the host threads and blkback and cannot leave Pool-0
//   (cpupool.c refuses to move the calling domain), with what the framework portion gives it:
//   sedf slice or rtds budget = portion × P spread over dom0's vCPUs with extratime (seed §4.1.3:
//   "they may exploit the remaining CPU processing time"), or slice 0 + extratime when not fixed;
//   credit/credit2 weight ∝ portion, no cap.
// The category domains' settings replace dom0Weight/dom0Cap/dom0Slice/dom0Budget on such a host.

import type { HostSetup, PrepareSetup, SlaMappingRow } from '../../src/engine/model.js';
import type { CpuCategory, HostCategories } from '../../src/engine/system.js';
import { InputError, pointerOf } from '../../src/errors.js';
import { percent } from '../../src/scenario/categories.js';
import type { TaskSpec, VmuSpec } from '../../src/scenario/types.js';
import { cpuList } from '../describe.js';
import { categoryRow } from '../categories.js';
import { POOL0, type Cpupool, type CpupoolParam } from './cpupools.js';

/** The network driver domain that runs the IXB's netback (one per PH with categories). */
export const IXB_DOMAIN = 'ixb';

/** The netback thread of `vmuId`'s vif in the driver domain. */
export const ixbNetback = (vmuId: string) => `${IXB_DOMAIN}.netback-${vmuId}`;

const hostPointer = (setup: PrepareSetup) => pointerOf('hosts', setup.scenario.hosts.indexOf(setup.host), 'categories');

/** A category's portion in whole pCPUs, or 0 when it is not a whole number of them. */
function wholeCpus(c: CpuCategory, cpus: number): number {
  const n = c.share * cpus;
  // 1e-9: "50%" of 2 pCPUs is exactly one pCPU, but float products may land a hair off it.
  return c.fixed && Math.abs(n - Math.round(n)) < 1e-9 ? Math.round(n) : 0;
}

/**
 * The cpupools the categories make under a scheduler without reservations (credit, credit2): a
 * fixed IXB or VMU portion of whole pCPUs gets the last pCPUs as a pool of its own, IXB highest;
 * Pool-0 keeps the rest (dom0 and the framework). Reserving schedulers (sedf, rtds) keep one pool:
 * their reservations fix the portion and still let the IXB use idle time. A host without
 * categories keeps the model's `cpupools` parameter; a host with them refuses it (two
 * partitions of one host's pCPUs would contradict each other).
 */
export function categoryPools(setup: PrepareSetup, scheduler: string, reserves: boolean, given: CpupoolParam[] | undefined): Cpupool[] | undefined {
  const categories = setup.host.categories;
  if (categories === undefined) return undefined;
  if (given !== undefined && given.length > 0) {
    throw new InputError({
      file: setup.scenario.file,
      pointer: setup.paramsPointer + pointerOf('cpupools'),
      expected: `no cpupools on host ${setup.host.id}: its CPU categories decide the pools (whole-pCPU fixed portions under credit/credit2)`,
      found: given.map((g) => g.name).join(', '),
      hint: 'drop the cpupools parameter or the host\'s categories',
    });
  }
  const cpus = setup.host.cpus;
  const all = Array.from({ length: cpus }, (_, i) => i);
  if (reserves) return [{ name: POOL0, cpus: all, param: null }];
  const pools: Cpupool[] = [];
  let next = cpus;
  const hostVmus = setup.scenario.vmus.filter((v) => v.host === setup.host.id).map((v) => v.id);
  for (const [name, domains] of [['ixb', [IXB_DOMAIN]], ['vmu', hostVmus]] as const) {
    const n = wholeCpus(categories[name], cpus);
    // Pool-0 keeps at least one pCPU: dom0 cannot leave it (cpupools.ts).
    if (n === 0 || next - n < 1) continue;
    const poolCpus = all.slice(next - n, next);
    next -= n;
    const param: CpupoolParam = { name, cpus: poolCpus, scheduler, domains: [...domains], params: {}, pointer: `${hostPointer(setup)}/${name}` };
    pools.push({ name, cpus: poolCpus, param });
  }
  return [{ name: POOL0, cpus: all.slice(0, next), param: null }, ...pools.reverse()];
}

/**
 * The driver domain: ⌈portion⌉ vCPUs within its pool, one netback thread per vif — `vifs` names the
 * domains whose packets cross the IXB (flows, chain hops, network loads, remote storage; dom0 when it
 * serves an OSD to other hosts).
 */
export function ixbDriverDomain(setup: PrepareSetup, vifs: string[], pool: Cpupool): VmuSpec {
  const portion = setup.host.categories!.ixb.share * setup.host.cpus;
  // 1e-9: a portion of exactly k pCPUs must give k vCPUs despite float rounding.
  const vcpus = Math.max(1, Math.min(pool.cpus.length, Math.ceil(portion - 1e-9)));
  const tasks: TaskSpec[] = vifs.map((vif, k) => ({
    id: ixbNetback(vif),
    arrival: { kind: 'external' },
    exec: { kind: 'constant', value: 1 },
    deadline: Infinity,
    policy: { class: 'fifo', priority: 50 },
    affinity: [k % vcpus],
  }));
  return { id: IXB_DOMAIN, host: setup.host.id, vcpus, affinity: pool.cpus, guest: { scheduler: 'fifo', tickNs: 4_000_000 }, weight: 1024, tasks, io: [] };
}

/** What a category domain (dom0 = framework, ixb) is given, per vCPU. */
export interface CategoryDomain {
  name: 'ixb' | 'framework';
  category: CpuCategory;
  /** Its portion per vCPU, in pCPUs (portion × host CPUs ÷ its vCPUs). */
  perVcpu: number;
  /** In a cpupool of its own (whole pCPUs): the pool is the guarantee. */
  pooled: boolean;
}

/** The category a domain the model added stands for on a host with categories; undefined otherwise. */
export function categoryDomain(setup: HostSetup, vmu: VmuSpec, pools: Cpupool[]): CategoryDomain | undefined {
  const categories = setup.host.categories;
  if (categories === undefined) return undefined;
  const name = vmu.id === IXB_DOMAIN ? 'ixb' : vmu.id === 'dom0' ? 'framework' : undefined;
  if (name === undefined) return undefined;
  const category = categories[name];
  const pooled = pools.some((p) => p.param?.domains.includes(vmu.id));
  const perVcpu = (category.share * setup.host.cpus) / vmu.vcpus;
  if (perVcpu > 1 + 1e-9) {
    throw new InputError({
      file: setup.scenario.file,
      pointer: `${hostPointer(setup)}/${name}/share`,
      expected: `a portion the ${vmu.vcpus} vCPU(s) of ${vmu.id} can hold (≤ ${percent(vmu.vcpus / setup.host.cpus)} of ${setup.host.cpus} pCPUs: a vCPU runs on one pCPU at a time)`,
      found: percent(category.share),
      hint: name === 'framework' ? 'raise the model\'s dom0Vcpus or lower the framework portion' : 'lower the IXB portion',
    });
  }
  return { name, category, perVcpu, pooled };
}

/** A weight ∝ the portion per vCPU on the scale the VMUs use (1024 = one pCPU, xen-models.ts). */
export const categoryWeight = (d: CategoryDomain) => Math.max(1, Math.min(65535, Math.round(1024 * d.perVcpu)));

/** A reservation's budget for a category domain's vCPU: its portion of the period. */
export const categoryBudget = (d: CategoryDomain, periodNs: number) => Math.floor(d.perVcpu * periodNs);

/** Refuse a category budget below the scheduler's minimum (SEDF 5 µs, RTDS 10 µs), naming the share. */
export function requireCategoryBudget(setup: HostSetup, d: CategoryDomain, budgetNs: number, minNs: number, source: string): void {
  if (budgetNs >= minNs) return;
  throw new InputError({
    file: setup.scenario.file,
    pointer: `${hostPointer(setup)}/${d.name}/share`,
    expected: `a portion whose budget per vCPU is at least ${minNs / 1000} µs (${source})`,
    found: `${percent(d.category.share)} → ${budgetNs} ns per period`,
    hint: 'raise the portion or the model\'s categoryPeriod',
  });
}

/** The driver domain's mapping row. */
export function ixbDomainRow(domain: VmuSpec, native: string): SlaMappingRow {
  const vifs = domain.tasks.map((t) => t.id.slice(ixbNetback('').length));
  return { entity: IXB_DOMAIN, requested: `network driver domain, ${domain.vcpus} vCPU(s), netback for ${vifs.length > 0 ? vifs.join(', ') : 'no vif'}`, native: `${native} on ${cpuList(domain.affinity)}` };
}

/**
 * The three category rows: each says which domain or pool realises the category and with what
 * native settings (the native text of the domain's own row), and whether it may use idle time.
 */
export function xenCategoryRows(setup: HostSetup, categories: HostCategories, pools: Cpupool[], domainRows: SlaMappingRow[], scheduler: string, reserves: boolean): SlaMappingRow[] {
  const nativeOf = (id: string) => domainRows.find((r) => r.entity === id)?.native ?? '';
  const poolOfCategory = (name: string) => pools.find((p) => p.name === name);
  const ixbPool = poolOfCategory('ixb');
  const ixb = ixbPool
    ? `driver domain ${IXB_DOMAIN} alone in cpupool ixb (${scheduler} on ${cpuList(ixbPool.cpus)}): whole pCPUs, guaranteed in every window; cannot use the other pools' idle time (xen.md §1)`
    : reserves
      ? `driver domain ${IXB_DOMAIN} (netback for every vif): ${nativeOf(IXB_DOMAIN)}; ${categories.ixb.fixed ? 'its reservation holds in every window, ' : ''}extratime: uses idle time the others leave (xen.md ${scheduler === 'sedf' ? '§5' : '§4'})`
      : `driver domain ${IXB_DOMAIN} (netback for every vif): ${nativeOf(IXB_DOMAIN)}; ${scheduler} has no reservation: a weighted share of contended time in the long run (xen.md ${scheduler === 'credit2' ? '§3' : '§2.12'})${categories.ixb.fixed ? ', not a portion in every window (a fixed one needs whole pCPUs for a cpupool)' : ''}, and all idle time (no cap)`;
  const vmuPool = poolOfCategory('vmu');
  const vmu = vmuPool
    ? `cpupool vmu (${scheduler} on ${cpuList(vmuPool.cpus)}) holding the VMUs; admission Σ SLAs ≤ the category; each VMU held by its own parameters`
    : `admission Σ SLAs ≤ the category; each VMU held by its own ${reserves ? 'reservation (no extratime)' : 'weight and cap'}`;
  const framework = `dom0 (host threads, blkback; Pool-0): ${nativeOf('dom0')}${reserves || !categories.framework.fixed ? '' : '; no reservation under ' + scheduler + ': a weighted share in the long run'}`;
  return [categoryRow(setup, 'ixb', ixb), categoryRow(setup, 'vmu', vmu), categoryRow(setup, 'framework', framework)];
}
