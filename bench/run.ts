// npm run bench: throughput and memory, reported with the machine they were measured on.
// Not part of `npm test`: numbers depend on the machine, so nothing here asserts a time.
//   node dist/bench/run.js               all benchmarks
//   node dist/bench/run.js --child C S [W]   one run of case C for S simulated seconds (prints JSON;
//                                        the bench starts it with node's flags from bench/node-args.ts),
//                                        after an unmeasured W-second run of it (JIT warm-up)
//   node dist/bench/run.js startup       only the start-up and whole-process tables
//   node dist/bench/run.js memory        only the memory-per-task tables (10 s and 100 s)
// Cases: ref/<model>/<cpus> (the reference scenario scaled to <cpus> pCPUs), edf-threads, edf-guest.

import { NODE_FLAGS } from '../src/jit-tuning.js'; // first, as in bin/hvsim.js: the engine is measured as the CLI runs it
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { EventPhase, EventQueue, type Timer } from '../src/engine/event-queue.js';
import { Rng } from '../src/engine/rng.js';
import { Simulator } from '../src/engine/simulator.js';
import type { HypervisorModel } from '../src/engine/model.js';
import type { Scenario } from '../src/scenario/types.js';
import { findModel } from '../models/index.js';
import { referenceScenario } from './reference.js';
import { edfGuest, edfHostThreads } from './edf-set.js';
import { topSelfTime } from './profile.js';
import { startupTable, wholeProcessTable } from './startup.js';
import { CHILD_GLIBC_TUNABLES, childEnv, childNodeArgs } from './node-args.js';

interface ChildResult {
  name: string;
  simulatedS: number;
  wallS: number;
  /** CPU time (user + system, all threads) the run took: steadier than wall time on a shared machine. */
  cpuS: number;
  /** Events of the run, host ticks skipped as provably empty included (Simulator.eventsFired). */
  events: number;
  /** Those skipped ticks: the event queue handled events − ticksSkipped. */
  ticksSkipped: number;
  jobs: number;
  tasks: number;
  maxRssMiB: number;
  /** RSS before the scenario was built: the runtime and loaded modules. */
  startRssMiB: number;
  heapAfterGcMiB: number;
  /** Typed arrays' backing stores after that collection (histogram logs): outside the heap, inside RSS. */
  arrayBuffersAfterGcMiB: number;
  /** V8's young generation (both semi-spaces) at the end of the run: it grows with what survives a scavenge, not with the tasks held. */
  newSpaceMiB: number;
  /** The young generation's pages touched when the start RSS was read (V8's physical size of the new space). */
  newSpaceTouchedAtStartMiB: number;
}

interface BenchCase {
  scenario: Scenario;
  model: HypervisorModel;
  params: Record<string, unknown>;
}

function benchCase(name: string, durationNs: number): BenchCase {
  if (name === 'edf-threads') return { scenario: edfHostThreads(durationNs), model: findModel('kvm-deadline', '<bench>', ''), params: {} };
  // Each vCPU is a whole pCPU: the guest's own EDF alone decides (see bench/edf-set.ts).
  if (name === 'edf-guest') return { scenario: edfGuest(durationNs), model: findModel('kvm-irmos', '<bench>', ''), params: { admissionBound: 1 } };
  const [kind, model, cpuCount] = name.split('/');
  if (kind !== 'ref') throw new Error(`unknown bench case ${name}`);
  return { scenario: referenceScenario(durationNs, Number(cpuCount)), model: findModel(model, '<bench>', ''), params: {} };
}

function holdModel(pending: number, operations: number): number {
  // Classic hold model: `pending` timers; each firing re-arms itself an exponential time later.
  // The increments are drawn beforehand so the loop measures the event set, not Math.log.
  const q = new EventQueue();
  const rng = new Rng(42, 'hold');
  const increments = Float64Array.from({ length: 1 << 16 }, () => 1 + Math.floor(rng.exponential(1_000_000)));
  let next = 0;
  let fired = 0;
  for (let i = 0; i < pending; i++) {
    const t: Timer = q.timer(EventPhase.release, (at) => {
      fired++;
      t.arm(at + increments[next++ & 0xffff]);
    });
    t.arm(increments[next++ & 0xffff]);
  }
  const start = process.hrtime.bigint();
  while (fired < operations) q.fireNext();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return operations / seconds;
}

