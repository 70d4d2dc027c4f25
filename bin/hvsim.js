#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` through the `prepare` script).
import '../dist/src/jit-tuning.js'; // first: V8's compiler settings for everything loaded after it
import { main } from '../dist/src/cli/main.js';

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // main() turns every error into an exit code; this is the last net (exit 3 = internal error, never 1).
  process.stderr.write(`hvsim: internal error: ${String(err?.message ?? err).split('\n')[0]}\n`);
  process.exitCode = 3;
}
