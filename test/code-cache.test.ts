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

  it('reads every file and cache into reused buffers without one file’s load disturbing another’s: lazy functions compile from their own source afterwards', () => {
    // A long file with a function left lazy (never called at load, so not in its cache), then a
    // shorter one with a cache, read into the same buffers: the first's lazy function, compiled
    // only now, must still see its own source, and each cache must be taken for its own file.
    const padding = `// ${'x'.repeat(200_000)}\n`;
    const long = (k: number) => `${padding}module.exports = { late: (n) => n * ${k} + ${'1'.repeat(k)} };\n`;
    const short = (k: number) => `module.exports = { late: (n) => n - ${k} };\n`;
    for (const [name, source] of [['long-made.cjs', long(3)], ['short-made.cjs', short(4)]] as const) requireWithCodeCache(file(name, source));
    const caches = new Map(codeCachesOfLoadedFiles().map((c) => [c.file.split('/').pop(), c.contents]));
    const longFile = file('long.cjs', long(3), caches.get('long-made.cjs'));
    const shortFile = file('short.cjs', short(4), caches.get('short-made.cjs'));
    const first = requireWithCodeCache(longFile) as { late(n: number): number };
    const second = requireWithCodeCache(shortFile) as { late(n: number): number };
    expect([codeCacheOutcomes().get(longFile), codeCacheOutcomes().get(shortFile)]).toEqual(['accepted', 'accepted']);
    expect([first.late(2), second.late(2)]).toEqual([6 + 111, -2]);
    expect(String(first.late)).toBe('(n) => n * 3 + 111');
  });
});
