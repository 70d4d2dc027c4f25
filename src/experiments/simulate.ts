// The library entry points: simulate one scenario under one model, or compare several.

import type { HypervisorModel } from '../engine/model.js';
import { Simulator, type SimObserver } from '../engine/simulator.js';
import { checkExpectations, collectRun, resultsScenario, RESULTS_SCHEMA, type ModelRun, type Results } from '../metrics/results.js';
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
  const sim = new Simulator(scenario, model, {
    seed: options.seed,
    params: request?.params ?? {},
    paramsPointer: request ? `${request.pointer}/params` : '',
    observer: options.observer,
    onProgress: options.onProgress && ((now) => options.onProgress!(model.name, now)),
  });
  sim.run();
  return collectRun(sim, scenario.answer ? [scenario.answer.because] : []);
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

/** Run the scenario under each chosen model and check its expectations. */
export function compare(scenario: Scenario, choices: ModelChoice[], options: RunOptions = {}): Results {
  const runs = choices.map((c) => simulate(scenario, c.model, c.request, options));
  const seed = options.seed ?? scenario.seed;
  return {
    schema: RESULTS_SCHEMA,
    scenario: resultsScenario(scenario, seed),
    runs,
    expectations: checkExpectations(scenario, runs),
  };
}
