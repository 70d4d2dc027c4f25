// Fixed-size latency histogram: HdrHistogram (hdr-histogram-js, pure-JS buckets) at 3 significant
// digits, so memory does not grow with run length, plus the exact count, min, max and sum, which
// tests compare with analytic bounds to the nanosecond.

import * as hdr from 'hdr-histogram-js';
import type { Ns } from '../scenario/types.js';

/** Largest value the buckets resolve (about 16.7 minutes); larger samples saturate there, max stays exact. */
const HIGHEST_TRACKABLE_NS = 1e12;

export class LatencyHistogram {
  private readonly buckets = hdr.build({
    bitBucketSize: 32,
    numberOfSignificantValueDigits: 3,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_NS,
    autoResize: false,
    useWebAssembly: false,
  });
  count = 0;
  min: Ns = Infinity;
  max: Ns = 0;
  sum = 0;

  record(value: Ns): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.buckets.recordValue(Math.min(Math.max(value, 0), HIGHEST_TRACKABLE_NS));
  }

  /** Value at percentile p (0..100): the bucket's representative, clipped to the exact max. */
  percentile(p: number): Ns {
    if (this.count === 0) return 0;
    if (p >= 100) return this.max;
    return Math.min(this.max, Math.round(this.buckets.getValueAtPercentile(p)));
  }

  /** Values at the given percentiles (0..100), for a CDF; empty when nothing was recorded. */
  quantiles(percentiles: readonly number[]): Ns[] {
    if (this.count === 0) return [];
    return percentiles.map((p) => (p <= 0 ? this.min : this.percentile(p)));
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      minNs: this.count === 0 ? 0 : this.min,
      meanNs: Math.round(this.mean()),
      p50Ns: this.percentile(50),
      p90Ns: this.percentile(90),
      p99Ns: this.percentile(99),
      p999Ns: this.percentile(99.9),
      maxNs: this.max,
    };
  }
}

export interface LatencySummary {
  count: number;
  minNs: Ns;
  meanNs: Ns;
  p50Ns: Ns;
  p90Ns: Ns;
  p99Ns: Ns;
  p999Ns: Ns;
  maxNs: Ns;
}
