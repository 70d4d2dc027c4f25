// The CLI run in this process (no process start-up per call): exit code, stdout and stderr as a
// user would see them. Reports run on no worker threads so the tests stay light on the 2 cores.

import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export async function hvsimInProcess(args: string[]): Promise<CliOutcome> {
  const out: string[] = [];
  const err: string[] = [];
  const previous = process.env.HVSIM_WORKERS;
  process.env.HVSIM_WORKERS = '0';
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    so.mockRestore();
    se.mockRestore();
    if (previous === undefined) delete process.env.HVSIM_WORKERS;
    else process.env.HVSIM_WORKERS = previous;
  }
}

/** Every path under `dir` (files, folders, links), relative to it, sorted. */
export function listTree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const rel = prefix + name;
    out.push(rel);
    const stat = lstatSync(join(dir, name));
    if (stat.isDirectory()) out.push(...listTree(join(dir, name), `${rel}/`));
  }
  return out;
}

/** A Node stack frame ("    at fn (file:line:col)") in text: what a user must never see without --debug. */
export const STACK_FRAME = /^\s+at .+[(:]\d+/m;
