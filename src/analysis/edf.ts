// EDF schedulability on one processor or inside one reservation.
//
// * Utilisation test — Liu & Layland 1973: implicit deadlines (D = T) are EDF-schedulable iff U ≤ 1.
//   This is the 100 % the IRMOS deliverable (seed 000 §5) contrasts with RM's ~69 %, and the
//   per-CPU bound behind IRMOS / SCHED_DEADLINE admission (linux-irmos.md §2.8, §4.5).
// * Processor-demand criterion — Baruah, Mok & Rosier 1990 ("Preemptively scheduling hard-real-time
//   sporadic tasks on one processor", RTSS): schedulable iff dbf(t) ≤ t for every t, where
//   dbf(t) = Σ max(0, ⌊(t − D_i)/T_i⌋ + 1)·C_i. Only absolute deadlines need checking (dbf is a step
//   function that rises only there), and only up to a horizon: the L* bound
//   max(D_max, Σ (T_i − D_i)U_i / (1 − U)) (Baruah et al. 1990; George, Rivierre & Spuri 1996), the
//   synchronous busy period L_b (Spuri 1996; Ripoll, Crespo & Mok 1996) and the hyperperiod, the
//   smallest of which is used.
// * Hierarchical form — Shin & Lee 2003: inside a reservation with supply bound sbf, schedulable iff
//   dbf(t) ≤ sbf(t) for all t; with sbf(t) ≥ α(t − Δ) the horizon becomes
//   max(D_max, (Σ (T_i − D_i)U_i + αΔ) / (α − U)).

import { type SupplyOptions, resolveSupply } from './supply-options.js';
import { type AnalysisTask, ceilDiv, compareUtilisation, floorDiv, hyperperiod, utilisation, validateTasks } from './tasks.js';

/** U ≤ 1, exact (BigInt) for integer parameters. Exact EDF test for D = T; only necessary for D < T. */
export function edfUtilisationTest(tasks: readonly AnalysisTask[]): boolean {
  validateTasks(tasks);
  return compareUtilisation(tasks) <= 0;
}

/** Demand bound function: total work of jobs with release and deadline inside a window of length t. */
export function demandBound(tasks: readonly AnalysisTask[], t: number): number {
  let d = 0;
  for (const k of tasks) if (t >= k.deadline) d += (floorDiv(t - k.deadline, k.period) + 1) * k.wcet;
  return d;
}

export interface EdfDemandOptions extends SupplyOptions {
  /** Deadlines to check when no horizon can be derived (a supply without supplyRate/supplyDelay). */
  horizon?: number;
}

export interface EdfDemandResult {
  schedulable: boolean;
  /** Largest t that needed checking (0 when decided by utilisation alone). */
  horizon: number;
  /** Absolute deadlines evaluated. */
  checkedDeadlines: number;
  /** Why it failed: utilisation above the supply rate, or a demand violation. */
  reason?: 'utilisation' | 'demand';
  /** Earliest t ≤ horizon with dbf(t) > sbf(t). */
  firstViolation?: { t: number; demand: number; supply: number };
}

const MAX_CHECKS = 10_000_000;
const MAX_BUSY_STEPS = 10_000_000;

/** Length of the synchronous busy period: least w > 0 with Σ⌈w/T_i⌉C_i = w. Needs U ≤ 1. */
function busyPeriod(tasks: readonly AnalysisTask[]): number {
  let w = tasks.reduce((a, t) => a + t.wcet, 0);
  for (let step = 0; step < MAX_BUSY_STEPS; step++) {
    let next = 0;
    for (const t of tasks) next += ceilDiv(w, t.period) * t.wcet;
    if (next === w) return w;
    w = next;
  }
  return Infinity;
}

/**
 * Σ (T_i − D_i)·U_i: for t ≥ max D_i every term of dbf satisfies ⌊(t − D)/T⌋ + 1 ≤ (t − D + T)/T,
 * so dbf(t) ≤ U·t + this constant. That is why the horizons below are max(D_max, ...).
 */
function slackConstant(tasks: readonly AnalysisTask[]): number {
  return tasks.reduce((a, t) => a + (t.period - t.deadline) * (t.wcet / t.period), 0);
}

