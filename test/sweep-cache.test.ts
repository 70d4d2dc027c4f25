// The sweep cache keeps a point's outcome under its key and never trusts a file that is not whole
// or holds another key (it is recomputed instead).
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCache } from '../src/experiments/sweep-cache.js';
import { contentHash } from '../src/experiments/fingerprint.js';

describe('sweep cache', () => {
  const key = contentHash({ point: 1 });
  const outcome = { model: 'kvm-irmos', refused: 'refused by admission/configuration: x' };

  it('gives back what was put under a key, and nothing under another', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvsim-cache-'));
    const cache = openCache(dir);
    expect(cache.get(key)).toBeUndefined();
    cache.put(key, outcome);
    expect(cache.get(key)).toEqual(outcome);
    expect(openCache(dir).get(contentHash({ point: 2 }))).toBeUndefined();
    // Written whole: no temporary file is left beside the entry.
    expect(readdirSync(join(dir, key.slice(0, 2)))).toEqual([`${key}.json`]);
  });

  it('ignores a truncated entry and one that names another key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvsim-cache-'));
    mkdirSync(join(dir, key.slice(0, 2)));
    writeFileSync(join(dir, key.slice(0, 2), `${key}.json`), '{"key":"');
    expect(openCache(dir).get(key)).toBeUndefined();
    writeFileSync(join(dir, key.slice(0, 2), `${key}.json`), JSON.stringify({ key: 'other', outcome }));
    expect(openCache(dir).get(key)).toBeUndefined();
  });

  it('content hashes ignore key order and tell Infinity from null', () => {
    expect(contentHash({ a: 1, b: [1, 2] })).toBe(contentHash({ b: [1, 2], a: 1 }));
    expect(contentHash({ a: Infinity })).not.toBe(contentHash({ a: null }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });
});
