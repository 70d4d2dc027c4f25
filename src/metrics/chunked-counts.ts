// Bucket counts of a latency histogram that has seen many distinct buckets: HdrHistogram's counts
// array cut into chunks of 16 counts (64 bytes), a chunk allocated only when a value falls in it,
// packed in one pool and found through a directory spanning only the chunks between the smallest
// and the largest index seen. Recording is O(1), and memory grows with the buckets hit, not the
// values recorded. A histogram logs its first 1024 values (histogram.ts) and moves here after.

const CHUNK_BITS = 4;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK_SIZE - 1;

export class ChunkedCounts {
  /** Counts of the chunks in use, CHUNK_SIZE per chunk, in the order they were first used. */
  private pool = new Uint32Array(0);
  private chunksUsed = 0;
  /** Chunk k (indices k·16 … k·16 + 15) is at pool position directory[k − firstChunk] − 1; 0: all its counts are zero. */
  private directory = new Uint16Array(0);
  private firstChunk = 0;

  /** Count `n` more values at bucket index `index`. */
  add(index: number, n: number): void {
    const k = index >>> CHUNK_BITS;
    let slot = k - this.firstChunk;
    if (slot < 0 || slot >= this.directory.length) slot = this.cover(k);
    let at = this.directory[slot];
    if (at === 0) at = this.directory[slot] = this.newChunk();
    this.pool[(at - 1) * CHUNK_SIZE + (index & IN_CHUNK)] += n;
  }

  /** The lowest bucket index at which the running count, in ascending index order, reaches `wanted`; -1 if it never does. */
  indexAtRank(wanted: number): number {
    let total = 0;
    for (let slot = 0; slot < this.directory.length; slot++) {
      const at = this.directory[slot];
      if (at === 0) continue;
      const base = (at - 1) * CHUNK_SIZE;
      for (let i = 0; i < CHUNK_SIZE; i++) {
        total += this.pool[base + i];
        if (total >= wanted) return ((this.firstChunk + slot) << CHUNK_BITS) + i;
      }
    }
    return -1;
  }

  storageBytes(): number {
    return this.pool.byteLength + this.directory.byteLength;
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
}
