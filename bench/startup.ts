// Start-up (issue 14): `hvsim run` of a 1 ms scenario against `node -e 0`, both as whole processes.
// Each child reports its own CPU time (user + system) at exit through a preloaded hook, so the
// ratio compares the work each process did, not how long the shared machine kept it waiting.
// Runs alternate between the commands so a change in load touches them alike; medians are shown.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Two single-CPU VMUs under kvm-irmos for 1 ms: loading, validation and one model's set-up dominate. */
const ONE_MS_SCENARIO = {
  name: 'startup-1ms',
  duration: '1ms',
  seed: 1,
  hosts: [{ id: 'ph1', cpus: 1 }],
  vmus: [
    { id: 'fast', host: 'ph1', sla: { budget: '2ms', period: '5ms' }, tasks: [{ id: 't5', kind: 'periodic', period: '5ms', exec: '2ms' }] },
    { id: 'slow', host: 'ph1', sla: { budget: '3.4ms', period: '7ms' }, tasks: [{ id: 't7', kind: 'periodic', period: '7ms', exec: '3.4ms' }] },
  ],
  models: ['kvm-irmos'],
};

/** Preloaded into every child (`-r`): write its CPU time in ms to $HVSIM_BENCH_CPU_FILE at exit. */
const CPU_HOOK = `process.on('exit', () => { const u = process.cpuUsage(); require('node:fs').writeFileSync(process.env.HVSIM_BENCH_CPU_FILE, String((u.user + u.system) / 1000)); });\n`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function startupTable(rounds = 9): void {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-bench-startup-'));
  try {
    const hook = join(dir, 'cpu-hook.cjs');
    const cpuFile = join(dir, 'cpu');
    writeFileSync(hook, CPU_HOOK);
    writeFileSync(join(dir, 'one-ms.json'), JSON.stringify(ONE_MS_SCENARIO, null, 2));
    writeFileSync(join(dir, 'one-ms.yaml'), JSON.stringify(ONE_MS_SCENARIO, null, 2)); // JSON is YAML: read by the YAML parser
    // bin/hvsim.js is the CLI users run: the bundle `npm run build` makes (build/bundle-cli.mjs).
    // The same entry unbundled (the ~150 compiled modules the tests run) shows what the bundle saves.
    const cli = fileURLToPath(new URL('../../bin/hvsim.js', import.meta.url));
    const unbundled = fileURLToPath(new URL('../src/cli/entry.js', import.meta.url));
    const commands: [string, string[]][] = [
      ['node -e 0', ['-e', '0']],
      ['hvsim run one-ms.json', [cli, 'run', join(dir, 'one-ms.json')]],
      ['hvsim run one-ms.yaml', [cli, 'run', join(dir, 'one-ms.yaml')]],
      ['hvsim run one-ms.json --json', [cli, 'run', join(dir, 'one-ms.json'), '--json']],
      ['hvsim run one-ms.json, unbundled (dist/src/cli/entry.js)', [unbundled, 'run', join(dir, 'one-ms.json')]],
    ];
    const cpu = commands.map(() => [] as number[]);
    const wall = commands.map(() => [] as number[]);
    const loadBefore = loadavg()[0];
    for (let r = 0; r < rounds; r++) {
      commands.forEach(([label, args], k) => {
        const started = performance.now();
        const out = spawnSync(process.execPath, ['-r', hook, ...args], { env: { ...process.env, HVSIM_BENCH_CPU_FILE: cpuFile }, encoding: 'utf8' });
        wall[k].push(performance.now() - started);
        if (out.status !== 0) throw new Error(`${label} exited ${out.status}: ${out.stderr}`);
        cpu[k].push(Number(readFileSync(cpuFile, 'utf8')));
      });
    }
    console.log(`\n## Start-up: a 1 ms scenario as a whole process (median of ${rounds}, load average ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)})\n`);
    console.log('| command | CPU | wall | CPU ÷ node -e 0 |\n|---|---|---|---|');
    const base = median(cpu[0]);
    commands.forEach(([label], k) => {
      console.log(`| \`${label}\` | ${median(cpu[k]).toFixed(0)} ms | ${median(wall[k]).toFixed(0)} ms | ${(median(cpu[k]) / base).toFixed(2)}× |`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
