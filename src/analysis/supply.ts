// Supply guaranteed by a CPU reservation, and the latency bounds that follow from it.
//
// * Periodic resource model Γ(P, Q) — Shin & Lee 2003, "Periodic resource model for compositional
//   real-time guarantees" (RTSS). A hard CBS (Abeni & Buttazzo 1998, "Integrating multimedia
//   applications in hard real-time systems", RTSS; hard variant as in IRMOS and SCHED_DEADLINE,
//   linux-irmos.md §2.4, §4.2) with budget Q every P on a CPU whose EDF utilisation is ≤ 1 supplies
//   at least sbf(t) in any window of length t (linux-irmos.md §2.9).
// * Worst case: the server gets Q at the very start of one period and at the very end of the next,
//   so a backlogged client can see a blackout of 2(P − Q), then Q every P:
//
//     supply:  0 ... 0 | Q | gap P−Q | Q | gap P−Q | Q ...
//              <-2(P−Q)->
//
// * Fixed-grid servers (stock RT throttling §3.1, CFS bandwidth control §6.3) replenish on a global
//   period grid instead of at activation: different worst cases, see fixedGridMaxGap/MaxBurst.
//
// Integer inputs give integer outputs everywhere except lsbf (a rate times a time).

import { ceilDiv, floorDiv } from './tasks.js';

function checkServer(P: number, Q: number): void {
  if (!(Number.isFinite(P) && P > 0)) throw new RangeError(`server period must be > 0, got ${P}`);
  if (!(Number.isFinite(Q) && Q >= 0 && Q <= P)) {
    throw new RangeError(`server budget must satisfy 0 ≤ Q ≤ P = ${P}, got ${Q}`);
  }
}

/**
 * Supply bound function of Γ(P, Q): the least CPU time the server delivers in any interval of
 * length t. Equivalent to Shin & Lee's form (§2.9: k = max(⌈(t − (P−Q))/P⌉, 1); t − (k+1)(P−Q) on
 * [(k+1)P − 2Q, (k+1)P − Q], else (k−1)Q) but written with one floor so it is exact on integers:
 * the supply rises during [jP + (P − 2Q), jP + (P − Q)] for j ≥ 1 and is flat in between.
 */
export function sbf(P: number, Q: number, t: number): number {
  checkServer(P, Q);
  const blackout = 2 * (P - Q);
  if (t <= blackout || Q === 0) return 0;
  const y = t - (P - 2 * Q); // > P here, so j ≥ 1
  const j = floorDiv(y, P);
  const r = y - j * P;
  return (j - 1) * Q + Math.min(r, Q);
}

/** Linear lower bound of sbf: max(0, (Q/P)(t − 2(P − Q))). Rate Q/P, delay 2(P − Q). */
export function lsbf(P: number, Q: number, t: number): number {
  checkServer(P, Q);
  return Math.max(0, (Q / P) * (t - 2 * (P - Q)));
}

/** Longest interval in which a continuously backlogged hard-CBS server may receive nothing: 2(P − Q). */
export function worstCaseServiceDelay(P: number, Q: number): number {
  checkServer(P, Q);
  return 2 * (P - Q);
}

/**
 * Smallest t with sbf(P, Q, t) ≥ demand, in closed form: with m = ⌈demand/Q⌉ full-or-partial
 * budgets needed, the m-th budget starts at (m+1)P − 2Q (after m − 1 full ones) and the rest of the
 * demand is served at rate 1, giving t = (m + 1)(P − Q) + demand. Infinity when Q = 0 and demand > 0.
 */
export function inverseSbf(P: number, Q: number, demand: number): number {
  checkServer(P, Q);
  if (demand <= 0) return 0;
  if (Q === 0) return Infinity;
  const m = ceilDiv(demand, Q);
  return (m + 1) * (P - Q) + demand;
}

/**
 * Worst-case response time of a demand C served alone by a hard CBS (Q, P) (§2.9):
 * (⌈C/Q⌉ + 1)(P − Q) + C while the server may already be mid-period when the demand arrives
 * (this equals inverseSbf(P, Q, C)), or ⌈C/Q⌉(P − Q) + C when the server was idle at arrival and
 * the CBS wake-up rule hands it a fresh (Q, d = t + P): the first budget then comes by t + P, so the
 * initial blackout is only P − Q.
 */
export function cbsResponseBound(
  P: number,
  Q: number,
  C: number,
  opts: { idleAtArrival?: boolean } = {},
): number {
  checkServer(P, Q);
  if (C <= 0) return 0;
  if (Q === 0) return Infinity;
  const m = ceilDiv(C, Q);
  return (opts.idleAtArrival ? m : m + 1) * (P - Q) + C;
}

/**
 * Γ(P, Q) packaged as the supply options of responseTimeAnalysis / edfDemandAnalysis, e.g.
 * `responseTimeAnalysis(tasks, { ...periodicResource(P, Q) })`. The rate and delay are those of lsbf;
 * they let the analyses detect divergence and bound the demand-test horizon.
 */
export function periodicResource(P: number, Q: number): {
  supply: (t: number) => number;
  inverseSupply: (demand: number) => number;
  supplyRate: number;
  supplyDelay: number;
} {
  checkServer(P, Q);
  return {
    supply: (t) => sbf(P, Q, t),
    inverseSupply: (d) => inverseSbf(P, Q, d),
    supplyRate: Q / P,
    supplyDelay: 2 * (P - Q),
  };
}

/**
 * Longest wait of a backlogged client of a fixed-grid server (budget Q refilled at every multiple of
 * P on a global grid: stock RT throttling §3.1(b), CFS bandwidth control §6.3) that burns its budget
 * at the start of a period: P − Q, e.g. 50 ms for the default 950 ms / 1 s RT throttle. With
 * `parallelism` k threads on k CPUs the budget is burnt in ⌈Q/k⌉ of wall time and all threads stall
 * for P − ⌈Q/k⌉ (§6.3). Accounting error (one tick) is not included. Unlike the CBS there is no
 * 2(P − Q) blackout: the next budget is always available at the next grid point.
 */
export function fixedGridMaxGap(P: number, Q: number, parallelism = 1): number {
  checkServer(P, Q);
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new RangeError(`parallelism must be a positive integer, got ${parallelism}`);
  }
  if (Q === 0) return Infinity;
  return P - ceilDiv(Q, parallelism);
}

/**
 * The other side of the fixed grid (§3.1(a), §6.3): because budget may be consumed anywhere in the
 * period, a server can run the last Q of one period and the first Q of the next back to back, i.e.
 * 2Q contiguous (1.9 s of RT with the default throttle), starving everything below it for that
 * long. Infinity when Q = P (never throttled).
 */
export function fixedGridMaxBurst(P: number, Q: number): number {
  checkServer(P, Q);
  return Q === P ? Infinity : 2 * Q;
}
