// `hvsim run --trace <file> --out <dir>` simulates once: the traced run is also the report's run.
// The claim checked: results folder, summary and trace are byte-identical to what `run --out` and
// `trace --out` write apart, and the simulator runs once instead of twice.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Simulator } from '../src/engine/simulator.js';
import { hvsimInProcess, listTree } from './helpers/cli.js';

// Two VMUs on two pCPUs with random execution times, so a different seed or a second, differently
// seeded run would show in both the results and the trace.
const SCENARIO = `
name: run-trace-out
duration: 400ms
hosts: [{ id: ph1, cpus: 2 }]
vmus:
  - id: vm
    host: ph1
    sla: { budget: 4ms, period: 10ms }
    tasks: [{ id: t, kind: periodic, period: 10ms, exec: { dist: uniform, min: 1ms, max: 5ms } }]
  - id: other
    host: ph1
    vcpus: 2
    sla: { budget: 6ms, period: 20ms }
    tasks:
      - { id: u, kind: periodic, period: 20ms, exec: { dist: uniform, min: 2ms, max: 9ms } }
      - { id: w, kind: periodic, period: 5ms, exec: 1ms }
models: [kvm-irmos, xen-credit]
`;

function scenarioDir(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-run-trace-out-'));
  const file = join(dir, 's.yaml');
  writeFileSync(file, SCENARIO);
  return { dir, file };
}

/** Every file of a folder, by relative path, as bytes. */
function folderBytes(dir: string): Record<string, string> {
  return Object.fromEntries(listTree(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
}

/** How often a simulator ran while `work` did (admission checks build simulators but do not run them). */
async function simulationsDuring(work: () => Promise<unknown>): Promise<number> {
  const run = vi.spyOn(Simulator.prototype, 'run');
  try {
    await work();
    return run.mock.calls.length;
  } finally {
    run.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('run --trace --out', () => {
  it.each([
    ['kvm-irmos', []],
    ['xen-credit', ['--seed', '7']],
  ])('under %s %j: the same folder, summary and trace as run --out and trace apart, from one simulation', async (model, seedFlags) => {
    const { dir, file } = scenarioDir();
    const out = join(dir, 'out');
    const separateTrace = join(dir, 'separate.trace.json');
    const combinedTrace = join(dir, 'combined.trace.json');

    let plain!: Awaited<ReturnType<typeof hvsimInProcess>>;
    expect(await simulationsDuring(async () => (plain = await hvsimInProcess(['run', file, '-m', model, ...seedFlags, '--out', out])))).toBe(1);
    expect(plain.code, plain.stderr).toBe(0);
    const separateFolder = folderBytes(out);
    rmSync(out, { recursive: true });
    const traced = await hvsimInProcess(['trace', file, '-m', model, ...seedFlags, '--out', separateTrace]);
    expect(traced.code, traced.stderr).toBe(0);

    let both!: Awaited<ReturnType<typeof hvsimInProcess>>;
    const runs = await simulationsDuring(async () => (both = await hvsimInProcess(['run', file, '-m', model, ...seedFlags, '--trace', combinedTrace, '--out', out])));
    expect(both.code, both.stderr).toBe(0);
    expect(runs).toBe(1);
    expect(both.stdout).toBe(plain.stdout);
    expect(folderBytes(out)).toEqual(separateFolder);
    expect(readFileSync(combinedTrace, 'utf8')).toBe(readFileSync(separateTrace, 'utf8'));
  });

  it('a different seed changes the trace (the comparison above can fail)', async () => {
    const { dir, file } = scenarioDir();
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    expect((await hvsimInProcess(['run', file, '-m', 'kvm-irmos', '--trace', a, '--out', join(dir, 'a')])).code).toBe(0);
    expect((await hvsimInProcess(['run', file, '-m', 'kvm-irmos', '--seed', '8', '--trace', b, '--out', join(dir, 'b')])).code).toBe(0);
    expect(readFileSync(a, 'utf8')).not.toBe(readFileSync(b, 'utf8'));
    expect(readFileSync(join(dir, 'a', 'results.json'), 'utf8')).not.toBe(readFileSync(join(dir, 'b', 'results.json'), 'utf8'));
  });
});
