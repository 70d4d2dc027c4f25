// `advise budget`: the least budget Q per vCPU, at the VMU's period P (and optionally the best
// (Q, P) over a range of periods), with which every guest task meets its deadlines under a stack.
// Two numbers, each at a stated granularity g (budgets are multiples of g, or P itself):
// * analytic — the least Q whose supply-bound function (server-supply.ts) meets the guest's demand
//   (guest-demand.ts). sbf grows with Q for every bound here, so the least Q is found by bisection.
// * simulated — the least Q with which a simulation of the VMU's host (neighbours unchanged, the
//   VMU's budget set to Q) over k hyperperiods of its tasks and server shows no miss, found by
//   bisection between a budget that misses (0, which serves nothing) and one that meets (the
//   analytic budget when it does, else P). The answer is met at Q and missed (or refused) at Q − g.
// Where the bound is sound, the simulated budget is at most the analytic one: the analysis
// guarantees the worst case, a simulation shows one schedule.

import type { ModelChoice } from '../experiments/simulate.js';
import type { Ns, Scenario, VmuSpec } from '../scenario/types.js';
import { formatDuration } from '../scenario/units.js';
import { guestDemand, meetsDemand, type DemandTest, type GuestDemand } from './guest-demand.js';
import { admissionRefusal, bisect, probe, probeHorizon, probeOk, probeText, type Probe } from './probe.js';
import { serverBound, type ServerBound } from './server-supply.js';

export interface BudgetOptions {
  /** Budgets are multiples of this (or the period itself). */
  granularityNs: Ns;
  /** Simulated horizon: this many hyperperiods of the tasks' and the server's periods… */
  hyperperiods: number;
  /** …but at least this long (Credit's caps act at 30 ms accounting: a short run never meets them)… */
  minHorizonNs?: Ns;
  /** …and at most this long. */
  maxHorizonNs: Ns;
  /** Also search the best (Q, P) over these periods (analytic, then confirmed at the best one). */
  periods?: Ns[];
  seed?: number;
  /** Skip the simulations (analysis only). */
  analysisOnly?: boolean;
}

export interface AnalyticBudget {
  budgetNs: Ns | null;
  /** Which bound failed (budgetNs null), in words. */
  failed?: string;
}

export interface SimulatedBudget {
  budgetNs: Ns | null;
  horizonNs: Ns;
  /** What the probe at the budget found, and at one granularity step below it. */
  at?: string;
  below?: string;
  failed?: string;
  probes: number;
}

export interface PeriodOption {
  periodNs: Ns;
  budgetNs: Ns | null;
  bandwidth: number | null;
}

export interface BudgetAdvice {
  vmu: string;
  model: string;
  periodNs: Ns;
  configuredBudgetNs: Ns;
  granularityNs: Ns;
  bound: { kind: string; label: string; sound: boolean; caveat?: string } | null;
  test: DemandTest | null;
  analytic: AnalyticBudget;
  simulated: SimulatedBudget | null;
  /** With `periods`: the analytic minimum per period, and the best pair (least bandwidth) confirmed by simulation. */
  periodRange?: PeriodOption[];
  best?: { periodNs: Ns; budgetNs: Ns; bandwidth: number; simulated: SimulatedBudget | null };
}

/** Budget candidates: k·g for k = 1..K−1, and P itself for k = K = ⌈P/g⌉. */
const candidate = (k: number, periodNs: Ns, g: Ns) => Math.min(periodNs, k * g);

function boundFor(scenario: Scenario, vmu: VmuSpec, choice: ModelChoice, budgetNs: Ns, periodNs: Ns): ServerBound | undefined {
  const sharedWithReserved = scenario.vmus.some((v) => v.id !== vmu.id && v.host === vmu.host && v.sla !== undefined);
  return serverBound(choice.model.name, budgetNs, periodNs, { sharedWithReserved, params: choice.request?.params ?? {} });
}

/** The least analytic budget at `periodNs`, or which bound failed. */
export function analyticBudget(scenario: Scenario, vmu: VmuSpec, choice: ModelChoice, demand: GuestDemand, periodNs: Ns, g: Ns): AnalyticBudget {
  const top = Math.ceil(periodNs / g);
  const verdict = (k: number) => {
    const bound = boundFor(scenario, vmu, choice, candidate(k, periodNs, g), periodNs);
    return bound === undefined ? { schedulable: false, failed: 'no supply bound' } : meetsDemand(demand, bound.supply);
  };
  const full = verdict(top);
  if (!full.schedulable) {
    const label = boundFor(scenario, vmu, choice, periodNs, periodNs)?.label ?? `no supply bound for ${choice.model.name}`;
    return { budgetNs: null, failed: `even Q = P = ${formatDuration(periodNs)}: ${full.failed} (bound: ${label})` };
  }
  const found = bisect(0, top, verdict, (v) => v.schedulable);
  return { budgetNs: candidate(found.k, periodNs, g) };
}

