// Analytic truths the simulator must reproduce exactly (no overheads).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { responseTimeAnalysis } from '../src/analysis/rta.js';
import type { TaskSpec } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { kvmIrmos } from '../models/kvm/kvm-irmos.js';
import { kvmLinux } from '../models/kvm/kvm-linux.js';
import { hostThread, ms, scenario, task, vmu } from './helpers/scenario.js';

const PERIODS_MS = [2, 4, 5, 8, 10, 20];
const HYPERPERIOD_MS = 40;

/** Random implicit-deadline task sets with periods from a small harmonic-ish set (hyperperiod 40 ms). */
const taskSetArb = (minU: number, maxU: number) =>
  fc
    .array(fc.record({ period: fc.constantFrom(...PERIODS_MS), share: fc.double({ min: 0.02, max: 0.6, noNaN: true }) }), { minLength: 2, maxLength: 5 })
    .map((raw) => {
      const total = raw.reduce((a, r) => a + r.share, 0);
      const target = minU + ((raw[0].share * 7919) % 1) * (maxU - minU);
      return raw.map((r, i) => {
        const periodNs = ms(r.period);
        const wcet = Math.max(1000, Math.floor((r.share / total) * target * periodNs));
        return { id: `t${i}`, wcet, period: periodNs };
      });
    });

const utilisation = (ts: { wcet: number; period: number }[]) => ts.reduce((a, t) => a + t.wcet / t.period, 0);

describe('EDF inside one full-bandwidth reservation', () => {
  const run = (ts: { id: string; wcet: number; period: number }[]) => {
    const sc = scenario({
      durationNs: ms(HYPERPERIOD_MS * 10),
      vmus: [
        {
          ...vmu('edf', ts.map((t) => task(t.id, t.wcet, t.period))),
          sla: { budget: ms(100), period: ms(100), deadline: ms(100) },
          guest: { scheduler: 'edf', tickNs: ms(4) },
        },
      ],
    });
    return simulate(sc, kvmIrmos, { params: { admissionBound: 1 }, pointer: '/models/0' });
  };

  it('never misses a deadline when U ≤ 1', () => {
    fc.assert(
      fc.property(taskSetArb(0.3, 1), (ts) => {
        fc.pre(utilisation(ts) <= 1);
        const r = run(ts);
        for (const t of r.tasks) expect(t.missed, `${t.id} in U=${utilisation(ts).toFixed(4)}`).toBe(0);
      }),
      { numRuns: 40, seed: 20261122 },
    );
  });

  it('misses deadlines when U > 1', () => {
    fc.assert(
      fc.property(taskSetArb(1.02, 1.4), (ts) => {
        fc.pre(utilisation(ts) > 1.01);
        const r = run(ts);
        expect(r.tasks.reduce((a, t) => a + t.missed, 0)).toBeGreaterThan(0);
      }),
      { numRuns: 30, seed: 7 },
    );
  });
});

describe('fixed priorities: simulation at the synchronous release equals response-time analysis', () => {
  it('host SCHED_FIFO threads, RM priorities, no throttling', () => {
    fc.assert(
      fc.property(taskSetArb(0.3, 0.95), (ts) => {
        const ordered = [...ts].sort((a, b) => a.period - b.period);
        const specs: TaskSpec[] = ordered.map((t, i) => task(t.id, t.wcet, t.period, { policy: { class: 'fifo', priority: 90 - i } }));
        const rta = responseTimeAnalysis(ordered.map((t, i) => ({ wcet: t.wcet, period: t.period, deadline: t.period, priority: 90 - i })));
        fc.pre(rta.schedulable);
        const sc = scenario({ durationNs: ms(HYPERPERIOD_MS), hostThreads: specs.map((s) => hostThread(s)) });
        // rtRuntime = rtPeriod: sched_rt_runtime_us = -1, RT throttling off; 6.12 without groups.
        const r = simulate(sc, kvmLinux, { params: { rtRuntime: '1s', kernel: '5.10' }, pointer: '/models/0' });
        ordered.forEach((t, i) => {
          expect(r.tasks.find((x) => x.id === t.id)!.response.maxNs, t.id).toBe(rta.response[i]);
        });
      }),
      { numRuns: 60, seed: 99 },
    );
  });
});
