// Xen cpupools (xen.md §1, §7.3; xen/common/sched/cpupool.c): the pCPUs of a host split into pools,
// each with its own scheduler instance; every domain belongs to exactly one pool. Pool-0 always
// exists, holds dom0 (which cannot move itself: XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN refuses the
// calling domain with -EPERM) and runs the boot scheduler, i.e. the model's. A Xen model's
// `cpupools` parameter lists the other pools; what they leave over is Pool-0.
//
// A vCPU runs where its hard affinity and its pool's pCPUs meet; if they do not meet, Xen refuses
// the affinity (vcpu_set_hard_affinity: -EINVAL), so we refuse the scenario.

import type { HostPopulation, PrepareSetup } from '../../src/engine/model.js';
import { InputError, describeValue, pointerOf } from '../../src/errors.js';
import { didYouMean } from '../../src/scenario/suggest.js';
import type { VmuSpec } from '../../src/scenario/types.js';
import { cpuList } from '../describe.js';

/**
 * The schedulers a pool may name: every Xen scheduler the registry's models are built on
 * (xenSchedulerModel registers its own), so a new one needs no line here.
 */
const POOL_SCHEDULERS: string[] = [];

export function registerPoolScheduler(name: string): void {
  if (!POOL_SCHEDULERS.includes(name)) POOL_SCHEDULERS.push(name);
}

export type XenSchedulerName = string;

export const POOL0 = 'Pool-0';

/** One extra pool as written in the model's parameters. */
export interface CpupoolParam {
  name: string;
  cpus: number[];
  scheduler: XenSchedulerName;
  /** VMU ids moved into the pool. */
  domains: string[];
  /** The pool scheduler's own parameters (read by the model, e.g. tslice for credit). */
  params: Record<string, unknown>;
  /** JSON pointer of this entry. */
  pointer: string;
}

/** A pool as resolved on one host: Pool-0 first. */
export interface Cpupool {
  name: string;
  cpus: number[];
  /** null: the model's own scheduler (Pool-0). */
  param: CpupoolParam | null;
}

const POOL_KEYS = ['name', 'cpus', 'scheduler', 'domains', 'params'];

/** Reader of the `cpupools` model parameter (shape only; host-dependent checks in resolveCpupools). */
export function readCpupoolsParam(raw: unknown, file: string, pointer: string): CpupoolParam[] {
  const bad = (at: string, expected: string, found: unknown, hint?: string) =>
    new InputError({ file, pointer: at, expected, found: describeValue(found), ...(hint ? { hint } : {}) });
  if (!Array.isArray(raw)) throw bad(pointer, 'a list of cpupools { name, cpus, scheduler, domains, params? }', raw);
  const names = new Set<string>([POOL0]);
  return raw.map((entry: unknown, i) => {
    const at = pointer + pointerOf(i);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad(at, 'a cpupool object { name, cpus, scheduler, domains, params? }', entry);
    const o = entry as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!POOL_KEYS.includes(key)) throw bad(at + pointerOf(key), `one of the cpupool fields ${POOL_KEYS.join(', ')}`, key, didYouMean(key, POOL_KEYS));
    }
    if (typeof o.name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(o.name)) throw bad(at + '/name', 'a pool name of letters, digits, _ . -', o.name);
    if (names.has(o.name)) throw bad(at + '/name', `a pool name other than ${[...names].map((n) => `"${n}"`).join(', ')}`, o.name);
    names.add(o.name);
    const cpus = o.cpus;
    if (!Array.isArray(cpus) || cpus.length === 0 || !cpus.every((c) => Number.isInteger(c) && c >= 0) || new Set(cpus).size !== cpus.length) {
      throw bad(at + '/cpus', 'a non-empty list of distinct pCPU indices', cpus);
    }
    if (typeof o.scheduler !== 'string' || !POOL_SCHEDULERS.includes(o.scheduler)) {
      throw bad(at + '/scheduler', `one of ${POOL_SCHEDULERS.join(', ')}`, o.scheduler, typeof o.scheduler === 'string' ? didYouMean(o.scheduler, POOL_SCHEDULERS) : undefined);
    }
    const domains = o.domains ?? [];
    if (!Array.isArray(domains) || !domains.every((d) => typeof d === 'string')) throw bad(at + '/domains', 'a list of VMU ids', domains);
    const params = o.params ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw bad(at + '/params', "an object of the pool scheduler's parameters", params);
    return {
      name: o.name,
      cpus: [...(cpus as number[])].sort((a, b) => a - b),
      scheduler: o.scheduler as XenSchedulerName,
      domains: domains as string[],
      params: params as Record<string, unknown>,
      pointer: at,
    };
  });
}

