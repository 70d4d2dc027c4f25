// How a hierarchical analysis is told what CPU supply its tasks get.
//
// Compositional analysis (Shin & Lee 2003; Lipari & Bini 2003) replaces "the whole processor" by a
// supply bound function sbf(t): the least service in any window of length t. Fixed-priority RTA then
// solves sbf(t) ≥ demand(t) and EDF checks dbf(t) ≤ sbf(t). periodicResource(P, Q) in supply.ts
// fills every field for a hard-CBS / IRMOS / SCHED_DEADLINE reservation (linux-irmos.md §2.9).

export interface SupplyOptions {
  /** sbf(t): non-decreasing, sbf(t) ≤ t. Absent = a dedicated processor, sbf(t) = t. */
  supply?: (t: number) => number;
  /** Smallest t with supply(t) ≥ demand. Absent = integer binary search over `supply`. */
  inverseSupply?: (demand: number) => number;
  /** Long-run rate α of the supply (Q/P for Γ(P, Q)); lets the analyses recognise divergence. */
  supplyRate?: number;
  /** Δ of the linear lower bound supply(t) ≥ α(t − Δ) (2(P − Q) for Γ(P, Q)); bounds the EDF horizon. */
  supplyDelay?: number;
}

export interface ResolvedSupply {
  /** True when no supply was given: the dedicated-processor case with exact BigInt boundary checks. */
  dedicated: boolean;
  supply: (t: number) => number;
  inverse: (demand: number) => number;
  rate: number | undefined;
  delay: number | undefined;
}

/**
 * Smallest integer t ≥ 0 with supply(t) ≥ demand, by doubling then bisection: O(log t) calls.
 * Assumes `supply` is non-decreasing on integers (true of every sbf). Infinity if even
 * Number.MAX_SAFE_INTEGER does not reach the demand.
 */
export function inverseBySearch(supply: (t: number) => number): (demand: number) => number {
  return (demand) => {
    if (supply(0) >= demand) return 0;
    let lo = 0; // supply(lo) < demand
    let hi = 1;
    while (supply(hi) < demand) {
      lo = hi;
      if (hi >= Number.MAX_SAFE_INTEGER) return Infinity;
      hi = Math.min(hi * 2, Number.MAX_SAFE_INTEGER);
    }
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (supply(mid) >= demand) hi = mid;
      else lo = mid;
    }
    return hi;
  };
}

export function resolveSupply(opts: SupplyOptions | undefined): ResolvedSupply {
  if (!opts?.supply) {
    if (opts?.inverseSupply) throw new RangeError('inverseSupply given without supply');
    return {
      dedicated: true,
      supply: (t) => Math.max(0, t),
      inverse: (d) => Math.max(0, d),
      rate: 1,
      delay: 0,
    };
  }
  const { supply, supplyRate, supplyDelay } = opts;
  if (supplyRate !== undefined && !(supplyRate >= 0 && supplyRate <= 1)) {
    throw new RangeError(`supplyRate must be in [0, 1], got ${supplyRate}`);
  }
  if (supplyDelay !== undefined && !(Number.isFinite(supplyDelay) && supplyDelay >= 0)) {
    throw new RangeError(`supplyDelay must be ≥ 0, got ${supplyDelay}`);
  }
  return {
    dedicated: false,
    supply,
    inverse: opts.inverseSupply ?? inverseBySearch(supply),
    rate: supplyRate,
    delay: supplyDelay,
  };
}
