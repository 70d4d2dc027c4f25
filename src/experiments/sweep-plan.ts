// The plan of `hvsim sweep`: the scenario file read once as data, each grid point's values set in
// a copy (src/experiments/sweep-grid.ts) and resolved here — so a bad pointer, value or unit is bad
// input before anything runs — and one job per point and model, named by a content hash of what
// decides its result: the resolved scenario, the model and its parameters, and the simulator's
// version and code (src/experiments/fingerprint.ts). The cache, the shards and the queue all key
// on it; the plan's own id (a hash of every job key) tells which partial results belong together.

import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { parseScenarioData, readInputText } from '../scenario/load.js';
import type { MachineFlags } from '../scenario/machine.js';
import { contentHash, hvsimFingerprint } from './fingerprint.js';
import { experimentFromData, isRtappFile, resolveModels } from './load.js';
import { gridPoints, parseSetSpecs, setAtPointer, type SweepParameter, type SweepValue } from './sweep-grid.js';
import type { SweepJob } from './sweep-job.js';

export interface PlannedJob {
  point: number;
  model: number;
  /** sha256 of the resolved scenario, the model's request and the simulator fingerprint. */
  key: string;
  job: SweepJob;
}

export interface SweepPlan {
  scenario: { name: string; file: string; seed: number };
  parameters: SweepParameter[];
  models: string[];
  /** One value per parameter, the first parameter varying slowest. */
  points: SweepValue[][];
  /** Point-major, model-minor: job i is point ⌊i / models⌋ under model i mod models. */
  jobs: PlannedJob[];
  fingerprint: string;
  id: string;
  /** The tasks and host threads of the scenario as the file has them (for `--task`). */
  taskIds: string[];
}

export interface PlanOptions {
  /** `--models a,b`; default the scenario's list, else the standard set. */
  models?: string;
  machine?: MachineFlags;
}

export function planSweep(file: string, specs: readonly string[], options: PlanOptions = {}): SweepPlan {
  if (isRtappFile(file)) {
    throw new InputError({ file, pointer: '', expected: 'a scenario file (JSON or YAML) to sweep', found: 'an rt-app workload', hint: 'turn it into a scenario with `hvsim import rtapp --json` first' });
  }
  const machine = options.machine ?? {};
  const base = parseScenarioData(readInputText(file, 'a readable scenario file'), file);
  const baseScenario = experimentFromData(structuredClone(base), file, machine);
  const models = resolveModels(baseScenario, options.models).map((c) => c.model.name);
  const parameters = parseSetSpecs(specs);
  const points = gridPoints(parameters);
  const label = basename(file);
  const fingerprint = hvsimFingerprint();
  const jobs: PlannedJob[] = [];
  points.forEach((values, point) => {
    const doc = structuredClone(base);
    parameters.forEach((p, i) => setAtPointer(doc, p.pointer, values[i], file));
    const scenario = resolvePoint(doc, file, machine, parameters, values);
    models.forEach((model, m) => {
      const [choice] = resolveModels(scenario, model);
      const { file: _path, ...resolved } = scenario;
      const key = contentHash({ fingerprint, file: label, scenario: resolved, model, request: choice.request ?? null, machine });
      jobs.push({ point, model: m, key, job: { doc, file: label, machine, model } });
    });
  });
  const id = contentHash({ fingerprint, keys: jobs.map((j) => j.key), parameters, models });
  const taskIds = [...baseScenario.vmus.flatMap((v) => v.tasks.map((t) => t.id)), ...baseScenario.hostThreads.map((t) => t.id)];
  return { scenario: { name: baseScenario.name, file: label, seed: baseScenario.seed }, parameters, models, points, jobs, fingerprint, id, taskIds };
}

/** The point's scenario; an error it has is the file's, with the --set values that caused it named. */
function resolvePoint(doc: unknown, file: string, machine: MachineFlags, parameters: SweepParameter[], values: SweepValue[]) {
  try {
    return experimentFromData(structuredClone(doc), file, machine);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const set = parameters.map((p, i) => `${p.pointer}=${JSON.stringify(values[i])}`).join(', ');
    const own = error.hint ? `${error.hint}; ` : '';
    throw new InputError({ ...error.toJSON(), hint: `${own}at the sweep point ${set}` });
  }
}
