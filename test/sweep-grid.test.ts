// The grid of `hvsim sweep` as documented: --set lists, unit ranges and JSON arrays read back what
// they were written from (fast-check round trips), ranges hold exactly the documented values, the
// first --set varies slowest, and every malformed spec is one InputError naming the flag.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { formatValueList, gridPoints, MAX_SWEEP_POINTS, parseSetSpec, parseSetSpecs, pointerOf, pointerTokens, setAtPointer, type SweepValue } from '../src/experiments/sweep-grid.js';
import { assembleSweep, mergePartials, partialOf, shardJobs, type SweepHeader } from '../src/experiments/sweep-results.js';
import type { SweepOutcome } from '../src/experiments/sweep-job.js';
import { durationString, parseDuration } from '../src/scenario/units.js';

const inputError = (f: () => unknown): InputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no error');
};

const scalar: fc.Arbitrary<SweepValue> = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('2.5ms', '10ms', 'edf', 'fifo', 'a b', '1..2:1', 'true', '12', '"q"', 'x,y'),
);

describe('sweep --set values', () => {
  it('a comma list of any scalars reads back as written (strings that look like numbers, lists or ranges are quoted)', () => {
    fc.assert(
      fc.property(fc.array(scalar, { minLength: 1, maxLength: 8 }), (values) => {
        expect(parseSetSpec(`/a/0=${formatValueList(values)}`).values).toEqual(values);
      }),
    );
  });

  it('a JSON array gives its elements, objects included', () => {
    const values = [{ dist: 'uniform', min: '1ms', max: '2ms' }, '2ms', [1, 2]];
    expect(parseSetSpec(`/vmus/0/tasks/0/exec=${JSON.stringify(values)}`).values).toEqual(values);
    expect(parseSetSpec(`/x=${formatValueList(values)}`).values).toEqual(values);
  });

  it('a duration range start..end:step holds start + k·step up to end, exact in ns, and each value parses back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 1e8 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 1e8 }), (start, step, k, beyond) => {
        const end = start + k * step + (beyond % step); // an end off the grid is not included
        const values = parseSetSpec(`/p=${durationString(start)}..${durationString(end)}:${durationString(step)}`).values;
        expect(values.map((v) => parseDuration(v, 'x', ''))).toEqual(Array.from({ length: k + 1 }, (_, i) => start + i * step));
      }),
    );
  });

  it('units may differ between start, end and step: 1ms..2ms:250us is five values', () => {
    expect(parseSetSpec('/p=1ms..2ms:250us').values).toEqual(['1ms', '1.25ms', '1.5ms', '1.75ms', '2ms']);
  });

  it('a decimal range steps exactly: 0.1..0.5:0.1 is 0.1, 0.2, 0.3, 0.4, 0.5 (no 0.30000000000000004)', () => {
    expect(parseSetSpec('/p=0.1..0.5:0.1').values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 30 }), (a, s, k) => {
        const values = parseSetSpec(`/p=${a / 100}..${(a + k * s) / 100}:${s / 100}`).values as number[];
        expect(values).toEqual(Array.from({ length: k + 1 }, (_, i) => Number(((a + i * s) / 100).toFixed(2))));
      }),
    );
  });

  it('several --set give the grid, the first varying slowest', () => {
    const params = parseSetSpecs(['/a=1,2', '/b=x,y,z']);
    expect(gridPoints(params)).toEqual([
      [1, 'x'], [1, 'y'], [1, 'z'],
      [2, 'x'], [2, 'y'], [2, 'z'],
    ]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }), (sizes) => {
        const specs = sizes.map((n, i) => `/p${i}=${Array.from({ length: n }, (_, k) => k).join(',')}`);
        const points = gridPoints(parseSetSpecs(specs));
        expect(points.length).toBe(sizes.reduce((a, n) => a * n, 1));
        expect(new Set(points.map((p) => p.join(','))).size).toBe(points.length);
      }),
    );
  });

  it('pointers escape ~ and / as RFC 6901 says, both ways', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), (tokens) => {
        expect(pointerTokens(pointerOf(tokens))).toEqual(tokens);
      }),
    );
  });

  it.each([
    ['vmus/0=1', /starting with "\/"/],
    ['/vmus/0', /no "="/],
    ['/vmus/0=', /nothing/],
    ['/a~2b=1', /~0 \(~\) or ~1/],
    ['/p=1,,2', /value 2 .* is empty/],
    ['/p=5ms..1ms:1ms', /end < start/],
    ['/p=1ms..5ms:0ms', /step of zero/],
    ['/p=1ms..5:1ms', /mixed kinds/],
    ['/p=1ms..5qs:1ms', /end "5qs"/],
    ['/p=1.5ns..2ns:1ns', /whole number of nanoseconds/],
    ['/p=[1,', /invalid JSON/],
    ['/p="open', /unclosed quote/],
    [`/p=0..${MAX_SWEEP_POINTS}:1`, /at most/],
  ])('--set %s is bad input at /set', (spec, message) => {
    const e = inputError(() => parseSetSpec(spec));
    expect(e.file).toBe('<command line>');
    expect(e.pointer).toBe('/set');
    expect(e.message).toMatch(message);
  });

  it('a grid past the limit and a pointer given twice are refused', () => {
    expect(inputError(() => parseSetSpecs(['/a=0..999:1', '/b=0..99:1'])).message).toMatch(/grid of at most/);
    expect(inputError(() => parseSetSpecs(['/a=1', '/a=2'])).message).toMatch(/each pointer in one --set/);
  });
});

