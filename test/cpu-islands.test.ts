// Islands of CPUs that nothing ties together are simulated one after another (cpu-islands.ts,
// Simulator.runLanes, issue 14: scale). The claim is that this changes nothing: these tests run
// random kvm-irmos hosts partitioned and interleaved in one event queue and compare every result,
// and check where the split engages and where it must not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { cpuIslands } from '../src/engine/cpu-islands.js';
import { Simulator } from '../src/engine/simulator.js';
import { collectRun } from '../src/metrics/results.js';
import type { HostThreadSpec, Scenario, TaskSpec, VmuSpec } from '../src/scenario/types.js';
import { host, ms, scenario, us } from './helpers/scenario.js';
import { randomRtTask } from './helpers/random-rt-task.js';
import { randomHostThreads } from './helpers/random-host-threads.js';
import { randomVmus } from './helpers/random-vmus.js';

const run = (sc: Scenario, model: string, partition: boolean, params: Record<string, unknown> = {}) => {
  const sim = new Simulator(sc, findModel(model, '<test>', ''), { partition, params });
  sim.run();
  return { results: JSON.stringify(collectRun(sim)), lanes: sim.lanes };
};

const taskArb = (id: string, vcpus: number) =>
  randomRtTask(id, 0.35, fc.oneof(fc.nat(vcpus - 1).map((v) => [v]), fc.constant(Array.from({ length: vcpus }, (_, i) => i))));

/**
 * 2–6 pCPUs; per pCPU one or two reserved VMUs (budgets within IRMOS admission), mostly pinned to
 * it, some with two vCPUs over it and the next pCPU (which ties the two); optionally a SCHED_DEADLINE
 * host thread (an IRMOS group of its own) and a SCHED_FIFO one (the root group spans every pCPU).
 */
const hostArb = fc
  .record({
    cpus: fc.integer({ min: 2, max: 6 }),
    perCpu: fc.integer({ min: 1, max: 2 }),
    tickMs: fc.constantFrom(1, 4),
    tickPhase: fc.oneof(fc.constant<'random'>('random'), fc.nat(999_999)),
    skewTick: fc.boolean(),
    switchUs: fc.nat(5),
    guest: fc.constantFrom<'fifo' | 'edf' | 'fair'>('fifo', 'fifo', 'edf', 'fair'),
    warmupMs: fc.constantFrom(0, 0, 30),
    migrateOnThrottle: fc.boolean(),
    model: fc.constantFrom('kvm-irmos', 'kvm-deadline'),
    deadlineThread: fc.boolean(),
    fifoThread: fc.integer({ min: 0, max: 4 }),
    seed: fc.nat(1000),
  })
  .chain((h) =>
    randomVmus(
      h.cpus * h.perCpu,
      fc.record({ budgetMs: fc.integer({ min: 1, max: 2 }), wide: fc.integer({ min: 0, max: 3 }), taskCount: fc.integer({ min: 1, max: 3 }) }),
      (i, k, v) => taskArb(`vm${i}-t${k}`, v.wide === 0 ? 2 : 1),
    ).map(({ vs, taskSets }) => ({ h, vs, taskSets })),
  )
  .map(({ h, vs, taskSets }): { sc: Scenario; model: string; params: Record<string, unknown> } => {
    const vmus = vs.map((v, i): VmuSpec => {
      const cpu = i % h.cpus;
      const two = v.wide === 0; // a quarter of the VMUs have 2 vCPUs over this pCPU and the next
      return {
        id: `vm${i}`,
        host: 'ph1',
        vcpus: two ? 2 : 1,
        affinity: two ? [cpu, (cpu + 1) % h.cpus].sort((a, b) => a - b) : [cpu],
        sla: { budget: ms(v.budgetMs), period: ms(10), deadline: ms(10) },
        guest: { scheduler: h.guest, tickNs: ms(4) },
        weight: 1024,
        tasks: taskSets[i],
        io: [],
      };
    });
    const threads = randomHostThreads(h);
    return {
      sc: scenario({
        durationNs: ms(250),
        warmupNs: ms(h.warmupMs),
        seed: h.seed,
        hosts: [host('ph1', h.cpus, { tickNs: ms(h.tickMs), tickPhase: h.tickPhase, skewTick: h.skewTick, contextSwitchNs: us(h.switchUs) })],
        vmus,
        hostThreads: threads,
      }),
      model: h.model,
      params: h.model === 'kvm-irmos' ? { migrateOnThrottle: h.migrateOnThrottle } : {},
    };
  });

