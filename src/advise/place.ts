// `advise place`: the scenario's reserved VMUs packed onto PHs with per-CPU admission — each vCPU of
// a VMU needs u = Q/P on a pCPU of its own within one PH, and no pCPU may exceed the bound (IRMOS's
// Σ Q/P ≤ 0.95, linux-irmos.md §2.8; 1 for plain per-CPU EDF). Bin packing by the three classic
// decreasing heuristics (Johnson 1974; VMUs sorted by total bandwidth vcpus·u, largest first):
// * first-fit decreasing: the first PH (in opening order) that takes the VMU; inside it the lowest
//   pCPUs that fit. Dósa 2007: FFD ≤ 11/9·OPT + 6/9 bins for one-vCPU items on one-CPU PHs.
// * best-fit decreasing: the PH left with the least spare bandwidth after taking it; the fullest
//   pCPUs that fit.
// * worst-fit decreasing: the PH left with the most spare bandwidth; the emptiest pCPUs (spreads
//   load, leaves room to grow).
// PHs are the scenario's hosts in order, then as many more as needed like the largest of them (named
// <id>-2, <id>-3, …); the answer uses the fewest PHs of the three, and its scenario — every VMU on its
// PH with its affinity set to the pCPUs it was given, unused PHs dropped — loads and runs as is.
// Best-effort VMUs (no SLA) need no admission: they stay on their host.

import type { HostSpec, Scenario, VmuSpec } from '../scenario/types.js';

export type Strategy = 'first-fit' | 'best-fit' | 'worst-fit';
export const STRATEGIES: readonly Strategy[] = ['first-fit', 'best-fit', 'worst-fit'];

const TOLERANCE = 1e-12;

export interface PlacedVmu {
  vmu: string;
  host: string;
  cpus: number[];
  bandwidth: number;
}

export interface Packing {
  strategy: Strategy;
  /** PHs used, in opening order. */
  hosts: string[];
  placed: PlacedVmu[];
  /** VMUs no empty PH can take (more vCPUs than pCPUs, or u above the bound), with why. */
  unplaceable: { vmu: string; reason: string }[];
  /** Σ Q/P per pCPU of each PH used. */
  load: Record<string, number[]>;
}

export interface PlaceAdvice {
  bound: number;
  /** ⌈Σ vcpus·u / (pCPUs of a PH × bound)⌉ with PHs like the largest host: no packing can use fewer. */
  lowerBound: number;
  packings: Packing[];
  best: Strategy;
}

interface Bin {
  host: HostSpec;
  load: number[];
}

/** Up to `count` distinct pCPUs of `bin` with room for u, in the strategy's order; undefined if too few. */
function chooseCpus(bin: Bin, count: number, u: number, bound: number, strategy: Strategy): number[] | undefined {
  const fits = bin.load.map((l, cpu) => ({ l, cpu })).filter((x) => x.l + u <= bound + TOLERANCE);
  if (fits.length < count) return undefined;
  if (strategy === 'best-fit') fits.sort((a, b) => b.l - a.l || a.cpu - b.cpu);
  else if (strategy === 'worst-fit') fits.sort((a, b) => a.l - b.l || a.cpu - b.cpu);
  return fits.slice(0, count).map((x) => x.cpu).sort((a, b) => a - b);
}

/** The first host with the most pCPUs: the template of extra PHs. */
const largestHost = (s: Scenario): HostSpec => s.hosts.reduce((a, h) => (h.cpus > a.cpus ? h : a));

const spare = (bin: Bin, bound: number) => bin.load.reduce((a, l) => a + (bound - l), 0);

function extraHost(template: HostSpec, taken: Set<string>): HostSpec {
  let n = 2;
  while (taken.has(`${template.id}-${n}`)) n++;
  const id = `${template.id}-${n}`;
  taken.add(id);
  return { ...template, id };
}

