// The machine a prediction is for, and where each fact about it came from. A scenario file
// describes its hosts itself; an rt-app file describes only threads, so its machine is this one
// unless flags say otherwise. Everything taken from somewhere other than the file is recorded as
// an assumption and printed (terminal summary, results.json, report setup): a prediction is only
// as good as the machine it was made for.

import { readFileSync } from 'node:fs';
import type { Ns } from './types.js';

/**
 * node:os, loaded when this machine is first probed (an rt-app file, `--cpus` left to detection):
 * a run of a scenario file never needs it (start-up, issue 14: with the CLI's V8 flags Node compiles
 * its modules from source, src/cli/write-stdout.ts).
 */
const nodeOs = () => process.getBuiltinModule('node:os') as typeof import('node:os');

/** Where an assumed value came from. */
export type AssumptionSource = 'file' | 'flag' | 'detected' | 'default';

export interface Assumption<T> {
  /** null: not one value for the whole scenario (hosts or models differ; see the setup). */
  value: T | null;
  source: AssumptionSource;
  /** How the value was found, in words (which file, which flag, which probe). */
  note: string;
}

export interface MachineAssumptions {
  cpus: Assumption<number>;
  /** The Linux version given to the stock-Linux models (their `kernel` parameter). */
  kernel: Assumption<string>;
  /** Scheduler tick in ns; `hz` is 1e9 / tick where that is a whole HZ. */
  tick: Assumption<Ns> & { hz: number | null };
  /** Every execution demand multiplied by this (1: as written). */
  workScale: Assumption<number>;
  /**
   * The hosts' overhead model (src/scenario/overheads.ts): "none", a profile's name, or "custom".
   * Absent: no host states one and no flag gave one — none, the default, which terminals still
   * print (assumptionLines) while results.json and reports stay as they were.
   */
  overheads?: Assumption<string>;
}

/** Flags that override what the file or this machine says (`--cpus`, `--kernel`, `--hz`, `--work-scale`, `--overheads`). */
export interface MachineFlags {
  cpus?: number;
  kernel?: string;
  hz?: number;
  workScale?: number;
  /** none, measured or a profile name (checked: src/cli/machine-flags.ts), on every host. */
  overheads?: string;
}

/** The scheduler tick of a kernel built with CONFIG_HZ = hz: TICK_NSEC = (NSEC_PER_SEC + HZ/2) / HZ (include/vdso/jiffies.h). */
export function tickNsOfHz(hz: number): Ns {
  return Math.floor((1_000_000_000 + Math.floor(hz / 2)) / hz);
}

/** The HZ whose tick is `tickNs`, or null when no whole HZ gives exactly that tick. */
export function hzOfTickNs(tickNs: Ns): number | null {
  const hz = Math.round(1_000_000_000 / tickNs);
  return hz >= 1 && tickNsOfHz(hz) === tickNs ? hz : null;
}

/** CONFIG_HZ=<n> in a kernel config (the text of /proc/config.gz or /boot/config-<release>). */
export function hzFromKernelConfig(text: string): number | undefined {
  const m = /^CONFIG_HZ=(\d+)\s*$/m.exec(text);
  const hz = m ? Number(m[1]) : NaN;
  return Number.isInteger(hz) && hz > 0 ? hz : undefined;
}

/** HZ when no kernel config says: 1000, the tick (1 ms) scenario files default to. */
export const FALLBACK_HZ = 1000;

/** What can be learnt about the machine hvsim runs on; injectable for tests. */
export interface MachineProbe {
  cpus(): number;
  /** `uname -r`, or undefined off Linux. */
  kernelRelease(): string | undefined;
  /** Kernel config text and where it was read, or undefined when none is readable. */
  kernelConfig(release: string): { text: string; path: string } | undefined;
}

export interface DetectedMachine {
  cpus: Assumption<number>;
  kernel: Assumption<string>;
  tick: Assumption<Ns> & { hz: number | null };
}

