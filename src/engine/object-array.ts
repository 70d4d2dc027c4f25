// An empty array for objects, born in the elements kind it will hold. V8 gives `[]` the kind of
// small integers (PACKED_SMI_ELEMENTS) and moves it to PACKED_ELEMENTS at the first object pushed;
// code optimised while a previous run's arrays already held objects checks for that kind, so the
// first push into each new run's empty array deoptimised it ("wrong map") and V8 recompiled the
// hot path (issue 14: a second Simulator in one process, as the bench and sweeps run them). The
// kind never moves back, so an array made with one object and emptied keeps PACKED_ELEMENTS.

const PLACEHOLDER = {};

/**
 * A new empty array already in the elements kind of object arrays; with `room`, instead an array of
 * that many placeholder objects, for owners that track their own length (WorkList).
 */
export function objectArray<T extends object>(room = 0): T[] {
  const array: object[] = [PLACEHOLDER];
  if (room === 0) array.pop();
  for (let i = 1; i < room; i++) array.push(PLACEHOLDER);
  return array as T[];
}

/** `items` copied into an array born in the elements kind of object arrays (objectArray). */
export function objectArrayOf<T extends object>(items: readonly T[]): T[] {
  const array = objectArray<T>();
  for (const item of items) array.push(item);
  return array;
}
