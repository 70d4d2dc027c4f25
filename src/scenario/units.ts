// Durations and rates as written in scenario files. Times become exact integer nanoseconds: the
// decimal text is scaled with BigInt, so "1.1us" is 1100 ns and never 1100.0000000000002.

import { InputError, describeValue } from '../errors.js';
import type { Ns } from './types.js';

/** Both micro signs are accepted: U+00B5 (what keyboards type) and U+03BC (Greek mu). */
const DURATION_UNITS_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  min: 60_000_000_000n,
};

/** Shared with the JSON Schema so editors flag the same strings the loader rejects. */
export const DURATION_PATTERN = '^([0-9]+)(?:\\.([0-9]+))?[ ]?(ns|us|µs|μs|ms|s|min)$';
export const DURATION_EXPECTED = 'a duration such as "2.5ms" (units ns, us, µs, ms, s, min)';

/** Per-second factors, as decimal exponents where possible so "0.7/ms" stays exactly 700. */
const RATE_UNITS: Record<string, { exp10: number; divisor?: number }> = {
  '/ns': { exp10: 9 },
  '/us': { exp10: 6 },
  '/µs': { exp10: 6 },
  '/μs': { exp10: 6 },
  '/ms': { exp10: 3 },
  '/s': { exp10: 0 },
  '/min': { exp10: 0, divisor: 60 },
  Hz: { exp10: 0 },
  kHz: { exp10: 3 },
  MHz: { exp10: 6 },
};

export const RATE_PATTERN = '^([0-9]+)(?:\\.([0-9]+))?[ ]?(/ns|/us|/µs|/μs|/ms|/s|/min|Hz|kHz|MHz)$';
export const RATE_EXPECTED = 'a rate such as "200/s", "5/ms" or "50Hz" (events per time unit)';

/** Bits per second per unit; bytes are 8 bits, k/M/G decimal as tc and NIC speeds count them. */
const BANDWIDTH_UNITS: Record<string, number> = {
  'bit/s': 1,
  'kbit/s': 1e3,
  'Mbit/s': 1e6,
  'Gbit/s': 1e9,
  'B/s': 8,
  'kB/s': 8e3,
  'MB/s': 8e6,
  'GB/s': 8e9,
};

export const BANDWIDTH_PATTERN = '^([0-9]+)(?:\\.([0-9]+))?[ ]?(bit/s|kbit/s|Mbit/s|Gbit/s|B/s|kB/s|MB/s|GB/s)$';
export const BANDWIDTH_EXPECTED = 'a bandwidth such as "100Mbit/s", "1Gbit/s" or "12.5MB/s" (units bit/s, kbit/s, Mbit/s, Gbit/s, B/s, kB/s, MB/s, GB/s)';
const BANDWIDTH_RE = new RegExp(BANDWIDTH_PATTERN, 'u');

/** Parse a bandwidth ("1Gbit/s", "12.5MB/s") into bits per second; 0 is refused (a link or shaper of rate 0 passes nothing). */
export function parseBandwidth(text: unknown, file: string, pointer: string): number {
  const match = typeof text === 'string' ? BANDWIDTH_RE.exec(text) : null;
  if (!match) throw new InputError({ file, pointer, expected: BANDWIDTH_EXPECTED, found: describeValue(text) });
  const [, whole, frac = '', unit] = match;
  const bps = Number(`${whole}.${frac || '0'}`) * BANDWIDTH_UNITS[unit];
  if (!(bps > 0) || !Number.isFinite(bps)) {
    throw new InputError({ file, pointer, expected: 'a bandwidth > 0 (a rate of 0 would pass nothing)', found: describeValue(text) });
  }
  return bps;
}

const DURATION_RE = new RegExp(DURATION_PATTERN, 'u');
const RATE_RE = new RegExp(RATE_PATTERN, 'u');

/**
 * Parse a duration string ("2.5ms", "40us", "1.5min", "0s") into exact integer nanoseconds.
 * Throws InputError for anything else, including plain numbers (a unit is mandatory: a bare 40 is
 * ambiguous between ms and µs) and values that are not a whole number of nanoseconds.
 */
