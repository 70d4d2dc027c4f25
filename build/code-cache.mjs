// `npm run build`, last step (called by build/bundle-cli.mjs): the V8 code caches src/code-cache.ts
// loads with the bundled run path, the bundled YAML parser and the scenario validator. V8 caches
// the functions a script has compiled so far, so the caches are made after a training run: a child
// process runs the bundled CLI on build/code-cache-training.yaml under each model it lists (and once
// more behind a YAML directive, for the YAML library), as a user's `hvsim run -m <model>` would
// (same Node, same V8 flags, the same order of loading), then asks V8 for the cached data of each
// file and writes it beside the file (`<file>.cache`, with the header src/code-cache.ts checks).
//
// V8 takes a cache only in a process with the flags it was made under, command-line flags included,
// so there are two training runs: one started with the CLI's flags (NODE_FLAGS, src/jit-tuning.ts:
// bin/hvsim.js's shebang, the npm scripts) making `<file>.cache`, one started without any making
// `<file>.plain.cache` for `node bin/hvsim.js` (src/code-cache.ts picks by the process's command
// line). Both run without NODE_OPTIONS: options that change V8's flags would make the caches match
// only processes started with the same options (any other process would find them rejected and
// compile from source, correct but slower). Last, each cache is stamped (src/code-cache-stamp.ts).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';

/** The files src/code-cache.ts compiles in a `hvsim run`, below dist/: a cache is made for each. */
const CACHED_FILES = ['bundle/run-path.cjs', 'bundle/yaml.cjs', 'src/scenario/scenario-validator.cjs'];

/** Makes the caches in `${root}dist/` (the build's step; throws when the training run fails). */
export async function makeCodeCaches(root) {
  const dist = `${root}dist/`;
  const { NODE_FLAGS } = await import(pathToFileURL(`${dist}src/jit-tuning.js`).href);
  const { cacheFileOf, stampCodeCache } = await import(pathToFileURL(`${dist}src/code-cache.js`).href);
  const { msUntilStampable, stampFileOf } = await import(pathToFileURL(`${dist}src/code-cache-stamp.js`).href);
  const variants = ['cli', 'plain'];
  const files = CACHED_FILES.map((file) => `${dist}${file}`);
  // Stamps of an earlier build's caches (the validator's folder is not cleared by the bundle step).
  for (const file of files) for (const variant of variants) rmSync(stampFileOf(cacheFileOf(file, variant)), { force: true });
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  for (const nodeFlags of [NODE_FLAGS, []]) {
    const child = spawnSync(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), '--train', root], { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (child.status !== 0) throw new Error(`code-cache: the training run (node ${nodeFlags.join(' ')}) exited ${child.status ?? child.signal}`);
  }
  // Then the stamps (src/code-cache-stamp.ts), once the files are old enough: a start that finds
  // them unchanged skips hashing them.
  const wait = Math.max(...files.flatMap((file) => variants.map((variant) => msUntilStampable(file, cacheFileOf(file, variant)))));
  await new Promise((resolve) => setTimeout(resolve, wait));
  for (const file of files) {
    for (const variant of variants) if (!stampCodeCache(file, variant)) throw new Error(`code-cache: the ${variant} cache of ${file} does not match its source`);
  }
}

/** In the child: one `hvsim run` of the training scenario in this process, then the caches for its command line's variant. */
async function train(root) {
  const dist = `${root}dist/`;
  const { cacheFileOf, codeCachesOfLoadedFiles } = await import(pathToFileURL(`${dist}src/code-cache.js`).href);
  // A cache of an earlier build (the validator's folder is not cleared by the bundle step).
  rmSync(cacheFileOf(`${dist}src/scenario/scenario-validator.cjs`), { force: true });
  const training = fileURLToPath(new URL('./code-cache-training.yaml', import.meta.url));
  const { startBundledCli } = createRequire(import.meta.url)(`${dist}bundle/hvsim.cjs`);
  // One run per model the file lists, all in this process: each model's set-up and scheduling code
  // gets compiled, so a run of any of them finds it in the cache instead of parsing it (a kvm-deadline
  // run of the issue 14 EDF set: 4 % fewer instructions at start when kvm-irmos alone was trained).
  const { models } = parse(readFileSync(training, 'utf8'));
  for (const model of models) {
    process.argv = [process.argv[0], `${root}bin/hvsim.js`, 'run', training, '-m', model];
    await startBundledCli(); // as bin/hvsim.js does
    if (process.exitCode) throw new Error(`code-cache: the training run of hvsim (-m ${model}) exited ${process.exitCode}`);
  }
  // The plain YAML of a scenario file is read without the YAML library (src/scenario/plain-yaml.ts);
  // one more run, of the same file behind a YAML directive, which only the library reads, trains it.
  const directiveDir = mkdtempSync(join(tmpdir(), 'hvsim-training-'));
  try {
    const withDirective = join(directiveDir, 'code-cache-training.yaml');
    writeFileSync(withDirective, `%YAML 1.2\n---\n${readFileSync(training, 'utf8')}`);
    process.argv = [process.argv[0], `${root}bin/hvsim.js`, 'run', withDirective, '-m', models[0]];
    await startBundledCli();
    if (process.exitCode) throw new Error(`code-cache: the training run of hvsim on a YAML file with a directive exited ${process.exitCode}`);
  } finally {
    rmSync(directiveDir, { recursive: true, force: true });
  }
  const caches = codeCachesOfLoadedFiles();
  const relative = caches.map(({ file }) => file.slice(dist.length));
  for (const file of CACHED_FILES) {
    if (!relative.includes(file)) throw new Error(`code-cache: the training run did not compile ${file} (it compiled ${relative.join(', ') || 'none'})`);
  }
  for (const { file, contents } of caches) writeFileSync(cacheFileOf(file), contents);
}

if (process.argv[2] === '--train' && import.meta.url === pathToFileURL(process.argv[1]).href) await train(process.argv[3]);
