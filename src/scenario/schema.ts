// JSON Schema (draft 2020-12) of the raw, on-disk scenario. It is the single source for three
// things: ajv validation in the loader, the `RawScenario` type (json-schema-to-ts), and
// schema/scenario.schema.json that editors use for completion (see emit-schema.ts).
// Every object is closed (additionalProperties: false) so typos surface as "unknown field".
// Object unions are discriminated (ajv `discriminator` on kind/dist/class) so ajv reports the
// errors of the branch the user meant, not of every branch; validate.ts phrases them.
// Shape constraints that json-schema-to-ts cannot type within its depth limit (the rate/arrivals
// choice, min/max of an expectation) are written as if/then/else, which it ignores.

import { hostCategoriesSchema, hostRoleSchema } from './categories.js';
import { hostStorageSchema, storageStreamSchema } from './schema-storage.js';
import { hostMemorySchema, taskMemorySchema } from './schema-memory.js';
import { chainSchema, vsnSchema } from './schema-chain.js';
import { migrationSchema } from './schema-migration.js';
import { flowSchema, hostIxbSchema, linkSchema, vmuNetworkSchema } from './schema-net.js';
import { GUEST_POLICY_NAMES } from '../engine/guest-policy.js';
import { OVERHEAD_PROFILE_NAMES } from './overheads.js';
import { PHENOMENON_NAMES } from '../engine/phenomena.js';
import type { FromSchema } from 'json-schema-to-ts';
import { BANDWIDTH_PATTERN, DURATION_PATTERN, RATE_PATTERN } from './units.js';
import { expectationSchema, regressSchema } from './schema-regress.js';
import { dur, execSchema, figureSchema, hostField, id, ID_PATTERN, policySchema, programPhaseSchema, programStepSchema, taskSchema } from './schema-parts.js';

export { ID_PATTERN };

/**
 * An overhead: a duration, or a distribution given by quantiles (min, pN for the N-th percentile,
 * max; max required), drawn per wake-up (src/engine/overhead-delay.ts). Ordering and the
 * percentile range are checked by the normaliser (src/scenario/overheads.ts).
 */
const overheadDelay = <const T extends string, const D extends string>(title: T, description: D) =>
  ({
    title,
    description,
    oneOf: [
      { $ref: '#/$defs/duration' },
      {
        type: 'object',
        required: ['max'],
        properties: { min: { $ref: '#/$defs/duration' }, max: { $ref: '#/$defs/duration' } },
        // Any p-key passes here so that one out of range (p100, p0) gets the normaliser's pointed message.
        patternProperties: { '^p': { $ref: '#/$defs/duration', title: 'pN for the N-th percentile (0 < N < 100, e.g. p50, p99, p99.9)' } },
        additionalProperties: false,
      },
    ],
  }) as const;

