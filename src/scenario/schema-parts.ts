// Building blocks of the scenario schema (schema.ts): field helpers, the task union (shared by
// VMU tasks and host threads), execution-time distributions and scheduling policies.

import { SIZE_PATTERN } from './memory-units.js';

/** Ids become file and folder names in reports; '.' and '..' are excluded for that reason. */
export const ID_PATTERN = '^(?!\\.\\.?$)[A-Za-z0-9._-]+$';

/** A duration-valued field. Typed `as const` so json-schema-to-ts can follow the `$ref`. */
export const dur = <const T extends string, const D extends string>(title: T, description: D) =>
  ({ $ref: '#/$defs/duration', title, description }) as const;

/** An id-valued field. */
export const id = <const T extends string, const D extends string>(title: T, description: D) =>
  ({ $ref: '#/$defs/id', title, description }) as const;

const offset = { ...dur('Offset', 'Release time of the first job.'), default: '0s' } as const;

/** A repeat count: >= 1, or -1 for forever (0 is refused by the normaliser, as rt-app does). */
const loopField = <const D extends string>(description: D) =>
  ({ type: 'integer', title: 'Loop', description, minimum: -1 }) as const;

const execField = {
  $ref: '#/$defs/exec',
  title: 'Execution time',
  description: 'Demand of each job: a duration (constant) or a distribution.',
} as const;

const taskId = id('Task id', 'Unique across all tasks and host threads of the scenario.');
const kindField = <const K extends string>(kind: K) =>
  ({
    const: kind,
    title: 'Kind',
    description: 'How jobs are released: periodic, sporadic, server (requests), busy (endless loop) or program (rt-app thread).',
  }) as const;

/** Fields every task kind accepts, listed after the kind-specific ones. */
const taskCommon = {
  deadline: dur(
    'Relative deadline',
    'Default: the period (periodic), the minimum inter-arrival time (sporadic), else no deadline.',
  ),
  policy: { $ref: '#/$defs/policy', title: 'Scheduling policy', description: 'Linux scheduling class and parameters.' },
  affinity: {
    $ref: '#/$defs/cpuList',
    title: 'Affinity',
    description: 'vCPU indices (tasks in a VMU) or pCPU indices (host threads) allowed to run this task; default all.',
  },
  memory: { $ref: '#/$defs/taskMemory', title: 'Memory profile', description: 'Working set and memory intensity, for interference "cache"; absent: it neither suffers nor causes interference.' },
} as const;

/**
 * A task discriminated on `kind`. Host threads are the same plus `host`, so the branches are
 * generated twice: each branch must list every allowed field to stay closed.
 */
