// The parameter grid of `hvsim sweep`: each `--set <pointer>=<values>` names one scenario field by
// RFC 6901 JSON pointer and the values it takes; several `--set`s span the grid (the first varies
// slowest, as nested loops in the order written). Values are a comma list (`a,b,c`: JSON numbers,
// true/false/null and "quoted" strings as JSON, anything else a bare string such as `2.5ms`), a JSON
// array (`[{"dist":"uniform",…},"2ms"]`), or a range `start..end:step` of durations (`1ms..5ms:0.5ms`,
// exact integer nanoseconds, written back as scenario-file durations) or of plain decimal numbers
// (`0.1..0.5:0.1`, exact decimal steps). The end is included when it falls on the step grid.

import { InputError, describeValue } from '../errors.js';
import { durationString, parseDuration } from '../scenario/units.js';

const FLAGS = '<command line>';

/** A value a swept field takes: anything a scenario file may hold. */
export type SweepValue = string | number | boolean | null | SweepValue[] | { [key: string]: SweepValue };

export interface SweepParameter {
  /** The field, as a JSON pointer into the scenario file ("/vmus/0/sla/budget"). */
  pointer: string;
  values: SweepValue[];
}

/** Most points a sweep may have (the product over its parameters): far above any useful grid. */
export const MAX_SWEEP_POINTS = 10_000;

function bad(spec: string, expected: string, found: string, hint?: string): never {
  throw new InputError({ file: FLAGS, pointer: '/set', expected, found: `--set ${describeValue(spec)}: ${found}`, hint });
}

/** The reference tokens of an RFC 6901 pointer ("/a~1b/0" → ["a/b", "0"]). */
export function pointerTokens(pointer: string, spec = pointer): string[] {
  if (!pointer.startsWith('/')) bad(spec, 'a JSON pointer starting with "/" before "=", e.g. /vmus/0/sla/budget=1ms,2ms', describeValue(pointer));
  const raw = pointer.slice(1).split('/');
  for (const token of raw) {
    if (/~[^01]|~$/.test(token)) bad(spec, 'a JSON pointer whose "~" escapes are ~0 (~) or ~1 (/)', describeValue(pointer));
  }
  return raw.map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function pointerOf(tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** `<pointer>=<values>` → the parameter; every malformed piece is bad input naming the flag. */
export function parseSetSpec(spec: string): SweepParameter {
  const eq = spec.indexOf('=');
  if (eq < 0) bad(spec, '<pointer>=<values>, e.g. /vmus/0/sla/budget=1ms..5ms:0.5ms', 'no "="');
  const pointer = spec.slice(0, eq);
  pointerTokens(pointer, spec);
  if (pointer === '/') bad(spec, 'a pointer to a field of the scenario', 'the pointer "/" (an empty key)');
  const values = parseValues(spec.slice(eq + 1), spec);
  return { pointer, values };
}

const RANGE = /^([^,]+?)\.\.([^,:]+):([^,]+)$/;
const JSON_SCALAR = /^(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false|null)$/;
const DECIMAL = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

function parseValues(text: string, spec: string): SweepValue[] {
  const trimmed = text.trim();
  if (trimmed === '') bad(spec, 'values after "=": a list a,b,c, a range start..end:step or a JSON array', 'nothing');
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      bad(spec, 'a JSON array of values', `invalid JSON (${(error as Error).message.split('\n')[0]})`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0) bad(spec, 'a non-empty JSON array of values', describeValue(parsed));
    return parsed as SweepValue[];
  }
  const range = trimmed.startsWith('"') ? null : RANGE.exec(trimmed);
  if (range) return parseRange(range[1].trim(), range[2].trim(), range[3].trim(), spec);
  return splitList(trimmed, spec).map((item) => parseItem(item, spec));
}

/** Split at commas outside "quoted strings". */
function splitList(text: string, spec: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') {
      current += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      items.push(current.trim());
      current = '';
    } else current += c;
  }
  if (quoted) bad(spec, 'each "quoted" value closed', `an unclosed quote in ${describeValue(text)}`);
  items.push(current.trim());
  const empty = items.findIndex((i) => i === '');
  if (empty >= 0) bad(spec, 'a comma list with no empty value', `value ${empty + 1} of ${describeValue(text)} is empty`);
  return items;
}

function parseItem(item: string, spec: string): SweepValue {
  if (item.startsWith('"')) {
    try {
      const s: unknown = JSON.parse(item);
      if (typeof s === 'string') return s;
    } catch {
      // reported below
    }
    bad(spec, 'a "quoted" value to be one JSON string', describeValue(item));
  }
  if (JSON_SCALAR.test(item)) return JSON.parse(item) as SweepValue;
  return item;
}

function parseRange(start: string, end: string, step: string, spec: string): SweepValue[] {
  const rangeExpected = 'a range start..end:step of durations with units (1ms..5ms:0.5ms) or of plain numbers (0.1..0.5:0.1)';
  const allNumbers = [start, end, step].every((t) => DECIMAL.test(t));
  if (allNumbers) return numberRange(start, end, step, spec);
  const parts = [start, end, step];
  const numeric = parts.filter((t) => DECIMAL.test(t));
  if (numeric.length > 0) bad(spec, rangeExpected, `start, end and step of mixed kinds (${parts.map((t) => describeValue(t)).join(', ')})`, 'give all three units, or none');
  const ns = parts.map((t, i) => {
    try {
      return parseDuration(t, FLAGS, '/set');
    } catch (error) {
      return bad(spec, rangeExpected, `${['start', 'end', 'step'][i]} ${describeValue(t)}: ${(error as InputError).expected}`);
    }
  });
  return steps(BigInt(ns[0]), BigInt(ns[1]), BigInt(ns[2]), spec).map((v) => durationString(Number(v)));
}

