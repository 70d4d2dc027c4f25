#!/usr/bin/env node
// The CLI, bundled into one module by `npm run build` (build/bundle-cli.mjs; `npm ci` builds it
// through the `prepare` script). Its source entry is src/cli/entry.ts.
import '../dist/bundle/hvsim.js';
