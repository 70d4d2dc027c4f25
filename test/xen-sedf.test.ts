// SEDF class (models/xen/sedf.ts) against xen.md §5.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { SedfClass, type SedfAdmitConfig, type SedfOptions } from '../models/xen/sedf.js';
import { busyTask, host, hostThread, ms, scenario, task, us } from './helpers/scenario.js';
import { oneClassModel, type OneClassHarness } from './helpers/one-class-model.js';
import { ServiceLog } from './helpers/service-log.js';

// ---- harness --------------------------------------------------------------------------------

function sedfModel(params: Record<string, SedfAdmitConfig>, opts: SedfOptions = {}): OneClassHarness<SedfClass> {
  return oneClassModel({
    name: 'test-sedf',
    family: 'xen',
    summary: 'SEDF only',
    create: (ctx) => new SedfClass(ctx, opts),
    params: (e) => params[e.id],
  });
}

const busy = (id: string, affinity = [0]): TaskSpec => busyTask(id, { affinity });
const sedf = (sliceNs: number, periodNs: number, extratime = false, weight?: number): SedfAdmitConfig => ({ sliceNs, periodNs, extratime, weight });

function run(threads: TaskSpec[], params: Record<string, SedfAdmitConfig>, durationNs: number, cpus = 1, opts: SedfOptions = {}) {
  const h = sedfModel(params, opts);
  const log = new ServiceLog();
  const result = simulate(scenario({ durationNs, hosts: [host('ph1', cpus)], hostThreads: threads.map((t) => hostThread(t)) }), h.model, undefined, { observer: log });
  log.close(durationNs);
  return { log, result, cls: h.cls! };
}

// ---- §5: EDF on slices ----------------------------------------------------------------------

describe('SEDF reservations (§5 "Guarantees")', () => {
  it('without extratime a vCPU never exceeds its slice per period (and gets exactly it while Σ slice/period ≤ 1)', () => {
    const gen = fc.array(
      fc.record({ period: fc.integer({ min: 2, max: 40 }), share: fc.double({ min: 0.05, max: 0.6, noNaN: true }), extra: fc.boolean() }),
      { minLength: 1, maxLength: 4 },
    );
    let windows = 0;
    fc.assert(
      fc.property(gen, (specs) => {
        const total = specs.reduce((a, s) => a + s.share, 0);
        const names = specs.map((_, i) => `v${i}`);
        const params: Record<string, SedfAdmitConfig> = {};
        specs.forEach((s, i) => {
          const p = ms(s.period);
          // Scaled to Σ = 0.95 at most (schedulable under EDF whatever the phases).
          params[names[i]] = sedf(Math.max(us(5), Math.floor((p * s.share * Math.min(1, 0.95 / total)))), p, s.extra);
        });
        const duration = ms(400);
        const { log } = run(names.map((n) => busy(n)), params, duration);
        names.forEach((n) => {
          const { sliceNs, periodNs, extratime } = params[n];
          // First wake at 0: Xen's initial deadline is now + slice, so the first period begins at `slice`.
          for (let start = sliceNs; start + periodNs <= duration; start += periodNs) {
            const got = log.service(n, start, start + periodNs);
            windows++;
            if (extratime) expect(got).toBeGreaterThanOrEqual(sliceNs);
            else expect(got).toBe(sliceNs);
          }
        });
      }),
      { numRuns: 60, seed: 515 },
    );
    expect(windows).toBeGreaterThan(2000);
  });

  it('overloaded (no admission control), a vCPU without extratime still averages at most slice/period', () => {
    const gen = fc.array(
      fc.record({ period: fc.integer({ min: 2, max: 40 }), share: fc.double({ min: 0.2, max: 0.9, noNaN: true }) }),
      { minLength: 2, maxLength: 4 },
    );
    fc.assert(
      fc.property(gen, (specs) => {
        const total = specs.reduce((a, s) => a + s.share, 0);
        const names = specs.map((_, i) => `v${i}`);
        const params: Record<string, SedfAdmitConfig> = {};
        specs.forEach((s, i) => {
          const p = ms(s.period);
          params[names[i]] = sedf(Math.min(p, Math.floor((p * s.share * 1.5) / total)), p); // Σ = 1.5
        });
        const duration = ms(400);
        const { log } = run(names.map((n) => busy(n)), params, duration);
        for (const n of names) {
          const { sliceNs, periodNs } = params[n];
          const periods = Math.floor((duration - sliceNs) / periodNs) + 1;
          expect(log.service(n, 0, duration)).toBeLessThanOrEqual(periods * sliceNs);
        }
      }),
      { numRuns: 40, seed: 516 },
    );
  });

  it('a lone busy vCPU without extratime runs exactly its slice at the start of each period and idles the rest', () => {
    const { log } = run([busy('a')], { a: sedf(ms(3), ms(10)) }, ms(53));
    expect(log.of('a').map(([s, e]) => [s, e])).toEqual([
      [ms(3), ms(6)], [ms(13), ms(16)], [ms(23), ms(26)], [ms(33), ms(36)], [ms(43), ms(46)],
    ]);
  });
});

// ---- §5: extra time --------------------------------------------------------------------------

