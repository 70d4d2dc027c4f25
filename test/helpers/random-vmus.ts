// The VMUs of a random host (the islands, keep-picks and empty-ticks properties): `count` draws of a
// VMU's own record, each with a `taskCount`, and for each VMU that many tasks.

import fc from 'fast-check';

export interface VmuDraws<V, T> {
  vs: V[];
  /** The tasks of VMU i, in the order drawn. */
  taskSets: T[][];
}

/** `count` VMU records and their tasks, task k of VMU i drawn by `taskOf(i, k, vmu)`. */
export function randomVmus<V extends { taskCount: number }, T>(count: number, vmu: fc.Arbitrary<V>, taskOf: (i: number, k: number, v: V) => fc.Arbitrary<T>): fc.Arbitrary<VmuDraws<V, T>> {
  return fc
    .array(vmu, { minLength: count, maxLength: count })
    .chain((vs) => fc.tuple(...vs.map((v, i) => fc.tuple(...Array.from({ length: v.taskCount }, (_, k) => taskOf(i, k, v))))).map((taskSets) => ({ vs, taskSets: taskSets as T[][] })));
}
