// A wake-up overhead that is not the same every time. The kernel runs recorded by validate:linux
// (reports/validation/linux.md) show a SCHED_FIFO thread's timer wake-up latency with a tight body
// and a long thin tail — fifo-periodic: p50 22 µs, p99 66 µs, max 422 µs over all runs — which a
// constant reproduces at the median and misses at p99 and beyond. What the runs record, and what a
// user can measure on their own machine (rt-app's wu_lat, cyclictest), are a few quantiles of that
// latency, so the distribution is given by them: the quantile function through the points
// (probability, ns) — e.g. (0.5, 22 µs), (0.99, 74 µs), (1, 420 µs) — linear between two points
// (piecewise-uniform density), drawn by inverse transform: Q(u) for u uniform in [0, 1). It never
// exceeds the last point (the observed max) and reproduces every given quantile exactly in the
// limit; below the lowest point given the value is that point's (a user who states no minimum gets
// no mass below the median — the bias is towards the measured body, never towards 0). [M] Draws are
// independent: the kernel's bursts of lateness (the hypervisor pre-empting the vCPU for a while)
// are not modelled; a parametric law (log-normal, Pareto) was rejected because nothing measured
// here fits one and its tail would exceed the observed max.
//
// A sampler owns its own RNG stream (rng.ts: one stream per task and purpose), so a host with
// distributions draws nothing from any other stream: the releases, demands and tick phases of a run
// are the same with or without it, and a host whose overheads are constant draws nothing at all.

import type { Ns } from './system.js';
import type { Rng } from './rng.js';

/** The quantile function of a delay: points (p, ns), p strictly increasing in [0, 1] ending at 1, ns non-decreasing. */
export interface QuantileDelay {
  readonly quantiles: readonly (readonly [p: number, ns: Ns])[];
}

/** A constant delay in ns, or one drawn per occurrence from its quantiles. */
export type OverheadDelay = Ns | QuantileDelay;

/** Q(u) of `d` for u in [0, 1): linear between the points around u, the lowest point's value below it. */
export function quantileOf(d: QuantileDelay, u: number): number {
  const q = d.quantiles;
  if (u <= q[0][0]) return q[0][1];
  for (let i = 1; i < q.length; i++) {
    const [p1, v1] = q[i];
    if (u <= p1) {
      const [p0, v0] = q[i - 1];
      return v0 + ((v1 - v0) * (u - p0)) / (p1 - p0);
    }
  }
  return q[q.length - 1][1];
}

/** The delay's median: its value wherever one value must stand for it (a grid offset, a report). */
export function medianNs(d: OverheadDelay): Ns {
  return typeof d === 'number' ? d : Math.round(quantileOf(d, 0.5));
}

/** The sum of several delays, drawn once per occurrence; constant (no draw) when every term is. */
export class DelaySampler {
  /** The sum of the constant terms. */
  private readonly fixedNs: Ns;
  private readonly drawn: QuantileDelay[];
  /** Made at the first draw of a distribution. */
  private stream: Rng | null = null;

  constructor(
    terms: readonly OverheadDelay[],
    /** Used only if a term is a distribution; its own stream (see the header). */
    private readonly rng: () => Rng,
  ) {
    this.fixedNs = terms.reduce<Ns>((sum, t) => (typeof t === 'number' ? sum + t : sum), 0);
    this.drawn = terms.filter((t): t is QuantileDelay => typeof t !== 'number');
  }

  /** True when every draw is the same (no term is a distribution). */
  get constant(): boolean {
    return this.drawn.length === 0;
  }

  /** 0 when every term is 0: no wake-up is delayed at all. */
  get none(): boolean {
    return this.constant && this.fixedNs === 0;
  }

  /** One occurrence's delay, whole ns. */
  next(): Ns {
    if (this.drawn.length === 0) return this.fixedNs;
    this.stream ??= this.rng();
    let sum = 0;
    for (const d of this.drawn) sum += quantileOf(d, this.stream.next());
    return this.fixedNs + Math.round(sum);
  }
}