/** Horizon on a dedicated processor: min(L*, L_b, H); L* only exists for U < 1. */
function dedicatedHorizon(tasks: readonly AnalysisTask[], dMax: number): number {
  const lStar =
    compareUtilisation(tasks) < 0 ? Math.ceil(Math.max(dMax, slackConstant(tasks) / (1 - utilisation(tasks)))) : Infinity;
  const bound = Math.min(lStar, busyPeriod(tasks), hyperperiodOrInfinity(tasks));
  if (!Number.isFinite(bound)) throw new RangeError('EDF demand test: U = 1 and no finite horizon (hyperperiod overflows)');
  return bound;
}

function horizonFor(tasks: readonly AnalysisTask[], opts: EdfDemandOptions): number | 'infeasible' {
  const s = resolveSupply(opts);
  const dMax = Math.max(...tasks.map((t) => t.deadline));
  if (compareUtilisation(tasks) > 0) return 'infeasible'; // sbf(t) ≤ t, so no supply can help
  if (s.dedicated) return dedicatedHorizon(tasks, dMax);
  if (s.rate !== undefined && s.delay !== undefined) {
    // Rate 1 with no delay is the whole processor (sbf(t) = t, e.g. Γ(P, P)).
    if (s.rate >= 1 && s.delay === 0) return dedicatedHorizon(tasks, dMax);
    const gap = s.rate - utilisation(tasks);
    // At U = α the demand keeps pace with the supply but Γ(P, Q) with Q < P lags its rate by a
    // constant (sbf(t) ≤ α(t − (P − Q))), so dbf(kH) = αkH > sbf(kH): infeasible. Assumed of any
    // supply with a positive delay.
    if (gap < -1e-12 || (Math.abs(gap) <= 1e-12 && s.delay > 0)) return 'infeasible';
    if (gap > 1e-12) return Math.ceil(Math.max(dMax, (slackConstant(tasks) + s.rate * s.delay) / gap));
  }
  if (opts.horizon !== undefined) return opts.horizon;
  throw new RangeError('EDF demand test with a supply needs supplyRate and supplyDelay, or an explicit horizon');
}

function hyperperiodOrInfinity(tasks: readonly AnalysisTask[]): number {
  return tasks.every((t) => Number.isSafeInteger(t.period)) ? hyperperiod(tasks) : Infinity;
}

export function edfDemandAnalysis(tasks: readonly AnalysisTask[], opts: EdfDemandOptions = {}): EdfDemandResult {
  validateTasks(tasks);
  if (tasks.length === 0) return { schedulable: true, horizon: 0, checkedDeadlines: 0 };
  const horizon = horizonFor(tasks, opts);
  if (horizon === 'infeasible') return { schedulable: false, horizon: 0, checkedDeadlines: 0, reason: 'utilisation' };
  const supply = resolveSupply(opts).supply;

  // Per task, walk its absolute deadlines D_i + kT_i ≤ horizon and stop at its first violation; the
  // earliest violation overall is the minimum of those. Later tasks only scan below it.
  let first: EdfDemandResult['firstViolation'];
  let checked = 0;
  for (const task of tasks) {
    for (let t = task.deadline; t <= horizon && (first === undefined || t < first.t); t += task.period) {
      if (++checked > MAX_CHECKS) {
        throw new RangeError(`EDF demand test: more than ${MAX_CHECKS} deadlines below horizon ${horizon}`);
      }
      const demand = demandBound(tasks, t);
      const available = supply(t);
      if (demand > available) {
        first = { t, demand, supply: available };
        break;
      }
    }
  }
  return first === undefined
    ? { schedulable: true, horizon, checkedDeadlines: checked }
    : { schedulable: false, horizon, checkedDeadlines: checked, reason: 'demand', firstViolation: first };
}

/** Processor-demand criterion (dbf ≤ sbf at every deadline up to the horizon). U > 1 → false at once. */
export function edfDemandTest(tasks: readonly AnalysisTask[], opts: EdfDemandOptions = {}): boolean {
  return edfDemandAnalysis(tasks, opts).schedulable;
}
