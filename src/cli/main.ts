// hvsim command line. Exit codes: 0 ok, 1 an expectation failed, 2 bad input (scenario, flags,
// infeasible configuration), 3 an internal error (a bug: one line, the stack only with --debug).
// Bad input never prints a stack trace, and a crash never looks like a failed expectation.
// A plain `hvsim run` skips yargs (light-run.ts: start-up, issue 14); every other command line,
// including any `run` the light reader does not fully understand, is read by yargs (yargs-cli.ts).
// run-command is imported statically so the bundled CLI (build/bundle-cli.mjs) holds the whole run
// path in its one entry file: yargs, the report pipeline and the other commands are chunks loaded
// when used.

import { InputError, escapeControl } from '../errors.js';
import { UsageError } from './flags.js';
import { installCleanup } from '../report/atomic.js';
import { withLine } from '../scenario/load.js';
import { lightRunArgs } from './light-run.js';
import { runCommand } from './run-command.js';
import { claimStdout } from './write-stdout.js';

const EXIT_BAD_INPUT = 2;
const EXIT_INTERNAL = 3;
const ISSUES_URL = 'https://github.com/hvsim/hvsim/issues';

/**
 * The whole CLI process: main() with its exit code set on the process, and a last net for what
 * main() did not turn into an exit code (exit 3 = internal error, never 1). Both entries run it:
 * the compiled entry.ts and the bundled CLI's start (boot.ts).
 */
export async function runCli(argv: string[]): Promise<void> {
  claimStdout();
  try {
    process.exitCode = await main(argv);
  } catch (err) {
    const message = String((err as { message?: unknown } | null | undefined)?.message ?? err);
    process.stderr.write(`hvsim: internal error: ${message.split('\n')[0]}\n`);
    process.exitCode = EXIT_INTERNAL;
  }
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const uninstall = installCleanup();
  try {
    const light = lightRunArgs(argv);
    if (light) return await runCommand(light);
    return await (await import('./yargs-cli.js')).parseWithYargs(argv);
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`hvsim: ${withLine(err).message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`hvsim: ${escapeControl(err.message)}\nRun \`hvsim --help\` for usage.\n`);
      return EXIT_BAD_INPUT;
    }
    return internalError(err, debug);
  } finally {
    uninstall();
  }
}

/** Not bad input: a bug. One line (where to report it), the stack only with --debug; never exit 1. */
function internalError(err: unknown, debug: boolean): number {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const firstLine = escapeControl(what.split('\n')[0]);
  process.stderr.write(`hvsim: internal error (a bug, please report it at ${ISSUES_URL} with the command and scenario): ${firstLine}${debug ? '' : ' (--debug shows the stack)'}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_INTERNAL;
}
