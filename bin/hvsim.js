#!/usr/bin/env node
// The CLI, bundled by `npm run build` (build/bundle-cli.mjs; `npm ci` builds it through the `prepare`
// script); its source entry is src/cli/boot.ts. CommonJS (bin/package.json): a `hvsim run` then
// loads no ES module at all (start-up, issue 14).
require('../dist/bundle/hvsim.cjs').startBundledCli();
