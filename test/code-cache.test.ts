// src/code-cache.ts on small files in this process: a CommonJS file loads as `require` loads it,
// once per process, and a cache made after running it is taken for the same bytes anywhere and
// refused for other bytes. bundled-cli.test.ts checks the built CLI's caches end to end.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheFileOf, codeCacheOutcomes, codeCachesOfLoadedFiles, requireWithCodeCache } from '../src/code-cache.js';

/** Uses what a CommonJS module is given: exports, module, require, __filename, __dirname, `this`. */
const MODULE = `'use strict';
const { basename } = require('node:path');
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
module.exports = { fib, file: basename(__filename), dir: basename(__dirname), thisIsExports: this === exports };
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hvsim-code-cache-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Writes `source` to `name` in the scratch folder, with the cache `cache` (file contents) beside it if given. */
function file(name: string, source: string, cache?: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  if (cache) writeFileSync(cacheFileOf(path), cache);
  return path;
}

describe('requireWithCodeCache', () => {
  it('loads a CommonJS file as require does, once per process', () => {
    const path = file('plain.cjs', MODULE);
    const loaded = requireWithCodeCache(path) as { fib(n: number): number; file: string; dir: string; thisIsExports: boolean };
    expect(loaded.fib(20)).toBe(6765);
    expect([loaded.file, loaded.dir, loaded.thisIsExports]).toEqual(['plain.cjs', dir.split('/').pop(), true]);
    expect(requireWithCodeCache(path)).toBe(loaded);
    expect(codeCacheOutcomes().get(path)).toBe('absent');
    expect(() => requireWithCodeCache(join(dir, 'missing.cjs'))).toThrow(expect.objectContaining({ code: 'MODULE_NOT_FOUND' }));
  });

  it('takes a cache made for the same bytes, refuses one made for other bytes of the same length', () => {
    const made = file('made.cjs', MODULE);
    (requireWithCodeCache(made) as { fib(n: number): number }).fib(15); // compiled, then in the cache
    const cache = codeCachesOfLoadedFiles().find((c) => c.file === made)?.contents;
    expect(cache).toBeDefined();

    const same = file('same.cjs', MODULE, cache);
    expect((requireWithCodeCache(same) as { fib(n: number): number }).fib(20)).toBe(6765);
    expect(codeCacheOutcomes().get(same)).toBe('accepted');

    // fib(n − 1) + fib(n − 3): V8 would take the data (it compares lengths) and run the old fib.
    const edited = file('edited.cjs', MODULE.replace('fib(n - 2)', 'fib(n - 3)'), cache);
    expect(MODULE.replace('fib(n - 2)', 'fib(n - 3)')).toHaveLength(MODULE.length);
    expect((requireWithCodeCache(edited) as { fib(n: number): number }).fib(20)).toBe(277);
    expect(codeCacheOutcomes().get(edited)).toBe('mismatched');
  });
});
