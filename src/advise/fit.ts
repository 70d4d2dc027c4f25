// `advise fit`: how many copies of a VMU fit on one PH like its host, per stack. Three counts:
// * admission — the most copies the model's own admission control accepts (it builds the PH with n
//   copies, as `hvsim validate` would); null for a stack without admission control (Xen SEDF, Credit,
//   Credit2, RTDS, CFS bandwidth: they admit any count, and an overload shows up as misses).
// * analytic — what the stack's schedulability rule allows at each copy's reservation u = Q/P per
//   vCPU (capacity.ts), and 0 when the copy's own tasks do not meet their deadlines in (Q, P) by its
//   supply bound (server-supply.ts).
// * simulated — the most copies with no deadline miss in a simulation of the PH (copies alone on
//   it, on any of its pCPUs, over k hyperperiods), found by galloping then bisection, with what
//   n + 1 copies did: refused by admission, or missed.

import type { ModelChoice } from '../experiments/simulate.js';
import type { Ns, Scenario, TaskSpec, VmuSpec } from '../scenario/types.js';
import type { BudgetOptions } from './budget.js';
import { capacityCount } from './capacity.js';
import { guestDemand, meetsDemand } from './guest-demand.js';
import { admissionRefusal, bisect, probe, probeHorizon, probeOk, probeText, type Probe } from './probe.js';
import { serverBound } from './server-supply.js';

/** Per-scenario limits (README "Limits"): copies never exceed them. */
const MAX_VMUS = 256;
const MAX_TASKS = 1000;

export interface FitAdvice {
  vmu: string;
  model: string;
  host: { id: string; cpus: number };
  /** Σ over vCPUs of Q/P: what one copy reserves. */
  copyBandwidth: number;
  admission: { count: number | null; refusal?: string };
  analytic: { count: number; rule: string };
  simulated: { count: number; horizonNs: Ns; at: string; above: string; probes: number; searchedUpTo: number } | null;
}

/** The PH of `vmu`'s host with nothing on it but `n` copies of `vmu` (ids suffixed .1 … .n), free to use any pCPU. */
export function copiesVariant(scenario: Scenario, vmu: VmuSpec, n: number, horizonNs: Ns): Scenario {
  const host = scenario.hosts.find((h) => h.id === vmu.host)!;
  const all = Array.from({ length: host.cpus }, (_, i) => i);
  const copies = Array.from({ length: n }, (_, k): VmuSpec => {
    const suffix = `.${k + 1}`;
    return { ...vmu, id: vmu.id + suffix, affinity: all, softAffinity: undefined, aggressor: undefined, tasks: vmu.tasks.map((t): TaskSpec => ({ ...t, id: t.id + suffix })), io: vmu.io.map((l) => ({ ...l, id: l.id + suffix })) };
  });
  return { ...scenario, name: `${scenario.name}.${vmu.id}-x${n}`, durationNs: horizonNs, warmupNs: 0, hosts: [host], vmus: copies, hostThreads: [], expectations: [], figures: [] };
}

export function adviseFit(scenario: Scenario, vmu: VmuSpec, choice: ModelChoice, opts: BudgetOptions): FitAdvice {
  const sla = vmu.sla!;
  const host = scenario.hosts.find((h) => h.id === vmu.host)!;
  const perTasks = Math.max(1, vmu.tasks.length + vmu.io.length);
  const taskLoad = vmu.tasks.reduce((a, t) => a + taskUtilisation(t), 0);
  // Beyond cpus / (the copy's own demand) copies cannot all keep up on any stack.
  const physical = taskLoad > 0 ? Math.floor(host.cpus / taskLoad) + 1 : MAX_VMUS;
  const cap = Math.max(1, Math.min(MAX_VMUS, Math.floor(MAX_TASKS / perTasks), physical));
  const build = (n: number): true | string => admissionRefusal(copiesVariant(scenario, vmu, n, scenario.durationNs), choice) ?? true;

  // Admission: monotone in n (one more reservation never makes a refused set acceptable).
  let admission: FitAdvice['admission'];
  if (build(cap) === true) admission = { count: null };
  else {
    const first = build(1);
    if (first !== true) admission = { count: 0, refusal: first };
    else {
      const found = bisect(1, cap, build, (r) => r !== true);
      admission = { count: found.k - 1, refusal: found.at as string };
    }
  }

  const u = sla.budget / sla.period;
  const rule = capacityCount(choice, host.cpus, vmu.vcpus, u);
  const demand = guestDemand(vmu);
  const bound = serverBound(choice.model.name, sla.budget, sla.period, { sharedWithReserved: false, params: choice.request?.params ?? {} });
  let analytic = { count: Math.min(rule.count, admission.count ?? rule.count), rule: rule.rule };
  if ('tasks' in demand && bound !== undefined) {
    const v = meetsDemand(demand, bound.supply);
    if (!v.schedulable) analytic = { count: 0, rule: `a copy's own tasks miss in (Q, P) by ${bound.label}: ${v.failed}` };
  }

  let simulated: FitAdvice['simulated'] = null;
  if (!opts.analysisOnly) {
    const periods = [sla.period, ...vmu.tasks.flatMap((t) => (t.arrival.kind === 'periodic' ? [t.arrival.period] : t.arrival.kind === 'sporadic' ? [t.arrival.minInterArrival] : []))];
    const horizonNs = Math.max(Math.min(opts.minHorizonNs ?? 0, opts.maxHorizonNs), probeHorizon(periods, opts.hyperperiods, opts.maxHorizonNs));
    const memo = new Map<number, Probe>();
    const run = (n: number): Probe => {
      let p = memo.get(n);
      if (p === undefined) {
        const variant = copiesVariant(scenario, vmu, n, horizonNs);
        p = probe(variant, choice, new Set(variant.vmus.flatMap((c) => c.tasks.map((t) => t.id))), opts.seed);
        memo.set(n, p);
      }
      return p;
    };
    const top = Math.min(cap + 1, MAX_VMUS, Math.floor(MAX_TASKS / perTasks));
    // Gallop 1, 2, 4, … to the first failure (or the cap), then bisect below it.
    let good = 0;
    let bad: number | undefined;
    for (let n = 1; n <= top; n = Math.min(top, n * 2)) {
      if (probeOk(run(n))) good = n;
      else {
        bad = n;
        break;
      }
      if (n === top) break;
    }
    const count = bad === undefined ? good : bisect(good, bad, run, (p) => !probeOk(p)).k - 1;
    simulated = {
      count,
      horizonNs,
      at: count === 0 ? 'no copy' : probeText(run(count)),
      above: bad === undefined ? `not searched beyond ${top} copies` : probeText(run(count + 1)),
      probes: memo.size,
      searchedUpTo: top,
    };
  }
  return { vmu: vmu.id, model: choice.model.name, host: { id: host.id, cpus: host.cpus }, copyBandwidth: round6(u * vmu.vcpus), admission, analytic, simulated };
}

function taskUtilisation(t: TaskSpec): number {
  const a = t.arrival;
  const period = a.kind === 'periodic' ? a.period : a.kind === 'sporadic' ? a.minInterArrival : undefined;
  if (a.kind === 'busy') return 1;
  if (period === undefined) return 0;
  const e = t.exec;
  const mean = e.kind === 'constant' ? e.value : e.kind === 'uniform' ? (e.min + e.max) / 2 : e.kind === 'truncnormal' ? e.mean : e.values.reduce((x, y) => x + y, 0) / Math.max(1, e.values.length);
  return mean / period;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
