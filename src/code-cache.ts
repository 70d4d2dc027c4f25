// Loading hvsim's large CommonJS files with a V8 code cache (start-up, issue 14). Compiling the
// bundled run path (~840 KB), the scenario validator (~760 KB of ajv standalone code) and the
// bundled YAML parser (~230 KB) took about a third of a `hvsim run`'s own CPU time, every run. V8 can
// serialise the bytecode of the functions a script compiled into "cached data" and, given it back
// with the same source, skip parsing and compiling them. Node 22's module.enableCompileCache does
// this for modules; Node 20 (engines: >= 20.19) offers it only through vm.Script, so these files
// are compiled here with vm.Script (as Node wraps a CommonJS module) and, when `npm run build` made
// one, with the cache beside them (`<file>.cache`, build/code-cache.mjs). Nothing is written at run
// time: the package may be installed read-only.
//
// A cache is only ever a hint. It is used when its header names this V8 version and architecture,
// the exact source (length and SHA-1 of the file's bytes: V8 itself compares only the length, and
// bytecode made for another source of the same length would run wrongly) and the exact data
// (SHA-1: release builds of V8 do not checksum cached data, and corrupt data could crash it). SHA-1
// for its speed, not for security: anyone who can write the cache can write the code beside it.
// Where the build's stamp shows both files unchanged since it checked them (src/code-cache-stamp.ts),
// the hashes are taken as checked and node:crypto is not even loaded.
// V8 then checks its own version and flags — src/jit-tuning.ts changes a flag, so the cache is
// made after that module ran, as a run does — and rejects the data when they differ. Command-line
// flags count too, so each file has two caches: `<file>.cache` for processes started with the CLI's
// flags (NODE_FLAGS: bin/hvsim.js's shebang, npm scripts) and `<file>.plain.cache` for those started
// without any (`node bin/hvsim.js`); a process picks by its own command line. Whenever the
// cache is absent, stale, corrupt or rejected the file is compiled from its source as if there were
// no cache: the same code runs, only slower. NODE_DEBUG=hvsim-code-cache says which happened.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch } from 'node:process';
import { dirname } from 'node:path';
import { debuglog } from 'node:util';
import { Script } from 'node:vm';
import { NODE_FLAGS } from './jit-tuning.js';
import { stampHolds, stampIfMatching } from './code-cache-stamp.js';

/** What a dynamic `import()` in a cached script calls instead (build/bundle-cli.mjs rewrites them): vm.Script cannot import on Node 20. */
export type ImportFromScript = (specifier: string) => Promise<unknown>;

/** The name under which a script's rewritten `import()` expressions find the caller's import function. */
export const SCRIPT_IMPORT = '__hvsimImport';

// The CommonJS wrapper, as Node's own (plus the import function). Parenthesised, so V8 compiles the
// wrapper with the script (its inner functions stay lazy): a wrapper left lazy would be parsed once
// to find its end and again when called — a third more CPU on a cache miss.
const WRAPPER_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname', SCRIPT_IMPORT];
const WRAPPER_HEAD = `(function (${WRAPPER_PARAMETERS.join(', ')}) {`;
const WRAPPER_TAIL = '\n})';
// Byte lengths (both ASCII).
const HEAD_BYTES = WRAPPER_HEAD.length;
const TAIL_BYTES = WRAPPER_TAIL.length;

const CACHE_FORMAT = 2;

/** The first line of a cache file (JSON); the V8 cached data follows. */
interface CacheHeader {
  format: number;
  v8: string;
  arch: string;
  sourceBytes: number;
  sourceSha1: string;
  dataBytes: number;
  dataSha1: string;
}

/** What happened to a file's cache: the tests and NODE_DEBUG=hvsim-code-cache read it. */
export type CacheOutcome = 'accepted' | 'absent' | 'mismatched' | 'rejected by V8';

interface LoadedScript {
  script: Script;
  /** What the file exported: a second load of the file returns it, as `require` does. */
  exports: unknown;
  /** Identity of the source the script was compiled from, for the header of its cache. */
  sourceBytes: number;
  sourceSha1: string;
  outcome: CacheOutcome;
}

// Scripts compiled in this process, by file, so the build's training run (build/code-cache.mjs) can
// ask V8 for their cached data after running them. On globalThis because this module has two
// copies in a bundled CLI process: the run path's (bundled) and the one that loaded the run path.
const REGISTRY_KEY = Symbol.for('hvsim.code-cache.scripts');
const registry: Map<string, LoadedScript> = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as Map<string, LoadedScript> | undefined) ?? new Map();
(globalThis as Record<symbol, unknown>)[REGISTRY_KEY] = registry;

