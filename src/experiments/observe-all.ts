// Several observers on one run: `hvsim run --trace --out` records the trace and the report's
// schedule excerpt in the same simulation instead of simulating twice.

import type { SimObserver } from '../engine/simulator.js';

/** Every hook of SimObserver: a hook the engine adds and this list lacks is a type error here. */
const HOOK_NAMES: Record<keyof SimObserver, true> = { dispatch: true, complete: true, release: true, policy: true, assign: true, migration: true, program: true, slaChange: true };
const HOOKS = Object.keys(HOOK_NAMES) as (keyof SimObserver)[];

/**
 * One observer that hands each event to `observers` in order. A hook is defined only when some
 * observer defines it: the engine changes what it keeps by which hooks exist (`program` makes the
 * clocks keep their iteration records), so the pair must not add a hook neither asked for.
 */
export function observeAll(...observers: SimObserver[]): SimObserver {
  const all: Record<string, (...args: never[]) => void> = {};
  for (const hook of HOOKS) {
    const listeners = observers.filter((o) => o[hook] !== undefined);
    if (listeners.length === 0) continue;
    all[hook] = (...args: never[]) => {
      for (const o of listeners) (o[hook] as (...a: never[]) => void).apply(o, args);
    };
  }
  return all as SimObserver;
}
