// Start-up and whole processes (issue 14): `hvsim run` of a 1 ms scenario against `node -e 0`, and
// `hvsim run bench/edf-set.yaml` (100 s of the EDF set) as a whole process against the issue's
// 0.3 s. Each child reports its own CPU time (user + system, all threads) at exit through a
// preloaded hook, so ratios compare the work each process did, not how long the shared machine
// kept it waiting; wall time is shown beside. Runs alternate between the commands so a change in
// load touches them alike; medians are shown. The CLI runs with its command-line flags, as bin/hvsim.js's
// shebang starts it (bench/node-args.ts); `node -e 0` without.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliNodeArgs } from './node-args.js';

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

/** bin/hvsim.js: the bundled CLI users run (build/bundle-cli.mjs). */
const CLI = fileURLToPath(new URL('../../bin/hvsim.js', import.meta.url));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Command {
  label: string;
  args: string[];
  /** The exit code the command must end with (a usage error's is 2). */
  exitCode?: number;
  /** Environment variables added to the bench's (e.g. NODE_DEBUG=hvsim-timing). */
  env?: Record<string, string>;
}

interface Timings {
  cpuMs: number[][];
  wallMs: number[][];
  /** Each run's standard error, per command. */
  stderr: string[][];
  loadBefore: number;
  loadAfter: number;
}

