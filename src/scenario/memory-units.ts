// Sizes ("48KiB", "32MiB", "64B") and bandwidths ("12GB/s") as written in scenario files. KiB/MiB/GiB
// are powers of 2, KB/MB/GB powers of 10 (IEC 80000-13); a size is a whole number of bytes.

import { InputError, describeValue } from '../errors.js';

const SIZE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 };

export const SIZE_PATTERN = '^([0-9]+)(?:\\.([0-9]+))?[ ]?(B|KiB|MiB|GiB|KB|MB|GB)$';
export const BANDWIDTH_PATTERN = '^([0-9]+)(?:\\.([0-9]+))?[ ]?(B|KiB|MiB|GiB|KB|MB|GB)/s$';
const SIZE_RE = new RegExp(SIZE_PATTERN);
const BANDWIDTH_RE = new RegExp(BANDWIDTH_PATTERN);

function scaled(match: RegExpExecArray): number {
  const [, whole, frac = '', unit] = match;
  return Number(`${whole}.${frac || '0'}`) * SIZE_UNITS[unit];
}

/** Bytes (a whole number > 0). */
export function parseSize(text: unknown, file: string, pointer: string): number {
  const match = typeof text === 'string' ? SIZE_RE.exec(text) : null;
  const bytes = match === null ? NaN : scaled(match);
  if (!(bytes >= 1) || !Number.isSafeInteger(bytes)) {
    throw new InputError({
      file,
      pointer,
      expected: 'a size of at least 1 byte with a unit, such as "48KiB", "32MiB" or "64B" (B, KiB, MiB, GiB, KB, MB, GB)',
      found: describeValue(text),
      hint: typeof text === 'number' ? `add a unit, e.g. "${text}KiB"` : undefined,
    });
  }
  return bytes;
}

/** Bytes per ns (= GB/s), > 0. */
export function parseBandwidth(text: unknown, file: string, pointer: string): number {
  const match = typeof text === 'string' ? BANDWIDTH_RE.exec(text) : null;
  const perSecond = match === null ? NaN : scaled(match);
  if (!(perSecond > 0)) {
    throw new InputError({ file, pointer, expected: 'a bandwidth > 0 with a unit, such as "12GB/s" or "800MiB/s"', found: describeValue(text) });
  }
  return perSecond / 1e9;
}

/** "32 MiB", "48 KiB", "64 B": for reports and messages. */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= factor) return `${Number((bytes / factor).toPrecision(3))} ${unit}`;
  }
  return `${bytes} B`;
}
