// `npm run validate:linux`: run rt-app workloads on this machine's kernel and the same files through
// hvsim's kvm-linux host model (with `kernel` = this kernel), and compare. Needs root (SCHED_FIFO,
// SCHED_DEADLINE) and rt-app (installed with apt-get when missing); skips cleanly otherwise.
// Writes reports/validation/linux.md. Not part of `npm test`: it takes about half a minute of real
// time and its figures depend on the machine.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir, type } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomic } from '../src/report/atomic.js';
import { CALIBRATION, CASES, sharedTimerThreads, type ValidationCase } from './cases.js';
import { figure, formatError, formatValue, percentile, pooled, type Figure, type Sample } from './metrics.js';
import { machineBusySeconds, runOnHvsim, runOnKernel, threadStarts, type KernelRun } from './runs.js';
import { explain } from './explanations.js';
import { MEASURED_PROFILE, OVERHEAD_PROFILE_NAMES } from '../src/scenario/overheads.js';
import { fmtOverheads, fmtQuantiles, hostOverheadsParts, medianOverheads, overheadsField, overheadsOf, profileText, wakeQuantilesOf, type IpcCosts, type OverheadsUs, type WakeQuantilesUs } from './overheads.js';

const REPORT = join('reports', 'validation', 'linux.md');
const THRESHOLD = 0.05;

/** A figure agrees when within THRESHOLD of the kernel's median or inside the range of the kernel runs (their spread). */
function disagrees(f: Figure): boolean {
  const close = f.error !== null && Math.abs(f.error) <= THRESHOLD;
  const inSpread = f.predicted >= f.measuredMin && f.predicted <= f.measuredMax;
  return !close && !inSpread;
}
/** Other processes on the machine (tests of other users, …) above this many CPUs spoil a run: retry it. */
const FOREIGN_LOAD_LIMIT = 0.05;
const ATTEMPTS = Number(process.env.HVSIM_VALIDATE_ATTEMPTS ?? 6);
/** rtPhaseFromKernel cases: tick phases hvsim runs per kernel run (the kernel's tick phase relative to rt-app's start is not measured). */
const TICK_PHASES = 8;
/** Kernel runs per case: the table shows their median and range (this VM's run-to-run spread). */
const REPEATS = 3;
/** Before each attempt, wait up to this long for one quiet second (other users' tests, builds). */
const QUIET_WAIT_S = Number(process.env.HVSIM_QUIET_WAIT_S ?? 60);

async function waitForQuiet(): Promise<number> {
  let busy = Infinity;
  for (let waited = 0; waited < QUIET_WAIT_S && busy > FOREIGN_LOAD_LIMIT; waited++) {
    const a = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 1000));
    busy = machineBusySeconds() - a;
  }
  return busy;
}

/** Run a case on the kernel until nothing else loads the machine (best of ATTEMPTS). */
async function quietRun(c: ValidationCase, root: string): Promise<KernelRun & { attempts: number }> {
  let best: (KernelRun & { attempts: number }) | null = null;
  for (let i = 1; i <= ATTEMPTS; i++) {
    await waitForQuiet();
    const run = await runOnKernel({ ...c, id: i === 1 ? c.id : `${c.id}-try${i}` }, root, c.id);
    const onCpu = c.quietCpu === undefined ? 0 : (run.foreignLoadByCpu[c.quietCpu.cpu] ?? 0);
    const noise = (r: KernelRun) => r.foreignLoad + (c.quietCpu === undefined ? 0 : (r.foreignLoadByCpu[c.quietCpu.cpu] ?? 0));
    if (best === null || noise(run) < noise(best)) best = { ...run, attempts: i };
    if (run.foreignLoad <= FOREIGN_LOAD_LIMIT && (c.quietCpu === undefined || onCpu <= c.quietCpu.limit)) break;
    const where = c.quietCpu === undefined ? '' : `, ${onCpu.toFixed(3)} on CPU ${c.quietCpu.cpu}`;
    process.stdout.write(`  other load ${run.foreignLoad.toFixed(2)} CPU${where} during ${c.id}: retrying\n`);
  }
  return best!;
}

function skip(reason: string): never {
  process.stdout.write(`validate:linux skipped: ${reason}\n`);
  process.exit(0);
}

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

