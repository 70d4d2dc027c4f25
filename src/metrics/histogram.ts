// Latency histogram: HdrHistogram's log-linear buckets at 3 significant digits (Gil Tene's design:
// each power of two split into 1024 equal sub-buckets, so every value is kept to within 0.1 %),
// stored as what was recorded rather than as the bucket array. A recorded value is reduced to its
// bucket index (below 31,600 for the trackable range, so 2 bytes) and appended to a small log;
// when the log fills it is sorted and merged into a sorted list of the distinct indices hit and
// their counts (6 bytes per distinct index). A task's few hundred latencies thus cost a few hundred
// bytes, and a long run's costs grow with the distinct values seen, not with the range they span
// (issue 14: ≤ 10 KB per task at 64 CPUs and 1024 tasks; the dense arrays of hdr-histogram-js
// cost 128 KB per histogram whatever was recorded, and 64-byte chunks of 16 counts still cost
// ~9 KB for 260 latencies spread over a millisecond, each in its own chunk). A histogram that
// records nothing holds no array. Bucket boundaries and the percentile rule are HdrHistogram's
// exactly; test/histogram.test.ts checks every percentile against hdr-histogram-js and against the
// exact sorted values. The exact count, min, max and sum are kept beside the buckets (tests compare
// them with analytic bounds to the nanosecond).

import type { Ns } from '../engine/system.js';

/** Largest value the buckets resolve (about 16.7 minutes); larger samples saturate there, max stays exact. */
const HIGHEST_TRACKABLE_NS = 1e12;
/** 3 significant digits: unit resolution up to 2·10³ needs 2048 sub-buckets, half of them per bucket above the first. */
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_COUNT = SUB_BUCKET_HALF_COUNT * 2;
/** The log's first length, the length below which it always grows rather than merges, and its largest. */
const FIRST_LOG = 8;
const MIN_MERGE_LOG = 256;
const MAX_LOG = 4096;
/** indexOf(1e12) is 31,558: every bucket index fits in 16 bits. */
const NO_INDICES = new Uint16Array(0);
const NO_COUNTS = new Uint32Array(0);

/** HdrHistogram's bucket of a value (lowest discernible value 1 ns, so unit magnitude 0). */
function bucketOf(value: number): number {
  // floor(log2(v)) exactly, by counting leading zeros below 2³² (the common case: under 4.3 s).
  const log2 = value < 0x1_0000_0000 ? 31 - Math.clz32(value) : Math.floor(Math.log2(value));
  return Math.max(log2 - SUB_BUCKET_HALF_COUNT_MAGNITUDE, 0);
}

/** HdrHistogram's counts-array index of a value. */
function indexOf(value: number): number {
  const bucket = bucketOf(value);
  const subBucket = value < 0x1_0000_0000 ? value >>> bucket : Math.floor(value / 2 ** bucket);
  return (bucket + 1) * SUB_BUCKET_HALF_COUNT + subBucket - SUB_BUCKET_HALF_COUNT;
}

/** Smallest value of an index's range (valueFromIndex). */
function lowestValueAt(index: number): number {
  let bucket = Math.floor(index / SUB_BUCKET_HALF_COUNT) - 1;
  let subBucket = (index % SUB_BUCKET_HALF_COUNT) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    subBucket -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return subBucket * 2 ** bucket;
}

/** Largest value equivalent to `value` (highestEquivalentValue). */
function highestEquivalent(value: number): number {
  const bucket = bucketOf(value);
  const subBucket = Math.floor(value / 2 ** bucket);
  const lowest = subBucket * 2 ** bucket;
  const size = 2 ** (subBucket >= SUB_BUCKET_COUNT ? bucket + 1 : bucket);
  return lowest + size - 1;
}

/** One unit in the last place (HdrHistogram's ulp, used to round percentile counts). */
const ulp = (x: number) => 2 ** (Math.floor(Math.log2(x)) - 52);

