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
