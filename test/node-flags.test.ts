// The CLI's node command-line flags (NODE_FLAGS, src/jit-tuning.ts) have one source, and every place
// that starts the CLI or the bench's children starts node with exactly them: bin/hvsim.js's shebang,
// package.json's scripts, the bench (bench/node-args.ts) and the tests' spawn helper. V8 reads them
// only when a process starts, which is why they are plumbed there at all: the last test shows the
// young-generation cap taking effect from the command line and not from v8.setFlagsFromString.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../src/jit-tuning.js';
import { childNodeArgs, cliNodeArgs } from '../bench/node-args.js';
import { hvsimSpawn } from './helpers/spawn-cli.js';

const ROOT = join(import.meta.dirname, '..');
const source = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Prints its process's command-line node flags as JSON. */
const PRINT_EXEC_ARGV = 'process.stdout.write(JSON.stringify(process.execArgv));\n';

/** Keeps 300,000 small objects alive while allocating more, then prints the largest young generation seen (MiB). */
const YOUNG_GENERATION = `
const v8 = require('node:v8');
if (process.argv[2] === 'at-run-time') v8.setFlagsFromString(process.argv[3]);
const kept = [];
let largest = 0;
for (let i = 0; i < 1e6; i++) {
  kept[i % 300000] = { i, list: [i] };
  if (i % 50000 === 0) largest = Math.max(largest, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
}
process.stdout.write(String(largest / 2 ** 20));
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hvsim-node-flags-'));
  writeFileSync(join(dir, 'exec-argv.cjs'), PRINT_EXEC_ARGV);
  writeFileSync(join(dir, 'young.cjs'), YOUNG_GENERATION);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the CLI's node flags", () => {
  it('are in bin/hvsim.js\'s shebang, through `env -S` (node flags after the interpreter need it)', () => {
    expect(NODE_FLAGS.length).toBeGreaterThan(0);
    expect(source('bin/hvsim.js').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  });

  it('start every package.json script that runs the CLI', () => {
    const scripts = (JSON.parse(source('package.json')) as { scripts: Record<string, string> }).scripts;
    const running = Object.entries(scripts).filter(([, command]) => command.includes('bin/hvsim.js'));
    expect(running.map(([name]) => name)).toContain('start');
    for (const [name, command] of running) {
      const starts = command.match(/\bnode\b[^&|;]*?bin\/hvsim\.js/g) ?? [];
      expect(starts.length, name).toBe(command.split('bin/hvsim.js').length - 1); // every mention is a node start
      for (const start of starts) expect(start, name).toBe(`node ${NODE_FLAGS.join(' ')} bin/hvsim.js`);
    }
  });

  it("start the bench's CLI runs and children, and nothing there starts node another way", () => {
    expect(cliNodeArgs('cli.js', ['run', 'x.yaml'])).toEqual([...NODE_FLAGS, 'cli.js', 'run', 'x.yaml']);
    expect(childNodeArgs('run.js', ['--child', 'edf-threads', '1'], ['--cpu-prof'])).toEqual(['--expose-gc', ...NODE_FLAGS, '--cpu-prof', 'run.js', '--child', 'edf-threads', '1']);
    // Started that way, node has them on its command line.
    expect(JSON.parse(execFileSync(process.execPath, cliNodeArgs(join(dir, 'exec-argv.cjs'), []), { encoding: 'utf8' }))).toEqual([...NODE_FLAGS]);
    expect(JSON.parse(execFileSync(process.execPath, childNodeArgs(join(dir, 'exec-argv.cjs'), []), { encoding: 'utf8' }))).toEqual(['--expose-gc', ...NODE_FLAGS]);
    // The bench's own spawns go through those two functions.
    expect(source('bench/run.ts')).toMatch(/execFileSync\(process\.execPath, childNodeArgs\(/);
    expect(source('bench/run.ts').match(/process\.execPath/g)).toHaveLength(1);
    const startup = source('bench/startup.ts');
    expect(startup.match(/args: cliNodeArgs\(/g)?.length).toBe(startup.match(/label: 'hvsim /g)?.length);
  });

  it("start the CLI in the tests' spawn helper", () => {
    expect(JSON.parse(hvsimSpawn([], dir, 0, join(dir, 'exec-argv.cjs')).stdout)).toEqual([...NODE_FLAGS]);
  });

  it('cap the young generation from the command line; set at run time the same flag does nothing (V8 sizes the heap at start)', () => {
    const cap = NODE_FLAGS.find((f) => f.startsWith('--max-semi-space-size='));
    expect(cap).toBeDefined();
    const capMiB = 2 * Number(cap!.split('=')[1]); // two semi-spaces
    const young = (args: string[]) => Number(execFileSync(process.execPath, args, { encoding: 'utf8' }));
    expect(young([cap!, join(dir, 'young.cjs')])).toBeLessThanOrEqual(capMiB);
    expect(young([join(dir, 'young.cjs')])).toBeGreaterThan(capMiB);
    expect(young([join(dir, 'young.cjs'), 'at-run-time', cap!])).toBeGreaterThan(capMiB);
  });
});
