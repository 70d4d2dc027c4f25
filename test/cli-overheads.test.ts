// `--overheads <none|measured|profile>` (issue 9 §3): every command that loads a scenario takes it,
// it replaces every host's overheads, and the summary, results.json and the report's setup say
// which overheads were assumed and where that came from. A scenario that says nothing keeps `none`,
// which only the terminal prints (results.json and committed reports stay as they were).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hvsimInProcess } from './helpers/cli.js';
import { OVERHEAD_PROFILES } from '../src/scenario/overheads.js';

function file(text: string, name = 's.yaml'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hvsim-overheads-')), name);
  writeFileSync(path, text);
  return path;
}

/** A SCHED_FIFO thread pre-empting a fair loop; the host keeps an old-style contextSwitch field. */
const FIFO = `
name: fifo-ov
duration: 1s
hosts: [{ id: ph, cpus: 1, tick: 4ms, contextSwitch: 1us }]
hostThreads:
  - { id: rt, host: ph, kind: periodic, period: 1ms, exec: 100us, policy: { class: fifo, priority: 50 } }
  - { id: hog, host: ph, kind: busy, policy: { class: fair } }
models: [{ name: kvm-linux, params: { kernel: "6.18" } }]
`;

type Results = {
  scenario: { assumptions: { overheads?: { value: string | null; source: string; note: string } } };
  runs: { tasks: { id: string; wakeup: { p50Ns: number; minNs: number; maxNs: number } }[] }[];
};
const rt = (r: Results) => r.runs[0].tasks.find((t) => t.id === 'rt')!;

describe('--overheads', () => {
  it('replaces the file\'s overheads on every host and is recorded as from the command line', async () => {
    const path = file(FIFO);
    const given = await hvsimInProcess(['run', path, '--overheads', 'firecracker-busy-host', '--json']);
    expect(given.code).toBe(0);
    const results = JSON.parse(given.stdout) as Results;
    expect(results.scenario.assumptions.overheads).toMatchObject({ value: 'firecracker-busy-host', source: 'flag' });
    expect(results.scenario.assumptions.overheads!.note).toContain(OVERHEAD_PROFILES['firecracker-busy-host'].machine);
    // The profile's busy-vCPU wake-up: its median exactly (no minimum measured), never above its max.
    const busy = OVERHEAD_PROFILES['firecracker-busy-host'].busyWakeup;
    expect(rt(results).wakeup.minNs).toBe(busy.p50);
    expect(rt(results).wakeup.maxNs).toBeLessThanOrEqual(busy.max);
    // Without the flag: the file's 1 µs context switch, nothing else, and no overheads entry in results.json.
    const plain = JSON.parse((await hvsimInProcess(['run', path, '--json'])).stdout) as Results;
    expect(plain.scenario.assumptions.overheads).toBeUndefined();
    expect([rt(plain).wakeup.minNs, rt(plain).wakeup.maxNs]).toEqual([1000, 1000]);
    // `none` on the command line clears the file's context switch too.
    const none = JSON.parse((await hvsimInProcess(['run', path, '--overheads', 'none', '--json'])).stdout) as Results;
    expect(none.scenario.assumptions.overheads).toMatchObject({ value: 'none', source: 'flag' });
    expect(rt(none).wakeup.maxNs).toBe(0);
  });

  it('the summary always says which overheads were assumed, none included', async () => {
    const path = file(FIFO);
    expect((await hvsimInProcess(['run', path])).stdout).toMatch(/assumed overheads: none, from default/);
    expect((await hvsimInProcess(['run', path, '--overheads', 'measured'])).stdout).toMatch(/assumed overheads: measured, from the command line .*firecracker-quiet-host/);
    const stated = file(FIFO.replace('contextSwitch: 1us', 'overheads: firecracker-quiet-host'));
    expect((await hvsimInProcess(['run', stated])).stdout).toMatch(/assumed overheads: firecracker-quiet-host, from the file \(hosts\[\]\.overheads/);
  });

  it('a bad value is exit 2 with a did-you-mean, and nothing is written', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hvsim-overheads-')), 'out');
    const required: Record<string, string[]> = { trace: ['-m', 'kvm-linux'], sweep: ['--set', '/duration=1s,2s'] };
    for (const command of ['run', 'compare', 'validate', 'trace', 'isolation', 'sweep']) {
      const r = await hvsimInProcess([command, file(FIFO), ...(required[command] ?? []), '--overheads', 'firecraker-busy-host']);
      expect(r.code, command).toBe(2);
      expect(r.stderr, command).toMatch(/\/overheads.*firecracker-quiet-host.*firecracker-busy-host/s);
      expect(r.stderr, command).toMatch(/did you mean "firecracker-busy-host"\?/);
    }
    const report = await hvsimInProcess(['report', join(tmpdir(), 'no-such-folder'), '--out', out, '--overheads', 'fast']);
    expect(report.code).toBe(2);
    expect(report.stderr).toMatch(/\/overheads/);
    expect(existsSync(out)).toBe(false);
  });

  it("reaches the report's setup and the rt-app import", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hvsim-overheads-')), 'out');
    expect((await hvsimInProcess(['compare', file(FIFO), '--out', out, '--overheads', 'firecracker-quiet-host'])).code).toBe(0);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| overheads \| firecracker-quiet-host \| the command line \|/);
    const rtapp = file(JSON.stringify({ global: { duration: 1, calibration: 20 }, tasks: { rt: { policy: 'SCHED_FIFO', priority: 50, cpus: [0], runtime: 2000, timer: { ref: 'unique', period: 10000 } } } }), 'w.json');
    const r = await hvsimInProcess(['run', rtapp, '--cpus', '1', '--kernel', '6.18', '--hz', '250', '--overheads', 'firecracker-busy-host', '-m', 'kvm-linux', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Results).scenario.assumptions.overheads).toMatchObject({ value: 'firecracker-busy-host', source: 'flag' });
  });
});
