// Golden comparison rules of `hvsim regress` (docs/regress.md): a metric may move by up to
// max(absolute, relative × |golden|), inclusive; the most specific tolerance applies; a metric the
// golden lacks is a change, one that disappeared a regression; equal runs give equal bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffGolden, GOLDEN_SCHEMA, renderGolden, toleranceFor, type Golden } from '../src/regress/golden.js';
import type { Tolerance } from '../src/scenario/types.js';

const golden = (metrics: Golden['metrics'], model = 'kvm-irmos'): Golden => ({ schema: GOLDEN_SCHEMA, scenario: 's', model, seed: 1, metrics });

describe('golden tolerances', () => {
  it('a change is a regression exactly when it exceeds max(absolute, relative × |golden|)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.option(fc.integer({ min: 0, max: 1e8 }), { nil: undefined }),
        fc.option(fc.constantFrom(0, 0.01, 0.05, 0.5), { nil: undefined }),
        (g, n, absolute, relative) => {
          const tolerances: Tolerance[] = absolute === undefined && relative === undefined ? [] : [{ metric: 'responseP99Ns', absolute, relative, pointer: '' }];
          const changes = diffGolden(golden({ 'task:t': { responseP99Ns: g } }), golden({ 'task:t': { responseP99Ns: n } }), tolerances);
          const allowed = Math.max(absolute ?? 0, (relative ?? 0) * Math.abs(g));
          expect(changes.some((c) => c.regression)).toBe(Math.abs(n - g) > allowed);
          expect(changes.length).toBe(g === n ? 0 : 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the most specific entry applies: subject over model over neither; the later of equals', () => {
    const t = (o: Partial<Tolerance>): Tolerance => ({ metric: 'cpuShare', pointer: '', ...o });
    const all = [t({ absolute: 1 }), t({ model: 'kvm-irmos', absolute: 2 }), t({ subject: { kind: 'task', id: 'a' }, absolute: 3 }), t({ absolute: 4 })];
    expect(toleranceFor(all, 'kvm-irmos', 'task:a', 'cpuShare')?.absolute).toBe(3);
    expect(toleranceFor(all, 'kvm-irmos', 'task:b', 'cpuShare')?.absolute).toBe(2);
    expect(toleranceFor(all, 'xen-sedf', 'task:b', 'cpuShare')?.absolute).toBe(4);
    expect(toleranceFor(all, 'xen-sedf', 'task:b', 'missRatio')).toBeUndefined();
  });

  it('a metric new in this run is a change, not a regression; a subject that disappeared is a regression', () => {
    const changes = diffGolden(golden({ 'task:a': { missRatio: 0 }, 'task:gone': { missRatio: 0 } }), golden({ 'task:a': { missRatio: 0, missed: 0 } }), []);
    expect(changes).toEqual([
      { subject: 'task:a', metric: 'missed', golden: null, now: 0, allowed: 0, regression: false },
      { subject: 'task:gone', metric: 'missRatio', golden: 0, now: null, allowed: 0, regression: true },
    ]);
  });

  it('renders byte-stable JSON: equal goldens, equal bytes, ending in a newline', () => {
    const a = renderGolden(golden({ 'task:a': { missRatio: 0.5, responseP99Ns: 3e6 } }));
    expect(renderGolden(JSON.parse(a))).toBe(a);
    expect(a.endsWith('}\n')).toBe(true);
  });
});
