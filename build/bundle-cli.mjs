// `npm run build`, after tsc: bundles the compiled CLI (dist/src/cli/entry.js and what it imports
// from src/ and models/) into dist/bundle/ with rolldown. Start-up, issue 14: a `hvsim run` loaded
// ~150 modules, and resolving, reading and compiling them one by one took more CPU than the
// simulation; one module (plus a chunk per lazily imported command) takes a fraction of that.
// Packages under node_modules stay outside the bundle, loaded as before and only when used, except
// the YAML parser, which a YAML scenario needs on the run path: it is bundled into yaml.cjs.
// The bundle is the compiled code as tsc emitted it, with names kept (error classes print their
// names), so it behaves byte for byte as dist/src/cli/entry.js does; files it finds at run time
// (workers, the scenario validator) are the compiled ones, located by src/code-root.ts.
//
// Then the run path, compiled from source on every start, gets a V8 code cache (src/code-cache.ts):
// Node 20 gives no ES module cached data, so its chunk is turned into a CommonJS script
// (run-path.cjs) which bin/hvsim.js loads through a CommonJS start (hvsim.cjs, from
// src/cli/boot.ts) — so a run needs no ES module loader — and which a small ES module in the
// chunk's place (run-path-<hash>.js, imported by the other commands' chunks) passes on: one instance
// of the run path's state whichever chunk uses it. Last, build/code-cache.mjs runs the CLI once to
// make the caches of that script, the YAML parser and the scenario validator.

import { rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';
import { parseAst } from 'rolldown/parseAst';
import { makeCodeCaches } from './code-cache.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const outDir = `${root}dist/bundle`;
const entry = `${root}dist/src/cli/entry.js`;
/** The name src/code-cache.ts gives a script's import function (SCRIPT_IMPORT there). */
const SCRIPT_IMPORT = '__hvsimImport';

rmSync(outDir, { recursive: true, force: true });
const esm = await build({
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
  // ASCII, as the run path below: 26 non-ASCII characters in its strings made all ~230 KB of it a
  // two-byte string in V8, decoded from UTF-8 at every start.
  output: { file: `${outDir}/yaml.cjs`, format: 'cjs', keepNames: true, sourcemap: false, charset: 'ascii', comments: false },
});

const runPath = esm.output.find((chunk) => chunk.type === 'chunk' && chunk.name === 'run-path');
const entryChunk = esm.output.find((chunk) => chunk.type === 'chunk' && chunk.isEntry);
if (!runPath || !entryChunk) throw new Error('bundle-cli: rolldown made no run-path or entry chunk');
await scriptForRunPath(runPath, exportedAs(entryChunk.code, runPath.fileName, 'runCli'));

// The CommonJS start bin/hvsim.js requires (src/cli/boot.ts), with its own copy of jit-tuning and
// the code cache loader: a run needs no ES module at all.
await build({
  input: `${root}dist/src/cli/boot.js`,
  platform: 'node',
  logLevel: 'warn',
  external: (id, importer) => importer !== undefined && !id.startsWith('.') && !id.startsWith('/'),
  output: { file: `${outDir}/hvsim.cjs`, format: 'cjs', keepNames: true, sourcemap: false, comments: false },
});
await makeCodeCaches(root);

/** The name under which `chunkFile` exports what the entry imports as `local` (chunk exports are renamed). */
function exportedAs(entryCode, chunkFile, local) {
  for (const statement of parseAst(entryCode).body) {
    if (statement.type !== 'ImportDeclaration' || statement.source.value !== `./${chunkFile}`) continue;
    const specifier = statement.specifiers.find((s) => s.local.name === local);
    if (specifier) return specifier.imported.name;
  }
  throw new Error(`bundle-cli: the entry imports no ${local} from ${chunkFile}`);
}

/**
 * Replaces the run-path chunk by a CommonJS script of the same code (run-path.cjs, which boot.ts
 * loads) plus an ES module in the chunk's place that gives the other chunks the script's exports.
 * The script's own static imports are Node built-ins (required) and rolldown's runtime helpers
 * (inlined); its dynamic imports of the other chunks are rewritten to call a function the loader
 * passes, because a vm.Script cannot import on Node 20 (it needs --experimental-vm-modules). It
 * also exports main.ts's runCli as `runCli`, for boot.ts.
 */
async function scriptForRunPath(chunk, runCliExport) {
  const esmFile = `${outDir}/${chunk.fileName}`;
  const scriptName = 'run-path.cjs'; // src/cli/boot.ts's RUN_PATH_SCRIPT
  const runtimeChunks = new Set(chunk.imports.filter((file) => file.startsWith('rolldown-runtime')));
  const cjs = await build({
    input: esmFile,
    platform: 'node',
    logLevel: 'warn',
    external: (id, importer) => importer !== undefined && !runtimeChunks.has(basename(id)),
    // ASCII and without comments: less to read, check and keep in memory (V8 keeps the source of
    // every compiled script as a string, one byte per character when it is ASCII).
    output: { format: 'cjs', keepNames: true, sourcemap: false, charset: 'ascii', comments: false },
    write: false,
  });
  const script = cjs.output[0];
  const missing = chunk.exports.filter((name) => !script.exports.includes(name));
  if (missing.length > 0) throw new Error(`bundle-cli: the run-path script lost exports ${missing.join(', ')}`);
  writeFileSync(`${outDir}/${scriptName}`, `${withScriptImports(script.code)}\nexports.runCli = exports[${JSON.stringify(runCliExport)}];\n`);
  const exported = chunk.exports.map((name, k) => [name, `e${k}`]);
  writeFileSync(
    esmFile,
    [
      `// The run path (build/bundle-cli.mjs): its code is ${scriptName}, compiled with the V8 code cache`,
      '// the build made for it (src/code-cache.ts), once per process: bin/hvsim.js has loaded it already',
      '// (src/cli/boot.ts) when another command\'s chunk imports this module.',
      "import '../src/jit-tuning.js'; // first, as in boot.ts: V8 checks its flags against the cache",
      "import { requireWithCodeCache } from '../src/code-cache.js';",
      "import { fileURLToPath } from 'node:url';",
      `const runPath = requireWithCodeCache(fileURLToPath(new URL('./${scriptName}', import.meta.url)), (specifier) => import(specifier));`,
      `const ${exported.map(([name, local]) => `${local} = runPath[${JSON.stringify(name)}]`).join(', ')};`,
      `export { ${exported.map(([name, local]) => `${local} as ${name}`).join(', ')} };`,
      '',
    ].join('\n'),
  );
}

/** `import(x)` → `__hvsimImport(x)` at every dynamic import expression of the script (found by parsing it, not by text). */
function withScriptImports(code) {
  const starts = [];
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    if (node.type === 'ImportExpression') starts.push(node.start);
    if (node.type === 'Identifier' && node.name === SCRIPT_IMPORT) throw new Error(`bundle-cli: the run path already uses the name ${SCRIPT_IMPORT}`);
    for (const key of Object.keys(node)) if (key !== 'type') visit(node[key]);
  };
  visit(parseAst(code));
  let out = '';
  let from = 0;
  for (const start of starts.sort((a, b) => a - b)) {
    if (code.slice(start, start + 'import'.length) !== 'import') throw new Error(`bundle-cli: no import( at offset ${start}`);
    out += code.slice(from, start) + SCRIPT_IMPORT;
    from = start + 'import'.length;
  }
  return out + code.slice(from);
}
