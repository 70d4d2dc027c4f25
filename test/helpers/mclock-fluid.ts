// mClock's fluid steady state (Gulati et al., OSDI 2010; io-qos.md §1.2), the analytic truth the
// mClock tests measure the discipline against.
import type { MClockStream } from '../../src/engine/qdiscs/mclock.js';

/** The fluid steady state: a_i = min(l_i, max(r_i, w_i·x)) with x such that Σa_i = capacity (when limits allow). */
export function fluidShares(streams: Required<MClockStream>[], capacity: number): number[] {
  const at = (x: number) => streams.map((s) => Math.min(s.limit > 0 ? s.limit : Infinity, Math.max(s.reservation, s.weight * x)));
  const total = (x: number) => at(x).reduce((a, b) => a + b, 0);
  let lo = 0;
  let hi = capacity;
  while (total(hi) < capacity && hi < 1e12) hi *= 2;
  if (total(hi) < capacity) return at(hi); // every stream at its limit: Wait leaves the rest idle
  for (let k = 0; k < 100; k++) {
    const mid = (lo + hi) / 2;
    if (total(mid) < capacity) lo = mid;
    else hi = mid;
  }
  return at(hi);
}

