// The real schedulers' parameter limits, checked while a model reads its configuration so that a
// value the real system refuses is an InputError naming the field's JSON pointer and the valid
// range — never an exception from deep inside a scheduling class (issue 15, item 2). The classes
// keep their own asserts as a second line; these checks run first and say what to change.

import type { HostSetup } from '../src/engine/model.js';
import { InputError, pointerOf } from '../src/errors.js';
import { formatDuration } from '../src/scenario/units.js';
import type { VmuOnHost } from './population.js';

export interface DurationRange {
  min: number;
  max?: number;
  /** Whose limit and where it comes from, e.g. "Xen SEDF, xen.md §5". */
  source: string;
}

const rangeText = (r: DurationRange) => (r.max === undefined ? `at least ${formatDuration(r.min)}` : `in ${formatDuration(r.min)}..${formatDuration(r.max)}`);

/** `value` (ns) at `pointer` must lie in `range`. */
export function requireDuration(setup: HostSetup, pointer: string, what: string, value: number, range: DurationRange): void {
  if (value >= range.min && (range.max === undefined || value <= range.max)) return;
  throw new InputError({
    file: setup.scenario.file,
    pointer,
    expected: `${what} ${rangeText(range)} (${range.source})`,
    found: formatDuration(value),
  });
}

/** A model parameter `key` that must not exceed `limitKey` (runtime ≤ period and the like). */
export function requireAtMost(setup: HostSetup, key: string, value: number, limitKey: string, limit: number, source: string): void {
  if (value <= limit) return;
  throw new InputError({
    file: setup.scenario.file,
    pointer: setup.paramsPointer + pointerOf(key),
    expected: `${key} no longer than ${limitKey} (${formatDuration(limit)}); the real system refuses it (${source})`,
    found: formatDuration(value),
  });
}

/** A model parameter within a range (pointer = the parameter). */
export function requireParam(setup: HostSetup, key: string, value: number, range: DurationRange): void {
  requireDuration(setup, setup.paramsPointer + pointerOf(key), key, value, range);
}

/** Each reserved VMU's SLA budget and period within a reservation scheduler's ranges. */
export function requireSlaWithin(setup: HostSetup, domains: VmuOnHost[], budget: DurationRange, period: DurationRange): void {
  for (const v of domains) {
    const sla = v.vmu.sla;
    if (!sla || !v.pointer.startsWith('/vmus/')) continue;
    requireDuration(setup, `${v.pointer}/sla/period`, 'an SLA period', sla.period, period);
    requireDuration(setup, `${v.pointer}/sla/budget`, 'an SLA budget', sla.budget, budget);
  }
}
