// NODE_DEBUG=hvsim-timing: where a command's time went, phase by phase, on stderr — for a user who
// asks why a short run takes as long as it does, and for the bench (bench/startup.ts), which splits
// the whole-process time of `hvsim run` (issue 14) into start, scenario, simulation and summary.
// Off, a phase costs one property read; nothing it prints is part of any result. The lines are
// printed together at the end (printPhases): the first debug line initialises Node's console, which
// would otherwise be counted in the next phase.
import { debuglog } from 'node:util';

const debug = debuglog('hvsim-timing');

interface Phase {
  name: string;
  /** Wall ms from the process's start (Node's time origin) to the phase's start. */
  atMs: number;
  wallMs: number;
  /** CPU ms of every thread of the process (V8's compiler and GC helpers too). */
  cpuMs: number;
}

const phases: Phase[] = [];

const cpuMsOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** Records phase `start`: from Node's start (its own bootstrap, then the CLI's loading) to now. */
export function markStart(): void {
  if (debug.enabled) phases.push({ name: 'start', atMs: 0, wallMs: performance.now(), cpuMs: cpuMsOf(process.cpuUsage()) });
}

/** Runs `work` as phase `name`, recording its wall and CPU time when NODE_DEBUG names hvsim-timing. */
export function timed<T>(name: string, work: () => T): T {
  if (!debug.enabled) return work();
  const atMs = performance.now();
  const cpu = process.cpuUsage();
  const result = work();
  phases.push({ name, atMs, wallMs: performance.now() - atMs, cpuMs: cpuMsOf(process.cpuUsage(cpu)) });
  return result;
}

/** Prints the recorded phases, one line each: `<name> at=<ms> wall=<ms> cpu=<ms>` (bench/startup.ts parses them). */
export function printPhases(): void {
  for (const { name, atMs, wallMs, cpuMs } of phases.splice(0)) debug('%s at=%s wall=%s cpu=%s', name, atMs.toFixed(1), wallMs.toFixed(1), cpuMs.toFixed(1));
}
