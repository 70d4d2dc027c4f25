// RTDS class (models/xen/rtds.ts) against xen.md §4.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostEntity } from '../src/engine/entities.js';
import { EventPhase } from '../src/engine/event-queue.js';
import type { TaskSpec } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { RtdsClass, type RtdsAdmitConfig } from '../models/xen/rtds.js';
import { busyTask, host, hostThread, ms, scenario, task, us } from './helpers/scenario.js';
import { oneClassModel, type OneClassHarness } from './helpers/one-class-model.js';
import { ServiceLog } from './helpers/service-log.js';

// ---- harness --------------------------------------------------------------------------------

type Harness = OneClassHarness<RtdsClass>;

function rtdsModel(params: Record<string, RtdsAdmitConfig>, onBuild?: (h: Harness) => void): Harness {
  return oneClassModel({
    name: 'test-rtds',
    family: 'xen',
    summary: 'RTDS only',
    create: (ctx) => new RtdsClass(ctx),
    params: (e) => params[e.id],
    onBuild,
  });
}

const rt = (budgetNs: number, periodNs: number, extratime = false): RtdsAdmitConfig => ({ budgetNs, periodNs, extratime });

function run(threads: TaskSpec[], params: Record<string, RtdsAdmitConfig>, durationNs: number, cpus = 1, onBuild?: (h: Harness) => void) {
  const h = rtdsModel(params, onBuild);
  const log = new ServiceLog();
  const result = simulate(scenario({ durationNs, hosts: [host('ph1', cpus)], hostThreads: threads.map((t) => hostThread(t)) }), h.model, undefined, { observer: log });
  log.close(durationNs);
  return { log, result, cls: h.cls! };
}

const all = (cpus: number) => Array.from({ length: cpus }, (_, i) => i);

/** Random busy sets that global EDF schedules: Σ U ≤ m − (m − 1)·U_max (GFB), on m = 1..3 pCPUs. */
const schedulableSet = fc
  .record({
    cpus: fc.integer({ min: 1, max: 3 }),
    specs: fc.array(fc.record({ period: fc.integer({ min: 2, max: 30 }), u: fc.double({ min: 0.05, max: 0.9, noNaN: true }) }), { minLength: 1, maxLength: 6 }),
  })
  .map(({ cpus, specs }) => {
    const umax = Math.max(...specs.map((s) => s.u));
    const bound = cpus - (cpus - 1) * umax;
    const total = specs.reduce((a, s) => a + s.u, 0);
    const scale = Math.min(1, (0.98 * bound) / total);
    return {
      cpus,
      vcpus: specs.map((s, i) => {
        const periodNs = ms(s.period);
        return { id: `v${i}`, periodNs, budgetNs: Math.max(us(10), Math.floor((periodNs * s.u * scale) / 1000) * 1000) };
      }),
    };
  });

// ---- §4: the absolute period grid --------------------------------------------------------------

