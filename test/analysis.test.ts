// Tests for src/analysis: textbook examples worked by hand, and properties checked against an
// independent oracle — a brute-force unit-step uniprocessor simulator written here, sharing no code
// with the analyses (synchronous release, preemptive fixed priority or EDF, optional supply pattern).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnalysisTask,
  compareUtilisation,
  demandBound,
  dmPriorities,
  edfDemandAnalysis,
  edfDemandTest,
  edfUtilisationTest,
  hyperperiod,
  periodicResource,
  responseTimeAnalysis,
  rmPriorities,
  rmUtilisationTest,
  sbf,
  utilisation,
} from '../src/analysis/index.js';

// ---------------------------------------------------------------------------------------------
// Oracle: brute-force simulator. Every task releases a job at 0, T, 2T, ... (no aborts; a late job
// keeps running and its successors queue behind it). One unit of work per available time unit.

interface SimResult {
  /** Some job finished after its absolute deadline, or was unfinished at a deadline ≤ runUntil. */
  miss: boolean;
  /** Response of each task's first job (undefined if unfinished at runUntil). */
  first: (number | undefined)[];
  /** Worst response among finished jobs released before `worstBefore`. */
  worst: number[];
}

function simulate(
  tasks: readonly AnalysisTask[],
  policy: 'fp' | 'edf',
  runUntil: number,
  worstBefore: number,
  available: (t: number) => boolean = () => true,
): SimResult {
  const queues = tasks.map(() => [] as { release: number; left: number; deadline: number; seq: number }[]);
  const count = tasks.map(() => 0);
  const first: (number | undefined)[] = tasks.map(() => undefined);
  const worst = tasks.map(() => 0);
  let miss = false;
  for (let t = 0; t < runUntil; t++) {
    tasks.forEach((k, i) => {
      if (t % k.period === 0) queues[i].push({ release: t, left: k.wcet, deadline: t + k.deadline, seq: count[i]++ });
    });
    if (!available(t)) continue;
    let pick = -1;
    for (let i = 0; i < tasks.length; i++) {
      const head = queues[i][0];
      if (head === undefined) continue;
      if (pick < 0) {
        pick = i;
        continue;
      }
      const best = queues[pick][0];
      // Ties go to the lower index in both policies (strict comparisons).
      const better =
        policy === 'fp'
          ? (tasks[i].priority ?? 0) > (tasks[pick].priority ?? 0)
          : head.deadline < best.deadline || (head.deadline === best.deadline && head.release < best.release);
      if (better) pick = i;
    }
    if (pick < 0) continue;
    const job = queues[pick][0];
    job.left -= 1;
    if (job.left === 0) {
      queues[pick].shift();
      const response = t + 1 - job.release;
      if (t + 1 > job.deadline) miss = true;
      if (job.seq === 0) first[pick] = response;
      if (job.release < worstBefore) worst[pick] = Math.max(worst[pick], response);
    }
  }
  for (const q of queues) for (const j of q) if (j.deadline <= runUntil) miss = true;
  return { miss, first, worst };
}

/** The worst-case supply pattern of Γ(P, Q) from time 0: nothing for 2(P − Q), then Q every P. */
function prmAvailable(P: number, Q: number): (t: number) => boolean {
  return (t) => Q > 0 && t >= 2 * (P - Q) && (t - (P - 2 * Q)) % P < Q;
}

/** Smallest integer t with f(t) true, scanning 0..limit (the scan oracle for closed forms). */
function scan(f: (t: number) => boolean, limit: number): number {
  for (let t = 0; t <= limit; t++) if (f(t)) return t;
  return Infinity;
}

