// Storage for the value logs of latency histograms (histogram.ts): power-of-two segments of 16-bit
// bucket indices, carved from shared 16 KiB slabs and recycled by size. A log doubles as it fills
// (8, 16, … 1024 entries) and is emptied into chunked counts past that, so a task's histogram used
// to allocate a typed array with its own malloc'd backing store at every doubling: at 1024 tasks
// about 14,000 per 10 s run, each a slow path in V8 that also charges external memory to the GC —
// about 200 ns of every value recorded there (issue 14, profile and microbenchmark). A segment is a
// view on a slab; the one a log outgrows goes to its size's free list for the next log that grows
// to that size. What a segment held before is never read: a log reads only its first `logged` entries.
// A free segment keeps its slab alive, so the free lists are short: after a run at most
// 16 × 8 sizes × 16 KiB stay held by a process that runs nothing else.

const SLAB_BYTES = 1 << 14;
/** Free segments kept per size: enough for logs growing in turn (measured: as little memory as 256), little held after a run. */
const MAX_FREE_PER_SIZE = 16;

let slab = new ArrayBuffer(0);
let slabUsed = 0;
/** Free segments by log2 of their length. */
const free: Uint16Array[][] = Array.from({ length: 16 }, () => []);

/** A log segment of `length` entries (a power of two, at most 2¹⁵); its contents may be a previous user's. */
export function takeLogSegment(length: number): Uint16Array {
  const recycled = free[31 - Math.clz32(length)].pop();
  if (recycled !== undefined) return recycled;
  const bytes = 2 * length;
  if (slabUsed + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const segment = new Uint16Array(slab, slabUsed, length);
  slabUsed += bytes;
  return segment;
}

/** Hand back a segment its log no longer uses (the caller holds no reference to it after this). */
export function returnLogSegment(segment: Uint16Array): void {
  if (segment.length === 0) return;
  const list = free[31 - Math.clz32(segment.length)];
  if (list.length < MAX_FREE_PER_SIZE) list.push(segment);
}
