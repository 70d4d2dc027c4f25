// `advise fit`, `advise place` and `advise stack` (issue 12): the copy count is the simulation's
// boundary (n copies meet, n + 1 are refused or miss) and IRMOS's partition rule predicts its own
// admission control exactly; placements never exceed per-CPU admission, never beat the bandwidth
// lower bound, FFD stays within Dósa's 11/9·OPT + 6/9, and the placed scenario loads and is admitted;
// the recommended stack changes when the scenario makes another one better.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capacityCount } from '../src/advise/capacity.js';
import { adviseFit, copiesVariant } from '../src/advise/fit.js';
import { advisePlace, pack, placedScenario, STRATEGIES } from '../src/advise/place.js';
import { probe, probeOk, admissionRefusal } from '../src/advise/probe.js';
import { adviseStack } from '../src/advise/stack.js';
import { adviseBudget, type BudgetOptions } from '../src/advise/budget.js';
import type { ModelChoice } from '../src/experiments/simulate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { serializeScenario } from '../src/scenario/serialize.js';
import type { Scenario, VmuSpec } from '../src/scenario/types.js';
import { MODELS, modelNames } from '../models/index.js';
import { host, ms, s, scenario, task, us, vmu } from './helpers/scenario.js';

const choice = (name: string, params: Record<string, unknown> = {}): ModelChoice => ({ model: MODELS.find((m) => m.name === name)!, request: { params, pointer: '/models/0' } });
const OPTS: BudgetOptions = { granularityNs: us(500), hyperperiods: 2, maxHorizonNs: ms(100) };

function reserved(id: string, budget: number, period: number, tasks = [task(`${id}.t`, ms(1), period)], vcpus = 1): VmuSpec {
  return { ...vmu(id, tasks, { vcpus, affinity: [0] }), sla: { budget, period, deadline: period } };
}

describe('advise fit', () => {
  it('n copies meet every deadline in simulation and n + 1 are refused or miss (kvm-irmos, xen-rtds)', () => {
    for (const model of ['kvm-irmos', 'xen-rtds']) {
      const v = reserved('vm', ms(3), ms(10), [task('t', ms(2), ms(10))]);
      const sc = scenario({ durationNs: ms(100), hosts: [host('ph1', 2)], vmus: [v] });
      const fit = adviseFit(sc, v, choice(model), OPTS);
      const n = fit.simulated!.count;
      const run = (k: number) => {
        const variant = copiesVariant(sc, v, k, fit.simulated!.horizonNs);
        return probe(variant, choice(model), new Set(variant.vmus.flatMap((c) => c.tasks.map((t) => t.id))));
      };
      expect(n).toBeGreaterThan(0);
      expect(probeOk(run(n))).toBe(true);
      expect(probeOk(run(n + 1))).toBe(false);
      // Never more than the PH can physically serve: n·(2 ms per 10 ms) ≤ 2 CPUs.
      expect(n * 0.2).toBeLessThanOrEqual(2);
    }
  });

  it("kvm-irmos's partition rule predicts its own admission control exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 5, max: 95 }), (cpus, vcpus, pct) => {
        if (vcpus > cpus) return;
        const v = reserved('vm', ms(pct / 10), ms(10), [task('t', us(100), ms(10))], vcpus);
        const sc = scenario({ durationNs: ms(20), hosts: [host('ph1', cpus)], vmus: [{ ...v, affinity: Array.from({ length: cpus }, (_, i) => i) }] });
        const fit = adviseFit(sc, v, choice('kvm-irmos'), { ...OPTS, analysisOnly: true });
        const n = fit.admission.count!;
        expect(admissionRefusal(copiesVariant(sc, v, n + 1, ms(20)), choice('kvm-irmos'))).toBeDefined();
        if (n > 0) expect(admissionRefusal(copiesVariant(sc, v, n, ms(20)), choice('kvm-irmos'))).toBeUndefined();
        expect(capacityCount(choice('kvm-irmos'), cpus, vcpus, pct / 100).count).toBe(n);
        expect(fit.analytic.count).toBeLessThanOrEqual(n);
      }),
      { numRuns: 40, seed: 5 },
    );
  });
});

/** Fewest unit bins for `sizes` (exhaustive; a handful of items). */
function optimalBins(sizes: number[], capacity: number): number {
  const sorted = [...sizes].sort((a, b) => b - a);
  let best = sorted.length;
  const bins: number[] = [];
  const go = (i: number) => {
    if (bins.length >= best) return;
    if (i === sorted.length) {
      best = bins.length;
      return;
    }
    const tried = new Set<number>();
    for (let b = 0; b < bins.length; b++) {
      if (tried.has(bins[b]) || bins[b] + sorted[i] > capacity + 1e-12) continue;
      tried.add(bins[b]);
      bins[b] += sorted[i];
      go(i + 1);
      bins[b] -= sorted[i];
    }
    bins.push(sorted[i]);
    go(i + 1);
    bins.pop();
  };
  go(0);
  return best;
}

