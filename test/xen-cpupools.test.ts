// Xen cpupools and soft affinity (xen.md §1, §2.6, §2.8, §3; models/xen/cpupools.ts, affinity.ts):
// a pool is a set of pCPUs with its own scheduler instance and its own domains; soft affinity is
// a preference that Credit (≥ 4.5) and Credit2 try first and never a restriction.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import type { HypervisorModel } from '../src/engine/model.js';
import type { Scenario, VmuSpec } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { xenCredit, xenCredit2, xenRtds, xenSedf } from '../models/xen/xen-models.js';
import { busyTask, host, ms, s, scenario, task, vmu } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';

const all4 = [0, 1, 2, 3];
const params = (p: Record<string, unknown>) => ({ params: p, pointer: '/models/0' });

function run(sc: Scenario, model: HypervisorModel, p: Record<string, unknown> = {}) {
  const log = new ServiceLog();
  const res = simulate(sc, model, params(p), { observer: log.observer });
  log.close(sc.durationNs);
  return { res, log };
}

/** pCPUs an entity ever ran on. */
const cpusOf = (log: ServiceLog, id: string) => new Set(log.withCpu(id).map(([, , cpu]) => cpu));

/** Share of an entity's service spent on `cpus`. */
function shareOn(log: ServiceLog, id: string, cpus: number[]): number {
  let on = 0;
  let total = 0;
  for (const [a, b, cpu] of log.withCpu(id)) {
    total += b - a;
    if (cpus.includes(cpu)) on += b - a;
  }
  return total === 0 ? 0 : on / total;
}

/**
 * A control VMU (5 ms every 10 ms on its one vCPU, reserved 6 ms / 10 ms) beside three CPU-bound VMUs, everyone allowed on all four pCPUs of the host.
 */
function crowded(): Scenario {
  const control: VmuSpec = vmu('control', [task('loop', ms(5), ms(10))], { affinity: all4, sla: { budget: ms(6), period: ms(10), deadline: ms(10) } });
  const hogs = Array.from({ length: 3 }, (_, i) => vmu(`hog${i}`, [busyTask(`spin${i}`, { affinity: [0, 1] })], { vcpus: 2, affinity: all4 }));
  return scenario({ durationNs: s(3), hosts: [host('ph1', 4)], vmus: [control, ...hogs] });
}

const rtPool = { name: 'rt', cpus: [3], scheduler: 'rtds', domains: ['control'] };