describe('setting a field by pointer', () => {
  const doc = () => ({ vmus: [{ sla: { budget: '2ms' } }], name: 'x' });

  it('replaces a field, adds a missing key to an existing object, replaces an array element', () => {
    const d = doc();
    setAtPointer(d, '/vmus/0/sla/budget', '3ms', 'f.yaml');
    setAtPointer(d, '/vmus/0/sla/deadline', '5ms', 'f.yaml');
    setAtPointer(d, '/vmus/0', { id: 'new' }, 'f.yaml');
    expect(d).toEqual({ vmus: [{ id: 'new' }], name: 'x' });
  });

  it('names the deepest existing part when the path is not there', () => {
    expect(inputError(() => setAtPointer(doc(), '/vmus/3/sla/budget', '1ms', 'f.yaml')).found).toMatch(/\/vmus is a list of 1 \(indices 0..0\), not "3"/);
    expect(inputError(() => setAtPointer(doc(), '/vmus/0/slaa/budget', '1ms', 'f.yaml')).found).toMatch(/\/vmus\/0 has no "slaa" \(it has "sla"\)/);
    expect(inputError(() => setAtPointer(doc(), '/name/x', 1, 'f.yaml')).found).toMatch(/\/name is "x", which has no fields/);
  });
});

describe('shards', () => {
  const header = (jobs: number): SweepHeader => ({
    id: 'plan',
    fingerprint: '0.1.0+abc',
    scenario: { name: 's', file: 's.yaml', seed: 1 },
    parameters: [{ pointer: '/a', values: Array.from({ length: jobs }, (_, i) => i) }],
    models: ['m'],
    points: Array.from({ length: jobs }, (_, i) => [i]),
    keys: Array.from({ length: jobs }, (_, i) => `k${i}`),
  });
  const outcome = (j: number): SweepOutcome => ({ model: 'm', refused: `job ${j}` });

  it('the shards of any count partition the jobs, and merging them in any order gives the unsharded result', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (jobs, count, seed) => {
        const h = header(jobs);
        const slices = Array.from({ length: count }, (_, i) => shardJobs(jobs, { index: i + 1, count }));
        expect(slices.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: jobs }, (_, j) => j));
        const partials = slices.map((s, i) => ({ file: `p${i}`, data: partialOf(h, { index: i + 1, count }, new Map(s.map((j) => [j, outcome(j)]))) }));
        const shuffled = partials.map((p, i) => ({ p, r: (i * 7919 + seed) % 101 })).sort((a, b) => a.r - b.r).map((x) => x.p);
        const whole = assembleSweep(h, Array.from({ length: jobs }, (_, j) => outcome(j)));
        expect(JSON.stringify(mergePartials(shuffled))).toBe(JSON.stringify(whole));
      }),
    );
  });

  it('a missing shard, a shard of another plan and disagreeing results are refused', () => {
    const h = header(4);
    const part = (i: number, n: number, hh = h) => ({ file: `p${i}`, data: partialOf(hh, { index: i, count: n }, new Map(shardJobs(4, { index: i, count: n }).map((j) => [j, outcome(j)]))) });
    expect(inputError(() => mergePartials([part(1, 2)])).message).toMatch(/covering all 4 jobs.*2 missing/);
    expect(inputError(() => mergePartials([part(1, 2), part(2, 2, { ...h, id: 'other' })])).message).toMatch(/a shard of the sweep of p1/);
    const wrong = { file: 'w', data: partialOf(h, { index: 1, count: 1 }, new Map([[0, { model: 'm', refused: 'other' }]])) };
    expect(inputError(() => mergePartials([part(1, 1), wrong])).message).toMatch(/job 0 to agree/);
  });
});
