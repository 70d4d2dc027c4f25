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
import { simulate } from '../src/simulate.js';
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

/** Busy CPU time of the whole machine so far (s): user, nice, system, irq, softirq, steal in /proc/stat. */
export function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100; // USER_HZ = 100
}

/**
 * CPU time (ns) of every task on the machine except those of process `exclude`, keyed by tid, from
 * schedstat (exact, unlike /proc/stat's tick sampling, which a DL task throttled at ticks fools).
 */
function othersCpu(exclude: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== exclude)) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        out.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
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
  const a = cpuTimes(child.pid!);
  const othersA = othersCpu(child.pid!);
  const ta = process.hrtime.bigint();
  await sleep(Math.max(0, (c.durationS - WINDOW_END_MARGIN_S) * 1000 - (Date.now() - t0)));
  const b = cpuTimes(child.pid!);
  const othersB = othersCpu(child.pid!);
  const wall = Number(process.hrtime.bigint() - ta);
  const exitCode = await exited;
  clearTimeout(killer);
  const cpuShare = new Map<string, number>();
  for (const [name, end] of b) cpuShare.set(name, (end - (a.get(name) ?? 0)) / wall);
  let others = 0;
  for (const [tid, ns] of othersB) others += ns - (othersA.get(tid) ?? 0); // new tasks: all their time is in the window
  const foreignLoad = others / wall;
  const rows = new Map<string, RtappLogRow[]>();
  for (const f of readdirSync(dir).filter((x) => x.startsWith(`${basename}-`) && x.endsWith('.log'))) {
    const log = parseRtappLog(readFileSync(join(dir, f), 'utf8'), f);
    rows.set(f.slice(basename.length + 1).replace(/-\d+\.log$/, ''), log.rows);
  }
  return { rows, cpuShare, output, exitCode, foreignLoad };
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

export function runOnHvsim(c: ValidationCase, options: RtappImportOptions & { kernel: string }): Sample {
  const text = JSON.stringify(rtappDocument(c, '.'));
  const durationNs = c.durationS * 1e9;
  const imp = importRtapp(parseRtapp(text, `${c.id}.json`), { ...options, durationNs });
  const recorder = new RtappLogRecorder(imp.scenario);
  const window = new CpuWindow(WINDOW_START_S * 1e9, durationNs - WINDOW_END_MARGIN_S * 1e9);
  simulate(imp.scenario, findModel('kvm-linux', '', ''), { params: { kernel: options.kernel }, pointer: '' }, {
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
