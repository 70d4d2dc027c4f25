// rt-app's JSON grammar (peers-and-rt-app.md §5a; rt-app src/rt-app_parse_config.c at v1.0 and
// upstream 55cb0c0) → a typed workload, keeping key order (events run in the order written) and
// refusing, by name, every event or key hvsim cannot model. Every refusal is an InputError whose
// pointer names the thread, the phase and the event.

import type { Node } from 'yaml';
import { readInputText } from '../scenario/load.js';
import { InputError, describeValue as describeJson, pointerOf } from '../errors.js';
import { parseSource, yaml } from '../scenario/source.js';

export type RtappPolicy = 'SCHED_OTHER' | 'SCHED_FIFO' | 'SCHED_RR' | 'SCHED_DEADLINE';

export type RtappEvent =
  /** `run`: calibrated work; `runtime`: a wall-clock busy loop; `sleep`: a relative sleep (all µs). */
  | { key: string; kind: 'run' | 'runtime' | 'sleep'; us: number; pointer: string }
  | { key: string; kind: 'timer'; ref: string; periodUs: number; absolute: boolean; pointer: string }
  /** `yield`: sched_yield(); rt-app ignores the value (rt-app_parse_config.c parse_task_event_data). */
  | { key: string; kind: 'yield'; pointer: string };

export interface RtappPhase {
  name: string;
  /** Iterations (-1: forever). */
  loop: number;
  events: RtappEvent[];
  pointer: string;
}

export interface RtappThread {
  /** The task's key: rt-app's thread name (all its instances share it). */
  name: string;
  /** rt-app's thread index (data->ind): position over all instances in file order. */
  index: number;
  policy: RtappPolicy;
  /** Nice value for SCHED_OTHER, RT priority for FIFO/RR, 0 for DEADLINE. */
  priority: number;
  /** SCHED_DEADLINE parameters (µs). */
  dl?: { runtimeUs: number; periodUs: number; deadlineUs: number };
  cpus?: number[];
  delayUs: number;
  /** Passes over the phase list (-1: forever). */
  loop: number;
  phases: RtappPhase[];
  pointer: string;
}

export interface RtappGlobal {
  /** Seconds; -1: until the threads end. */
  duration: number;
  /** Fixed ns per calibration loop, or null when rt-app calibrates on a CPU. */
  nsPerLoop: number | null;
  logBasename: string;
  cumulativeSlack: boolean;
}

export interface RtappWorkload {
  file: string;
  global: RtappGlobal;
  threads: RtappThread[];
}

/** Events by prefix, longest first (rt-app matches `run0`, `timer1`, …; `runtime` before `run`). */
const EVENT_PREFIXES = [
  'sem_post', 'sem_wait', 'barrier', 'suspend', 'runtime', 'memrun', 'signal', 'unlock', 'resume',
  'iorun', 'broad', 'sleep', 'timer', 'yield', 'fork', 'lock', 'wait', 'sync', 'run', 'mem',
] as const;

const UNSUPPORTED: Record<string, string> = {
  lock: 'mutexes between threads are not modelled',
  unlock: 'mutexes between threads are not modelled',
  wait: 'condition variables between threads are not modelled',
  signal: 'condition variables between threads are not modelled',
  broad: 'condition variables between threads are not modelled',
  sync: 'condition variables between threads are not modelled',
  barrier: 'barriers between threads are not modelled',
  suspend: 'suspend/resume between threads is not modelled',
  resume: 'suspend/resume between threads is not modelled',
  sem_post: 'semaphores between threads are not modelled',
  sem_wait: 'semaphores between threads are not modelled',
  fork: 'threads created at run time are not modelled',
  mem: 'memory load is not modelled (no cache or memory model)',
  memrun: 'memory load is not modelled (no cache or memory model)',
  iorun: 'I/O load is not modelled (no device model)',
};

