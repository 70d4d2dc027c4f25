// `hvsim sweep`, `hvsim merge` as a user meets them (the built CLI): a point is exactly a `run` of
// the scenario with that value written into the file; the outputs are byte-identical whatever the
// number of worker threads, after an interrupted run resumed from the cache, and when merged from
// shards; bad pointers, values and units are exit 2 with nothing written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, hvsimSpawn as hvsim } from './helpers/spawn-cli.js';
import { NODE_FLAGS } from '../src/jit-tuning.js';


/** The scenario with `budget` for VMU vm written into the text itself (not through --set). */
const scenario = (budget: string, duration = '2s') => `
name: sweep-cli
duration: ${duration}
hosts: [{ id: ph1, cpus: 1 }]
vmus:
  - id: vm
    host: ph1
    sla: { budget: ${budget}, period: 10ms }
    tasks: [{ id: t, kind: periodic, period: 10ms, exec: { dist: uniform, min: 500us, max: 1500us } }]
  - id: other
    host: ph1
    sla: { budget: 5ms, period: 20ms }
    tasks: [{ id: u, kind: periodic, period: 20ms, exec: 4ms }]
models: [kvm-irmos, kvm-linux]
`;

function workspace(text = scenario('2ms')): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-sweep-'));
  writeFileSync(join(dir, 's.yaml'), text);
  return { dir, file: 's.yaml' };
}

const outputs = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));

