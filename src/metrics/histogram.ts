// Latency histogram: HdrHistogram's log-linear buckets at 3 significant digits (Gil Tene's design:
// each power of two split into 1024 equal sub-buckets, so every value is kept to within 0.1 %),
// stored sparsely. The counts live in 64-byte chunks of 16 counts, allocated only when a value
// falls in them, packed in one pool per histogram and found through a directory that spans only
// the chunks between the smallest and the largest value seen — the dense arrays of hdr-histogram-js
// cost 128 KB per histogram whatever was recorded, and 512-byte chunks each in its own typed array
// still cost ~11 KB per histogram at 64 CPUs (issue 14: 10 KB per task at 64 CPUs and 1024 tasks;
// a power of two above 2048 ns spans 1024 sub-buckets, so a latency spread over a few of them
// touched many large chunks). A histogram that records nothing holds no array. Bucket boundaries
// and the percentile rule are
// HdrHistogram's exactly; test/histogram.test.ts checks every percentile against hdr-histogram-js.
// The exact count, min, max and sum are kept beside the buckets (tests compare them with analytic
// bounds to the nanosecond).

import type { Ns } from '../engine/system.js';

/** Largest value the buckets resolve (about 16.7 minutes); larger samples saturate there, max stays exact. */
const HIGHEST_TRACKABLE_NS = 1e12;
/** 3 significant digits: unit resolution up to 2·10³ needs 2048 sub-buckets, half of them per bucket above the first. */
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_COUNT = SUB_BUCKET_HALF_COUNT * 2;
const CHUNK_BITS = 4;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK_SIZE - 1;
/** The directory holds pool positions + 1 (0: chunk absent); indexOf(1e12) >>> 4 is about 2000 chunks, well within 16 bits. */
const NO_CHUNKS = new Uint16Array(0);
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
  /** Counts of the chunks in use, CHUNK_SIZE per chunk, in the order they were first used. */
  private pool = NO_COUNTS;
  private chunksUsed = 0;
  /** Chunk k (indices k·16 … k·16 + 15) is at pool position directory[k − firstChunk] − 1; 0: all its counts are zero. */
  private directory = NO_CHUNKS;
  private firstChunk = 0;
  count = 0;
  min: Ns = Infinity;
  max: Ns = 0;
  sum = 0;

  record(value: Ns): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const index = indexOf(Math.min(Math.max(value, 0), HIGHEST_TRACKABLE_NS));
    const k = index >>> CHUNK_BITS;
    let slot = k - this.firstChunk;
    if (slot < 0 || slot >= this.directory.length) slot = this.cover(k);
    let at = this.directory[slot];
    if (at === 0) at = this.directory[slot] = this.newChunk();
    this.pool[(at - 1) * CHUNK_SIZE + (index & IN_CHUNK)]++;
  }

  /** Widen the directory to include chunk `k` (doubling, so a run re-allocates it a few times at most); its slot. */
  private cover(k: number): number {
    const old = this.directory;
    const oldFirst = this.firstChunk;
    if (old.length === 0) {
      this.directory = new Uint16Array(4);
      this.firstChunk = k;
      return 0;
    }
    const lowest = Math.min(k, oldFirst);
    const highest = Math.max(k, oldFirst + old.length - 1);
    const length = Math.max(highest - lowest + 1, old.length * 2);
    // Grow towards the chunk that did not fit; the slack goes on that side too.
    const first = k < oldFirst ? highest - length + 1 : lowest;
    const directory = new Uint16Array(length);
    directory.set(old, oldFirst - first);
    this.directory = directory;
    this.firstChunk = first;
    return k - first;
  }

  /** A zeroed chunk in the pool; its position + 1. */
  private newChunk(): number {
    if (this.chunksUsed * CHUNK_SIZE === this.pool.length) {
      const pool = new Uint32Array(Math.max(4, this.chunksUsed * 2) * CHUNK_SIZE);
      pool.set(this.pool);
      this.pool = pool;
    }
    return ++this.chunksUsed;
  }

  /** Bytes its count arrays hold (the memory a recorded histogram costs beyond its object). */
  storageBytes(): number {
    return this.pool.byteLength + this.directory.byteLength;
  }

  /** Value at percentile p (0..100): the bucket's representative, clipped to the exact max. */
  percentile(p: number): Ns {
    if (this.count === 0) return 0;
    if (p >= 100) return this.max;
    return Math.min(this.max, Math.round(this.bucketValueAt(p)));
  }

  /** HdrHistogram's getValueAtPercentile over the sparse chunks. */
  private bucketValueAt(p: number): number {
    const fpCount = (Math.min(p, 100) / 100) * this.count;
    const wanted = Math.max(Math.ceil(fpCount - ulp(fpCount)), 1);
    let total = 0;
    for (let slot = 0; slot < this.directory.length; slot++) {
      const at = this.directory[slot];
      if (at === 0) continue;
      const base = (at - 1) * CHUNK_SIZE;
      for (let i = 0; i < CHUNK_SIZE; i++) {
        total += this.pool[base + i];
        if (total >= wanted) {
          const value = lowestValueAt(((this.firstChunk + slot) << CHUNK_BITS) + i);
          return p === 0 ? value : highestEquivalent(value);
        }
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
