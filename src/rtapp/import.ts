// rt-app workload → hvsim scenario: one physical host, each rt-app thread (each instance) a host
// thread with its policy and affinity whose jobs come from a closed-loop program
// (src/engine/program.ts) that replays the thread's phases, loops and events.
//
// The machine: an rt-app file names none, so its CPU count, kernel and tick (HZ) are the options'
// (the CLI's --cpus, --kernel, --hz), else this machine's (src/scenario/machine.ts: CPUs, uname -r,
// CONFIG_HZ), and the scenario records where each came from (`assumptions`).
//
// Mapping (peers-and-rt-app.md §5c):
// - run: rt-app turns `run t` into n = t·1000/p_load calibration loops (rt-app.c loadwait), p_load
//   being global.calibration when it is a number of ns per loop, else what rt-app measures on
//   "CPU<n>" at start. The loops then take n × (this machine's ns per loop). So `run` is work at the
//   reference speed × `workScale` (real ns per configured ns, which the validation measures), and,
//   when the file fixes p_load and the machine's own ns per loop is given (`machineNsPerLoop`),
//   × machineNsPerLoop / p_load: loops calibrated on a faster machine take longer here.
//   runtime: a wall-clock busy loop (rt-app polls the clock every 32 µs), never scaled.
// - yield: a sched_yield step (src/engine/program.ts); its value is ignored, as rt-app does.
// - sleep / timer: waits, whose wake-up is delayed by the thread's hrtimer slack: Linux gives
//   SCHED_OTHER tasks timer_slack_ns = 50 µs and RT/DL tasks 0 (kernel/sched/syscalls.c
//   __setscheduler_params, since 6.8; hrtimer_nanosleep ignored it for RT tasks before), plus an
//   optional machine wake-up latency (timer interrupt delivery, measured by validate/linux.ts).
// - policy/priority/dl-*: the host thread's policy; cpus: its affinity (default: every CPU).
// - A thread's relative deadline (for hvsim's miss counts) is its dl-deadline, else its timer period
//   when every phase waits on one timer of the same period (a miss is then rt-app's slack < 0); for a
//   timer shared by k threads of that period, k·T (sharedTimerDeadline).
// - timer refs other than "unique…" are shared by every thread naming them (one t_next advanced by
//   each use; src/engine/program.ts).

import { STOCK_LINUX_MODELS } from '../../models/index.js';
import { InputError, pointerOf } from '../errors.js';
import { detectMachine, hzOfTickNs, tickNsOfHz, thisMachine, type MachineAssumptions, type MachineProbe } from '../scenario/machine.js';
import { isPrivateTimerRef, programDeadline, programExec } from '../scenario/program.js';
import { overheadsNote, overheadsOfName } from '../scenario/overheads.js';
import type { HostSpec, HostThreadSpec, JobProgram, ModelRequest, Ns, Policy, ProgramStep, Scenario, WakeOverheads } from '../scenario/types.js';
import { readRtappFile, type RtappThread, type RtappWorkload } from './grammar.js';

export interface RtappImportOptions {
  /** Host CPU count; default: this machine's. */
  cpus?: number;
  /** `kernel` parameter given to the stock-Linux models; default: this machine's version (Linux only). */
  kernel?: string;
  /** Host tick as CONFIG_HZ (250 → 4 ms); default: this machine's CONFIG_HZ, else 1000. */
  hz?: number;
  /** Host tick (1/HZ) in ns, when no `hz` is given. */
  tickNs?: Ns;
  /** Where the machine facts not given come from; default: this machine. */
  probe?: MachineProbe;
  /** ns per rt-app calibration loop on the machine modelled; scales `run` work when the file fixes global.calibration. */
  machineNsPerLoop?: number;
  /** Run length; required when the file's global.duration is -1. */
  durationNs?: Ns;
  warmupNs?: Ns;
  /** Real time of one configured ns of `run` work (rt-app's calibration error); default 1. */
  workScale?: number;
  /** hrtimer slack of SCHED_OTHER threads; default 50 µs (Linux default_timer_slack_ns). */
  timerSlackNs?: Ns;
  /** Extra delay of every timer/sleep wake-up (interrupt delivery on this machine); default 0. */
  wakeLatencyNs?: Ns;
  contextSwitchNs?: Ns;
  /** The host's wake-up overheads (src/scenario/overheads.ts); default none. */
  overheads?: WakeOverheads;
  /** `--overheads`: none, measured or a profile (checked by the caller); sets `overheads` and `contextSwitchNs`. */
  overheadsName?: string;
  /** Where the host's tick grid falls against the workload's start (src/engine/tick.ts); default 0. */
  tickPhase?: HostSpec['tickPhase'];
  /** ns per calibration loop for the logs' `perf` column when the file does not fix one; default `machineNsPerLoop`, else 8. */
  nsPerLoop?: number;
}

