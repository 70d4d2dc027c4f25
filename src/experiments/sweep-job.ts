// One point of a sweep under one model, as plain JSON data so that it runs the same on a worker
// thread, in this thread, or on another machine through the queue (src/experiments/queue.ts): the
// scenario document with the point's values set, resolved there exactly as `hvsim run <file> -m
// <model>` resolves a file. A model's admission refusal is the point's result, not a failure.
// This module is also the worker-thread entry of the local pool.

import { codeUrl } from '../code-root.js';
import { InputError } from '../errors.js';
import type { ModelRun } from '../metrics/results.js';
import type { MachineFlags } from '../scenario/machine.js';
import { withLine } from '../scenario/load.js';
import { experimentFromData, resolveModels } from './load.js';
import { serveJobs, type JobRunner } from './pool.js';
import { simulate } from './simulate.js';

export interface SweepJob {
  /** The scenario file's data with this point's values set. */
  doc: unknown;
  /** The file's name (no folder) as messages name it: outputs do not depend on where it lies. */
  file: string;
  machine: MachineFlags;
  model: string;
}

export type SweepOutcome = { model: string; run: ModelRun } | { model: string; refused: string };

export function runSweepJob(_data: unknown, job: SweepJob): SweepOutcome {
  const scenario = experimentFromData(structuredClone(job.doc), job.file, job.machine);
  const [choice] = resolveModels(scenario, job.model);
  try {
    return { model: job.model, run: simulate(scenario, choice.model, choice.request) };
  } catch (error) {
    if (error instanceof InputError) return { model: job.model, refused: `refused by admission/configuration: ${withLine(error).message}` };
    throw error;
  }
}

export const sweepJobRunner: JobRunner<unknown, SweepJob, SweepOutcome> = {
  workerUrl: codeUrl('src/experiments/sweep-job.js'), // this module, compiled (src/code-root.ts: also from the bundle)
  runHere: runSweepJob,
};

serveJobs(runSweepJob);
