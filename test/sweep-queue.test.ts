// The distributed sweep on a real Redis (Debian package redis-server, started here on a free
// loopback port): two `hvsim worker` processes serve `hvsim sweep --queue`, one is killed while it
// runs a point, BullMQ's stalled-job check hands that point to the other worker, and the outputs
// are byte-identical to a local run. Without redis-server on PATH the test is skipped and says why.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/spawn-cli.js';
import { NODE_FLAGS } from '../src/jit-tuning.js';

const redisFound = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
const SKIP_REASON = 'skipped: no redis-server on PATH (Debian package redis-server; .ci/run installs it)';
if (!redisFound) console.warn(`test/sweep-queue.test.ts ${SKIP_REASON}`);

const SCENARIO = `
name: sweep-queue
duration: 100s
hosts: [{ id: ph1, cpus: 1 }]
vmus:
  - id: vm
    host: ph1
    sla: { budget: 2ms, period: 10ms }
    tasks: [{ id: t, kind: periodic, period: 10ms, exec: { dist: uniform, min: 500us, max: 1500us } }]
  - id: other
    host: ph1
    sla: { budget: 5ms, period: 20ms }
    tasks: [{ id: u, kind: periodic, period: 20ms, exec: 4ms }]
`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A child process with its stderr (and stdout) collected, and a way to wait for a line. */
function start(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, ms: number) => {
    const until = Date.now() + ms;
    while (!pattern.test(output)) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern} in:\n${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return pattern.exec(output)!;
  };
  return { child, exited, waitFor, output: () => output };
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const outputs = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));

describe(`hvsim sweep --queue with hvsim worker${redisFound ? '' : ` (${SKIP_REASON})`}`, () => {
  it.skipIf(!redisFound)(
    'a worker killed mid-point: its point runs on the other worker, and the outputs equal a local run byte for byte',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hvsim-queue-'));
      writeFileSync(join(dir, 's.yaml'), SCENARIO);
      const port = await freePort();
      const url = `redis://127.0.0.1:${port}`;
      const redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], dir);
      started.push(redis.child);
      await redis.waitFor(/Ready to accept connections/, 20_000);
      const workers = [1, 2].map(() => start(process.execPath, [...NODE_FLAGS, CLI, 'worker', url, '--stall-timeout', '1s'], dir, { HVSIM_WORKERS: '1' }));
      started.push(...workers.map((w) => w.child));
      for (const w of workers) await w.waitFor(/serving hvsim-sweep-/, 30_000);

      const args = ['sweep', 's.yaml', '--set', '/vmus/0/sla/budget=1ms..4.5ms:0.5ms', '--models', 'kvm-irmos', '--no-use-cache'];
      const sweep = start(process.execPath, [...NODE_FLAGS, CLI, ...args, '--queue', url, '--out', 'queued'], dir);
      started.push(sweep.child);
      // Kill the first worker as soon as it has started a point (each takes about a second).
      const [, killedJob] = await workers[0].waitFor(/start ([0-9a-f]{12})/, 60_000);
      workers[0].child.kill('SIGKILL');
      await workers[0].exited;
      expect(workers[0].output()).not.toContain(`done ${killedJob}`);

      expect(await sweep.exited, sweep.output()).toBe(0);
      expect(sweep.output()).toContain('0 from the cache, 8 simulated');
      expect(sweep.output()).toContain(`simulated 8 job(s) on the queue ${url}`);
      // The stalled point was taken up again by the surviving worker.
      expect(workers[1].output()).toContain(`start ${killedJob}`);
      expect(workers[1].output()).toContain(`done ${killedJob}`);

      const local = start(process.execPath, [...NODE_FLAGS, CLI, ...args, '--out', 'local'], dir, { HVSIM_WORKERS: '1' });
      expect(await local.exited, local.output()).toBe(0);
      expect(outputs(join(dir, 'queued'))).toEqual(outputs(join(dir, 'local')));

      workers[1].child.kill('SIGTERM');
      redis.child.kill('SIGTERM');
      await Promise.all([workers[1].exited, redis.exited]);
    },
    180_000,
  );
});
