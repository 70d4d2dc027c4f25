// Latency histogram: HdrHistogram's log-linear buckets at 3 significant digits (Gil Tene's design:
// each power of two split into 1024 equal sub-buckets, so every value is kept to within 0.1 %),
// stored as what was recorded rather than as the bucket array. A recorded value is reduced to its
// bucket index (below 31,600 for the trackable range, so 2 bytes) and appended to a log that
// doubles as needed; a percentile sorts it in place. A task's few hundred latencies thus cost a few
// hundred bytes (its segments come from a shared pool, log-pool.ts). Past 1024 values — or 512, when
// counts of them would take less than the doubled log — the log is poured into chunked counts
// (chunked-counts.ts), where recording is O(1) and memory grows with the buckets hit, not the values
// recorded (issue 14: ≤ 10 KB per task at 64 CPUs and 1024 tasks; the dense arrays of hdr-histogram-js
// cost 128 KB per histogram whatever was recorded, and chunks of 32-bit counts cost ~9 KB for 260
// latencies spread over a millisecond, each in its own 64-byte chunk; the counts are now 4-bit digits,
// 4 bytes a chunk of 8, but a log is still smaller for a few hundred spread values). A histogram that
// records nothing holds no array. Bucket boundaries and the percentile rule are HdrHistogram's
// exactly; test/histogram.test.ts checks every percentile against hdr-histogram-js and against the
// exact sorted values. The exact count, min, max and sum are kept beside the buckets (tests compare
// them with analytic bounds to the nanosecond).

import type { Ns } from '../engine/system.js';
import { ChunkedCounts } from './chunked-counts.js';
import { returnLogSegment, takeLogSegment } from './log-pool.js';
import { widenNumberFields } from '../engine/wide-numbers.js';

/** Largest value the buckets resolve (about 16.7 minutes); larger samples saturate there, max stays exact. */
const HIGHEST_TRACKABLE_NS = 1e12;
/** 3 significant digits: unit resolution up to 2·10³ needs 2048 sub-buckets, half of them per bucket above the first. */
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_COUNT = SUB_BUCKET_HALF_COUNT * 2;
/** The log's first length, and its largest (2 KB): beyond it a histogram keeps chunked counts. */
const FIRST_LOG = 8;
const LOG_LIMIT = 1024;
/**
 * A full log this long is weighed against chunked counts before it doubles to LOG_LIMIT. Once: the
 * weighing reads every entry (weighing at 256 too made the 10 s 64-pCPU run measurably slower), and
 * switching a smaller log could save at most 512 bytes.
 */
const WEIGHED_LOG = LOG_LIMIT / 2;
/**
 * What an array of its own costs beyond its data (measured, Node 20: ~160 bytes on the V8 heap up to
 * 64 bytes of data, ~380 beyond), where a log's segment is a view on a shared slab.
 */
