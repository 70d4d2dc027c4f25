// VMU lifecycle (issue 13): a VMU with a `start` asks admission at that instant, against the VMUs
// admitted and not yet stopped then, under the model's own admission rule (IRMOS §2.8 per-CPU
// Σ Q/P, RT-group and SCHED_DEADLINE sums §3.3/§4.5 in linux-irmos.md): the model's build is the
// oracle, run on the population alive at that instant. A refused VMU never starts, and that is a
// result of the run (ModelRun.lifecycle), not an abort. A stop releases the reservation, so a VMU
// starting later counts only what is still alive. A run-time SLA change (renegotiation) is judged the
// same way at its instant, with the new SLA in place of the one in force.

import type { Ns, Scenario, Sla, VmuSpec } from '../scenario/types.js';
import type { SlaChange } from '../engine/system.js';
import { InputError } from '../errors.js';
import type { SlaChangeVerdict, SlaTerms, VmuStart } from '../metrics/results.js';

export type { SlaChangeVerdict, VmuStart };

export function hasLifetime(vmu: VmuSpec): boolean {
  return vmu.startNs !== undefined || vmu.stopNs !== undefined || vmu.bootNs !== undefined;
}

export function hasLifecycle(scenario: Scenario): boolean {
  return scenario.vmus.some((v) => hasLifetime(v) || v.slaChanges !== undefined);
}

/** `scenario` with only `vmus` (and the flows and chains between them): a population admission judges. */
export function withVmus(scenario: Scenario, vmus: VmuSpec[]): Scenario {
  const ids = new Set(vmus.map((v) => v.id));
  const flows = scenario.flows?.filter((f) => ids.has(f.from) && ids.has(f.to));
  const chains = scenario.chains?.filter((c) => c.stages.every((s) => (s.kind === 'hop' ? ids.has(s.from) && ids.has(s.to) : s.kind !== 'compute' || ids.has(s.vmu))));
  return { ...scenario, vmus, hostThreads: threadsOf(scenario, ids), ...(flows !== undefined && { flows }), ...(chains !== undefined && { chains }) };
}

/** The host threads, less those of a VMU not in `ids` (a migration thread inside an absent instance's reservation). */
function threadsOf(scenario: Scenario, ids: ReadonlySet<string>): Scenario['hostThreads'] {
  return scenario.hostThreads.filter((t) => t.ioThreadOf === undefined || ids.has(t.ioThreadOf));
}

/**
 * The scenario a run simulates: the VMUs admitted (`vmus`), and those refused at their start kept
 * aside as absentVmus — never up, but the flows and chains that name them still run, and lose or
 * fail what reaches them (destinationAbsent), as traffic to a VMU that was never created does.
 */
function withAbsentVmus(scenario: Scenario, vmus: VmuSpec[]): Scenario {
  const kept = new Set(vmus.map((v) => v.id));
  const absentVmus = scenario.vmus.filter((v) => !kept.has(v.id));
  return { ...scenario, vmus, hostThreads: threadsOf(scenario, kept), ...(absentVmus.length > 0 && { absentVmus }) };
}

/** The VMUs there for the whole run: what the model admits (or refuses) as a whole before it starts. */
export function fromTheStart(scenario: Scenario): Scenario {
  return hasLifecycle(scenario) ? withVmus(scenario, scenario.vmus.filter((v) => !hasLifetime(v))) : scenario;
}

/** What changes the admitted population at an instant: a VMU starts or stops, or asks for a new SLA. */
type LifecycleEvent = { atNs: Ns; kind: 'stop' | 'change' | 'start'; vmu: VmuSpec; change?: SlaChange };

/** At one instant a stop releases its reservation first, then SLA changes are judged, then starts (scenario order on ties). */
const EVENT_ORDER = { stop: 0, change: 1, start: 2 } as const;

function timeline(scenario: Scenario): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  for (const vmu of scenario.vmus) {
    if (hasLifetime(vmu)) events.push({ atNs: vmu.startNs ?? 0, kind: 'start', vmu });
    if (vmu.stopNs !== undefined) events.push({ atNs: vmu.stopNs, kind: 'stop', vmu });
    for (const change of vmu.slaChanges ?? []) events.push({ atNs: change.atNs, kind: 'change', vmu, change });
  }
  // Array.prototype.sort is stable: scenario order on ties.
  return events.sort((a, b) => a.atNs - b.atNs || EVENT_ORDER[a.kind] - EVENT_ORDER[b.kind]);
}

