// A plain `hvsim run` skips yargs (src/cli/light-run.ts, issue 14). The claim: for every argument
// list it takes, the outcome — exit code, stdout, stderr — is the one yargs gives; everything it
// does not fully understand is left to yargs. `--json=true` is a spelling the light reader leaves
// to yargs, so the same run can be made to go each way and the two compared.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lightRunArgs } from '../src/cli/light-run.js';
import { jsonHasDuplicateKey } from '../src/scenario/json-position.js';
import { hvsimInProcess } from './helpers/cli.js';

const SCENARIO = `
name: light-run
duration: 200ms
hosts: [{ id: ph1, cpus: 2 }]
vmus:
  - id: vm
    host: ph1
    sla: { budget: 2ms, period: 10ms }
    tasks: [{ id: t, kind: periodic, period: 10ms, exec: { dist: uniform, min: 500us, max: 1500us } }]
models: [kvm-irmos, xen-credit]
`;

const dir = mkdtempSync(join(tmpdir(), 'hvsim-light-'));
const file = join(dir, 'light.yaml');
writeFileSync(file, SCENARIO);

describe('the light `run` reader', () => {
  it('reads plain flags as yargs names them, in either spelling', () => {
    expect(lightRunArgs(['run', file, '-m', 'kvm-irmos', '--seed=7', '--json', '--cpus', '2', '--work-scale', '1.5'])).toEqual({
      scenario: file,
      model: 'kvm-irmos',
      seed: '7',
      json: true,
      cpus: 2,
      'work-scale': 1.5,
    });
  });

  it.each([
    [['run', file, '--help']],
    [['run', file, '--bogus']],
    [['run', file, '--model', 'a', '-m', 'b']],
    [['run', file, '--json', 'true']],
    [['run', file, '--json=false']],
    [['run', file, '--no-json']],
    [['run', file, '--seed', '-1']],
    [['run', file, '--cpus', '0x10']],
    [['run', file, '--cpus', '1e3']],
    [['run', file, '--maxWall', '1s']],
    [['run', file, '--out']],
    [['run', file, '--', '--json']],
    [['run', file, 'other.yaml']],
    [['run', '42']],
    [['run']],
    [['compare', file]],
  ])('leaves %j to yargs', (argv) => {
    expect(lightRunArgs(argv)).toBeUndefined();
  });

  it.each([
    [['--model', 'xen-credit', '--seed', '11', '--json']],
    [['-m', 'kvm-irmos', '--cpus', '1', '--json']],
    [['--model', 'kvm-irmos', '--json', '--hz', '250', '--kernel', '5.10']],
  ])('a run with %j prints the same results.json on the light path as through yargs', async (flags) => {
    expect(lightRunArgs(['run', file, ...flags])).toBeDefined();
    const light = await hvsimInProcess(['run', file, ...flags]);
    const viaYargs = await hvsimInProcess(['run', file, ...flags.map((f) => (f === '--json' ? '--json=true' : f))]);
    expect(light.code).toBe(0);
    expect(light).toEqual(viaYargs);
  });

  it.each([
    [['--model', 'nosuch', '--json']],
    [['--seed', '99999999999', '--json']],
    [['--cpus', '0', '--json']],
    [['--max-wall', '1zz', '--json']],
    [['--ns-per-loop', '3', '--json']],
  ])('bad input %j gets the same message and exit code on both paths', async (flags) => {
    const light = await hvsimInProcess(['run', file, ...flags]);
    const viaYargs = await hvsimInProcess(['run', file, ...flags.map((f) => (f === '--json' ? '--json=true' : f))]);
    expect(light.code).toBe(2);
    expect(light).toEqual(viaYargs);
  });
});

describe('duplicate keys in JSON (the scan that spares a JSON scenario the YAML parser)', () => {
  it.each([
    ['{"a":1,"a":2}', true],
    ['{"a":1,"b":{"a":2}}', false],
    ['{"a":[{"x":1},{"x":2}],"b":0}', false],
    ['{"a\\u0062":1,"ab":2}', true],
    ['{"k":"a,\\"k\\":","j":1}', false],
    ['[{"a":1},{"a":1,"b":[1,{"b":2,"b":3}]}]', true],
    ['"a"', false],
  ])('%s → %s', (text, duplicate) => {
    JSON.parse(text); // the scan is only run on valid JSON
    expect(jsonHasDuplicateKey(text)).toBe(duplicate);
  });
});