export class LatencyHistogram {
  /** Bucket indices recorded since the last merge, in arrival order (the first `logged` entries). */
  private log = NO_INDICES;
  private logged = 0;
  /** Distinct bucket indices merged so far, ascending (the first `distinct` entries), and their counts. */
  private indices = NO_INDICES;
  private counts = NO_COUNTS;
  private distinct = 0;
  count = 0;
  min: Ns = Infinity;
  max: Ns = 0;
  sum = 0;

  record(value: Ns): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.logged === this.log.length) this.makeRoom();
    this.log[this.logged++] = indexOf(Math.min(Math.max(value, 0), HIGHEST_TRACKABLE_NS));
  }

  /**
   * Room in the full log: it doubles up to a length that keeps merging cheap (a merge walks the
   * distinct indices once per `length` records), then is merged into the sorted counts and reused.
   */
  private makeRoom(): void {
    const length = this.log.length;
    if (length < Math.max(MIN_MERGE_LOG, this.distinct >>> 1) && length < MAX_LOG) {
      const log = new Uint16Array(Math.max(FIRST_LOG, length * 2));
      log.set(this.log);
      this.log = log;
    } else {
      this.merge();
    }
  }

  /** Fold the log into the sorted distinct indices and counts (merging from the top down, in place). */
  private merge(): void {
    const n = this.logged;
    if (n === 0) return;
    const log = this.log.subarray(0, n).sort();
    const { indices, counts } = this;
    // Distinct indices after the merge: the ones there already plus the log's new ones.
    let merged = this.distinct;
    for (let i = 0, j = 0; i < n; i++) {
      if (i > 0 && log[i] === log[i - 1]) continue;
      while (j < this.distinct && indices[j] < log[i]) j++;
      if (j === this.distinct || indices[j] !== log[i]) merged++;
    }
    if (merged > indices.length) {
      const capacity = Math.max(merged, indices.length + (indices.length >>> 1), FIRST_LOG);
      this.indices = new Uint16Array(capacity);
      this.indices.set(indices.subarray(0, this.distinct));
      this.counts = new Uint32Array(capacity);
      this.counts.set(counts.subarray(0, this.distinct));
    }
    const into = this.indices;
    const tally = this.counts;
    // From the top: the write position never falls below the read position of the old entries.
    let w = merged - 1;
    let j = this.distinct - 1;
    let i = n - 1;
    while (i >= 0) {
      const index = log[i];
      let runs = 1;
      while (i - runs >= 0 && log[i - runs] === index) runs++;
      i -= runs;
      while (j >= 0 && into[j] > index) {
        into[w] = into[j];
        tally[w--] = tally[j--];
      }
      if (j >= 0 && into[j] === index) {
        into[w] = index;
        tally[w--] = tally[j--] + runs;
      } else {
        into[w] = index;
        tally[w--] = runs;
      }
    }
    this.distinct = merged;
    this.logged = 0;
  }

  /** Bytes its arrays hold (the memory a recorded histogram costs beyond its object). */
  storageBytes(): number {
    return this.log.byteLength + this.indices.byteLength + this.counts.byteLength;
  }

  /** Value at percentile p (0..100): the bucket's representative, clipped to the exact max. */
  percentile(p: number): Ns {
    if (this.count === 0) return 0;
    if (p >= 100) return this.max;
    return Math.min(this.max, Math.round(this.bucketValueAt(p)));
  }

  /** HdrHistogram's getValueAtPercentile over the distinct indices, in ascending order. */
  private bucketValueAt(p: number): number {
    this.merge();
    const fpCount = (Math.min(p, 100) / 100) * this.count;
    const wanted = Math.max(Math.ceil(fpCount - ulp(fpCount)), 1);
    let total = 0;
    for (let k = 0; k < this.distinct; k++) {
      total += this.counts[k];
      if (total >= wanted) {
        const value = lowestValueAt(this.indices[k]);
        return p === 0 ? value : highestEquivalent(value);
      }
    }
    return 0;
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
