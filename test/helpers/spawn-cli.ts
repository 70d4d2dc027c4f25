// The built CLI in a child process (npm test builds first), for what only a real process shows:
// start-up, exit codes as the shell sees them, the working directory, worker threads, signals.
// helpers/cli.ts runs the CLI in this process instead, which is cheaper where that suffices.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { NODE_FLAGS } from '../../src/jit-tuning.js';

/**
 * The CLI's entry as tsc compiled it (dist/src/cli/entry.js), so the tests run the modules they
 * check; bin/hvsim.js runs the same entry bundled (dist/bundle/), which bundled-cli.test.ts runs.
 */
export const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'entry.js');

/** bin/hvsim.js of this checkout: the bundled CLI users run. */
export const BUNDLED_CLI = join(__dirname, '..', '..', 'bin', 'hvsim.js');

export interface SpawnedCli {
  /** null when a signal ended the process. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `hvsim …args` in `cwd`, without colours. HVSIM_WORKERS=0 (everything in one thread) unless
 * `workers` says otherwise, or 'inherit' (whatever the environment says): worker threads cost a
 * start-up each and change no byte, which cli.test.ts's byte-identity test checks. Node is started with
 * the CLI's command-line flags (NODE_FLAGS), as bin/hvsim.js's shebang starts it.
 */
export function hvsimSpawn(args: string[], cwd?: string, workers: number | 'inherit' = 0, cli = CLI, extraEnv: Record<string, string> = {}): SpawnedCli {
  const env = { ...process.env, NO_COLOR: '1', ...(workers === 'inherit' ? {} : { HVSIM_WORKERS: String(workers) }), ...extraEnv };
  const r = spawnSync(process.execPath, [...NODE_FLAGS, cli, ...args], { encoding: 'utf8', cwd, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