const debug = debuglog('hvsim-code-cache');

// node:crypto only when a hash is needed: loading it costs more than a start's other built-ins.
function sha1(bytes: Buffer): string {
  return (process.getBuiltinModule('node:crypto') as typeof import('node:crypto')).hash('sha1', bytes, 'base64');
}

/** Which of a file's caches a process uses: the one made under the CLI's command-line flags, or the one made without. */
export type CacheVariant = 'cli' | 'plain';

/** This process's variant: 'cli' when its command line has every one of NODE_FLAGS. */
export function cacheVariantOf(execArgv: readonly string[] = process.execArgv): CacheVariant {
  return NODE_FLAGS.every((flag) => execArgv.includes(flag)) ? 'cli' : 'plain';
}

/** Where the cache of `file` for `variant` (by default this process's) is. */
export function cacheFileOf(file: string, variant: CacheVariant = cacheVariantOf()): string {
  return variant === 'cli' ? `${file}.cache` : `${file}.plain.cache`;
}

/**
 * `require(file)` for a CommonJS file, compiled with its code cache when one matches; loaded once
 * per process (a later call returns the same exports, whichever copy of this module makes it). A
 * missing file throws as `require` does (code MODULE_NOT_FOUND), so callers keep their fallbacks.
 * `importFromScript` serves the `import()` expressions the build rewrote (run path only).
 */
export function requireWithCodeCache(file: string, importFromScript?: ImportFromScript): unknown {
  const loaded = registry.get(file);
  if (loaded) return loaded.exports;
  const wrapped = readWrapped(file);
  const sourceBytes = wrapped.subarray(HEAD_BYTES, wrapped.length - TAIL_BYTES);
  const { cache, sourceSha1 } = matchingCache(file, sourceBytes);
  const source = { sourceBytes: sourceBytes.length, sourceSha1 };
  const cachedData = typeof cache === 'string' ? undefined : cache;
  // The wrapper's bytes are ASCII, so this decodes to WRAPPER_HEAD + the file's text + WRAPPER_TAIL.
  const script = new Script(wrapped.toString('utf8'), { filename: file, cachedData });
  const outcome: CacheOutcome = typeof cache === 'string' ? cache : script.cachedDataRejected ? 'rejected by V8' : 'accepted';
  debug('%s: %s', file, outcome);
  const module = { exports: {} as unknown, id: file, filename: file, loaded: false };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const refuseImport: ImportFromScript = (specifier) => Promise.reject(new Error(`${file} cannot import ${specifier}`));
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file), importFromScript ?? refuseImport);
  module.loaded = true;
  registry.set(file, { script, exports: module.exports, ...source, outcome });
  return module.exports;
}

/**
 * The bytes of `file` between the wrapper's, read into one buffer: decoded, it is the script's whole
 * source as one flat string. Joining the decoded file with the wrapper (`head + text + tail`) made a
 * rope that V8 then copied flat to compile — per start another 1.3 MB of fresh memory (the run path
 * and the validator), whose first touches cost ~10 µs a page on the machine measured (bench/RESULTS.md).
 * The buffer is the sources' scratch buffer (valid until the next file is read). A missing file
 * throws as `require` does (code MODULE_NOT_FOUND).
 */
function readWrapped(file: string): Buffer {
  try {
    return readIntoScratch(file, 'source', WRAPPER_HEAD, WRAPPER_TAIL);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw Object.assign(new Error(`Cannot find module '${file}'`), { code: 'MODULE_NOT_FOUND' });
  }
}

// Two buffers a process reads every cached file and every cache into, kept for the next file: the
// bytes are needed only until V8 has the source string and has deserialised the cache, and a new
// buffer per file is fresh memory each time (~210 page faults for the validator after the run path,
// ~2 ms here). On globalThis, shared by this module's two copies (see REGISTRY_KEY).
const SCRATCH_KEY = Symbol.for('hvsim.code-cache.scratch');
const scratch: Record<'source' | 'cache', Buffer | undefined> = ((globalThis as Record<symbol, unknown>)[SCRATCH_KEY] as typeof scratch | undefined) ?? { source: undefined, cache: undefined };
(globalThis as Record<symbol, unknown>)[SCRATCH_KEY] = scratch;

