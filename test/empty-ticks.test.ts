// A host whose every VMU is reserved gives its fair class no entity; under kvm-irmos with exact
// enforcement no class then has anything to do at the host tick, and the engine skips the ticks
// (Simulator.elidableTicks, issue 14). The claim is that this changes nothing: these tests run
// random hosts with and without the shortcut and compare every result, and check that the shortcut
// really engages (and stays off where a tick or its settle matters).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { Simulator } from '../src/engine/simulator.js';
import { collectRun } from '../src/metrics/results.js';
import type { Scenario, TaskSpec, VmuSpec } from '../src/scenario/types.js';
import { host, ms, scenario, us } from './helpers/scenario.js';
import { randomRtTask } from './helpers/random-rt-task.js';
import { randomVmus } from './helpers/random-vmus.js';

const run = (sc: Scenario, model: string, keepEmptyTicks: boolean) => {
  const sim = new Simulator(sc, findModel(model, '<test>', ''), { elideTicks: !keepEmptyTicks });
  sim.run();
  return { results: collectRun(sim), skipped: sim.ticksSkipped };
};

const taskArb = (vmuId: string, k: number) => randomRtTask(`${vmuId}-t${k}`, 0.4, fc.constant([0]));

/** A host of 1–4 pCPUs with 1–3 reserved single-vCPU VMUs per pCPU (within IRMOS admission), 1–3 tasks each. */
const hostArb = fc
  .record({
    cpus: fc.integer({ min: 1, max: 4 }),
    perCpu: fc.integer({ min: 1, max: 3 }),
    tickMs: fc.constantFrom(1, 4),
    tickPhase: fc.oneof(fc.constant<'random'>('random'), fc.nat(999_999)),
    skewTick: fc.boolean(),
    switchUs: fc.nat(5),
    guest: fc.constantFrom<'fifo' | 'edf' | 'fair'>('fifo', 'fifo', 'edf', 'fair'),
    seed: fc.nat(1000),
  })
  .chain((h) =>
    randomVmus(h.cpus * h.perCpu, fc.record({ budgetMs: fc.integer({ min: 1, max: 3 }), taskCount: fc.integer({ min: 1, max: 3 }) }), (i, k) => taskArb(`vm${i}`, k)).map(
      ({ vs, taskSets }): Scenario => {
        const vmus = vs.map((v, i): VmuSpec => ({
          id: `vm${i}`,
          host: 'ph1',
          vcpus: 1,
          affinity: [i % h.cpus],
          sla: { budget: ms(v.budgetMs), period: ms(10), deadline: ms(10) },
          guest: { scheduler: h.guest, tickNs: ms(4) },
          weight: 1024,
          tasks: taskSets[i],
          io: [],
        }));
        return scenario({
          durationNs: ms(300),
          seed: h.seed,
          hosts: [host('ph1', h.cpus, { tickNs: ms(h.tickMs), tickPhase: h.tickPhase, skewTick: h.skewTick, contextSwitchNs: us(h.switchUs) })],
          vmus,
        });
      },
    ),
  );

describe('skipping provably empty host ticks', () => {
  it('changes no result of a reserved-only kvm-irmos host (events included)', () => {
    let engaged = 0;
    fc.assert(
      fc.property(hostArb, (sc) => {
        const fast = run(sc, 'kvm-irmos', false);
        const full = run(sc, 'kvm-irmos', true);
        expect(full.skipped).toBe(0);
        expect(JSON.stringify(fast.results)).toBe(JSON.stringify(full.results));
        if (fast.skipped > 0) engaged++;
      }),
      { numRuns: 40, seed: 14 },
    );
    expect(engaged).toBeGreaterThan(0);
  });

  it('engages on a reserved-only host with FIFO guests, and not where the tick or its settle acts', () => {
    const base = (guest: 'fifo' | 'fair', policy: TaskSpec['policy'], hostThreads: Scenario['hostThreads'] = []): Scenario =>
      scenario({
        durationNs: ms(100),
        hosts: [host('ph1', 2, { tickNs: ms(4) })],
        vmus: [0, 1].map((i): VmuSpec => ({
          id: `vm${i}`, host: 'ph1', vcpus: 1, affinity: [i], sla: { budget: ms(2), period: ms(10), deadline: ms(10) },
          guest: { scheduler: guest, tickNs: ms(4) }, weight: 1024, io: [],
          tasks: [{ id: `vm${i}-t0`, arrival: { kind: 'periodic', period: ms(10), offset: 0, jitter: 0 }, exec: { kind: 'constant', value: ms(1) }, deadline: ms(10), policy, affinity: [0] }],
        })),
        hostThreads,
      });
    const fifo = { class: 'fifo', priority: 50 } as const;
    // 2 pCPUs × ticks at 4, 8, …, 100 ms.
    expect(run(base('fifo', fifo), 'kvm-irmos', false).skipped).toBe(2 * 25);
    // A fair guest charges vruntime in floating point: a split segment may round differently.
    expect(run(base('fair', { class: 'fair', nice: 0 }), 'kvm-irmos', false).skipped).toBe(0);
    // A best-effort host thread gives the fair class work at the tick.
    const be = { id: 'be', host: 'ph1', arrival: { kind: 'busy', offset: 0 }, exec: { kind: 'constant', value: 1 }, deadline: Infinity, policy: { class: 'fair', nice: 0 }, affinity: [0, 1] } as const;
    expect(run(base('fifo', fifo, [be]), 'kvm-irmos', false).skipped).toBe(0);
    // An RR task inside an IRMOS reservation has its quantum counted at the tick.
    const rrThread = { ...be, id: 'rr', arrival: { kind: 'periodic', period: ms(10), offset: 0, jitter: 0 }, exec: { kind: 'constant', value: ms(1) }, deadline: ms(10), policy: { class: 'rr', priority: 10 } } as const;
    expect(run(base('fifo', fifo, [rrThread]), 'kvm-irmos', false).skipped).toBe(0);
  });
});
