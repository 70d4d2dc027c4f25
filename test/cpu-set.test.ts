// The reschedule pass walks its dirty pCPUs with CpuSet.nextFrom instead of scanning flags. Results
// stay identical only if the walk visits exactly what the scan did, in the same order, including
// CPUs marked during the walk — checked here against the scan itself, across word boundaries
// (hosts of 1–100 CPUs: 31/32/33 and 63/64/65 are where a bitset goes wrong).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuSet } from '../src/engine/cpu-set.js';

/** While visiting CPU `at`, mark these CPUs (a re-pick marking another CPU, or its own). */
type Marks = Map<number, number[]>;

/** The pass as it was: a scan of boolean flags in index order, each flag cleared when its CPU is visited. */
function scanWalk(size: number, initial: number[], marks: Marks): { visited: number[]; left: number[] } {
  const flags = new Array<boolean>(size).fill(false);
  for (const c of initial) flags[c] = true;
  const visited: number[] = [];
  for (let i = 0; i < size; i++) {
    if (!flags[i]) continue;
    flags[i] = false;
    visited.push(i);
    for (const m of marks.get(i) ?? []) flags[m] = true;
  }
  return { visited, left: flags.flatMap((f, i) => (f ? [i] : [])) };
}

function bitsetWalk(size: number, initial: number[], marks: Marks): { visited: number[]; left: number[] } {
  const set = new CpuSet(size);
  for (const c of initial) set.add(c);
  const visited: number[] = [];
  for (let i = set.nextFrom(0); i >= 0; i = set.nextFrom(i + 1)) {
    set.delete(i);
    visited.push(i);
    for (const m of marks.get(i) ?? []) set.add(m);
  }
  const left: number[] = [];
  for (let i = 0; i < size; i++) if (set.has(i)) left.push(i);
  return { visited, left };
}

const walkCase = fc.integer({ min: 1, max: 100 }).chain((size) =>
  fc.record({
    size: fc.constant(size),
    initial: fc.array(fc.integer({ min: 0, max: size - 1 }), { maxLength: 12 }),
    marks: fc.array(fc.tuple(fc.integer({ min: 0, max: size - 1 }), fc.array(fc.integer({ min: 0, max: size - 1 }), { maxLength: 3 })), { maxLength: 12 }),
  }),
);

describe('CpuSet (dirty pCPUs of the reschedule pass)', () => {
  it('visits what a flag scan visits, in the same order, and leaves the same CPUs marked for the next visit', () => {
    fc.assert(
      fc.property(walkCase, ({ size, initial, marks }) => {
        const byCpu: Marks = new Map(marks);
        expect(bitsetWalk(size, initial, byCpu)).toEqual(scanWalk(size, initial, byCpu));
      }),
      { numRuns: 500, seed: 14 },
    );
  });

  it('finds the lowest member at or above an index, across 32-bit words', () => {
    const set = new CpuSet(70);
    expect(set.nextFrom(0)).toBe(-1);
    for (const c of [0, 31, 32, 63, 64, 69]) set.add(c);
    expect([0, 1, 31, 32, 33, 63, 64, 65, 69, 70].map((i) => set.nextFrom(i))).toEqual([0, 31, 31, 32, 63, 63, 64, 69, 69, -1]);
    set.addAll();
    set.delete(5);
    expect(set.nextFrom(5)).toBe(6);
    expect(set.has(5)).toBe(false);
    expect(set.has(69)).toBe(true);
  });
});
