// `npm run build`, after tsc: bundles the compiled CLI (dist/src/cli/entry.js and what it imports
// from src/ and models/) into dist/bundle/ with rolldown. Start-up, issue 14: a `hvsim run` loaded
// ~150 modules, and resolving, reading and compiling them one by one took more CPU than the
// simulation; one module (plus a chunk per lazily imported command) takes a fraction of that.
// Packages under node_modules stay outside the bundle, loaded as before and only when used, except
// the YAML parser, which a YAML scenario needs on the run path: it is bundled into yaml.cjs.
// The bundle is the compiled code as tsc emitted it, with names kept (error classes print their
// names), so it behaves byte for byte as dist/src/cli/entry.js does; files it finds at run time
// (workers, the scenario validator) are the compiled ones, located by src/code-root.ts.

import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = fileURLToPath(new URL('../', import.meta.url));
const outDir = `${root}dist/bundle`;
const entry = `${root}dist/src/cli/entry.js`;

rmSync(outDir, { recursive: true, force: true });
await build({
  input: entry,
  platform: 'node',
  // A bare specifier is a package or a Node built-in: not ours, left to Node's resolution at run time.
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
  logLevel: 'warn',
  output: {
    dir: outDir,
    format: 'esm',
    entryFileNames: 'hvsim.js',
    chunkFileNames: '[name]-[hash].js',
    keepNames: true,
    // Everything a plain `hvsim run` executes (the entry's static imports) in one chunk; the other
    // commands' modules in chunks of their own, loaded by their dynamic import when used. The entry
    // module stays out of that chunk: its top-level await (main()) waits for those dynamic imports,
    // which import the chunk, so the chunk must not wait for the entry.
    codeSplitting: { groups: [{ name: 'run-path', tags: ['$initial'], test: (id) => id !== entry }] },
    sourcemap: false,
  },
});

// The yaml package's Node entry point (CommonJS, ~60 modules) as one file, for src/scenario/source.ts.
await build({
  input: fileURLToPath(import.meta.resolve('yaml')),
  platform: 'node',
  logLevel: 'warn',
  output: { file: `${outDir}/yaml.cjs`, format: 'cjs', keepNames: true, sourcemap: false },
});
