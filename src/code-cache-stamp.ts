// The build's stamp on a code cache (start-up, issue 14). Checking that a cache belongs to its source
// means hashing both (src/code-cache.ts: ~1 MB of cached data and ~1.7 MB of source per `hvsim run`)
// and loading node:crypto to do it — together ~10 ms of a ~200 ms start. After making the caches, the
// build records beside each one (`<cache>.stamp`) the identity of the source and cache files it
// checked — device, inode, size and ctime — once their hashes matched the cache's header. A later
// start whose files still have those identities takes the hashes as checked; any other (an edited,
// replaced or copied file, an installed package) hashes as before. The sizes still gate by length.
//
// Why ctime: every write, rename or metadata change sets it to the current time, and no system call
// sets it to a chosen value (unlike mtime: `touch -d`, `cp -p`, tar, rsync -t). A write can keep the
// recorded ctime only by landing in the same timestamp tick as the change it records, so the build
// stamps a file only when its ctime is older than STAMP_MARGIN_MS — beyond the coarsest granularity of
// common file systems (FAT 2 s; ext3, HFS+ 1 s; ext4, XFS, btrfs, tmpfs one clock tick) — so any later
// write gets a later ctime. What this does not see: the system clock stepped back across the stamp's
// tick, and a file's bytes changed without a write through the file system (bit rot; the data's SHA-1
// caught that before). Reading happens before checking, so a file changed in between fails the check.

import { readFileSync, statSync, writeFileSync } from 'node:fs';

/** How long after a file's last change the build waits before stamping it. */
export const STAMP_MARGIN_MS = 2500;

/** What identifies a file's version without reading it (strings: bigint stat fields in JSON). */
interface FileIdentity {
  dev: string;
  ino: string;
  size: string;
  ctimeNs: string;
}

interface Stamp {
  source: FileIdentity;
  cache: FileIdentity;
}

function identityOf(path: string): FileIdentity {
  const stats = statSync(path, { bigint: true });
  return { dev: String(stats.dev), ino: String(stats.ino), size: String(stats.size), ctimeNs: String(stats.ctimeNs) };
}

const sameIdentity = (a: FileIdentity | undefined, b: FileIdentity) => a !== undefined && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.ctimeNs === b.ctimeNs;

/** Where the stamp of `cacheFile` is. */
export function stampFileOf(cacheFile: string): string {
  return `${cacheFile}.stamp`;
}

/** Whether `source` and `cacheFile` (already read by the caller) are still the files the build stamped. */
export function stampHolds(source: string, cacheFile: string): boolean {
  try {
    const stamp = JSON.parse(readFileSync(stampFileOf(cacheFile), 'latin1')) as Partial<Stamp>;
    return sameIdentity(stamp.source, identityOf(source)) && sameIdentity(stamp.cache, identityOf(cacheFile));
  } catch {
    return false;
  }
}

/** Milliseconds to wait before `source` and `cacheFile` may be stamped (0: now). */
export function msUntilStampable(source: string, cacheFile: string, nowMs = Date.now()): number {
  const changedMs = Math.max(...[source, cacheFile].map((path) => Number(BigInt(identityOf(path).ctimeNs) / 1_000_000n)));
  return Math.max(0, changedMs + STAMP_MARGIN_MS - nowMs);
}

/**
 * Stamps `cacheFile` when `matches(sourceBytes, cacheBytes)` — the caller's full check — holds for the
 * files as read now and neither changed meanwhile; returns whether it did. The margin must have passed.
 */
export function stampIfMatching(source: string, cacheFile: string, matches: (sourceBytes: Buffer, cacheBytes: Buffer) => boolean): boolean {
  const before: Stamp = { source: identityOf(source), cache: identityOf(cacheFile) };
  if (msUntilStampable(source, cacheFile) > 0) throw new Error(`code-cache: ${cacheFile} changed less than ${STAMP_MARGIN_MS} ms ago: too recent to stamp`);
  if (!matches(readFileSync(source), readFileSync(cacheFile))) return false;
  if (!sameIdentity(before.source, identityOf(source)) || !sameIdentity(before.cache, identityOf(cacheFile))) return false;
  writeFileSync(stampFileOf(cacheFile), `${JSON.stringify(before)}\n`);
  return true;
}
