// Flags read the same way by every command: the seed, flags given twice, and where outputs may go.
// Every check here runs before any simulation, so a refused flag writes nothing (issue 15).

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError, describeValue } from '../errors.js';
import { parseDuration } from '../scenario/units.js';

const FLAGS = '<command line>';

/** A usage error yargs found (unknown flag, missing argument): main.ts exits 2 and points to --help. */
export class UsageError extends Error {}

/** The scenario schema's seed range (schema.ts `seed`): the PRNG takes a 32-bit seed. */
export const MAX_SEED = 4294967295;

/** `--seed n`: a whole number in 0..2³²−1, written in decimal (no "", no 1e21, no aliasing above 2³²). */
export function seedOf(raw: string | number | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const seed = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(seed <= MAX_SEED)) throw new InputError({ file: FLAGS, pointer: '/seed', expected: `a whole number in 0..${MAX_SEED}`, found: describeValue(raw) });
  return seed;
}

/** Keys yargs fills with arrays on purpose (positional lists); any other array is a flag given twice. */
const LIST_KEYS = new Set(['_', 'scenarios', 'questions', 'set', 'partials']);

/** "give --models once": yargs turns a repeated flag into an array, which no command expects. */
export function refuseRepeatedFlags(argv: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(argv)) {
    if (!Array.isArray(value) || LIST_KEYS.has(key)) continue;
    const flag = key.length === 1 ? `-${key}` : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new InputError({ file: FLAGS, pointer: `/${key}`, expected: `give ${flag} once`, found: `${value.length} values ${describeValue(value)}` });
  }
}

/**
 * Pseudo-filesystems where writing a report is never meant, and where some calls misbehave
 * (mkdir -p on /proc spins forever, issue 15 item 4). /dev/shm, a plain tmpfs, stays allowed.
 */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

function refuse(pointer: string, path: string, expected: string, found: string): never {
  throw new InputError({ file: FLAGS, pointer, expected, found: `${describeValue(path)} (${found})` });
}

/** The nearest existing ancestor of `path` (itself included) and its stat. */
function nearestExisting(path: string): { at: string; isDirectory: boolean; exists: boolean } {
  let at = resolve(path);
  for (;;) {
    try {
      const s = statSync(at);
      return { at, isDirectory: s.isDirectory(), exists: at === resolve(path) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return { at, isDirectory: false, exists: at === resolve(path) };
      const up = dirname(at);
      if (up === at) return { at, isDirectory: false, exists: false };
      at = up;
    }
  }
}

function checkWritableTarget(path: string, pointer: string, kind: 'folder' | 'file'): void {
  const expected = kind === 'folder' ? 'a folder that is or can be created and written' : 'a file that can be created or replaced';
  if (path.trim() === '') refuse(pointer, path, expected, 'an empty name');
  const full = resolve(path);
  const special = SPECIAL_ROOTS.some((root) => full === root || full.startsWith(`${root}/`));
  if (special && !full.startsWith('/dev/shm/')) refuse(pointer, path, expected, 'a system pseudo-filesystem');
  const near = nearestExisting(full);
  if (near.exists) {
    if (kind === 'folder' && !near.isDirectory) refuse(pointer, path, expected, 'it exists and is not a folder');
    if (kind === 'file') {
      let regular = false;
      try {
        regular = statSync(full).isFile();
      } catch {
        regular = false;
      }
      if (!regular) refuse(pointer, path, expected, 'it exists and is not a regular file');
      const parent = dirname(full);
      if (!writable(parent)) refuse(pointer, path, expected, `its folder ${parent} is not writable`);
      return;
    }
    if (!writable(full)) refuse(pointer, path, expected, 'not writable');
    return;
  }
  if (!near.isDirectory) refuse(pointer, path, expected, `${near.at} is not a folder`);
  if (!writable(near.at)) refuse(pointer, path, expected, `${near.at} is not writable`);
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An output folder (`--out`, `--rtapp-logs`): refused up front if it cannot be one (exit 2, nothing written). */
export function checkOutputFolder(path: string, flag: string): void {
  checkWritableTarget(path, `/${flag}`, 'folder');
}

/** An output file (`--trace`, `trace --out`): refused up front if it cannot be written. */
export function checkOutputFile(path: string, flag: string): void {
  checkWritableTarget(path, `/${flag}`, 'file');
}

/** `--max-wall 30s`: the wall-clock limit of the simulations, as a duration; undefined = none. */
export function maxWallOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ns = parseDuration(raw, FLAGS, '/max-wall');
  if (!(ns > 0)) throw new InputError({ file: FLAGS, pointer: '/max-wall', expected: 'a duration > 0 such as "10min"', found: describeValue(raw) });
  return ns;
}
