// Cache and memory interference (src/engine/cache-model.ts, interference.ts; docs/reference/cache.md):
// `interference: none` and a task alone change nothing, a co-runner's working set slows a task
// monotonically and saturates beyond the last-level cache, a reload never exceeds the reload of the
// cache, and a reservation still delivers its CPU time while the work done in it shrinks.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { Simulator } from '../src/engine/simulator.js';
import type { HostMemorySpec, MemoryProfile } from '../src/engine/system.js';
import { evictedBytes, occupancyShares, reloadNs } from '../src/engine/cache-model.js';
import { simulate } from '../src/experiments/simulate.js';
import { parseScenarioText } from '../src/scenario/index.js';
import type { Scenario, TaskSpec } from '../src/scenario/types.js';
import { SporadicRtClass } from '../models/kvm/sporadic.js';
import { kvmIrmos } from '../models/kvm/kvm-irmos.js';
import { busyTask, constant, host, hostThread, ms, periodic, scenario, task, vmu } from './helpers/scenario.js';
import { oneClassModel } from './helpers/one-class-model.js';

const KiB = 1024;
const MiB = 1024 * 1024;
/** A small server: private L1 and L2 per core, one 8 MiB L3 shared by both cores, 10 GB/s. */
const MEMORY: HostMemorySpec = {
  lineBytes: 64,
  bandwidthBytesPerNs: 10,
  levels: [
    { name: 'L1', sizeBytes: 48 * KiB, ways: 12, sharedBy: 1, missPenaltyNs: 4 },
    { name: 'L2', sizeBytes: 1 * MiB, ways: 8, sharedBy: 1, missPenaltyNs: 10 },
    { name: 'L3', sizeBytes: 8 * MiB, ways: 16, sharedBy: 2, missPenaltyNs: 80 },
  ],
};
const LLC = MEMORY.levels[2].sizeBytes;

/** SCHED_RR host threads on one RT class without throttling: plain round robin, 100 ms quanta. */
function roundRobin() {
  return oneClassModel({
    name: 'test-rr',
    family: 'kvm',
    summary: 'test',
    create: (ctx) => new SporadicRtClass(ctx, { root: { runtimeNs: null, periodNs: ms(1000) }, runtimeShare: false, groups: [] }),
    params: () => ({ priority: 10, rr: true }),
  });
}

const rr = { class: 'rr', priority: 10 } as const;
const withMemory = (t: TaskSpec, workingSetBytes: number, intensity: number): TaskSpec => ({ ...t, memory: { workingSetBytes, intensity } });

function cacheScenario(parts: Partial<Scenario> & { durationNs: number }, cpus = 1): Scenario {
  return scenario({ interference: 'cache', hosts: [host('ph1', cpus, { memory: MEMORY })], ...parts });
}

/** One job of `demand` (fixed) time-shared round robin on CPU 0 with a busy co-runner of working set `other`. */
function fixedBesideCoRunner(other: number, opts: { fixedWs?: number; otherIntensity?: number; cpus?: number; otherCpu?: number } = {}) {
  const demand = ms(450);
  const fixed = withMemory(task('fixed', demand, ms(10_000), { policy: rr, affinity: [0] }), opts.fixedWs ?? 4 * MiB, 0.3);
  const co = withMemory(busyTask('other', { policy: rr, affinity: [opts.otherCpu ?? 0] }), other, opts.otherIntensity ?? 0.5);
  const sc = cacheScenario({ durationNs: ms(2000), hostThreads: [hostThread(fixed), hostThread(co)] }, opts.cpus ?? 1);
  const sim = new Simulator(sc, roundRobin().model, { checkProtocol: true });
  sim.run();
  const t = sim.tasks.find((x) => x.id === 'fixed')!;
  const entity = sim.hosts[0].entities.find((e) => e.id === 'fixed')!;
  return { demand, response: t.stats.response.max, preemptions: t.stats.preemptions, cpuNs: entity.cpuTimeNs, reload: sim.hosts[0].interference!.reloadTotals().get(t)! };
}