const OWN_ARRAY_BYTES = 256;
/** indexOf(1e12) is 31,558: every bucket index fits in 16 bits. */
const NO_INDICES: Uint16Array = new Uint16Array(0);

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
  /** Bucket indices recorded, in arrival order (the first `logged` entries), until the log is full. */
  private log: Uint16Array = NO_INDICES;
  private logged = 0;
  /** The log is in ascending order up to here (a percentile sorts it in place: order does not matter). */
  private sortedUpTo = 0;
  /** The counts once the log overflowed (then the log is empty). */
  private chunks: ChunkedCounts | null = null;
  count = 0;
  min: Ns = Infinity;
  max: Ns = 0;
  sum = 0;

  constructor() {
    // Doubles from the start: the first response recorded (a time, held as a double) made them so in
    // the first run, which gave the class a new hidden class; a second run's histograms then no longer
    // matched the field type of TaskStats.response/.wakeup, and every optimised function that inlined
    // record() (finishJob, noteStart) deoptimised at that run's start (issue 14, --trace-deopt).
    widenNumberFields(this, ['max', 'sum']);
  }

  record(value: Ns): void {
    this.count++;
    this.sum += value;
    // Stored every time, not under a test: a run whose first values are all 0 (wake-up latencies of
    // tasks released on an idle CPU) had record() optimised before `this.max = value` ever ran, and
    // it deoptimised at the first positive value (issue 14, --trace-deopt of fig11-12-granularity).
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    const index = indexOf(Math.min(Math.max(value, 0), HIGHEST_TRACKABLE_NS));
    if (this.logged < this.log.length) {
      this.log[this.logged++] = index;
      return;
    }
    // A full log, or none (chunked counts leave an empty one): off the common path, into a method
    // every histogram calls from its first value on (each time its log fills), so the optimised
    // record() holds no call or property access a run has not yet reached. The overflow to chunked
    // counts, reached first after record() was optimised, was such an access: record() deoptimised
    // and was compiled again in every cold run (issue 14, --trace-deopt).
    this.recordPastLog(index);
  }

  /** Record `index` when the log is full: into a doubled log, or into chunked counts (moved there first if need be). */
  private recordPastLog(index: number): void {
    if (this.chunks === null && this.growLog()) {
      this.log[this.logged++] = index;
      return;
    }
    (this.chunks ?? this.moveToChunks()).add(index, 1);
  }

  /**
   * Double the full log, up to LOG_LIMIT entries; false when it is at its limit, or when chunked counts
   * of what it holds would take less than the doubled log (values piling up in few buckets: a
   * 10-job/s task's 1,000 response times in 100 s fit ~400 bytes of counts, not a 2 KB log).
   */
  private growLog(): boolean {
    const old = this.log;
    const length = old.length;
    if (length >= LOG_LIMIT) return false;
    if (length === WEIGHED_LOG && ChunkedCounts.bytesOf(old) + OWN_ARRAY_BYTES < 2 * old.byteLength) return false;
    const log = takeLogSegment(Math.max(FIRST_LOG, length * 2));
    log.set(old);
    this.log = log;
    returnLogSegment(old);
    return true;
  }

  /** Pour the log into chunked counts, from now on the histogram's only store. */
  private moveToChunks(): ChunkedCounts {
    const chunks = ChunkedCounts.ofIndices(this.log.subarray(0, this.logged));
    returnLogSegment(this.log);
    this.log = NO_INDICES;
    this.logged = this.sortedUpTo = 0;
    this.chunks = chunks;
    return chunks;
  }

  /** Bytes its arrays hold (the memory a recorded histogram costs beyond its object). */
  storageBytes(): number {
    return this.log.byteLength + (this.chunks?.storageBytes() ?? 0);
  }

  /** Value at percentile p (0..100): the bucket's representative, clipped to the exact max. */
  percentile(p: number): Ns {
    if (this.count === 0) return 0;
    if (p >= 100) return this.max;
    return Math.min(this.max, Math.round(this.bucketValueAt(p)));
  }

  /** HdrHistogram's getValueAtPercentile over the recorded buckets, in ascending order. */
  private bucketValueAt(p: number): number {
    const fpCount = (Math.min(p, 100) / 100) * this.count;
    const wanted = Math.max(Math.ceil(fpCount - ulp(fpCount)), 1);
    const index = this.chunks !== null ? this.chunks.indexAtRank(wanted) : this.loggedIndexAtRank(wanted);
    if (index < 0) return 0;
    const value = lowestValueAt(index);
    return p === 0 ? value : highestEquivalent(value);
  }

  /** The `wanted`-th smallest logged index (1-based), or -1 when fewer were logged. */
  private loggedIndexAtRank(wanted: number): number {
    return wanted <= this.logged ? this.sortedLog()[wanted - 1] : -1;
  }

  /** The logged indices, sorted in place (their order does not matter). */
  private sortedLog(): Uint16Array {
    const logged = this.log.subarray(0, this.logged);
    if (this.sortedUpTo !== this.logged) {
      logged.sort();
      this.sortedUpTo = this.logged;
    }
    return logged;
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
