// Tests for the closed-form parts of src/analysis: task-model helpers, Liu & Layland, the periodic
// resource model (sbf, its inverse, CBS and fixed-grid bounds) and admission control. The
// simulation-backed properties of RTA and EDF are in analysis.test.ts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnalysisTask,
  cbsResponseBound,
  compareUtilisation,
  dmPriorities,
  edfUtilisationTest,
  fixedGridMaxBurst,
  fixedGridMaxGap,
  globalAdmission,
  hyperperiod,
  inverseBySearch,
  inverseSbf,
  liuLaylandBound,
  lsbf,
  perCpuAdmission,
  rmPriorities,
  sbf,
  utilisation,
  worstCaseServiceDelay,
} from '../src/analysis/index.js';

/** Smallest integer t with f(t) true, scanning 0..limit (the oracle for closed forms). */
function scan(f: (t: number) => boolean, limit: number): number {
  for (let t = 0; t <= limit; t++) if (f(t)) return t;
  return Infinity;
}

describe('task model helpers', () => {
  it('hyperperiod is the lcm of the periods and overflows to Infinity', () => {
    expect(hyperperiod([{ wcet: 1, period: 4, deadline: 4 }, { wcet: 1, period: 6, deadline: 6 }, { wcet: 1, period: 12, deadline: 12 }])).toBe(12);
    expect(hyperperiod([7, 11, 13].map((p) => ({ wcet: 1, period: p, deadline: p })))).toBe(1001);
    const bigPrimes = [999_999_937, 999_999_929, 999_999_893];
    expect(hyperperiod(bigPrimes.map((p) => ({ wcet: 1, period: p, deadline: p })))).toBe(Infinity);
  });

  it('compareUtilisation is exact where floating point is not', () => {
    const thirds = [{ wcet: 1, period: 3, deadline: 3 }, { wcet: 1, period: 3, deadline: 3 }, { wcet: 1, period: 3, deadline: 3 }];
    const tenths = [3, 6, 1].map((c) => ({ wcet: c, period: 10, deadline: 10 }));
    expect(utilisation(tenths)).not.toBe(1); // 0.3 + 0.6 + 0.1 = 0.9999999999999999
    expect(compareUtilisation(thirds)).toBe(0);
    expect(compareUtilisation(tenths)).toBe(0);
    expect(compareUtilisation(tenths, 99, 100)).toBe(1);
    expect(edfUtilisationTest(tenths)).toBe(true);
  });
});

describe('Liu & Layland', () => {
  it('bound for n = 1, 2, 3 and its limit ln 2', () => {
    expect(liuLaylandBound(1)).toBe(1);
    expect(liuLaylandBound(2)).toBeCloseTo(2 * (Math.SQRT2 - 1), 12); // 0.828427
    expect(liuLaylandBound(3)).toBeCloseTo(0.7797631497, 9);
    expect(liuLaylandBound(1_000_000)).toBeCloseTo(Math.LN2, 6);
    for (let n = 1; n < 50; n++) expect(liuLaylandBound(n + 1)).toBeLessThan(liuLaylandBound(n));
    expect(() => liuLaylandBound(0)).toThrow(RangeError);
  });

  it('RM and DM assign distinct priorities in the right order', () => {
    const ts: AnalysisTask[] = [{ wcet: 1, period: 10, deadline: 3 }, { wcet: 1, period: 5, deadline: 5 }, { wcet: 1, period: 5, deadline: 4 }];
    expect(rmPriorities(ts).map((t) => t.priority)).toEqual([1, 2, 3]);
    expect(dmPriorities(ts).map((t) => t.priority)).toEqual([3, 1, 2]);
    expect(ts[0].priority).toBeUndefined(); // inputs untouched
  });
});