export function taskSchema<const Extra extends object, const Required extends readonly string[]>(
  title: string,
  extra: Extra,
  extraRequired: Required,
) {
  return {
    type: 'object',
    title,
    required: ['id', 'kind', ...extraRequired],
    discriminator: { propertyName: 'kind' },
    oneOf: [
      {
        type: 'object',
        title: 'Periodic task',
        description: 'Job k is released at offset + k·period, plus a uniform jitter in [0, jitter].',
        additionalProperties: false,
        required: ['period', 'exec'],
        properties: {
          id: taskId,
          ...extra,
          kind: kindField('periodic'),
          period: dur('Period', 'Time between releases (> 0).'),
          offset,
          jitter: { ...dur('Jitter', 'Maximum release jitter.'), default: '0s' },
          exec: execField,
          ...taskCommon,
        },
      },
      {
        type: 'object',
        title: 'Sporadic task',
        description: 'Inter-arrival = minInterArrival + an exponential extra delay of mean extraMean.',
        additionalProperties: false,
        required: ['minInterArrival', 'exec'],
        properties: {
          id: taskId,
          ...extra,
          kind: kindField('sporadic'),
          minInterArrival: dur('Minimum inter-arrival time', 'Shortest time between releases (> 0).'),
          extraMean: { ...dur('Mean extra delay', 'Mean of the exponential extra inter-arrival delay; 0: periodic.'), default: '0s' },
          offset,
          exec: execField,
          ...taskCommon,
        },
      },
      {
        type: 'object',
        title: 'Server task',
        description: 'Request/response server: Poisson arrivals at `rate`, or explicit `arrivals`.',
        additionalProperties: false,
        required: ['exec'],
        // Exactly one arrival source. if/then/else rather than oneOf: ajv then reports the one
        // failing case, and json-schema-to-ts (which ignores it) stays within its depth limit.
        if: { required: ['rate'] },
        then: { not: { required: ['rate', 'arrivals'] } },
        else: { required: ['arrivals'] },
        properties: {
          id: taskId,
          ...extra,
          kind: kindField('server'),
          rate: { $ref: '#/$defs/rate', title: 'Request rate', description: 'Poisson arrival rate, e.g. "200/s".' },
          arrivals: {
            type: 'array',
            title: 'Arrival instants',
            description: 'Absolute release instants since the start, strictly increasing.',
            minItems: 1,
            items: { $ref: '#/$defs/duration' },
          },
          offset: { ...offset, description: 'Start of the Poisson arrivals (not allowed with `arrivals`).' },
          exec: execField,
          ...taskCommon,
        },
      },
      {
        type: 'object',
        title: 'Busy loop',
        description: 'One job of unbounded demand released at `offset` (a misbehaving VMU).',
        additionalProperties: false,
        properties: {
          id: taskId,
          ...extra,
          kind: kindField('busy'),
          offset,
          ...taskCommon,
        },
      },
      {
        // The file form of a JobProgram (src/scenario/program.ts), so
        // `hvsim import rtapp --json` output loads back. Field names follow the in-memory type.
        type: 'object',
        title: 'Program (rt-app thread)',
        description:
          'A closed loop of run, runtime, sleep and timer steps in phases, with rt-app semantics (docs/rtapp.md): each run is one job, released when the thread reaches it, so each release depends on when the previous job completed.',
        additionalProperties: false,
        required: ['phases'],
        properties: {
          id: taskId,
          ...extra,
          kind: kindField('program'),
          offset: { ...dur('Offset', 'Start of the program (rt-app delay); every timer counts its periods from it.'), default: '0s' },
          loop: { ...loopField('Passes over the whole phase list; -1: forever.'), default: -1 },
          wakeDelay: {
            ...dur(
              'Wake-up delay',
              'Added to every sleep and timer wake-up: the hrtimer slack (import: 50us for fair threads, 0 for RT and deadline ones) plus any machine wake-up latency.',
            ),
            default: '0s',
          },
          phases: {
            type: 'array',
            title: 'Phases',
            description: 'Run in order, each `loop` times; then the list again, `loop` times.',
            minItems: 1,
            items: { $ref: '#/$defs/programPhase' },
          },
          ...taskCommon,
        },
      },
    ],
  } as const;
}

/** One phase of a program task: its steps, repeated `loop` times. */
export const programPhaseSchema = {
  type: 'object',
  title: 'Phase',
  additionalProperties: false,
  required: ['steps'],
  properties: {
    loop: { ...loopField('Iterations of the steps; -1: forever.'), default: 1 },
    steps: {
      type: 'array',
      title: 'Steps',
      description: 'One iteration, in order, e.g. [{ "run": "2ms" }, { "timer": { "ref": "unique", "period": "10ms" } }].',
      items: { $ref: '#/$defs/programStep' },
    },
  },
} as const;

/**
 * One step: an object with exactly one key, as rt-app writes events. A single closed object (not a
 * union of one-key objects) so that a misspelt key is reported as an unknown field with a suggestion.
 */
