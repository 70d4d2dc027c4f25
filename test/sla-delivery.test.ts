// Issue 9.2: every model that claims a reservation delivers it, whatever the VMU's affinity. A busy
// VMU (one busy task per vCPU: one vCPU, or 2–3 where said) with a random SLA (Q, P) and a random
// affinity on a 2–4 pCPU host, beside best-effort VMUs whose busy loops saturate every pCPU, must get
// on each vCPU what its model promises:
// - kvm-irmos, kvm-linux, kvm-deadline, xen-sedf: Q in every window of length P wherever it starts
//   (a hard CBS / fixed-grid reservation that alone holds its CPU runs at the start of each period;
//   linux-irmos.md §2.4, §3.1, §4.2; xen.md §5 "each vCPU gets its slice in every period"). All four
//   enforce budgets with exact timers by default (none is tick-driven here), so no tick allowance.
// - xen-rtds: global EDF among deferrable servers, where the best-effort VMUs hold RTDS's default
//   4 ms / 10 ms reservations too: Q in every period of its grid k·P and no gap in service longer than
//   2(P − Q) (xen.md §4 "Semantics and guarantees"), when the Goossens–Funk–Baruah test holds.
// - xen-credit, xen-credit2, kvm-linux-cfs promise no window: weight and cap (Credit, Credit2; xen.md
//   §2.12, §3) or CFS shares and cpu.max quota (linux-irmos.md §6.3) only bound the long-run share.
// Service is measured with the engine's dispatch observer.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HypervisorModel } from '../src/engine/model.js';
import { simulate } from '../src/experiments/simulate.js';
import { MODELS } from '../models/index.js';
import { busyTask, host, ms, s, scenario, task, us, vmu } from './helpers/scenario.js';
import type { Run } from './helpers/service-log.js';

const modelNamed = (name: string): HypervisorModel => MODELS.find((m) => m.name === name)!;

interface SlaCase {
  cpus: number;
  affinity: number[];
  /** vCPUs of the reserved VMU, each running one busy task of its own. */
  vcpus: number;
  budgetNs: number;
  periodNs: number;
  hogs: number;
  durationNs: number;
  params: Record<string, unknown>;
}

/** Merged service intervals of each vCPU of VMU `vm` under `model`, and the model's settings. */
function serviceOfVcpus(model: string, c: SlaCase): { perVcpu: Run[][]; settings: Record<string, unknown> } {
  const all = Array.from({ length: c.cpus }, (_, i) => i);
  const spins = Array.from({ length: c.vcpus }, (_, i) => busyTask(`spin${i}`, { affinity: [i] }));
  const reserved = { ...vmu('vm', spins, { affinity: c.affinity, vcpus: c.vcpus }), sla: { budget: c.budgetNs, period: c.periodNs, deadline: c.periodNs } };
  const hogs = Array.from({ length: c.hogs }, (_, i) => vmu(`hog${i}`, [busyTask(`loop${i}`)], { affinity: all }));
  const sc = scenario({ durationNs: c.durationNs, hosts: [host('ph1', c.cpus)], vmus: [reserved, ...hogs] });
  const open = new Map<number, { id: string; from: number }>();
  const runs = new Map<string, Run[]>();
  const push = (id: string, run: Run) => {
    const list = runs.get(id);
    if (list === undefined) runs.set(id, [run]);
    else list.push(run);
  };
  const result = simulate(sc, modelNamed(model), { params: c.params, pointer: '/models/0' }, {
    observer: {
      dispatch(now, _host, cpu, e) {
        const cur = open.get(cpu);
        if (cur !== undefined && now > cur.from) push(cur.id, [cur.from, now]);
        open.delete(cpu);
        if (e !== null && e.vmuId === 'vm') open.set(cpu, { id: e.id, from: now });
      },
    },
  });
  for (const cur of open.values()) if (c.durationNs > cur.from) push(cur.id, [cur.from, c.durationNs]);
  const out = [...runs.values()].map(merge);
  // A vCPU that never ran has no entry: count it as an empty list so the checks below see it.
  while (out.length < c.vcpus) out.push([]);
  return { perVcpu: out, settings: result.settings };
}

