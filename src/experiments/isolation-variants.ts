// The scenarios the isolation matrix (src/isolation/matrix.ts, its rules at the top) runs: the
// baseline with every aggressor behaving, and one variant per aggressor with only it misbehaving.
// Here, below the report and the CLI, so the report's worker pool can run them as jobs.

import type { Misbehaviour, Scenario, TaskSpec, VmuSpec } from '../scenario/types.js';
import { scaleTask } from '../scenario/scale.js';

export interface Aggressor {
  vmu: string;
  misbehaviour: Misbehaviour;
}

/** The aggressors the scenario marks, in scenario order. */
export function markedAggressors(scenario: Scenario): Aggressor[] {
  return scenario.vmus.filter((v) => v.aggressor !== undefined).map((v) => ({ vmu: v.id, misbehaviour: v.aggressor! }));
}

/** The scenarios the matrix runs: the baseline and one attack per aggressor (what each run simulates). */
export function isolationVariants(scenario: Scenario, aggressors: Aggressor[]): { baseline: Scenario; attacks: Scenario[] } {
  if (aggressors.length === 0) throw new RangeError('isolationMatrix needs at least one aggressor');
  const baseline = baselineVariant(scenario, aggressors);
  return { baseline, attacks: aggressors.map((a) => attackVariant(baseline, a)) };
}

/** The scenario with every aggressor behaving: its busy tasks removed. */
export function baselineVariant(scenario: Scenario, aggressors: Aggressor[]): Scenario {
  const ids = new Set(aggressors.map((a) => a.vmu));
  return {
    ...scenario,
    vmus: scenario.vmus.map((v) => (ids.has(v.id) ? { ...v, tasks: v.tasks.filter((t) => t.arrival.kind !== 'busy') } : v)),
    expectations: [],
  };
}

/** The baseline with `aggressor` misbehaving. */
export function attackVariant(baseline: Scenario, aggressor: Aggressor): Scenario {
  const taken = new Set([...baseline.vmus.flatMap((v) => v.tasks.map((t) => t.id)), ...baseline.hostThreads.map((t) => t.id)]);
  return {
    ...baseline,
    vmus: baseline.vmus.map((v) => (v.id === aggressor.vmu ? misbehave(v, aggressor.misbehaviour, taken) : v)),
  };
}

function misbehave(vmu: VmuSpec, how: Misbehaviour, taken: Set<string>): VmuSpec {
  if (how.mode === 'scale') return { ...vmu, tasks: vmu.tasks.map((t) => scaleTask(t, how.factor)) };
  const loops: TaskSpec[] = Array.from({ length: vmu.vcpus }, (_, i) => ({
    id: uniqueId(`${vmu.id}.loop${i}`, taken),
    arrival: { kind: 'busy', offset: 0 },
    exec: { kind: 'constant', value: 1 },
    deadline: Infinity,
    policy: { class: 'fair', nice: 19 },
    affinity: [i],
  }));
  return { ...vmu, tasks: [...vmu.tasks, ...loops] };
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

