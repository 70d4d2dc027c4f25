// Chunked bucket counts (src/metrics/chunked-counts.ts) stored in base 16 (half a byte per bucket,
// the higher digits one level up) against plain exact counts: every bucket's count and the bucket at
// every rank must agree, across carries into the second, third and further digits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedCounts } from '../src/metrics/chunked-counts.js';

/** Bucket indices as histograms see them (0 … 31,558), in clusters so counts pile up past 16, 256 and 65,536. */
const additions = fc.array(
  fc.tuple(
    fc.oneof(fc.integer({ min: 0, max: 31_558 }), fc.integer({ min: 11_000, max: 11_100 }), fc.integer({ min: 200, max: 203 })),
    fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 70_000 })),
  ),
  { minLength: 1, maxLength: 400 },
);

/** Every bucket's count and the first and last rank of every bucket, against exact counts. */
function expectExact(counts: ChunkedCounts, exact: Map<number, number>): void {
  const indices = [...exact.keys()].sort((a, b) => a - b);
  for (const index of indices) expect(counts.countAt(index), `count at ${index}`).toBe(exact.get(index));
  if (indices[0] > 0) expect(counts.countAt(indices[0] - 1)).toBe(0);
  // Buckets next to the ones hit, in the same chunk or span or beyond the range, count nothing.
  for (const index of indices) for (const near of [index - 9, index - 1, index + 1, index + 8, index + 300]) {
    if (near >= 0 && !exact.has(near)) expect(counts.countAt(near), `count at ${near}`).toBe(0);
  }
  // The rank boundaries of each bucket: its first and last rank land on it.
  let below = 0;
  for (const index of indices) {
    const n = exact.get(index)!;
    expect(counts.indexAtRank(below + 1), `first rank of ${index}`).toBe(index);
    expect(counts.indexAtRank(below + n), `last rank of ${index}`).toBe(index);
    below += n;
  }
  expect(counts.indexAtRank(below + 1)).toBe(-1);
}

describe('ChunkedCounts (counts in base 16)', () => {
  it('keeps every bucket’s exact count and finds the bucket at every rank', () => {
    fc.assert(
      fc.property(additions, (adds) => {
        const counts = new ChunkedCounts();
        const exact = new Map<number, number>();
        for (const [index, n] of adds) {
          counts.add(index, n);
          exact.set(index, (exact.get(index) ?? 0) + n);
        }
        expectExact(counts, exact);
      }),
      { numRuns: 200, seed: 41 },
    );
  });

  it('keeps them exact when built from a log and counted on (chunks inserted before, between and after)', () => {
    const logged = fc.array(fc.oneof(fc.integer({ min: 0, max: 31_558 }), fc.integer({ min: 11_000, max: 11_400 }), fc.integer({ min: 200, max: 203 })), {
      minLength: 1,
      maxLength: 1024,
    });
    fc.assert(
      fc.property(logged, additions, (log, adds) => {
        const counts = ChunkedCounts.ofIndices(Uint16Array.from(log));
        const exact = new Map<number, number>();
        for (const index of log) exact.set(index, (exact.get(index) ?? 0) + 1);
        expectExact(counts, exact);
        for (const [index, n] of adds) {
          counts.add(index, n);
          exact.set(index, (exact.get(index) ?? 0) + n);
        }
        expectExact(counts, exact);
      }),
      { numRuns: 150, seed: 43 },
    );
  });

  it('keeps them exact when the counts ÷ 16 leave the list at the end (past 128 buckets, or past 65,535)', () => {
    const buckets = fc.uniqueArray(fc.integer({ min: 0, max: 31_558 }), { minLength: 1, maxLength: 300 });
    const counts = fc.array(fc.oneof(fc.integer({ min: 16, max: 100 }), fc.integer({ min: 1, max: 2_000_000 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(buckets, counts, (indices, pieces) => {
        const chunked = new ChunkedCounts();
        const exact = new Map<number, number>();
        // Piece by piece across the buckets, so the list fills before any count ÷ 16 grows large.
        for (const n of pieces) {
          for (const index of indices) {
            chunked.add(index, n);
            exact.set(index, (exact.get(index) ?? 0) + n);
          }
        }
        expectExact(chunked, exact);
      }),
      { numRuns: 60, seed: 47 },
    );
  });

  it('costs about half a byte per bucket of the range hit, not four', () => {
    const counts = new ChunkedCounts();
    // Every bucket of 1–5 ms (indices 11,169 … 13,508) hit 15 times: counts below 16 fit in their half byte.
    for (let round = 0; round < 15; round++) for (let index = 11_169; index <= 13_508; index++) counts.add(index, 1);
    // 2,340 half bytes of counts and the directory's 8 bytes per 256 buckets, with growth slack under half again.
    const halfBytes = 1.5 * (2_340 / 2 + 2_340 / 32);
    expect(counts.storageBytes()).toBeLessThanOrEqual(halfBytes);
    expect(counts.countAt(12_000)).toBe(15);
    // 200 hits each: the second digit (200 = 12 · 16 + 8) takes as much again, one level up.
    for (let round = 15; round < 200; round++) for (let index = 11_169; index <= 13_508; index++) counts.add(index, 1);
    expect(counts.storageBytes()).toBeLessThanOrEqual(2 * halfBytes);
    expect(counts.countAt(12_000)).toBe(200);
  });

  it('costs 4 bytes per 8 buckets with a hit when the buckets hit are sparse', () => {
    const counts = new ChunkedCounts();
    // One bucket in 16 across 1–5 ms (146 buckets hit), as a task's rarer latencies fall: chunks of 32
    // half bytes took 16 bytes for every 2 buckets hit.
    for (let index = 11_169; index <= 13_508; index += 16) counts.add(index, 1);
    expect(counts.storageBytes()).toBeLessThanOrEqual(1.5 * (146 * 4 + 2_340 / 32));
  });
});
