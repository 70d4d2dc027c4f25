// Overheads as distributions (issue 9, src/engine/overhead-delay.ts, src/scenario/overheads.ts):
// a delay given by quantiles is drawn by inverse transform from the piecewise-linear quantile
// function through them, never above its max, from the task's own RNG stream.
//
// Tolerances come from the sample size: the empirical p-quantile of n independent draws has rank
// n·p ± √(n·p·(1−p)), so with K standard deviations it lies between Q(p − K·σ) and Q(p + K·σ),
// σ = √(p(1−p)/n). K = 6 (a miss has probability below 1e-8); the seeds are fixed, so a run is
// also reproducible.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { DelaySampler, quantileOf, type QuantileDelay } from '../src/engine/overhead-delay.js';
import { Rng } from '../src/engine/rng.js';
import { InputError } from '../src/errors.js';
import { simulate } from '../src/experiments/simulate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { quantileDelay } from '../src/scenario/overheads.js';
import { serializeScenario } from '../src/scenario/serialize.js';

const K = 6;

/** The band the empirical p-quantile of n draws from `d` lies in (see the header). */
function band(d: QuantileDelay, p: number, n: number): [number, number] {
  const sigma = Math.sqrt((p * (1 - p)) / n);
  return [quantileOf(d, Math.max(0, p - K * sigma)), quantileOf(d, Math.min(1 - 1e-12, p + K * sigma))];
}

/** The empirical p-quantile of sorted values (nearest rank). */
const empirical = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];

const draws = (d: QuantileDelay, n: number, seed: number): number[] => {
  const sampler = new DelaySampler([d], () => new Rng(seed, 'test'));
  return Array.from({ length: n }, () => sampler.next()).sort((a, b) => a - b);
};

describe('a delay given by quantiles', () => {
  const kernelLike = quantileDelay({ p50: 22_000, p99: 74_000, max: 420_000 });
  const withMin = quantileDelay({ min: 10_000, p50: 20_000, p90: 30_000, 'p99.9': 60_000, max: 100_000 });

  it.each([
    ['p50/p99/max', kernelLike],
    ['min/p50/p90/p99.9/max', withMin],
  ])('%s: the draws\' empirical quantiles converge to the declared ones, never above max', (_, d) => {
    const n = 200_000;
    for (const seed of [1, 2, 3]) {
      const sorted = draws(d, n, seed);
      for (const p of [0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 0.995, 0.999]) {
        const [lo, hi] = band(d, p, n);
        const q = empirical(sorted, p);
        expect(q, `seed ${seed}, p ${p}`).toBeGreaterThanOrEqual(Math.floor(lo));
        expect(q, `seed ${seed}, p ${p}`).toBeLessThanOrEqual(Math.ceil(hi));
      }
      expect(sorted[0]).toBeGreaterThanOrEqual(d.quantiles[0][1]);
      expect(sorted[n - 1]).toBeLessThanOrEqual(d.quantiles[d.quantiles.length - 1][1]);
    }
  });

  it('the quantile function passes through every declared point, grows with u and stays within [lowest, max]', () => {
    const spec = fc
      .uniqueArray(fc.integer({ min: 1, max: 9999 }), { minLength: 1, maxLength: 5 })
      .chain((ps) => fc.tuple(fc.constant([...ps].sort((a, b) => a - b)), fc.array(fc.integer({ min: 0, max: 500_000 }), { minLength: ps.length + 1, maxLength: ps.length + 1 })));
    fc.assert(
      fc.property(spec, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), ([ps, values], u, v) => {
        const ns = [...values].sort((a, b) => a - b);
        const byKey: Record<string, number> = { max: ns[ns.length - 1] };
        ps.forEach((p, i) => (byKey[`p${p / 100}`] = ns[i]));
        const d = quantileDelay(byKey);
        ps.forEach((p, i) => expect(quantileOf(d, p / 10_000)).toBeCloseTo(ns[i], 6));
        const [a, b] = u <= v ? [u, v] : [v, u];
        expect(quantileOf(d, a)).toBeLessThanOrEqual(quantileOf(d, b) + 1e-9);
        expect(quantileOf(d, a)).toBeGreaterThanOrEqual(ns[0]);
        expect(quantileOf(d, b)).toBeLessThanOrEqual(ns[ns.length - 1]);
      }),
      { seed: 9, numRuns: 300 },
    );
  });

  it('same seed, same draws; another seed, other draws; constants draw nothing', () => {
    expect(draws(kernelLike, 1000, 5)).toEqual(draws(kernelLike, 1000, 5));
    expect(draws(kernelLike, 1000, 5)).not.toEqual(draws(kernelLike, 1000, 6));
    let asked = false;
    const constant = new DelaySampler([3_000, 2_000], () => ((asked = true), new Rng(1)));
    expect([constant.next(), constant.next(), constant.constant, asked]).toEqual([5_000, 5_000, true, false]);
  });
});