export function parseDuration(text: unknown, file: string, pointer: string): Ns {
  const match = typeof text === 'string' ? DURATION_RE.exec(text) : null;
  if (!match) {
    throw new InputError({
      file,
      pointer,
      expected: DURATION_EXPECTED,
      found: describeValue(text),
      hint: typeof text === 'number' ? `add a unit, e.g. "${text}ms"` : undefined,
    });
  }
  const [, whole, frac = '', unit] = match;
  const scale = 10n ** BigInt(frac.length);
  const scaled = BigInt(whole + frac) * DURATION_UNITS_NS[unit];
  if (scaled % scale !== 0n) {
    throw new InputError({
      file,
      pointer,
      expected: 'a whole number of nanoseconds',
      found: describeValue(text),
      hint: 'use fewer decimals or a smaller unit',
    });
  }
  const ns = scaled / scale;
  if (ns > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InputError({
      file,
      pointer,
      expected: 'a duration of at most 2^53 - 1 ns (about 104 days)',
      found: describeValue(text),
    });
  }
  return Number(ns);
}

/** Parse a rate ("200/s", "5/ms", "10/us", "50Hz", "2kHz") into events per second (> 0). */
export function parseRate(text: unknown, file: string, pointer: string): number {
  const match = typeof text === 'string' ? RATE_RE.exec(text) : null;
  if (!match) {
    throw new InputError({ file, pointer, expected: RATE_EXPECTED, found: describeValue(text) });
  }
  const [, whole, frac = '', unit] = match;
  const { exp10, divisor = 1 } = RATE_UNITS[unit];
  // Let the decimal parser do the scaling: the nearest double to the exact decimal value.
  const perSecond = Number(`${whole}${frac}e${exp10 - frac.length}`) / divisor;
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
    throw new InputError({ file, pointer, expected: 'a rate > 0', found: describeValue(text) });
  }
  return perSecond;
}

const EXACT_UNITS: [bigint, string][] = [
  [1_000_000_000n, 's'],
  [1_000_000n, 'ms'],
  [1_000n, 'us'],
];

/**
 * The exact scenario-file text of a whole number of nanoseconds ("2.5ms", "50us", "0s"), which
 * parseDuration reads back to the same number: the largest unit not above the value, in decimals.
 * Unlike formatDuration it never rounds, so files written by hvsim (src/scenario/serialize.ts) lose nothing.
 */
export function durationString(ns: Ns): string {
  if (!Number.isSafeInteger(ns) || ns < 0) throw new RangeError(`durationString: ${ns} is not a whole, finite, non-negative number of ns`);
  if (ns === 0) return '0s';
  const n = BigInt(ns);
  const [factor, unit] = EXACT_UNITS.find(([f]) => n >= f) ?? [1n, 'ns'];
  const whole = n / factor;
  // Fraction digits padded to the unit's width, trailing zeros dropped: 2_500_000 ns → "2.5ms".
  const frac = (n % factor).toString().padStart(factor.toString().length - 1, '0').replace(/0+$/, '');
  return `${whole}${frac === '' ? '' : `.${frac}`}${unit}`;
}

const DISPLAY_UNITS: [number, string][] = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];

/** Human-readable duration with 3 significant digits in the largest fitting unit: "2.5 ms". */
export function formatDuration(ns: number): string {
  if (Number.isNaN(ns)) return 'NaN';
  if (ns < 0) return `-${formatDuration(-ns)}`;
  if (ns === Infinity) return '∞';
  if (ns === 0) return '0 ns';
  // Round first, then pick the unit, so 999.9 µs shows as "1 ms" rather than "1000 µs".
  const rounded = Number(ns.toPrecision(3));
  const [factor, unit] = DISPLAY_UNITS.find(([f]) => rounded >= f) ?? DISPLAY_UNITS[DISPLAY_UNITS.length - 1];
  const value = Number((rounded / factor).toPrecision(3));
  return `${value} ${unit}`;
}