export interface ImportedThread {
  thread: RtappThread;
  spec: HostThreadSpec;
}

export interface RtappImport {
  scenario: Scenario;
  workload: RtappWorkload;
  threads: ImportedThread[];
  /** ns per loop used for `perf`. */
  nsPerLoop: number;
}

export const HOST_ID = 'host';
/** Linux default_timer_slack_ns (include/linux/init_task.h: 50 µs). */
export const DEFAULT_TIMER_SLACK_NS = 50_000;
/** rt-app 1.0's calibration on the machine that produced rt-app-sample (250000 loops for 2 ms). */
export const DEFAULT_NS_PER_LOOP = 8;

const origins = new WeakMap<Scenario, RtappImport>();

/** The import a scenario came from, if it came from an rt-app file (for the log exporter). */
export function rtappOrigin(scenario: Scenario): RtappImport | undefined {
  return origins.get(scenario);
}

export function importRtappFile(file: string, options: RtappImportOptions = {}): RtappImport {
  return importRtapp(readRtappFile(file), options);
}

export function importRtapp(workload: RtappWorkload, given: RtappImportOptions = {}): RtappImport {
  const options = withNamedOverheads(given);
  const file = workload.file;
  const assumptions = machineOf(workload, options);
  const cpus = assumptions.cpus.value!;
  let durationNs = options.durationNs;
  if (durationNs === undefined) {
    if (workload.global.duration < 0) {
      throw new InputError({ file, pointer: '/global/duration', expected: 'a duration in seconds', found: '-1 (until the threads end)', hint: 'hvsim needs a finite run: set global.duration or pass --duration' });
    }
    durationNs = workload.global.duration * 1_000_000_000;
  }
  const ids = threadIds(workload.threads);
  const timers = timerTable(workload);
  const threads = workload.threads.map((thread): ImportedThread => {
    const affinity = thread.cpus ?? Array.from({ length: cpus }, (_, i) => i);
    const tooHigh = affinity.find((c) => c >= cpus);
    if (tooHigh !== undefined) {
      throw new InputError({ file, pointer: `${thread.pointer}/cpus`, expected: `CPU numbers below ${cpus} (the host's CPU count)`, found: `CPU ${tooHigh} in thread "${thread.name}"`, hint: 'pass --cpus to import onto a bigger host' });
    }
    const policy = policyOf(thread);
    const program = programOf(thread, timers, { ...options, workScale: assumptions.workScale.value! }, policy);
    const spec: HostThreadSpec = {
      id: ids[thread.index],
      host: HOST_ID,
      arrival: { kind: 'program', program },
      exec: programExec(program),
      deadline: policy.class === 'deadline' ? policy.deadline : (sharedTimerDeadline(thread, timers) ?? programDeadline(program)),
      policy,
      affinity,
    };
    return { thread, spec };
  });
  const models: ModelRequest[] = [];
  const kernel = assumptions.kernel.value;
  if (kernel !== null) STOCK_LINUX_MODELS.forEach((name, i) => models.push({ name, params: { kernel }, pointer: pointerOf('models', i) }));
  const base = file.replace(/^.*[\\/]/, '').replace(/\.json$/i, '');
  const scenario: Scenario = {
    name: base === '' ? 'rtapp' : cleanId(base), // a scenario name is an id: the file form must load
    description: `rt-app workload ${file}, imported by hvsim`,
    file,
    durationNs,
    warmupNs: options.warmupNs ?? 0,
    seed: 1,
    hosts: [
      {
        id: HOST_ID,
        cpus,
        contextSwitchNs: options.contextSwitchNs ?? 0,
        tickNs: assumptions.tick.value!,
        ...(options.overheads !== undefined && { overheads: options.overheads }),
        ...(options.tickPhase !== undefined && { tickPhase: options.tickPhase }),
      },
    ],
    vmus: [],
    hostThreads: threads.map((t) => t.spec),
    models,
    expectations: [],
    assumptions,
  };
  const nsPerLoop = workload.global.nsPerLoop ?? options.nsPerLoop ?? options.machineNsPerLoop ?? DEFAULT_NS_PER_LOOP;
  const result: RtappImport = { scenario, workload, threads, nsPerLoop };
  origins.set(scenario, result);
  return result;
}