describe('interference none, or nothing to interfere with', () => {
  it('a scenario without memory profiles gives the same results with interference cache as with none', () => {
    const tasks = [task('a', ms(2), ms(10)), task('b', ms(3), ms(15), { policy: { class: 'fifo', priority: 40 } })];
    const parts = { durationNs: ms(500), vmus: [vmu('v1', tasks, { sla: { budget: ms(6), period: ms(10), deadline: ms(10) } })] };
    const none = simulate(scenario({ ...parts, hosts: [host('ph1', 1, { memory: MEMORY })] }), kvmIrmos);
    const cache = simulate(cacheScenario(parts), kvmIrmos);
    expect(cache).toEqual(none);
  });

  it('a task alone sees no slowdown, whatever its working set and intensity (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 30 }), fc.integer({ min: 1, max: 1024 }), fc.double({ min: 0, max: 1, noNaN: true }), (c, t, wsKiB, intensity) => {
        const alone = withMemory(task('alone', ms(c), ms(t), { policy: rr }), wsKiB * 64 * KiB, intensity);
        const parts = { durationNs: ms(300), hostThreads: [hostThread(alone)] };
        const none = simulate(scenario({ ...parts, hosts: [host('ph1', 2, { memory: MEMORY })] }), roundRobin().model);
        expect(simulate(cacheScenario(parts, 2), roundRobin().model)).toEqual(none);
      }),
      { numRuns: 15 },
    );
  });
});

describe('a co-runner on the same CPU (reload after its quantum)', () => {
  it('the fixed task is slowed the more, the larger the co-runner\'s working set (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 29 }), fc.integer({ min: 10, max: 29 }), (a, b) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        expect(fixedBesideCoRunner(2 ** small).response).toBeLessThanOrEqual(fixedBesideCoRunner(2 ** large).response);
      }),
      { numRuns: 12 },
    );
  });

  it('the slowdown saturates beyond the last-level cache: 4× and 64× the LLC cost the same within 0.1 %', () => {
    const tiny = fixedBesideCoRunner(4 * KiB).response;
    const beyond = fixedBesideCoRunner(4 * LLC).response;
    const far = fixedBesideCoRunner(64 * LLC).response;
    expect(beyond).toBeGreaterThan(tiny);
    expect(Math.abs(far - beyond) / beyond).toBeLessThan(1e-3);
  });

  it('CPU time beyond the demand is exactly the reload charged, at most the reload of the cache per resumption (fast-check)', () => {
    const perResume = (ws: number) => (Math.min(ws, LLC) / MEMORY.lineBytes) * MEMORY.levels.reduce((a, l) => a + l.missPenaltyNs, 0);
    fc.assert(
      fc.property(fc.integer({ min: 12, max: 26 }), fc.integer({ min: 10, max: 30 }), (fixedLog, otherLog) => {
        const run = fixedBesideCoRunner(2 ** otherLog, { fixedWs: 2 ** fixedLog });
        expect(run.cpuNs - run.demand).toBe(run.reload); // alone on its CPU when it runs: rate 1, only reloads
        expect(run.reload).toBeLessThanOrEqual(run.preemptions * Math.ceil(perResume(2 ** fixedLog)) + run.preemptions);
      }),
      { numRuns: 12 },
    );
  });
});

describe('co-runners on cores sharing the last-level cache and the memory bus', () => {
  it('`yes` beside the task costs nothing; a growing working set costs monotonically more', () => {
    const work = (other: number, intensity: number) => {
      const fixed = withMemory(busyTask('fixed', { policy: rr, affinity: [0] }), 6 * MiB, 0.4);
      const co = withMemory(busyTask('other', { policy: rr, affinity: [1] }), other, intensity);
      const sc = cacheScenario({ durationNs: ms(200), hostThreads: [hostThread(fixed), hostThread(co)] }, 2);
      return simulate(sc, roundRobin().model).tasks.find((t) => t.id === 'fixed')!.cpuTimeNs;
    };
    expect(work(4 * KiB, 0)).toBe(ms(200));
    const curve = [64 * KiB, 1 * MiB, 4 * MiB, 16 * MiB, 256 * MiB].map((ws) => work(ws, 0.6));
    for (let i = 1; i < curve.length; i++) expect(curve[i]).toBeLessThanOrEqual(curve[i - 1]);
    expect(curve[curve.length - 1]).toBeLessThan(curve[0]);
  });
});

