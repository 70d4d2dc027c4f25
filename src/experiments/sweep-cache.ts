// The sweep's result cache: one file per job, named by its content hash (src/experiments/sweep-plan.ts),
// written whole (temporary file, then rename) as each job finishes, so a sweep stopped at any moment
// keeps every point it finished and its rerun computes only the rest. A file that cannot be read or
// does not hold its own key is ignored (recomputed), never trusted.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SweepOutcome } from './sweep-job.js';

/** $XDG_CACHE_HOME/hvsim/sweep, else ~/.cache/hvsim/sweep. */
export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'hvsim', 'sweep');
}

interface Entry {
  key: string;
  outcome: SweepOutcome;
}

export interface SweepCache {
  get(key: string): SweepOutcome | undefined;
  put(key: string, outcome: SweepOutcome): void;
}

export function openCache(dir: string): SweepCache {
  const path = (key: string) => join(dir, key.slice(0, 2), `${key}.json`);
  return {
    get(key) {
      try {
        const entry = JSON.parse(readFileSync(path(key), 'utf8')) as Entry;
        return entry.key === key ? entry.outcome : undefined;
      } catch {
        return undefined;
      }
    },
    put(key, outcome) {
      const file = path(key);
      mkdirSync(join(dir, key.slice(0, 2)), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify({ key, outcome }));
      renameSync(temp, file);
    },
  };
}

/** No cache (`--no-cache`). */
export const NO_CACHE: SweepCache = { get: () => undefined, put: () => {} };
