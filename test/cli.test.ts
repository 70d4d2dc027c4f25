// The command line as a user meets it: exit codes, one clear message for bad input, no partial
// outputs, byte-identical results for the same seed. Runs the built CLI (npm test builds first).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hvsimInProcess } from './helpers/cli.js';
import { hvsimSpawn as hvsim } from './helpers/spawn-cli.js';

const GOOD = `
name: cli-good
duration: 500ms
hosts: [{ id: ph1, cpus: 1 }]
vmus:
  - id: vm
    host: ph1
    sla: { budget: 2ms, period: 10ms }
    tasks: [{ id: t, kind: periodic, period: 10ms, exec: { dist: uniform, min: 500us, max: 1500us } }]
models: [kvm-irmos, kvm-linux]
`;

function scenarioFile(text: string, name = 'scenario.yaml'): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-cli-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

describe('hvsim CLI', () => {
  it('models lists every registered model, one line each', () => {
    const r = hvsim(['models']);
    expect(r.code).toBe(0);
    for (const m of ['kvm-irmos', 'kvm-linux', 'kvm-linux-cfs', 'kvm-deadline']) expect(r.stdout).toMatch(new RegExp(`^${m} `, 'm'));
  });

  it('validate accepts a good scenario and compare writes results.json and report.md', () => {
    const { dir, file } = scenarioFile(GOOD);
    expect(hvsim(['validate', file]).code).toBe(0);
    const out = join(dir, 'out');
    const r = hvsim(['compare', file, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.runs.map((x: { model: string }) => x.model)).toEqual(['kvm-irmos', 'kvm-linux']);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('## How each model mapped the SLAs');
  });

  it('two runs with the same seed produce identical results.json bytes; another seed differs', () => {
    const { dir, file } = scenarioFile(GOOD);
    for (const [out, seed] of [['a', '5'], ['b', '5'], ['c', '6']]) expect(hvsim(['compare', file, '--out', join(dir, out), '--seed', seed]).code).toBe(0);
    const bytes = (d: string) => readFileSync(join(dir, d, 'results.json'));
    expect(bytes('a').equals(bytes('b'))).toBe(true);
    expect(bytes('a').equals(bytes('c'))).toBe(false);
  });

  it('an expectation that fails exits 1', () => {
    const { dir, file } = scenarioFile(`${GOOD}expect: [{ task: t, metric: responseMaxNs, max: 1 }]\n`);
    const r = hvsim(['compare', file, '--out', join(dir, 'out')]);
    expect(r.code).toBe(1);
  });

  const bad: [string, string, string, RegExp][] = [
    ['malformed JSON', 'bad.json', '{ "name": "x", ', /bad\.json/],
    ['malformed YAML', 'bad.yaml', 'name: x\nhosts: [ { id: ph1\n', /bad\.yaml/],
    ['an unknown field', 's.yaml', GOOD.replace('cpus: 1 }', 'cpus: 1, colour: red }'), /\/hosts\/0.*colour/s],
    ['a bad unit', 's.yaml', GOOD.replace('period: 10ms }', 'period: 10 parsecs }'), /\/vmus\/0\/sla\/period/],
    ['a zero period', 's.yaml', GOOD.replace('tasks: [{ id: t, kind: periodic, period: 10ms', 'tasks: [{ id: t, kind: periodic, period: 0ms'), /\/vmus\/0\/tasks\/0\/period/],
    ['a negative period', 's.yaml', GOOD.replace('period: 10ms }', 'period: -10ms }'), /\/vmus\/0\/sla\/period/],
    ['a budget over its period', 's.yaml', GOOD.replace('budget: 2ms', 'budget: 20ms'), /\/vmus\/0\/sla/],
    ['affinity to a missing CPU', 's.yaml', GOOD.replace('host: ph1\n    sla', 'host: ph1\n    affinity: [3]\n    sla'), /\/vmus\/0\/affinity/],
    ['an unknown model', 's.yaml', GOOD.replace('models: [kvm-irmos, kvm-linux]', 'models: [kvm-irmos, xen-bogus]'), /\/models\/1/],
    ['an admission refusal', 's.yaml', GOOD.replace('models: [kvm-irmos, kvm-linux]', 'models: [kvm-irmos]').replace('budget: 2ms, period: 10ms', 'budget: 9.9ms, period: 10ms'), /\/vmus\/0\/sla.*admission/s],
  ];
  // In-process (see helpers/cli.ts): ten inputs, one message each; `bad input writes nothing` below
  // checks the same through a real process.
  for (const [what, name, text, where] of bad) {
    it(`${what}: one clear message with file and JSON pointer, exit 2, no output files`, async () => {
      const { dir, file } = scenarioFile(text, name);
      const out = join(dir, 'out');
      const r = await hvsimInProcess(['compare', file, '--out', out]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(name);
      expect(r.stderr).toMatch(where);
      expect(r.stderr).not.toMatch(/\n\s+at .*\(/); // no stack trace
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    });
  }

  it('an unknown model on the command line is bad input too', async () => {
    const { file } = scenarioFile(GOOD);
    const r = await hvsimInProcess(['run', file, '--model', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected a model name/);
  });
});

// `compare` and `run --out` write the folder `report` writes for a scenario: the same pipeline.
const FIGURED = `
name: cli-figured
duration: 300ms
warmup: 20ms
hosts: [{ id: ph1, cpus: 1 }]
vmus:
  - id: vm
    host: ph1
    sla: { budget: 4ms, period: 10ms }
    tasks: [{ id: t, kind: periodic, period: 10ms, exec: { dist: uniform, min: 1ms, max: 3ms } }]
  - id: other
    host: ph1
    sla: { budget: 2ms, period: 10ms }
    tasks: [{ id: spin, kind: busy }]
models: [kvm-irmos, kvm-linux]
figures:
  - { kind: period-sweep, vmu: vm, periods: [5ms, 20ms], duration: 150ms }
`;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Every file of a folder with its bytes, by name. */
function folderBytes(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

/** The folder is complete: report.md's every image exists as a PNG, report.html inlines them all, nothing else. */
function expectCompleteFolder(out: string, figures: string[]): void {
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => decodeURI(m[1]));
  expect(images).toContain('cdf-t.png');
  expect(images).toContain('cpu-share.png');
  expect(images).toContain('schedule.png');
  for (const f of figures) expect(images).toContain(f);
  for (const f of images) {
    expect(existsSync(join(out, f)), `${f} referenced by report.md`).toBe(true);
    expect(readFileSync(join(out, f)).subarray(0, 8).equals(PNG_MAGIC), `${f} is a PNG`).toBe(true);
  }
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  expect(html.match(/<img src="data:image\/png;base64,/g)?.length).toBe(images.length);
  expect(html).not.toMatch(/<img src="(?!data:)/); // self-contained
  expect(readdirSync(out).sort()).toEqual(['report.html', 'report.md', 'results.json', ...images].sort());
}

describe('compare and run --out write the complete report folder', () => {
  const sweep = ['cli-figured-fig1-wakeup-vs-period.png', 'cli-figured-fig1-response-vs-period.png'];

  it('compare writes results.json, report.md, report.html, every chart report.md shows and the figures', () => {
    const { dir, file } = scenarioFile(FIGURED);
    const out = join(dir, 'out');
    const r = hvsim(['compare', file, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expectCompleteFolder(out, sweep);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/Reservation period sweep of vm/); // the sweep's finding in the reading
    expect(r.stdout).toContain(`wrote ${out}: results.json, report.md, report.html and 5 chart(s)`);
    // Progress as `report` shows it off a terminal: plain lines on stderr, no colour codes.
    expect(r.stderr).toMatch(/^simulate: 4 job\(s\)$/m);
    expect(r.stderr).toMatch(/^rendered 5 chart\(s\) and 2 document\(s\)/m);
    expect(r.stderr).not.toMatch(/\x1b\[/);
  });

  it('compare honours --models and --seed, and --json keeps stdout to results.json', () => {
    const { dir, file } = scenarioFile(FIGURED);
    const out = join(dir, 'out');
    const r = hvsim(['compare', file, '--out', out, '--models', 'kvm-irmos', '--seed', '9', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout);
    expect(results.runs.map((x: { model: string }) => x.model)).toEqual(['kvm-irmos']);
    expect(results.scenario.seed).toBe(9);
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe(r.stdout);
    expectCompleteFolder(out, sweep);
    // The sweep ran under the chosen model only.
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/Reservation period sweep of vm at 40 % — kvm-irmos: [^.]*\.$/m);
  });

  it('run --out writes the same kind of folder for its one model', () => {
    const { dir, file } = scenarioFile(FIGURED);
    const out = join(dir, 'out');
    const r = hvsim(['run', file, '--model', 'kvm-linux', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expectCompleteFolder(out, sweep);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).runs.map((x: { model: string }) => x.model)).toEqual(['kvm-linux']);
  });

  it('is byte-identical from run to run, with or without worker threads, and to the folder `report` writes', () => {
    const { dir } = scenarioFile('');
    const file = join(dir, 'scenarios', 'cli-figured.yaml');
    mkdirSync(join(dir, 'scenarios'));
    writeFileSync(file, FIGURED);
    expect(hvsim(['compare', file, '--out', join(dir, 'a')], undefined, 2).code).toBe(0);
    const b = hvsim(['compare', file, '--out', join(dir, 'b')]);
    expect(b.code, b.stderr).toBe(0);
    expect(hvsim(['report', join(dir, 'scenarios'), '--out', join(dir, 'reports')], undefined, 2).code).toBe(0);
    const a = folderBytes(join(dir, 'a'));
    for (const other of [join(dir, 'b'), join(dir, 'reports', 'cli-figured')]) {
      const o = folderBytes(other);
      expect([...o.keys()]).toEqual([...a.keys()]);
      for (const [f, bytes] of a) expect(o.get(f)!.equals(bytes), `${other}/${f}`).toBe(true);
    }
  });

  it('bad input writes nothing: exit 2, a new folder stays absent, an existing one unchanged', () => {
    const { dir, file } = scenarioFile(FIGURED);
    const out = join(dir, 'out');
    expect(hvsim(['compare', file, '--out', out]).code).toBe(0);
    const before = folderBytes(out);
    // Refused by kvm-irmos's admission control (Σ Q/P = 0.99 > 0.95): caught before any progress or output.
    writeFileSync(file, FIGURED.replace('budget: 2ms, period: 10ms', 'budget: 5.9ms, period: 10ms'));
    for (const args of [['compare', file, '--out', out], ['run', file, '--model', 'kvm-irmos', '--out', out]]) {
      const r = hvsim(args);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(/\/vmus\/1\/sla.*admission/s);
      expect(r.stderr).not.toMatch(/simulate/);
      const after = folderBytes(out);
      expect([...after.keys()]).toEqual([...before.keys()]);
      for (const [f, bytes] of before) expect(after.get(f)!.equals(bytes), f).toBe(true);
    }
    const fresh = join(dir, 'fresh');
    for (const args of [['compare', file, '--out', fresh], ['run', file, '--model', 'kvm-irmos', '--out', fresh]]) {
      expect(hvsim(args).code).toBe(2);
      expect(existsSync(fresh)).toBe(false);
    }
    // A scenario that does not load at all, and an empty --out, are bad input too.
    writeFileSync(file, FIGURED.replace('periods: [5ms, 20ms]', 'periods: [5 parsecs]'));
    expect(hvsim(['compare', file, '--out', fresh]).code).toBe(2);
    expect(hvsim(['compare', join(dir, 'missing.yaml'), '--out', fresh]).code).toBe(2);
    expect(existsSync(fresh)).toBe(false);
    expect(hvsim(['compare', join(dir, 'scenario.yaml'), '--out', '']).code).toBe(2);
  });
});