/** A SCHED_FIFO thread (`rt`, 100 µs every 1 ms) pre-empting a fair loop, on a host with these overheads. */
function fifoBesideHog(overheads: unknown, durationMs: number, extra: Record<string, unknown> = {}) {
  return normalizeScenario(
    {
      name: 'dist',
      duration: `${durationMs}ms`,
      seed: 11,
      hosts: [{ id: 'ph', cpus: (extra.cpus as number) ?? 1, tick: '4ms', overheads }],
      hostThreads: [
        { id: 'rt', host: 'ph', kind: 'periodic', period: '1ms', exec: '100us', affinity: [0], policy: { class: 'fifo', priority: 50 } },
        { id: 'hog', host: 'ph', kind: 'busy', affinity: [0], policy: { class: 'fair', nice: 0 } },
        ...((extra.threads as unknown[]) ?? []),
      ],
      models: [{ name: 'kvm-linux', params: { kernel: '6.18' } }],
    },
    'dist.yaml',
  );
}

const runOf = (sc: ReturnType<typeof fifoBesideHog>) => simulate(sc, findModel('kvm-linux', '', ''), sc.models[0]);
const taskOf = (sc: ReturnType<typeof fifoBesideHog>, id: string) => runOf(sc).tasks.find((t) => t.id === id)!;

describe('a host whose timer interrupt is a distribution', () => {
  const declared = { p50: '20us', p99: '60us', max: '400us' };
  const timer = quantileDelay({ p50: 20_000, p99: 60_000, max: 400_000 });
  const fixed = { wakeup: '0us', contextSwitch: '0us', vmExit: '0us' };

  it("a FIFO periodic thread's wake-up latency has the declared p50 and p99, and its response is wake-up + execution", () => {
    const rt = taskOf(fifoBesideHog({ timerInterrupt: declared, ...fixed }, 20_000), 'rt');
    const n = rt.wakeup.count;
    expect(n).toBeGreaterThan(19_000);
    // The histogram keeps 3 significant digits (src/metrics/histogram.ts): 0.1 % beside the sampling band.
    const within = (value: number, p: number) => {
      const [lo, hi] = band(timer, p, n);
      expect(value).toBeGreaterThanOrEqual(lo * 0.999 - 1);
      expect(value).toBeLessThanOrEqual(hi * 1.001 + 1);
    };
    within(rt.wakeup.p50Ns, 0.5);
    within(rt.wakeup.p99Ns, 0.99);
    expect(rt.wakeup.maxNs).toBeLessThanOrEqual(400_000);
    expect(rt.wakeup.p99Ns).toBeGreaterThan(rt.wakeup.p50Ns);
    // The thread outranks the loop: nothing but the overhead stands between its timer and its run.
    expect(rt.response.minNs).toBe(rt.wakeup.minNs + 100_000);
    expect(rt.response.maxNs).toBe(rt.wakeup.maxNs + 100_000);
    expect(Math.abs(rt.response.meanNs - rt.wakeup.meanNs - 100_000)).toBeLessThanOrEqual(1);
  });

  it('`none` gives the exact analytic response: execution time, no wake-up latency', () => {
    const rt = taskOf(fifoBesideHog('none', 1_000), 'rt');
    expect([rt.response.minNs, rt.response.maxNs, rt.wakeup.maxNs]).toEqual([100_000, 100_000, 0]);
  });

  it('same scenario and seed, identical results; the draws disturb no other random stream', () => {
    const sc = fifoBesideHog({ timerInterrupt: declared, ...fixed }, 2_000);
    expect(runOf(sc)).toEqual(runOf(sc));
    const reseeded = runOf({ ...sc, seed: 12 }).tasks.find((t) => t.id === 'rt')!;
    expect(reseeded.wakeup).not.toEqual(taskOf(sc, 'rt').wakeup);
    // A sporadic thread on another CPU draws its arrivals and demands from its own streams: the same
    // jobs whether the host's timer interrupt is drawn or constant (its response differs by exactly
    // the overhead: it is alone on CPU 1).
    const sporadic = { cpus: 2, threads: [{ id: 'sp', host: 'ph', kind: 'sporadic', minInterArrival: '3ms', extraMean: '2ms', exec: { dist: 'uniform', min: '100us', max: '900us' }, affinity: [1], policy: { class: 'fifo', priority: 60 } }] };
    const two = (overheads: unknown) => {
      return taskOf(fifoBesideHog(overheads, 2_000, sporadic), 'sp');
    };
    const drawn = two({ timerInterrupt: declared, ...fixed });
    const constant = two({ timerInterrupt: '20us', ...fixed });
    expect(drawn.jobs).toBe(constant.jobs);
    expect(drawn.response.meanNs - drawn.wakeup.meanNs).toBeCloseTo(constant.response.meanNs - constant.wakeup.meanNs, -1);
  });

  it('the scenario written back loads as the same distribution', () => {
    const sc = fifoBesideHog({ timerInterrupt: { min: '5us', ...declared, 'p99.9': '150us' }, ...fixed }, 100);
    const again = normalizeScenario(JSON.parse(JSON.stringify(serializeScenario(sc))), 'again.yaml');
    expect(again.hosts[0].overheads).toEqual(sc.hosts[0].overheads);
  });
});

