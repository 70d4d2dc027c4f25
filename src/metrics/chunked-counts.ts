// Bucket counts of a latency histogram that has seen many distinct buckets: HdrHistogram's counts
// array cut into chunks of 32 counts, a chunk allocated only when a value falls in it, packed in
// one pool and found through a directory spanning only the chunks between the smallest and the
// largest index seen. Recording is O(1), and memory grows with the buckets hit, not the values
// recorded. A histogram logs its first 1024 values (histogram.ts) and moves here after.
//
// Counts are stored in base 16: the pool holds each count's low 4 bits, two to a byte, and the
// higher digits of the buckets that reached 16 are counts of their own, one level up (`carries`,
// the same structure, spanning only those buckets). The counts stay exact whatever their size
// (HdrHistogram's packed arrays make the same trade), but a bucket costs half a byte instead of
// four: a task's response and wake-up times over a few milliseconds touch thousands of buckets at
// 3 significant digits, each a few times per 100 s (issue 14: 16–24 KB per histogram of 32-bit
// counts after 100 s of the 1024-task reference host, ≤ 10 KB per task wanted). Measured on that
// host's histograms (bench/RESULTS.md): 4-bit digits in chunks of 32 take 2.0 + 3.4 KB per task at
// 100 and 400 s, bytes in chunks of 16 took 3.7 + 5.2 KB, 2-bit digits would save little more.

const CHUNK_BITS = 5;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK_SIZE - 1;
/** Bits of a digit, and its base. */
const DIGIT_BITS = 4;
const DIGIT = 1 << DIGIT_BITS;
const DIGIT_MASK = DIGIT - 1;
/** A pool byte holds two digits: the even bucket's in its low half. */
const CHUNK_BYTES = CHUNK_SIZE / 2;

/** Grow an array of `length` to hold at least `needed`: by half again, so growing is amortised O(1) with a third of the slack of doubling. */
const grown = (length: number, needed: number, least: number) => Math.max(needed, least, length + (length >> 1));

export class ChunkedCounts {
  /** Low digits of the counts of the chunks in use, CHUNK_SIZE per chunk (CHUNK_BYTES bytes), in the order they were first used. */
  private pool = new Uint8Array(0);
  private chunksUsed = 0;
  /** Chunk k (indices k·32 … k·32 + 31) is chunk directory[k − firstChunk] − 1 of the pool; 0: all its counts are zero. */
  private directory = new Uint16Array(0);
  private firstChunk = 0;
  /** count ÷ 16 (rounded down) of each bucket, once a bucket reached 16; null before. */
  private carries: ChunkedCounts | null = null;

  /** Count `n` more values at bucket index `index`. */
  add(index: number, n: number): void {
    const k = index >>> CHUNK_BITS;
    let slot = k - this.firstChunk;
    if (slot < 0 || slot >= this.directory.length) slot = this.cover(k);
    let at = this.directory[slot];
    if (at === 0) at = this.directory[slot] = this.newChunk();
    const byte = (at - 1) * CHUNK_BYTES + ((index & IN_CHUNK) >>> 1);
    const shift = (index & 1) * DIGIT_BITS;
    const pair = this.pool[byte];
    const sum = ((pair >>> shift) & DIGIT_MASK) + n;
    if (sum < DIGIT) {
      this.pool[byte] = pair + (n << shift);
      return;
    }
    this.pool[byte] = (pair & ~(DIGIT_MASK << shift)) | ((sum % DIGIT) << shift);
    (this.carries ??= new ChunkedCounts()).add(index, Math.floor(sum / DIGIT));
  }

  /** The count at bucket index `index`. */
  countAt(index: number): number {
    const slot = (index >>> CHUNK_BITS) - this.firstChunk;
    if (slot < 0 || slot >= this.directory.length) return 0;
    const at = this.directory[slot];
    if (at === 0) return 0;
    const low = (this.pool[(at - 1) * CHUNK_BYTES + ((index & IN_CHUNK) >>> 1)] >>> ((index & 1) * DIGIT_BITS)) & DIGIT_MASK;
    return this.carries === null ? low : low + DIGIT * this.carries.countAt(index);
  }

  /** The lowest bucket index at which the running count, in ascending index order, reaches `wanted`; -1 if it never does. */
  indexAtRank(wanted: number): number {
    let total = 0;
    const carries = this.carries;
    for (let slot = 0; slot < this.directory.length; slot++) {
      const at = this.directory[slot];
      // A bucket with a carry always has its chunk here (its low byte was counted first).
      if (at === 0) continue;
      const base = (at - 1) * CHUNK_BYTES;
      const first = (this.firstChunk + slot) << CHUNK_BITS;
      for (let i = 0; i < CHUNK_SIZE; i++) {
        total += (this.pool[base + (i >>> 1)] >>> ((i & 1) * DIGIT_BITS)) & DIGIT_MASK;
        if (carries !== null) total += DIGIT * carries.countAt(first + i);
        if (total >= wanted) return first + i;
      }
    }
    return -1;
  }

  storageBytes(): number {
    return this.pool.byteLength + this.directory.byteLength + (this.carries?.storageBytes() ?? 0);
  }

  /** Widen the directory to include chunk `k` (by half again at least, so a run re-allocates it a few times); its slot. */
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
    const length = grown(old.length, highest - lowest + 1, 4);
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
    if (this.chunksUsed * CHUNK_BYTES === this.pool.length) {
      const pool = new Uint8Array(grown(this.chunksUsed, this.chunksUsed + 1, 4) * CHUNK_BYTES);
      pool.set(this.pool);
      this.pool = pool;
    }
    return ++this.chunksUsed;
  }
}