const GLOBAL_KEYS = new Set([
  'duration', 'calibration', 'default_policy', 'pi_enabled', 'lock_pages', 'logdir', 'log_basename',
  'log_size', 'ftrace', 'gnuplot', 'io_device', 'mem_buffer_size', 'cumulative_slack',
]);
/** Keys with no effect on CPU scheduling that hvsim accepts and ignores. */
const IGNORED_THREAD_KEYS = new Set(['nodes_membind', 'util_min', 'util_max', 'lock_pages']);
const THREAD_KEYS = new Set(['instance', 'loop', 'delay', 'policy', 'priority', 'dl-runtime', 'dl-period', 'dl-deadline', 'cpus', 'phases', ...IGNORED_THREAD_KEYS]);
const PHASE_KEYS = new Set(['loop', 'cpus', 'policy', 'priority', 'dl-runtime', 'dl-period', 'dl-deadline', ...IGNORED_THREAD_KEYS]);
const POLICIES: readonly string[] = ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_DEADLINE'];

type Obj = Map<string, unknown>;

/** describeValue for the ordered tree: Maps shown as the objects they were written as. */
function describeValue(value: unknown): string {
  const plain = (v: unknown): unknown =>
    v instanceof Map ? Object.fromEntries([...v].map(([k, x]) => [k, plain(x)])) : Array.isArray(v) ? v.map(plain) : v;
  return describeJson(plain(value));
}

export function readRtappFile(file: string): RtappWorkload {
  return parseRtapp(readInputText(file, 'a readable rt-app JSON file'), file);
}

/** Parse rt-app JSON text; `file` names it in messages. */
export function parseRtapp(text: string, file: string): RtappWorkload {
  const clean = text.replace(/^\uFEFF/, '');
  const source = parseSource(clean, file, 'json'); // syntax and duplicate-key errors, with lines
  const doc = ordered(yaml().parseDocument(clean).contents as Node | null);
  const at = (pointer: string) => source.lineOf(pointer);
  const fail = (pointer: string, expected: string, found: string, hint?: string): never => {
    throw new InputError({ file, pointer, line: at(pointer), expected, found, hint });
  };
  return new Reader(file, fail).workload(doc);
}

/** True when the data looks like an rt-app file (a `tasks` object, no hvsim `hosts`). */
export function looksLikeRtapp(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'tasks' in data && !('hosts' in data);
}

/** YAML/JSON node → nested Maps (keeping key order, including integer-like keys), arrays and scalars. */
function ordered(node: Node | null): unknown {
  if (node === null) return null;
  const { isMap, isScalar, isSeq } = yaml();
  if (isMap(node)) {
    const out: Obj = new Map();
    for (const pair of node.items) out.set(String(isScalar(pair.key) ? pair.key.value : pair.key), ordered(pair.value as Node | null));
    return out;
  }
  if (isSeq(node)) return node.items.map((n) => ordered(n as Node | null));
  return isScalar(node) ? node.value : null;
}

class Reader {
  private index = 0;

  constructor(
    readonly file: string,
    readonly fail: (pointer: string, expected: string, found: string, hint?: string) => never,
  ) {}

  workload(doc: unknown): RtappWorkload {
    const root = this.object(doc, '', 'an rt-app workload: an object with "tasks" (and optionally "global")');
    for (const key of root.keys()) {
      if (!['global', 'tasks', 'resources'].includes(key)) this.fail(pointerOf(key), 'the top-level keys "global", "tasks" or "resources"', describeValue(key));
    }
    const global = this.global(root.get('global'));
    const tasks = this.object(root.get('tasks'), '/tasks', 'an object of threads');
    if (tasks.size === 0) this.fail('/tasks', 'at least one thread', 'an empty object');
    const defaultPolicy = this.policyName(root.get('global') instanceof Map ? (root.get('global') as Obj).get('default_policy') : undefined, '/global/default_policy', 'SCHED_OTHER');
    const threads: RtappThread[] = [];
    for (const [name, raw] of tasks) threads.push(...this.thread(name, raw, defaultPolicy));
    if (threads.length === 0) this.fail('/tasks', 'at least one thread instance', 'every task has "instance": 0');
    return { file: this.file, global, threads };
  }

