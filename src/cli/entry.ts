// The CLI process's entry: bin/hvsim.js runs it as the bundle `npm run build` makes of it
// (dist/bundle/hvsim.js, build/bundle-cli.mjs: one file instead of ~150 modules to resolve and
// load — start-up, issue 14); the tests run it compiled (dist/src/cli/entry.js) through
// test/helpers/spawn-cli.ts, and one test runs the bundle.
import '../jit-tuning.js'; // first: V8's compiler settings for everything run after it
import { main } from './main.js';

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // main() turns every error into an exit code; this is the last net (exit 3 = internal error, never 1).
  const message = String((err as { message?: unknown } | null | undefined)?.message ?? err);
  process.stderr.write(`hvsim: internal error: ${message.split('\n')[0]}\n`);
  process.exitCode = 3;
}