describe('SEDF extra time (§5 "L1 weighting")', () => {
  it('with extratime it soaks up idle time by weight: extraweights 1 and 3 share the idle time 1:3', () => {
    const d = ms(10_000);
    const { log, cls } = run([busy('a'), busy('b')], { a: sedf(ms(1), ms(100), true, 1), b: sedf(ms(1), ms(100), true, 3) }, d);
    const slices = 100 * ms(1); // 100 periods × 1 ms each
    const extraA = log.service('a', 0, d) - slices;
    const extraB = log.service('b', 0, d) - slices;
    expect(extraB / extraA).toBeGreaterThan(3 * 0.98);
    expect(extraB / extraA).toBeLessThan(3 * 1.02);
    // Work-conserving but for < 500 µs before each release (a quantum must fit): > 99 % busy.
    expect(log.service('a', 0, d) + log.service('b', 0, d)).toBeGreaterThan(0.99 * d);
    expect(cls.stats().extraQuanta).toBeGreaterThan(19_000);
  });

  it('without a weight the idle time goes by utilisation: a 30 % vCPU gets 3× the extra time of a 10 % one', () => {
    const d = ms(10_000);
    const { log } = run([busy('a'), busy('b')], { a: sedf(ms(10), ms(100), true), b: sedf(ms(30), ms(100), true) }, d);
    const extraA = log.service('a', 0, d) - 100 * ms(10);
    const extraB = log.service('b', 0, d) - 100 * ms(30);
    expect(extraB / extraA).toBeGreaterThan(3 * 0.98);
    expect(extraB / extraA).toBeLessThan(3 * 1.02);
  });

  it('a vCPU without extratime next to an extratime one is not given idle time: the other takes all of it', () => {
    const d = ms(1000);
    const { log } = run([busy('rt'), busy('be')], { rt: sedf(ms(2), ms(10)), be: sedf(0, ms(100), true, 1) }, d);
    expect(log.service('rt', 0, d)).toBeLessThanOrEqual(100 * ms(2));
    expect(log.service('rt', 0, d)).toBeGreaterThanOrEqual(99 * ms(2));
    expect(log.service('be', 0, d)).toBeGreaterThan(0.79 * d);
  });
});

// ---- §5: the wake rules ----------------------------------------------------------------------

describe('SEDF wake-up (§5 "Wake")', () => {
  // (slice 4, period 10) ms. Jobs: 1 ms at 0, 2 ms at 7 ms, 1 ms at 40 ms.
  const jobs = () => task('t', 1, ms(10), {
    arrival: { kind: 'trace', times: [0, ms(7), ms(40)] },
    exec: { kind: 'trace', values: [ms(1), ms(2), ms(1)] },
  });

  it('short block forfeits the rest of the slice (one 500 µs penalty quantum in idle time), long block starts a new period at once', () => {
    const { log, cls } = run([jobs()], { t: sedf(ms(4), ms(10)) }, ms(60));
    expect(log.of('t').map(([s, e]) => [s, e])).toEqual([
      [ms(4), ms(5)], //   first wake: the period begins `slice` later (Xen's initial deadline setup)
      [ms(7), ms(7.5)], // short block at 7 (< deadline 14): slice forfeited; 3 ms lost → one L0 quantum
      [ms(14), ms(15.5)], // the rest only in the next period
      [ms(40), ms(41)], // long block (40 ≥ deadline 24): new period from the wake-up, runs at once
    ]);
    const st = cls.stats();
    expect(st.penaltyQuanta).toBe(1);
    expect(st.longBlocks).toBe(1);
  });

  it('with extratime the same short-blocked vCPU finishes in idle time (L0 then L1 quanta)', () => {
    const { log } = run([jobs()], { t: sedf(ms(4), ms(10), true) }, ms(60));
    const second = log.of('t').filter(([s]) => s >= ms(7) && s < ms(14));
    expect(second[0][0]).toBe(ms(7));
    expect(second[second.length - 1][1]).toBe(ms(9));
    expect(log.service('t', ms(7), ms(9))).toBe(ms(2));
  });
});

// ---- §5: partitioning ------------------------------------------------------------------------

describe('SEDF placement (§5 "Structure")', () => {
  it('never balances: three threads placed on pCPU 0 stay there while pCPU 1 idles', () => {
    const p = { a: sedf(ms(2), ms(10), true), b: sedf(ms(2), ms(10), true), c: sedf(ms(2), ms(10), true) };
    const { log, result } = run(['a', 'b', 'c'].map((n) => busy(n, [0, 1])), p, ms(500), 2);
    for (const n of ['a', 'b', 'c']) expect(log.withCpu(n).every(([, , cpu]) => cpu === 0)).toBe(true);
    expect(result.hosts[0].utilisation).toBeLessThan(0.51);
  });

  it("with 'least-loaded' placement the same threads spread and never migrate afterwards", () => {
    const p = { a: sedf(ms(2), ms(10), true), b: sedf(ms(2), ms(10), true), c: sedf(ms(2), ms(10), true) };
    const { log, result } = run(['a', 'b', 'c'].map((n) => busy(n, [0, 1])), p, ms(500), 2, { placement: 'least-loaded' });
    const cpus = ['a', 'b', 'c'].map((n) => new Set(log.withCpu(n).map(([, , cpu]) => cpu)));
    expect(cpus.map((s) => s.size)).toEqual([1, 1, 1]);
    expect(cpus.map((s) => [...s][0])).toEqual([0, 1, 0]);
    expect(result.hosts[0].utilisation).toBeGreaterThan(0.99);
  });
});
