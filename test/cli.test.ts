// The command line as a user meets it: exit codes, one clear message for bad input, no partial
// outputs, byte-identical results for the same seed. Runs the built CLI (npm test builds first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(__dirname, '..', 'bin', 'hvsim.js');

function hvsim(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

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
  for (const [what, name, text, where] of bad) {
    it(`${what}: one clear message with file and JSON pointer, exit 2, no output files`, () => {
      const { dir, file } = scenarioFile(text, name);
      const out = join(dir, 'out');
      const r = hvsim(['compare', file, '--out', out]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(name);
      expect(r.stderr).toMatch(where);
      expect(r.stderr).not.toMatch(/\n\s+at .*\(/); // no stack trace
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    });
  }

  it('an unknown model on the command line is bad input too', () => {
    const { file } = scenarioFile(GOOD);
    const r = hvsim(['run', file, '--model', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected a model name/);
  });
});