export const programStepSchema = {
  type: 'object',
  title: 'Step',
  description: 'Exactly one of run, runtime, sleep, timer or yield.',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    run: dur('Run', 'One job of this much CPU work; "0s" releases none.'),
    runtime: dur('Runtime', 'One wall-clock job: it ends this long after it first ran, however long it was pre-empted.'),
    sleep: dur('Sleep', 'Sleep this long from the moment the step is reached.'),
    timer: {
      type: 'object',
      title: 'Timer',
      description: 'Wait for the next expiry of a periodic timer: t_next += period, counted from the program offset.',
      additionalProperties: false,
      required: ['ref', 'period'],
      properties: {
        ref: {
          type: 'string',
          title: 'Timer name',
          description: 'Steps of a task naming the same timer share its grid. Names starting with "unique" are private to the task; any other name must not be used by another task (as in rt-app).',
        },
        period: dur('Period', 'Added to the timer\'s expiry at this step (> 0).'),
        mode: {
          enum: ['relative', 'absolute'],
          title: 'Mode',
          description: 'After an overrun, relative rebases the grid on now and absolute keeps it. One mode per timer; default: the mode another step of the timer gives, else relative.',
        },
      },
    },
    yield: { const: true, title: 'Yield', description: 'sched_yield (rt-app yield): give up the CPU once, then go on at once; host threads only (VMU guests have no yield).' },
  },
} as const;

export const hostField = { host: id('Host', 'Id of the host this runs on.') } as const;

/**
 * Demand of a job: a duration, or a distribution discriminated on `dist`. The union node has no
 * `type` of its own (json-schema-to-ts exceeds its depth limit with one); for a value of neither
 * type, validate.ts describes the union as a whole.
 */
export const execSchema = {
  title: 'Execution time',
  description: 'A duration (constant demand) or { dist: constant | uniform | truncnormal | trace, ... }.',
  oneOf: [
    { $ref: '#/$defs/duration' },
    {
      type: 'object',
      required: ['dist'],
      discriminator: { propertyName: 'dist' },
      oneOf: [
        {
          type: 'object',
          title: 'Constant',
          additionalProperties: false,
          required: ['dist', 'value'],
          properties: { dist: { const: 'constant' }, value: dur('Value', 'Demand of every job.') },
        },
        {
          type: 'object',
          title: 'Uniform',
          additionalProperties: false,
          required: ['dist', 'min', 'max'],
          properties: {
            dist: { const: 'uniform' },
            min: dur('Minimum', 'Smallest demand (> 0).'),
            max: dur('Maximum', 'Largest demand (>= min).'),
          },
        },
        {
          type: 'object',
          title: 'Truncated normal',
          description: 'Normal(mean, sd) redrawn until it falls in [min, max].',
          additionalProperties: false,
          required: ['dist', 'mean', 'sd'],
          properties: {
            dist: { const: 'truncnormal' },
            mean: dur('Mean', 'Mean demand.'),
            sd: dur('Standard deviation', 'Standard deviation of the demand.'),
            min: dur('Minimum', 'Default: max(1ns, mean - 3·sd).'),
            max: dur('Maximum', 'Default: mean + 3·sd.'),
          },
        },
        {
          type: 'object',
          title: 'Trace',
          description: 'Recorded per-job demands, used in order and cycling.',
          additionalProperties: false,
          required: ['dist', 'values'],
          properties: {
            dist: { const: 'trace' },
            values: { type: 'array', title: 'Values', minItems: 1, items: { $ref: '#/$defs/duration' } },
          },
        },
      ],
    },
  ],
} as const;