export const scenarioSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'hvsim scenario',
  description: 'Hosts, VMUs, their real-time tasks and the scheduling models to compare.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'duration', 'hosts'],
  properties: {
    $schema: { type: 'string', title: 'Schema', description: 'Path or URL of this JSON Schema, for editors; ignored.' },
    name: id('Scenario name', 'Letters, digits, ".", "_", "-"; it becomes a folder name.'),
    description: { type: 'string', title: 'Description', description: 'Free text (at most 10000 characters).', maxLength: 10000, default: '' },
    question: {
      type: 'string',
      title: 'Question',
      description: 'The question the experiment answers, one sentence; it heads its section of the report.',
      maxLength: 2000,
    },
    answer: { $ref: '#/$defs/answer' },
    duration: dur('Duration', 'Simulated time span, e.g. "10s".'),
    warmup: { ...dur('Warm-up', 'Metrics ignore jobs released before this instant; < duration.'), default: '0s' },
    seed: {
      type: 'integer',
      title: 'Random seed',
      description: 'Seed of every random stream; same seed, same results.',
      minimum: 0,
      maximum: 4294967295,
      default: 1,
    },
    interference: {
      enum: ['none', 'cache'],
      title: 'Interference',
      description:
        'none (default): a job needs exactly its demand, as analytic results assume. cache: its progress also depends on what ran before it on its CPU (reload of what others evicted) and beside it on CPUs sharing a cache or the memory bus (docs/reference/cache.md); every host then needs `memory`, tasks a `memory` profile to take part.',
      default: 'none',
    },
    hosts: {
      type: 'array',
      title: 'Hosts',
      description: 'Physical machines (at most 64).',
      minItems: 1,
      maxItems: 64,
      items: { $ref: '#/$defs/host' },
    },
    vmus: {
      type: 'array',
      title: 'VMUs',
      description: 'Virtual machine units (guests) and their tasks (at most 256).',
      maxItems: 256,
      items: { $ref: '#/$defs/vmu' },
      default: [],
    },
    hostThreads: {
      type: 'array',
      title: 'Host threads',
      description: 'Tasks running directly on a host, competing with the vCPU threads (at most 512).',
      maxItems: 512,
      items: { $ref: '#/$defs/hostThread' },
      default: [],
    },
    links: {
      type: 'array',
      title: 'Links',
      description: 'Physical links between hosts (at most 256).',
      maxItems: 256,
      items: { $ref: '#/$defs/link' },
      default: [],
    },
    flows: {
      type: 'array',
      title: 'Flows',
      description: 'Packet flows between VMUs through the IXBs (at most 256).',
      maxItems: 256,
      items: { $ref: '#/$defs/flow' },
      default: [],
    },
    chains: {
      type: 'array',
      title: 'Request chains',
      description: 'A VSN\'s end-to-end requests across VMUs, IXBs, links and storage (at most 64).',
      maxItems: 64,
      items: { $ref: '#/$defs/chain' },
      default: [],
    },
    vsns: {
      type: 'array',
      title: 'VSNs',
      description: 'Virtual Service Networks: groups of VMUs deployed and torn down together, with an optional start and stop their VMUs share (at most 64).',
      maxItems: 64,
      items: { $ref: '#/$defs/vsn' },
      default: [],
    },
    migrations: {
      type: 'array',
      title: 'Live migrations',
      description: 'VMUs that move to another PH during the run (at most 64).',
      maxItems: 64,
      items: { $ref: '#/$defs/migration' },
      default: [],
    },
    models: {
      type: 'array',
      title: 'Models',
      description: 'Scheduling stacks to simulate: a registry name or { name, params } (at most 32).',
      maxItems: 32,
      items: { $ref: '#/$defs/modelRequest' },
      default: [],
    },
    expect: {
      type: 'array',
      title: 'Expectations',
      description: 'Bounds on metrics, comparisons between models and admission verdicts checked after a run; a failed one makes the run exit 1 (at most 1000).',
      maxItems: 1000,
      items: { $ref: '#/$defs/expectation' },
      default: [],
    },
    regress: regressSchema,
    figures: {
      type: 'array',
      title: 'Figures',
      description: 'Extra figures `hvsim report` derives by re-running variants of this scenario (docs in README; at most 16).',
      maxItems: 16,
      items: { $ref: '#/$defs/figure' },
      default: [],
    },
  },
  $defs: {
    duration: {
      type: 'string',
      title: 'Duration',
      description: 'A non-negative duration with a unit: ns, us, µs, ms, s, min (e.g. "2.5ms").',
      pattern: DURATION_PATTERN,
      examples: ['2.5ms', '40us', '1s'],
    },
    rate: {
      type: 'string',
      title: 'Rate',
      description: 'Events per time unit: "200/s", "5/ms", "10/us", "50Hz", "2kHz".',
      pattern: RATE_PATTERN,
      examples: ['200/s', '50Hz'],
    },
    bandwidth: {
      type: 'string',
      title: 'Bandwidth',
      description: 'Bits or bytes per second: "100Mbit/s", "1Gbit/s", "12.5MB/s".',
      pattern: BANDWIDTH_PATTERN,
      examples: ['1Gbit/s', '100Mbit/s'],
    },
    id: { type: 'string', title: 'Id', description: 'Letters, digits, ".", "_", "-"; at most 64 characters (ids become file names).', pattern: ID_PATTERN, minLength: 1, maxLength: 64 },
    cpuList: {
      type: 'array',
      title: 'CPU indices',
      description: '0-based processor indices, without duplicates.',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'integer', minimum: 0 },
    },
    host: {
      type: 'object',
      title: 'Host',
      additionalProperties: false,
      required: ['id', 'cpus'],
      properties: {
        id: id('Host id', 'Unique among hosts.'),
        cpus: { type: 'integer', title: 'Physical CPUs', description: 'Number of pCPUs.', minimum: 1, maximum: 256 },
        contextSwitch: { ...dur('Context-switch cost', 'Overhead charged per context switch.'), default: '0ns' },
        tick: { ...dur('Scheduler tick', 'Host scheduler tick, 1/HZ (> 0).'), default: '1ms' },
        tickPhase: {
          title: 'Tick phase',
          description:
            'Where the tick grid falls: CPU 0 ticks at phase + k·tick (< tick). "random": drawn from the seed, as a real run starts at an arbitrary point of the jiffies grid.',
          oneOf: [{ $ref: '#/$defs/duration' }, { const: 'random' }],
          default: '0ns',
        },
        skewTick: {
          type: 'boolean',
          title: 'skew_tick',
          description: "Linux's skew_tick=1 boot option: CPU i's tick is offset by i·(tick/2)/cpus. Default: ticks aligned on all CPUs.",
          default: false,
        },
        overheads: {
          title: 'Overheads',
          description:
            'Timer interrupt, wake-up path, context switch and VM exit/entry costs. "none" (default): all 0, for analytic work; a profile measured by validate:linux on a named machine class (src/scenario/overheads.ts, README); "measured": the firecracker-quiet-host profile; an object: each omitted field takes its "measured" value. timerInterrupt, wakeup and vmExit are each a duration or a distribution given by quantiles, drawn per wake-up.',
          oneOf: [
            { enum: ['none', 'measured', ...OVERHEAD_PROFILE_NAMES] },
            {
              type: 'object',
              additionalProperties: false,
              properties: {
                timerInterrupt: overheadDelay('Timer interrupt', "From a timer expiry to the handler waking the task; the machine's interrupt-latency noise."),
                wakeup: overheadDelay('Wake-up path', 'From the wake-up to the task being runnable (try_to_wake_up).'),
                contextSwitch: dur('Context switch', 'CPU time lost per context switch (a duration: charged on every dispatch).'),
                vmExit: overheadDelay('VM exit/entry', "A guest task's timer: VM exit to the host and entry back with the interrupt."),
              },
            },
          ],
          default: 'none',
        },
        memory: { $ref: '#/$defs/hostMemory', title: 'Memory hierarchy', description: 'Caches and memory bandwidth, for interference "cache".' },
        storage: { $ref: '#/$defs/hostStorage', title: 'Storage device', description: 'The disk storage streams of its VMUs share; absent: disk loads take a fixed device time.' },
        ixb: { $ref: '#/$defs/hostIxb', title: 'IXB CPU cost', description: 'CPU per packet of its IXB; absent: the defaults.' },
        role: hostRoleSchema,
        categories: { $ref: '#/$defs/hostCategories', title: 'CPU categories', description: 'Portions of its CPU for IXB, VMUs and framework (seed figure 6); absent: none.' },
      },
    },
    sla: {
      type: 'object',
      title: 'SLA',
      description: 'Per-vCPU reservation: budget every period, within deadline; 0 < budget <= deadline <= period.',
      additionalProperties: false,
      required: ['budget', 'period'],
      properties: {
        budget: dur('Budget', 'CPU time guaranteed per period (> 0).'),
        period: dur('Period', 'Reservation period.'),
        deadline: dur('Deadline', 'Relative deadline of the budget; default: the period.'),
        reclaim: {
          type: 'boolean',
          default: false,
          title: 'Reclaim',
          description:
            'The reservation may also use CPU time the other reservations leave. kvm-deadline: SCHED_FLAG_RECLAIM (GRUB) on each vCPU thread, up to sched_rt_runtime/sched_rt_period of its CPU (95 % by default); the other stacks keep their own rule and their mapping rows say it is not honoured.',
        },
      },
    },
    guest: {
      type: 'object',
      title: 'Guest scheduler',
      additionalProperties: false,
      properties: {
        scheduler: {
          enum: GUEST_POLICY_NAMES,
          title: 'Guest scheduler',
          description: 'Scheduler inside the guest kernel: fifo (POSIX fixed priorities), edf (earliest deadline first) or fair (CFS-like).',
          default: 'fifo',
        },
        tick: { ...dur('Guest tick', 'Guest scheduler tick (> 0).'), default: '4ms' },
        tickPhase: {
          title: 'Guest tick phase',
          description:
            "Where the guest kernel's tick grid falls: it ticks at phase + k·tick (< tick). \"random\": drawn from the seed for this VMU alone. Default: the host's tickPhase (a stated phase, modulo the guest tick; \"random\": this VMU's own draw).",
          oneOf: [{ $ref: '#/$defs/duration' }, { const: 'random' }],
        },
      },
    },
    vmu: {
      type: 'object',
      title: 'VMU',
      additionalProperties: false,
      required: ['id', 'host'],
      properties: {
        id: id('VMU id', 'Unique among VMUs.'),
        host: id('Host', 'Id of the host the VMU runs on.'),
        vcpus: { type: 'integer', title: 'vCPUs', description: 'Number of virtual CPUs (at most 256, as many as a host may have pCPUs).', minimum: 1, maximum: 256, default: 1 },
        affinity: {
          $ref: '#/$defs/cpuList',
          title: 'Affinity',
          description: 'pCPU indices the vCPU threads may run on; default all CPUs of the host.',
        },
        softAffinity: {
          $ref: '#/$defs/cpuList',
          title: 'Soft affinity',
          description:
            'pCPU indices the vCPUs prefer (xl.cfg cpus_soft): Xen Credit (>= 4.5) and Credit2 try them first; RTDS, SEDF and the KVM models have no such preference and ignore it. Default: none.',
        },
        sla: { $ref: '#/$defs/sla', title: 'SLA', description: 'Reservation; absent for a best-effort VMU.' },
        start: dur(
          'Start',
          'When the VMU is created (from time 0, e.g. "2s"): its reservation asks admission then, against the VMUs admitted at that instant (a refusal is a result: the VMU never starts), and its tasks release from then on (offsets count from it); flows from it send only while it is up (start or boot end to stop), and what flows and chain requests reach it while it is not up is lost as destinationAbsent. Inside a VSN: within the VSN\'s span. Default: its VSN\'s start, else 0 (there from the start, admitted with the scenario).',
        ),
        stop: dur(
          'Stop',
          'When the VMU is destroyed (from time 0, after `start`): its pending jobs are dropped (a chain request in it fails) and its reservation released, so a later VMU can be admitted. Inside a VSN: within the VSN\'s span. Default: its VSN\'s stop, else the end of the run.',
        ),
        boot: {
          type: 'object',
          title: 'Boot phase',
          description: 'The guest boots at `start` before its tasks release: its disk reads (if any) one after another through the stack\'s I/O path, then one CPU burst on vCPU 0 (task `<vmu>.boot`); the boot time is from `start` to the burst\'s end, and the tasks\' offsets count from its end. Absent: no boot phase.',
          additionalProperties: false,
          required: ['cpu'],
          properties: {
            cpu: dur('Boot CPU', 'CPU demand of the boot, e.g. "200ms".'),
            disk: {
              type: 'object',
              title: 'Boot disk reads',
              description:
                'The images the boot loads, read synchronously one request at a time (a boot loader\'s firmware or pvgrub reads), each through the I/O path (blkfront → dom0 blkback under Xen, the iothread under KVM) and the host\'s storage device (I/O load `<vmu>.boot-disk`). Absent: the boot reads nothing.',
              additionalProperties: false,
              required: ['reads'],
              properties: {
                reads: { type: 'integer', minimum: 1, maximum: 1000000, title: 'Reads', description: 'Number of read requests.' },
                size: { type: 'integer', minimum: 1, maximum: 1e9, default: 65536, title: 'Size', description: 'Bytes per read (a host with `storage:`), default 64 KiB; sequential from one random place.' },
                device: dur('Device time', 'Service time of one read on a host without a storage model, default "200us" (as an I/O load\'s `device`).'),
              },
            },
          },
        },
        shutdown: {
          type: 'object',
          title: 'Shutdown phase',
          description: 'At `stop` the tasks\' pending jobs are dropped and the guest shuts down: one CPU burst on vCPU 0 (task `<vmu>.shutdown`). Absent: no shutdown phase.',
          additionalProperties: false,
          required: ['cpu'],
          properties: { cpu: dur('Shutdown CPU', 'CPU demand of the shutdown, e.g. "50ms".') },
        },
        slaChanges: {
          type: 'array',
          title: 'SLA changes',
          description:
            'Run-time renegotiations of the VMU\'s SLA, in time order: at each `at` (from time 0, after `start`, before `stop`) the model runs its own admission test for the new SLA against what is admitted at that instant; accepted, it reconfigures the reservation as the real stack does (sched_setattr, cpu.rt_runtime_us, xl sched-rtds, …); refused, the SLA in force stays and the refusal is a result. Absent: the SLA never changes.',
          items: {
            type: 'object',
            title: 'SLA change',
            additionalProperties: false,
            required: ['at', 'sla'],
            properties: {
              at: dur('At', 'When the change is asked for, from time 0, e.g. "2s".'),
              sla: { $ref: '#/$defs/sla', title: 'New SLA', description: 'The SLA asked for from then on (budget, period, deadline per vCPU).' },
            },
          },
        },
        guest: { $ref: '#/$defs/guest', title: 'Guest', description: 'Scheduler inside the VMU.' },
        hostPriority: {
          type: 'integer',
          title: 'Host priority',
          description: 'Real-time priority of the vCPU threads, for models that use one.',
          minimum: 1,
          maximum: 99,
        },
        weight: {
          type: 'integer',
          title: 'Weight',
          description: 'CPU weight (cgroup shares / Xen weight) for proportional-share models.',
          minimum: 1,
          maximum: 262144,
          default: 1024,
        },
        tasks: {
          type: 'array',
          title: 'Tasks',
          description: 'Real-time tasks of the guest (at most 256; at most 1000 tasks and host threads in a scenario).',
          maxItems: 256,
          items: { $ref: '#/$defs/task' },
          default: [],
        },
        io: {
          type: 'array',
          title: 'I/O loads',
          description: 'Network request/response and disk read loads; each request crosses the host I/O path of the model (at most 64).',
          maxItems: 64,
          items: { $ref: '#/$defs/ioLoad' },
          default: [],
        },
        network: { $ref: '#/$defs/vmuNetwork', title: 'Virtual link', description: 'Policing, egress discipline and vNIC rate of its packets (flows); absent: fifo at 10 Gbit/s.' },
        aggressor: {
          type: 'object',
          title: 'Aggressor',
          description:
            'Marks the VMU as an aggressor for `hvsim isolation` and says how it misbehaves there: "busy" (an infinite loop on every vCPU) or "scale" (each task demands `factor` times its execution time). Its own busy tasks count as misbehaviour: the isolation baseline runs without them. Ignored by run and compare.',
          additionalProperties: false,
          required: ['mode'],
          properties: {
            mode: { enum: ['busy', 'scale'], title: 'Mode', description: 'busy: an infinite loop on every vCPU; scale: every demand times `factor`.' },
            factor: { type: 'number', minimum: 0.001, maximum: 1000, title: 'Factor', description: 'Demand multiplier of mode "scale", e.g. 3 (required there, not allowed with "busy").' },
          },
        },
      },
    },
    ioLoad: {
      type: 'object',
      title: 'I/O load',
      description: 'Requests at a Poisson `rate` or every `period`; each costs `compute` in the guest and `device` at the device or wire.',
      additionalProperties: false,
      required: ['id', 'kind'],
      properties: {
        id: id('I/O load id', 'Unique across tasks, host threads and I/O loads; also the id of its guest handler task.'),
        kind: { enum: ['net', 'disk'], title: 'Kind', description: 'net: request in from the wire, response out; disk: a read served by the device.' },
        rate: { $ref: '#/$defs/rate', title: 'Request rate', description: 'Poisson arrival rate, e.g. "200/s".' },
        period: dur('Period', 'Fixed inter-arrival time (instead of rate).'),
        compute: { $ref: '#/$defs/exec', title: 'Guest compute', description: 'Guest CPU per request (application + frontend). Default "50us".' },
        device: dur('Device time', 'Device service time (disk, default "200us") or wire time (net, default "20us") per request.'),
        deadline: dur('Deadline', 'End-to-end latency bound per request; default none.'),
        priority: { type: 'integer', minimum: 1, maximum: 99, default: 60, title: 'Handler priority', description: 'Guest SCHED_FIFO priority of the handler thread.' },
        storage: { $ref: '#/$defs/storageStream', title: 'Storage stream', description: 'kind disk only: served by the host\'s storage device with this request shape and QoS.' },
      },
    },
    hostStorage: hostStorageSchema,
    hostMemory: hostMemorySchema,
    taskMemory: taskMemorySchema,
    storageStream: storageStreamSchema,
    hostIxb: hostIxbSchema,
    hostCategories: hostCategoriesSchema,
    link: linkSchema,
    vmuNetwork: vmuNetworkSchema,
    flow: flowSchema,
    chain: chainSchema,
    vsn: vsnSchema,
    migration: migrationSchema,
    task: taskSchema('Task', {}, []),
    hostThread: taskSchema('Host thread', hostField, ['host']),
    programPhase: programPhaseSchema,
    programStep: programStepSchema,
    exec: execSchema,
    policy: policySchema,
    figure: figureSchema,
    modelRequest: {
      title: 'Model',
      description: 'A registry name such as "kvm-irmos", or { name, params } with native parameter overrides.',
      oneOf: [
        { $ref: '#/$defs/id' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: id('Model name', 'Registry name, e.g. "kvm-linux".'),
            params: { type: 'object', title: 'Parameters', description: 'Model-specific overrides, checked by the model.' },
          },
        },
      ],
    },
    answer: {
      type: 'object',
      title: 'Answer',
      description:
        "What answers the question: the metric of the tasks, I/O loads or VMUs it asks about, and the phenomenon whose rule each model explains. The report's reading opens with the answer computed from the results (docs/extending.md).",
      additionalProperties: false,
      required: ['metric', 'of', 'because'],
      properties: {
        kind: {
          enum: ['holds', 'compares', 'breaks'],
          title: 'Kind of answer',
          description: 'holds: which models keep the metric of every target within its bound; compares: how the metric of the first target compares with the second under each model; breaks (metric misses, targets the flows of a throughput-sweep figure): the throughput at which each model stops guaranteeing the VMUs on each flow\'s PH and the flow itself.',
          default: 'holds',
        },
        metric: {
          enum: ['misses', 'p99', 'max', 'wakeup-max', 'share'],
          title: 'Metric',
          description: 'misses: deadline misses of a task, I/O load or flow (a lost packet misses too); p99/max: its response (task) or latency (I/O load, flow one-way); wakeup-max: a task’s worst wake-up latency; share: a VMU’s CPU share against its reservation.',
        },
        of: {
          type: 'array',
          title: 'Targets',
          description: 'Ids of the tasks, I/O loads, flows or VMUs the question asks about (an I/O load before the task of the same id); compares takes exactly two.',
          minItems: 1,
          maxItems: 16,
          items: { $ref: '#/$defs/id' },
        },
        bound: dur('Bound', 'For p99, max and wakeup-max: the bound that counts as holding; default: each target’s deadline.'),
        because: {
          enum: PHENOMENON_NAMES,
          title: 'Phenomenon',
          description: 'The phenomenon whose rule each model explains in the reading (src/engine/phenomena.ts).',
        },
      },
    },
    expectation: expectationSchema,
  },
} as const;

/** The file as written, after schema validation and before defaults and unit parsing. */
export type RawScenario = FromSchema<
  typeof scenarioSchema,
  { keepDefaultedPropertiesOptional: true }
>;
