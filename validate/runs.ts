// Running one validation case: on the real kernel (rt-app, with per-thread CPU time sampled from
// /proc) and through hvsim (the same rt-app JSON imported and run under kvm-linux).

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findModel } from '../models/index.js';
import type { HostEntity } from '../src/engine/entities.js';
import { parseRtapp } from '../src/rtapp/grammar.js';
import { importRtapp, type RtappImportOptions } from '../src/rtapp/import.js';
import { RtappLogRecorder, parseRtappLog, type RtappLogRow } from '../src/rtapp/logs.js';
import type { Ns } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { rtappDocument, type ValidationCase } from './cases.js';
import type { Sample } from './metrics.js';

/** CPU shares are taken over [WINDOW_START, end − WINDOW_END_MARGIN], away from start-up and shutdown. */
const WINDOW_START_S = 1;
const WINDOW_END_MARGIN_S = 0.3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Σ sum_exec_runtime (ns) per thread name of process `pid` (/proc/<pid>/task/<tid>/schedstat). */
function cpuTimes(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      out.set(comm, (out.get(comm) ?? 0) + ns);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return out;
}

/** Whether none of the threads named `names` of process `pid` is runnable or running (state R in /proc/<pid>/task/<tid>/stat). */
function asleep(pid: number, names: string[]): boolean {
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (names.includes(comm) && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'R') return false;
    }
  } catch {
    // a thread exited meanwhile: take the sample as it is
  }
  return true;
}

/**
 * Wait (at most ~40 ms) until the `settle` threads of case `c` sleep: sum_exec_runtime in schedstat is
 * brought up to date at ticks and switches only, so a thread running on a CPU reads up to a tick short.
 */
async function settle(c: ValidationCase, pid: number): Promise<void> {
  if (c.settle === undefined) return;
  for (let i = 0; i < 40 && !asleep(pid, c.settle); i++) await sleep(1);
}

/** Busy CPU time of the whole machine so far (s): user, nice, system, irq, softirq, steal in /proc/stat. */
export function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100; // USER_HZ = 100
}

/**
 * CPU time (ns) of every task on the machine except those of process `exclude`, keyed by tid, from
 * schedstat (exact, unlike /proc/stat's tick sampling, which a DL task throttled at ticks fools).
 */
function othersCpu(exclude: number): Map<string, { ns: number; cpu: number }> {
  const out = new Map<string, { ns: number; cpu: number }>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== exclude)) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const cpu = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36]); // field 39, processor: the CPU it last ran on
        out.set(tid, { ns, cpu });
      } catch {
        // exited meanwhile
      }
    }
  }
  return out;
}

export interface KernelRun extends Sample {
  output: string;
  exitCode: number | null;
  /** CPUs' worth of time used by anything but rt-app during the window (other processes, kernel threads): the noise. */
  foreignLoad: number;
  /** The same per CPU, each thread's time counted on the CPU it last ran on (approximate for threads that moved). */
  foreignLoadByCpu: number[];
  /** When rt-app's threads' CPU times were sampled, [start, end] in CLOCK_MONOTONIC ns (the clock of rt-app's log timestamps). */
  windowNs: [number, number];
  /**
   * Next expiry (CLOCK_MONOTONIC ns) of the root RT bandwidth timer, sched_rt_period_timer, read from
   * /proc/timer_list at the window start; null when it is not armed or not readable. Its grid
   * (expiry + k·sched_rt_period_us) is where RT throttling forgives runtime.
   */
  rtPeriodExpiryNs: number | null;
  /**
   * Next expiry (CLOCK_MONOTONIC ns) of CPU 0's scheduler tick (tick_nohz_handler, tick_sched_timer
   * before 6.9) in /proc/timer_list at the window start: where the jiffies grid falls, which hvsim
   * takes as the host's tickPhase (src/engine/tick.ts); null when not readable.
   */
  tickExpiryNs: number | null;
  /** CPU time (ns) of each rt-app thread between the two samples of `windowNs`. */
  cpuNs: Map<string, number>;
}

