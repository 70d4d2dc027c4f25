// The library entry point as a user gets it: `npm pack`, unpacked into a fresh folder's
// node_modules, imported by name from an ES module and type-checked from TypeScript. Offline and
// quick: the packed package's dependencies are linked from this repository's node_modules (what
// `npm install <tgz>` would fetch), so no registry is needed. Needs dist/ (npm test's pretest).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hvsim-pack-'));
  // --ignore-scripts: dist/ is already built; `prepare` would only rebuild it.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(out) as { filename: string }[];
  const installed = join(dir, 'node_modules', pkg.name);
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, filename), '-C', installed, '--strip-components=1']);
  for (const dep of Object.keys(pkg.dependencies)) {
    const link = join(dir, 'node_modules', dep);
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), link, 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'hvsim-user', private: true, type: 'module' }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('imports by name and runs a bundled scenario under a registry model', () => {
    const script = `
      import { loadScenario, parseScenario, simulate, compare, findModel, resolveModels, MODELS, RESULTS_SCHEMA, InputError } from 'hvsim';
      import { fileURLToPath } from 'node:url';
      const file = fileURLToPath(new URL('./node_modules/hvsim/scenarios/rm-vs-edf.yaml', import.meta.url));
      const full = loadScenario(file);
      const scenario = { ...full, durationNs: 200_000_000, warmupNs: 0 };
      const run = simulate(scenario, findModel('kvm-irmos', '', ''));
      const results = compare(scenario, resolveModels(scenario, 'kvm-irmos,xen-credit'));
      let refused = '';
      try { parseScenario('name: x\\nduration: 1s\\nhosts: [{ id: h, cpus: 1 }]\\nmodels: [no-such-model]\\n', 'inline.yaml'); } catch (e) { refused = e instanceof InputError ? e.pointer : String(e); }
      console.log(JSON.stringify({ models: MODELS.map((m) => m.name), schema: results.schema, expected: RESULTS_SCHEMA, runModel: run.model, tasks: run.tasks.length, vmus: full.vmus.length, runs: results.runs.map((r) => r.model), refused }));
    `;
    writeFileSync(join(dir, 'use.mjs'), script);
    const got = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: dir, encoding: 'utf8' }));
    expect(got.models).toContain('kvm-irmos');
    expect(got.schema).toBe(got.expected);
    expect(got.runModel).toBe('kvm-irmos');
    expect(got.tasks).toBeGreaterThan(0);
    expect(got.runs).toEqual(['kvm-irmos', 'xen-credit']);
    expect(got.refused).toBe('/models/0');
  });

  it('runs the command with the code caches the build made, writing nothing into the package (a read-only install works)', () => {
    const installed = join(dir, 'node_modules', 'hvsim');
    const listing = () => readdirSync(installed, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => { const path = join(d.parentPath, d.name); const st = statSync(path); return `${path} ${st.size} ${st.mtimeMs}`; }).sort();
    const before = listing();
    // Run as a command (its shebang starts node with the CLI's flags), node found on PATH as a shell would.
    const path = `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`;
    // Behind a YAML directive, so the YAML library is loaded too (plain YAML needs no library: src/scenario/plain-yaml.ts).
    const scenario = join(dir, 'rm-vs-edf-directive.yaml');
    writeFileSync(scenario, `%YAML 1.2\n---\n${readFileSync(join(installed, 'scenarios', 'rm-vs-edf.yaml'), 'utf8')}`);
    const out = spawnSync(join(installed, 'bin', 'hvsim.js'), ['run', scenario, '-m', 'kvm-irmos'], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: path, NODE_DEBUG: 'hvsim-code-cache', HVSIM_WORKERS: '0' } });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/kvm-irmos/);
    const outcomes = [...out.stderr.matchAll(/^HVSIM-CODE-CACHE \d+: .*\/(dist\/.+): (.+)$/gm)].map((m) => `${m[1]}: ${m[2]}`).sort();
    expect(outcomes).toEqual(['dist/bundle/run-path.cjs: accepted', 'dist/bundle/yaml.cjs: accepted', 'dist/src/scenario/scenario-validator.cjs: accepted']);
    expect(listing()).toEqual(before);
  });

  it('ships the command and the type declarations its main names', () => {
    const out = execFileSync(process.execPath, [join(dir, 'node_modules', 'hvsim', 'bin', 'hvsim.js'), 'models'], { cwd: dir, encoding: 'utf8' });
    expect(out).toMatch(/^kvm-irmos\s/m);
    writeFileSync(
      join(dir, 'use.ts'),
      `import { simulate, type Results, type ModelRun } from 'hvsim';\nexport const f: typeof simulate = simulate;\nexport type R = Results['runs'][number] extends ModelRun ? true : false;\n`,
    );
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['use.ts'] }));
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  });
});
