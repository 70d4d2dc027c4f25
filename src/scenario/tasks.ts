// Raw task → TaskSpec: arrival pattern by kind, execution-time distribution, deadline, policy
// and affinity, with the defaults and cross-field checks the schema cannot express.

import { describeValue } from '../errors.js';
import type { Checker } from './checks.js';
import type { RawScenario } from './schema.js';
import { normalizeProgram, programDeadline, programExec } from './program.js';
import type { Arrival, ExecDist, Ns, Policy, TaskSpec } from './types.js';
import { formatDuration } from './units.js';
import { normalizeTaskMemory } from './memory.js';

type RawVmu = NonNullable<RawScenario['vmus']>[number];
export type RawTask = NonNullable<RawVmu['tasks']>[number];
export type RawHostThread = NonNullable<RawScenario['hostThreads']>[number];
type RawExec = Extract<RawTask, { exec: unknown }>['exec'];
type RawPolicy = NonNullable<RawTask['policy']>;

/** Where a task runs, for affinity checks and the default policy. */
export interface TaskPlacement {
  /** Number of processors the affinity indexes: vCPUs of the VMU, or pCPUs of the host. */
  processors: number;
  unit: 'vCPU' | 'pCPU';
  /** 'VMU video' or 'host ph1', for messages. */
  owner: string;
  defaultPolicy: Policy;
}

export function normalizeTask(raw: RawTask | RawHostThread, pointer: string, placement: TaskPlacement, check: Checker): TaskSpec {
  const arrival = normalizeArrival(raw, pointer, check);
  const deadline = raw.deadline === undefined ? naturalDeadline(arrival) : check.positiveDuration(raw.deadline, `${pointer}/deadline`);
  return {
    id: raw.id,
    arrival,
    // A program sets each job's demand itself (exec is nominal); a busy loop never completes: model
    // it as one job of unbounded demand. Every other kind requires `exec`.
    exec:
      'exec' in raw
        ? normalizeExec(raw.exec, `${pointer}/exec`, check)
        : arrival.kind === 'program'
          ? programExec(arrival.program)
          : { kind: 'constant', value: Infinity },
    deadline,
    policy: raw.policy === undefined ? { ...placement.defaultPolicy } : normalizeTaskPolicy(raw.policy, `${pointer}/policy`, placement, check),
    affinity: check.processors(raw.affinity, placement.processors, `${pointer}/affinity`, placement.unit, placement.owner),
    ...(raw.memory !== undefined && { memory: normalizeTaskMemory(raw.memory, `${pointer}/memory`, check) }),
  };
}

/** The relative deadline a task gets when it names none (shared with serialize.ts, which omits only that one). */
export function naturalDeadline(arrival: Arrival): Ns {
  switch (arrival.kind) {
    case 'periodic':
      return arrival.period;
    case 'sporadic':
      return arrival.minInterArrival;
    case 'program':
      return programDeadline(arrival.program);
    default:
      return Infinity;
  }
}

function normalizeArrival(raw: RawTask | RawHostThread, pointer: string, check: Checker): Arrival {
  const offsetOf = (text: string | undefined) => check.duration(text ?? '0s', `${pointer}/offset`);
  switch (raw.kind) {
    case 'periodic': {
      const period = check.positiveDuration(raw.period, `${pointer}/period`);
      const jitter = check.duration(raw.jitter ?? '0s', `${pointer}/jitter`);
      return { kind: 'periodic', period, offset: offsetOf(raw.offset), jitter };
    }
    case 'sporadic': {
      const minInterArrival = check.positiveDuration(raw.minInterArrival, `${pointer}/minInterArrival`);
      const extraMean = check.duration(raw.extraMean ?? '0s', `${pointer}/extraMean`);
      return { kind: 'sporadic', minInterArrival, extraMean, offset: offsetOf(raw.offset) };
    }
    case 'server': {
      if (raw.arrivals === undefined) {
        // The schema guarantees `rate` when `arrivals` is absent.
        return { kind: 'poisson', ratePerSec: check.rate(raw.rate, `${pointer}/rate`), offset: offsetOf(raw.offset) };
      }
      if (raw.offset !== undefined) {
        check.fail(`${pointer}/offset`, 'no offset with explicit arrivals (they are absolute instants)', describeValue(raw.offset));
      }
      return { kind: 'trace', times: arrivalTimes(raw.arrivals, `${pointer}/arrivals`, check) };
    }
    case 'busy':
      return { kind: 'busy', offset: offsetOf(raw.offset) };
    case 'program':
      return { kind: 'program', program: normalizeProgram(raw, pointer, check) };
  }
}

function arrivalTimes(list: readonly string[], pointer: string, check: Checker): Ns[] {
  const times: Ns[] = [];
  list.forEach((text, i) => {
    const t = check.duration(text, `${pointer}/${i}`);
    const previous = times[i - 1];
    if (previous !== undefined && t <= previous) {
      check.fail(`${pointer}/${i}`, `an instant after ${formatDuration(previous)} (arrivals strictly increase)`, describeValue(text));
    }
    times.push(t);
  });
  return times;
}

