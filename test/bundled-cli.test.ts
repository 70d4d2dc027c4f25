// The bundled CLI (bin/hvsim.js → dist/bundle/, built by `npm run build` with rolldown, start-up:
// issue 14) end to end, against the compiled modules the other tests run (dist/src/cli/entry.js):
// the same bytes out, the same exit codes, and the files it finds at run time — the scenario
// validator, the bundled YAML parser, the report workers — found from the bundle's folder as from
// the compiled modules' (src/code-root.ts); and the V8 code caches the build makes for the run path,
// the YAML parser and the validator (src/code-cache.ts): used on this Node, with the CLI's
// command-line flags (bin/hvsim.js's shebang) and without them (`node bin/hvsim.js`), and when
// missing, corrupt, made for another file or under other V8 flags, ignored with the same bytes out.
// Needs dist/ (npm test's pretest builds it).

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_CLI, CLI, hvsimSpawn } from './helpers/spawn-cli.js';
import { NODE_FLAGS } from '../src/jit-tuning.js';
import { cacheFileOf, stampCodeCache } from '../src/code-cache.js';
import { msUntilStampable } from '../src/code-cache-stamp.js';
import { phasesOf } from '../bench/startup.js';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');

/** Two single-CPU VMUs for 20 ms: jobs complete, so the summary has numbers in it. */
const SCENARIO = `name: bundled-cli
duration: 20ms
seed: 3
hosts: [{ id: h1, cpus: 1 }]
vmus:
  - { id: a, host: h1, sla: { budget: 2ms, period: 5ms }, tasks: [{ id: ta, kind: periodic, period: 5ms, exec: 1ms }] }
  - { id: b, host: h1, sla: { budget: 3ms, period: 7ms }, tasks: [{ id: tb, kind: periodic, period: 7ms, exec: 2ms }] }
models: [kvm-irmos, xen-credit]
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hvsim-bundled-'));
  // Behind a YAML directive, which the plain-YAML fast path (src/scenario/plain-yaml.ts) leaves to
  // the YAML library: a run of it uses all three cached files. plain.yaml needs no YAML library.
  writeFileSync(join(dir, 'two.yaml'), `%YAML 1.2\n---\n${SCENARIO}`);
  writeFileSync(join(dir, 'plain.yaml'), SCENARIO);
  writeFileSync(join(dir, 'bad.yaml'), SCENARIO.replace('duration: 20ms', 'duration: 20 parsecs'));
  writeFileSync(join(dir, 'short.yaml'), SCENARIO.replace('duration: 20ms', 'duration: 1ms')); // no job finishes
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What became of each cached file's code cache in a process (NODE_DEBUG=hvsim-code-cache), by path relative to `dist`. */
function cacheOutcomes(stderr: string, dist = DIST): Record<string, string> {
  const lines = [...stderr.matchAll(/^HVSIM-CODE-CACHE \d+: (.+): (accepted|absent|mismatched|rejected by V8)$/gm)];
  return Object.fromEntries(lines.map((m) => [m[1].slice(dist.length + 1), m[2]]));
}

/** Those files, relative to dist/. */
const CACHED = ['bundle/run-path.cjs', 'bundle/yaml.cjs', 'src/scenario/scenario-validator.cjs'];

/** A copy of the package to spoil (the tests share dist/), in `dir`/`name`. */
function copyOfPackage(name: string): string {
  const pkg = join(dir, name);
  cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
  cpSync(DIST, join(pkg, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  return pkg;
}

describe('the bundled CLI (bin/hvsim.js)', () => {
  it('is one CommonJS start and the run path in one script with its code cache, not the ~150 compiled modules', () => {
    const files = readdirSync(join(DIST, 'bundle'));
    expect(files).toEqual(expect.arrayContaining(['hvsim.cjs', 'run-path.cjs', 'run-path.cjs.cache', 'run-path.cjs.plain.cache', 'yaml.cjs', 'yaml.cjs.cache', 'yaml.cjs.plain.cache']));
    expect(files.filter((f) => f.startsWith('run-path-'))).toHaveLength(1); // the ES module other chunks import the run path through
    expect(readFileSync(BUNDLED_CLI, 'utf8')).toContain("require('../dist/bundle/hvsim.cjs')");
  });

  it('keeps every file it compiles with a code cache in ASCII (V8 then holds and scans it one byte per character)', () => {
    for (const f of CACHED) {
      const bytes = readFileSync(join(DIST, f));
      const first = bytes.findIndex((b) => b > 0x7f);
      expect(first === -1 ? 'ASCII' : `${f}: byte ${first} is 0x${bytes[first].toString(16)}`).toBe('ASCII');
    }
  });

  it('runs a scenario with the same bytes out as the compiled modules, using the built validator and YAML parser', () => {
    const bundled = hvsimSpawn(['run', 'two.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI, { NODE_DEBUG: 'hvsim-code-cache' });
    const compiled = hvsimSpawn(['run', 'two.yaml', '-m', 'kvm-irmos'], dir, 0, CLI);
    expect(bundled.code).toBe(0);
    expect(bundled.stdout).toContain('kvm-irmos');
    expect(bundled.stdout).toBe(compiled.stdout);
    // Located from dist/bundle/ through the code root: had the path been wrong, the validator would
    // be compiled from the schema (slow, silent) and the yaml package loaded module by module. The
    // build made the caches with this Node, so V8 takes them.
    expect(cacheOutcomes(bundled.stderr)).toEqual(Object.fromEntries(CACHED.map((f) => [f, 'accepted'])));
    // The same scenario in plain YAML: the same bytes out, read without loading the YAML library.
    const plain = hvsimSpawn(['run', 'plain.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI, { NODE_DEBUG: 'hvsim-code-cache' });
    expect(plain.stdout).toBe(compiled.stdout.replaceAll('two.yaml', 'plain.yaml'));
    expect(cacheOutcomes(plain.stderr)).toEqual(Object.fromEntries(CACHED.filter((f) => f !== 'bundle/yaml.cjs').map((f) => [f, 'accepted'])));
    const json = hvsimSpawn(['run', 'two.yaml', '--json', '--model', 'xen-credit'], dir, 0, BUNDLED_CLI);
    expect(json.stdout).toBe(hvsimSpawn(['run', 'two.yaml', '--json', '--model', 'xen-credit'], dir, 0, CLI).stdout);
  });

  it('under NODE_DEBUG=hvsim-timing prints its phases in order on standard error, and the same standard output', () => {
    const plain = hvsimSpawn(['run', 'two.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI);
    const timed = hvsimSpawn(['run', 'two.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI, { NODE_DEBUG: 'hvsim-timing' });
    expect(timed.stdout).toBe(plain.stdout);
    expect(plain.stderr).toBe('');
    const phases = phasesOf(timed.stderr);
    expect(Object.keys(phases)).toEqual(['start', 'scenario', 'simulation', 'summary']);
    // Each phase starts after the one before it ended (times from the process's start, in ms, each
    // rounded to 0.1 ms when printed: three roundings, at most 0.15 ms apart).
    const order = Object.values(phases);
    for (let k = 1; k < order.length; k++) expect(order[k].at).toBeGreaterThanOrEqual(order[k - 1].at + order[k - 1].wall - 0.15);
    for (const { wall, cpu } of order) expect(Math.min(wall, cpu)).toBeGreaterThanOrEqual(0);
  });

  it('ends the process as soon as its command has finished, unless something else is pending (a timer, a beforeExit listener), exit codes kept', () => {
    const preload = (name: string, code: string) => {
      writeFileSync(join(dir, name), code);
      return { NODE_OPTIONS: `--require ${join(dir, name)}` };
    };
    // Nothing pending: process.exit, with the command's exit code (src/cli/boot.ts exitWhenIdle).
    const watched = preload('watch-exit.cjs', "const exit = process.exit; process.exit = (code) => { process._rawDebug(`process.exit ${process.exitCode}`); return exit.call(process, code); };\n");
    const ran = hvsimSpawn(['run', 'plain.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI, watched);
    expect([ran.code, ran.stderr]).toEqual([0, 'process.exit 0\n']);
    expect(ran.stdout).toBe(hvsimSpawn(['run', 'plain.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI).stdout);
    const failed = hvsimSpawn(['run', 'short.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI, watched);
    expect([failed.code, failed.stderr]).toEqual([hvsimSpawn(['run', 'short.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI).code, `process.exit ${failed.code}\n`]);
    // Standard error's stream (a message of refused input) holds a handle: the process ends as before.
    expect(hvsimSpawn(['run', 'bad.yaml'], dir, 0, BUNDLED_CLI, watched)).toMatchObject({ code: 2, stderr: hvsimSpawn(['run', 'bad.yaml'], dir, 0, BUNDLED_CLI).stderr });
    // A timer still pending, a beforeExit listener: they run, the process ends when Node would end it.
    const timer = preload('timer.cjs', "setTimeout(() => process.stdout.write('timer ran\\n'), 30);\n");
    const waited = hvsimSpawn(['run', 'plain.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI, timer);
    expect([waited.code, waited.stdout.endsWith('\ntimer ran\n')]).toEqual([0, true]);
    expect(hvsimSpawn(['run', 'bad.yaml'], dir, 0, BUNDLED_CLI, timer)).toMatchObject({ code: 2, stdout: 'timer ran\n' });
    const beforeExit = preload('before-exit.cjs', "let once = false;\nprocess.on('beforeExit', () => { if (!once) process.stdout.write('beforeExit ran\\n'); once = true; });\n");
    const listened = hvsimSpawn(['run', 'plain.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI, beforeExit);
    expect([listened.code, listened.stdout.endsWith('\nbeforeExit ran\n')]).toEqual([0, true]);
  });

  it('refuses bad input with exit 2 and the same message as the compiled modules', () => {
    const bundled = hvsimSpawn(['run', 'bad.yaml'], dir, 0, BUNDLED_CLI);
    expect(bundled.code).toBe(2);
    expect(bundled.stdout).toBe('');
    expect(bundled.stderr).toMatch(/^hvsim: bad\.yaml:2 at \/duration: expected a duration/);
    expect(bundled.stderr).toBe(hvsimSpawn(['run', 'bad.yaml'], dir, 0, CLI).stderr);
    const usage = hvsimSpawn(['run', 'two.yaml', '--no-such-flag'], dir, 0, BUNDLED_CLI);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe(hvsimSpawn(['run', 'two.yaml', '--no-such-flag'], dir, 0, CLI).stderr);
  });

  it('gives the same bytes out whatever became of the code caches: missing, corrupt, made for another file, or under other V8 flags', () => {
    const pkg = copyOfPackage('pkg');
    const pkgDist = join(pkg, 'dist');
    // The caches of processes started with the CLI's flags (the spoiling below is done to these).
    const cacheOf = (f: string) => join(pkgDist, `${f}.cache`);
    const plainCacheOf = (f: string) => join(pkgDist, `${f}.plain.cache`);
    const env = { ...process.env, NO_COLOR: '1', HVSIM_WORKERS: '0', NODE_DEBUG: 'hvsim-code-cache' };
    const outcome = (out: { status: number | null; stdout: string; stderr: string }) => {
      expect(out.status, out.stderr).toBe(0);
      return { stdout: out.stdout, outcomes: cacheOutcomes(out.stderr, pkgDist) };
    };
    const run = (scenario = 'two.yaml', nodeFlags: string[] = [...NODE_FLAGS]) =>
      outcome(spawnSync(process.execPath, [...nodeFlags, join(pkg, 'bin', 'hvsim.js'), 'run', scenario, '-m', 'kvm-irmos'], { cwd: dir, env, encoding: 'utf8' }));
    const expected = hvsimSpawn(['run', 'two.yaml', '-m', 'kvm-irmos'], dir, 0, CLI).stdout;
    const all = (outcome: string) => Object.fromEntries(CACHED.map((f) => [f, outcome]));
    expect(run()).toEqual({ stdout: expected, outcomes: all('accepted') });
    // Run as a command, node started by the shebang (with the flags), and as `node bin/hvsim.js` (without: the plain caches).
    const path = `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`;
    expect(outcome(spawnSync(join(pkg, 'bin', 'hvsim.js'), ['run', 'two.yaml', '-m', 'kvm-irmos'], { cwd: dir, env: { ...env, PATH: path }, encoding: 'utf8' }))).toEqual({ stdout: expected, outcomes: all('accepted') });
    expect(run('two.yaml', [])).toEqual({ stdout: expected, outcomes: all('accepted') });

    // Other V8 flags than the build's: V8 refuses the data itself — the CLI's caches in a process
    // with one more flag, and the caches made without the CLI's flags in a process with them.
    expect(run('two.yaml', [...NODE_FLAGS, '--no-opt'])).toEqual({ stdout: expected, outcomes: all('rejected by V8') });
    const cliCaches = Object.fromEntries(CACHED.map((f) => [f, readFileSync(cacheOf(f))]));
    for (const f of CACHED) writeFileSync(cacheOf(f), readFileSync(plainCacheOf(f)));
    expect(run()).toEqual({ stdout: expected, outcomes: all('rejected by V8') });
    for (const f of CACHED) writeFileSync(cacheOf(f), cliCaches[f]);
    // A missing plain cache: `node bin/hvsim.js` compiles from source, the same bytes out.
    for (const f of CACHED) rmSync(plainCacheOf(f));
    expect(run('two.yaml', [])).toEqual({ stdout: expected, outcomes: all('absent') });

    // Corrupt: one byte of V8's data flipped, or the file cut short.
    const pristine = Object.fromEntries(CACHED.map((f) => [f, readFileSync(cacheOf(f))]));
    for (const f of CACHED) {
      const bytes = Buffer.from(pristine[f]);
      bytes[bytes.length - 100] ^= 0xff;
      writeFileSync(cacheOf(f), bytes);
    }
    expect(run()).toEqual({ stdout: expected, outcomes: all('mismatched') });
    for (const f of CACHED) writeFileSync(cacheOf(f), pristine[f].subarray(0, pristine[f].length >> 1));
    expect(run()).toEqual({ stdout: expected, outcomes: all('mismatched') });

    // Made for another file (each file given the next one's cache), and missing.
    CACHED.forEach((f, k) => writeFileSync(cacheOf(f), pristine[CACHED[(k + 1) % CACHED.length]]));
    expect(run()).toEqual({ stdout: expected, outcomes: all('mismatched') });
    for (const f of CACHED) rmSync(cacheOf(f));
    expect(run()).toEqual({ stdout: expected, outcomes: all('absent') });

    // Made for another version of the same file, of the same length: V8 alone would take it (it
    // compares lengths) and run the old bytecode, printing the old text; the source's SHA-1 refuses it.
    for (const f of CACHED) writeFileSync(cacheOf(f), pristine[f]);
    const script = join(pkgDist, 'bundle', 'run-path.cjs');
    const source = readFileSync(script, 'utf8');
    expect(source).toContain('no job finished');
    writeFileSync(script, source.replace('no job finished', 'NO JOB FINISHED'));
    const edited = run('short.yaml');
    expect(edited.stdout).toContain('NO JOB FINISHED');
    expect(edited.outcomes['bundle/run-path.cjs']).toBe('mismatched');
  });

  it("skips hashing the files the build's stamp shows unchanged (node:crypto not even loaded), and still refuses corrupt data and a same-length edit made after stamping", async () => {
    const pkg = copyOfPackage('stamped');
    const pkgDist = join(pkg, 'dist');
    writeFileSync(join(dir, 'loaded-crypto.cjs'), "process.on('exit', () => process.stderr.write(`crypto loaded: ${process.moduleLoadList.includes('NativeModule crypto')}\\n`));\n");
    const run = (scenario = 'two.yaml') => {
      const env = { ...process.env, NO_COLOR: '1', HVSIM_WORKERS: '0', NODE_DEBUG: 'hvsim-code-cache' };
      const out = spawnSync(process.execPath, [...NODE_FLAGS, '-r', join(dir, 'loaded-crypto.cjs'), join(pkg, 'bin', 'hvsim.js'), 'run', scenario, '-m', 'kvm-irmos'], { cwd: dir, env, encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      const unhashed = [...out.stderr.matchAll(/^HVSIM-CODE-CACHE \d+: (.+): unchanged since the build stamped it, not hashed$/gm)].map((m) => m[1].slice(pkgDist.length + 1));
      return { stdout: out.stdout, outcomes: cacheOutcomes(out.stderr, pkgDist), unhashed, crypto: /crypto loaded: true/.test(out.stderr) };
    };
    const all = (outcome: string) => Object.fromEntries(CACHED.map((f) => [f, outcome]));
    const expected = hvsimSpawn(['run', 'two.yaml', '-m', 'kvm-irmos'], dir, 0, CLI).stdout;
    const stamp = async () => {
      const files = CACHED.map((f) => join(pkgDist, f));
      await new Promise((resolve) => setTimeout(resolve, Math.max(...files.map((f) => msUntilStampable(f, cacheFileOf(f, 'cli'))))));
      for (const f of files) expect(stampCodeCache(f, 'cli'), f).toBe(true);
    };
    // Copied files are other files (inodes, ctimes) than the build stamped: hashed, and taken.
    expect(run()).toEqual({ stdout: expected, outcomes: all('accepted'), unhashed: [], crypto: true });
    await stamp();
    expect(run()).toEqual({ stdout: expected, outcomes: all('accepted'), unhashed: CACHED, crypto: false });

    // A byte of V8's data flipped after stamping: the write moved the cache's ctime, so it is hashed and refused.
    const cache = join(pkgDist, 'bundle', 'run-path.cjs.cache');
    const pristine = readFileSync(cache);
    const bytes = Buffer.from(pristine);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(cache, bytes);
    expect(run()).toMatchObject({ stdout: expected, outcomes: { 'bundle/run-path.cjs': 'mismatched' } });
    writeFileSync(cache, pristine);
    await stamp();

    // A same-length edit of the source after stamping: hashed (its ctime moved) and refused, the new text runs.
    const script = join(pkgDist, 'bundle', 'run-path.cjs');
    writeFileSync(script, readFileSync(script, 'utf8').replace('no job finished', 'NO JOB FINISHED'));
    const edited = run('short.yaml');
    expect(edited.stdout).toContain('NO JOB FINISHED');
    expect(edited.outcomes['bundle/run-path.cjs']).toBe('mismatched');
    expect(edited.unhashed).not.toContain('bundle/run-path.cjs');
  });

  it('writes the same report folder, its simulations and charts on worker threads started from the bundle', () => {
    const bundled = hvsimSpawn(['report', 'two.yaml', '--out', 'bundled'], dir, 2, BUNDLED_CLI);
    expect(bundled.code).toBe(0);
    expect(bundled.stderr).toMatch(/on 2 worker thread\(s\)/);
    const compiled = hvsimSpawn(['report', 'two.yaml', '--out', 'compiled'], dir, 0, CLI);
    expect(compiled.code).toBe(0);
    const files = (sub: string) => readdirSync(join(dir, sub), { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name).slice(join(dir, sub).length)).sort();
    expect(files('bundled')).toEqual(files('compiled'));
    expect(files('bundled').filter((f) => f.endsWith('.png')).length).toBeGreaterThan(0);
    for (const f of files('bundled')) expect(readFileSync(join(dir, 'bundled', f)), f).toEqual(readFileSync(join(dir, 'compiled', f)));
  });

  it('finds the compiled files from the bundle as from the compiled modules: the bundle sits as deep below dist/ as src/ does', async () => {
    const { CODE_ROOT, RUNNING_COMPILED } = (await import(pathToFileURL(join(DIST, 'src', 'code-root.js')).href)) as typeof import('../src/code-root.js');
    expect(CODE_ROOT).toBe(`${DIST}/`);
    expect(RUNNING_COMPILED).toBe(true);
    // The rule code-root.ts applies to its own URL, applied to the bundle's entry and chunks.
    for (const f of readdirSync(join(DIST, 'bundle'))) expect(new URL('../', pathToFileURL(join(DIST, 'bundle', f))).href).toBe(pathToFileURL(`${DIST}/`).href);
    // From the TypeScript sources (this test), the root is the repository.
    const source = await import('../src/code-root.js');
    expect(source.CODE_ROOT).toBe(`${ROOT}/`);
    expect(source.RUNNING_COMPILED).toBe(false);
  });
});