/** CPU count, kernel, tick and work scale: the options' where given, else the probed machine's. */
/** `overheadsName` resolved into the host's costs (none: no overheads at all). */
function withNamedOverheads(o: RtappImportOptions): RtappImportOptions {
  if (o.overheadsName === undefined) return o;
  const { contextSwitchNs, ...wake } = overheadsOfName(o.overheadsName);
  return { ...o, contextSwitchNs, overheads: o.overheadsName === 'none' ? undefined : wake };
}

/** The overheads as assumed: a flag's name, the caller's costs, or nothing said (none, the default). */
function overheadsAssumed(o: RtappImportOptions): MachineAssumptions['overheads'] {
  if (o.overheadsName !== undefined) return { value: o.overheadsName, source: 'flag', note: `--overheads: ${overheadsNote(o.overheadsName)}` };
  if (o.overheads !== undefined) return { value: 'custom', source: 'flag', note: 'host overheads given by the caller' };
  return undefined;
}

function machineOf(workload: RtappWorkload, o: RtappImportOptions): MachineAssumptions {
  const detected = o.cpus === undefined || o.kernel === undefined || (o.hz === undefined && o.tickNs === undefined) ? detectMachine(o.probe ?? thisMachine) : undefined;
  const tick: MachineAssumptions['tick'] =
    o.hz !== undefined
      ? { value: tickNsOfHz(o.hz), hz: o.hz, source: 'flag', note: `--hz ${o.hz}` }
      : o.tickNs !== undefined
        ? { value: o.tickNs, hz: hzOfTickNs(o.tickNs), source: 'flag', note: 'tick given by the caller' }
        : detected!.tick;
  return {
    cpus: o.cpus !== undefined ? { value: o.cpus, source: 'flag', note: '--cpus' } : detected!.cpus,
    kernel: o.kernel !== undefined ? { value: o.kernel, source: 'flag', note: `--kernel, for ${STOCK_LINUX_MODELS.join(', ')}` } : detected!.kernel,
    tick,
    workScale: workScaleOf(workload, o),
    ...(overheadsAssumed(o) !== undefined && { overheads: overheadsAssumed(o) }),
  };
}

/** `workScale` × (machine ns per loop / the file's fixed calibration), with how it was reached. */
function workScaleOf(workload: RtappWorkload, o: RtappImportOptions): MachineAssumptions['workScale'] {
  const calibration = workload.global.nsPerLoop;
  const flag = o.workScale ?? 1;
  const notes: string[] = o.workScale !== undefined ? [`--work-scale ${o.workScale}`] : [];
  let value = flag;
  if (calibration !== null && o.machineNsPerLoop !== undefined) {
    value = flag * (o.machineNsPerLoop / calibration);
    notes.push(`global.calibration ${calibration} ns per loop run at --ns-per-loop ${o.machineNsPerLoop} ns: × ${o.machineNsPerLoop}/${calibration}`);
  } else if (calibration !== null) {
    notes.push(`global.calibration ${calibration} ns per loop taken as this machine's (pass --ns-per-loop to model another)`);
  } else {
    notes.push('global.calibration "CPU<n>": rt-app calibrates on the machine it runs on');
  }
  const source = o.workScale !== undefined || (calibration !== null && o.machineNsPerLoop !== undefined) ? (o.workScale !== undefined ? 'flag' : 'file') : 'default';
  return { value: Number(value.toPrecision(12)), source, note: `run work ×${Number(value.toPrecision(12))}: ${notes.join('; ')}` };
}

function policyOf(t: RtappThread): Policy {
  switch (t.policy) {
    case 'SCHED_OTHER':
      return { class: 'fair', nice: t.priority };
    case 'SCHED_FIFO':
      return { class: 'fifo', priority: t.priority };
    case 'SCHED_RR':
      return { class: 'rr', priority: t.priority };
    case 'SCHED_DEADLINE': {
      const dl = t.dl!;
      return { class: 'deadline', runtime: dl.runtimeUs * 1000, deadline: dl.deadlineUs * 1000, period: dl.periodUs * 1000 };
    }
  }
}

/**
 * Timer resources: "unique…" refs are private to a thread instance; any other name is one timer of
 * the whole rt-app process, shared by every thread and instance that names it (rt-app_parse_config.c
 * get_resource_index; the engine shares it among the host's threads, src/engine/program.ts).
 */
interface TimerTable {
  /** Per thread index: ref → timer index inside that thread's program, and the count. */
  local: Map<number, Map<string, number>>;
  /** Resource key → relative (false once any event on it asks for absolute, as rt-app's parser does). */
  relative: Map<string, boolean>;
  /** Resource key → the threads using it, with the periods of their uses. */
  users: Map<string, Map<number, number[]>>;
}