/** Linux scheduling class, discriminated on `class`. */
export const policySchema = {
  type: 'object',
  title: 'Scheduling policy',
  description: 'Default: { class: fifo, priority: 50 } in a VMU, { class: fair, nice: 0 } for host threads.',
  required: ['class'],
  discriminator: { propertyName: 'class' },
  oneOf: [
    {
      type: 'object',
      title: 'Fixed priority (SCHED_FIFO / SCHED_RR)',
      additionalProperties: false,
      required: ['class', 'priority'],
      properties: {
        class: { enum: ['fifo', 'rr'] },
        priority: { type: 'integer', title: 'Priority', description: '1 (lowest) .. 99.', minimum: 1, maximum: 99 },
      },
    },
    {
      type: 'object',
      title: 'SCHED_DEADLINE',
      description: '0 < runtime <= deadline <= period.',
      additionalProperties: false,
      required: ['class', 'runtime', 'period'],
      properties: {
        class: { const: 'deadline' },
        runtime: dur('Runtime', 'Budget per period.'),
        deadline: dur('Deadline', 'Relative deadline; default: the period.'),
        period: dur('Period', 'Reservation period.'),
        reclaim: {
          type: 'boolean',
          default: false,
          title: 'Reclaim',
          description:
            'SCHED_FLAG_RECLAIM (GRUB, Linux 4.13+): the runtime is charged at the GRUB rate, so the thread may also use bandwidth the other SCHED_DEADLINE threads leave and the unreserved part, up to sched_rt_runtime/sched_rt_period of its CPU (95 % by default). Host threads of the stock-Linux models only.',
        },
      },
    },
    {
      type: 'object',
      title: 'POSIX SCHED_SPORADIC (host threads, stock-Linux models)',
      description:
        'POSIX sporadic server (XSH 2.8.4): runs at priority while it has budget, at lowPriority once the budget is spent; each chunk used returns one period after the activation that used it. Never merged into stock Linux: modelled as the POSIX rules over the RT class. 0 < budget <= period.',
      additionalProperties: false,
      required: ['class', 'priority', 'lowPriority', 'budget', 'period'],
      properties: {
        class: { const: 'sporadic' },
        priority: { type: 'integer', title: 'Priority', description: 'sched_priority while budget remains: 2 .. 99.', minimum: 2, maximum: 99 },
        lowPriority: { type: 'integer', title: 'Low priority', description: 'sched_ss_low_priority, the background priority: 1 .. priority - 1.', minimum: 1, maximum: 98 },
        budget: dur('Budget', 'sched_ss_init_budget: execution time at priority per replenishment period.'),
        period: dur('Replenishment period', 'sched_ss_repl_period: a chunk used returns this long after its activation.'),
        maxRepl: { type: 'integer', title: 'Max replenishments', description: 'sched_ss_max_repl: pending replenishments at most, 1 .. 64; default 4 (_POSIX_SS_REPL_MAX).', minimum: 1, maximum: 64, default: 4 },
        rules: {
          enum: ['posix', 'corrected'],
          title: 'Replenishment rules',
          description:
            "posix (default): the standard as written, with its premature-replenishment defect (a server delayed by higher-priority work can get up to 2·budget in one period). corrected: the corrections of Stanovich, Baker, Wang and González Harbour (RTAS 2010): each stretch run at priority comes back one period after it started to run, replenishments merge when due, never more than budget in any window of one period.",
          default: 'posix',
        },
      },
    },
    {
      type: 'object',
      title: 'CFS (SCHED_OTHER)',
      additionalProperties: false,
      required: ['class'],
      properties: {
        class: { const: 'fair' },
        nice: { type: 'integer', title: 'Nice', description: '-20 .. 19.', minimum: -20, maximum: 19, default: 0 },
      },
    },
  ],
} as const;

/**
 * Extra figures of the report (`hvsim report`), discriminated on `kind`. Each derives variants of
 * the scenario and runs them (src/experiments/sweeps.ts; drawn by src/report/figures.ts); the
 * scenario's own runs are untouched.
 */
