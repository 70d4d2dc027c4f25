// Reading a model's native parameters from a scenario's `models: [{ name, params }]` entry:
// every key must be known, every value of the declared type; errors name the JSON pointer.

import { InputError, describeValue, pointerOf } from '../src/errors.js';
import { parseDuration } from '../src/scenario/units.js';

export type ParamSpec =
  | { type: 'duration'; default: number; doc: string; min?: number }
  | { type: 'string'; default: string; doc: string; pattern?: RegExp; patternDoc?: string }
  | { type: 'boolean'; default: boolean; doc: string }
  /** `integer`: a whole number (dom0_max_vcpus, weights: 1.5 vCPUs is no configuration). */
  | { type: 'number'; default: number; doc: string; min?: number; max?: number; integer?: boolean }
  | { type: 'optional-duration'; doc: string }
  /** pCPU indices of the host, checked against its CPU count; absent = undefined. */
  | { type: 'cpu-list'; doc: string; cpus: number }
  /** A structured value with its own reader (which throws InputError at `pointer`); absent = undefined. */
  | { type: 'custom'; doc: string; read: (raw: unknown, file: string, pointer: string) => unknown };

export type ParamValues<S extends Record<string, ParamSpec>> = {
  [K in keyof S]: S[K] extends { type: 'duration' | 'number' }
    ? number
    : S[K] extends { type: 'string' }
      ? string
      : S[K] extends { type: 'boolean' }
        ? boolean
        : S[K] extends { type: 'cpu-list' }
          ? number[] | undefined
          : S[K] extends { type: 'custom'; read: (...args: never[]) => infer T }
            ? T | undefined
            : number | undefined;
};

export function readParams<S extends Record<string, ParamSpec>>(
  specs: S,
  params: Record<string, unknown>,
  file: string,
  pointer: string,
): ParamValues<S> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(params)) {
    // Own keys only: `key in specs` accepted "constructor", "toString" and "__proto__" (issue 15).
    if (!Object.prototype.hasOwnProperty.call(specs, key)) {
      throw new InputError({
        file,
        pointer: pointer + pointerOf(key),
        expected: `one of the parameters ${Object.keys(specs).join(', ')}`,
        found: `unknown parameter ${JSON.stringify(key)}`,
      });
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    const raw = params[key];
    const at = pointer + pointerOf(key);
    const bad = (expected: string) => new InputError({ file, pointer: at, expected, found: describeValue(raw) });
    switch (spec.type) {
      case 'duration':
      case 'optional-duration': {
        if (raw === undefined) {
          out[key] = spec.type === 'duration' ? spec.default : undefined;
          break;
        }
        if (typeof raw !== 'string') throw bad('a duration such as "2.5ms"');
        const ns = parseDuration(raw, file, at);
        if (spec.type === 'duration' && spec.min !== undefined && ns < spec.min) throw bad(`a duration of at least ${spec.min} ns`);
        out[key] = ns;
        break;
      }
      case 'string': {
        if (raw === undefined) {
          out[key] = spec.default;
          break;
        }
        if (typeof raw !== 'string' || (spec.pattern && !spec.pattern.test(raw))) throw bad(spec.patternDoc ?? 'a string');
        out[key] = raw;
        break;
      }
      case 'cpu-list': {
        if (raw === undefined) break;
        const valid =
          Array.isArray(raw) &&
          raw.length > 0 &&
          raw.every((c) => Number.isInteger(c) && c >= 0 && c < spec.cpus) &&
          new Set(raw).size === raw.length;
        if (!valid) throw bad(`a non-empty list of distinct pCPU indices 0..${spec.cpus - 1}`);
        out[key] = [...(raw as number[])].sort((a, b) => a - b);
        break;
      }
      case 'custom':
        if (raw !== undefined) out[key] = spec.read(raw, file, at);
        break;
      case 'boolean':
        if (raw !== undefined && typeof raw !== 'boolean') throw bad('true or false');
        out[key] = raw ?? spec.default;
        break;
      case 'number':
        if (raw === undefined) {
          out[key] = spec.default;
          break;
        }
        if (typeof raw !== 'number' || !Number.isFinite(raw) || (spec.integer && !Number.isInteger(raw)) || (spec.min !== undefined && raw < spec.min) || (spec.max !== undefined && raw > spec.max)) {
          throw bad(`a ${spec.integer ? 'whole number' : 'number'}${spec.min !== undefined ? ` >= ${spec.min}` : ''}${spec.max !== undefined ? ` and <= ${spec.max}` : ''}`);
        }
        out[key] = raw;
        break;
    }
  }
  return out as ParamValues<S>;
}

/** One line per parameter, for `hvsim models --verbose` and the README. */
export function describeParams(specs: Record<string, ParamSpec>): string[] {
  return Object.entries(specs).map(([k, s]) => `${k}: ${s.doc}${'default' in s ? ` (default ${String(s.default)})` : ''}`);
}