function resourceKey(thread: RtappThread, ref: string): string {
  return isPrivateTimerRef(ref) ? `${thread.index}\u0000${ref}` : ref;
}

function timerTable(workload: RtappWorkload): TimerTable {
  const local = new Map<number, Map<string, number>>();
  const relative = new Map<string, boolean>();
  const users = new Map<string, Map<number, number[]>>();
  for (const thread of workload.threads) {
    const refs = new Map<string, number>();
    local.set(thread.index, refs);
    for (const phase of thread.phases) {
      for (const e of phase.events) {
        if (e.kind !== 'timer') continue;
        const key = resourceKey(thread, e.ref);
        if (!users.has(key)) users.set(key, new Map());
        const periods = users.get(key)!;
        periods.set(thread.index, [...(periods.get(thread.index) ?? []), e.periodUs * 1000]);
        if (!refs.has(e.ref)) refs.set(e.ref, refs.size);
        relative.set(key, (relative.get(key) ?? true) && !e.absolute);
      }
    }
  }
  return { local, relative, users };
}

/**
 * A thread's relative deadline (hvsim's misses) when it waits on a timer shared by k threads, each
 * of which uses it once per iteration with the same period T: k·T. In steady state the threads take
 * turns, so the t_next a thread sleeps to is k·T after its previous one and rt-app's slack < 0 means
 * a response beyond k·T. Undefined (the program's own rule) when the thread's timers are all its
 * own, or shared in another pattern, where no single deadline matches rt-app's slack (read the logs).
 */
function sharedTimerDeadline(t: RtappThread, timers: TimerTable): Ns | undefined {
  const keys = [...timers.local.get(t.index)!.keys()].map((ref) => resourceKey(t, ref));
  const shared = keys.filter((key) => timers.users.get(key)!.size > 1);
  if (shared.length === 0) return undefined;
  if (keys.length !== 1) return undefined;
  const uses = [...timers.users.get(shared[0])!.values()];
  const period = uses[0][0];
  const steady = uses.every((periods) => periods.every((p) => p === period)) && t.phases.every((ph) => ph.events.filter((e) => e.kind === 'timer').length === 1);
  return steady ? uses.length * period : undefined;
}

function programOf(t: RtappThread, timers: TimerTable, o: RtappImportOptions, policy: Policy): JobProgram {
  const scale = o.workScale ?? 1;
  const refs = timers.local.get(t.index)!;
  const phases = t.phases.map((phase) => ({
    loop: phase.loop,
    steps: phase.events.map((e): ProgramStep => {
      switch (e.kind) {
        case 'run':
          return { kind: 'run', ns: e.us === 0 ? 0 : Math.max(1, Math.round(e.us * 1000 * scale)), wall: false };
        case 'runtime':
          return { kind: 'run', ns: e.us * 1000, wall: true };
        case 'sleep':
          return { kind: 'sleep', ns: e.us * 1000 };
        case 'timer':
          return { kind: 'timer', timer: refs.get(e.ref)!, period: e.periodUs * 1000, relative: timers.relative.get(resourceKey(t, e.ref))! };
        case 'yield':
          return { kind: 'yield' };
      }
    }),
  }));
  const slack = policy.class === 'fair' ? (o.timerSlackNs ?? DEFAULT_TIMER_SLACK_NS) : 0;
  return { offset: t.delayUs * 1000, loop: t.loop, phases, timers: refs.size, timerRefs: [...refs.keys()], wakeDelayNs: slack + (o.wakeLatencyNs ?? 0) };
}

/** Host-thread ids: the rt-app name when unique, else name-index; characters outside [A-Za-z0-9._-] become '_'. */
function threadIds(threads: RtappThread[]): string[] {
  const clean = cleanId;
  const count = new Map<string, number>();
  for (const t of threads) count.set(clean(t.name), (count.get(clean(t.name)) ?? 0) + 1);
  const ids: string[] = [];
  const used = new Set<string>();
  for (const t of threads) {
    let id = clean(t.name);
    if (count.get(id)! > 1 || used.has(id)) id = `${id}-${t.index}`;
    while (used.has(id)) id = `${id}_`;
    used.add(id);
    ids[t.index] = id;
  }
  return ids;
}

/** A name made valid as an id (ID_PATTERN): other characters become '_'; '', '.' and '..' become t0, t1, t2. */
function cleanId(name: string): string {
  const id = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return id === '' || id === '.' || id === '..' ? `t${id.length}` : id;
}
