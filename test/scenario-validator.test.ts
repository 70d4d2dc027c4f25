// The standalone scenario validator the build generates (start-up in milliseconds) must judge every
// input exactly as the schema compiled at run time does, and the built file must be the current one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { asciiSource, renderScenarioValidator } from '../src/scenario/emit-validator.js';
import { scenarioSchema } from '../src/scenario/schema.js';
import { explainSchemaErrors, scenarioAjv } from '../src/scenario/validate.js';

const root = join(__dirname, '..');

/** Evaluate generated CommonJS code as if it sat in the package (its requires resolve there). */
function load(code: string): ValidateFunction {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', code)(module, module.exports, createRequire(join(root, 'package.json')));
  return module.exports as ValidateFunction;
}

const compiled = scenarioAjv(false).compile(scenarioSchema);
const standalone = load(renderScenarioValidator());

function verdict(validate: ValidateFunction, data: unknown) {
  const ok = validate(data);
  return ok ? { ok } : { ok, explained: explainSchemaErrors(validate.errors ?? []) };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const bundled: Json[] = readdirSync(join(root, 'scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(join(root, 'scenarios', f), 'utf8')) as Json);

function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return keys.flatMap((k) => [[...at, k], ...paths((v as Record<string, Json>)[k], [...at, k])]);
}

describe('standalone scenario validator', () => {
  it('accepts every bundled scenario, as the compiled schema does', () => {
    for (const s of bundled) expect(verdict(standalone, s)).toEqual(verdict(compiled, s));
    for (const s of bundled) expect(standalone(s)).toBe(true);
  });

  it('gives the compiled schema’s verdict and explanation on mutated scenarios', () => {
    const value = fc.oneof(fc.constantFrom<Json>('', '0s', '-1ms', '3us', 'abc', 0, -1, 1.5, 1e21, null, true, [], {}), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>);
    fc.assert(
      fc.property(fc.nat({ max: bundled.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.boolean(), value), { minLength: 1, maxLength: 3 }), (which, edits) => {
        const data = structuredClone(bundled[which]);
        for (const [pick, remove, v] of edits) {
          const all = paths(data);
          if (all.length === 0) break;
          const path = all[pick % all.length];
          let parent = data as Record<string | number, Json>;
          for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
          const key = path[path.length - 1];
          if (remove && !Array.isArray(parent)) delete parent[key];
          else parent[key] = v;
        }
        expect(verdict(standalone, data)).toEqual(verdict(compiled, data));
      }),
      { numRuns: 300, seed: 20261207 },
    );
  });

  it('counts a string’s length in code points, as the compiled schema does (ajv’s ucs2length, inlined in the generated code)', () => {
    const edf = bundled.find((s) => typeof s === 'object' && s !== null && !Array.isArray(s)) as { [k: string]: Json };
    // description: maxLength 10000. An astral character is two UTF-16 units and one code point.
    for (const length of [9_999, 10_000, 10_001]) {
      const data = { ...edf, description: '\u{1F600}'.repeat(length) };
      expect(verdict(standalone, data)).toEqual(verdict(compiled, data));
      expect(standalone(data)).toBe(length <= 10_000);
    }
    expect(renderScenarioValidator()).not.toMatch(/\brequire\(/);
  });

  it('writes non-ASCII characters of string and pattern literals as escapes that mean the same', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const literal = asciiSource(JSON.stringify(text));
        expect(/^[\x00-\x7f]*$/.test(literal)).toBe(true);
        expect(new Function(`return ${literal}`)()).toBe(text);
        // As ajv's standalone code uses a schema pattern: a string literal given to RegExp with the u flag.
        const pattern = `^${text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')}$`;
        expect(new Function(`return new RegExp(${asciiSource(JSON.stringify(pattern))}, 'u')`)().source).toBe(new RegExp(pattern, 'u').source);
        expect(new Function(`return new RegExp(${asciiSource(JSON.stringify(pattern))}, 'u')`)().test(text)).toBe(true);
      }),
      { numRuns: 200, seed: 20261207 },
    );
  });

  it('the built validator (npm run build) is the one the schema gives now', () => {
    const built = join(root, 'dist', 'src', 'scenario', 'scenario-validator.cjs');
    if (!existsSync(built)) return expect.fail(`${built} is missing: npm test builds it first (pretest); run npm run build`);
    expect(readFileSync(built, 'utf8')).toBe(renderScenarioValidator());
  });
});