  private global(raw: unknown): RtappGlobal {
    if (raw === undefined) return { duration: -1, nsPerLoop: null, logBasename: 'rt-app', cumulativeSlack: false };
    const g = this.object(raw, '/global', 'an object');
    for (const key of g.keys()) {
      if (!GLOBAL_KEYS.has(key)) this.fail(pointerOf('global', key), `a global key (${[...GLOBAL_KEYS].join(', ')})`, describeValue(key));
    }
    const duration = this.int(g.get('duration') ?? -1, '/global/duration');
    if (duration === 0 || duration < -1) this.fail('/global/duration', 'seconds > 0, or -1', describeValue(duration));
    const calibration = g.get('calibration') ?? 'CPU0';
    let nsPerLoop: number | null = null;
    if (typeof calibration === 'number') nsPerLoop = this.positiveInt(calibration, '/global/calibration');
    else if (typeof calibration !== 'string' || !/^CPU\d+$/.test(calibration)) this.fail('/global/calibration', 'ns per loop (an integer) or "CPU<n>"', describeValue(calibration));
    const basename = g.get('log_basename') ?? 'rt-app';
    if (typeof basename !== 'string' || basename === '' || basename.includes('/')) this.fail('/global/log_basename', 'a file name prefix', describeValue(basename));
    const cumulative = g.get('cumulative_slack') ?? false;
    if (typeof cumulative !== 'boolean') this.fail('/global/cumulative_slack', 'true or false', describeValue(cumulative));
    return { duration, nsPerLoop, logBasename: basename as string, cumulativeSlack: cumulative as boolean };
  }

  private thread(name: string, raw: unknown, defaultPolicy: RtappPolicy): RtappThread[] {
    const pointer = pointerOf('tasks', name);
    const t = this.object(raw, pointer, `thread "${name}": an object of properties and events`);
    const hasPhases = t.has('phases');
    for (const key of t.keys()) {
      if (THREAD_KEYS.has(key)) continue;
      if (hasPhases) this.unknownKey(key, pointerOf('tasks', name, key), name, 'a thread property (with "phases", events belong in a phase)', true);
    }
    const policy = this.policyName(t.get('policy'), `${pointer}/policy`, defaultPolicy);
    const priority = this.int(t.get('priority') ?? (policy === 'SCHED_FIFO' || policy === 'SCHED_RR' ? 10 : 0), `${pointer}/priority`);
    if (policy === 'SCHED_OTHER' && (priority < -20 || priority > 19)) this.fail(`${pointer}/priority`, 'a nice value in -20..19 for SCHED_OTHER', String(priority));
    if ((policy === 'SCHED_FIFO' || policy === 'SCHED_RR') && (priority < 1 || priority > 99)) this.fail(`${pointer}/priority`, 'an RT priority in 1..99', String(priority));
    const dl = policy === 'SCHED_DEADLINE' ? this.deadline(t, pointer, name) : undefined;
    const cpus = t.has('cpus') ? this.cpus(t.get('cpus'), `${pointer}/cpus`) : undefined;
    const delayUs = Math.max(0, this.int(t.get('delay') ?? 0, `${pointer}/delay`));
    const instance = this.int(t.get('instance') ?? 1, `${pointer}/instance`);
    if (instance < 0) this.fail(`${pointer}/instance`, 'a number of copies >= 0', String(instance));

    let phases: RtappPhase[];
    let loop: number;
    if (hasPhases) {
      const list = this.object(t.get('phases'), `${pointer}/phases`, `thread "${name}": an object of phases`);
      if (list.size === 0) this.fail(`${pointer}/phases`, 'at least one phase', 'an empty object');
      phases = [...list].map(([phase, body]) => this.phase(name, phase, body, pointerOf('tasks', name, 'phases', phase), { policy, priority, dl, cpus }));
      loop = this.loopValue(t.get('loop') ?? -1, `${pointer}/loop`);
    } else {
      // Upstream rt-app: a thread without phases is one phase; its "loop" bounds the thread (rt-app
      // 1.0 ignored it and looped forever).
      const body = this.phase(name, '', t, pointer, { policy, priority, dl, cpus });
      phases = [{ ...body, name: name, loop: 1 }];
      loop = t.has('loop') ? body.loop : -1;
    }
    const out: RtappThread[] = [];
    for (let i = 0; i < instance; i++) out.push({ name, index: this.index++, policy, priority, dl, cpus, delayUs, loop, phases, pointer });
    return out;
  }

