// The bundled CLI (bin/hvsim.js → dist/bundle/, built by `npm run build` with rolldown, start-up:
// issue 14) end to end, against the compiled modules the other tests run (dist/src/cli/entry.js):
// the same bytes out, the same exit codes, and the files it finds at run time — the scenario
// validator, the bundled YAML parser, the report workers — found from the bundle's folder as from
// the compiled modules' (src/code-root.ts). Needs dist/ (npm test's pretest builds it).

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_CLI, CLI, hvsimSpawn } from './helpers/spawn-cli.js';

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
  writeFileSync(join(dir, 'two.yaml'), SCENARIO);
  writeFileSync(join(dir, 'bad.yaml'), SCENARIO.replace('duration: 20ms', 'duration: 20 parsecs'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Paths of the CommonJS files a process loaded (Node's own NODE_DEBUG=module log), relative to dist/. */
function loadedFromDist(stderr: string): string[] {
  return [...stderr.matchAll(/load "([^"]+)" for module/g)].map((m) => m[1]).filter((p) => p.startsWith(DIST)).map((p) => p.slice(DIST.length + 1));
}

describe('the bundled CLI (bin/hvsim.js)', () => {
  it('is one entry file and the run path in one chunk, not the ~150 compiled modules', () => {
    const files = readdirSync(join(DIST, 'bundle'));
    expect(files).toContain('hvsim.js');
    expect(files.filter((f) => f.startsWith('run-path-'))).toHaveLength(1);
    expect(readFileSync(BUNDLED_CLI, 'utf8')).toContain("'../dist/bundle/hvsim.js'");
  });

  it('runs a scenario with the same bytes out as the compiled modules, using the built validator and YAML parser', () => {
    const bundled = hvsimSpawn(['run', 'two.yaml', '-m', 'kvm-irmos'], dir, 0, BUNDLED_CLI, { NODE_DEBUG: 'module' });
    const compiled = hvsimSpawn(['run', 'two.yaml', '-m', 'kvm-irmos'], dir, 0, CLI);
    expect(bundled.code).toBe(0);
    expect(bundled.stdout).toContain('kvm-irmos');
    expect(bundled.stdout).toBe(compiled.stdout);
    // Located from dist/bundle/ through the code root: had the path been wrong, the validator would
    // be compiled from the schema (slow, silent) and the yaml package loaded module by module.
    const loaded = loadedFromDist(bundled.stderr);
    expect(loaded).toContain('src/scenario/scenario-validator.cjs');
    expect(loaded).toContain('bundle/yaml.cjs');
    const json = hvsimSpawn(['run', 'two.yaml', '--json', '--model', 'xen-credit'], dir, 0, BUNDLED_CLI);
    expect(json.stdout).toBe(hvsimSpawn(['run', 'two.yaml', '--json', '--model', 'xen-credit'], dir, 0, CLI).stdout);
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
