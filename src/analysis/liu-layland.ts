// Rate-monotonic and deadline-monotonic priority assignment and the Liu & Layland utilisation bound.
//
// Liu & Layland 1973 (JACM 20(1)): n implicit-deadline periodic tasks are RM-schedulable if
// U ≤ n(2^{1/n} − 1), which decreases to ln 2 ≈ 0.693 — the "~69 %" that the IRMOS deliverable
// (seed 000, §5) contrasts with EDF's 100 %. The bound is sufficient only: responseTimeAnalysis in
// rta.ts is the exact test. Deadline-monotonic order is optimal among fixed priorities for
// constrained deadlines (Leung & Whitehead 1982).

import { type AnalysisTask, compareUtilisation, validateTasks } from './tasks.js';

/** n(2^{1/n} − 1) for n ≥ 1 tasks; 1 for n = 1, → ln 2 as n → ∞. */
export function liuLaylandBound(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`liuLaylandBound needs n ≥ 1, got ${n}`);
  // expm1 keeps precision for large n, where 2^{1/n} − 1 would cancel catastrophically.
  return n * Math.expm1(Math.LN2 / n);
}

/** Sufficient RM test for implicit deadlines: U ≤ liuLaylandBound(n). False does not mean unschedulable. */
export function rmUtilisationTest(tasks: readonly AnalysisTask[]): boolean {
  validateTasks(tasks);
  if (tasks.length === 0) return true;
  // The bound is irrational for n ≥ 2, so a float comparison is as exact as it can be; n = 1 is U ≤ 1.
  if (tasks.length === 1) return compareUtilisation(tasks) <= 0;
  let u = 0;
  for (const t of tasks) u += t.wcet / t.period;
  return u <= liuLaylandBound(tasks.length);
}

/**
 * Copies of the tasks (same order) with distinct priorities n..1 assigned by `key` ascending; ties
 * go to the lower index. Distinct priorities keep the RTA exact (see rta.ts on ties).
 */
function assignByKey(tasks: readonly AnalysisTask[], key: (t: AnalysisTask) => number[]): AnalysisTask[] {
  validateTasks(tasks);
  const order = tasks.map((_, i) => i);
  order.sort((a, b) => {
    const ka = key(tasks[a]);
    const kb = key(tasks[b]);
    for (let k = 0; k < ka.length; k++) if (ka[k] !== kb[k]) return ka[k] - kb[k];
    return a - b;
  });
  const out = tasks.map((t) => ({ ...t }));
  order.forEach((idx, rank) => {
    out[idx].priority = tasks.length - rank;
  });
  return out;
}

/** Rate-monotonic: shorter period = higher priority (ties: shorter deadline, then lower index). */
export function rmPriorities(tasks: readonly AnalysisTask[]): AnalysisTask[] {
  return assignByKey(tasks, (t) => [t.period, t.deadline]);
}

/** Deadline-monotonic: shorter relative deadline = higher priority (ties: shorter period, then index). */
export function dmPriorities(tasks: readonly AnalysisTask[]): AnalysisTask[] {
  return assignByKey(tasks, (t) => [t.deadline, t.period]);
}