  private phase(thread: string, name: string, raw: unknown, pointer: string, inherited: Pick<RtappThread, 'policy' | 'priority' | 'dl' | 'cpus'>): RtappPhase {
    const p = this.object(raw, pointer, `phase "${name}" of thread "${thread}": an object of events`);
    const isThread = name === '';
    const events: RtappEvent[] = [];
    for (const [key, value] of p) {
      const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (isThread ? THREAD_KEYS.has(key) : PHASE_KEYS.has(key)) {
        if (!isThread) this.samePhaseSetting(key, value, at, thread, inherited);
        continue;
      }
      const kind = EVENT_PREFIXES.find((e) => key.startsWith(e));
      if (kind === undefined) this.unknownKey(key, at, thread, isThread ? 'an event or a thread property' : 'an event or a phase property', false);
      if (UNSUPPORTED[kind!] !== undefined) {
        this.fail(at, 'an event hvsim models: run, runtime, sleep, timer or yield', `event "${key}" (${kind}) in thread "${thread}"`, UNSUPPORTED[kind!]);
      }
      events.push(this.event(kind as RtappEvent['kind'], key, value, at, thread));
    }
    const loop = this.loopValue(p.get('loop') ?? 1, `${pointer}/loop`);
    return { name, loop, events, pointer };
  }

