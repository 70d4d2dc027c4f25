// Library entry points for schedule traces: run one scenario under one model with a TraceRecorder.

import type { ModelRun } from '../metrics/results.js';
import type { Ns, Scenario } from '../scenario/types.js';
import { simulate, type ModelChoice } from '../experiments/simulate.js';
import { serializeTrace, TraceRecorder, type TraceDocument, type TraceOptions } from './recorder.js';

export interface TraceRunOptions extends TraceOptions {
  seed?: number;
}

export interface TraceRun {
  trace: TraceDocument;
  /** The run's results. When the window ends before the scenario does, the run stopped at `toNs`. */
  run: ModelRun;
  recorder: TraceRecorder;
}

/**
 * Run `scenario` under one model and record its schedule. With a window ending before the end of
 * the scenario the simulation stops at the window's end (the engine is causal: nothing later can
 * change what happened before), so a short window of a long scenario is cheap.
 */
export function traceScenario(scenario: Scenario, choice: ModelChoice, options: TraceRunOptions = {}): TraceRun {
  const seed = options.seed ?? scenario.seed;
  const recorder = new TraceRecorder(scenario, choice.model.name, seed, options);
  const endNs: Ns = recorder.toNs;
  const runScenario = endNs < scenario.durationNs ? { ...scenario, durationNs: endNs } : scenario;
  const run = simulate(runScenario, choice.model, choice.request, { seed, observer: recorder });
  recorder.finish(endNs);
  return { trace: recorder.document(), run, recorder };
}

export { serializeTrace };