function merge(runs: Run[]): Run[] {
  const sorted = [...runs].sort((a, b) => a[0] - b[0]);
  const merged: Run[] = [];
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/** Service intervals of the reserved VMU's one vCPU. */
const serviceOfVm = (model: string, c: SlaCase): Run[] => serviceOfVcpus(model, c).perVcpu[0];

/** Service in [from, to) of merged runs. */
function serviceIn(runs: Run[], from: number, to: number): number {
  let sum = 0;
  for (const [a, b] of runs) {
    if (a >= to) break;
    sum += Math.max(0, Math.min(b, to) - Math.max(a, from));
  }
  return sum;
}

/**
 * Least service over every window [t, t + w) with from ≤ t ≤ to − w. Service in a sliding window is
 * piecewise linear in t, so its minimum is where t is a run's end or t + w a run's start (or an end).
 */
function leastWindowService(runs: Run[], w: number, from: number, to: number): { least: number; at: number } {
  const candidates = [from, to - w];
  for (const [a, b] of runs) candidates.push(b, a - w);
  let least = Infinity;
  let at = from;
  for (const t of candidates) {
    if (t < from || t > to - w) continue;
    const got = serviceIn(runs, t, t + w);
    if (got < least) {
      least = got;
      at = t;
    }
  }
  return { least, at };
}

/** Longest stretch of [from, to) without service. */
function longestGap(runs: Run[], from: number, to: number): number {
  let last = from;
  let gap = 0;
  for (const [a, b] of runs) {
    if (b <= from) continue;
    gap = Math.max(gap, a - last);
    last = Math.max(last, b);
  }
  return Math.max(gap, to - last);
}

/**
 * A host of 2–4 pCPUs, the reserved VMU's affinity a random non-empty subset, Q/P ≤ maxUtil with
 * (Q, P) in whole µs (P from 1 to 50 ms unless told), one or two more best-effort busy VMUs than pCPUs, and a run
 * of 10–14 periods that is no multiple of P.
 */
function slaCase(
  maxUtil: number,
  params: fc.Arbitrary<Record<string, unknown>>,
  periods = { min: 10, max: 14 },
  periodUs = { min: 1000, max: 50_000 },
  maxVcpus = 1,
): fc.Arbitrary<SlaCase> {
  return fc.integer({ min: 2, max: 4 }).chain((cpus) =>
    fc.record({
      cpus: fc.constant(cpus),
      affinity: fc.subarray(Array.from({ length: cpus }, (_, i) => i), { minLength: 1 }),
      vcpus: fc.integer({ min: 1, max: maxVcpus }),
      periodUs: fc.integer(periodUs),
      perMille: fc.integer({ min: 20, max: Math.floor(maxUtil * 1000) }),
      extraHogs: fc.integer({ min: 0, max: 1 }),
      periods: fc.integer(periods),
      tailUs: fc.integer({ min: 1, max: 999 }),
      params,
    }).map((r) => {
      const budgetUs = Math.max(10, Math.floor((r.periodUs * r.perMille) / 1000));
      return {
        cpus,
        affinity: r.affinity,
        // No more vCPUs than the pCPUs it may use: more would share reservations (common.ts perCpuBudget).
        vcpus: Math.min(r.vcpus, r.affinity.length),
        budgetNs: us(budgetUs),
        periodNs: us(r.periodUs),
        hogs: cpus + r.extraHogs,
        durationNs: us(r.periodUs * r.periods + r.tailUs),
        params: r.params,
      };
    }),
  );
}

const noParams = fc.constant({});
const RUNS = 30;

describe('reservations deliver Q in every window of P, whatever the affinity (issue 9.2)', () => {
  // SEDF's first period starts `slice` after the vCPU's first wake (Xen's deadl_abs = now + slice
  // quirk, sedf.ts header), so its windows are counted from Q; every other model's from 0.
  // `tickSlack`: a model that enforces at ticks promises Q within one tick (issue 9.2): kvm-linux's RT
  // groups are charged and throttled in update_curr_rt (rt.ts), so a period after an overrun of up to
  // a tick gets that much less (the debt), and the test helper's host ticks every 1 ms.
  const cases: { model: string; maxUtil: number; params: fc.Arbitrary<Record<string, unknown>>; from: (c: SlaCase) => number; pre?: (c: SlaCase) => boolean; tickSlack?: number }[] = [
    { model: 'kvm-irmos', maxUtil: 0.95, params: noParams, from: () => 0 },
    // Root RT throttling (950 ms per 1 s, still on with RT_GROUP_SCHED, linux-irmos.md §3.1) also
    // counts the group's time: a group running Q at the start of each of its periods uses up to
    // Q·⌈1 s/P⌉ of a root period, which must stay within 950 ms or the root throttles it.
    {
      model: 'kvm-linux',
      maxUtil: 0.95,
      params: fc.record({ kernel: fc.constantFrom('2.6.33', '5.10', '6.12') }),
      from: () => 0,
      pre: (c) => c.budgetNs * Math.ceil(s(1) / c.periodNs) <= ms(950),
      tickSlack: ms(1),
    },
    { model: 'kvm-deadline', maxUtil: 0.95, params: fc.record({ kernel: fc.constantFrom('5.10', '6.12') }), from: () => 0 },
    { model: 'xen-sedf', maxUtil: 0.95, params: noParams, from: (c) => c.budgetNs },
  ];
  for (const k of cases) {
    it(`${k.model}: a busy VMU receives at least Q in every window of length P`, () => {
      fc.assert(
        fc.property(slaCase(k.maxUtil, k.params), (c) => {
          fc.pre(k.pre === undefined || k.pre(c));
          const runs = serviceOfVm(k.model, c);
          const { least, at } = leastWindowService(runs, c.periodNs, k.from(c), c.durationNs);
          expect(least, `window [${at}, ${at + c.periodNs}) ns`).toBeGreaterThanOrEqual(c.budgetNs - (k.tickSlack ?? 0));
        }),
        { numRuns: RUNS, seed: 9_2 },
      );
    });
  }

  for (const k of cases) {
    it(`${k.model}: each vCPU of a busy 1–3 vCPU VMU receives at least Q in every window of length P`, () => {
      fc.assert(
        fc.property(slaCase(k.maxUtil, k.params, undefined, undefined, 3), (c) => {
          fc.pre(c.vcpus > 1 && (k.pre === undefined || k.pre(c)));
          const { perVcpu, settings } = serviceOfVcpus(k.model, c);
          // SEDF places vCPUs by index arithmetic (sedf_pick_cpu) with no admission control, so two
          // vCPUs may share a pCPU beyond its capacity: its promise holds where Σ slice/period ≤ 1 on
          // each pCPU (xen.md §5), which the model reports otherwise as an overload.
          fc.pre(settings.overload === undefined);
          perVcpu.forEach((runs, i) => {
            const { least, at } = leastWindowService(runs, c.periodNs, k.from(c), c.durationNs);
            expect(least, `vCPU ${i}, window [${at}, ${at + c.periodNs}) ns`).toBeGreaterThanOrEqual(c.budgetNs - (k.tickSlack ?? 0));
          });
        }),
        { numRuns: RUNS / 2, seed: 9_2 },
      );
    });
  }

  it('xen-rtds: each vCPU gets Q in every period of its grid k·P and no service gap over 2(P − Q), under the GFB test', () => {
    // RTDS gives best-effort VMUs its default 4 ms / 10 ms (xen-models.ts): Σ U = 0.4·hogs + vcpus·Q/P
    // must pass ΣU ≤ m − (m − 1)·U_max (xen.md §4) for global EDF to be schedulable.
    const gfb = (c: SlaCase) => {
      const u = c.budgetNs / c.periodNs;
      return 0.4 * c.hogs + c.vcpus * u <= c.cpus - (c.cpus - 1) * Math.max(0.4, u);
    };
    fc.assert(
      fc.property(slaCase(0.6, noParams, undefined, undefined, 3), (c) => {
        fc.pre(gfb(c));
        const whole = c.durationNs - (c.durationNs % c.periodNs);
        serviceOfVcpus('xen-rtds', c).perVcpu.forEach((runs, i) => {
          for (let k = 0; (k + 1) * c.periodNs <= c.durationNs; k++) {
            expect(serviceIn(runs, k * c.periodNs, (k + 1) * c.periodNs), `vCPU ${i}, period ${k}`).toBeGreaterThanOrEqual(c.budgetNs);
          }
          expect(longestGap(runs, 0, whole), `vCPU ${i}`).toBeLessThanOrEqual(2 * (c.periodNs - c.budgetNs));
        });
      }),
      { numRuns: RUNS, seed: 9_2 },
    );
  });
});

describe('models that promise only a long-run share keep it (issue 9.2)', () => {
  const share = (runs: Run[], c: SlaCase) => serviceIn(runs, 0, c.durationNs) / c.durationNs;
  // Long runs (60–80 periods) of periods from 10 to 50 ms: Credit's cap acts at 30 ms accountings in
  // bursts of up to a 30 ms slice (xen.md §2.11), and a CFS quota is lost in a period that a hog's
  // slice (EEVDF: ~0.7 ms × (1 + log2 CPUs)) fills; periods much longer than both keep that loss small.
  const long = { min: 60, max: 80 };
  const longPeriods = { min: 10_000, max: 50_000 };
  const TOLERANCE = 0.03;
  /**
   * Part of its pCPU a busy vCPU gets from a proportional-share scheduler beside equal-or-lighter busy
   * vCPUs: balancing leaves at most ⌈hogs/pCPUs⌉ of them beside it (more CPUs than busy entities
   * would idle one: CFS load balancing, linux-irmos.md §6.1; Credit's work stealing, xen.md §2.8), and
   * vCPUs that share a pCPU split it (Credit round-robins UNDER vCPUs in 30 ms slices, xen.md §2.7).
   */
  const sharedPart = (c: SlaCase) => 1 / (1 + Math.ceil(c.hogs / c.cpus));

  it('xen-credit and xen-credit2: share ≥ min(cap, weight share, shared pCPU part) − 3 % over a long run', () => {
    // Weight 1024·Q/P against best-effort VMUs' 256 (xen-models.ts): the host's credit split by weight,
    // each domain at most its one vCPU (xen.md §2.4, §2.12), then the cap Q/P (rounded up to 1 %).
    for (const model of ['xen-credit', 'xen-credit2']) {
      fc.assert(
        fc.property(slaCase(0.95, noParams, long, longPeriods), (c) => {
          const u = c.budgetNs / c.periodNs;
          const weight = Math.max(1, Math.round(1024 * u));
          const weightShare = Math.min(1, (c.cpus * weight) / (weight + 256 * c.hogs));
          expect(share(serviceOfVm(model, c), c), model).toBeGreaterThanOrEqual(Math.min(u, weightShare, sharedPart(c)) - TOLERANCE);
        }),
        { numRuns: 6, seed: 9_2 },
      );
    }
  });

  it('kvm-linux-cfs: share ≥ min(quota/period, shared pCPU part) − 3 % over a long run', () => {
    // cpu.max caps it at Q/P and is no minimum: "the guarantee comes from weights" (linux-irmos.md
    // §6.3); equal cpu.shares split a CPU equally.
    fc.assert(
      fc.property(slaCase(0.95, noParams, long, longPeriods), (c) => {
        const u = c.budgetNs / c.periodNs;
        expect(share(serviceOfVm('kvm-linux-cfs', c), c)).toBeGreaterThanOrEqual(Math.min(u, sharedPart(c)) - TOLERANCE);
      }),
      { numRuns: 6, seed: 9_2 },
    );
  });
});

describe('issue 9.2 example: SLA 4 ms / 10 ms on 2 pCPUs, default affinity, two busy neighbours', () => {
  it('kvm-irmos by default reserves 4 ms every 10 ms on one pCPU and the 3 ms / 10 ms task misses nothing', () => {
    const t = task('t', ms(3), ms(10), { policy: { class: 'fifo', priority: 80 } });
    const reserved = { ...vmu('vm', [t], { affinity: [0, 1] }), sla: { budget: ms(4), period: ms(10), deadline: ms(10) } };
    const neighbours = [0, 1].map((i) => vmu(`n${i}`, [busyTask(`b${i}`)], { affinity: [0, 1] }));
    const sc = scenario({ durationNs: s(1), hosts: [host('ph1', 2)], vmus: [reserved, ...neighbours] });
    const r = simulate(sc, modelNamed('kvm-irmos'));
    const task3 = r.tasks.find((x) => x.id === 't')!;
    expect(task3.judged).toBeGreaterThanOrEqual(99);
    expect(task3.missed).toBe(0);
    // The report row says what was configured: the whole Q on the one CPU its cgroup holds.
    const row = r.mapping.find((m) => m.entity === 'vm')!;
    expect(row.native).toMatch(/cpuset pCPU [01] .*cpu\.rt_runtime_us=4000 cpu\.rt_period_us=10000/);
  });
});