/** The live machine: CPUs online to this process, `uname -r`, CONFIG_HZ from /proc/config.gz or /boot/config-<release>. */
export const thisMachine: MachineProbe = {
  cpus: () => nodeOs().availableParallelism(),
  kernelRelease: () => (nodeOs().type() === 'Linux' ? nodeOs().release() : undefined),
  kernelConfig(release) {
    const candidates: [string, (b: Buffer) => string][] = [
      // CONFIG_IKCONFIG_PROC. zlib is loaded here, not imported: loading it is 5 ms of every start (issue 14).
      ['/proc/config.gz', (b) => (process.getBuiltinModule('node:zlib') as typeof import('node:zlib')).gunzipSync(b).toString('utf8')],
      [`/boot/config-${release}`, (b) => b.toString('utf8')], // what distributions install
    ];
    for (const [path, decode] of candidates) {
      try {
        return { text: decode(readFileSync(path)), path };
      } catch {
        // absent or unreadable: try the next place
      }
    }
    return undefined;
  },
};

/** CPU count, kernel and tick of the machine behind `probe`, each with how it was found. */
export function detectMachine(probe: MachineProbe = thisMachine): DetectedMachine {
  const release = probe.kernelRelease();
  const config = release === undefined ? undefined : probe.kernelConfig(release);
  const hz = config === undefined ? undefined : hzFromKernelConfig(config.text);
  const tick =
    hz !== undefined
      ? { value: tickNsOfHz(hz), hz, source: 'detected' as const, note: `CONFIG_HZ=${hz} in ${config!.path}` }
      : {
          value: tickNsOfHz(FALLBACK_HZ),
          hz: FALLBACK_HZ,
          source: 'default' as const,
          note: `HZ ${FALLBACK_HZ} assumed: ${config === undefined ? 'no kernel config readable (/proc/config.gz, /boot/config-<release>)' : `no CONFIG_HZ in ${config.path}`}; pass --hz`,
        };
  return {
    cpus: { value: probe.cpus(), source: 'detected', note: 'CPUs available to this process on this machine' },
    kernel:
      release !== undefined
        ? { value: release, source: 'detected', note: 'uname -r of this machine' }
        : { value: null, source: 'default', note: 'not a Linux machine: each stock-Linux model keeps its default kernel; pass --kernel' },
    tick,
  };
}

export interface AssumptionFact {
  fact: 'CPUs' | 'kernel' | 'tick' | 'work scale' | 'overheads';
  value: string;
  from: string;
  how: string;
}

/** What a scenario with no overheads anywhere assumes (printed on terminals; see MachineAssumptions.overheads). */
export const DEFAULT_OVERHEADS_ASSUMPTION: Assumption<string> = {
  value: 'none',
  source: 'default',
  note: 'no host states overheads: timer wake-ups and context switches take no time (exact analytic schedules); pass --overheads measured or a profile to predict a real machine',
};

/** The assumptions as facts in words, for terminals (assumptionLines) and report tables. */
export function assumptionFacts(a: MachineAssumptions): AssumptionFact[] {
  const from = (s: AssumptionSource) => (s === 'file' ? 'the file' : s === 'flag' ? 'the command line' : s === 'detected' ? 'this machine' : 'default');
  const ms = (ns: Ns) => `${Number((ns / 1e6).toPrecision(6))} ms`;
  return [
    { fact: 'CPUs', value: a.cpus.value === null ? 'per host (see the setup)' : String(a.cpus.value), from: from(a.cpus.source), how: a.cpus.note },
    { fact: 'kernel', value: a.kernel.value ?? 'per model (see the mapping)', from: from(a.kernel.source), how: a.kernel.note },
    { fact: 'tick', value: a.tick.value === null ? 'per host (see the setup)' : `${ms(a.tick.value)}${a.tick.hz !== null ? ` (HZ ${a.tick.hz})` : ''}`, from: from(a.tick.source), how: a.tick.note },
    { fact: 'work scale', value: String(a.workScale.value ?? 1), from: from(a.workScale.source), how: a.workScale.note },
    ...(a.overheads === undefined ? [] : [{ fact: 'overheads' as const, value: a.overheads.value ?? 'per host (see the setup)', from: from(a.overheads.source), how: a.overheads.note }]),
  ];
}

/** One line per assumption, for terminals: the overheads always, none included. */
export function assumptionLines(a: MachineAssumptions): string[] {
  return assumptionFacts({ ...a, overheads: a.overheads ?? DEFAULT_OVERHEADS_ASSUMPTION }).map((f) => `${f.fact}: ${f.value}, from ${f.from} (${f.how})`);
}