export function normalizeExec(raw: RawExec, pointer: string, check: Checker): ExecDist {
  if (typeof raw === 'string') return { kind: 'constant', value: check.positiveDuration(raw, pointer) };
  switch (raw.dist) {
    case 'constant':
      return { kind: 'constant', value: check.positiveDuration(raw.value, `${pointer}/value`) };
    case 'uniform': {
      const min = check.positiveDuration(raw.min, `${pointer}/min`);
      const max = check.duration(raw.max, `${pointer}/max`);
      if (max < min) check.fail(`${pointer}/max`, `a duration >= min (${formatDuration(min)})`, describeValue(raw.max));
      return { kind: 'uniform', min, max };
    }
    case 'truncnormal': {
      const mean = check.positiveDuration(raw.mean, `${pointer}/mean`);
      const sd = check.duration(raw.sd, `${pointer}/sd`);
      const min = raw.min === undefined ? Math.max(1, mean - 3 * sd) : check.positiveDuration(raw.min, `${pointer}/min`);
      const max = raw.max === undefined ? mean + 3 * sd : check.duration(raw.max, `${pointer}/max`);
      // Redrawing until the value lands in [min, max] must terminate quickly: keep the mean inside.
      if (min > mean) check.fail(`${pointer}/min`, `a duration <= the mean (${formatDuration(mean)})`, describeValue(raw.min));
      if (max < mean) check.fail(`${pointer}/max`, `a duration >= the mean (${formatDuration(mean)})`, describeValue(raw.max));
      return { kind: 'truncnormal', mean, sd, min, max };
    }
    case 'trace':
      return { kind: 'trace', values: raw.values.map((v, i) => check.positiveDuration(v, `${pointer}/values/${i}`)) };
  }
}

/** _POSIX_SS_REPL_MAX: the least sched_ss_max_repl limit every POSIX system supports (XSH <limits.h>). */
const POSIX_SS_REPL_MAX = 4;

/** SCHED_SPORADIC is a host policy (issue 13): a guest scheduler has no sporadic server. */
function normalizeTaskPolicy(raw: RawPolicy, pointer: string, placement: TaskPlacement, check: Checker): Policy {
  if (raw.class === 'sporadic' && placement.unit === 'vCPU') {
    check.fail(`${pointer}/class`, `a guest policy (fifo, rr, deadline or fair): SCHED_SPORADIC is for host threads only (${placement.owner})`, describeValue(raw.class));
  }
  if (raw.class === 'deadline' && raw.reclaim === true && placement.unit === 'vCPU') {
    check.fail(`${pointer}/reclaim`, `no reclaim on a guest task (${placement.owner}): SCHED_FLAG_RECLAIM is modelled for the host's SCHED_DEADLINE (host threads, or a VMU's sla.reclaim under kvm-deadline)`, 'true', 'drop reclaim, or give the VMU\'s sla reclaim: true');
  }
  return normalizePolicy(raw, pointer, check);
}

export function normalizePolicy(raw: RawPolicy, pointer: string, check: Checker): Policy {
  switch (raw.class) {
    case 'fifo':
    case 'rr':
      return { class: raw.class, priority: raw.priority };
    case 'fair':
      return { class: 'fair', nice: raw.nice ?? 0 };
    case 'deadline': {
      const runtime = check.positiveDuration(raw.runtime, `${pointer}/runtime`);
      const period = check.positiveDuration(raw.period, `${pointer}/period`);
      const deadline = raw.deadline === undefined ? period : check.positiveDuration(raw.deadline, `${pointer}/deadline`);
      check.atMost(runtime, deadline, `${pointer}/runtime`, raw.runtime, 'the deadline');
      check.atMost(deadline, period, `${pointer}/deadline`, raw.deadline, 'the period');
      return { class: 'deadline', runtime, deadline, period, ...(raw.reclaim === true && { reclaim: true }) };
    }
    case 'sporadic': {
      const budget = check.positiveDuration(raw.budget, `${pointer}/budget`);
      const period = check.positiveDuration(raw.period, `${pointer}/period`);
      // sched_setparam: EINVAL unless sched_ss_init_budget <= sched_ss_repl_period (POSIX XSH 2.8.4).
      check.atMost(budget, period, `${pointer}/budget`, raw.budget, 'the period');
      if (raw.lowPriority >= raw.priority) check.fail(`${pointer}/lowPriority`, `a priority below priority (${raw.priority})`, describeValue(raw.lowPriority));
      return { class: 'sporadic', priority: raw.priority, lowPriority: raw.lowPriority, budget, period, maxRepl: raw.maxRepl ?? POSIX_SS_REPL_MAX, rules: raw.rules ?? 'posix' };
    }
  }
}
