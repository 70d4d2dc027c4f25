// Outputs appear whole or not at all: each file is written under a temporary name in its own
// folder and renamed into place (rename is atomic within a filesystem).

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.hvsim-tmp-${process.pid}-${basename(path)}`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Write several files; all contents are computed before the first write starts. */
export function writeFilesAtomic(files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) writeFileAtomic(path, content);
}
