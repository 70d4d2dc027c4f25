// What validate:linux feeds hvsim's host overhead model (src/scenario/overheads.ts) from what user
// space can measure on the machine: the calibration run's FIFO wake-up latencies (rt-app wu_lat),
// an idle vCPU's, and perf's pipe round trip and syscall cost. Kept apart from linux.ts (which runs
// the kernel, as root) so the derivation is tested without root (test/validate-overheads.test.ts).

import { OVERHEAD_PROFILES, delayText, overheadsFieldText, quantileDelay, type OverheadProfileName } from '../src/scenario/overheads.js';
import { percentile } from './metrics.js';

/** Costs measured once with perf (µs), when perf is installed. */
export interface IpcCosts {
  /** `perf bench sched pipe` pinned to one CPU: one round trip (two wake-ups and two switches, four syscalls). */
  pipeRoundTripUs: number;
  /** `perf bench syscall basic`: one syscall. */
  syscallUs: number;
}

/** A wake-up latency distribution as the quantiles hvsim takes (µs). */
export interface WakeQuantilesUs {
  p50: number;
  p99: number;
  max: number;
}

/** p50, p99 and max of wake-up latencies (µs), non-decreasing by construction. */
export function wakeQuantilesOf(latenciesUs: number[]): WakeQuantilesUs {
  return { p50: percentile(latenciesUs, 50), p99: percentile(latenciesUs, 99), max: percentile(latenciesUs, 100) };
}

const mapQuantiles = (q: WakeQuantilesUs, f: (us: number) => number): WakeQuantilesUs => ({ p50: f(q.p50), p99: f(q.p99), max: f(q.max) });

/** The quantiles in ns as the engine's distribution (µs → whole ns). */
export const wakeDelayOf = (q: WakeQuantilesUs) => quantileDelay({ p50: Math.round(q.p50 * 1000), p99: Math.round(q.p99 * 1000), max: Math.round(q.max * 1000) });

export interface OverheadsUs {
  /** The wake-up latency's quantiles less wakeup + contextSwitch (floored at 0). */
  timerInterrupt: WakeQuantilesUs;
  wakeup: number;
  contextSwitch: number;
  vmExit: number;
  /** How the split was made (for the report). */
  source: string;
}

/**
 * The overhead model of src/scenario/overheads.ts from what user space can measure here: the FIFO
 * wake-up latency on a busy vCPU is timerInterrupt + wakeup + contextSwitch, so the timer interrupt
 * gets the latency's distribution (p50, p99, max) less the two constants — it carries the
 * machine's interrupt-latency noise; half a pipe round trip less two syscalls is wakeup +
 * contextSwitch, split evenly [M] (no tracefs on this kernel to separate them); the idle vCPU's
 * extra median latency is the VM exit/entry that wakes it (a constant).
 */
export function overheadsOf(busy: WakeQuantilesUs, idleUs: number, ipc: IpcCosts | null): OverheadsUs {
  const vmExit = Math.max(0, idleUs - busy.p50);
  const round = (us: number) => Math.round(us * 10) / 10;
  const split = (pathUs: number, source: string): OverheadsUs => {
    const half = round(pathUs / 2);
    return { timerInterrupt: mapQuantiles(busy, (us) => Math.max(0, round(us - 2 * half))), wakeup: half, contextSwitch: half, vmExit, source };
  };
  if (ipc === null) return split((2 * busy.p50) / 3, 'perf missing: the busy wake-up latency\'s median split in three');
  const pair = Math.min(busy.p50, Math.max(0, ipc.pipeRoundTripUs / 2 - 2 * ipc.syscallUs));
  return split(pair, `pipe round trip ${ipc.pipeRoundTripUs.toFixed(1)} µs, syscall ${ipc.syscallUs.toFixed(2)} µs`);
}

export function medianOverheads(all: OverheadsUs[]): OverheadsUs {
  const m = (k: 'wakeup' | 'contextSwitch' | 'vmExit') => percentile(all.map((o) => o[k]), 50);
  const ti = (k: keyof WakeQuantilesUs) => percentile(all.map((o) => o.timerInterrupt[k]), 50);
  return { timerInterrupt: { p50: ti('p50'), p99: ti('p99'), max: ti('max') }, wakeup: m('wakeup'), contextSwitch: m('contextSwitch'), vmExit: m('vmExit'), source: '' };
}

/** The host overheads hvsim gets for these costs (µs → whole ns). */
export function hostOverheadsOf(o: OverheadsUs) {
  return { timerInterruptNs: wakeDelayOf(o.timerInterrupt), wakeupNs: Math.round(o.wakeup * 1000), contextSwitchNs: Math.round(o.contextSwitch * 1000), vmExitNs: Math.round(o.vmExit * 1000) };
}

/** The same as hvsim's rt-app import takes them: the context switch apart from the wake-up delays. */
export function hostOverheadsParts(o: OverheadsUs) {
  const { contextSwitchNs, ...overheads } = hostOverheadsOf(o);
  return { contextSwitchNs, overheads };
}

/** The host `overheads` field that gives hvsim these costs. */
export const overheadsField = (o: OverheadsUs) => overheadsFieldText(hostOverheadsOf(o));

export const profileText = (n: OverheadProfileName) => {
  const p = OVERHEAD_PROFILES[n];
  return `(timer interrupt ${delayText(p.timerInterruptNs)}, wake-up ${delayText(p.wakeupNs)}, context switch ${delayText(p.contextSwitchNs)}, VM exit/entry ${delayText(p.vmExitNs)}: ${p.machine})`;
};

export const fmtQuantiles = (q: WakeQuantilesUs) => `p50 ${q.p50} µs, p99 ${q.p99} µs, max ${q.max} µs`;
export const fmtOverheads = (o: OverheadsUs) => `timer interrupt ${fmtQuantiles(o.timerInterrupt)}, wake-up ${o.wakeup} µs, context switch ${o.contextSwitch} µs, VM exit/entry ${o.vmExit} µs`;
