// NODE_DEBUG=hvsim-timing: where a command's time went, phase by phase, on stderr — for a user who
// asks why a short run takes as long as it does, and for the bench (bench/startup.ts), which splits
// the whole-process time of `hvsim run` (issue 14) into start, scenario, simulation and summary.
// Off, a phase costs one property read; nothing it prints is part of any result. On, it costs next
// to nothing either: times from process.uptime() (the `performance` global would load perf_hooks),
// the lines printed together at the end (printPhases) straight to descriptor 2.
import { writeSync } from 'node:fs';
import { debuglog } from 'node:util';

const debug = debuglog('hvsim-timing');

interface Phase {
  name: string;
  /** Wall ms from the process's start (process.uptime()) to the phase's start. */
  atMs: number;
  wallMs: number;
  /** CPU ms of every thread of the process (V8's compiler and GC helpers too). */
  cpuMs: number;
}

const phases: Phase[] = [];

const msSinceStart = () => process.uptime() * 1000;

const cpuMsOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** Records phase `start`: from Node's start (its own bootstrap, then the CLI's loading) to now. */
export function markStart(): void {
  if (debug.enabled) phases.push({ name: 'start', atMs: 0, wallMs: msSinceStart(), cpuMs: cpuMsOf(process.cpuUsage()) });
}

/** Runs `work` as phase `name`, recording its wall and CPU time when NODE_DEBUG names hvsim-timing. */
export function timed<T>(name: string, work: () => T): T {
  if (!debug.enabled) return work();
  const atMs = msSinceStart();
  const cpu = process.cpuUsage();
  const result = work();
  phases.push({ name, atMs, wallMs: msSinceStart() - atMs, cpuMs: cpuMsOf(process.cpuUsage(cpu)) });
  return result;
}

/** Prints the recorded phases, one line each: `<name> at=<ms> wall=<ms> cpu=<ms>` (bench/startup.ts parses them). */
export function printPhases(): void {
  // In debuglog's format ("HVSIM-TIMING <pid>: …"), written straight to descriptor 2: debuglog would
  // build standard error's stream, ~10 ms of Node's own modules compiled (src/cli/write-stdout.ts),
  // which a run with the timing on would then pay and a run without it not.
  const lines = phases.splice(0).map(({ name, atMs, wallMs, cpuMs }) => `HVSIM-TIMING ${process.pid}: ${name} at=${atMs.toFixed(1)} wall=${wallMs.toFixed(1)} cpu=${cpuMs.toFixed(1)}\n`);
  if (lines.length > 0) writeSync(2, lines.join(''));
}
