// The compact latency histogram against hdr-histogram-js, the reference HdrHistogram port (the same
// buckets and the same percentile rule must give the same value at every percentile), and against
// the exact sorted values (each percentile within the stated 3-significant-digit resolution).
import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/metrics/histogram.js';

const reference = () =>
  hdr.build({ bitBucketSize: 32, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, highestTrackableValue: 1e12, autoResize: false, useWebAssembly: false });

const PERCENTILES = [0, 0.1, 1, 5, 10, 25, 50, 75, 90, 95, 98, 99, 99.5, 99.9, 99.99];

/** Latencies as runs produce them: a few clusters over several decades, zeros and exact powers of two included. */
const samples = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 4096 }),
    fc.integer({ min: 0, max: 39 }).map((k) => 2 ** k),
    fc.integer({ min: 0, max: 39 }).map((k) => 2 ** k - 1),
    fc.integer({ min: 1_000, max: 50_000_000 }),
    fc.integer({ min: 1, max: 1e12 }),
  ),
  { minLength: 1, maxLength: 400 },
);

/** Long runs of latencies, many repeated: they cross several merges of the record log into the counts. */
const longSamples = fc.array(
  fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1_000_000, max: 1_200_000 }), fc.integer({ min: 1, max: 1e12 })),
  { minLength: 1, maxLength: 1_500, size: 'max' },
);

/** The nearest-rank percentile of sorted values: the smallest value with at least p % of them at or below it. */
function exactPercentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9));
  return sorted[Math.min(rank, sorted.length) - 1];
}

