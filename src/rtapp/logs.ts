// rt-app's per-thread logs, written from a simulated run so the scripts people use on real rt-app
// logs read ours unchanged, and read back (validation, tests). Format of rt-app 1.0 (Debian; the
// rt-app-sample logs; src/rt-app.c thread_body and src/rt-app_utils.c log_timing):
//   # Policy : SCHED_OTHER priority : 0            (SCHED_FIFO/RR: RT priority; SCHED_DEADLINE: no priority)
//   #idx     perf      run   period …              ("%s %8s %8s %8s %15s %15s %15s %10s %10s %10s %10s")
//   rows "%4d %8lu %8lu %8lu %15llu %15llu %15llu %10ld %10lu %10lu %10lu", times in µs (truncated).
// One row per iteration of a phase (peers-and-rt-app.md §5b):
//   start/end   when the thread began the iteration / finished its last event (after waking from a
//               final timer or sleep); end of one row is the start of the next.
//   run         wall time inside run/runtime events (first run of each job to its completion).
//   period      end − start; rel_st = start (the simulation starts at 0, rt-app's t_zero).
//   slack       t_next − now at the timer event (the last one, or summed with cumulative_slack).
//   wu_lat      Σ (real wake-up − t_next) over the timers it slept on; an overrun resets it to 0.
//   c_duration / c_period: configured run+runtime / timer periods of the phase; perf: calibration
//               loops of the run events (rt-app's loadwait returns only the sub-second remainder).
// Tasks that are not rt-app threads (scenario tasks) get one row per job, as an rt-app thread
// `run C; timer T` (absolute) would: slack = next release − completion, c_period = the period.

import { join, relative, isAbsolute } from 'node:path';
import type { Job, Task } from '../engine/entities.js';
import type { ProgramClock, ProgramIteration } from '../engine/program.js';
import type { SimObserver } from '../engine/simulator.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../report/atomic.js';
import { safeFileNamePiece } from '../report/file-name.js';
import type { Ns, Policy, Scenario, TaskSpec } from '../scenario/types.js';
import { DEFAULT_NS_PER_LOOP, rtappOrigin } from './import.js';
import type { RtappPhase } from './grammar.js';

export const LOG_COLUMNS = ['idx', 'perf', 'run', 'period', 'start', 'end', 'rel_st', 'slack', 'c_duration', 'c_period', 'wu_lat'] as const;
export type LogColumn = (typeof LOG_COLUMNS)[number];
export type RtappLogRow = Record<LogColumn, number>;

export interface RtappLog {
  /** Thread name and index, as in `<basename>-<name>-<index>.log`. */
  name: string;
  index: number;
  /** First line without "# " (e.g. "Policy : SCHED_OTHER priority : 0"). */
  policyLine: string;
  rows: RtappLogRow[];
}

const us = (ns: Ns) => Math.trunc(ns / 1000);

/** rt-app's loadwait() count for a run of `runUs` (it returns only the sub-second remainder's loops). */
export function perfOfRun(runUs: number, nsPerLoop: number): number {
  return Math.floor(((runUs % 1_000_000) * 1000) / nsPerLoop);
}

/** rt-app's `runtime` loop: loadwait(32) per 32 µs chunk until the wall time has passed. */
export function perfOfRuntime(runtimeUs: number, nsPerLoop: number): number {
  return Math.ceil(runtimeUs / 32) * Math.floor(32_000 / nsPerLoop);
}

export function policyLine(policy: Policy): string {
  switch (policy.class) {
    case 'fair':
      return `Policy : SCHED_OTHER priority : ${policy.nice}`;
    case 'fifo':
      return `Policy : SCHED_FIFO priority : ${policy.priority}`;
    case 'rr':
      return `Policy : SCHED_RR priority : ${policy.priority}`;
    case 'deadline':
      return 'Policy : SCHED_DEADLINE';
    case 'sporadic':
      return `Policy : SCHED_SPORADIC priority : ${policy.priority}`;
  }
}

