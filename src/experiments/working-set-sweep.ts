// The runs behind a working-set sweep (seed figure 14, docs/reference/cache.md): one task's working
// set takes each value, everything else unchanged, and the observed VMU's tasks are measured under
// each of the scenario's models. Folded into a chart by src/report/working-set-figure.ts.

import { InputError } from '../errors.js';
import { findModel } from '../../models/index.js';
import type { FigureRequest, Ns, Scenario, TaskSpec } from '../scenario/types.js';
import { simulate } from './simulate.js';
import type { ModelRun } from '../metrics/results.js';

export type WorkingSetSweep = Extract<FigureRequest, { kind: 'working-set-sweep' }>;

/** One model at one working set: the observed VMU's worst response, misses, and the work it got done. */
export interface WorkingSetOutcome {
  model: string;
  refused?: string;
  responseMaxNs: Ns;
  missed: number;
  judged: number;
  completed: number;
  /** Work (solo ns of progress) its tasks did per ns of CPU the VMU received: 1 without interference. */
  workPerCpu: number;
}

export interface WorkingSetPoint {
  kind: 'working-set-sweep';
  workingSetBytes: number;
  outcomes: WorkingSetOutcome[];
}

/** The scenario with `figure.task`'s working set replaced. */
export function workingSetVariant(scenario: Scenario, figure: WorkingSetSweep, bytes: number): Scenario {
  const swap = <T extends TaskSpec>(t: T): T => (t.id === figure.task && t.memory ? { ...t, memory: { ...t.memory, workingSetBytes: bytes } } : t);
  return {
    ...scenario,
    name: `${scenario.name}.${figure.task}-ws-${bytes}B`,
    durationNs: figure.durationNs,
    warmupNs: Math.min(scenario.warmupNs, Math.floor(figure.durationNs / 10)),
    vmus: scenario.vmus.map((v) => ({ ...v, tasks: v.tasks.map(swap) })),
    hostThreads: scenario.hostThreads.map(swap),
    expectations: [],
    figures: [],
  };
}

function outcome(run: ModelRun, vmuId: string): Omit<WorkingSetOutcome, 'model'> {
  const vmu = run.vmus.find((v) => v.id === vmuId);
  const mine = run.tasks.filter((t) => t.vmu === vmuId);
  const work = mine.reduce((a, t) => a + t.cpuTimeNs, 0);
  return {
    responseMaxNs: Math.max(0, ...mine.map((t) => t.response.maxNs)),
    missed: mine.reduce((a, t) => a + t.missed, 0),
    judged: mine.reduce((a, t) => a + t.judged, 0),
    completed: mine.reduce((a, t) => a + t.completed, 0),
    workPerCpu: vmu && vmu.cpuTimeNs > 0 ? Math.round((work / vmu.cpuTimeNs) * 1e6) / 1e6 : 1,
  };
}

export function runWorkingSetPoint(scenario: Scenario, figure: WorkingSetSweep, point: number, models: { name: string; request?: { params: Record<string, unknown>; pointer: string } }[]): WorkingSetPoint {
  const bytes = figure.workingSets[point];
  const variant = workingSetVariant(scenario, figure, bytes);
  const outcomes = models.map((m): WorkingSetOutcome => {
    try {
      return { model: m.name, ...outcome(simulate(variant, findModel(m.name, scenario.file, ''), m.request), figure.vmu) };
    } catch (err) {
      if (err instanceof InputError) return { model: m.name, refused: err.expected, responseMaxNs: 0, missed: 0, judged: 0, completed: 0, workPerCpu: 1 };
      throw err;
    }
  });
  return { kind: 'working-set-sweep', workingSetBytes: bytes, outcomes };
}