const vmuSet = fc.array(fc.record({ vcpus: fc.integer({ min: 1, max: 2 }), pct: fc.integer({ min: 5, max: 90 }) }), { minLength: 1, maxLength: 12 });

function placementScenario(items: { vcpus: number; pct: number }[], cpus: number): Scenario {
  const vmus = items.map((it, i) => ({ ...reserved(`vm${i}`, us(it.pct * 100), ms(10), [task(`t${i}`, us(50), ms(10))], Math.min(it.vcpus, cpus)), affinity: [0] }));
  return scenario({ durationNs: ms(50), hosts: [host('ph1', cpus)], vmus, models: [{ name: 'kvm-irmos', params: {}, pointer: '/models/0' }] });
}

describe('advise place', () => {
  it('every packing respects per-CPU admission, gives each vCPU its own pCPU and uses at least ⌈ΣU / (m·bound)⌉ PHs', () => {
    fc.assert(
      fc.property(vmuSet, fc.integer({ min: 1, max: 4 }), (items, cpus) => {
        const sc = placementScenario(items, cpus);
        const advice = advisePlace(sc, 0.95);
        for (const p of advice.packings) {
          expect(p.hosts.length).toBeGreaterThanOrEqual(advice.lowerBound);
          expect(p.placed.length + p.unplaceable.length).toBe(items.length);
          for (const loads of Object.values(p.load)) for (const l of loads) expect(l).toBeLessThanOrEqual(0.95 + 1e-9);
          for (const x of p.placed) expect(new Set(x.cpus).size).toBe(sc.vmus.find((v) => v.id === x.vmu)!.vcpus);
        }
        expect(advice.packings.find((p) => p.strategy === advice.best)!.hosts.length).toBe(Math.min(...advice.packings.map((p) => p.hosts.length)));
      }),
      { numRuns: 150, seed: 9 },
    );
  });

  it('first-fit decreasing uses at most 11/9·OPT + 6/9 one-CPU PHs for one-vCPU VMUs (Dósa 2007)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 5, max: 90 }), { minLength: 1, maxLength: 8 }), (pcts) => {
        const sc = placementScenario(pcts.map((pct) => ({ vcpus: 1, pct })), 1);
        const ffd = pack(sc, 0.95, 'first-fit').hosts.length;
        const opt = optimalBins(pcts.map((p) => p / 100), 0.95);
        expect(ffd).toBeLessThanOrEqual((11 / 9) * opt + 6 / 9 + 1e-9);
      }),
      { numRuns: 150, seed: 10 },
    );
  });

  it('the placed scenario loads again and every PH passes IRMOS admission', () => {
    fc.assert(
      fc.property(vmuSet, fc.integer({ min: 1, max: 4 }), fc.constantFrom(...STRATEGIES), (items, cpus, strategy) => {
        const sc = placementScenario(items, cpus);
        const placed = placedScenario(sc, pack(sc, 0.95, strategy));
        const again = normalizeScenario(JSON.parse(JSON.stringify(serializeScenario(placed))), '<placed>', { knownModels: modelNames() });
        expect(admissionRefusal(again, choice('kvm-irmos'))).toBeUndefined();
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});

describe('advise stack', () => {
  function stackOf(budget: number) {
    const v = reserved('vm', budget, ms(10), [task('t', ms(2), ms(10))]);
    const sc = scenario({ durationNs: s(1), hosts: [host('ph1', 1)], vmus: [v] });
    const choices = [choice('kvm-irmos'), choice('xen-credit')];
    const budgets = choices.map((c) => adviseBudget(sc, v, c, { ...OPTS, analysisOnly: true }));
    return adviseStack(sc, choices, budgets, []);
  }

  it('recommends the stack with a proven bound, and another one when the scenario makes it refuse', () => {
    const fits = stackOf(ms(6));
    expect(fits.rows.map((r) => r.slaMet)).toEqual([true, true]);
    expect(fits.recommended).toBe('kvm-irmos');
    expect(fits.reason).toMatch(/proven supply bound/);
    // 98 % of the CPU is above IRMOS's per-CPU admission bound (0.95, linux-irmos.md §2.8): Credit, which has none, takes over.
    const over = stackOf(us(9800));
    expect(over.rows[0].refused).toMatch(/admission/);
    expect(over.recommended).toBe('xen-credit');
    expect(over.reason).toMatch(/kvm-irmos is refused by admission/);
  });
});