  private event(kind: RtappEvent['kind'], key: string, value: unknown, pointer: string, thread: string): RtappEvent {
    if (kind === 'yield') return { key, kind, pointer }; // any value, as rt-app
    if (kind !== 'timer') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        this.fail(pointer, `a duration in µs (an integer >= 0) for event "${key}" of thread "${thread}"`, describeValue(value));
      }
      return { key, kind, us: value as number, pointer };
    }
    const o = this.object(value, pointer, `a timer {"ref", "period", "mode"} for event "${key}" of thread "${thread}"`);
    for (const k of o.keys()) if (!['ref', 'period', 'mode'].includes(k)) this.fail(`${pointer}/${k}`, 'a timer key: ref, period or mode', describeValue(k));
    const ref = o.get('ref') ?? 'unknown'; // rt-app's default name: one timer shared by every thread that omits ref
    if (typeof ref !== 'string') this.fail(`${pointer}/ref`, 'a timer name, or "unique"', describeValue(ref));
    const periodUs = this.positiveInt(o.get('period'), `${pointer}/period`);
    const mode = o.get('mode') ?? 'relative';
    if (mode !== 'relative' && mode !== 'absolute') this.fail(`${pointer}/mode`, '"relative" or "absolute"', describeValue(mode));
    return { key, kind: 'timer', ref: ref as string, periodUs, absolute: mode === 'absolute', pointer };
  }

  /** rt-app 1.0 cannot change policy per phase and hvsim keeps one affinity per thread: refuse changes. */
  private samePhaseSetting(key: string, value: unknown, pointer: string, thread: string, inherited: Pick<RtappThread, 'policy' | 'priority' | 'dl' | 'cpus'>): void {
    const current: Record<string, unknown> = {
      policy: inherited.policy,
      priority: inherited.priority,
      'dl-runtime': inherited.dl?.runtimeUs,
      'dl-period': inherited.dl?.periodUs,
      'dl-deadline': inherited.dl?.deadlineUs,
      cpus: inherited.cpus,
    };
    if (!(key in current)) return;
    if (JSON.stringify(value) !== JSON.stringify(current[key])) {
      this.fail(pointer, `the thread's own ${key} (${describeValue(current[key])})`, `${describeValue(value)} in a phase of thread "${thread}"`, 'per-phase policy and affinity changes are not modelled: the engine keeps one policy and affinity per thread');
    }
  }

  private deadline(t: Obj, pointer: string, name: string): { runtimeUs: number; periodUs: number; deadlineUs: number } {
    for (const legacy of ['period', 'deadline']) {
      if (t.has(legacy)) this.fail(`${pointer}/${legacy}`, `"dl-${legacy}"`, `the legacy key "${legacy}"`);
    }
    const runtimeUs = this.positiveInt(t.get('dl-runtime'), `${pointer}/dl-runtime`);
    const periodUs = t.has('dl-period') ? this.positiveInt(t.get('dl-period'), `${pointer}/dl-period`) : runtimeUs;
    const deadlineUs = t.has('dl-deadline') ? this.positiveInt(t.get('dl-deadline'), `${pointer}/dl-deadline`) : periodUs;
    // sched_setattr refuses anything else (linux-irmos.md §4.1).
    if (!(runtimeUs <= deadlineUs && deadlineUs <= periodUs)) {
      this.fail(pointer, `dl-runtime <= dl-deadline <= dl-period for thread "${name}"`, `${runtimeUs} / ${deadlineUs} / ${periodUs} µs`);
    }
    return { runtimeUs, periodUs, deadlineUs };
  }

  private unknownKey(key: string, pointer: string, thread: string, expected: string, eventsMisplaced: boolean): never {
    const kind = EVENT_PREFIXES.find((e) => key.startsWith(e));
    if (eventsMisplaced && kind !== undefined) {
      this.fail(pointer, expected, `event "${key}" at thread level in thread "${thread}"`, 'rt-app ignores thread-level events when "phases" exists; move it into a phase');
    }
    return this.fail(pointer, expected, `unknown key "${key}" in thread "${thread}"`, `events: ${EVENT_PREFIXES.join(', ')} (matched by prefix)`);
  }

  private policyName(raw: unknown, pointer: string, fallback: RtappPolicy): RtappPolicy {
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !POLICIES.includes(raw)) {
      const hint = raw === 'SCHED_BATCH' || raw === 'SCHED_IDLE' ? `${raw} is not modelled (fair class variants without wake-up pre-emption or with weight 3)` : undefined;
      this.fail(pointer, `a policy: ${POLICIES.join(', ')}`, describeValue(raw), hint);
    }
    return raw as RtappPolicy;
  }

  private cpus(raw: unknown, pointer: string): number[] {
    if (!Array.isArray(raw) || raw.length === 0) this.fail(pointer, 'a non-empty array of CPU numbers', describeValue(raw));
    const cpus = (raw as unknown[]).map((c, i) => this.int(c, `${pointer}/${i}`));
    if (cpus.some((c) => c < 0)) this.fail(pointer, 'CPU numbers >= 0', describeValue(raw));
    return [...new Set(cpus)].sort((a, b) => a - b);
  }

  private loopValue(raw: unknown, pointer: string): number {
    const loop = this.int(raw, pointer);
    if (loop === 0 || loop < -1) this.fail(pointer, 'a loop count >= 1, or -1 (forever)', String(loop));
    return loop;
  }

  private object(raw: unknown, pointer: string, expected: string): Obj {
    if (!(raw instanceof Map)) this.fail(pointer, expected, raw === undefined ? 'nothing' : describeValue(raw));
    return raw as Obj;
  }

  private int(raw: unknown, pointer: string): number {
    if (typeof raw !== 'number' || !Number.isInteger(raw)) this.fail(pointer, 'an integer', describeValue(raw));
    return raw as number;
  }

  private positiveInt(raw: unknown, pointer: string): number {
    const v = this.int(raw, pointer);
    if (v <= 0) this.fail(pointer, 'an integer > 0 (µs)', String(v));
    return v;
  }
}