describe('periodic resource model and server bounds', () => {
  const server = fc.integer({ min: 1, max: 30 }).chain((P) => fc.tuple(fc.constant(P), fc.integer({ min: 0, max: P })));

  it('sbf: shape, linear bound, periodicity and the 2(P−Q) blackout', () => {
    fc.assert(
      fc.property(server, fc.integer({ min: 0, max: 200 }), ([P, Q], t) => {
        const s = sbf(P, Q, t);
        expect(sbf(P, Q, 0)).toBe(0);
        expect(Number.isInteger(s)).toBe(true);
        expect(sbf(P, Q, t + 1)).toBeGreaterThanOrEqual(s);
        expect(sbf(P, Q, t + 1) - s).toBeLessThanOrEqual(1);
        expect(s).toBeLessThanOrEqual(t);
        expect(s).toBeGreaterThanOrEqual(lsbf(P, Q, t) - 1e-9);
        // One period later exactly one more budget, once past the first gap (before it, at most one).
        if (t >= P - Q) expect(sbf(P, Q, t + P)).toBe(s + Q);
        else expect(sbf(P, Q, t + P)).toBeLessThanOrEqual(s + Q);
        const blackout = worstCaseServiceDelay(P, Q);
        expect(blackout).toBe(2 * (P - Q));
        expect(sbf(P, Q, blackout)).toBe(0);
        for (let x = 0; x <= Q; x++) expect(sbf(P, Q, blackout + x)).toBe(x);
        if (Q === P) expect(s).toBe(t);
      }),
      { numRuns: 500 },
    );
  });

  it('inverseSbf is the smallest t with sbf(t) ≥ demand; the CBS bounds agree with it', () => {
    fc.assert(
      fc.property(server, fc.integer({ min: 0, max: 60 }), ([P, Q], d) => {
        const inv = inverseSbf(P, Q, d);
        expect(inv).toBe(scan((t) => sbf(P, Q, t) >= d, 2000));
        expect(inverseBySearch((t) => sbf(P, Q, t))(d)).toBe(inv);
        if (d > 0 && Q > 0) {
          expect(cbsResponseBound(P, Q, d)).toBe(inv);
          expect(cbsResponseBound(P, Q, d, { idleAtArrival: true })).toBe(inv - (P - Q));
          expect(cbsResponseBound(P, Q, d, { idleAtArrival: true })).toBeGreaterThanOrEqual(d);
        }
      }),
      { numRuns: 500 },
    );
    expect(cbsResponseBound(100, 30, 70)).toBe((3 + 1) * 70 + 70);
    expect(cbsResponseBound(100, 30, 70, { idleAtArrival: true })).toBe(3 * 70 + 70);
    expect(inverseSbf(10, 0, 1)).toBe(Infinity);
  });

  it('fixed-grid servers: P − Q gap and 2Q back-to-back burst', () => {
    const ms = 1_000_000;
    expect(fixedGridMaxGap(1000 * ms, 950 * ms)).toBe(50 * ms);
    expect(fixedGridMaxBurst(1000 * ms, 950 * ms)).toBe(1900 * ms);
    expect(fixedGridMaxGap(100 * ms, 50 * ms, 4)).toBe(100 * ms - 12.5 * ms);
    expect(fixedGridMaxGap(100, 50, 3)).toBe(100 - 17);
    expect(fixedGridMaxBurst(10, 10)).toBe(Infinity);
    // A budget-first client on the grid runs [kP, kP + Q): the longest stretch without service is P − Q.
    const P = 7, Q = 3;
    let gap = 0;
    let longest = 0;
    for (let t = 0; t < 4 * P; t++) {
      gap = t % P < Q ? 0 : gap + 1;
      longest = Math.max(longest, gap);
    }
    const gaps = [longest];
    expect(Math.max(...gaps)).toBe(fixedGridMaxGap(P, Q));
  });
});

describe('admission control', () => {
  const res = (id: string, cpu: number, runtime: number, period: number) => ({ id, cpu, runtime, period });

  it('per-CPU sums, members and the first violation', () => {
    const r = perCpuAdmission([res('a', 0, 1, 4), res('b', 1, 1, 3), res('c', 0, 1, 2)], 1, [0, 1]);
    expect(r.ok).toBe(true);
    expect(r.perCpu).toEqual([
      { cpu: 0, sum: 0.75, bound: 1, members: ['a', 'c'] },
      { cpu: 1, sum: 0.333333, bound: 1, members: ['b'] },
    ]);
    const bad = perCpuAdmission([res('a', 1, 60, 100), res('b', 0, 96, 100), res('c', 1, 40, 100)], 0.95, [0, 1]);
    expect(bad.ok).toBe(false);
    expect(bad.firstViolation).toEqual({ cpu: 0, sum: 0.96, bound: 0.95, members: ['b'] });
    const offline = perCpuAdmission([res('x', 3, 1, 10)], 0.95, [0]);
    expect(offline.firstViolation).toEqual({ cpu: 3, sum: 0.1, bound: 0, members: ['x'] });
  });

  it('a sum exactly at the bound is accepted despite floating point', () => {
    expect(perCpuAdmission([res('a', 0, 1, 10), res('b', 0, 2, 10), res('c', 0, 65, 100)], 0.95, [0]).ok).toBe(true);
    expect(perCpuAdmission([res('a', 0, 1, 4), res('b', 0, 1, 4), res('c', 0, 1, 2)], 1, [0]).ok).toBe(true);
    expect(perCpuAdmission([res('a', 0, 95, 100), res('b', 0, 1, 1_000_000)], 0.95, [0]).ok).toBe(false);
  });

  it('ok iff every CPU passes the exact rational check', () => {
    const arb = fc.tuple(
      fc.array(fc.record({ cpu: fc.integer({ min: 0, max: 2 }), runtime: fc.integer({ min: 0, max: 20 }), period: fc.integer({ min: 1, max: 20 }) }), { maxLength: 8 }),
      fc.integer({ min: 1, max: 100 }),
    );
    fc.assert(
      fc.property(arb, ([rs, pct]) => {
        const out = perCpuAdmission(rs.map((r, i) => ({ ...r, id: `r${i}` })), pct / 100, [0, 1, 2]);
        const exactOk = [0, 1, 2].every((cpu) => {
          const mine = rs.filter((r) => r.cpu === cpu).map((r) => ({ wcet: r.runtime, period: r.period, deadline: r.period }));
          return compareUtilisation(mine, pct, 100) <= 0; // BigInt fractions
        });
        expect(out.ok).toBe(exactOk);
        expect(out.perCpu.map((c) => c.members.length).reduce((a, b) => a + b, 0)).toBe(rs.length);
      }),
      { numRuns: 500 },
    );
  });

  it('global SCHED_DEADLINE admission: Σ ≤ 0.95·M', () => {
    expect(globalAdmission([0.5, 0.5, 0.5, 0.4], 2)).toEqual({ ok: true, sum: 1.9, capacity: 1.9 });
    expect(globalAdmission([0.5, 0.5, 0.5, 0.41], 2).ok).toBe(false);
    expect(globalAdmission([0.7, 0.7], 2, 1).ok).toBe(true);
    expect(globalAdmission([2, 2], 2, Infinity).ok).toBe(true);
  });
});