function ensureRtapp(): void {
  if (sh('sh', ['-c', 'command -v rt-app']).ok) return;
  process.stdout.write('rt-app not found: apt-get update && apt-get install -y rt-app\n');
  const r = sh('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rt-app']);
  if (!sh('sh', ['-c', 'command -v rt-app']).ok) skip(`rt-app is missing and could not be installed (${r.out.split('\n').slice(-2).join(' ') || 'apt-get failed'})`);
}

interface Machine {
  uname: string;
  kernel: string;
  cpuModel: string;
  cpus: number;
  hz: number | null;
  config: string[];
  sysctl: string[];
  rtapp: string;
  date: string;
}

function machine(): Machine {
  let config = '';
  try {
    config = gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  } catch {
    const boot = `/boot/config-${release()}`;
    if (existsSync(boot)) config = readFileSync(boot, 'utf8');
  }
  const pick = (name: string) => (new RegExp(`^(# )?${name}[= ].*$`, 'm').exec(config)?.[0] ?? `${name}: unknown`);
  const hz = /^CONFIG_HZ=(\d+)$/m.exec(config);
  const sysctl = ['sched_rt_runtime_us', 'sched_rt_period_us'].map((k) => {
    try {
      return `${k} = ${readFileSync(`/proc/sys/kernel/${k}`, 'utf8').trim()}`;
    } catch {
      return `${k}: unreadable`;
    }
  });
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  return {
    uname: sh('uname', ['-a']).out,
    kernel: release(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    cpus: availableParallelism(),
    hz: hz ? Number(hz[1]) : null,
    config: ['CONFIG_HZ', 'CONFIG_RT_GROUP_SCHED', 'CONFIG_FAIR_GROUP_SCHED', 'CONFIG_PREEMPT_DYNAMIC', 'CONFIG_PREEMPT_NONE', 'CONFIG_PREEMPT_VOLUNTARY', 'CONFIG_PREEMPT', 'CONFIG_NO_HZ_IDLE'].map(pick),
    sysctl,
    rtapp: sh('dpkg-query', ['-W', 'rt-app']).out || 'unknown version',
    date: new Date().toISOString(),
  };
}

interface Calibration {
  /** Real µs per configured µs of `run` work. */
  workScale: number;
  /**
   * Timer wake-up latency of an RT task pre-empting a fair loop (µs): interrupt delivery + wake-up
   * + context switch, as its p50, p99 and max over the calibration's wake-ups — hvsim draws each
   * case's wake-ups from this distribution (src/scenario/overheads.ts), so it predicts the tails.
   */
  wake: WakeQuantilesUs;
  /** The same for an RT task alone on an idle vCPU (µs): the hypervisor must run the halted vCPU again. */
  idleWakeLatencyUs: number;
  /** The host overhead model fed to hvsim (src/scenario/overheads.ts), derived in `overheadsOf`. */
  overheads: OverheadsUs;
  /**
   * CPU time per job beyond its `run` work (µs): the switches in and out and rt-app's own per-loop
   * work (timer, log), from the thread's schedstat over the window minus the run intervals in it.
   * hvsim, whose rt-app events cost exactly their nominal time, gets it as one more run before each
   * wait of a thread (runs.ts `loopCpuUs`): a 1 ms job then costs what it costs on the kernel.
   */
  overheadUs: number;
  rows: number;
}

async function calibrate(root: string, tag: string, ipc: IpcCosts | null): Promise<Calibration> {
  const run = await quietRun({ ...CALIBRATION, id: `calibration-${tag}` }, root);
  const slept = (thread: string) => (run.rows.get(thread) ?? []).filter((r) => r.rel_st >= CALIBRATION.warmupUs && r.slack > 0);
  const rows = slept('calib');
  if (rows.length < 10) throw new Error(`calibration produced ${rows.length} rows:\n${run.output}`);
  const wake = wakeQuantilesOf(rows.map((r) => r.wu_lat));
  const idle = slept('calidle');
  const idleWakeLatencyUs = idle.length === 0 ? wake.p50 : percentile(idle.map((r) => r.wu_lat), 50);
  return {
    workScale: percentile(rows.map((r) => r.run), 50) / 5000,
    wake,
    idleWakeLatencyUs,
    overheads: overheadsOf(wake, idleWakeLatencyUs, ipc),
    overheadUs: jobOverheadUs(run, 'calib'),
    rows: rows.length,
  };
}

function perfUsPerOp(args: string[]): number | null {
  const r = sh('sh', ['-c', `command -v perf >/dev/null && taskset -c 1 perf bench ${args.join(' ')} 2>&1`]);
  const m = /([\d.]+) usecs\/op/.exec(r.out);
  return r.ok && m ? Number(m[1]) : null;
}

function measureIpc(): IpcCosts | null {
  const pipe = perfUsPerOp(['sched', 'pipe', '-l', '20000']);
  const syscall = perfUsPerOp(['syscall', 'basic']);
  return pipe === null || syscall === null ? null : { pipeRoundTripUs: pipe, syscallUs: syscall };
}


/** Where a kernel run's tick grid fell against rt-app's start (ns in [0, tick)); null if unknown. */
function tickPhaseOf(run: KernelRun, tickNs: number): number | null {
  const row = [...run.rows.values()].flat()[0];
  if (run.tickExpiryNs === null || row === undefined) return null;
  const t0 = (row.start - row.rel_st) * 1000;
  return (((run.tickExpiryNs - t0) % tickNs) + tickNs) % tickNs;
}

/** CPU time of `thread` in the window not spent inside its run events, per job started in the window (µs). */
function jobOverheadUs(run: KernelRun, thread: string): number {
  const [a, b] = run.windowNs;
  const all = run.rows.get(thread) ?? [];
  let work = 0;
  for (const r of all) work += Math.max(0, Math.min(r.start * 1000 + r.run * 1000, b) - Math.max(r.start * 1000, a));
  const jobs = all.filter((r) => r.start * 1000 >= a && r.start * 1000 < b).length;
  const cpu = run.cpuNs.get(thread) ?? NaN;
  return jobs === 0 || !Number.isFinite(cpu) ? 0 : Math.max(0, Math.round((cpu - work) / jobs / 100) / 10);
}

/** Where the kernel run's RT period grid fell, as kvm-linux's rtPeriodPhase: ns after rt-app's start, modulo the period; null if unknown. */
function rtPhaseNs(run: KernelRun, periodNs: number): number | null {
  const row = [...run.rows.values()].flat()[0];
  if (run.rtPeriodExpiryNs === null || row === undefined) return null;
  const t0 = (row.start - row.rel_st) * 1000; // rt-app's start on CLOCK_MONOTONIC
  return (((run.rtPeriodExpiryNs - t0) % periodNs) + periodNs) % periodNs;
}

interface CaseResult {
  c: ValidationCase;
  figures: Figure[];
  real: Sample;
  /** The kernel runs one by one. */
  runs: KernelRun[];
  /** hvsim's predictions: one, or (rtPhaseFromKernel) TICK_PHASES per kernel run, flattened. */
  models: Sample[];
  /** The same grouped by kernel run. */
  runModels: Sample[][];
  /** rtPhaseFromKernel: each kernel run's RT period phase (ns after rt-app's start; null: not measured, hvsim used 0). */
  phasesNs: (number | null)[] | null;
  /** Each kernel run's tick grid phase (ns after rt-app's start; null: not measured, hvsim used 0). */
  tickPhases: (number | null)[];
  /** The same case under kernel 5.10 (RT throttling alone), where the kernel's fair-task protection matters (per kernel run like models). */
  pre612: Sample[] | null;
  cal: Calibration;
  foreignLoad: number;
  attempts: number;
}

function explainOf(r: CaseResult, f: Figure): string {
  return explain({
    caseId: r.c.id,
    f,
    real: r.real,
    model: pooled(r.models),
    runs: r.runs,
    runModels: r.runModels,
    phasesNs: r.phasesNs,
    pre612: r.pre612,
    warmupUs: r.c.warmupUs,
    wake: r.cal.wake,
    calibrationWakeups: r.cal.rows,
    foreignLoad: r.foreignLoad,
    workScale: r.cal.workScale,
  });
}

function table(results: CaseResult[]): string[] {
  const lines: string[] = [];
  for (const { c, figures, foreignLoad, attempts, cal, phasesNs, tickPhases, runs } of results) {
    lines.push(`### ${c.id}: ${c.title}`, '', `Expected: ${c.expectation}.`, '');
    const n = c.repeats ?? REPEATS;
    const onCpu = c.quietCpu === undefined ? '' : ` (on CPU ${c.quietCpu.cpu} at most ${Math.max(...runs.map((r) => r.foreignLoadByCpu[c.quietCpu!.cpu] ?? 0)).toFixed(4)})`;
    lines.push(`Kernel: ${n} runs of ${c.durationS} s (${attempts} attempts); load from other processes during a window at most ${foreignLoad.toFixed(3)} CPU${onCpu}; calibration just before: wake-up latency ${fmtQuantiles(cal.wake)} (idle vCPU median ${cal.idleWakeLatencyUs} µs), 1 µs of run work = ${cal.workScale.toFixed(3)} µs, ${cal.overheadUs} µs of CPU per job beyond its work; hvsim's overheads: ${fmtOverheads(cal.overheads)}.`, '');
    if (phasesNs === null) {
      const text = tickPhases.map((p) => (p === null ? 'not measured (0 used)' : `${(p / 1e6).toFixed(2)} ms`)).join(', ');
      lines.push(`Tick grid of each kernel run (CPU 0's next tick_nohz_handler expiry after rt-app's start, modulo 1/HZ): ${text}. hvsim predicts each run on its grid (host \`tickPhase\`); the prediction is their median (their range in brackets).`, '');
    }
    if (phasesNs !== null) {
      const text = phasesNs.map((p) => (p === null ? 'not measured (0 used)' : `${(p / 1e6).toFixed(1)} ms`)).join(', ');
      const ticks = tickPhases.map((p) => (p === null ? `not measured (${TICK_PHASES} phases tried)` : `${(p / 1e6).toFixed(2)} ms`)).join(', ');
      lines.push(`RT period grid of each kernel run (first sched_rt_period_timer expiry after rt-app's start): ${text}; its tick grid (CPU 0's next tick_nohz_handler expiry, modulo 1/HZ; every CPU ticks on it): ${ticks}. hvsim predicts each run with that rtPeriodPhase on that tick grid (host \`tickPhase\`), or, where the tick was not measured, on each of ${TICK_PHASES} phases of the tick (the workload shifted by k/${TICK_PHASES} of a tick); the prediction below is the median of those predictions (their range in brackets).`, '');
    }
    lines.push(`| figure | measured (kernel, median of ${n} runs) | range over runs | predicted (hvsim kvm-linux) | error |`, '|---|---:|---:|---:|---:|');
    for (const f of figures) {
      const flag = disagrees(f) ? ' **>5 %, outside the runs**' : f.error === null || Math.abs(f.error) > THRESHOLD ? ' (>5 %, inside the runs\' range)' : '';
      const range = f.predictedMin === f.predictedMax ? '' : ` (${formatValue(f.predictedMin, f.unit)} – ${formatValue(f.predictedMax, f.unit)})`;
      lines.push(`| ${f.label} | ${formatValue(f.measured, f.unit)} | ${formatValue(f.measuredMin, f.unit)} – ${formatValue(f.measuredMax, f.unit)} | ${formatValue(f.predicted, f.unit)}${range} | ${formatError(f)}${flag} |`);
    }
    lines.push('');
  }
  return lines;
}

async function main(): Promise<void> {
  if (type() !== 'Linux') skip(`not Linux (${type()})`);
  if (process.getuid?.() !== 0) skip('needs root for SCHED_FIFO and SCHED_DEADLINE (run it with sudo)');
  ensureRtapp();
  const m = machine();
  const root = mkdtempSync(join(tmpdir(), 'hvsim-validate-'));
  process.stdout.write(`validate:linux on ${m.uname}\n${m.cpus} CPUs (${m.cpuModel}), HZ ${m.hz ?? '?'}, ${m.rtapp}; work in ${root}\n`);

  // HVSIM_VALIDATE_CASES=id,id runs only those cases and prints their tables without writing the report.
  const only = process.env.HVSIM_VALIDATE_CASES?.split(',').filter((x) => x !== '');
  const cases = only === undefined || only.length === 0 ? CASES : CASES.filter((c) => only.includes(c.id));
  const results: CaseResult[] = [];
  const ipc = measureIpc();
  process.stdout.write(ipc === null ? 'perf not found: overheads split without it\n' : `perf: pipe round trip ${ipc.pipeRoundTripUs} µs, syscall ${ipc.syscallUs} µs\n`);
  for (const c of cases) {
    // Calibrated right before each case: the VM's speed and interrupt latency drift with host load.
    const cal = await calibrate(root, c.id, ipc);
    process.stdout.write(`running ${c.id} (${c.durationS} s): 1 µs of run work takes ${cal.workScale.toFixed(3)} µs, RT wake-up latency ${fmtQuantiles(cal.wake)} …\n`);
    const options = {
      cpus: m.cpus,
      kernel: m.kernel,
      tickNs: m.hz ? Math.round(1e9 / m.hz) : 1e6,
      workScale: cal.workScale,
      // The host's overhead model (src/scenario/overheads.ts) with this calibration's figures: the
      // timer interrupt drawn per wake-up from the calibration's wake-up distribution.
      ...hostOverheadsParts(cal.overheads),
      // The engine charges the switch in and out of each job itself now.
      loopCpuUs: Math.max(0, cal.overheadUs - 2 * cal.overheads.contextSwitch),
    };
    const runs: (KernelRun & { attempts: number })[] = [];
    for (let i = 0; i < (c.repeats ?? REPEATS); i++) {
      const run = await quietRun({ ...c, id: `${c.id}-run${i + 1}` }, root);
      if (run.exitCode !== 0) process.stdout.write(`  rt-app exited with ${run.exitCode}:\n${run.output}\n`);
      runs.push(run);
    }
    const rtPeriodNs = Number(readFileSync('/proc/sys/kernel/sched_rt_period_us', 'utf8')) * 1000;
    const phasesNs = c.rtPhaseFromKernel === true ? runs.map((r) => rtPhaseNs(r, rtPeriodNs)) : null;
    // Per kernel run (rtPhaseFromKernel): its RT period phase, and TICK_PHASES phases of the tick, which is not measured.
    const shifts = Array.from({ length: TICK_PHASES }, (_, k) => Math.round((k * options.tickNs) / TICK_PHASES / 1000));
    // Other cases: one prediction per kernel run, on that run's measured tick grid.
    const tickPhases = runs.map((r) => tickPhaseOf(r, options.tickNs));
    const predict = (kernel: string, ticks: number[]) =>
      phasesNs === null
        ? tickPhases.map((ph, i) => [runOnHvsim(c, { ...options, kernel, tickPhase: ph ?? 0, threadStartUs: threadStarts(runs[i], sharedTimerThreads(c)) })])
        : phasesNs.map((ph, i) =>
            // On the run's measured tick grid (all CPUs tick together: src/engine/tick.ts); where it was
            // not measured, on TICK_PHASES assumed phases. Which tick falls last before an RT period
            // boundary decides how long a throttling gap is (update_curr_rt sees rt_time at ticks), and
            // so whether a fair job caught in it finishes there (docs/validation-notes.md §2).
            tickPhases[i] !== null
              ? [runOnHvsim(c, { ...options, kernel, tickPhase: tickPhases[i]!, params: { rtPeriodPhase: `${ph ?? 0}ns` } })]
              : ticks.map((us) => runOnHvsim(c, { ...options, kernel, shiftUs: us, params: { rtPeriodPhase: `${(ph ?? 0) + us * 1000}ns` } })),
          );
    const runModels = predict(m.kernel, shifts);
    const models = runModels.flat();
    const pre612 = c.id === 'fifo-hog-1cpu' ? predict('5.10', [0]).flat() : null;
    const figures = c.metrics.map((metric) => figure(metric, runs, models, c.warmupUs));
    const foreignLoad = Math.max(...runs.map((r) => r.foreignLoad));
    results.push({ c, real: pooled(runs), runs, models, runModels, phasesNs, tickPhases, pre612, cal, figures, foreignLoad, attempts: runs.reduce((a, r) => a + r.attempts, 0) });
  }
  const speeds = results.map((r) => r.cal.workScale);
  const wakes = results.map((r) => r.cal.wake.p50);
  const tails = results.map((r) => r.cal.wake.p99);
  const overheads = results.map((r) => r.cal.overheadUs);

  const over = results.flatMap((r) => r.figures.filter(disagrees).map((f) => ({ r, f })));
  const md = [
    '# Validation against the real Linux kernel',
    '',
    `Generated by \`npm run validate:linux\` (validate/linux.ts) on ${m.date}. Each case is an rt-app workload run on this`,
    'machine\'s kernel and, unchanged, through hvsim\'s `kvm-linux` host model with `kernel` set to the running kernel.',
    'Figures come from the rt-app logs (real ones, and the ones hvsim exports) and, for CPU shares, from',
    `/proc/<pid>/task/<tid>/schedstat sampled over [1 s, end − 0.3 s]. Errors are (predicted − measured) / measured. A figure agrees when its error is within 5 % or the prediction lies inside the range of the kernel runs (the machine's own spread); the others are marked and explained below.`,
    '',
    '## Machine',
    '',
    `- \`${m.uname}\``,
    `- kernel ${m.kernel}; ${m.cpus} CPUs: ${m.cpuModel}`,
    `- ${m.config.join(', ')}`,
    `- ${m.sysctl.join(', ')}`,
    `- rt-app: ${m.rtapp}; every file fixes \`calibration\` (ns per loop) so rt-app does not re-calibrate`,
    `- calibration before each case (a separate ${CALIBRATION.durationS} s run: SCHED_FIFO 5 ms / 20 ms pre-empting a fair loop on CPU 1): 1 µs of \`run\` work took ${Math.min(...speeds).toFixed(3)}–${Math.max(...speeds).toFixed(3)} µs (the VM's speed drifts with host load, hence \`runtime\` events in the cases); timer wake-up latency of a busy vCPU ${Math.min(...wakes)}–${Math.max(...wakes)} µs (median; p99 ${Math.min(...tails)}–${Math.max(...tails)} µs); CPU time per job beyond its work (switches, rt-app's own timer and log work; sampled while the thread sleeps, as schedstat lags for a running one) ${Math.min(...overheads)}–${Math.max(...overheads)} µs. hvsim gets each case's \`workScale\`, that CPU per job (less the two context switches the engine charges) as one more run before each wait of a thread, the tick 1/HZ on the kernel run's measured tick grid, the hrtimer slack of SCHED_OTHER (50 µs) and the host overhead model below.`,
    `- overheads (host \`overheads\`, src/scenario/overheads.ts), per case from its calibration: a FIFO thread's wake-up latency on a busy vCPU (median ${Math.min(...wakes)}–${Math.max(...wakes)} µs) = timer interrupt + wake-up + context switch, so the timer interrupt is drawn per wake-up from that latency's p50, p99 and max less the two constants (piecewise linear between them: src/engine/overhead-delay.ts); on an idle vCPU (median (${Math.min(...results.map((r) => r.cal.idleWakeLatencyUs))}–${Math.max(...results.map((r) => r.cal.idleWakeLatencyUs))} µs) it adds the VM exit/entry; wake-up + context switch = half a \`perf bench sched pipe\` round trip less two syscalls, split evenly (${results[0]?.cal.overheads.source ?? ''}). Median over the cases: ${fmtOverheads(medianOverheads(results.map((r) => r.cal.overheads)))} — as a host field for a scenario predicting this machine in this state: \`${overheadsField(medianOverheads(results.map((r) => r.cal.overheads)))}\`. hvsim's named profiles (src/scenario/overheads.ts, each with its machine and source): ${OVERHEAD_PROFILE_NAMES.map((n) => `\`${n}\` ${profileText(n)}`).join('; ')}; \`measured\` is \`${MEASURED_PROFILE}\`.`,
    '',
    '## Results',
    '',
    ...table(results),
    '## Figures more than 5 % off and outside the kernel runs\' range',
    '',
    ...(over.length === 0
      ? ['None.']
      : over.map(({ r, f }) => {
          const why = explainOf(r, f);
          return `- **${r.c.id} — ${f.label}** (${formatError(f)}): ${why}`;
        })),
    '',
  ].join('\n');
  if (cases !== CASES) {
    process.stdout.write(`\n${table(results).join('\n')}\n${over.map(({ r, f }) => `- ${r.c.id} — ${f.label}: ${explainOf(r, f)}`).join('\n')}\n(partial run: ${REPORT} not written)\n`);
    return;
  }
  writeFileAtomic(REPORT, md);
  process.stdout.write(`\n${table(results).join('\n')}\nwrote ${REPORT}\n`);
}

main().catch((err) => {
  process.stderr.write(`validate:linux failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