/** The first armed hrtimer whose callback matches `callback` in /proc/timer_list (root only): its expiry, or null. */
function timerExpiry(callback: RegExp): number | null {
  try {
    const m = new RegExp(`(?:${callback.source})[^\\n]*\\n\\s*# expires at (\\d+)-`).exec(readFileSync('/proc/timer_list', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Run case `c` with rt-app in `root`/<c.id>; `basename` names its logs (default c.id). */
export async function runOnKernel(c: ValidationCase, root: string, basename = c.id): Promise<KernelRun> {
  const dir = join(root, c.id);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${basename}.json`);
  writeFileSync(file, JSON.stringify(rtappDocument({ ...c, id: basename }, dir), null, 2));
  const child = spawn('rt-app', [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const killer = setTimeout(() => child.kill('SIGKILL'), (c.durationS + 20) * 1000);
  const t0 = Date.now();
  await sleep(WINDOW_START_S * 1000);
  await settle(c, child.pid!);
  const a0 = process.hrtime.bigint();
  const a = cpuTimes(child.pid!);
  const a1 = process.hrtime.bigint();
  const othersA = othersCpu(child.pid!);
  const ta = process.hrtime.bigint();
  const rtPeriodExpiryNs = timerExpiry(/sched_rt_period_timer/);
  const tickExpiryNs = timerExpiry(/tick_nohz_handler|tick_sched_timer/);
  await sleep(Math.max(0, (c.durationS - WINDOW_END_MARGIN_S) * 1000 - (Date.now() - t0)));
  await settle(c, child.pid!);
  const b0 = process.hrtime.bigint();
  const b = cpuTimes(child.pid!);
  const b1 = process.hrtime.bigint();
  const othersB = othersCpu(child.pid!);
  const tb = process.hrtime.bigint();
  const wall = Number(tb - ta);
  const exitCode = await exited;
  clearTimeout(killer);
  const cpuShare = new Map<string, number>();
  const cpuNs = new Map<string, number>();
  for (const [name, end] of b) {
    cpuShare.set(name, (end - (a.get(name) ?? 0)) / wall);
    cpuNs.set(name, end - (a.get(name) ?? 0));
  }
  let others = 0;
  const byCpu: number[] = [];
  for (const [tid, { ns, cpu }] of othersB) {
    const d = ns - (othersA.get(tid)?.ns ?? 0); // new tasks: all their time is in the window
    others += d;
    if (cpu >= 0) byCpu[cpu] = (byCpu[cpu] ?? 0) + d / wall;
  }
  const foreignLoad = others / wall;
  const foreignLoadByCpu = Array.from(byCpu, (v) => v ?? 0);
  const rows = new Map<string, RtappLogRow[]>();
  for (const f of readdirSync(dir).filter((x) => x.startsWith(`${basename}-`) && x.endsWith('.log'))) {
    const log = parseRtappLog(readFileSync(join(dir, f), 'utf8'), f);
    rows.set(f.slice(basename.length + 1).replace(/-\d+\.log$/, ''), log.rows);
  }
  return { rows, cpuShare, output, exitCode, foreignLoad, foreignLoadByCpu, windowNs: [Number((a0 + a1) / 2n), Number((b0 + b1) / 2n)], rtPeriodExpiryNs, tickExpiryNs, cpuNs };
}

/** Per-entity CPU time inside [from, to], from the engine's dispatch hook. */
class CpuWindow {
  private readonly running = new Map<string, { id: string | null; since: Ns }>();
  readonly time = new Map<string, number>();

  constructor(
    private readonly from: Ns,
    private readonly to: Ns,
  ) {}

  dispatch(now: Ns, host: string, cpu: number, entity: HostEntity | null): void {
    const key = `${host}/${cpu}`;
    this.close(key, now);
    this.running.set(key, { id: entity?.id ?? null, since: now });
  }

  finish(end: Ns): void {
    for (const key of this.running.keys()) this.close(key, end);
  }

  private close(key: string, now: Ns): void {
    const r = this.running.get(key);
    if (r === undefined || r.id === null) return;
    const overlap = Math.min(now, this.to) - Math.max(r.since, this.from);
    if (overlap > 0) this.time.set(r.id, (this.time.get(r.id) ?? 0) + overlap);
    r.since = now;
  }
}

export interface HvsimOptions extends RtappImportOptions {
  kernel: string;
  /** Extra kvm-linux model parameters (e.g. the kernel run's rtPeriodPhase). */
  params?: Record<string, string>;
  /**
   * CPU each loop iteration of a thread that waits (timer or sleep) uses beyond its events (µs, real
   * time): the calibrated per-job overhead (switches, rt-app's own timer and log work). hvsim's rt-app
   * events cost exactly their nominal time, so it gets this as one more `run` before the wait.
   */
  loopCpuUs?: number;
  /** Start every thread this much later (µs), with the rtPeriodPhase shifted alike: another phase of the scheduler tick. */
  shiftUs?: number;
  /**
   * When each thread started in a kernel run (µs after rt-app's start: its first log row's rel_st).
   * rt-app creates and sets up its threads one after the other, milliseconds apart on this VM, and
   * each thread's timer grid and reservation period start with it: which of two equal-period
   * threads has the earlier deadline (and whose wake-up meets whose slice) follows from that order.
   */
  threadStartUs?: ReadonlyMap<string, ThreadStart>;
}

/** Where a thread's timer grid starts and when it first ran its events, in µs after rt-app's start. */
export interface ThreadStart {
  /** When hvsim starts it (`delay`): its timers' grid origin t_first, or its first event without a timer. */
  gridUs: number;
  /** The start of its first loop iteration (its first row's rel_st). */
  firstEventUs: number;
}

/** Timer threads whose grids lie closer than this are taken to start together (all at t_zero). */
const SAME_START_US = 50;

/**
 * When each thread started in a kernel run (µs after rt-app's start). rt-app keeps two instants
 * apart: every thread's timers count from t_first = t_zero (+ delay), taken as all threads leave one
 * barrier (rt-app.c thread_body), while a thread begins its events when it gets a CPU after setting
 * its policy (its first row's rel_st: later behind an equal-priority RR loop, say). A timer
 * thread's first row gives t_first back: its first expiry t_next = t_first + c_period is end −
 * wu_lat when it slept (rt-app reads `end` after the timer's sleep), or end + slack after an overrun
 * (no sleep: `end` is the timer event). hvsim starts a timer thread at t_first; which of several
 * such threads got going first (a race after the barrier, decisive for equal-priority RR loops
 * whose quanta carry over sleeps) is the order of their first events, kept by starting them 1 µs
 * apart in that order [M]. A thread without a timer starts with its first event. Threads sharing a
 * timer (`sharedTimer`: thread → timer name) share one grid, started by its first user; a later
 * user's first expiry counts the others' uses, so the group's origin is the earliest member's.
 */
export function threadStarts(run: Sample, sharedTimer: ReadonlyMap<string, string> = new Map()): Map<string, ThreadStart> {
  const out = new Map<string, ThreadStart>();
  const origins = new Map<string, number>();
  const timerThreads: string[] = [];
  for (const [name, rows] of run.rows) {
    const r = rows[0];
    if (r === undefined) continue;
    const t0 = r.start - r.rel_st;
    const firstEventUs = Math.max(0, r.rel_st);
    const firstExpiry = r.slack > 0 ? r.end - r.wu_lat : r.end + r.slack;
    const gridUs = r.c_period > 0 ? Math.min(firstEventUs, Math.max(0, firstExpiry - r.c_period - t0)) : firstEventUs;
    out.set(name, { gridUs, firstEventUs });
    if (r.c_period > 0) timerThreads.push(name);
    const ref = sharedTimer.get(name);
    if (ref !== undefined) origins.set(ref, Math.min(origins.get(ref) ?? Infinity, gridUs));
  }
  for (const [name, ref] of sharedTimer) {
    const s = out.get(name);
    if (s !== undefined) s.gridUs = origins.get(ref)!;
  }
  const byFirstEvent = timerThreads.map((n) => out.get(n)!).sort((a, b) => a.firstEventUs - b.firstEventUs);
  for (let i = 1; i < byFirstEvent.length; i++) {
    const prev = byFirstEvent[i - 1].gridUs;
    if (Math.abs(byFirstEvent[i].gridUs - prev) < SAME_START_US) byFirstEvent[i].gridUs = prev + 1;
  }
  return out;
}

/** The case's rt-app tasks as hvsim runs them: `loopCpuUs` as a `run` event before each thread's first wait, its measured start (`threadStartUs`) plus `shiftUs` as a start delay. */
function hvsimTasks(c: ValidationCase, o: HvsimOptions): Record<string, unknown> {
  const loopRunUs = Math.round((o.loopCpuUs ?? 0) / (o.workScale ?? 1));
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(c.tasks as Record<string, Record<string, unknown>>)) {
    const t: Record<string, unknown> = {};
    const start = (o.shiftUs ?? 0) + (o.threadStartUs?.get(name)?.gridUs ?? 0);
    if (start > 0) t.delay = ((spec.delay as number | undefined) ?? 0) + start;
    let added = loopRunUs <= 0;
    for (const [key, value] of Object.entries(spec)) {
      if (key === 'delay') continue;
      if (!added && (key.startsWith('timer') || key.startsWith('sleep'))) {
        t.run_loop_cpu = loopRunUs; // "run…" is a run event to rt-app's grammar (matched by prefix)
        added = true;
      }
      t[key] = value;
    }
    out[name] = t;
  }
  return out;
}

export function runOnHvsim(c: ValidationCase, options: HvsimOptions): Sample {
  const text = JSON.stringify(rtappDocument({ ...c, tasks: hvsimTasks(c, options) }, '.'));
  const durationNs = c.durationS * 1e9;
  const imp = importRtapp(parseRtapp(text, `${c.id}.json`), { ...options, durationNs });
  const recorder = new RtappLogRecorder(imp.scenario);
  const window = new CpuWindow(WINDOW_START_S * 1e9, durationNs - WINDOW_END_MARGIN_S * 1e9);
  simulate(imp.scenario, findModel('kvm-linux', '', ''), { params: { kernel: options.kernel, ...options.params }, pointer: '' }, {
    observer: { ...recorder.observer, dispatch: (now, host, cpu, e) => window.dispatch(now, host, cpu, e) },
  });
  window.finish(durationNs);
  const seconds = (durationNs - (WINDOW_START_S + WINDOW_END_MARGIN_S) * 1e9) / 1e9;
  const nameOf = new Map(imp.threads.map((t) => [t.spec.id, t.thread.name]));
  const cpuShare = new Map<string, number>();
  for (const [id, ns] of window.time) cpuShare.set(nameOf.get(id) ?? id, ns / 1e9 / seconds);
  const rows = new Map<string, RtappLogRow[]>();
  for (const log of recorder.logs()) rows.set(log.name, log.rows);
  return { rows, cpuShare };
}