export const figureSchema = {
  type: 'object',
  title: 'Figure',
  description: 'An extra report figure derived by re-running variants of this scenario.',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      type: 'object',
      title: 'Reservation-period sweep',
      description:
        'Worst-case wake-up and response latency of one VMU\'s tasks as its reservation period varies at the fixed bandwidth of its SLA (seed figures 11/12); one run per period and model, on the VMU\'s host alone.',
      additionalProperties: false,
      required: ['kind', 'vmu', 'periods'],
      properties: {
        kind: { const: 'period-sweep', title: 'Kind', description: 'period-sweep or utilisation-sweep.' },
        vmu: id('VMU', 'Id of a VMU with an SLA; its budget/period ratio is kept.'),
        periods: {
          type: 'array',
          title: 'Periods',
          description: 'Reservation periods to try, e.g. ["1ms", "10ms", "100ms"].',
          minItems: 2,
          items: { $ref: '#/$defs/duration' },
        },
        duration: dur('Duration', 'Simulated time of each variant; default: the scenario\'s.'),
      },
    },
    {
      type: 'object',
      title: 'Utilisation sweep, fixed priority vs EDF',
      description:
        'Seeded random periodic task sets in one VMU holding a whole CPU, scheduled by the guest with rate-monotonic fixed priorities (fifo) and with EDF; deadline-miss ratio against total utilisation.',
      additionalProperties: false,
      required: ['kind', 'utilisations'],
      properties: {
        kind: { const: 'utilisation-sweep', title: 'Kind', description: 'period-sweep or utilisation-sweep.' },
        utilisations: {
          type: 'array',
          title: 'Utilisations',
          description: 'Total utilisations of the generated task sets, fractions of one CPU in (0, 1.5].',
          minItems: 2,
          items: { type: 'number', exclusiveMinimum: 0, maximum: 1.5 },
        },
        taskSets: { type: 'integer', title: 'Task sets', description: 'Random task sets per utilisation.', minimum: 1, maximum: 500, default: 20 },
        tasks: { type: 'integer', title: 'Tasks', description: 'Tasks per set.', minimum: 2, maximum: 32, default: 5 },
        periods: {
          type: 'array',
          title: 'Periods',
          description: 'Periods the tasks draw from (uniformly); default 5, 7, 10, 14, 20, 25, 35, 50 ms.',
          minItems: 1,
          items: { $ref: '#/$defs/duration' },
        },
        duration: { ...dur('Duration', 'Simulated time of each task set (synchronous release: the critical instant comes first).'), default: '2s' },
        model: { ...id('Model', 'Host model running the VMU (a reservation of the whole CPU).'), default: 'kvm-irmos' },
      },
    },
    {
      type: 'object',
      title: 'Working-set sweep (seed figure 14)',
      description:
        'The working set of one task with a memory profile takes each value (interference "cache"); the worst-case response time and deadline misses of one VMU\'s tasks under each of the scenario\'s models, one run per value and model.',
      additionalProperties: false,
      required: ['kind', 'task', 'workingSets', 'vmu'],
      properties: {
        kind: { const: 'working-set-sweep', title: 'Kind', description: 'period-sweep, utilisation-sweep or working-set-sweep.' },
        task: id('Task', 'Id of the task (or host thread) whose working set varies; it needs a memory profile.'),
        workingSets: {
          type: 'array',
          title: 'Working sets',
          description: 'Working sets to try, sizes with units, e.g. ["4KiB", "1MiB", "64MiB"].',
          minItems: 2,
          items: { type: 'string', pattern: SIZE_PATTERN },
        },
        vmu: id('VMU', 'Id of the VMU whose tasks are observed.'),
        duration: dur('Duration', 'Simulated time of each variant; default: the scenario\'s.'),
      },
    },
    {
      type: 'object',
      title: 'Throughput sweep (seed figure 10)',
      description:
        'Each named flow offers each throughput in turn (its packet rate = throughput / (8 × mean packet size); cbr or poisson), everything else unchanged; per model and per flow, the deadline-miss ratio of the tasks of the VMUs on its PH and the share of its packets lost or late, one run per throughput and model.',
      additionalProperties: false,
      required: ['kind', 'flows', 'throughputs'],
      properties: {
        kind: { const: 'throughput-sweep', title: 'Kind', description: 'period-sweep, utilisation-sweep, working-set-sweep or throughput-sweep.' },
        flows: {
          type: 'array',
          title: 'Flows',
          description: 'Ids of the flows whose offered throughput rises (cbr or poisson), typically one per PH compared.',
          minItems: 1,
          maxItems: 16,
          items: { $ref: '#/$defs/id' },
        },
        throughputs: {
          type: 'array',
          title: 'Throughputs',
          description: 'Offered throughputs of each flow, increasing, e.g. ["40Mbit/s", "80Mbit/s", "160Mbit/s"].',
          minItems: 2,
          maxItems: 64,
          items: { $ref: '#/$defs/bandwidth' },
        },
        duration: dur('Duration', 'Simulated time of each variant; default: the scenario\'s.'),
      },
    },
  ],
} as const;