/**
 * Walk the run's lifecycle events in time order and ask the model's admission at each: a VMU with a
 * lifetime at its start, a VMU's SLA change at its instant — each against the VMUs alive then (there
 * for the whole run, or admitted earlier and not stopped), every one with the SLA in force for it
 * then. `refusal` runs the model's admission on a population (undefined: admitted). Returns the
 * scenario the run simulates (refused VMUs removed, every SLA change carrying its verdict), each
 * lifetime VMU's verdict and each SLA change's, in scenario order.
 */
export function admitOverTime(scenario: Scenario, refusal: (population: Scenario) => InputError | undefined): { scenario: Scenario; starts: VmuStart[]; changes: SlaChangeVerdict[] } {
  const alive = new Set(scenario.vmus.filter((v) => !hasLifetime(v)));
  const slaInForce = new Map(scenario.vmus.map((v) => [v, v.sla]));
  const starts = new Map<VmuSpec, VmuStart>();
  const changes = new Map<SlaChange, SlaChangeVerdict>();
  const judge = (population: VmuSpec[]): InputError | undefined => {
    const inForce = population.map((v) => (slaInForce.get(v) === v.sla ? v : { ...v, sla: slaInForce.get(v)! }));
    const error = refusal(withVmus(scenario, inForce));
    return inScenario(error, population, scenario);
  };
  for (const event of timeline(scenario)) {
    const { vmu } = event;
    const population = scenario.vmus.filter((v) => alive.has(v) || v === vmu);
    if (event.kind === 'stop') {
      alive.delete(vmu);
    } else if (event.kind === 'start') {
      const error = judge(population);
      if (error === undefined) alive.add(vmu);
      starts.set(vmu, { vmu: vmu.id, startNs: event.atNs, stopNs: vmu.stopNs ?? null, admitted: error === undefined, ...(error !== undefined && { reason: error.message }) });
    } else {
      const change = event.change!;
      const from = slaInForce.get(vmu)!;
      const verdict: SlaChangeVerdict = { vmu: vmu.id, atNs: change.atNs, from: slaOf(from), to: slaOf(change.sla), admitted: false };
      if (!alive.has(vmu)) {
        verdict.reason = `VMU ${vmu.id} is not running then (refused at its start)`;
      } else {
        slaInForce.set(vmu, change.sla);
        const error = judge(population);
        if (error === undefined) verdict.admitted = true;
        else {
          slaInForce.set(vmu, from); // refused: the SLA in force stays
          // The refusal names the change asked for, whichever reservation the test saw last.
          const pointer = `/vmus/${scenario.vmus.indexOf(vmu)}/slaChanges/${vmu.slaChanges!.indexOf(change)}/sla`;
          verdict.reason = new InputError({ ...error.toJSON(), pointer }).message;
        }
      }
      changes.set(change, verdict);
    }
  }
  const kept = scenario.vmus.filter((v) => !hasLifetime(v) || starts.get(v)!.admitted);
  const judged = kept.map((v) =>
    v.slaChanges === undefined ? v : { ...v, slaChanges: v.slaChanges.map((c) => ({ ...c, admitted: changes.get(c)!.admitted, ...(changes.get(c)!.reason !== undefined && { reason: changes.get(c)!.reason }) })) },
  );
  return {
    scenario: withAbsentVmus(scenario, judged),
    starts: scenario.vmus.filter(hasLifetime).map((v) => starts.get(v)!),
    changes: scenario.vmus.flatMap((v) => (v.slaChanges ?? []).map((c) => changes.get(c)!)),
  };
}

function slaOf(sla: Sla): SlaTerms {
  return { budgetNs: sla.budget, periodNs: sla.period, deadlineNs: sla.deadline };
}

/** The refusal with its pointer into the scenario file: the population's `/vmus/i` is the scenario's `/vmus/j`. */
function inScenario(error: InputError | undefined, population: VmuSpec[], scenario: Scenario): InputError | undefined {
  const match = error === undefined ? null : /^\/vmus\/(\d+)(.*)$/.exec(error.pointer);
  if (error === undefined || match === null) return error;
  const index = scenario.vmus.indexOf(population[Number(match[1])]);
  return new InputError({ ...error.toJSON(), pointer: `/vmus/${index}${match[2]}` });
}