describe('a reservation beside a polluting neighbour (kvm-irmos)', () => {
  it('delivers the same CPU time with and without interference, but the work done in it shrinks', () => {
    const rt = withMemory(busyTask('rt-work'), 4 * MiB, 0.3);
    const hog = withMemory(busyTask('hog'), 64 * MiB, 0.6);
    const parts = {
      durationNs: ms(1000),
      vmus: [vmu('rt', [rt], { sla: { budget: ms(3), period: ms(10), deadline: ms(10) } }), vmu('noisy', [hog])],
    };
    const none = simulate(scenario({ ...parts, hosts: [host('ph1', 1, { memory: MEMORY })] }), kvmIrmos);
    const cache = simulate(cacheScenario(parts), kvmIrmos);
    const vmuCpu = (r: typeof none) => r.vmus.find((v) => v.id === 'rt')!.cpuTimeNs;
    const work = (r: typeof none) => r.tasks.find((t) => t.id === 'rt-work')!.cpuTimeNs;
    expect(vmuCpu(cache)).toBe(vmuCpu(none));
    expect(work(cache)).toBeLessThan(work(none));
  });
});

describe('model arithmetic', () => {
  it('eviction grows with the intervening footprint, never beyond the own footprint (fast-check)', () => {
    const level = MEMORY.levels[2];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: LLC }), fc.double({ min: 0, max: 1e9, noNaN: true }), fc.double({ min: 0, max: 1e9, noNaN: true }), (own, f1, f2) => {
        const [lo, hi] = f1 <= f2 ? [f1, f2] : [f2, f1];
        const a = evictedBytes(own, lo, level, 64);
        const b = evictedBytes(own, hi, level, 64);
        expect(a).toBeLessThanOrEqual(b + 1e-6 * own);
        expect(b).toBeLessThanOrEqual(own * (1 + 1e-12));
        expect(a).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('a reload is at most the reload of the whole hierarchy', () => {
    const missing = MEMORY.levels.map((l) => l.sizeBytes);
    const all = reloadNs(MEMORY, missing);
    expect(all).toBe((LLC / 64) * (4 + 10 + 80)); // inclusion: what misses L3 misses L1 and L2 too
  });

  it('shares of a shared cache follow intensity, none above its working set, and fill the cache', () => {
    const out: number[] = [];
    const p = (ws: number, intensity: number): MemoryProfile => ({ workingSetBytes: ws, intensity });
    occupancyShares([p(1 * MiB, 0.5), p(64 * MiB, 0.5), p(64 * MiB, 0.25)], LLC, out);
    expect(out[0]).toBe(1 * MiB);
    expect(out[1] + out[2]).toBeCloseTo(LLC - 1 * MiB, 0);
    expect(out[1] / out[2]).toBeCloseTo(2, 9);
  });
});

describe('scenario fields', () => {
  const file = (hostMemory: string, extra = '') => `
name: t
duration: 1s
interference: cache
hosts:
  - id: ph1
    cpus: 2
${hostMemory}
hostThreads:
  - { id: a, host: ph1, kind: busy, memory: { workingSet: 2MiB, intensity: 0.3 } ${extra} }
`;
  const good = `    memory:
      bandwidth: 12GB/s
      caches:
        - { size: 48KiB, ways: 12, missPenalty: 4ns }
        - { name: LLC, size: 32MiB, ways: 16, sharedBy: 2, missPenalty: 80ns }`;
  const error = (text: string) => {
    try {
      parseScenarioText(text, 's.yaml');
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    throw new Error('accepted');
  };

  it('reads sizes, bandwidth and profiles with their units', () => {
    const s = parseScenarioText(file(good), 's.yaml');
    expect(s.interference).toBe('cache');
    expect(s.hosts[0].memory).toEqual({
      lineBytes: 64,
      bandwidthBytesPerNs: 12,
      levels: [
        { name: 'L1', sizeBytes: 48 * KiB, ways: 12, sharedBy: 1, missPenaltyNs: 4 },
        { name: 'LLC', sizeBytes: 32 * MiB, ways: 16, sharedBy: 2, missPenaltyNs: 80 },
      ],
    });
    expect(s.hostThreads[0].memory).toEqual({ workingSetBytes: 2 * MiB, intensity: 0.3 });
  });

  it('interference cache without a host hierarchy names the host', () => {
    const e = error(file(''));
    expect(e.pointer).toBe('/hosts/0');
    expect(e.expected).toMatch(/memory/);
  });

  it('a size without a unit, a level smaller than the one inside it, sharing beyond the host: pointed errors', () => {
    expect(error(file(good.replace('size: 48KiB', 'size: 48'))).pointer).toBe('/hosts/0/memory/caches/0/size');
    expect(error(file(good.replace('size: 32MiB', 'size: 32KiB'))).pointer).toBe('/hosts/0/memory/caches/1/size');
    expect(error(file(good.replace('sharedBy: 2', 'sharedBy: 4'))).pointer).toBe('/hosts/0/memory/caches/1/sharedBy');
    expect(error(file(good.replace('12GB/s', '12GB'))).pointer).toBe('/hosts/0/memory/bandwidth');
    expect(error(file(good).replace('intensity: 0.3', 'intensity: 3'))).toMatchObject({ pointer: '/hostThreads/0/memory/intensity' });
  });

  it('periodic tasks keep their other fields with a memory profile', () => {
    const s = parseScenarioText(file(good).replace('kind: busy', 'kind: periodic, period: 10ms, exec: 1ms'), 's.yaml');
    expect(s.hostThreads[0]).toMatchObject({ arrival: periodic(ms(10)), exec: constant(ms(1)) });
  });
});

describe('the working-set sweep (seed figure 14 as a figure)', () => {
  const text = `
name: ws
duration: 600ms
interference: cache
hosts:
  - id: ph1
    cpus: 2
    memory: { bandwidth: 6GB/s, caches: [{ size: 32KiB, ways: 8, missPenalty: 12ns }, { size: 4MiB, ways: 16, sharedBy: 2, missPenalty: 90ns }] }
vmus:
  - { id: batch, host: ph1, affinity: [0], tasks: [{ id: fixed, kind: server, arrivals: [0s], exec: 100ms, memory: { workingSet: 3MiB, intensity: 0.15 } }] }
  - { id: co, host: ph1, affinity: [1], tasks: [{ id: other, kind: busy, memory: { workingSet: 4KiB, intensity: 0.15 } }] }
models: [kvm-irmos]
figures:
  - { kind: working-set-sweep, task: other, vmu: batch, workingSets: [4KiB, 1MiB, 4MiB, 64MiB] }
`;
  it('the fixed task takes longer the larger the co-runner, and the loaded scenario round-trips through serializeScenario', async () => {
    const { runWorkingSetPoint } = await import('../src/experiments/working-set-sweep.js');
    const { serializeScenario } = await import('../src/scenario/index.js');
    const s = parseScenarioText(text, 'ws.yaml');
    const figure = s.figures![0];
    if (figure.kind !== 'working-set-sweep') throw new Error(figure.kind);
    const responses = figure.workingSets.map((_, i) => runWorkingSetPoint(s, figure, i, [{ name: 'kvm-irmos' }]).outcomes[0].responseMaxNs);
    expect(responses[0]).toBe(ms(100)); // a `yes`-sized co-runner leaves it its solo time
    for (let i = 1; i < responses.length; i++) expect(responses[i]).toBeGreaterThanOrEqual(responses[i - 1]);
    expect(responses[responses.length - 1]).toBeGreaterThan(responses[0]);
    const back = parseScenarioText(JSON.stringify(serializeScenario(s)), 'ws.json', { format: 'json' });
    expect(back.hosts).toEqual(s.hosts);
    expect(back.vmus).toEqual(s.vmus);
    expect(back.figures).toEqual(s.figures);
  });

  it('is refused without interference cache, and for a task without a memory profile', () => {
    const expectPointer = (t: string, pointer: string) => {
      try {
        parseScenarioText(t, 'ws.yaml');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as InputError).pointer).toBe(pointer);
        return;
      }
      throw new Error('accepted');
    };
    expectPointer(text.replace('interference: cache', 'interference: none'), '/figures/0/kind');
    expectPointer(text.replace("{ id: other, kind: busy, memory: { workingSet: 4KiB, intensity: 0.15 } }", '{ id: other, kind: busy }'), '/figures/0/task');
  });
});
