// npm run bench (third part): `hvsim sweep` of N points against N × one run's simulation / cores —
// the cost issue 12 promises. The baseline runs each point's job in this thread, one after the
// other (resolving the scenario and simulating, as a worker thread does); the sweep is the whole
// command (planning, worker threads, writing JSON, CSV and a chart; a fresh cache), run through the
// CLI's entry in this process, and again with every point cached, which leaves its fixed cost.
// CPU time (user + system of every thread) is shown beside wall time: on a shared machine the
// wall ratio measures the other users too, the CPU ratio only the sweep's own overhead. A ratio near 1 means the threads are used fully; the fixed start-up and the other
// users of a shared machine (load average shown) push it up.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as hvsim } from '../src/cli/main.js';
import { planSweep } from '../src/experiments/sweep-plan.js';
import { runSweepJob } from '../src/experiments/sweep-job.js';

const SCENARIO = `
name: bench-sweep
duration: 600s
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

function cpuS(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function timed(work: () => unknown): Promise<{ wallS: number; cpuS: number }> {
  const wall = performance.now();
  const cpu = cpuS();
  await work();
  return { wallS: (performance.now() - wall) / 1000, cpuS: cpuS() - cpu };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-bench-sweep-'));
  const set = '/vmus/0/sla/budget=1ms..6.75ms:0.25ms';
  const cores = availableParallelism();
  process.env.HVSIM_WORKERS = String(cores);
  try {
    const file = join(dir, 's.yaml');
    writeFileSync(file, SCENARIO);
    const plan = planSweep(file, [set], { models: 'kvm-irmos' });
    const n = plan.jobs.length;
    const load = loadavg()[0];
    const serial = await timed(() => plan.jobs.forEach((j) => runSweepJob(undefined, j.job)));
    const sweep = async () => {
      const write = process.stdout.write;
      process.stdout.write = (() => true) as typeof process.stdout.write;
      try {
        const code = await hvsim(['sweep', file, '--set', set, '--models', 'kvm-irmos', '--cache', join(dir, 'cache'), '--out', join(dir, 'out')]);
        if (code !== 0) throw new Error(`hvsim sweep exited ${code}`);
      } finally {
        process.stdout.write = write;
      }
    };
    const whole = await timed(sweep);
    const fixed = await timed(sweep); // every point from the cache now
    const ideal = serial.wallS / cores;
    const row = (what: string, t: { wallS: number; cpuS: number }) => console.log(`| ${what} | ${t.wallS.toFixed(2)} s | ${t.cpuS.toFixed(2)} s |`);
    console.log(`\n## Sweep: ${n} points vs ${n} × one run / cores\n`);
    console.log(`Machine: ${cores} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; load average ${load.toFixed(1)} at start.\n`);
    console.log('| what | wall | CPU |\n|---|---|---|');
    row(`${n} runs one after the other in one thread (N × one run)`, serial);
    row(`\`hvsim sweep\` of the ${n} points on ${cores} worker threads`, whole);
    row('the same sweep again, every point from the cache (planning, outputs)', fixed);
    console.log(`\nWall: sweep / (N × one run / ${cores} cores) = ${(whole.wallS / ideal).toFixed(2)}. CPU: sweep / N × one run = ${(whole.cpuS / serial.cpuS).toFixed(2)} (its overhead: thread start-up, code loaded once per thread, resolving each point).`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
