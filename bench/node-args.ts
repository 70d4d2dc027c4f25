// How the bench starts node for the CLI and for its own children: with the CLI's command-line flags
// (NODE_FLAGS, src/jit-tuning.ts — what bin/hvsim.js's shebang gives an installed `hvsim`), so what
// it measures is the CLI as users run it. test/node-flags.test.ts checks both against the list.

import { NODE_FLAGS } from '../src/jit-tuning.js';

/** node's arguments to run the CLI entry `cli` with `args`. */
export function cliNodeArgs(cli: string, args: string[]): string[] {
  return [...NODE_FLAGS, cli, ...args];
}

/** node's arguments for a bench child: `script` with `args`, plus any node flags a table adds (a CPU profile). */
export function childNodeArgs(script: string, args: string[], extraNodeFlags: string[] = []): string[] {
  return ['--expose-gc', ...NODE_FLAGS, ...extraNodeFlags, script, ...args];
}

/**
 * The environment of a bench child: this process's, with glibc's heap trimming threshold raised, so
 * the child's allocator behaves as the CLI's does. A child starts from unbundled ES modules without
 * code caches, which leaves the malloc heap in a state where glibc hands its free top back to the
 * kernel after each of V8's optimising compiles, and the next compile faults it in again: ~4,500
 * minor faults in a cold 100 s EDF run against ~1,800 with trimming off, and 1.2–1.3× the CPU
 * (bench/RESULTS.md, speed-scale4 and speed-guest4). A `hvsim run` of the same set makes the same
 * ~6,800 faults with and without the setting — its start does not leave the heap that way — so the
 * setting makes the children measure the engine as the CLI runs it; the bench's whole-process table
 * (the CLI, started as users start it, without the setting) is the check.
 */
export function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GLIBC_TUNABLES: CHILD_GLIBC_TUNABLES };
}

/** glibc.malloc.trim_threshold at 256 MiB (glibc's default: 128 KiB, raised dynamically). */
export const CHILD_GLIBC_TUNABLES = 'glibc.malloc.trim_threshold=268435456';
