// The per-host overhead model: what a real kernel spends between a timer's expiry and the woken
// task making progress, which analytic scheduling theory sets to 0.
//
//   expiry ──timerInterrupt──▶ wake-up ──wakeup──▶ runnable ──(pick)──▶ dispatched ──contextSwitch──▶ runs
//   (guest task: + vmExit — the expiry reaches the guest through a VM exit and an entry injecting it)
//
// The engine delays a timer-driven wake-up (periodic and sporadic releases, rt-app timer and sleep
// steps) by timerInterrupt + wakeup (+ vmExit in a guest) — src/engine/releases.ts — and charges
// contextSwitch on every dispatch of another entity (simulator.ts, as before). Both stay constant:
// same scenario and seed, same results.
//
// Default `none`: the bundled scenarios, their committed reports and the analytic tests (RTA and
// EDF equalities, P − Q latency bounds) are statements about zero-overhead schedules, and a
// default that charged real costs would silently change all of them. A scenario that predicts a
// real machine asks for `measured` (or an object: omitted fields take the measured value).
//
// MEASURED: this machine, by `npm run validate:linux` (validate/linux.ts `overheadsOf`; the figures
// of each run are in reports/validation/linux.md): Linux 6.18.44 (Firecracker guest, 2 vCPUs AMD
// EPYC, HZ 250, PREEMPT_DYNAMIC=none, pti=on), rt-app 1.0, perf 6.x.
// - timerInterrupt + wakeup + contextSwitch = the median wake-up latency of a SCHED_FIFO rt-app
//   thread pre-empting a fair loop on its CPU (rt-app's wu_lat).
// - wakeup + contextSwitch = half a round trip of `perf bench sched pipe` pinned to one CPU less
//   two syscalls (`perf bench syscall basic`), split evenly between the two [M]: user space cannot
//   separate them without tracing, which this kernel lacks (no tracefs).
// - vmExit = the same FIFO thread's median wake-up latency on an idle vCPU minus on a busy one: the
//   halted vCPU must be re-entered by the hypervisor before the guest sees its interrupt.
// The VM's latencies drift with the host's load, so the defaults come from the quietest runs:
// - busy-vCPU wake-up 6–8 µs (validate:linux, 2026-11-22, other load < 0.01 CPU) → 7 µs total;
// - `perf bench sched pipe` pinned to CPU 1: 16.8 µs per round trip, `perf bench syscall basic`
//   1.67 µs (2026-12-07 05:18, before the machine filled up) → wakeup + contextSwitch =
//   16.8/2 − 2·1.67 ≈ 5 µs → 2.5 µs each; timerInterrupt = 7 − 5 = 2 µs;
// - vmExit: idle − busy vCPU wake-up, median over the nine calibrations of 2026-12-07: 10 µs
//   (range 0–29 µs; the machine then carried 1–1.7 CPUs of other users' load, which raised the
//   busy wake-up itself to 48–88 µs).
// validate:linux re-measures all four before each case and runs hvsim with those.

import type { Ns, WakeOverheads } from './types.js';
import type { Checker } from './checks.js';

export interface HostOverheads extends WakeOverheads {
  contextSwitchNs: Ns;
}

/** validate:linux on the machine above (see the header). */
export const MEASURED_OVERHEADS: Readonly<HostOverheads> = {
  timerInterruptNs: 2_000,
  wakeupNs: 2_500,
  contextSwitchNs: 2_500,
  vmExitNs: 10_000,
};

export const NO_OVERHEADS: Readonly<HostOverheads> = { timerInterruptNs: 0, wakeupNs: 0, contextSwitchNs: 0, vmExitNs: 0 };

type RawOverheads = 'none' | 'measured' | { timerInterrupt?: string; wakeup?: string; contextSwitch?: string; vmExit?: string };

/**
 * A host's `overheads` (and its older `contextSwitch` field, which sets the context switch alone).
 * Both giving a context switch is ambiguous: refused, naming both places.
 */
export function normalizeOverheads(raw: RawOverheads | undefined, contextSwitch: string | undefined, pointer: string, check: Checker): HostOverheads {
  if (raw === undefined || raw === 'none') {
    return { ...NO_OVERHEADS, contextSwitchNs: check.duration(contextSwitch ?? '0ns', `${pointer}/contextSwitch`) };
  }
  const given = raw === 'measured' ? {} : raw;
  if (contextSwitch !== undefined && (raw === 'measured' || given.contextSwitch !== undefined)) {
    check.fail(
      `${pointer}/contextSwitch`,
      'the context-switch cost given once',
      `contextSwitch ${JSON.stringify(contextSwitch)} beside overheads ${JSON.stringify(raw)}`,
      `drop ${pointer}/contextSwitch, or give it as ${pointer}/overheads/contextSwitch`,
    );
  }
  const field = (name: 'timerInterrupt' | 'wakeup' | 'contextSwitch' | 'vmExit', fallback: Ns) =>
    given[name] === undefined ? fallback : check.duration(given[name], `${pointer}/overheads/${name}`);
  return {
    timerInterruptNs: field('timerInterrupt', MEASURED_OVERHEADS.timerInterruptNs),
    wakeupNs: field('wakeup', MEASURED_OVERHEADS.wakeupNs),
    contextSwitchNs: contextSwitch !== undefined ? check.duration(contextSwitch, `${pointer}/contextSwitch`) : field('contextSwitch', MEASURED_OVERHEADS.contextSwitchNs),
    vmExitNs: field('vmExit', MEASURED_OVERHEADS.vmExitNs),
  };
}