describe('RTDS budgets on the absolute grid (§4 "Deadline grid")', () => {
  it('each vCPU gets its budget in every period of the absolute grid when the set is schedulable (gEDF, 1–3 pCPUs)', () => {
    let windows = 0;
    fc.assert(
      fc.property(schedulableSet, ({ cpus, vcpus }) => {
        const params: Record<string, RtdsAdmitConfig> = {};
        for (const v of vcpus) params[v.id] = rt(v.budgetNs, v.periodNs);
        const duration = ms(300);
        const { log } = run(vcpus.map((v) => busyTask(v.id, { affinity: all(cpus) })), params, duration, cpus);
        for (const v of vcpus) {
          for (let k = 0; (k + 1) * v.periodNs <= duration; k++) {
            windows++;
            expect(log.service(v.id, k * v.periodNs, (k + 1) * v.periodNs)).toBe(v.budgetNs);
          }
        }
      }),
      { numRuns: 80, seed: 4242 },
    );
    expect(windows).toBeGreaterThan(5000);
  });

  it('unused budget is discarded at the boundary (no banking): 3 ms left at 9 ms give 1 ms, then only 4 ms per period', () => {
    // (4, 10) ms, no extratime. 1 ms job at 0 leaves 3 ms; a 20 ms job arrives at 9 ms.
    const t = task('a', 1, ms(10), { arrival: { kind: 'trace', times: [0, ms(9)] }, exec: { kind: 'trace', values: [ms(1), ms(20)] } });
    const { log } = run([t], { a: rt(ms(4), ms(10)) }, ms(80));
    expect(log.of('a')).toEqual([
      [0, ms(1)],
      [ms(9), ms(14)], // deferrable: 1 ms before the boundary, a fresh 4 ms (not 4 + 2 banked) right after
      [ms(20), ms(24)],
      [ms(30), ms(34)],
      [ms(40), ms(44)],
      [ms(50), ms(53)],
    ]);
  });

  it('a vCPU asleep for many periods gets one budget per period when it wakes, not the sum of what it skipped', () => {
    const t = task('a', 1, ms(10), { arrival: { kind: 'trace', times: [ms(55)] }, exec: { kind: 'constant', value: ms(12) } });
    const { log } = run([t], { a: rt(ms(4), ms(10)) }, ms(100));
    expect(log.of('a')).toEqual([[ms(55), ms(59)], [ms(60), ms(64)], [ms(70), ms(74)]]);
  });
});

// ---- §4: the deferrable-server blackout ---------------------------------------------------------

describe('RTDS worst-case service gap (§4 "Semantics and guarantees")', () => {
  it('the worst-case service gap 2(P − B) is reached: budget at the start of one period and at the end of the next', () => {
    // A = (4, 10) busy. C = (6, 16) wakes at 10 ms with 6 ms of work: deadline 16 < A's 20, so it runs first.
    const c = task('c', ms(6), ms(100), { arrival: { kind: 'trace', times: [ms(10)] } });
    const { log } = run([busyTask('a'), c], { a: rt(ms(4), ms(10)), c: rt(ms(6), ms(16)) }, ms(30));
    // …and then 4 ms more right after the boundary: 2B back-to-back (the deferrable-server anomaly).
    expect(log.of('a').slice(0, 2)).toEqual([[0, ms(4)], [ms(16), ms(24)]]);
    expect(log.maxGap('a', 0, ms(20))).toBe(2 * (ms(10) - ms(4)));
  });

  it('the same adversarial phasing reaches exactly 2(P − B) for any (B, P)', () => {
    // A = (B, P) busy; C = (P − B, P_C) with 2P − B ≤ P_C < 2P wakes at P with P − B of work (Σ U ≤ 1):
    // its deadline P_C beats A's 2P and leaves it room for all its work first.
    const gen = fc.record({ p: fc.integer({ min: 100, max: 4000 }), bFrac: fc.double({ min: 0.05, max: 0.95, noNaN: true }), pcFrac: fc.double({ min: 0, max: 1, noNaN: true }) });
    fc.assert(
      fc.property(gen, ({ p, bFrac, pcFrac }) => {
        const P = us(p * 10);
        const B = Math.max(us(10), Math.min(P - us(10), Math.floor((P * bFrac) / 1000) * 1000));
        const PC = 2 * P - B + Math.floor(((B - 1000) * pcFrac) / 1000) * 1000;
        const c = task('c', P - B, ms(1000), { arrival: { kind: 'trace', times: [P] } });
        const { log } = run([busyTask('a'), c], { a: rt(B, P), c: rt(P - B, PC) }, 3 * P);
        expect(log.maxGap('a', 0, 2 * P)).toBe(2 * (P - B));
      }),
      { numRuns: 100, seed: 99 },
    );
  });

  it('and never exceeded for an always-runnable vCPU of a schedulable set (gEDF, 1–3 pCPUs, sporadic competitors)', () => {
    let beyondPeriodic = 0;
    let checked = 0;
    fc.assert(
      fc.property(schedulableSet, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), fc.integer(), ({ cpus, vcpus }, busyFlags, seed) => {
        const params: Record<string, RtdsAdmitConfig> = {};
        for (const v of vcpus) params[v.id] = rt(v.budgetNs, v.periodNs);
        const duration = ms(300);
        let x = seed | 1;
        const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
        // Busy vCPUs, or sporadic ones whose jobs (≤ budget) arrive at some of their own grid points: a
        // sporadic task set that global EDF schedules under the same bound.
        const threads = vcpus.map((v, i) => {
          if (busyFlags[i] || i === 0) return busyTask(v.id, { affinity: all(cpus) });
          const times: number[] = [];
          for (let t = 0; t < duration; t += v.periodNs) if (rand() < 0.5) times.push(t);
          const values = times.map(() => Math.max(us(1), Math.floor(v.budgetNs * (0.3 + 0.7 * rand()))));
          return task(v.id, 1, v.periodNs, { arrival: { kind: 'trace', times: times.length ? times : [0] }, exec: { kind: 'trace', values: values.length ? values : [us(1)] }, affinity: all(cpus) });
        });
        const { log } = run(threads, params, duration, cpus);
        vcpus.forEach((v, i) => {
          if (!(busyFlags[i] || i === 0)) return;
          const end = Math.floor(duration / v.periodNs) * v.periodNs;
          const gap = log.maxGap(v.id, 0, end);
          const bound = 2 * (v.periodNs - v.budgetNs);
          checked++;
          expect(gap).toBeLessThanOrEqual(bound);
          if (gap > 0.5 * bound) beyondPeriodic++;
        });
      }),
      { numRuns: 120, seed: 4243 },
    );
    expect(checked).toBeGreaterThan(200);
    // Not vacuous: many gaps exceed the P − B of a server always served at the same offset.
    expect(beyondPeriodic).toBeGreaterThan(50);
  });
});