/**
 * Short-lived garbage enough to pass through both semi-spaces several times, so every page of a
 * young generation already at its final size is touched. Each array is stored (a ring of 1024) so
 * the optimising compiler cannot prove it dead and leave the allocation out.
 */
function touchYoungGeneration(): void {
  const ring: number[][] = new Array(1024);
  for (let i = 0; i < 4_000_000; i++) ring[i & 1023] = [i, i + 1];
}

const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');

function child(name: string, simulatedS: number, warmS = 0, fillYoung = false): ChildResult {
  const MiB = 2 ** 20;
  if (fillYoung) touchYoungGeneration();
  const newSpaceTouchedAtStartMiB = (newSpace()?.physical_space_size ?? 0) / MiB;
  // An unmeasured run of the same case first: the measured one then runs JIT-compiled code from its
  // first event (the steady-state rate; a short run is otherwise mostly V8's warm-up).
  if (warmS > 0) {
    const w = benchCase(name, warmS * 1e9);
    new Simulator(w.scenario, w.model, { params: w.params }).run();
  }
  const startRssMiB = process.memoryUsage.rss() / MiB;
  const c = benchCase(name, simulatedS * 1e9);
  const sim = new Simulator(c.scenario, c.model, { params: c.params });
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  sim.run();
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const jobs = sim.tasks.reduce((sum, t) => sum + t.stats.completed, 0);
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  const newSpaceMiB = (newSpace()?.space_size ?? 0) / MiB;
  // Live heap after a full collection: what the run holds, whatever the GC's lazy peak RSS is. Twice:
  // the backing stores of typed arrays that died in the old generation (outgrown histogram pools) are
  // released only by the collection after the one that finds them dead (measured: at 1024 tasks after
  // 100 s, 11.0 MiB of array buffers after one collection, 6.4 MiB after two, then steady).
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return {
    name, simulatedS, wallS, cpuS, events: sim.eventsFired, ticksSkipped: sim.ticksSkipped, jobs, tasks: sim.tasks.length,
    maxRssMiB, startRssMiB, heapAfterGcMiB: heapUsed / MiB, arrayBuffersAfterGcMiB: arrayBuffers / MiB, newSpaceMiB, newSpaceTouchedAtStartMiB,
  };
}

function runChild(name: string, simulatedS: number, nodeFlags: string[] = [], warmS = 0, childFlags: string[] = []): ChildResult {
  const script = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, childNodeArgs(script, ['--child', name, String(simulatedS), String(warmS), ...childFlags], nodeFlags), { encoding: 'utf8', env: childEnv() });
  return JSON.parse(out) as ChildResult;
}

const M = (x: number) => `${(x / 1e6).toFixed(2)} M`;
// Rates per CPU second of the run (see ChildResult.cpuS): on a quiet machine that is its wall time.
const rate = (r: ChildResult) => `${M(r.events / r.cpuS)} | ${M(r.jobs / r.cpuS)} | ${(r.simulatedS / r.cpuS).toFixed(1)}×`;
const times = (r: ChildResult) => `${r.cpuS.toFixed(2)} s | ${r.wallS.toFixed(2)} s`;
/** The machine's 1-minute load average when a row was measured (2 cores: above 2, others share them). */
const load = () => loadavg()[0].toFixed(1);
const perTaskKiB = (r: ChildResult) => ((r.maxRssMiB - r.startRssMiB) * 1024) / r.tasks;