// Task-set generators (UUniFast-like): a target utilisation in [0.4, maxU] is split over 1..maxTasks
// tasks by random weights, with periods 2..12 and wcet ≥ 1; tasks are then dropped from the end while
// U > maxU (rounding up to wcet 1 can overshoot). The sets cluster around full load, where the
// analyses and the schedules disagree if anything is off. Deadlines are drawn from [C, T] or [C, 2T].
type DeadlineKind = 'implicit' | 'constrained' | 'arbitrary';
function taskSetArb(kind: DeadlineKind, maxTasks = 5, maxU = 1.2): fc.Arbitrary<AnalysisTask[]> {
  const raw = fc.record({
    period: fc.integer({ min: 2, max: 12 }),
    weight: fc.integer({ min: 1, max: 10 }),
    slack: fc.integer({ min: 0, max: 1000 }),
  });
  return fc
    .tuple(fc.integer({ min: 40, max: Math.round(maxU * 100) }), fc.array(raw, { minLength: 1, maxLength: maxTasks }))
    .map(([pct, rs]) => {
      const total = rs.reduce((a, r) => a + r.weight, 0);
      const out = rs.map((r) => {
        const wcet = Math.min(r.period, Math.max(1, Math.round(((pct / 100) * r.weight * r.period) / total)));
        const maxD = kind === 'arbitrary' ? 2 * r.period : r.period;
        const deadline = kind === 'implicit' ? r.period : wcet + Math.floor(((maxD - wcet) * r.slack) / 1000);
        return { wcet, period: r.period, deadline };
      });
      while (out.length > 1 && utilisation(out) > maxU) out.pop();
      return out;
    });
}

const maxDeadline = (ts: readonly AnalysisTask[]) => Math.max(...ts.map((t) => t.deadline));
const levelLoadAtMostOne = (ts: readonly AnalysisTask[], i: number) =>
  compareUtilisation(ts.filter((t) => (t.priority ?? 0) >= (ts[i].priority ?? 0))) <= 0;

// ---------------------------------------------------------------------------------------------

describe('response-time analysis: worked examples', () => {
  it('(C,T) = (1,4), (2,6), (3,12) under RM', () => {
    // R1 = 1.  R2 = 2 + ⌈R/4⌉: 2 → 3 → 3.
    // R3 = 3 + ⌈R/4⌉·1 + ⌈R/6⌉·2: 3 → 6 → 7 → 9 → 10 → 10 (≤ 12).
    // U = 0.8333 > LL(3) = 0.7798, so only the exact test proves it.
    const ts = rmPriorities([[1, 4], [2, 6], [3, 12]].map(([c, t]) => ({ wcet: c, period: t, deadline: t })));
    const r = responseTimeAnalysis(ts);
    expect(r.response).toEqual([1, 3, 10]);
    expect(r.schedulable).toBe(true);
    expect(rmUtilisationTest(ts)).toBe(false);
  });

  it('(2,5), (4,7): RM misses (R2 = 8 > 7) where EDF succeeds (U = 0.97)', () => {
    // R2 = 4 + 2⌈R/5⌉: 4 → 6 → 8 → 8. Converged but past the deadline: reported as 8.
    const ts = rmPriorities([{ wcet: 2, period: 5, deadline: 5 }, { wcet: 4, period: 7, deadline: 7 }]);
    const r = responseTimeAnalysis(ts);
    expect(r.response).toEqual([2, 8]);
    expect(r.schedulable).toBe(false);
    expect(edfUtilisationTest(ts)).toBe(true);
    expect(edfDemandTest(ts)).toBe(true);
    expect(simulate(ts, 'fp', 35, 35).first).toEqual([2, 8]);
  });

  it('Lehoczky 1990: the fifth job of the busy period is the worst', () => {
    // τ1 = (26, 70), τ2 = (62, 100), U = 0.991. Job 0 of τ2: 62 → 88 → 114 (> T2 = 100).
    // Busy window w(q) = (q+1)·62 + 26⌈w/70⌉, R(q) = w(q) − 100q:
    // q=1: 202 → 102; q=2: 316 → 116; q=3: 404 → 104; q=4: 518 → 118; q=5: 606 → 106;
    // q=6: 694 → 94, and 694 ≤ 700 closes the busy period. Worst = 118.
    const ts = rmPriorities([{ wcet: 26, period: 70, deadline: 70 }, { wcet: 62, period: 100, deadline: 120 }]);
    const r = responseTimeAnalysis(ts);
    expect(r.response).toEqual([26, 114]);
    expect(r.worstCase).toEqual([26, 118]);
    expect(r.schedulable).toBe(true);
    expect(responseTimeAnalysis([ts[0], { ...ts[1], deadline: 117 }]).schedulable).toBe(false);
    expect(simulate(ts, 'fp', 700, 700).worst).toEqual([26, 118]);
  });

  it('blocking and release jitter', () => {
    // Jitter: τ1 = (1, 4, J = 2) can release at 0 and again at 2: τ2 = (2, 10) runs [1,2) and [3,4).
    const ts = rmPriorities([{ wcet: 1, period: 4, deadline: 4 }, { wcet: 2, period: 10, deadline: 10 }]);
    expect(responseTimeAnalysis(ts, { jitter: [2, 0] }).response).toEqual([3, 4]);
    // Blocking of τ1 by 1: R1 = 2; τ2 unchanged at 3.
    expect(responseTimeAnalysis(ts, { blocking: [1, 0] }).response).toEqual([2, 3]);
  });

  it('diverging busy period is Infinity; equal priorities interfere both ways', () => {
    const full = [{ wcet: 1, period: 2, deadline: 2, priority: 2 }, { wcet: 1, period: 2, deadline: 2, priority: 2 }, { wcet: 1, period: 9, deadline: 9, priority: 1 }];
    const r = responseTimeAnalysis(full);
    expect(r.response).toEqual([2, 2, Infinity]); // each of the tied pair may wait for the other
    expect(r.schedulable).toBe(false);
    expect(() => responseTimeAnalysis([{ wcet: 1, period: 2, deadline: 2, priority: 1 }, { wcet: 1, period: 3, deadline: 3 }])).toThrow(RangeError);
  });

  it('inside a reservation Γ(10, 5): (2,20) and (3,40) respond at 12 and 15', () => {
    // τ1: sbf⁻¹(2) = (1+1)·5 + 2 = 12.  τ2: sbf⁻¹(3 + 2) = 15, and 3 + 2⌈15/20⌉ = 5 = sbf(15).
    const ts = rmPriorities([{ wcet: 2, period: 20, deadline: 20 }, { wcet: 3, period: 40, deadline: 40 }]);
    expect(responseTimeAnalysis(ts, periodicResource(10, 5)).response).toEqual([12, 15]);
    expect(responseTimeAnalysis(ts, { supply: (t) => sbf(10, 5, t) }).response).toEqual([12, 15]);
    // Load at the supply rate diverges: U_hp = 1/2 = Q/P.
    const r = responseTimeAnalysis(rmPriorities([{ wcet: 2, period: 4, deadline: 4 }, { wcet: 1, period: 40, deadline: 40 }]), periodicResource(10, 5));
    expect(r.response[1]).toBe(Infinity);
  });
});