// ---- §4: extratime -------------------------------------------------------------------------------

describe('RTDS extratime (§4 "Burn", "Extratime makes RTDS work-conserving")', () => {
  it('extratime lets an exhausted vCPU use an idle pCPU; without it the vCPU idles after its budget', () => {
    const threads = [busyTask('a', { affinity: [0, 1] }), busyTask('b', { affinity: [0, 1] })];
    const d = ms(1000);
    const on = run(threads, { a: rt(ms(2), ms(10), true), b: rt(ms(9), ms(10)) }, d, 2);
    expect(on.log.service('a', 0, d)).toBe(d); // always one pCPU free for it
    expect(on.log.service('b', 0, d)).toBe(100 * ms(9));
    expect(on.cls.stats().extraLevels).toBeGreaterThan(0);
    const off = run(threads, { a: rt(ms(2), ms(10), false), b: rt(ms(9), ms(10)) }, d, 2);
    expect(off.log.service('a', 0, d)).toBe(100 * ms(2));
  });

  it('vCPUs in extra time rank below every vCPU with budget left: the reservations are kept and the slack is shared', () => {
    // One pCPU: a = (2, 10) extratime, b = (5, 10) extratime, c = (1, 10) without: 2 ms of slack per period.
    const d = ms(1000);
    const threads = ['a', 'b', 'c'].map((id) => busyTask(id));
    const { log, result } = run(threads, { a: rt(ms(2), ms(10), true), b: rt(ms(5), ms(10), true), c: rt(ms(1), ms(10)) }, d);
    let extraA = 0;
    let extraB = 0;
    for (let k = 0; k < 100; k++) {
      const [from, to] = [k * ms(10), (k + 1) * ms(10)];
      expect(log.service('c', from, to)).toBe(ms(1));
      const a = log.service('a', from, to);
      const b = log.service('b', from, to);
      expect(a).toBeGreaterThanOrEqual(ms(2));
      expect(b).toBeGreaterThanOrEqual(ms(5));
      expect(a + b).toBe(ms(9));
      extraA += a - ms(2);
      extraB += b - ms(5);
    }
    expect(extraA).toBeGreaterThan(0);
    expect(extraB).toBeGreaterThan(0);
    expect(result.hosts[0].utilisation).toBe(1);
  });
});