describe('Xen cpupools', () => {
  it('a pool is an isolation boundary: its pCPUs serve only its domains, and its RTDS reservation meets every deadline next to an overloaded Pool-0', () => {
    const { res, log } = run(crowded(), xenCredit, { cpupools: [rtPool] });
    const loop = res.tasks.find((t) => t.id === 'loop')!;
    expect(loop.released).toBeGreaterThan(250);
    expect(loop.missed).toBe(0);
    expect([...cpusOf(log, 'control/vcpu0')]).toEqual([3]);
    for (const e of res.hosts[0].entities) if (e.id !== 'control/vcpu0') expect(cpusOf(log, e.id).has(3)).toBe(false);
    // Pool-0's six CPU-bound vCPUs fill its three pCPUs, and no more.
    const pool0 = res.hosts[0].entities.filter((e) => e.id !== 'control/vcpu0').reduce((a, e) => a + e.cpuShare, 0);
    expect(pool0).toBeGreaterThan(2.99);
    expect(pool0).toBeLessThanOrEqual(3 + 1e-9);
    // RTDS on one pCPU: a 6 ms / 10 ms deferrable server serves a 5 ms job within its period, so
    // the response never exceeds the period (the job and the budget start on the same grid).
    expect(loop.response.maxNs).toBeLessThanOrEqual(ms(10));
  });

  it('Credit accounts per pool: 2:1 weights give 2:1 shares of a one-pCPU pool, whatever Pool-0 does', () => {
    // With the host's four pCPUs' worth of credit, both would stay UNDER and share 1:1.
    const heavy = vmu('heavy', [busyTask('h')], { affinity: all4, weight: 1024 });
    const light = vmu('light', [busyTask('l')], { affinity: all4, weight: 512 });
    const hogs = Array.from({ length: 2 }, (_, i) => vmu(`hog${i}`, [busyTask(`spin${i}`)], { affinity: all4 }));
    const sc = scenario({ durationNs: s(10), hosts: [host('ph1', 4)], vmus: [heavy, light, ...hogs] });
    const { res } = run(sc, xenCredit, { cpupools: [{ name: 'pair', cpus: [3], scheduler: 'credit', domains: ['heavy', 'light'] }] });
    const share = (id: string) => res.hosts[0].entities.find((e) => e.id === id)!.cpuShare;
    const ratio = share('heavy/vcpu0') / share('light/vcpu0');
    expect(share('heavy/vcpu0') + share('light/vcpu0')).toBeGreaterThan(0.99);
    expect(ratio).toBeGreaterThan(2 * 0.98);
    expect(ratio).toBeLessThan(2 * 1.02);
  });

  it('each pool maps its domains with its own scheduler, and says so', () => {
    const { res } = run(crowded(), xenCredit, { cpupools: [{ ...rtPool, cpus: [2, 3], domains: ['control', 'hog0'] }] });
    const row = (id: string) => res.mapping.find((m) => m.entity === id)!.native;
    expect(row('control')).toMatch(/^rtds budget=6 ms period=10 ms .* on pCPUs 2,3 \[rt: rtds on pCPUs 2,3\]$/);
    expect(row('hog0')).toMatch(/^rtds default budget=4 ms/);
    expect(row('hog1')).toMatch(/^credit weight=256 no cap on pCPUs 0,1 \[Pool-0: credit on pCPUs 0,1\]$/);
    expect(row('dom0')).toMatch(/on pCPUs 0,1 \[Pool-0/);
  });

  it('a pool with no domain leaves its pCPUs idle', () => {
    const { res, log } = run(crowded(), xenSedf, { cpupools: [{ name: 'spare', cpus: [2, 3], scheduler: 'credit2', domains: [] }] });
    for (const e of res.hosts[0].entities) {
      expect(cpusOf(log, e.id).has(2)).toBe(false);
      expect(cpusOf(log, e.id).has(3)).toBe(false);
    }
  });

  describe('bad cpupools are refused with the JSON pointer of the culprit', () => {
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['a pCPU in two pools', { cpupools: [rtPool, { name: 'b', cpus: [3], scheduler: 'credit', domains: [] }] }, '/models/0/params/cpupools/1/cpus/0', /already in rt/],
      ['a domain in two pools', { cpupools: [rtPool, { name: 'b', cpus: [2], scheduler: 'credit', domains: ['control'] }] }, '/models/0/params/cpupools/1/domains/0', /already in rt/],
      ['dom0 moved', { cpupools: [{ ...rtPool, domains: ['dom0'] }] }, '/models/0/params/cpupools/0/domains/0', /dom0 stays in Pool-0/],
      ['an unknown domain', { cpupools: [{ ...rtPool, domains: ['contrl'] }] }, '/models/0/params/cpupools/0/domains/0', /did you mean "control"/],
      ['every pCPU taken from Pool-0', { cpupools: [{ ...rtPool, cpus: all4 }] }, '/models/0/params/cpupools/0/cpus', /Pool-0 at least one pCPU/],
      ['a pCPU the host lacks', { cpupools: [{ ...rtPool, cpus: [4] }] }, '/models/0/params/cpupools/0/cpus/0', /below 4/],
      ['an unknown scheduler', { cpupools: [{ ...rtPool, scheduler: 'rtsd' }] }, '/models/0/params/cpupools/0/scheduler', /did you mean "rtds"/],
      ['an unknown pool field', { cpupools: [{ ...rtPool, sched: 'rtds' }] }, '/models/0/params/cpupools/0/sched', /cpupool fields/],
      ["a parameter the pool's scheduler lacks", { cpupools: [{ ...rtPool, params: { tslice: '10ms' } }] }, '/models/0/params/cpupools/0/params/tslice', /unknown parameter/],
      ['dom0 pinned outside Pool-0', { cpupools: [rtPool], dom0Cpus: [3] }, '/models/0/params/dom0Cpus', /Pool-0/],
    ];
    for (const [what, p, pointer, message] of cases) {
      it(what, () => {
        let err: unknown;
        try {
          simulate(crowded(), xenCredit, params(p));
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(InputError);
        expect((err as InputError).pointer).toBe(pointer);
        expect((err as InputError).message).toMatch(message);
      });
    }

    it('a VMU whose affinity has no pCPU in its pool', () => {
      const sc = crowded();
      sc.vmus[0] = { ...sc.vmus[0], affinity: [0, 1] };
      expect(() => simulate(sc, xenCredit, params({ cpupools: [rtPool] }))).toThrow(/vmus\/0\/affinity: expected pCPUs of rt \(pCPU 3\)/);
    });
  });
});

/** One periodic VMU that prefers pCPU 3, beside an idle host (and optionally a pinned hog on 3). */
function softScenario(hogOnSoft: boolean): Scenario {
  const picky = vmu('picky', [task('t', ms(1), ms(5))], { affinity: all4, softAffinity: [3] });
  const hog = vmu('hog', [busyTask('spin')], { affinity: [3] });
  return scenario({ durationNs: s(2), hosts: [host('ph1', 4)], vmus: hogOnSoft ? [picky, hog] : [picky] });
}

describe('Xen soft affinity', () => {
  for (const [model, p] of [
    [xenCredit, {}],
    [xenCredit2, {}],
  ] as const) {
    it(`${model.name}: a vCPU runs on its preferred pCPU while that one is idle`, () => {
      const { log } = run(softScenario(false), model, p);
      expect(shareOn(log, 'picky/vcpu0', [3])).toBeGreaterThan(0.95);
      const without = run({ ...softScenario(false), vmus: [{ ...softScenario(false).vmus[0], softAffinity: undefined }] }, model, p).log;
      expect(shareOn(without, 'picky/vcpu0', [3])).toBeLessThan(0.5);
    });

    it(`${model.name}: a preference is not a restriction: with its pCPU taken it runs elsewhere at once`, () => {
      const { res, log } = run(softScenario(true), model, p);
      const t = res.tasks.find((x) => x.id === 't')!;
      expect(t.missed).toBe(0);
      expect(shareOn(log, 'picky/vcpu0', [0, 1, 2])).toBeGreaterThan(0.9);
      expect(t.wakeup.p99Ns).toBeLessThan(ms(1));
    });
  }

  it('Credit before 4.5 has no soft affinity', () => {
    const { log } = run(softScenario(false), xenCredit, { xenVersion: '4.4' });
    expect(shareOn(log, 'picky/vcpu0', [3])).toBeLessThan(0.5);
  });

  it('RTDS and SEDF ignore it, and the mapping says so', () => {
    for (const model of [xenRtds, xenSedf]) {
      const { res, log } = run(softScenario(false), model);
      expect(shareOn(log, 'picky/vcpu0', [3])).toBeLessThan(0.5);
      expect(res.mapping.find((m) => m.entity === 'picky')!.native).toMatch(/soft affinity ignored/);
    }
  });

  it('property: under Credit and Credit2 no vCPU ever runs outside its hard affinity or its pool, whatever its soft affinity', () => {
    const mask = fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.array(fc.record({ hard: mask, soft: fc.option(mask, { nil: undefined }), busy: fc.boolean() }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.constantFrom(xenCredit, xenCredit2),
        (doms, pooled, model) => {
          const vmus = doms.map((d, i) =>
            vmu(`d${i}`, [d.busy ? busyTask(`w${i}`) : task(`w${i}`, ms(2), ms(7))], { affinity: [...d.hard].sort(), ...(d.soft ? { softAffinity: [...d.soft].sort() } : {}) }),
          );
          const sc = scenario({ durationNs: ms(300), hosts: [host('ph1', 4)], vmus });
          // A pool on pCPU 3 for every domain that may run there; the others stay in Pool-0.
          const pool = { name: 'p', cpus: [3], scheduler: 'credit2', domains: vmus.filter((v) => v.affinity.includes(3)).map((v) => v.id) };
          const poolOf = (v: VmuSpec) => (pooled ? (pool.domains.includes(v.id) ? [3] : [0, 1, 2]) : all4);
          // Every VMU that may use pCPU 3 is in the pool, so none is left with an empty affinity.
          const result = run(sc, model, pooled ? { cpupools: [pool] } : {});
          for (const v of vmus) {
            const allowed = v.affinity.filter((c) => poolOf(v).includes(c));
            for (const c of cpusOf(result.log, `${v.id}/vcpu0`)) expect(allowed).toContain(c);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