describe('response-time analysis against the brute-force simulator', () => {
  it('implicit deadlines, RM: exact responses, and unschedulable iff a miss', () => {
    fc.assert(
      fc.property(taskSetArb('implicit'), (raw) => {
        const ts = rmPriorities(raw);
        const r = responseTimeAnalysis(ts);
        const H = hyperperiod(ts);
        const finite = r.response.filter(Number.isFinite);
        const runUntil = Math.max(H + maxDeadline(ts), Math.min(Math.max(0, ...finite) + 1, 200_000));
        const sim = simulate(ts, 'fp', runUntil, H);
        expect(r.schedulable).toBe(!sim.miss);
        ts.forEach((_, i) => {
          if (r.response[i] < runUntil) expect(sim.first[i]).toBe(r.response[i]);
          if (r.response[i] === Infinity) expect(sim.first[i]).toBeUndefined();
          if (levelLoadAtMostOne(ts, i)) expect(sim.worst[i]).toBe(r.worstCase[i]);
          if (r.schedulable) expect(sim.worst[i]).toBe(r.response[i]);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('constrained deadlines, DM: unschedulable iff a miss', () => {
    fc.assert(
      fc.property(taskSetArb('constrained'), (raw) => {
        const ts = dmPriorities(raw);
        const r = responseTimeAnalysis(ts);
        const H = hyperperiod(ts);
        const sim = simulate(ts, 'fp', H + maxDeadline(ts), H);
        expect(r.schedulable).toBe(!sim.miss);
        ts.forEach((_, i) => {
          if (r.response[i] < H) expect(sim.first[i]).toBe(r.response[i]);
          if (r.schedulable) expect(sim.worst[i]).toBe(r.response[i]);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary deadlines: worstCase equals the simulated worst over the busy period', () => {
    fc.assert(
      fc.property(taskSetArb('arbitrary', 4, 1), (raw) => {
        const ts = dmPriorities(raw);
        if (compareUtilisation(ts) > 0) return; // busy periods must close within H
        const r = responseTimeAnalysis(ts);
        const H = hyperperiod(ts);
        const sim = simulate(ts, 'fp', H + maxDeadline(ts), H);
        expect(sim.worst).toEqual(r.worstCase);
        expect(r.schedulable).toBe(!sim.miss);
      }),
      { numRuns: 300 },
    );
  });

  it('tied priorities: exact for the last task of a level, an upper bound for the others', () => {
    const tied = fc
      .tuple(taskSetArb('implicit', 5, 1.1), fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 5, maxLength: 5 }))
      .map(([ts, ps]) => ts.map((t, i) => ({ ...t, priority: ps[i] })));
    fc.assert(
      fc.property(tied, (ts) => {
        const r = responseTimeAnalysis(ts);
        const H = hyperperiod(ts);
        const sim = simulate(ts, 'fp', H + maxDeadline(ts), H); // simulator breaks ties by index
        if (r.schedulable) expect(sim.miss).toBe(false);
        ts.forEach((t, i) => {
          if (!(r.response[i] < H)) return;
          const lastOfLevel = ts.every((u, j) => j <= i || u.priority !== t.priority);
          if (lastOfLevel) expect(sim.first[i]).toBe(r.response[i]);
          else expect(sim.first[i]).toBeLessThanOrEqual(r.response[i]);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('inside Γ(P, Q): responses equal the schedule on the worst-case supply pattern', () => {
    const arb = fc.tuple(
      fc.integer({ min: 1, max: 8 }).chain((P) => fc.tuple(fc.constant(P), fc.integer({ min: 1, max: P }))),
      taskSetArb('implicit', 3, 0.9),
    );
    fc.assert(
      fc.property(arb, ([[P, Q], raw]) => {
        const ts = rmPriorities(raw);
        const r = responseTimeAnalysis(ts, periodicResource(P, Q));
        // Same answer without the closed-form inverse (generic search) ...
        expect(responseTimeAnalysis(ts, { supply: (t) => sbf(P, Q, t), supplyRate: Q / P }).response).toEqual(r.response);
        const runUntil = Math.min(Math.max(0, ...r.response.filter(Number.isFinite)) + 1, 100_000);
        const sim = simulate(ts, 'fp', runUntil, runUntil, prmAvailable(P, Q));
        ts.forEach((_, i) => {
          const hp = ts.filter((u) => (u.priority ?? 0) > (ts[i].priority ?? 0));
          const demand = (t: number) => ts[i].wcet + hp.reduce((a, u) => a + Math.ceil(t / u.period) * u.wcet, 0);
          // ... as the scan oracle: smallest t with sbf(t) ≥ demand(t) ...
          if (r.response[i] < 5000) expect(scan((t) => sbf(P, Q, t) >= demand(t), 5000)).toBe(r.response[i]);
          // ... and as the simulated first job on the blackout-first supply pattern.
          if (r.response[i] < runUntil) expect(sim.first[i]).toBe(r.response[i]);
          if (sim.first[i] !== undefined && Number.isFinite(r.worstCase[i])) {
            expect(sim.worst[i]).toBeLessThanOrEqual(r.worstCase[i]);
          }
        });
        if (Q === P) expect(r).toEqual(responseTimeAnalysis(ts));
      }),
      { numRuns: 300 },
    );
  });
});

describe('EDF', () => {
  it('demand bound and the earliest violation', () => {
    // (C, D, T) = (2, 2, 4), (2, 3, 4): U = 1 but dbf(3) = 4 > 3.
    const ts = [{ wcet: 2, deadline: 2, period: 4 }, { wcet: 2, deadline: 3, period: 4 }];
    expect(demandBound(ts, 1)).toBe(0);
    expect(demandBound(ts, 2)).toBe(2);
    expect(demandBound(ts, 7)).toBe(8);
    expect(edfUtilisationTest(ts)).toBe(true);
    const a = edfDemandAnalysis(ts);
    expect(a.schedulable).toBe(false);
    expect(a.firstViolation).toEqual({ t: 3, demand: 4, supply: 3 });
    expect(edfDemandAnalysis([{ wcet: 3, deadline: 2, period: 2 }]).reason).toBe('utilisation');
  });

  it('SCHED_DEADLINE documentation example (§4.2): (50, 50, 100) and (10, 100, 100) pass', () => {
    expect(edfDemandTest([{ wcet: 50, deadline: 50, period: 100 }, { wcet: 10, deadline: 100, period: 100 }])).toBe(true);
  });

  for (const kind of ['implicit', 'constrained', 'arbitrary'] as const) {
    it(`demand test is true iff the EDF simulation meets every deadline (${kind})`, () => {
      fc.assert(
        fc.property(taskSetArb(kind, 5, kind === 'arbitrary' ? 1 : 1.2), (ts) => {
          // With D > T and U > 1 the first miss can come hyperperiods later; keep U ≤ 1 there.
          if (kind === 'arbitrary' && compareUtilisation(ts) > 0) return;
          const H = hyperperiod(ts);
          const sim = simulate(ts, 'edf', H + maxDeadline(ts), H);
          expect(edfDemandTest(ts)).toBe(!sim.miss);
          if (kind === 'implicit') expect(edfUtilisationTest(ts)).toBe(!sim.miss);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('inside Γ(P, Q): a violation at t shows up as a miss by t on the worst-case pattern', () => {
    const arb = fc.tuple(
      fc.integer({ min: 1, max: 8 }).chain((P) => fc.tuple(fc.constant(P), fc.integer({ min: 1, max: P }))),
      taskSetArb('constrained', 3, 1),
    );
    fc.assert(
      fc.property(arb, ([[P, Q], ts]) => {
        const a = edfDemandAnalysis(ts, periodicResource(P, Q));
        const H = hyperperiod(ts) * P;
        if (a.firstViolation) {
          expect(simulate(ts, 'edf', a.firstViolation.t, 0, prmAvailable(P, Q)).miss).toBe(true);
          expect(demandBound(ts, a.firstViolation.t)).toBeGreaterThan(sbf(P, Q, a.firstViolation.t));
        } else if (a.schedulable) {
          expect(simulate(ts, 'edf', 3 * H + 50, 0, prmAvailable(P, Q)).miss).toBe(false);
        } else {
          expect(utilisation(ts)).toBeGreaterThanOrEqual(Q / P - 1e-12);
        }
        if (Q === P) expect(a.schedulable).toBe(edfDemandTest(ts));
      }),
      { numRuns: 300 },
    );
  });

  it('inside Γ(17, 7): a first violation after D_max, found only thanks to the lsbf horizon', () => {
    // (C, T, D) = (6, 24, 40), (4, 32, 24); U = 0.375 < α = 7/17. Horizon:
    // max(D_max, (Σ(T − D)U + αΔ)/(α − U)) = ((−4 + 1) + (7/17)·20) / (7/17 − 3/8) = 142.4 → 143.
    // dbf(88) = 3·6 + 3·4 = 30 > sbf(88) = 4·7 = 28, and nothing fails before.
    const ts = [{ wcet: 6, period: 24, deadline: 40 }, { wcet: 4, period: 32, deadline: 24 }];
    const a = edfDemandAnalysis(ts, periodicResource(17, 7));
    expect(a.horizon).toBe(143);
    expect(a.firstViolation).toEqual({ t: 88, demand: 30, supply: 28 });
  });

  it('inside Γ(P, Q): the horizon is long enough (scan of dbf ≤ sbf far beyond it)', () => {
    const arb = fc.tuple(
      fc.integer({ min: 2, max: 12 }).chain((P) => fc.tuple(fc.constant(P), fc.integer({ min: 1, max: P }))),
      taskSetArb('arbitrary', 4, 1),
    );
    fc.assert(
      fc.property(arb, ([[P, Q], ts]) => {
        const a = edfDemandAnalysis(ts, periodicResource(P, Q));
        if (a.reason === 'utilisation') return;
        const limit = Math.max(4000, 4 * a.horizon);
        const firstBad = scan((t) => demandBound(ts, t) > sbf(P, Q, t), limit);
        expect(a.firstViolation?.t ?? Infinity).toBe(firstBad);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('oracle self-check', () => {
  const server = fc.integer({ min: 1, max: 30 }).chain((P) => fc.tuple(fc.constant(P), fc.integer({ min: 0, max: P })));

  it('sbf equals the literal formula of linux-irmos.md §2.9 and the supply pattern of the simulator', () => {
    const literal = (P: number, Q: number, t: number) => {
      const k = Math.max(Math.ceil((t - (P - Q)) / P), 1);
      const inRise = t >= (k + 1) * P - 2 * Q && t <= (k + 1) * P - Q;
      return inRise ? t - (k + 1) * (P - Q) : (k - 1) * Q;
    };
    fc.assert(
      fc.property(server, ([P, Q]) => {
        const avail = prmAvailable(P, Q);
        let cumulative = 0;
        for (let t = 0; t <= 6 * P + 3; t++) {
          expect(sbf(P, Q, t)).toBe(literal(P, Q, t));
          expect(sbf(P, Q, t)).toBe(cumulative);
          if (avail(t)) cumulative++;
        }
      }),
    );
  });
});
