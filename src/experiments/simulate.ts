// The library entry points: simulate one scenario under one model, or compare several.

import type { HypervisorModel } from '../engine/model.js';
import { Simulator, type SimObserver } from '../engine/simulator.js';
import { InputError } from '../errors.js';
import { checkExpectations, collectRun, resultsScenario, RESULTS_SCHEMA, type ModelRun, type RefusedModel, type Results } from '../metrics/results.js';
import { withLine } from '../scenario/load.js';
import { admitOverTime, fromTheStart, hasLifecycle } from './lifecycle.js';
import { collectMigrations } from '../metrics/migration-results.js';
import type { ModelRequest, Scenario } from '../scenario/types.js';

export interface RunOptions {
  seed?: number;
  observer?: SimObserver;
  /** Progress hook of each run (see SimulateOptions.onProgress); `model` names the run. */
  onProgress?: (model: string, now: number) => void;
}

/** Run `scenario` under `model`; `request` carries the scenario's parameter overrides for it. */
export function simulate(
  scenario: Scenario,
  model: HypervisorModel,
  request?: Pick<ModelRequest, 'params' | 'pointer'>,
  options: RunOptions = {},
): ModelRun {
  // VMUs with a lifetime are admitted one by one at their starts, SLA changes at their instants
  // (lifecycle.ts); the refused VMUs never run, the refused changes never apply.
  const lifecycle = hasLifecycle(scenario) ? admitOverTime(scenario, (population) => populationRefusal(population, { model, request })) : undefined;
  const sim = new Simulator(lifecycle?.scenario ?? scenario, model, {
    seed: options.seed,
    params: request?.params ?? {},
    paramsPointer: request ? `${request.pointer}/params` : '',
    observer: options.observer,
    onProgress: options.onProgress && ((now) => options.onProgress!(model.name, now)),
    ...(lifecycle !== undefined && { admittedAtStarts: true }),
  });
  sim.run();
  const run = collectRun(sim, scenario.answer ? [scenario.answer.because] : []);
  if (lifecycle === undefined) return run;
  // A migration's destination instance is admitted at the migration's start like a VMU starting
  // then (src/scenario/migration.ts); its verdict is the migration's, not a VMU's lifetime.
  const migrations = scenario.migrations ?? [];
  const twins = new Set(migrations.map((m) => m.twin));
  const starts = lifecycle.starts
    .filter((s) => !twins.has(s.vmu))
    .map((v) => (sim.bootTimes.has(v.vmu) ? { ...v, bootTimeNs: sim.bootTimes.get(v.vmu)! } : v));
  const refusals = migrations.flatMap((m) => lifecycle.starts.filter((s) => s.vmu === m.twin && !s.admitted).map((s) => ({ migration: m, reason: s.reason ?? 'refused' })));
  return {
    ...run,
    ...(starts.length > 0 && { lifecycle: starts }),
    ...(lifecycle.changes.length > 0 && { slaChanges: lifecycle.changes }),
    ...(migrations.length > 0 && { migrations: collectMigrations(sim, migrations, refusals) }),
  };
}

/**
 * Build (and drop) each chosen model's simulator: its admission control and parameter checks run at
 * construction, so a refused configuration is one InputError before any run starts.
 */
export function checkAdmission(scenario: Scenario, choices: ModelChoice[]): void {
  for (const c of choices) new Simulator(scenario, c.model, { params: c.request?.params, paramsPointer: c.request ? `${c.request.pointer}/params` : '' });
}

export interface ModelChoice {
  model: HypervisorModel;
  request?: Pick<ModelRequest, 'params' | 'pointer'>;
}

/**
 * Each chosen model's admission control and parameter checks, before anything runs. A model that
 * refuses is that model's result, `refused by admission/configuration: <why>` (DESIGN.md
 * "Interfaces"); the others run. If every model refuses there is nothing to compare: the first
 * refusal is the error (exit 2).
 */
export function admitModels(scenario: Scenario, choices: ModelChoice[]): { admitted: ModelChoice[]; refused: RefusedModel[] } {
  const verdicts = choices.map((c) => ({ choice: c, error: admissionError(scenario, c) }));
  const admitted = verdicts.filter((v) => v.error === undefined).map((v) => v.choice);
  const refused = verdicts.flatMap((v) => (v.error ? [refusedModel(v.choice, v.error)] : []));
  const first = verdicts.find((v) => v.error !== undefined)?.error;
  if (first !== undefined && admitted.length === 0 && !expectsEveryRefusal(scenario, refused)) throw first;
  return { admitted, refused };
}

/**
 * The model's refusal of the scenario (admission control, parameter ranges), or undefined when it
 * admits it. VMUs with a lifetime are left out: they ask admission at their start, during the run
 * (lifecycle.ts, simulate()).
 */
export function admissionError(scenario: Scenario, choice: ModelChoice): InputError | undefined {
  return populationRefusal(fromTheStart(scenario), choice);
}

/** The model's refusal of exactly these VMUs together, or undefined. */
function populationRefusal(population: Scenario, choice: ModelChoice): InputError | undefined {
  try {
    checkAdmission(population, [choice]);
    return undefined;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error;
  }
}

export function refusedModel(choice: ModelChoice, error: InputError): RefusedModel {
  return { model: choice.model.name, reason: `refused by admission/configuration: ${withLine(error).message}` };
}

/** Every refusal is one the scenario's `expect:` asks for: a result, not bad input. */
export function expectsEveryRefusal(scenario: Scenario, refused: RefusedModel[]): boolean {
  return refused.every((r) => scenario.expectations.some((e) => e.kind === 'admission' && e.model === r.model && e.refused));
}

/** Run the scenario under each chosen model that admits it and check its expectations. */
export function compare(scenario: Scenario, choices: ModelChoice[], options: RunOptions = {}): Results {
  const { admitted, refused } = admitModels(scenario, choices);
  const runs = admitted.map((c) => simulate(scenario, c.model, c.request, options));
  const seed = options.seed ?? scenario.seed;
  return {
    schema: RESULTS_SCHEMA,
    scenario: resultsScenario(scenario, seed),
    runs,
    expectations: checkExpectations(scenario, runs, refused),
    ...(refused.length > 0 && { refused }),
  };
}
