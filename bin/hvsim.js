#!/usr/bin/env -S node --max-inlined-bytecode-size-cumulative=230 --max-semi-space-size=8
// The CLI, bundled by `npm run build` (build/bundle-cli.mjs; `npm ci` builds it through the `prepare`
// script); its source entry is src/cli/boot.ts. CommonJS (bin/package.json): a `hvsim run` then
// loads no ES module at all (start-up, issue 14). The shebang's node flags are NODE_FLAGS
// (src/jit-tuning.ts: V8 reads them only at start; test/node-flags.test.ts keeps the two equal); it
// needs an env with -S (GNU coreutils ≥ 8.30, BSD/macOS). `node bin/hvsim.js` works without them.
const cli = require('../dist/bundle/hvsim.cjs');
cli.startBundledCli().then(cli.exitWhenIdle);