describe('hvsim sweep', () => {
  it('each point under each model equals `hvsim run` of the scenario with that value in the file (byte-equal results)', () => {
    const { dir, file } = workspace();
    const r = hvsim(['sweep', file, '--set', '/vmus/0/sla/budget=1ms,2.5ms', '--out', 'out', '--no-use-cache', '--no-png'], dir);
    expect(r.code, r.stderr).toBe(0);
    const sweep = JSON.parse(readFileSync(join(dir, 'out', 'sweep.json'), 'utf8'));
    expect(sweep.models).toEqual(['kvm-irmos', 'kvm-linux']);
    ['1ms', '2.5ms'].forEach((budget, i) => {
      writeFileSync(join(dir, `v${i}.yaml`), scenario(budget));
      expect(sweep.points[i].set).toEqual({ '/vmus/0/sla/budget': budget });
      sweep.models.forEach((model: string, m: number) => {
        const run = hvsim(['run', `v${i}.yaml`, '-m', model, '--json'], dir);
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.stringify(sweep.points[i].runs[m].run)).toBe(JSON.stringify(JSON.parse(run.stdout).runs[0]));
      });
    });
    // The two budgets differ in what the VMU gets: the sweep really changed the scenario.
    expect(sweep.points[0].runs[0].run.vmus[0].cpuShare).toBeLessThan(sweep.points[1].runs[0].run.vmus[0].cpuShare);
  });

  it('writes the same bytes (JSON, CSV, chart) on no worker thread and on two', () => {
    const { dir, file } = workspace();
    const args = ['sweep', file, '--set', '/vmus/0/sla/budget=1ms..3ms:1ms', '--set', '/seed=1,2', '--no-use-cache'];
    expect(hvsim([...args, '--out', 'a'], dir, 0).code).toBe(0);
    expect(hvsim([...args, '--out', 'b'], dir, 2).code).toBe(0);
    const a = outputs(join(dir, 'a'));
    expect(Object.keys(a)).toEqual(['sweep-response.max-1.png', 'sweep-response.max-2.png', 'sweep.csv', 'sweep.json']);
    expect(outputs(join(dir, 'b'))).toEqual(a);
    // A row per point, model and task: 6 points × 2 models × 2 tasks, and the header.
    expect(readFileSync(join(dir, 'a', 'sweep.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 6 * 2 * 2);
  });

  it('an interrupted sweep resumes: the rerun simulates only the points the cache lacks, and writes what an uninterrupted run writes', async () => {
    const { dir, file } = workspace(scenario('2ms', '60s'));
    const args = ['sweep', file, '--set', '/vmus/0/sla/budget=1ms..4ms:0.5ms', '--models', 'kvm-irmos', '--cache', 'cache', '--no-png'];
    const total = 7;
    const entries = () => (existsSync(join(dir, 'cache')) ? readdirSync(join(dir, 'cache')).flatMap((d) => readdirSync(join(dir, 'cache', d))).filter((f) => f.endsWith('.json')).length : 0);
    const child = spawn(process.execPath, [...NODE_FLAGS, CLI, ...args, '--out', 'first'], { cwd: dir, env: { ...process.env, HVSIM_WORKERS: '1' }, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 50_000;
    while (entries() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const k = entries();
    expect(k).toBeGreaterThanOrEqual(2);
    expect(k).toBeLessThan(total);
    expect(existsSync(join(dir, 'first', 'sweep.json'))).toBe(false);
    const resumed = hvsim([...args, '--out', 'resumed'], dir, 1);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`${k} from the cache, ${total - k} simulated`);
    const fresh = hvsim([...args, '--out', 'fresh', '--no-use-cache'], dir, 1);
    expect(outputs(join(dir, 'resumed'))).toEqual(outputs(join(dir, 'fresh')));
    // Nothing left to do the third time.
    expect(hvsim([...args, '--out', 'again'], dir).stdout).toContain(`${total} from the cache, 0 simulated`);
  });

  it('--shard i/n writes partial results that `hvsim merge` joins into exactly the unsharded outputs', () => {
    const { dir, file } = workspace();
    const args = ['sweep', file, '--set', '/vmus/0/sla/budget=1ms..3ms:0.5ms', '--no-use-cache'];
    expect(hvsim([...args, '--out', 'whole'], dir).code).toBe(0);
    for (const i of [1, 2, 3]) {
      const r = hvsim([...args, '--shard', `${i}/3`, '--out', 'parts'], dir);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(readdirSync(join(dir, 'parts')).sort()).toEqual(['part-1-of-3.json', 'part-2-of-3.json', 'part-3-of-3.json']);
    const missing = hvsim(['merge', 'parts/part-1-of-3.json', 'parts/part-3-of-3.json', '--out', 'merged'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/covering all 10 jobs/);
    expect(existsSync(join(dir, 'merged'))).toBe(false);
    const merged = hvsim(['merge', 'parts/part-3-of-3.json', 'parts/part-1-of-3.json', 'parts/part-2-of-3.json', '--out', 'merged'], dir);
    expect(merged.code, merged.stderr).toBe(0);
    expect(outputs(join(dir, 'merged'))).toEqual(outputs(join(dir, 'whole')));
  });

  it("a model's admission refusal at a point is that point's result; the other model runs it", () => {
    const { dir, file } = workspace();
    // 0.2 + 18/20 = 1.1 of the pCPU reserved: above kvm-irmos's per-CPU bound of 0.95; Credit admits anything.
    const r = hvsim(['sweep', file, '--set', '/vmus/1/sla/budget=5ms,18ms', '--models', 'kvm-irmos,xen-credit', '--out', 'out', '--no-use-cache', '--no-png'], dir);
    expect(r.code, r.stderr).toBe(0);
    const sweep = JSON.parse(readFileSync(join(dir, 'out', 'sweep.json'), 'utf8'));
    expect(sweep.points[0].runs.map((o: object) => 'run' in o)).toEqual([true, true]);
    expect(sweep.points[1].runs[0]).toEqual({ model: 'kvm-irmos', refused: expect.stringMatching(/^refused by admission\/configuration: .*s\.yaml/) });
    expect(sweep.points[1].runs[1].run.model).toBe('xen-credit');
    expect(readFileSync(join(dir, 'out', 'sweep.csv'), 'utf8')).toMatch(/^1,18ms,kvm-irmos,refused,/m);
  });

  it.each([
    [['--set', '/vmus/5/sla/budget=1ms'], /<command line> at \/set: .*\/vmus is a list of 2/],
    [['--set', '/vmus/0/sla/budget=2xs'], /s\.yaml:\d+ at \/vmus\/0\/sla\/budget: expected a duration.*\n.*at the sweep point \/vmus\/0\/sla\/budget="2xs"/],
    [['--set', '/vmus/0/sla/budget=1ms..2ms:0s'], /at \/set: expected a range step > 0/],
    [['--set', '/vmus/0/sla/budget=1ms..2:1'], /mixed kinds/],
    [['--set', '/vmus/0/sla/budget=1ms,20ms'], /budget.*period|period.*budget/],
    [['--set', '/vmus/0/sla/budget=1ms', '--metric', 'p99'], /at \/metric: expected one of/],
    [['--set', '/vmus/0/sla/budget=1ms', '--shard', '4/3'], /at \/shard: expected i\/n/],
    [['--set', '/vmus/0/sla/budget=1ms', '--task', 'nope'], /at \/task: expected a task of the sweep \(t, u\)/],
    [['--set', '/vmus/0/sla/budget=1ms', '--x', '/seed'], /at \/x: expected one of the --set pointers/],
    [[], /at least one --set/],
  ])('bad input %j: exit 2, one message, nothing written', (extra, message) => {
    const { dir, file } = workspace();
    const r = hvsim(['sweep', file, ...extra, '--out', 'out', '--cache', 'cache'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(existsSync(join(dir, 'cache'))).toBe(false);
  });
});
