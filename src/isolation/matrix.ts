// The isolation matrix (temporal isolation made measurable): for each model, run the scenario once
// with every aggressor behaving (the baseline) and once per aggressor with only it misbehaving;
// each cell is what that aggressor's misbehaviour did to one victim task — the relative change of
// its p99 response time and the change of its miss ratio. See docs/isolation.md.
//
// Rules (decided here, once):
// - An aggressor is a VMU marked `aggressor: { mode … }` in the scenario, or named by the caller.
// - Its own `busy` tasks are its misbehaviour: the baseline runs without them (for every aggressor).
// - busy: the misbehaving run adds one infinite loop per vCPU of the aggressor (pinned to that
//   vCPU, lowest guest priority: SCHED_OTHER nice 19), so the VMU asks for all of every vCPU it has.
// - scale k: every job demand of the aggressor's (remaining) tasks is multiplied by k.
// - Victims: every task of the baseline run outside the aggressor's VMU (busy loops excluded),
//   including host threads and tasks a model adds (I/O service threads).
// - Reservation bound of a victim, when one follows from its VMU's SLA (Q every P, D = P) alone: a
//   1-vCPU VMU pinned to one pCPU whose only task is the victim, with largest demand C, released periodically or
//   sporadically at least ⌈C/Q⌉·P apart, on a host without context-switch cost. Each job then
//   meets a server that starts a fresh period, and a hard CBS answers within ⌈C/Q⌉(P − Q) + C
//   (src/analysis/supply.ts cbsResponseBound, idle at arrival). A model that enforces the SLA as a
//   hard CBS on an EDF-schedulable CPU (kvm-irmos with its per-CPU admission) must keep it whatever
//   the aggressor does; `withinBound` says whether it did.

import { cbsResponseBound } from '../analysis/supply.js';
import type { ModelRun, TaskResult } from '../metrics/results.js';
import type { Ns, Scenario, TaskSpec, VmuSpec } from '../scenario/types.js';
import { simulate, type ModelChoice } from '../experiments/simulate.js';
import { maxDemand, scaleTask } from '../scenario/scale.js';
import { isolationVariants, type Aggressor } from '../experiments/isolation-variants.js';

export { scaleTask }; // the rule lives with the scenario: --work-scale uses it too
// The scenarios the matrix runs live with the experiments (the report's worker pool runs them too).
export { attackVariant, baselineVariant, isolationVariants, markedAggressors, type Aggressor } from '../experiments/isolation-variants.js';

export const ISOLATION_SCHEMA = 'hvsim-isolation/1';

/** One victim's outcome in one run. */
export interface VictimOutcome {
  p99Ns: Ns;
  maxNs: Ns;
  missRatio: number;
  completed: number;
  /** Jobs whose deadline fell inside the run (completed or pending past it). */
  judged: number;
}

export interface IsolationCell {
  aggressor: string;
  attacked: VictimOutcome;
  /** (attacked p99 − baseline p99) / baseline p99 × 100; null when the baseline completed no job or the victim starved. */
  deltaP99Pct: number | null;
  /** attacked missRatio − baseline missRatio (a fraction: 0.25 = 25 percentage points). */
  deltaMissRatio: number;
  /** The attacked run completed no job of the victim although the baseline did. */
  starved: boolean;
  /** attacked p99 ≤ the victim's reservation bound (absent when it has none). */
  withinBound?: boolean;
}

export interface VictimRow {
  task: string;
  /** VMU of the task; null for a host thread. */
  vmu: string | null;
  baseline: VictimOutcome;
  /** Hard-CBS reservation bound on its response time, or null (see the rules above). */
  boundNs: Ns | null;
  /** One per aggressor, in the order of `aggressors`; null where the task belongs to that aggressor. */
  cells: (IsolationCell | null)[];
}

export interface ModelMatrix {
  model: string;
  rows: VictimRow[];
}

export interface IsolationResults {
  schema: typeof ISOLATION_SCHEMA;
  scenario: { name: string; description: string; durationNs: Ns; warmupNs: Ns; seed: number };
  aggressors: Aggressor[];
  models: ModelMatrix[];
}

export interface IsolationOptions {
  seed?: number;
  /** Called after each simulation (progress). */
  onRun?: (model: string, label: string) => void;
}

/** The runs behind one model's matrix: the baseline, then one per aggressor (in `aggressors` order). */
export interface IsolationRuns {
  model: string;
  baseline: ModelRun;
  attacked: ModelRun[];
}

