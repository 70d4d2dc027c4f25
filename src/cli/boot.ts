// The bundled CLI's start (start-up, issue 14): bin/hvsim.js requires dist/bundle/hvsim.cjs, which
// build/bundle-cli.mjs makes of this module, CommonJS so that a `hvsim run` never starts Node's ES
// module loader (~10 ms of CPU). It compiles the run path — the CLI's code for `hvsim run`, made a
// CommonJS script by the build — with its V8 code cache (src/code-cache.ts) and runs the CLI.
// Every other command's code stays in ES module chunks, imported when used; they share the run
// path's one instance through the ES module the build puts in its chunk's place.
import '../jit-tuning.js'; // first: V8 checks its flags against the code cache's
import { fileURLToPath } from 'node:url';
import { codeUrl } from '../code-root.js';
import { requireWithCodeCache } from '../code-cache.js';

/** The run path script the build makes (build/bundle-cli.mjs), below the code root. */
export const RUN_PATH_SCRIPT = 'bundle/run-path.cjs';

/** The name under which that script exports src/cli/main.ts's runCli. */
export const RUN_CLI_EXPORT = 'runCli';

/** Runs the bundled CLI on this process's arguments; settles when the command has finished. */
export function startBundledCli(): Promise<void> {
  const script = codeUrl(RUN_PATH_SCRIPT);
  // The run path's rewritten import()s name its sibling chunks (./yargs-cli-<hash>.js): relative to the script.
  const importFromScript = (specifier: string) => import(specifier.startsWith('.') ? new URL(specifier, script).href : specifier);
  const runPath = requireWithCodeCache(fileURLToPath(script), importFromScript) as Record<string, (argv: string[]) => Promise<void>>;
  return runPath[RUN_CLI_EXPORT](process.argv.slice(2));
}

/**
 * Ends the CLI process at once when its command has finished and nothing is left that would keep
 * it running — no handle or request (a worker, a timer, a pending write), no `beforeExit` listener —
 * which is when Node would end it anyway: `process.exit` (the exit code set, 'exit' emitted) skips
 * only Node's teardown of the heap, whose pages the kernel frees at exit in any case: ~5 ms of a
 * 100 s `hvsim run` of the issue 14 EDF set, whose heap then holds ~60 MB (bench/RESULTS.md).
 * Otherwise the process ends as before, when the event loop empties. bin/hvsim.js calls it; never
 * in-process callers of startBundledCli (the build's training runs, tests), whose process goes on.
 */
export function exitWhenIdle(): void {
  if (process.getActiveResourcesInfo().length === 0 && process.listenerCount('beforeExit') === 0) process.exit();
}