export function pack(scenario: Scenario, bound: number, strategy: Strategy): Packing {
  const reserved = scenario.vmus.filter((v) => v.sla !== undefined);
  const items = reserved
    .map((v) => ({ v, u: v.sla!.budget / v.sla!.period }))
    .sort((a, b) => b.u * b.v.vcpus - a.u * a.v.vcpus || a.v.id.localeCompare(b.v.id));
  const pool = [...scenario.hosts];
  const taken = new Set(pool.map((h) => h.id));
  const opened: Bin[] = [];
  const placed: PlacedVmu[] = [];
  const unplaceable: Packing['unplaceable'] = [];
  const largest = largestHost(scenario).cpus;
  for (const { v, u } of items) {
    if (v.vcpus > largest || u > bound + TOLERANCE) {
      unplaceable.push({ vmu: v.id, reason: v.vcpus > largest ? `${v.vcpus} vCPUs on PHs of at most ${largest} pCPUs` : `Q/P = ${round6(u)} above the per-CPU bound ${bound}` });
      continue;
    }
    const candidates = opened
      .map((bin) => ({ bin, cpus: chooseCpus(bin, v.vcpus, u, bound, strategy) }))
      .filter((c): c is { bin: Bin; cpus: number[] } => c.cpus !== undefined);
    let choice = candidates[0];
    if (strategy === 'best-fit') choice = [...candidates].sort((a, b) => spare(a.bin, bound) - spare(b.bin, bound))[0];
    if (strategy === 'worst-fit') choice = [...candidates].sort((a, b) => spare(b.bin, bound) - spare(a.bin, bound))[0];
    while (choice === undefined) {
      // Open the next PH: the scenario's next host, else one more like the largest.
      const host = pool.length > opened.length ? pool[opened.length] : extraHost(largestHost(scenario), taken);
      if (pool.length <= opened.length) pool.push(host);
      const bin: Bin = { host, load: new Array<number>(host.cpus).fill(0) };
      opened.push(bin);
      const cpus = chooseCpus(bin, v.vcpus, u, bound, strategy);
      if (cpus !== undefined) choice = { bin, cpus };
    }
    for (const c of choice.cpus) choice.bin.load[c] += u;
    placed.push({ vmu: v.id, host: choice.bin.host.id, cpus: choice.cpus, bandwidth: round6(u * v.vcpus) });
  }
  const used = opened.filter((b) => placed.some((p) => p.host === b.host.id));
  return {
    strategy,
    hosts: used.map((b) => b.host.id),
    placed,
    unplaceable,
    load: Object.fromEntries(used.map((b) => [b.host.id, b.load.map(round6)])),
  };
}

export function advisePlace(scenario: Scenario, bound: number): PlaceAdvice {
  const packings = STRATEGIES.map((s) => pack(scenario, bound, s));
  const total = scenario.vmus.reduce((a, v) => a + (v.sla ? (v.sla.budget / v.sla.period) * v.vcpus : 0), 0);
  const largest = Math.max(...scenario.hosts.map((h) => h.cpus));
  const lowerBound = Math.ceil(total / (largest * bound) - 1e-9);
  // Fewest PHs; ties keep the order of STRATEGIES (first-fit first).
  const best = packings.reduce((a, b) => (b.hosts.length < a.hosts.length ? b : a)).strategy;
  return { bound, lowerBound, packings, best };
}

/** The scenario with the packing applied: every placed VMU on its PH and pCPUs, unused PHs dropped. */
export function placedScenario(scenario: Scenario, packing: Packing): Scenario {
  const where = new Map(packing.placed.map((p) => [p.vmu, p]));
  const vmus = scenario.vmus.map((v): VmuSpec => {
    const p = where.get(v.id);
    return p === undefined ? v : { ...v, host: p.host, affinity: p.cpus, softAffinity: undefined };
  });
  const needed = new Set([...vmus.map((v) => v.host), ...scenario.hostThreads.map((t) => t.host)]);
  const extra = packing.hosts.filter((id) => !scenario.hosts.some((h) => h.id === id));
  const template = largestHost(scenario);
  const hosts = [...scenario.hosts, ...extra.map((id) => ({ ...template, id }))].filter((h) => needed.has(h.id));
  return { ...scenario, name: `${scenario.name.slice(0, 57)}-placed`, hosts, vmus };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