/**
 * The pools on this host, Pool-0 first, after the checks that need the host and the scenario:
 * pCPUs exist and belong to one pool only, Pool-0 keeps at least one, every domain is a VMU and
 * sits in one pool, dom0 stays in Pool-0.
 */
export function resolveCpupools(setup: PrepareSetup, pools: CpupoolParam[] | undefined): Cpupool[] {
  const { file } = setup.scenario;
  const all = Array.from({ length: setup.host.cpus }, (_, i) => i);
  if (pools === undefined || pools.length === 0) return [{ name: POOL0, cpus: all, param: null }];
  const owner = new Map<number, string>();
  const placed = new Map<string, string>();
  const vmuIds = setup.scenario.vmus.map((v) => v.id);
  for (const pool of pools) {
    pool.cpus.forEach((c, j) => {
      const at = `${pool.pointer}/cpus/${j}`;
      if (c >= setup.host.cpus) throw new InputError({ file, pointer: at, expected: `a pCPU index below ${setup.host.cpus} (host ${setup.host.id})`, found: String(c) });
      const other = owner.get(c);
      if (other !== undefined) throw new InputError({ file, pointer: at, expected: `a pCPU in no other pool (a pCPU belongs to one cpupool)`, found: `pCPU ${c}, already in ${other}` });
      owner.set(c, pool.name);
    });
    pool.domains.forEach((d, j) => {
      const at = `${pool.pointer}/domains/${j}`;
      if (d === 'dom0') throw new InputError({ file, pointer: at, expected: 'a guest domain (dom0 stays in Pool-0: Xen refuses to move the calling domain)', found: '"dom0"' });
      if (!vmuIds.includes(d)) throw new InputError({ file, pointer: at, expected: 'the id of a VMU of this scenario', found: JSON.stringify(d), hint: didYouMean(d, vmuIds) });
      const other = placed.get(d);
      if (other !== undefined) throw new InputError({ file, pointer: at, expected: 'a domain in no other pool (a domain belongs to one cpupool)', found: `"${d}", already in ${other}` });
      placed.set(d, pool.name);
    });
  }
  const pool0 = all.filter((c) => !owner.has(c));
  if (pool0.length === 0) {
    throw new InputError({ file, pointer: pools[pools.length - 1].pointer + '/cpus', expected: `pools that leave Pool-0 at least one pCPU (it holds dom0)`, found: `every pCPU of host ${setup.host.id} in another pool` });
  }
  return [{ name: POOL0, cpus: pool0, param: null }, ...pools.map((p) => ({ name: p.name, cpus: p.cpus, param: p }))];
}

/** The pool a domain belongs to (Pool-0 unless a pool lists it). */
export function poolOf(pools: Cpupool[], vmuId: string): Cpupool {
  return pools.find((p) => p.param?.domains.includes(vmuId)) ?? pools[0];
}

/**
 * Each guest's vCPUs confined to its pool: effective hard affinity = affinity ∩ pool (an
 * unrestricted affinity simply becomes the pool). Refuses an affinity with no pCPU in the pool.
 * dom0's own pCPUs are chosen inside Pool-0 by the model (xenPopulation).
 */
export function confineToPools(setup: PrepareSetup, population: HostPopulation, pools: Cpupool[]): HostPopulation {
  if (pools.length === 1) return population;
  const { file } = setup.scenario;
  const vmus = population.vmus.map((vmu): VmuSpec => {
    const index = setup.scenario.vmus.findIndex((v) => v.id === vmu.id);
    if (index < 0) return vmu; // a domain the model added (dom0)
    const pool = poolOf(pools, vmu.id);
    const inside = vmu.affinity.filter((c) => pool.cpus.includes(c));
    if (inside.length === vmu.affinity.length) return vmu;
    if (inside.length === 0) {
      throw new InputError({
        file,
        pointer: pointerOf('vmus', index, 'affinity'),
        expected: `pCPUs of ${pool.name} (${cpuList(pool.cpus)}), the cpupool domain ${vmu.id} belongs to`,
        found: cpuList(vmu.affinity),
        hint: "a vCPU runs only on pCPUs of its domain's pool: move the domain with the model's cpupools parameter, or change its affinity",
      });
    }
    return { ...vmu, affinity: inside };
  });
  return { ...population, vmus };
}
