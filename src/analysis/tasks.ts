// The periodic/sporadic task model shared by every analysis in this directory, plus the integer
// helpers the tests in it rely on.
//
// Model: Liu & Layland 1973 ("Scheduling algorithms for multiprogramming in a hard-real-time
// environment", JACM 20(1)), extended with relative deadlines (constrained D <= T or arbitrary) as in
// Joseph & Pandya 1986 and Audsley et al. 1993. Times are integer nanoseconds in hvsim, but nothing
// here needs the unit; the helpers only assume that parameters are positive safe integers when
// exactness is claimed (see compareUtilisation).

export interface AnalysisTask {
  /** Worst-case execution time C (> 0). */
  wcet: number;
  /** Period or minimum inter-arrival time T (> 0). */
  period: number;
  /** Relative deadline D (> 0). */
  deadline: number;
  /** Fixed priority, higher = more urgent (POSIX SCHED_FIFO style). Only fixed-priority analyses read it. */
  priority?: number;
}

/** Throws RangeError on a parameter no analysis can make sense of (non-finite, zero or negative). */
export function validateTasks(tasks: readonly AnalysisTask[]): void {
  tasks.forEach((t, i) => {
    for (const key of ['wcet', 'period', 'deadline'] as const) {
      const v = t[key];
      if (!Number.isFinite(v) || v <= 0) {
        throw new RangeError(`task ${i}: ${key} must be a positive finite number, got ${v}`);
      }
    }
    if (t.priority !== undefined && !Number.isFinite(t.priority)) {
      throw new RangeError(`task ${i}: priority must be finite, got ${t.priority}`);
    }
  });
}

/** ⌈a/b⌉ for b > 0. Corrects the floating quotient instead of using (a+b-1)/b, which only works for
 *  integers; for safe integers the result is exact either way. */
export function ceilDiv(a: number, b: number): number {
  const q = Math.floor(a / b);
  return q * b < a ? q + 1 : q;
}

/** ⌊a/b⌋ for b > 0, corrected the same way (a float quotient can round up to the next integer). */
export function floorDiv(a: number, b: number): number {
  const q = Math.floor(a / b);
  return q * b > a ? q - 1 : q;
}

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** Σ C_i / T_i in floating point. Use compareUtilisation for decisions at an exact boundary. */
export function utilisation(tasks: readonly AnalysisTask[]): number {
  let u = 0;
  for (const t of tasks) u += t.wcet / t.period;
  return u;
}

/**
 * Least common multiple of the periods: the schedule of a synchronous periodic task set repeats
 * after it (when U ≤ 1). Returns Infinity when it exceeds Number.MAX_SAFE_INTEGER, which happens
 * quickly with nanosecond periods that are not round numbers: callers must treat that as "no usable
 * horizon", not as a number to simulate up to. The empty set gives 1, the neutral element.
 */
export function hyperperiod(tasks: readonly AnalysisTask[]): number {
  let h = 1;
  for (const t of tasks) {
    if (!Number.isSafeInteger(t.period) || t.period <= 0) {
      throw new RangeError(`hyperperiod needs positive integer periods, got ${t.period}`);
    }
    const step = h / gcd(h, t.period);
    // Compare before multiplying: step * period may lose precision before reaching Infinity.
    if (step > Number.MAX_SAFE_INTEGER / t.period) return Infinity;
    h = step * t.period;
  }
  return h;
}

/**
 * Exact sign of (Σ C_i/T_i) − num/den: −1, 0 or 1. With safe-integer parameters the comparison is
 * done on BigInt numerators over the product of the denominators, so U = 1 is recognised as exactly
 * 1 (1/3 + 2/3 is 0.9999999999999999 in floating point, and the U = 1 boundary decides whether a
 * busy period ends). Otherwise falls back to floating point with a 1e-12 tolerance.
 */
export function compareUtilisation(tasks: readonly AnalysisTask[], num = 1, den = 1): -1 | 0 | 1 {
  const ints = [num, den, ...tasks.flatMap((t) => [t.wcet, t.period])];
  if (den > 0 && ints.every((v) => Number.isSafeInteger(v))) {
    // U = Σ C_i·Π_{j≠i}T_j / Π T_j. Keep the running fraction reduced by nothing: BigInt is exact.
    let n = 0n;
    let d = 1n;
    for (const t of tasks) {
      const c = BigInt(t.wcet);
      const p = BigInt(t.period);
      n = n * p + c * d;
      d = d * p;
    }
    const lhs = n * BigInt(den);
    const rhs = BigInt(num) * d;
    return lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
  }
  const diff = utilisation(tasks) - num / den;
  return Math.abs(diff) <= 1e-12 ? 0 : diff < 0 ? -1 : 1;
}