function scaleTable(): void {
  console.log('\n## Scale: the reference scenario on 1–64 pCPUs (4 VMUs per pCPU, 4 tasks per VMU), kvm-irmos\n');
  console.log('RSS per task: (peak RSS − RSS before the scenario is built) / tasks, which charges the GC heap\'s fixed');
  console.log('growth to the few tasks of a small host; marginal: peak RSS over the 1-pCPU run\'s, per task added.\n');
  console.log('| pCPUs | VMUs | tasks | simulated | CPU | wall | events/s | jobs/s | × real time | peak RSS | RSS per task | marginal | load |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  // Shorter runs on bigger hosts: about the same number of events each.
  let smallest: ChildResult | undefined;
  for (const [cpuCount, seconds] of [[1, 200], [4, 60], [16, 20], [64, 10]]) {
    const r = runChild(`ref/kvm-irmos/${cpuCount}`, seconds);
    smallest ??= r;
    const marginal = r === smallest ? '–' : `${(((r.maxRssMiB - smallest.maxRssMiB) * 1024) / (r.tasks - smallest.tasks)).toFixed(1)} KiB`;
    console.log(
      `| ${cpuCount} | ${4 * cpuCount} | ${r.tasks} | ${seconds} s | ${times(r)} | ${rate(r)} | ${r.maxRssMiB.toFixed(0)} MiB | ${perTaskKiB(r).toFixed(1)} KiB | ${marginal} | ${load()} |`,
    );
  }
}

/**
 * Memory per task, measured as a slope: the same run of the reference scenario at two host sizes,
 * (peak RSS − RSS before the build) of the large one minus the small one's, per task added. Two
 * things in a peak do not come from the tasks and are taken out:
 * - V8's young generation: its pages are touched as garbage fills it, so a run that allocates less
 *   (a small host, or less garbage per job) touches fewer of them, and the slope charged the tasks
 *   with the difference (10.3–21.8 KiB where 6–7 was held: bench/RESULTS.md, fifth session). These
 *   children start it at its cap (`--min-semi-space-size` equal to NODE_FLAGS's maximum) and touch
 *   every page before the RSS start is read, so it is inside the start of both runs.
 * - the timing of the old generation's collections, which moves a peak by a few MiB from run to
 *   run: the median of five runs per size.
 * Two durations: 10 s at 1024 and 4096 tasks, and 100 s at 256 and 1024 tasks, since a task's
 * histograms grow with the buckets its latencies reach (a log of 1024 values, then chunked counts):
 * after 10 s no histogram of this scenario has left its log, after 100 s three tasks in four have.
 * The live heap (after two full collections) is shown beside: what the tasks hold, without the
 * garbage a collector lets accumulate before it runs, which the peak rightly includes.
 */
function memoryTable(): void {
  const semiSpaceFlag = NODE_FLAGS.find((flag) => flag.startsWith('--max-semi-space-size='));
  if (!semiSpaceFlag) throw new Error('NODE_FLAGS no longer caps the young generation: the memory table needs that cap to fix its size');
  const youngAtItsCap = [semiSpaceFlag.replace('--max-', '--min-')];
  const RUNS = 5;
  console.log('\n## Memory per task: the reference scenario, kvm-irmos, slope between two host sizes\n');
  console.log(`Young generation at its cap from the start (\`${youngAtItsCap[0]}\`) and touched before the start is read; median of ${RUNS} runs per size.\n`);
  console.log('| simulated | pCPUs | tasks | peak RSS over start (runs) | young generation (touched at start) | live heap + array buffers after GC | load |\n|---|---|---|---|---|---|---|');
  const slopes: string[] = [];
  for (const [seconds, sizes] of [[10, [64, 256]], [100, [16, 64]]] as const) {
    const [small, big] = sizes.map((cpuCount) => {
      const runs = Array.from({ length: RUNS }, () => runChild(`ref/kvm-irmos/${cpuCount}`, seconds, youngAtItsCap, 0, ['fill-young']));
      const peaks = runs.map((r) => r.maxRssMiB - r.startRssMiB);
      const peak = [...peaks].sort((x, y) => x - y)[RUNS >> 1];
      const r = runs[0];
      const live = r.heapAfterGcMiB + r.arrayBuffersAfterGcMiB;
      console.log(`| ${seconds} s | ${cpuCount} | ${r.tasks} | ${peak.toFixed(1)} MiB (${peaks.map((p) => p.toFixed(1)).join(', ')}) | ${r.newSpaceMiB.toFixed(0)} MiB (${r.newSpaceTouchedAtStartMiB.toFixed(0)}) | ${live.toFixed(1)} MiB | ${load()} |`);
      return { tasks: r.tasks, peak, live };
    });
    const perTask = (mib: number) => `${((mib * 1024) / (big.tasks - small.tasks)).toFixed(1)} KiB`;
    slopes.push(`${seconds} s, ${small.tasks} → ${big.tasks} tasks: peak RSS ${perTask(big.peak - small.peak)}; live ${perTask(big.live - small.live)}.`);
  }
  console.log(`\nMarginal per task added:\n\n- ${slopes.join('\n- ')}`);
}

function edfTable(): void {
  console.log('\n## The EDF set: 10 tasks, U = 0.9, 100 s simulated (500 s in the steady-state rows)\n');
  console.log('| path | jobs | CPU | wall | events/s | jobs/s | × real time | load |\n|---|---|---|---|---|---|---|---|');
  const paths: [string, string][] = [
    ['edf-threads', 'SCHED_DEADLINE host threads, 1 pCPU (kvm-deadline)'],
    ['edf-guest', 'global-EDF guest, 4 vCPUs on 4 whole-pCPU reservations (kvm-irmos)'],
  ];
  for (const [name, label] of paths) {
    const r = runChild(name, 100);
    console.log(`| ${label} | ${r.jobs} | ${times(r)} | ${rate(r)} | ${load()} |`);
    // Most of a 100 s run's CPU time is V8 warming up (interpreter, then optimising compiles): the
    // same run after a 100 s run in the same process shows the engine's own rate.
    const warm = runChild(name, 100, [], 100);
    console.log(`| same, after a 100 s warm-up run in the process | ${warm.jobs} | ${times(warm)} | ${rate(warm)} | ${load()} |`);
    // A 100 s second run still carries some re-optimisation (a run's start-only paths, deoptimised
    // code compiled again): 500 s after the warm-up is the engine's steady state.
    const steady = runChild(name, 500, [], 100);
    console.log(`| same, 500 s simulated after a 100 s warm-up run (steady state) | ${steady.jobs} | ${times(steady)} | ${rate(steady)} | ${load()} |`);
  }
}

function referenceTable(): void {
  console.log('\n## Reference scenario by model: 4 pCPUs, 16 VMUs, 64 tasks\n');
  console.log('| model | simulated | CPU | wall | events/s | jobs/s | × real time | peak RSS | live heap after GC | load |\n|---|---|---|---|---|---|---|---|---|---|');
  // kvm-linux is absent on purpose: stock RT group runtimes apply on every CPU, so 16 groups of 20 % fail its admission.
  const runs: [string, number][] = [['kvm-irmos', 600], ['kvm-linux-cfs', 60], ['kvm-deadline', 60], ['xen-credit', 60], ['xen-credit', 600], ['xen-sedf', 60], ['xen-rtds', 60], ['xen-credit2', 60]];
  for (const [model, seconds] of runs) {
    const r = runChild(`ref/${model}/4`, seconds);
    console.log(`| ${model} | ${seconds} s | ${times(r)} | ${rate(r)} | ${r.maxRssMiB.toFixed(0)} MiB | ${r.heapAfterGcMiB.toFixed(0)} MiB | ${load()} |`);
  }
}

/** Run a case under `node --cpu-prof` in a child process and print its top functions by self time. */
function profileCase(name: string, simulatedS: number, label: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-bench-prof-'));
  try {
    runChild(name, simulatedS, ['--cpu-prof', '--cpu-prof-dir', dir]);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
    console.log(`\n### ${label} (${simulatedS} s simulated; whole child process, start-up included)\n`);
    console.log('| function (dist/ source position) | self time | share |\n|---|---|---|');
    for (const f of topSelfTime(join(dir, file), 12)) {
      console.log(`| \`${f.fn}\` | ${f.selfMs.toFixed(0)} ms | ${(f.share * 100).toFixed(1)} % |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    process.stdout.write(JSON.stringify(child(args[1], Number(args[2]), Number(args[3] ?? 0), args[4] === 'fill-young')) + '\n');
    return;
  }
  if (args[0] === 'startup') {
    startupTable();
    return wholeProcessTable();
  }
  if (args[0] === 'memory') return memoryTable();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`# hvsim benchmarks\n\nMachine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${loadavg()[0].toFixed(1)} at start; children run with GLIBC_TUNABLES=${CHILD_GLIBC_TUNABLES} (bench/node-args.ts)`);
  console.log('Rates are per CPU second of each run (user + system, all its threads); wall time is shown beside.\n');
  startupTable();
  wholeProcessTable();
  console.log('\n## Pending-event set (hold model)\n');
  console.log('| pending timers | events/s |\n|---|---|');
  for (const pending of [64, 1024, 16384]) {
    console.log(`| ${pending} | ${(holdModel(pending, 3_000_000) / 1e6).toFixed(2)} M |`);
  }
  scaleTable();
  memoryTable();
  edfTable();
  referenceTable();
  console.log('\n## CPU profile: top functions by self time\n');
  profileCase('ref/kvm-irmos/64', 5, '64 pCPUs, 256 VMUs, 1024 tasks (kvm-irmos)');
  profileCase('edf-guest', 50, 'EDF set through a 4-vCPU guest (kvm-irmos)');
  profileCase('edf-threads', 50, 'EDF set as host threads on 1 pCPU (kvm-deadline)');
}

main();
