// The CLI process's entry as tsc compiles it (dist/src/cli/entry.js): the tests run it through
// test/helpers/spawn-cli.ts. bin/hvsim.js runs the same CLI bundled by `npm run build`
// (build/bundle-cli.mjs, started by src/cli/boot.ts: a few files instead of ~150 modules to
// resolve and load, compiled with a V8 code cache — start-up, issue 14).
import '../jit-tuning.js'; // first: V8's compiler settings for everything run after it
import { runCli } from './main.js';

await runCli(process.argv.slice(2));