describe('simulating independent islands of CPUs one after another', () => {
  it('finds the islands tied by shared sets', () => {
    const { islandOf, count } = cpuIslands(6, [[4, 1], [2], [5, 3], [1, 2]]);
    expect(count).toBe(3);
    expect([...islandOf]).toEqual([0, 1, 1, 2, 1, 2]);
    expect(cpuIslands(3, []).count).toBe(3);
  });

  it('changes no result of a kvm-irmos or kvm-deadline host (events included)', () => {
    let split = 0;
    fc.assert(
      fc.property(hostArb, ({ sc, model, params }) => {
        const fast = run(sc, model, true, params);
        const full = run(sc, model, false, params);
        expect(full.lanes).toBe(1);
        expect(fast.results).toBe(full.results);
        if (fast.lanes > 1) split++;
      }),
      { numRuns: 60, seed: 14 },
    );
    expect(split).toBeGreaterThan(10);
  });

  it('splits where nothing ties the pCPUs, and not where something does', () => {
    const t = (id: string): TaskSpec => ({ id, arrival: { kind: 'periodic', period: ms(10), offset: 0, jitter: 0 }, exec: { kind: 'constant', value: ms(1) }, deadline: ms(10), policy: { class: 'fifo', priority: 50 }, affinity: [0] });
    const vm = (i: number, affinity: number[], extra: Partial<VmuSpec> = {}): VmuSpec => ({
      id: `vm${i}`, host: 'ph1', vcpus: 1, affinity, sla: { budget: ms(2), period: ms(10), deadline: ms(10) },
      guest: { scheduler: 'fifo', tickNs: ms(4) }, weight: 1024, io: [], tasks: [t(`vm${i}-t0`)], ...extra,
    });
    const base = (vmus: VmuSpec[], hostThreads: HostThreadSpec[] = []): Scenario => scenario({ durationNs: ms(50), hosts: [host('ph1', 4)], vmus, hostThreads });
    const lanes = (sc: Scenario, model = 'kvm-irmos', observer = false) => {
      const sim = new Simulator(sc, findModel(model, '<test>', ''), observer ? { observer: {} } : {});
      return sim.lanes;
    };
    const pinned = [0, 1, 2, 3].map((i) => vm(i, [i]));
    expect(lanes(base(pinned))).toBe(4);
    // SCHED_DEADLINE vCPUs each allowed on one pCPU: push and pull move nothing.
    expect(lanes(base(pinned), 'kvm-deadline')).toBe(4);
    // A 2-vCPU VMU over pCPUs 1 and 2 ties them (its group's cpuset, its vCPUs' affinity, its guest).
    const wide = vm(4, [1, 2], { vcpus: 2, tasks: [t('w0'), { ...t('w1'), affinity: [1] }] });
    expect(lanes(base([...pinned, wide]))).toBe(3);
    // Under SCHED_DEADLINE a vCPU allowed on two pCPUs may be pushed or pulled anywhere: one island.
    expect(lanes(base([...pinned, wide]), 'kvm-deadline')).toBe(1);
    // A host SCHED_FIFO thread runs in the root group, one server on every pCPU.
    const rt: HostThreadSpec = { ...t('rt'), host: 'ph1', affinity: [0], policy: { class: 'fifo', priority: 10 } };
    expect(lanes(base(pinned, [rt]))).toBe(1);
    // A best-effort VMU gives the fair class (which balances across CPUs) an entity.
    expect(lanes(base([...pinned, vm(4, [3], { sla: undefined })]))).toBe(1);
    // An island with nothing on it (pCPU 0 here) is simulated first and has no event at all: the next
    // island must not inherit its pCPU to re-pick (a fair pick there reads it: protocol guard).
    for (const model of ['kvm-irmos', 'kvm-deadline']) {
      const idleFirst = base([1, 2, 3].map((i) => vm(i, [i])));
      expect(lanes(idleFirst, model)).toBe(4);
      expect(run(idleFirst, model, true).results).toBe(run(idleFirst, model, false).results);
    }
    // An observer expects one time order; Credit's accounting spans the pCPUs.
    expect(lanes(base(pinned), 'kvm-irmos', true)).toBe(1);
    expect(lanes(base(pinned), 'xen-credit')).toBe(1);
  });
});
