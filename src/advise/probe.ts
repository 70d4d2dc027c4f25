// One simulated probe of a candidate configuration: admitted by the model, and did any job of the
// watched tasks miss its deadline? `advise` bisects budgets and copy counts with it. A model's
// admission refusal (an InputError from its build) is an outcome here, not an abort: the candidate
// is simply infeasible, and the refusal's text says which test failed.

import { gcd } from '../analysis/tasks.js';
import { InputError } from '../errors.js';
import { checkAdmission, simulate, type ModelChoice } from '../experiments/simulate.js';
import type { Ns, Scenario } from '../scenario/types.js';

export type Probe =
  | { kind: 'met'; judged: number }
  | { kind: 'missed'; missed: number; judged: number }
  | { kind: 'refused'; reason: string };

export const probeOk = (p: Probe): boolean => p.kind === 'met';

/** Run `variant` under `choice` and judge the tasks in `watched` (none judged counts as a miss: nothing was shown). */
export function probe(variant: Scenario, choice: ModelChoice, watched: ReadonlySet<string>, seed?: number): Probe {
  let run;
  try {
    run = simulate(variant, choice.model, choice.request, { seed });
  } catch (err) {
    if (err instanceof InputError) return { kind: 'refused', reason: err.expected };
    throw err;
  }
  const mine = run.tasks.filter((t) => watched.has(t.id));
  const missed = mine.reduce((a, t) => a + t.missed, 0);
  const judged = mine.reduce((a, t) => a + t.judged, 0);
  return missed === 0 && judged > 0 ? { kind: 'met', judged } : { kind: 'missed', missed, judged };
}

/** Why the model refuses `variant` (its admission control or parameter ranges), or undefined: it builds it. */
export function admissionRefusal(variant: Scenario, choice: ModelChoice): string | undefined {
  try {
    checkAdmission(variant, [choice]);
    return undefined;
  } catch (err) {
    if (err instanceof InputError) return err.expected;
    throw err;
  }
}

export function probeText(p: Probe): string {
  switch (p.kind) {
    case 'met':
      return `no miss in ${p.judged} jobs`;
    case 'missed':
      return p.judged === 0 ? 'no job judged' : `${p.missed} of ${p.judged} jobs missed`;
    case 'refused':
      return `refused: ${p.reason}`;
  }
}

/**
 * Least k in (lo, hi] with ok(k), given ok(hi) and not ok(lo) (monotone: every k above the
 * boundary is ok). Each probe is remembered, so the caller can show the step below the answer.
 */
export function bisect<T>(lo: number, hi: number, test: (k: number) => T, ok: (t: T) => boolean): { k: number; at: T; below: T | undefined; probes: number } {
  const seen = new Map<number, T>();
  const run = (k: number) => {
    let t = seen.get(k);
    if (t === undefined) {
      t = test(k);
      seen.set(k, t);
    }
    return t;
  };
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (ok(run(mid))) hi = mid;
    else lo = mid;
  }
  return { k: hi, at: run(hi), below: seen.get(lo), probes: seen.size };
}

/** Horizon of a probe: k hyperperiods (least common multiple) of `periods`, at most maxNs. */
export function probeHorizon(periods: readonly Ns[], k: number, maxNs: Ns): Ns {
  let h = 1;
  for (const p of periods) {
    h = (h / gcd(h, p)) * p;
    if (h > maxNs) return maxNs;
  }
  return Math.min(maxNs, Math.max(1, k * h));
}
