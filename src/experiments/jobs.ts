// The units of simulation work, as plain data so they run on a worker thread or in-process alike:
// one scenario under one model (with its schedule excerpt), or one point of a figure sweep.
// Results and failures come back as plain data too.

import { findModel } from '../../models/index.js';
import { InputError, type InputErrorFields } from '../errors.js';
import type { ModelRun } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import { scheduleExcerptRecorder, type GanttTrace } from './schedule-excerpt.js';
import { simulate } from './simulate.js';
import { isolationVariants, markedAggressors } from './isolation-variants.js';
import { runFigurePoint, type FigurePoint, type ModelPick } from './sweeps.js';

/** What every worker receives once: the loaded scenarios and, per scenario, the models to run. */
export interface ExperimentInput {
  scenarios: Scenario[];
  models: ModelPick[][];
}

export type ExperimentJob =
  | { kind: 'run'; scenario: number; model: number }
  | { kind: 'figure'; scenario: number; figure: number; point: number }
  /** One run of the isolation matrix (src/isolation): variant 0 is the baseline, i + 1 the i-th marked aggressor misbehaving. */
  | { kind: 'isolation'; scenario: number; model: number; variant: number };

export type ExperimentResult = { kind: 'run'; run: ModelRun; gantt: GanttTrace } | { kind: 'figure'; point: FigurePoint } | { kind: 'isolation'; run: ModelRun };

/** A job's failure as data; InputErrors keep their fields so the CLI reports them as bad input. */
export type JobFailure = { input: InputErrorFields } | { message: string; stack?: string };

export function runExperimentJob(input: ExperimentInput, job: ExperimentJob): ExperimentResult {
  switch (job.kind) {
    case 'run': {
      const scenario = input.scenarios[job.scenario];
      const pick = input.models[job.scenario][job.model];
      const recorder = scheduleExcerptRecorder(scenario);
      const run = simulate(scenario, findModel(pick.name, scenario.file, pick.request?.pointer ?? ''), pick.request, { observer: recorder.observer });
      return { kind: 'run', run, gantt: recorder.finish() };
    }
    case 'figure':
      return { kind: 'figure', point: runFigurePoint(input.scenarios[job.scenario], job.figure, job.point, input.models[job.scenario]) };
    case 'isolation': {
      const scenario = input.scenarios[job.scenario];
      const pick = input.models[job.scenario][job.model];
      const { baseline, attacks } = isolationVariants(scenario, markedAggressors(scenario));
      const variant = job.variant === 0 ? baseline : attacks[job.variant - 1];
      return { kind: 'isolation', run: simulate(variant, findModel(pick.name, scenario.file, pick.request?.pointer ?? ''), pick.request) };
    }
  }
}

export function toFailure(err: unknown): JobFailure {
  if (err instanceof InputError) return { input: err.toJSON() };
  if (err instanceof Error) return { message: err.message, stack: err.stack };
  return { message: String(err) };
}

export function fromFailure(f: JobFailure): Error {
  if ('input' in f) return new InputError(f.input);
  const err = new Error(f.message);
  if (f.stack) err.stack = f.stack;
  return err;
}
