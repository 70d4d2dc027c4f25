// VMU lifecycle (issue 13): a VMU with a `start` asks admission at that instant, against the VMUs
// admitted and not yet stopped then, under the model's own admission rule (IRMOS §2.8 per-CPU
// Σ Q/P, RT-group and SCHED_DEADLINE sums §3.3/§4.5 in linux-irmos.md): the model's build is the
// oracle, run on the population alive at that instant. A refused VMU never starts, and that is a
// result of the run (ModelRun.lifecycle), not an abort. A stop releases the reservation, so a VMU
// starting later counts only what is still alive.

import type { Scenario, VmuSpec } from '../scenario/types.js';
import { InputError } from '../errors.js';
import type { VmuStart } from '../metrics/results.js';

export type { VmuStart };

export function hasLifetime(vmu: VmuSpec): boolean {
  return vmu.startNs !== undefined || vmu.stopNs !== undefined || vmu.bootNs !== undefined;
}

export function hasLifecycle(scenario: Scenario): boolean {
  return scenario.vmus.some(hasLifetime);
}

/** `scenario` with only `vmus` (and the flows between them). */
export function withVmus(scenario: Scenario, vmus: VmuSpec[]): Scenario {
  const ids = new Set(vmus.map((v) => v.id));
  const flows = scenario.flows?.filter((f) => ids.has(f.from) && ids.has(f.to));
  return { ...scenario, vmus, ...(flows !== undefined && { flows }) };
}

/** The VMUs there for the whole run: what the model admits (or refuses) as a whole before it starts. */
export function fromTheStart(scenario: Scenario): Scenario {
  return hasLifecycle(scenario) ? withVmus(scenario, scenario.vmus.filter((v) => !hasLifetime(v))) : scenario;
}

/**
 * Admit each VMU with a lifetime at its start, in start order (scenario order on ties), against the
 * VMUs there for the whole run plus those admitted earlier and not stopped by then. `refusal` runs
 * the model's admission on a population (undefined: admitted). Returns the scenario the run
 * simulates (refused VMUs removed) and each lifetime VMU's verdict, in scenario order.
 */
export function admitAtStarts(scenario: Scenario, refusal: (population: Scenario) => InputError | undefined): { scenario: Scenario; starts: VmuStart[] } {
  const timed = scenario.vmus.filter(hasLifetime);
  const order = [...timed].sort((a, b) => (a.startNs ?? 0) - (b.startNs ?? 0));
  const admitted: VmuSpec[] = [];
  const verdicts = new Map<string, VmuStart>();
  for (const vmu of order) {
    const at = vmu.startNs ?? 0;
    const alive = new Set(admitted.filter((a) => (a.stopNs ?? Infinity) > at));
    const population = scenario.vmus.filter((v) => !hasLifetime(v) || alive.has(v) || v === vmu);
    const error = inScenario(refusal(withVmus(scenario, population)), population, scenario);
    const verdict: VmuStart = { vmu: vmu.id, startNs: at, stopNs: vmu.stopNs ?? null, admitted: error === undefined };
    if (error === undefined) admitted.push(vmu);
    else verdict.reason = error.message;
    verdicts.set(vmu.id, verdict);
  }
  const kept = new Set(admitted);
  return {
    scenario: withVmus(scenario, scenario.vmus.filter((v) => !hasLifetime(v) || kept.has(v))),
    starts: timed.map((v) => verdicts.get(v.id)!),
  };
}

/** The refusal with its pointer into the scenario file: the population's `/vmus/i` is the scenario's `/vmus/j`. */
function inScenario(error: InputError | undefined, population: VmuSpec[], scenario: Scenario): InputError | undefined {
  const match = error === undefined ? null : /^\/vmus\/(\d+)(.*)$/.exec(error.pointer);
  if (error === undefined || match === null) return error;
  const index = scenario.vmus.indexOf(population[Number(match[1])]);
  return new InputError({ ...error.toJSON(), pointer: `/vmus/${index}${match[2]}` });
}
