// Demand scaling, one rule for its two users: `--work-scale k` (the work was measured or calibrated
// on another machine: every execution demand × k) and `hvsim isolation`'s aggressor mode `scale`
// (a misbehaving VMU demands k times its execution time).

import { programExec } from './program.js';
import type { ExecDist, Ns, Scenario, TaskSpec } from './types.js';

export interface ScaleOptions {
  /**
   * Scale wall-clock busy loops (rt-app `runtime` steps) too. A misbehaving task runs longer
   * whatever its kind; a slower machine does not lengthen a loop that watches the clock.
   */
  wallClock: boolean;
}

/** Every job demand × k (at least 1 ns). A program's run steps scale too, and its `exec` follows them. */
export function scaleTask<T extends TaskSpec>(task: T, k: number, options: ScaleOptions = { wallClock: true }): T {
  const s = (ns: Ns) => Math.max(1, Math.round(ns * k));
  if (task.arrival.kind === 'program') {
    const source = task.arrival.program;
    const program = {
      ...source,
      phases: source.phases.map((p) => ({ ...p, steps: p.steps.map((st) => (st.kind === 'run' && (options.wallClock || !st.wall) && st.ns > 0 ? { ...st, ns: s(st.ns) } : st)) })),
    };
    return { ...task, arrival: { ...task.arrival, program }, exec: programExec(program) };
  }
  return { ...task, exec: scaleExec(task.exec, s) };
}

export function scaleExec(e: ExecDist, s: (ns: Ns) => Ns): ExecDist {
  switch (e.kind) {
    case 'constant':
      return { kind: 'constant', value: s(e.value) };
    case 'uniform':
      return { kind: 'uniform', min: s(e.min), max: s(e.max) };
    case 'truncnormal':
      return { kind: 'truncnormal', mean: s(e.mean), sd: Math.round(e.sd * (s(e.mean) / Math.max(1, e.mean))), min: s(e.min), max: s(e.max) };
    case 'trace':
      return { kind: 'trace', values: e.values.map(s) };
  }
}

/**
 * `--work-scale k`: every execution demand of the scenario × k — tasks, host threads, program run
 * steps (not wall-clock `runtime` loops) and the guest CPU of each I/O request. Device times,
 * periods, budgets and the models' own overhead costs stay as written.
 */
export function scaleWork(scenario: Scenario, k: number): Scenario {
  if (k === 1) return scenario;
  const s = (ns: Ns) => Math.max(1, Math.round(ns * k));
  const opts = { wallClock: false };
  return {
    ...scenario,
    vmus: scenario.vmus.map((v) => ({ ...v, tasks: v.tasks.map((t) => scaleTask(t, k, opts)), io: v.io.map((l) => ({ ...l, compute: scaleExec(l.compute, s) })) })),
    hostThreads: scenario.hostThreads.map((t) => scaleTask(t, k, opts)),
  };
}

/** The largest demand a job can have, or null when the distribution has no finite maximum. */
export function maxDemand(e: ExecDist): Ns | null {
  switch (e.kind) {
    case 'constant':
      return e.value;
    case 'uniform':
      return e.max;
    case 'truncnormal':
      return Number.isFinite(e.max) ? e.max : null;
    case 'trace':
      return e.values.length > 0 ? Math.max(...e.values) : null;
  }
}
