// Outputs appear whole or not at all (issue 15, item 9):
// - each file is written under a short temporary name in its own folder and renamed into place
//   (rename is atomic within a filesystem);
// - a report folder is written whole into a staging folder beside it and swapped in by renames, so
//   it is always wholly old or wholly new — when the folder holds only files hvsim writes (a
//   folder with anything else, e.g. `--out .`, gets per-file atomic writes instead: it is never moved);
// - temporary files and staging folders that a killed run left behind are removed (or an
//   interrupted swap undone) before the next write into the same folder, and the ones in flight are
//   removed on SIGINT/SIGTERM.

import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const TEMP_PREFIX = '.hvsim-tmp-';
const STAGE_PREFIX = '.hvsim-stage-';
const OLD_PREFIX = '.hvsim-old-';

/** Temporary files and staging folders this process has in flight (removed on a signal). */
const inFlight = new Set<string>();
/** A swap half done: `old` holds the previous folder until `target` is in place. */
let swapping: { target: string; old: string } | null = null;
let tempCounter = 0;

export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  removeStaleTemps(dir);
  // A short name: `.hvsim-tmp-<pid>-<basename>` pushed long names past NAME_MAX (255 bytes).
  const tmp = join(dir, `${TEMP_PREFIX}${process.pid}-${tempCounter++}`);
  inFlight.add(tmp);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    inFlight.delete(tmp);
  }
}

/** Write several files; all contents are computed before the first write starts. */
export function writeFilesAtomic(files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) writeFileAtomic(path, content);
}

/** Files hvsim itself writes into a report folder (report, compare, run --out, isolation, trace). */
const OUR_FILE = /^(results\.json|report\.(md|html)|isolation\.(json|md)|trace-[^/]*\.json|[^/]*\.png)$/;

/**
 * Replace the files of report folder `dir`: `files` (names relative to it) are written, `drop`
 * names files of a previous report to remove, everything else in the folder is kept. When the
 * folder holds only hvsim's own files the new folder is staged and swapped in whole.
 */
export function writeFolderAtomic(dir: string, files: Record<string, string | Uint8Array>, drop: (name: string) => boolean): void {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  recoverSwaps(parent);
  const existing = existsSync(target) ? readdirSync(target) : [];
  const swappable = existing.every((n) => n.startsWith(TEMP_PREFIX) || (OUR_FILE.test(n) && lstatSync(join(target, n)).isFile()));
  if (!swappable || target === resolve('.') || target === parent) {
    for (const n of existing) if (drop(n) && !(n in files)) rmSync(join(target, n), { force: true });
    writeFilesAtomic(Object.fromEntries(Object.entries(files).map(([n, c]) => [join(target, n), c])));
    return;
  }
  const stage = mkdtempSync(join(parent, `${STAGE_PREFIX}${process.pid}-`));
  inFlight.add(stage);
  try {
    for (const n of existing) {
      if (n.startsWith(TEMP_PREFIX) || n in files || drop(n)) continue;
      cpSync(join(target, n), join(stage, n), { verbatimSymlinks: true });
    }
    for (const [n, content] of Object.entries(files)) writeFileSync(join(stage, n), content);
    if (existing.length > 0 || existsSync(target)) {
      const old = join(parent, `${OLD_PREFIX}${process.pid}-${basename(target)}`.slice(0, 200));
      swapping = { target, old };
      renameSync(target, old);
      renameSync(stage, target);
      swapping = null;
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(stage, target);
    }
  } catch (err) {
    undoSwap();
    rmSync(stage, { recursive: true, force: true });
    throw err;
  } finally {
    inFlight.delete(stage);
  }
}

function undoSwap(): void {
  if (swapping === null) return;
  const { target, old } = swapping;
  swapping = null;
  if (!existsSync(target) && existsSync(old)) renameSync(old, target);
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in `.hvsim-…-<pid>-…`, if the process that wrote it is gone. */
function leftByDeadProcess(name: string, prefix: string): boolean {
  if (!name.startsWith(prefix)) return false;
  const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
  return !Number.isInteger(pid) || !pidAlive(pid);
}

/** Temporary files a killed run left in `dir` (never another live process's). */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (leftByDeadProcess(n, TEMP_PREFIX)) rmSync(join(dir, n), { force: true });
}

/** Staging folders a killed run left in `parent`, and swaps it left half done (the old folder comes back). */
function recoverSwaps(parent: string): void {
  removeStaleTemps(parent);
  for (const n of readdirSync(parent)) {
    if (leftByDeadProcess(n, STAGE_PREFIX)) rmSync(join(parent, n), { recursive: true, force: true });
    if (!leftByDeadProcess(n, OLD_PREFIX)) continue;
    const name = n.slice(OLD_PREFIX.length).replace(/^\d+-/, '');
    const target = join(parent, name);
    if (existsSync(target)) rmSync(join(parent, n), { recursive: true, force: true });
    else renameSync(join(parent, n), target);
  }
}

/**
 * SIGINT/SIGTERM during a command: remove what is in flight, undo a half-done swap, and exit with
 * the signal's conventional code. Returns the function that uninstalls the handlers.
 */
export function installCleanup(): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    cleanupInFlight();
    process.stderr.write(`hvsim: interrupted (${signal}); nothing half-written was left\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** Remove every temporary file and staging folder in flight (after a signal). */
export function cleanupInFlight(): void {
  try {
    undoSwap();
  } catch {
    // best effort: the next run's recoverSwaps restores it
  }
  for (const path of inFlight) rmSync(path, { recursive: true, force: true });
  inFlight.clear();
}