/** `rounds` runs of each command, alternating, in a scratch folder that `prepare` may fill. */
function timeCommands(rounds: number, prepare: (dir: string) => Command[]): Timings & { commands: Command[] } {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-bench-startup-'));
  try {
    const hook = join(dir, 'cpu-hook.cjs');
    const cpuFile = join(dir, 'cpu');
    writeFileSync(hook, CPU_HOOK);
    const commands = prepare(dir);
    const cpuMs = commands.map(() => [] as number[]);
    const wallMs = commands.map(() => [] as number[]);
    const stderr = commands.map(() => [] as string[]);
    const loadBefore = loadavg()[0];
    for (let r = 0; r < rounds; r++) {
      commands.forEach(({ label, args, exitCode = 0, env = {} }, k) => {
        const started = performance.now();
        const out = spawnSync(process.execPath, ['-r', hook, ...args], { env: { ...process.env, ...env, HVSIM_BENCH_CPU_FILE: cpuFile }, encoding: 'utf8' });
        wallMs[k].push(performance.now() - started);
        if (out.status !== exitCode) throw new Error(`${label} exited ${out.status}, not ${exitCode}: ${out.stderr}`);
        cpuMs[k].push(Number(readFileSync(cpuFile, 'utf8')));
        stderr[k].push(out.stderr);
      });
    }
    return { commands, cpuMs, wallMs, stderr, loadBefore, loadAfter: loadavg()[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function startupTable(rounds = 9): void {
  const t = timeCommands(rounds, (dir) => {
    writeFileSync(join(dir, 'one-ms.json'), JSON.stringify(ONE_MS_SCENARIO, null, 2));
    writeFileSync(join(dir, 'one-ms.yaml'), JSON.stringify(ONE_MS_SCENARIO, null, 2)); // JSON is YAML: read by the YAML parser
    // The same entry unbundled (the ~150 compiled modules the tests run) shows what the bundle saves.
    const unbundled = fileURLToPath(new URL('../src/cli/entry.js', import.meta.url));
    return [
      { label: 'node -e 0', args: ['-e', '0'] },
      { label: 'hvsim run one-ms.json', args: cliNodeArgs(CLI, ['run', join(dir, 'one-ms.json')]) },
      { label: 'hvsim run one-ms.yaml', args: cliNodeArgs(CLI, ['run', join(dir, 'one-ms.yaml')]) },
      { label: 'hvsim run one-ms.json --json', args: cliNodeArgs(CLI, ['run', join(dir, 'one-ms.json'), '--json']) },
      { label: 'hvsim run one-ms.json -o x (a usage error: yargs reads it)', args: cliNodeArgs(CLI, ['run', join(dir, 'one-ms.json'), '-o', 'x']), exitCode: 2 },
      { label: 'hvsim run one-ms.json, unbundled (dist/src/cli/entry.js)', args: cliNodeArgs(unbundled, ['run', join(dir, 'one-ms.json')]) },
    ];
  });
  console.log(`\n## Start-up: a 1 ms scenario as a whole process (median of ${rounds}, load average ${t.loadBefore.toFixed(1)} → ${t.loadAfter.toFixed(1)})\n`);
  console.log('| command | CPU | wall | CPU ÷ node -e 0 |\n|---|---|---|---|');
  const base = median(t.cpuMs[0]);
  t.commands.forEach(({ label }, k) => {
    console.log(`| \`${label}\` | ${median(t.cpuMs[k]).toFixed(0)} ms | ${median(t.wallMs[k]).toFixed(0)} ms | ${(median(t.cpuMs[k]) / base).toFixed(2)}× |`);
  });
}

/** Issue 14: "100 s of that set whole-process in ≤ 0.3 s on 2 cores". */
const WHOLE_PROCESS_TARGET_S = 0.3;

/** `hvsim run bench/edf-set.yaml`: start-up, parsing, 100 s of the EDF set simulated, the summary. */
export function wholeProcessTable(rounds = 5): void {
  const edfSet = fileURLToPath(new URL('../../bench/edf-set.yaml', import.meta.url));
  const t = timeCommands(rounds, () => [
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'hvsim run bench/edf-set.yaml --model kvm-deadline', args: cliNodeArgs(CLI, ['run', edfSet, '--model', 'kvm-deadline']) },
    // The same run timing its phases: measured apart, so the row above is a user's run as it is.
    { label: 'hvsim run bench/edf-set.yaml --model kvm-deadline, NODE_DEBUG=hvsim-timing', args: cliNodeArgs(CLI, ['run', edfSet, '--model', 'kvm-deadline']), env: { NODE_DEBUG: 'hvsim-timing' } },
  ]);
  console.log(`\n## Whole process: 100 s of the EDF set (10 SCHED_DEADLINE threads, 1 CPU, U = 0.9; median of ${rounds}, load average ${t.loadBefore.toFixed(1)} → ${t.loadAfter.toFixed(1)})\n`);
  console.log(`Target (issue 14): ≤ ${WHOLE_PROCESS_TARGET_S} s on 2 cores, wall time on a quiet machine; CPU time counts V8's background compiler and GC threads too.\n`);
  console.log('| command | CPU | wall | wall ÷ target |\n|---|---|---|---|');
  t.commands.forEach(({ label }, k) => {
    const wall = median(t.wallMs[k]);
    console.log(`| \`${label}\` | ${(median(t.cpuMs[k]) / 1000).toFixed(2)} s | ${(wall / 1000).toFixed(2)} s | ${(wall / 1000 / WHOLE_PROCESS_TARGET_S).toFixed(2)} |`);
  });
  // Where the CLI's time went (NODE_DEBUG=hvsim-timing, src/cli/phase-timing.ts), medians per phase;
  // "exit" is what the bench saw after the summary: the process's end and the spawn's return.
  const runs = t.stderr[2].map(phasesOf);
  const names = Object.keys(runs[0]);
  console.log(`\nThe \`hvsim run\` by phase (NODE_DEBUG=hvsim-timing; "start" is Node's own start and the CLI's loading, from the process's time origin):\n`);
  console.log(`| ${names.join(' | ')} | exit |\n|${'---|'.repeat(names.length + 1)}`);
  const exitMs = runs.map((phases, r) => t.wallMs[2][r] - (phases.summary.at + phases.summary.wall));
  const cell = (values: number[]) => `${median(values).toFixed(0)} ms`;
  console.log(`| ${names.map((n) => `${cell(runs.map((p) => p[n].wall))} wall, ${cell(runs.map((p) => p[n].cpu))} CPU`).join(' | ')} | ${cell(exitMs)} wall |`);
}

/** The phases a process printed under NODE_DEBUG=hvsim-timing (src/cli/phase-timing.ts's printPhases), by name. */
export function phasesOf(stderr: string): Record<string, { at: number; wall: number; cpu: number }> {
  const phases: Record<string, { at: number; wall: number; cpu: number }> = {};
  for (const m of stderr.matchAll(/^HVSIM-TIMING \d+: (\w+) at=([\d.]+) wall=([\d.]+) cpu=([\d.]+)$/gm)) {
    phases[m[1]] = { at: Number(m[2]), wall: Number(m[3]), cpu: Number(m[4]) };
  }
  if (!phases.start || !phases.summary) throw new Error(`bench: no hvsim-timing phases in the CLI's standard error: ${stderr}`);
  return phases;
}
