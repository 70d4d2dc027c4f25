// What identifies the simulator that computed a result, for the sweep cache and the distributed
// queue: the package version and a digest of the code itself (the compiled modules under dist/, or
// the TypeScript sources when run from them), so a rebuilt simulator never reuses a stale result and
// a worker running other code never takes a sweep's points. Content hashes use one canonical JSON.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_ROOT, RUNNING_COMPILED, codeUrl } from '../code-root.js';

/** package.json sits in the repository: the code root's parent when the code runs from dist/. */
const PACKAGE_JSON = fileURLToPath(codeUrl(RUNNING_COMPILED ? '../package.json' : 'package.json'));

let cached: string | undefined;

function codeFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true }).map((d) => (d.isDirectory() ? `${d.name}/` : d.name));
  } catch {
    return [];
  }
  return names
    .sort()
    .flatMap((n) => (n.endsWith('/') ? codeFiles(join(dir, n.slice(0, -1))) : /\.(js|ts)$/.test(n) && !n.endsWith('.d.ts') ? [join(dir, n)] : []));
}

/** "0.1.0+<12 hex digits>": the version and the digest of src/ and models/ (read once per process). */
export function hvsimFingerprint(): string {
  if (cached !== undefined) return cached;
  const version = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
  const hash = createHash('sha256');
  for (const file of [...codeFiles(join(CODE_ROOT, 'src')), ...codeFiles(join(CODE_ROOT, 'models'))]) {
    hash.update(file.slice(CODE_ROOT.length)).update('\0').update(readFileSync(file)).update('\0');
  }
  cached = `${version}+${hash.digest('hex').slice(0, 12)}`;
  return cached;
}

export function hvsimVersion(): string {
  return hvsimFingerprint().split('+')[0];
}

/** JSON with object keys sorted and non-finite numbers spelled out: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return `#${String(v)}`;
    if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), x]));
    if (v instanceof Set) return [...v];
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