export function formatRtappLog(log: RtappLog): string {
  const pad = (v: number, w: number) => String(v).padStart(w);
  const head = `#idx ${['perf', 'run', 'period'].map((c) => c.padStart(8)).join(' ')} ${['start', 'end', 'rel_st'].map((c) => c.padStart(15)).join(' ')} ${['slack', 'c_duration', 'c_period', 'wu_lat'].map((c) => c.padStart(10)).join(' ')}`;
  const lines = [`# ${log.policyLine}`, head];
  for (const r of log.rows) {
    lines.push(
      [pad(r.idx, 4), pad(r.perf, 8), pad(r.run, 8), pad(r.period, 8), pad(r.start, 15), pad(r.end, 15), pad(r.rel_st, 15), pad(r.slack, 10), pad(r.c_duration, 10), pad(r.c_period, 10), pad(r.wu_lat, 10)].join(' '),
    );
  }
  return lines.join('\n') + '\n';
}

/** `<basename>-<name>-<index>.log`, with both names made safe: a thread named "x/../../evil" stays in the folder. */
export function logFileName(basename: string, log: Pick<RtappLog, 'name' | 'index'>): string {
  return `${safeFileNamePiece(basename)}-${safeFileNamePiece(log.name)}-${log.index}.log`;
}

/** Read an rt-app log (real or ours): the policy line, the column header, then integer rows. */
export function parseRtappLog(text: string, file: string): RtappLog & { columns: string[] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const fail = (line: number, expected: string, found: string): never => {
    throw new InputError({ file, pointer: '', line, expected, found });
  };
  let at = 0;
  let policy = '';
  if (lines[at]?.startsWith('# Policy')) policy = lines[at++].slice(2);
  const header = lines[at++];
  if (header === undefined || !header.startsWith('#idx')) fail(at, 'the rt-app column header "#idx perf run period …"', header === undefined ? 'end of file' : JSON.stringify(header));
  const columns = header.slice(1).trim().split(/\s+/);
  const rows: RtappLogRow[] = [];
  for (; at < lines.length; at++) {
    const cells = lines[at].trim().split(/\s+/);
    if (cells.length !== columns.length || cells.some((c) => !/^-?\d+$/.test(c))) fail(at + 1, `${columns.length} integer columns`, JSON.stringify(lines[at]));
    const row = Object.fromEntries(columns.map((c, i) => [c, logInteger(cells[i])])) as RtappLogRow;
    rows.push(row);
  }
  const m = /-([^-]+)-(\d+)\.log$/.exec(file);
  return { name: m?.[1] ?? '', index: m ? Number(m[2]) : rows[0]?.idx ?? 0, policyLine: policy, rows, columns };
}

/**
 * One log cell. rt-app prints its signed differences (wu_lat, slack) through unsigned 64-bit
 * formats, so a negative one appears as 2^64 − x: with a timer shared between threads, wu_lat is
 * measured against the t_next the other sharer has already advanced by its period (rt-app.c
 * run_event) and comes out negative. Read such a cell as the signed value rt-app computed.
 */
export function logInteger(cell: string): number {
  if (cell.length < 16) return Number(cell); // well inside 2^53: the common case, no BigInt
  return Number(BigInt.asIntN(64, BigInt(cell)));
}

/** Write every log into `dir` (each file atomically); returns the paths. */
export function writeRtappLogs(dir: string, basename: string, logs: RtappLog[]): string[] {
  const paths = logs.map((log) => join(dir, logFileName(basename, log)));
  for (const p of paths) {
    const rel = relative(dir, p);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`rt-app log ${p} would leave ${dir}`); // logFileName makes this impossible
  }
  const texts = logs.map(formatRtappLog);
  paths.forEach((p, i) => writeFileAtomic(p, texts[i]));
  return paths;
}

interface JobRecord {
  release: Ns;
  firstRunAt: Ns;
  completion: Ns;
  demand: Ns;
}

/** Per-iteration configuration of a phase, in µs, for perf / c_duration / c_period. */
interface PhaseConfig {
  perf: number;
  cDuration: number;
  cPeriod: number;
}