describe('bad quantiles are refused with one pointed message', () => {
  const load = (timerInterrupt: unknown) => normalizeScenario({ name: 'x', duration: '1s', hosts: [{ id: 'ph', cpus: 1, overheads: { timerInterrupt } }] }, 'x.yaml');
  const refusal = (timerInterrupt: unknown): InputError => {
    try {
      load(timerInterrupt);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return e as InputError;
    }
    throw new Error('accepted');
  };
  const at = '/hosts/0/overheads/timerInterrupt';

  it('quantiles out of order: the pointer names the smaller one, the message the ordering', () => {
    const e = refusal({ p50: '30us', p99: '20us', max: '400us' });
    expect(e.pointer).toBe(`${at}/p99`);
    expect(e.message).toMatch(/p99 ≥ p50 \(30us\)/);
    expect(refusal({ p50: '30us', p99: '60us', max: '50us' }).pointer).toBe(`${at}/max`);
    expect(refusal({ min: '40us', p50: '30us', max: '50us' }).pointer).toBe(`${at}/p50`);
  });

  it('no max, a key that names no percentile, a negative or unitless value', () => {
    expect(refusal({ p50: '30us', p99: '60us' }).message).toMatch(/max/);
    expect(refusal({ max: '60us' }).message).toMatch(/at least one percentile beside max/);
    expect(refusal({ p50: '30us', foo: '60us', max: '70us' }).message).toMatch(/\/foo.*pN for the N-th percentile/);
    expect(refusal({ p50: '30us', p100: '60us', max: '70us' }).message).toMatch(/p100/);
    expect(refusal({ p50: '-3us', max: '70us' }).message).toMatch(new RegExp(`${at}/p50`));
    expect(refusal({ p50: 30, max: '70us' }).message).toMatch(new RegExp(`${at}/p50`));
  });

  it('the context switch stays a duration', () => {
    expect(() => normalizeScenario({ name: 'x', duration: '1s', hosts: [{ id: 'ph', cpus: 1, overheads: { contextSwitch: { p50: '1us', max: '2us' } } }] }, 'x.yaml')).toThrow(/\/hosts\/0\/overheads\/contextSwitch/);
  });
});