/** Compute the matrix for every model. */
export function isolationMatrix(scenario: Scenario, choices: ModelChoice[], aggressors: Aggressor[], options: IsolationOptions = {}): IsolationResults {
  const seed = options.seed ?? scenario.seed;
  const { baseline, attacks } = isolationVariants(scenario, aggressors);
  const runs = choices.map((choice): IsolationRuns => {
    const base = simulate(baseline, choice.model, choice.request, { seed });
    options.onRun?.(choice.model.name, 'baseline');
    const attacked = attacks.map((variant, i) => {
      const run = simulate(variant, choice.model, choice.request, { seed });
      options.onRun?.(choice.model.name, aggressors[i].vmu);
      return run;
    });
    return { model: base.model, baseline: base, attacked };
  });
  return assembleIsolation(scenario, aggressors, seed, runs);
}

/** The matrix from its runs (however they were run: in this thread, or as jobs of the report's pool). */
export function assembleIsolation(scenario: Scenario, aggressors: Aggressor[], seed: number, runs: IsolationRuns[]): IsolationResults {
  const { baseline } = isolationVariants(scenario, aggressors);
  const busyIds = new Set(
    [...baseline.vmus.flatMap((v) => v.tasks), ...baseline.hostThreads].filter((t) => t.arrival.kind === 'busy').map((t) => t.id),
  );
  const bounds = new Map(baseline.vmus.flatMap((v) => v.tasks.map((t) => [t.id, reservationBound(baseline, v, t)] as const)));

  const models = runs.map(({ baseline: base, attacked }): ModelMatrix => {
    const rows = base.tasks
      .filter((t) => !busyIds.has(t.id))
      .map((t): VictimRow => {
        const boundNs = bounds.get(t.id) ?? null;
        const baselineOutcome = outcomeOf(t);
        const cells = aggressors.map((a, i) => {
          if (t.vmu === a.vmu) return null;
          const other = findTask(attacked[i], t.id);
          return other === undefined ? null : cell(a.vmu, baselineOutcome, outcomeOf(other), boundNs);
        });
        return { task: t.id, vmu: t.vmu, baseline: baselineOutcome, boundNs, cells };
      });
    return { model: base.model, rows };
  });

  return {
    schema: ISOLATION_SCHEMA,
    scenario: { name: scenario.name, description: scenario.description, durationNs: scenario.durationNs, warmupNs: scenario.warmupNs, seed },
    aggressors,
    models,
  };
}

// ---- cells ----------------------------------------------------------------------------------

function findTask(run: ModelRun, id: string): TaskResult | undefined {
  return run.tasks.find((t) => t.id === id);
}

function outcomeOf(t: TaskResult): VictimOutcome {
  return { p99Ns: t.response.p99Ns, maxNs: t.response.maxNs, missRatio: t.missRatio, completed: t.completed, judged: t.judged };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function cell(aggressor: string, base: VictimOutcome, attacked: VictimOutcome, boundNs: Ns | null): IsolationCell {
  const starved = attacked.completed === 0 && base.completed > 0;
  const deltaP99Pct = starved || base.completed === 0 || base.p99Ns === 0 ? null : round3(((attacked.p99Ns - base.p99Ns) / base.p99Ns) * 100);
  const c: IsolationCell = { aggressor, attacked, deltaP99Pct, deltaMissRatio: round6(attacked.missRatio - base.missRatio), starved };
  if (boundNs !== null) c.withinBound = !starved && attacked.p99Ns <= boundNs;
  return c;
}

/** See the rules at the top; null when the SLA alone does not bound the task's response time. */
export function reservationBound(scenario: Scenario, vmu: VmuSpec, task: TaskSpec): Ns | null {
  const sla = vmu.sla;
  if (sla === undefined || vmu.vcpus !== 1 || vmu.affinity.length !== 1 || sla.deadline !== sla.period) return null;
  if (vmu.tasks.filter((t) => t.arrival.kind !== 'busy').length !== 1 || vmu.io.length > 0) return null;
  // Context switches would be charged to the budget: the bound below assumes none.
  if ((scenario.hosts.find((h) => h.id === vmu.host)?.contextSwitchNs ?? 0) !== 0) return null;
  const a = task.arrival;
  const gap = a.kind === 'periodic' ? a.period - a.jitter : a.kind === 'sporadic' ? a.minInterArrival : null;
  const c = maxDemand(task.exec);
  if (gap === null || c === null || c <= 0) return null;
  // The server's deadline after a job is at most (⌈C/Q⌉)·P past its release; when that is no later
  // than the next release, every activation starts a fresh period and the idle-start bound holds.
  if (Math.ceil(c / sla.budget) * sla.period > gap) return null;
  return cbsResponseBound(sla.period, sla.budget, c, { idleAtArrival: true });
}