interface Tracker {
  spec: TaskSpec;
  name: string;
  index: number;
  jobs: JobRecord[];
  task: Task | null;
  clock: ProgramClock | null;
  phases: PhaseConfig[];
}

/** Collects, through the SimObserver `complete` hook, what the logs need; `logs()` after the run. */
export class RtappLogRecorder {
  readonly observer: SimObserver;
  private readonly trackers = new Map<string, Tracker>();
  private readonly cumulativeSlack: boolean;
  readonly basename: string;

  constructor(private readonly scenario: Scenario) {
    const origin = rtappOrigin(scenario);
    const nsPerLoop = origin?.nsPerLoop ?? DEFAULT_NS_PER_LOOP;
    this.cumulativeSlack = origin?.workload.global.cumulativeSlack ?? false;
    this.basename = origin?.workload.global.logBasename ?? 'rt-app';
    const specs: TaskSpec[] = [...scenario.hostThreads, ...scenario.vmus.flatMap((v) => v.tasks)];
    specs.forEach((spec, i) => {
      const thread = origin?.threads.find((t) => t.spec.id === spec.id)?.thread;
      const program = spec.arrival.kind === 'program' ? spec.arrival.program : null;
      this.trackers.set(spec.id, {
        spec,
        name: thread?.name ?? spec.id,
        index: thread?.index ?? i,
        jobs: [],
        task: null,
        clock: null,
        phases: thread ? thread.phases.map((p) => phaseConfig(p, nsPerLoop)) : program ? program.phases.map((p) => stepsConfig(p.steps, nsPerLoop)) : [],
      });
    });
    this.observer = {
      // The engine's own program clocks, recording: the logs follow the interpretation that ran
      // (shared timers make one thread's iterations depend on the others').
      program: (task: Task, clock: ProgramClock) => {
        const t = this.trackers.get(task.id);
        if (t !== undefined) t.clock = clock;
      },
      complete: (now: Ns, task: Task, job: Job) => {
        const t = this.trackers.get(task.id);
        if (t === undefined) return;
        t.task = task;
        t.jobs.push({ release: job.release, firstRunAt: job.firstRunAt ?? job.release, completion: now, demand: job.demand });
      },
    };
  }

  /** One log per task, in rt-app thread-index order. */
  logs(): RtappLog[] {
    const out = [...this.trackers.values()].map((t) => ({
      name: t.name,
      index: t.index,
      policyLine: policyLine(t.spec.policy),
      rows: t.spec.arrival.kind === 'program' ? this.programRows(t) : this.jobRows(t),
    }));
    return out.sort((a, b) => a.index - b.index);
  }

  /** First run of job `seq`: completed, or the pending job if it has started; undefined otherwise. */
  private firstRun(t: Tracker, seq: number): Ns | undefined {
    if (seq < t.jobs.length) return t.jobs[seq].firstRunAt;
    if (seq === t.jobs.length) {
      const pending = t.task?.currentJob;
      if (pending?.started && pending.firstRunAt !== undefined) return pending.firstRunAt;
    }
    return undefined;
  }

  private programRows(t: Tracker): RtappLogRow[] {
    const rows: RtappLogRow[] = [];
    if (t.clock === null) return rows;
    const end = this.scenario.durationNs;
    let prevEnd: Ns | undefined;
    for (const it of t.clock!.iterations) {
      const r = this.iterationRow(t, it, prevEnd, end);
      if (r === null) break;
      rows.push(r.row);
      prevEnd = r.end;
    }
    return rows;
  }