/** Decimal text → [integer, scale] such that value = integer / 10^scale. */
function decimal(text: string, scale: number): bigint {
  const [, sign, whole, frac = ''] = DECIMAL.exec(text)!;
  const v = BigInt(whole + frac.padEnd(scale, '0'));
  return sign === '-' ? -v : v;
}

function numberRange(start: string, end: string, step: string, spec: string): SweepValue[] {
  const scale = Math.max(...[start, end, step].map((t) => DECIMAL.exec(t)![3]?.length ?? 0));
  const values = steps(decimal(start, scale), decimal(end, scale), decimal(step, scale), spec);
  // Exact decimal text, then the nearest double: 0.1 + 2·0.1 is 0.3, never 0.30000000000000004.
  const unit = 10n ** BigInt(scale);
  return values.map((v) => {
    const sign = v < 0n ? '-' : '';
    const abs = v < 0n ? -v : v;
    return Number(`${sign}${abs / unit}.${(abs % unit).toString().padStart(scale, '0')}`);
  });
}

function steps(start: bigint, end: bigint, step: bigint, spec: string): bigint[] {
  if (step <= 0n) bad(spec, 'a range step > 0', 'a step of zero');
  if (end < start) bad(spec, 'a range whose end is not below its start', 'end < start');
  const count = (end - start) / step + 1n;
  if (count > BigInt(MAX_SWEEP_POINTS)) bad(spec, `a range of at most ${MAX_SWEEP_POINTS} values`, `${count} values`);
  return Array.from({ length: Number(count) }, (_, k) => start + BigInt(k) * step);
}

/** The `--set` specs as parameters; a pointer given twice, or a grid past MAX_SWEEP_POINTS, is refused. */
export function parseSetSpecs(specs: readonly string[]): SweepParameter[] {
  if (specs.length === 0) bad('', 'at least one --set <pointer>=<values>', 'none');
  const params = specs.map(parseSetSpec);
  const twice = params.find((p, i) => params.findIndex((q) => q.pointer === p.pointer) !== i);
  if (twice) bad(twice.pointer, 'each pointer in one --set', `${twice.pointer} in two`);
  const points = params.reduce((a, p) => a * p.values.length, 1);
  if (points > MAX_SWEEP_POINTS) bad(specs.join(' '), `a grid of at most ${MAX_SWEEP_POINTS} points`, `${points} points`);
  return params;
}

/** Every point of the grid: one value per parameter, the first parameter varying slowest. */
export function gridPoints(params: readonly SweepParameter[]): SweepValue[][] {
  let points: SweepValue[][] = [[]];
  for (const p of params) points = points.flatMap((prefix) => p.values.map((v) => [...prefix, v]));
  return points;
}

/** The text of a value list that parseSetSpec reads back to the same values (inverse of parsing a list). */
export function formatValueList(values: readonly SweepValue[]): string {
  const plain = values.every((v) => typeof v !== 'object' || v === null);
  if (!plain) return JSON.stringify(values);
  return values
    .map((v) => {
      if (typeof v !== 'string') return JSON.stringify(v);
      const bare = v.trim() === v && v !== '' && !/[",]/.test(v) && !JSON_SCALAR.test(v) && !v.startsWith('[') && !RANGE.test(v);
      return bare ? v : JSON.stringify(v);
    })
    .join(',');
}

/**
 * Set `value` at `tokens` in `doc` (a plain-data copy is changed in place). Every step but the last
 * must exist; the last may add a key to an object (an optional field the file leaves out) or
 * replace an array element. What is not there is bad input naming the deepest part that is.
 */
export function setAtPointer(doc: unknown, pointer: string, value: SweepValue, file: string): void {
  const tokens = pointerTokens(pointer);
  let node = doc;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const here = pointerOf(tokens.slice(0, i)) || '(the document)';
    const last = i === tokens.length - 1;
    if (Array.isArray(node)) {
      const index = /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : NaN;
      if (!(index < node.length)) {
        bad(`${pointer}=…`, `a field of ${file}`, `${here} is a list of ${node.length} (indices 0..${node.length - 1}), not ${describeValue(token)}`);
      }
      if (last) node[index] = structuredClone(value);
      else node = node[index];
    } else if (typeof node === 'object' && node !== null) {
      const obj = node as Record<string, unknown>;
      if (last) obj[token] = structuredClone(value);
      else if (!Object.hasOwn(obj, token)) {
        bad(`${pointer}=…`, `a field of ${file}`, `${here} has no ${describeValue(token)} (it has ${Object.keys(obj).map((k) => JSON.stringify(k)).join(', ') || 'no keys'})`);
      } else node = obj[token];
    } else {
      bad(`${pointer}=…`, `a field of ${file}`, `${here} is ${describeValue(node)}, which has no fields`);
    }
  }
}