/** The VMU's host alone (its neighbours unchanged), the VMU reserving `budgetNs` every `periodNs`, over `horizonNs`. */
export function budgetVariant(scenario: Scenario, vmu: VmuSpec, budgetNs: Ns, periodNs: Ns, horizonNs: Ns): Scenario {
  const sla = vmu.sla!;
  return {
    ...scenario,
    name: `${scenario.name}.${vmu.id}-budget-${budgetNs}ns`,
    durationNs: horizonNs,
    warmupNs: 0,
    hosts: scenario.hosts.filter((h) => h.id === vmu.host),
    vmus: scenario.vmus.filter((v) => v.host === vmu.host).map((v) => (v.id === vmu.id ? { ...v, sla: { ...sla, budget: budgetNs, period: periodNs, deadline: periodNs === sla.period ? sla.deadline : periodNs } } : v)),
    hostThreads: scenario.hostThreads.filter((t) => t.host === vmu.host),
    expectations: [],
    figures: [],
  };
}

/** The least budget the simulation shows meeting every deadline, by bisection (see the top). */
export function simulatedBudget(scenario: Scenario, vmu: VmuSpec, choice: ModelChoice, periodNs: Ns, hint: Ns | null, opts: BudgetOptions): SimulatedBudget {
  const g = opts.granularityNs;
  const periods = [periodNs, ...vmu.tasks.flatMap((t) => (t.arrival.kind === 'periodic' ? [t.arrival.period] : t.arrival.kind === 'sporadic' ? [t.arrival.minInterArrival] : []))];
  const horizonNs = Math.max(Math.min(opts.minHorizonNs ?? 0, opts.maxHorizonNs), probeHorizon(periods, opts.hyperperiods, opts.maxHorizonNs));
  const watched = new Set(vmu.tasks.map((t) => t.id));
  const memo = new Map<number, Probe>();
  const run = (k: number): Probe => {
    let p = memo.get(k);
    if (p === undefined) {
      p = probe(budgetVariant(scenario, vmu, candidate(k, periodNs, g), periodNs, horizonNs), choice, watched, opts.seed);
      memo.set(k, p);
    }
    return p;
  };
  // The search tops out at the largest budget the model admits beside the VMU's neighbours.
  let top = Math.ceil(periodNs / g);
  const refused = (k: number) => admissionRefusal(budgetVariant(scenario, vmu, candidate(k, periodNs, g), periodNs, horizonNs), choice) !== undefined;
  if (refused(top)) top = refused(1) ? 0 : bisect(1, top, (k) => k, refused).k - 1;
  const topText = `Q = ${formatDuration(candidate(top, periodNs, g))}${top === Math.ceil(periodNs / g) ? ' = P' : ', the largest budget admitted'}`;
  if (top === 0) return { budgetNs: null, horizonNs, failed: `even Q = ${formatDuration(g)}: ${probeText(run(1))}`, probes: memo.size };
  const hi = [hint === null ? top : Math.min(top, Math.ceil(hint / g)), top].find((k) => probeOk(run(k)));
  if (hi === undefined) return { budgetNs: null, horizonNs, failed: `even ${topText}: ${probeText(run(top))}`, probes: memo.size };
  const found = bisect(0, hi, run, probeOk);
  return {
    budgetNs: candidate(found.k, periodNs, g),
    horizonNs,
    at: probeText(found.at),
    below: found.k > 1 ? probeText(run(found.k - 1)) : 'Q = 0 serves nothing',
    probes: memo.size,
  };
}

/** The whole answer for one VMU under one model. */
export function adviseBudget(scenario: Scenario, vmu: VmuSpec, choice: ModelChoice, opts: BudgetOptions): BudgetAdvice {
  const sla = vmu.sla!;
  const g = opts.granularityNs;
  const demand = guestDemand(vmu);
  const bound = boundFor(scenario, vmu, choice, sla.budget, sla.period);
  const base = {
    vmu: vmu.id,
    model: choice.model.name,
    periodNs: sla.period,
    configuredBudgetNs: sla.budget,
    granularityNs: g,
    bound: bound ? { kind: bound.kind, label: bound.label, sound: bound.sound, ...(bound.caveat && { caveat: bound.caveat }) } : null,
  };
  const analysable = 'tasks' in demand ? demand : undefined;
  const analytic: AnalyticBudget = analysable
    ? analyticBudget(scenario, vmu, choice, analysable, sla.period, g)
    : { budgetNs: null, failed: 'unanalysable' in demand ? `not analysed: ${demand.unanalysable}` : 'not analysed' };
  const judged = vmu.tasks.some((t) => Number.isFinite(t.deadline)) || vmu.io.some((l) => Number.isFinite(l.deadline));
  const simulated = opts.analysisOnly || !judged ? null : simulatedBudget(scenario, vmu, choice, sla.period, analytic.budgetNs, opts);
  const advice: BudgetAdvice = { ...base, test: analysable?.test ?? null, analytic, simulated };
  if (opts.periods && analysable) {
    advice.periodRange = opts.periods.map((periodNs) => {
      const a = analyticBudget(scenario, vmu, choice, analysable, periodNs, g);
      return { periodNs, budgetNs: a.budgetNs, bandwidth: a.budgetNs === null ? null : round6(a.budgetNs / periodNs) };
    });
    const best = advice.periodRange.filter((o) => o.bandwidth !== null).sort((a, b) => a.bandwidth! - b.bandwidth! || b.periodNs - a.periodNs)[0];
    if (best !== undefined) {
      const sim = opts.analysisOnly ? null : simulatedBudget(scenario, vmu, choice, best.periodNs, best.budgetNs, opts);
      advice.best = { periodNs: best.periodNs, budgetNs: best.budgetNs!, bandwidth: best.bandwidth!, simulated: sim };
    }
  }
  return advice;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