  private iterationRow(t: Tracker, it: ProgramIteration, prevEnd: Ns | undefined, horizon: Ns): { row: RtappLogRow; end: Ns } | null {
    if (it.end < 0 || it.end > horizon || it.jobs.some((seq) => seq >= t.jobs.length)) return null;
    const end = it.endJob >= 0 ? this.firstRun(t, it.endJob) : it.end;
    if (end === undefined || end > horizon) return null;
    const firstJob = it.jobs.length > 0 ? t.jobs[it.jobs[0]] : undefined;
    const start = prevEnd ?? (firstJob !== undefined && firstJob.release === it.begin ? firstJob.firstRunAt : it.begin);
    let run = 0;
    for (const seq of it.jobs) run += us(t.jobs[seq].completion - t.jobs[seq].firstRunAt);
    let slack = 0;
    let wu = 0;
    for (const w of it.timers) {
      const s = Math.trunc((w.next - w.at) / 1000);
      slack = this.cumulativeSlack ? slack + s : s;
      if (!w.slept) {
        wu = 0;
        continue;
      }
      const wake = w.wakesJob >= 0 ? this.firstRun(t, w.wakesJob) : w.next + (t.spec.arrival.kind === 'program' ? t.spec.arrival.program.wakeDelayNs : 0);
      if (wake === undefined) return null;
      wu += us(wake - w.next);
    }
    const cfg = t.phases[it.phase];
    const row: RtappLogRow = {
      idx: t.index,
      perf: cfg.perf,
      run,
      period: us(end - start),
      start: us(start),
      end: us(end),
      rel_st: us(start),
      slack,
      c_duration: cfg.cDuration,
      c_period: cfg.cPeriod,
      wu_lat: wu,
    };
    return { row, end };
  }

  /** Open-loop tasks: a row per job k whose successor has started (its start ends row k). */
  private jobRows(t: Tracker): RtappLogRow[] {
    const a = t.spec.arrival;
    const cPeriod = a.kind === 'periodic' ? us(a.period) : a.kind === 'sporadic' ? us(a.minInterArrival) : 0;
    const nsPerLoop = rtappOrigin(this.scenario)?.nsPerLoop ?? DEFAULT_NS_PER_LOOP;
    const rows: RtappLogRow[] = [];
    const pending = t.task?.currentJob;
    for (let k = 0; k < t.jobs.length; k++) {
      const job = t.jobs[k];
      const next = k + 1 < t.jobs.length ? t.jobs[k + 1] : pending?.started ? { release: pending.release, firstRunAt: pending.firstRunAt ?? pending.release } : undefined;
      if (next === undefined || next.firstRunAt > this.scenario.durationNs) break;
      // An iteration ends when the thread wakes for the next one, which is when that one starts.
      const slackNs = next.release - job.completion;
      rows.push({
        idx: t.index,
        perf: perfOfRun(us(job.demand), nsPerLoop),
        run: us(job.completion - job.firstRunAt),
        period: us(next.firstRunAt - job.firstRunAt),
        start: us(job.firstRunAt),
        end: us(next.firstRunAt),
        rel_st: us(job.firstRunAt),
        slack: Math.trunc(slackNs / 1000),
        c_duration: us(job.demand),
        c_period: cPeriod,
        wu_lat: slackNs > 0 ? us(next.firstRunAt - next.release) : 0,
      });
    }
    return rows;
  }
}

function phaseConfig(p: RtappPhase, nsPerLoop: number): PhaseConfig {
  let perf = 0;
  let cDuration = 0;
  let cPeriod = 0;
  for (const e of p.events) {
    if (e.kind === 'run') perf += perfOfRun(e.us, nsPerLoop);
    if (e.kind === 'runtime') perf += perfOfRuntime(e.us, nsPerLoop);
    if (e.kind === 'run' || e.kind === 'runtime') cDuration += e.us;
    if (e.kind === 'timer') cPeriod += e.periodUs;
  }
  return { perf, cDuration, cPeriod };
}

function stepsConfig(steps: readonly { kind: string; ns?: Ns; period?: Ns; wall?: boolean }[], nsPerLoop: number): PhaseConfig {
  let perf = 0;
  let cDuration = 0;
  let cPeriod = 0;
  for (const s of steps) {
    if (s.kind === 'run') {
      const u = us(s.ns!);
      perf += s.wall ? perfOfRuntime(u, nsPerLoop) : perfOfRun(u, nsPerLoop);
      cDuration += u;
    }
    if (s.kind === 'timer') cPeriod += us(s.period!);
  }
  return { perf, cDuration, cPeriod };
}