describe('LatencyHistogram (sparse HdrHistogram)', () => {
  it('gives hdr-histogram-js’s value at every percentile, clipped to the exact max', () => {
    fc.assert(
      fc.property(samples, (values) => {
        const ours = new LatencyHistogram();
        const theirs = reference();
        for (const v of values) {
          ours.record(v);
          theirs.recordValue(v);
        }
        for (const p of PERCENTILES) {
          expect(ours.percentile(p), `p${p}`).toBe(Math.min(Math.max(...values), Math.round(theirs.getValueAtPercentile(p))));
        }
        expect(ours.max).toBe(Math.max(...values));
        expect(ours.min).toBe(Math.min(...values));
        expect(ours.count).toBe(values.length);
      }),
      { numRuns: 300, seed: 31 },
    );
  });

  it('agrees with hdr-histogram-js on long runs with many repeats (past the log’s 1,024 values, into chunked counts)', () => {
    fc.assert(
      fc.property(longSamples, (values) => {
        const ours = new LatencyHistogram();
        const theirs = reference();
        values.forEach((v, i) => {
          ours.record(v);
          theirs.recordValue(v);
          // Asking mid-run (a progress line, a sweep's early look) must not disturb what follows.
          if (i % 700 === 350) expect(ours.percentile(90)).toBe(Math.min(ours.max, Math.round(theirs.getValueAtPercentile(90))));
        });
        const max = values.reduce((a, b) => Math.max(a, b));
        for (const p of PERCENTILES) expect(ours.percentile(p), `p${p}`).toBe(Math.min(max, Math.round(theirs.getValueAtPercentile(p))));
      }),
      { numRuns: 40, seed: 33, endOnFailure: true },
    );
  });

  it('agrees with hdr-histogram-js when buckets count past 16, 256 and 65,536 (counts kept in base 16, chunked-counts.ts)', () => {
    const runs = fc.array(
      fc.tuple(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1_000_000, max: 1_010_000 }), fc.integer({ min: 1, max: 1e12 })), fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 10, max: 40 }), fc.integer({ min: 200, max: 700 }), fc.integer({ min: 60_000, max: 70_000 }))),
      { minLength: 1, maxLength: 60 },
    );
    fc.assert(
      fc.property(runs, (pairs) => {
        const ours = new LatencyHistogram();
        const theirs = reference();
        let max = 0;
        for (const [v, times] of pairs) {
          for (let k = 0; k < times; k++) ours.record(v);
          theirs.recordValueWithCount(v, times);
          max = Math.max(max, v);
        }
        expect(ours.count).toBe(theirs.totalCount);
        for (const p of PERCENTILES) expect(ours.percentile(p), `p${p}`).toBe(Math.min(max, Math.round(theirs.getValueAtPercentile(p))));
      }),
      { numRuns: 25, seed: 35, endOnFailure: true },
    );
  });

  it('agrees with hdr-histogram-js for many histograms recording in turn (their logs share recycled segments, log-pool.ts)', () => {
    // Each histogram's log grows and is handed back while others take segments of the same sizes:
    // a segment shared by two live logs, or a log reading what a previous user left, shows here.
    const stream = fc.array(fc.tuple(fc.nat(11), fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 1_000_000, max: 3_000_000 }), fc.integer({ min: 1, max: 1e12 }))), {
      minLength: 1,
      maxLength: 6_000,
      size: 'max',
    });
    fc.assert(
      fc.property(stream, (records) => {
        const ours = Array.from({ length: 12 }, () => new LatencyHistogram());
        const theirs = ours.map(() => reference());
        const max = ours.map(() => 0);
        for (const [h, v] of records) {
          ours[h].record(v);
          theirs[h].recordValue(v);
          max[h] = Math.max(max[h], v);
        }
        ours.forEach((hist, h) => {
          expect(hist.count).toBe(theirs[h].totalCount);
          if (hist.count === 0) return;
          for (const p of PERCENTILES) expect(hist.percentile(p), `histogram ${h} p${p}`).toBe(Math.min(max[h], Math.round(theirs[h].getValueAtPercentile(p))));
        });
      }),
      { numRuns: 30, seed: 34, endOnFailure: true },
    );
  });

  it('reports every percentile within 0.1 % above the exact value of the sorted samples', () => {
    fc.assert(
      fc.property(longSamples, fc.constantFrom(...PERCENTILES.filter((p) => p > 0), 100), (values, p) => {
        const h = new LatencyHistogram();
        for (const v of values) h.record(v);
        const exact = exactPercentile([...values].sort((a, b) => a - b), p);
        const reported = h.percentile(p);
        // HdrHistogram reports the top of the exact value's bucket: never below it, at most one
        // sub-bucket (value / 1024, i.e. under 0.1 %) above it, and never above the true max.
        expect(reported).toBeGreaterThanOrEqual(exact);
        expect(reported - exact).toBeLessThanOrEqual(Math.floor(exact / 1024));
      }),
      { numRuns: 100, seed: 34, endOnFailure: true },
    );
  });

  it('keeps every value to within 0.1 % (3 significant digits)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), (v) => {
        const h = new LatencyHistogram();
        h.record(v);
        h.record(v + 1e12); // a larger max, so the percentile is not clipped to v
        const p50 = h.percentile(50);
        expect(p50).toBeGreaterThanOrEqual(v);
        expect(p50 - v).toBeLessThanOrEqual(Math.max(0, v / 1000));
      }),
      { numRuns: 300, seed: 32 },
    );
  });

  it('holds about 2 bytes per latency for a short run, whatever range the values span', () => {
    const h = new LatencyHistogram();
    // 250 response times spread over 1–5 ms: at 3 significant digits almost every one in its own bucket.
    for (let i = 0; i < 250; i++) h.record(1_000_000 + ((i * 7919 * 1009) % 4_000_000));
    expect(h.storageBytes()).toBeLessThanOrEqual(2 * 256);
  });

  it('holds a few KB for a task’s latencies, nothing before the first record', () => {
    const h = new LatencyHistogram();
    expect(h.storageBytes()).toBe(0);
    for (let i = 0; i < 100_000; i++) h.record(2_000_000 + ((i * 7919) % 400_000)); // 2.0–2.4 ms
    // 400 µs at 3 significant digits: about 240 distinct sub-buckets, all of them hit.
    expect(h.storageBytes()).toBeLessThanOrEqual(4 * 1024);
  });

  it('holds about half a byte per bucket hit once past the log (a long run’s latencies over several milliseconds)', () => {
    const h = new LatencyHistogram();
    // 100 s of a 20 ms task: 5,000 response times spread over 1–5 ms, about 2,340 buckets at 3 significant digits.
    for (let i = 0; i < 5_000; i++) h.record(1_000_000 + ((i * 7919 * 1009) % 4_000_000));
    // Half a byte per bucket spanned and the directory's 8 bytes per 256, growth slack included (32-bit counts took 4 bytes each).
    expect(h.storageBytes()).toBeLessThanOrEqual(1.5 * (2_340 / 2 + 2_340 / 32));
  });

  it('moves a log of values piling up in few buckets to counts at 512 values, and keeps a spread one', () => {
    const piled = new LatencyHistogram();
    const spread = new LatencyHistogram();
    const theirs = reference();
    // 1,000 response times of a 10-job/s task over 100 s, in 40 buckets of 1.000–1.040 ms; and 1,000
    // values 16 buckets apart (one per chunk of counts), where the 2 KB log is the smaller.
    for (let i = 0; i < 1_000; i++) {
      const v = 1_000_000 + ((i * 7) % 40) * 1_024;
      piled.record(v);
      theirs.recordValue(v);
      spread.record(1_000_000 + i * 16 * 1_024);
    }
    // 10 chunks, the directory's 2 words and 40 counts ÷ 16 (25 values a bucket), with slack: not 2 KB.
    expect(piled.storageBytes()).toBeLessThanOrEqual(256);
    expect(spread.storageBytes()).toBe(2 * 1_024);
    for (const p of PERCENTILES) expect(piled.percentile(p)).toBe(Math.min(piled.max, Math.round(theirs.getValueAtPercentile(p))));
  });

  it('holds a few KB for a few values spread over six decades (1 µs to 1 s)', () => {
    const h = new LatencyHistogram();
    const theirs = reference();
    for (let i = 0; i < 60; i++) {
      const v = Math.round(1_000 * 10 ** (i / 10)); // ten values per decade
      h.record(v);
      theirs.recordValue(v);
    }
    // 60 indices of 2 bytes in a log that doubles from 8 entries: 64 entries at most.
    expect(h.storageBytes()).toBeLessThanOrEqual(64 * 2);
    for (const p of PERCENTILES) expect(h.percentile(p)).toBe(Math.min(h.max, Math.round(theirs.getValueAtPercentile(p))));
  });
});
