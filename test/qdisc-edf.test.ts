// The deadline-driven latency scheduler (Façade-style EDF, io-qos.md §1.5, §1.7) behind the
// throttle layer: a stream within its arrival curve (σ, ρ) meets its latency target δ when the
// shaped demand of every stream passes the EDF demand-bound test — for every t,
// Σ_i dbf_i(t) + one request already in service ≤ capacity·t, with dbf_i(t) = σ_i + ρ_i·(t − δ_i)
// for t ≥ δ_i, else 0 (non-preemptive EDF; Jeffay et al. 1991, as pClock's guarantee reads).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServedRequest } from '../src/engine/device.js';
import { createQdisc, type QdiscSpec } from '../src/engine/qdisc.js';
import { serve, type Submission } from './helpers/qdisc.js';

const MS = 1_000_000;
const SERVICE = 1 * MS; // one unit, 1000 requests/s
const CAPACITY = 1000;
/** blk-throttle's slice (io-qos.md §1.8): the throttle's bucket holds rate × 100 ms. */
const SLICE_S = 0.1;

interface Curve {
  sigma: number;
  rho: number;
  deltaNs: number;
}

/** The demand-bound test, checked at every deadline point up to `horizonS` (the dbf is piecewise linear). */
function schedulable(curves: Curve[], horizonS: number): boolean {
  const dbf = (t: number) => curves.reduce((sum, c) => sum + (t * 1e9 >= c.deltaNs ? c.sigma + c.rho * (t - c.deltaNs / 1e9) : 0), 0);
  const points = curves.map((c) => c.deltaNs / 1e9);
  for (let t = 0.001; t <= horizonS; t += 0.001) points.push(t);
  return points.every((t) => dbf(t) + 1 <= CAPACITY * t + 1e-9);
}

/** Video bursts of `burst` every burst/rate seconds (on its curve), and a bulk flood of `flood` requests at 0. */
function submissions(burst: number, rate: number, flood: number, untilS: number): Submission[] {
  const out: Submission[] = [];
  for (let t = 0; t < untilS; t += burst / rate) for (let k = 0; k < burst; k++) out.push({ at: Math.round(t * 1e9), serviceNs: SERVICE, flow: 'video' });
  for (let k = 0; k < flood; k++) out.push({ at: 0, serviceNs: SERVICE, flow: 'bulk' });
  return out;
}

function worstVideoLatency(scheduler: QdiscSpec, bulkIops: number, burst: number, rate: number): number {
  const spec: QdiscSpec = { name: 'throttle', params: { streams: { bulk: { riops: bulkIops } } }, inner: scheduler };
  const subs = submissions(burst, rate, 2000, 2);
  const { finished } = serve(createQdisc<ServedRequest>(spec), 1, subs);
  return Math.max(...subs.map((s, i) => (s.flow === 'video' ? finished[i] - s.at : 0)));
}

const edf = (videoNs: number, bulkNs: number): QdiscSpec => ({ name: 'edf', params: { latency: { video: videoNs, bulk: bulkNs } } });

describe('EDF latency scheduler (Façade) behind the throttle', () => {
  it('video (σ 4, ρ 100/s, δ 25 ms) meets δ beside a bulk flood shaped to 850/s (δ 100 ms); under FIFO it does not', () => {
    const curves = [
      { sigma: 4, rho: 100, deltaNs: 25 * MS },
      { sigma: 850 * SLICE_S, rho: 850, deltaNs: 100 * MS },
    ];
    expect(schedulable(curves, 3)).toBe(true);
    expect(worstVideoLatency(edf(25 * MS, 100 * MS), 850, 4, 100)).toBeLessThanOrEqual(25 * MS);
    // The same shaped load in arrival order: video waits behind the bulk stream's burst.
    expect(worstVideoLatency({ name: 'fifo' }, 850, 4, 100)).toBeGreaterThan(25 * MS);
  });

  it('for any video curve and bulk rate that pass the demand-bound test, video meets its target', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 20, max: 200 }), fc.integer({ min: 5, max: 40 }), fc.integer({ min: 100, max: 900 }), (burst, rate, deltaMs, bulk) => {
        const curves = [
          { sigma: burst, rho: rate, deltaNs: deltaMs * MS },
          { sigma: bulk * SLICE_S, rho: bulk, deltaNs: 200 * MS },
        ];
        fc.pre(schedulable(curves, 3));
        expect(worstVideoLatency(edf(deltaMs * MS, 200 * MS), bulk, burst, rate)).toBeLessThanOrEqual(deltaMs * MS);
      }),
      { numRuns: 25, seed: 5 },
    );
  });

  it('serves requests without a deadline after those with one, in arrival order', () => {
    const q = createQdisc<ServedRequest>({ name: 'edf', params: {} });
    const req = (flow: string, deadlineNs: number): ServedRequest => ({ flow, serviceNs: 1, bytes: 0, arrivalNs: 0, deadlineNs, done: () => {} });
    for (const [flow, d] of [['be1', Infinity], ['late', 50], ['be2', Infinity], ['soon', 10]] as const) q.enqueue(req(flow, d), 0);
    const order = [0, 1, 2, 3].map(() => {
      const d = q.dequeue(0);
      return d.kind === 'serve' ? d.request.flow : d.kind;
    });
    expect(order).toEqual(['soon', 'late', 'be1', 'be2']);
  });
});