/** `head`, the whole of `file` (to its end, as readFileSync reads), `tail` (ASCII): in scratch buffer `slot`, reused by the next call for that slot. */
function readIntoScratch(file: string, slot: 'source' | 'cache', head: string, tail: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const room = head.length + size + tail.length;
    let buffer = scratch[slot];
    if (buffer === undefined || buffer.length < room) buffer = scratch[slot] = Buffer.allocUnsafeSlow(room);
    buffer.write(head, 0, 'latin1');
    let end = head.length;
    for (let read = -1; read !== 0 && end < head.length + size; end += read) read = readSync(fd, buffer, end, head.length + size - end, null);
    // A file that grew since fstat is read whole.
    const more = end === head.length + size ? restOf(fd) : [];
    if (more.length > 0) return Buffer.concat([buffer.subarray(0, end), ...more, Buffer.from(tail, 'latin1')]);
    buffer.write(tail, end, 'latin1');
    return buffer.subarray(0, end + tail.length);
  } finally {
    closeSync(fd);
  }
}

/** What is left to read from `fd` (nothing, unless the file grew since its size was taken). */
function restOf(fd: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) return chunks;
    chunks.push(chunk.subarray(0, read));
  }
}

/** A cache file's header and V8's data after it; undefined when the header is unreadable. */
function splitCache(cache: Buffer): { header: Partial<CacheHeader>; data: Buffer } | undefined {
  const newline = cache.indexOf(10);
  if (newline <= 0) return undefined;
  try {
    return { header: JSON.parse(cache.toString('latin1', 0, newline)) as Partial<CacheHeader>, data: cache.subarray(newline + 1) };
  } catch {
    return undefined;
  }
}

/** Whether `header` names this V8, `data`'s length, and the given hashes (or, for `unchanged` files, none needs checking). */
function headerMatches(header: Partial<CacheHeader>, sourceBytes: number, sourceSha1: string, data: Buffer, unchanged: boolean): boolean {
  return (
    header.format === CACHE_FORMAT &&
    header.v8 === process.versions.v8 &&
    header.arch === arch &&
    header.sourceBytes === sourceBytes &&
    header.sourceSha1 === sourceSha1 &&
    header.dataBytes === data.length &&
    (unchanged || header.dataSha1 === sha1(data))
  );
}

/**
 * The cached data of `file` if its cache file was made for this source on this V8, else why not;
 * and the source's SHA-1 (from the header when the build's stamp vouches for both files).
 */
function matchingCache(file: string, sourceBytes: Buffer): { cache: Buffer | 'absent' | 'mismatched'; sourceSha1: string } {
  const cacheFile = cacheFileOf(file);
  let cache: Buffer;
  try {
    cache = readIntoScratch(cacheFile, 'cache', '', '');
  } catch {
    return { cache: 'absent', sourceSha1: sha1(sourceBytes) };
  }
  const parts = splitCache(cache);
  const unchanged = parts !== undefined && typeof parts.header.sourceSha1 === 'string' && stampHolds(file, cacheFile);
  if (unchanged) debug('%s: unchanged since the build stamped it, not hashed', file);
  const sourceSha1 = unchanged ? (parts.header.sourceSha1 as string) : sha1(sourceBytes);
  const matches = parts !== undefined && headerMatches(parts.header, sourceBytes.length, sourceSha1, parts.data, unchanged);
  return { cache: matches ? parts.data : 'mismatched', sourceSha1 };
}

/**
 * Stamps the cache of `file` for `variant` (src/code-cache-stamp.ts) when it matches its source on
 * this V8, hashes checked; the build calls it once the files are old enough. Returns whether it did.
 */
export function stampCodeCache(file: string, variant: CacheVariant): boolean {
  return stampIfMatching(file, cacheFileOf(file, variant), (sourceBytes, cache) => {
    const parts = splitCache(cache);
    return parts !== undefined && headerMatches(parts.header, sourceBytes.length, sha1(sourceBytes), parts.data, false);
  });
}

/**
 * The cache file contents for every file compiled so far in this process, made now: V8 includes
 * the bytecode of every function compiled until this moment, so the build calls it after a
 * training run (build/code-cache.mjs) and a later run finds those functions compiled.
 */
export function codeCachesOfLoadedFiles(): { file: string; contents: Buffer }[] {
  return [...registry].map(([file, { script, sourceBytes, sourceSha1 }]) => {
    const data = script.createCachedData();
    const header: CacheHeader = {
      format: CACHE_FORMAT,
      v8: process.versions.v8,
      arch,
      sourceBytes,
      sourceSha1,
      dataBytes: data.length,
      dataSha1: sha1(data),
    };
    return { file, contents: Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'latin1'), data]) };
  });
}

/** How each file compiled so far in this process fared with its cache. */
export function codeCacheOutcomes(): Map<string, CacheOutcome> {
  return new Map([...registry].map(([file, { outcome }]) => [file, outcome]));
}