describe('RTDS replenishment tickles (§4 "Replenishment timer")', () => {
  // One pCPU: a = (1, 4) busy, b = (5, 10) busy without extratime. At 4 ms a is replenished while b
  // runs its budget (until 6 ms) with the later deadline 10 ms.
  const runWith = (extratime: boolean) => run([busyTask('a'), busyTask('b')], { a: rt(ms(1), ms(4), extratime), b: rt(ms(5), ms(10)) }, ms(10));

  it('a depleted vCPU that is replenished tickles and preempts the later deadline at once', () => {
    const { log } = runWith(false);
    expect(log.of('a').slice(0, 2)).toEqual([[0, ms(1)], [ms(4), ms(5)]]);
  });

  it('a vCPU waiting in extra time is replenished without a tickle: it waits for the running budget to end (as in Xen)', () => {
    const { log } = runWith(true);
    expect(log.of('a')[0]).toEqual([0, ms(1)]);
    expect(log.service('a', ms(1), ms(6))).toBe(0);
    expect(log.of('a')[1][0]).toBe(ms(6));
  });
});

// ---- §4: global EDF ------------------------------------------------------------------------------

describe('RTDS global EDF (§4 "Tickle", "schedule()")', () => {
  it('on 2 pCPUs the running vCPUs are always the 2 highest-priority runnable ones', () => {
    const gen = fc.array(
      fc.record({ period: fc.integer({ min: 3, max: 30 }), u: fc.double({ min: 0.1, max: 0.7, noNaN: true }), busy: fc.boolean(), offset: fc.integer({ min: 0, max: 20_000 }) }),
      { minLength: 3, maxLength: 5 },
    );
    let contended = 0;
    fc.assert(
      fc.property(gen, (specs) => {
        const params: Record<string, RtdsAdmitConfig> = {};
        const threads = specs.map((s, i) => {
          const P = ms(s.period);
          params[`v${i}`] = rt(Math.max(us(10), Math.floor((P * s.u) / 1000) * 1000), P);
          return s.busy
            ? { ...busyTask(`v${i}`, { affinity: [0, 1] }), arrival: { kind: 'busy' as const, offset: us(s.offset) } }
            : task(`v${i}`, Math.floor(P * s.u * 0.8), P, { arrival: { kind: 'periodic', period: P, offset: us(s.offset), jitter: 0 }, affinity: [0, 1] });
        });
        const failures: string[] = [];
        const duration = ms(200);
        run(threads, params, duration, 2, (h) => {
          const sample = h.ctx!.timer(EventPhase.control, (now) => {
            const cls = h.cls!;
            const key = (e: HostEntity) => {
              const s = cls.server(e);
              return s.level * 1e12 + s.deadline;
            };
            const eligible = h.entities.filter((e) => e.runnable && !cls.server(e).depleted).map(key).sort((a, b) => a - b);
            const running = [h.ctx!.current(0), h.ctx!.current(1)].filter((e) => e !== null).map((e) => key(e!)).sort((a, b) => a - b);
            if (eligible.length > 2) contended++;
            if (running.join(',') !== eligible.slice(0, 2).join(',')) failures.push(`t=${now}: running [${running}] eligible [${eligible}]`);
            if (now + us(317) < duration) sample.arm(now + us(317));
          });
          sample.arm(us(500) + 331);
        });
        expect(failures.slice(0, 3)).toEqual([]);
      }),
      { numRuns: 50, seed: 77 },
    );
    expect(contended).toBeGreaterThan(1000);
  });
});
