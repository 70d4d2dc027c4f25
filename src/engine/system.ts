// The engine's own description of a system to run: hosts, VMUs with their guest tasks and I/O
// loads, host threads. It knows nothing of files, reports or experiments; src/scenario builds it
// (its resolved Scenario extends SystemSpec) and so can any other front end. Every time is an
// integer number of nanoseconds; every id is unique in its kind.

import type { GuestPolicyName } from './guest-policy.js';
import type { IoMax } from './qdiscs/throttle.js';
import type { QdiscSpec } from './qdisc.js';
import type { CephClass, CephProfileName, CephRelease } from './storage/ceph-profiles.js';
import type { StorageDeviceName } from './storage/devices.js';
import type { OverheadDelay } from './overhead-delay.js';

/** Integer nanoseconds. */
export type Ns = number;

/** Distribution of a job's execution demand (ns). */
export type ExecDist =
  | { kind: 'constant'; value: Ns }
  | { kind: 'uniform'; min: Ns; max: Ns }
  /** Normal(mean, sd) redrawn until it falls in [min, max]. */
  | { kind: 'truncnormal'; mean: Ns; sd: Ns; min: Ns; max: Ns }
  /** Values used in order, cycling: a recorded per-frame demand trace. */
  | { kind: 'trace'; values: Ns[] };

/** When jobs arrive. */
export type Arrival =
  /** Job k is released at offset + k·period (+ a uniform jitter in [0, jitter]). */
  | { kind: 'periodic'; period: Ns; offset: Ns; jitter: Ns }
  /** Inter-arrival = minInterArrival + an exponential extra of mean `extraMean` (0: strictly periodic). */
  | { kind: 'sporadic'; minInterArrival: Ns; extraMean: Ns; offset: Ns }
  /** Request/response server: Poisson arrivals at `ratePerSec`. */
  | { kind: 'poisson'; ratePerSec: number; offset: Ns }
  /** Explicit release instants (absolute, ns since start), in increasing order. */
  | { kind: 'trace'; times: Ns[] }
  /** Busy loop: one job of unbounded demand released at `offset` (the buggy VMU). */
  | { kind: 'busy'; offset: Ns }
  /** No releases of its own: jobs are injected by the engine (I/O service stages: dom0 backends, vhost). */
  | { kind: 'external' }
  /**
   * A closed-loop program of runs, sleeps, periodic timers and yields (src/engine/program.ts; rt-app
   * threads are written this way). Each run is one job whose demand comes from the program (the
   * task's `exec` is ignored); the next release depends on when the previous job completed.
   */
  | { kind: 'program'; program: JobProgram };

/**
 * A thread's program, rt-app style: `phases` in order, each repeated `loop` times (-1: forever), the
 * whole list repeated `loop` times (-1: forever). Semantics: src/engine/program.ts.
 */
export interface JobProgram {
  /** Start of the program (rt-app `delay`); timers lay their first grid point `period` after it. */
  offset: Ns;
  loop: number;
  phases: ProgramPhase[];
  /** Number of timers the steps refer to (ProgramStep.timer is an index below this). */
  timers: number;
  /**
   * Timer names (rt-app `ref`) by index; absent: "unique", "unique1", …. A name not starting with
   * "unique" is one timer shared with every other program of the same process (a host's threads,
   * or one VMU's tasks) that names it (src/engine/program.ts).
   */
  timerRefs?: string[];
  /** Added to every sleep and timer wake-up (hrtimer slack: 50 µs for SCHED_OTHER, 0 for RT/DL). */
  wakeDelayNs: Ns;
}

export interface ProgramPhase {
  loop: number;
  steps: ProgramStep[];
}

export type ProgramStep =
  /** CPU work: one job of demand `ns` (`wall`: a wall-clock busy loop, rt-app `runtime`, ends `ns` after it first ran). */
  | { kind: 'run'; ns: Ns; wall: boolean }
  /** Relative sleep from the moment the step starts. */
  | { kind: 'sleep'; ns: Ns }
  /** Wait for the next expiry of periodic timer `timer`; `relative`: rebase the grid after an overrun. */
  | { kind: 'timer'; timer: number; period: Ns; relative: boolean }
  /** sched_yield (rt-app `yield`): the thread gives up its CPU once, then goes on at once. */
  | { kind: 'yield' };

/** POSIX / Linux scheduling policy of a task or host thread. */
export type Policy =
  | { class: 'fifo'; priority: number }
  | { class: 'rr'; priority: number }
  /** `reclaim`: SCHED_FLAG_RECLAIM (GRUB; models/kvm/grub.ts), stock-Linux host threads. */
  | { class: 'deadline'; runtime: Ns; deadline: Ns; period: Ns; reclaim?: boolean }
  | { class: 'fair'; nice: number }
  /** POSIX SCHED_SPORADIC (host threads of the stock-Linux models only; models/kvm/sporadic.ts). */
  | { class: 'sporadic'; priority: number; lowPriority: number; budget: Ns; period: Ns; maxRepl: number; rules: 'posix' | 'corrected' };

export interface TaskSpec {
  /** Unique among all tasks and host threads of the scenario. */
  id: string;
  arrival: Arrival;
  /** Demand per job; ignored for busy loops. */
  exec: ExecDist;
  /** Relative deadline; defaults to the period (or min inter-arrival), else none (Infinity). */
  deadline: Ns;
  /** Scheduling policy inside the guest (tasks in a VMU) or on the host (host threads). */
  policy: Policy;
  /** Allowed processors: vCPU indices inside a VMU, pCPU indices for a host thread. */
  affinity: number[];
  /** How it uses memory, for the cache-interference model (interference.ts); absent: it neither suffers nor causes any. */
  memory?: MemoryProfile;
}

/** A task's use of memory (src/engine/cache-model.ts). */
export interface MemoryProfile {
  /** Bytes of data it reuses: what it needs resident in a cache to run at its solo speed. */
  workingSetBytes: number;
  /**
   * 0..1: the share of the host's memory bandwidth it would draw streaming its data from memory,
   * i.e. how fast it walks its working set (intensity × bandwidth bytes per ns of run).
   */
  intensity: number;
}

/** One cache level of a host (each instance serves `sharedBy` consecutive pCPUs). */
export interface CacheLevelSpec {
  name: string;
  sizeBytes: number;
  /** Associativity (ways per set). */
  ways: number;
  /** pCPUs per instance: 1 = private per core; the host's CPU count = one shared last-level cache. */
  sharedBy: number;
  /** Extra time a line costs when it misses this level (served by the next level, or memory after the last). */
  missPenaltyNs: Ns;
}

/** A host's memory hierarchy: cache levels from the core outwards, and the memory bus. */
export interface HostMemorySpec {
  lineBytes: number;
  levels: CacheLevelSpec[];
  /** Memory bandwidth shared by all its pCPUs, bytes per ns (= GB/s). */
  bandwidthBytesPerNs: number;
}

/** The abstract technical SLA of a VMU (seed deliverable §5.3.2): per vCPU. */
export interface Sla {
  budget: Ns;
  period: Ns;
  deadline: Ns;
  /** May use CPU time the other reservations leave (kvm-deadline: SCHED_FLAG_RECLAIM, GRUB); absent: false. */
  reclaim?: boolean;
}

/** A guest policy's name: a key of GUEST_POLICIES (src/engine/guest-policy.ts). */
export type GuestSchedulerKind = GuestPolicyName;

export interface VmuSpec {
  id: string;
  host: string;
  vcpus: number;
  /** pCPUs the VMU's threads may run on. */
  affinity: number[];
  /** pCPUs its vCPUs prefer (Xen soft affinity, `cpus_soft`); absent: no preference. */
  softAffinity?: number[];
  /** Absent: a best-effort VMU with no reservation. */
  sla?: Sla;
  /**
   * The guest kernel's scheduler and tick. `tickPhase`: where its tick grid falls against time 0, as
   * the host's (a duration < tickNs, or 'random'); absent: the host's rule (src/engine/tick.ts).
   */
  guest: { scheduler: GuestSchedulerKind; tickNs: Ns; tickPhase?: Ns | 'random' };
  /** Optional host-side priority of the vCPU threads, for models that schedule them by priority. */
  hostPriority?: number;
  /** CPU weight (cgroup shares / Xen weight) for proportional-share models; default 1024. */
  weight: number;
  tasks: TaskSpec[];
  /** Network and disk loads whose requests cross the host's I/O path (dom0 backends, vhost, iothreads). */
  io: IoLoadSpec[];
  /** Pin vCPU i to pCPU affinity[i] (Xen's dom0_vcpus_pin); set by models for the domains they add. */
  pinVcpus?: boolean;
  /** Its virtual link into the host's IXB (policing, shaping, classes); absent: a plain one (src/engine/net). */
  vlink?: VirtualLinkSpec;
  /**
   * Its lifetime [startNs, stopNs) (src/experiments/lifecycle.ts admits it at startNs): its tasks
   * release from startNs (their offsets count from it) and their pending jobs are dropped at stopNs.
   * Absent: from time 0 / to the end of the run.
   */
  startNs?: Ns;
  stopNs?: Ns;
  /**
   * Guest boot and shutdown CPU bursts (issue 13): at startNs a boot job of `bootNs` runs on vCPU 0
   * (task `<vmu>.boot`) and the tasks release from its completion; at stopNs a shutdown job of
   * `shutdownNs` runs (task `<vmu>.shutdown`) after the tasks' pending jobs are dropped. Absent: none.
   */
  bootNs?: Ns;
  shutdownNs?: Ns;
  /**
   * Set on the destination instance of a VMU that live-migrates (src/engine/migration.ts): the id of
   * the VMU it continues. It releases nothing of its own; the source's jobs move to it at resume.
   */
  migrationOf?: string;
  /**
   * Run-time SLA renegotiations (issue 13), in time order. Each carries the model's admission verdict
   * at its instant (src/experiments/lifecycle.ts decides it before the run): an admitted one is
   * applied then by the model's HostBuild.changeSla, a refused one only leaves a trace event.
   */
  slaChanges?: SlaChange[];
}

/** One asked-for change of a VMU's SLA at `atNs`; `admitted` undefined until admission decided it. */
export interface SlaChange {
  atNs: Ns;
  sla: Sla;
  admitted?: boolean;
  /** Why the model refused it (its admission test and sums). */
  reason?: string;
}

/**
 * A VMU's virtual link into its PH's IXB (io-qos.md §2.1: police at ingress per VM, shape at egress
 * per virtual link or class; §2.3 the per-packet pipeline).
 */
export interface VirtualLinkSpec {
  /** Line rate of the virtual NIC in bits/s: its serialisation after the egress discipline. */
  bandwidthBps: number;
  /**
   * Ingress policer: a token bucket; non-conforming packets dropped or re-marked into `remarkClass`.
   * `onlyClass`: police only that class's packets (io-qos.md §2.3: EF policed to its rate); absent: all.
   */
  police?: { rateBytesPerSec: number; burstBytes: number; action: 'drop' | 'remark'; remarkClass?: string; onlyClass?: string };
  /** Egress discipline: fifo, tbf, htb, prio or drr with its parameters (src/engine/qdisc.ts). */
  egress: QdiscSpec;
}

/** A physical link between two PHs: full duplex, each direction its own wire and NIC queue. */
export interface LinkSpec {
  id: string;
  hosts: [string, string];
  bandwidthBps: number;
  /** One-way propagation delay. */
  delayNs: Ns;
  /** NIC transmit queue per direction, in packets (txqueuelen, io-qos.md §2.5). */
  queuePackets: number;
}

/** When a flow's packets leave: the task arrival laws that make sense for packets, plus on/off. */
export type FlowArrival =
  | Extract<Arrival, { kind: 'periodic' } | { kind: 'poisson' } | { kind: 'trace' }>
  /** Constant bit rate during `onNs`, silent for `offNs`, repeating, from `offset`. */
  | { kind: 'onoff'; period: Ns; onNs: Ns; offNs: Ns; offset: Ns };

/** Packets from one VMU to another, on one PH or across a link (through both IXBs). */
export interface FlowSpec {
  id: string;
  from: string;
  to: string;
  arrival: FlowArrival;
  /** Packet sizes in bytes (an ExecDist over bytes). */
  size: ExecDist;
  /** Class at the source's egress discipline; default the flow id. */
  class: string;
  /** One-way latency bound (Infinity: none). */
  deadline: Ns;
}

/**
 * One stage of a request chain (a VSN's end-to-end request, issue 11): a packet between two VMUs
 * (both IXBs, and the link when they sit on different PHs), a job of `demandNs` in a VMU (run by the
 * chain's handler task there, chain.ts handlerId), or a request on a host's storage device.
 */
export type ChainStage =
  | { kind: 'hop'; from: string; to: string; bytes: number }
  | { kind: 'compute'; vmu: string; demandNs: Ns; priority: number }
  /**
   * `serviceNs` on a host without a storage model; the device's own service of `bytes` on one with one.
   * `from`: the VMU that sends the request to `host` over the network (an OSD box, the chain being at a
   * VMU of another host: src/engine/storage/remote-osd.ts); absent: the device of the host the chain is on.
   */
  | { kind: 'storage'; host: string; bytes: number; write: boolean; serviceNs: Ns; from?: string };

/** Requests that cross their stages in order; the end-to-end latency is judged against `deadline`. */
export interface ChainSpec {
  id: string;
  arrival: FlowArrival;
  stages: ChainStage[];
  deadline: Ns;
}

/**
 * The CPU the IXB spends per packet (io-qos.md §2.4: t_cpu = c0 + c_byte·len + Σ c_feature; seed
 * §4.1.1, figure 7: encapsulation, per-class scheduling, timestamping). Sending costs every part;
 * receiving costs forward, (de)encapsulation and timestamping. On top comes the model's own
 * crossing cost (netback, vhost).
 */
export interface IxbSpec {
  forwardNs: Ns;
  encapsulationNs: Ns;
  policingNs: Ns;
  schedulingNs: Ns;
  timestampingNs: Ns;
  /** ns per byte (a float: 0.25 ns/B copies payload). */
  perByteNs: number;
  /** Packets a VMU's ring holds per direction before arrivals are dropped as starved (Xen netif ring: 256). */
  ringSlots: number;
}

/**
 * An I/O load of a VMU. `net`: a request arrives from the wire, is handled by the guest, and the
 * response leaves through the wire; `disk`: the guest issues a read, the device serves it, and the
 * guest consumes the data. Each model says which host entities the request crosses (its ioPath).
 */
export interface IoLoadSpec {
  /** Unique across tasks, host threads and I/O loads: its guest handler task carries this id. */
  id: string;
  /**
   * 'boot': the VMU's boot disk reads (issue 13) — `reads` requests issued one after another by its
   * boot (src/engine/lifecycle.ts), not by the arrival law. Absent: an ordinary load.
   */
  issuedBy?: { kind: 'boot'; reads: number };
  kind: 'net' | 'disk';
  arrival: Arrival;
  /** Guest CPU per request: the application's work plus the frontend driver's. */
  compute: ExecDist;
  /** Device service time (disk) or wire/NIC time (net) per request. */
  deviceNs: Ns;
  /** End-to-end latency bound per request (Infinity: none). */
  deadline: Ns;
  /** Guest SCHED_FIFO priority of the handler thread. */
  priority: number;
  /**
   * A disk load served by the host's storage device (HostSpec.storage) as a stream with its own
   * request shape and QoS, instead of a fixed `deviceNs`; the deadline is its max latency.
   */
  storage?: StorageStreamSpec;
}

/** A storage stream's requests and QoS attributes (io-qos.md §1.10 and §4.1). */
export interface StorageStreamSpec {
  bytes: number;
  write: boolean;
  /** Each request starts where the previous one ended; otherwise anywhere on the device. */
  sequential: boolean;
  /** mClock's r, w and l in requests/s (0: unset; io-qos.md §1.2). */
  reservation: number;
  weight: number;
  limit: number;
  /** Under a Ceph mClock profile: the op class whose allocation the stream shares (default client). */
  cephClass?: CephClass;
  /** blk-throttle io.max keys for the throttling layer (io-qos.md §1.8); absent: not throttled. */
  ioMax?: IoMax;
  /**
   * The host whose storage device serves the stream when it is not the VMU's own: an OSD box reached
   * over the network (src/engine/storage/remote-osd.ts). Absent: the VMU's host's device.
   */
  osd?: string;
}

/** A host's storage device: its service model and the discipline that schedules it. */
export interface HostStorageSpec {
  device: StorageDeviceName;
  /** Model parameters over its defaults (src/engine/storage/hdd.ts, ssd.ts). */
  deviceParams: Record<string, unknown>;
  scheduler: 'fifo' | 'mq-deadline' | 'mclock' | 'edf';
  /** mclock only: a Ceph built-in profile sets each op class's r, w, l (src/engine/storage/ceph-profiles.ts). */
  profile?: { name: CephProfileName; release: CephRelease };
  /** Discipline parameters (mq-deadline's); mClock's come from the streams. */
  schedulerParams: Record<string, unknown>;
}

export interface HostThreadSpec extends TaskSpec {
  host: string;
  /**
   * The VMU whose host-process thread this is, placed as its I/O threads are: set by KVM models on
   * the vhost/iothread they add for a VMU's I/O, and by src/scenario/migration.ts on a migration
   * thread with `thread: inside`.
   */
  ioThreadOf?: string;
  /** Overrides the model's `ioThreads` parameter for this thread (a migration's `thread: inside`). */
  placement?: 'inside';
  /** What the thread is to its VMU, in the mapping's words; absent: its I/O thread. */
  role?: string;
}

export interface HostSpec {
  id: string;
  cpus: number;
  /** CPU time lost per context switch (the leaf makes no progress before it); `overheads.contextSwitch`. */
  contextSwitchNs: Ns;
  /** Scheduler tick (1/HZ). */
  tickNs: Ns;
  /**
   * Where the tick grid falls: CPU 0 ticks at phase + k·tickNs (absent: 0, the workload starts on a
   * tick); 'random': drawn from the run's seed (src/engine/tick.ts).
   */
  tickPhase?: Ns | 'random';
  /** skew_tick=1: CPU i's tick is offset by i·(tick/2)/cpus (tick_setup_sched_timer). Absent: false. */
  skewTick?: boolean;
  /** Wake-up overheads beyond the context switch (src/scenario/overheads.ts); absent: none. */
  overheads?: WakeOverheads;
  /** Its storage device; absent: disk loads share one FIFO device with a fixed time per request. */
  storage?: HostStorageSpec;
  /** Its caches and memory bus (required when the system's interference is 'cache'). */
  memory?: HostMemorySpec;
  /** Its IXB's per-packet CPU costs; absent: the defaults of src/engine/net/ixb.ts. */
  ixb?: IxbSpec;
  /** The PH's role in ISONI (seed §4.1.5, figure 10); absent: no role declared. */
  role?: HostRole;
  /** The top-level partition of its CPU among the three main categories (seed §4, figure 6); absent: none. */
  categories?: HostCategories;
}

/** Seed §4.1.5: an IXB node carries inter-node traffic, so its IXB category is the larger one. */
export type HostRole = 'ixb-node' | 'plain';

/**
 * One main scheduling category (seed §4.1): its portion of the host's CPU time (a fraction of all
 * its CPUs, 0 < share ≤ 1) and whether that portion is fixed (figure 6: reserved, so guaranteed) or
 * left to the scheduler (a weight that only divides contended time).
 */
export interface CpuCategory {
  share: number;
  fixed: boolean;
}

/**
 * Seed §4.1.1–4.1.3: what runs in each category is fixed by the seed, not by the scenario — the IXB
 * packet work (the model's packetPath task: the ixb driver domain's netback under Xen, vhost under KVM), the VMUs' vCPUs (each within its
 * SLA), and the host threads the scenario declares (ISONI node/domain functions, monitoring).
 * Σ shares ≤ 1. The IXB category may use time the others leave (§4.1.1) where the stack allows it.
 */
export interface HostCategories {
  ixb: CpuCategory;
  vmu: CpuCategory;
  framework: CpuCategory;
}

/**
 * Delays between a timer's expiry and the woken task being runnable (src/scenario/overheads.ts):
 * each a constant or a distribution drawn per wake-up (overhead-delay.ts).
 */
export interface WakeOverheads {
  /** Timer interrupt: from the expiry to the handler waking the task (hrtimer_interrupt); carries the machine's interrupt-latency noise. */
  timerInterruptNs: OverheadDelay;
  /** Wake-up path: try_to_wake_up until the task can be picked. */
  wakeupNs: OverheadDelay;
  /** A guest task's timer: VM exit to the host and entry back with the interrupt injected. */
  vmExitNs: OverheadDelay;
}

/** Everything one run simulates. */
export interface SystemSpec {
  /** Where the description came from, for messages ('<memory>' when built in code). */
  file: string;
  durationNs: Ns;
  /** Metrics ignore jobs released before this instant. */
  warmupNs: Ns;
  seed: number;
  hosts: HostSpec[];
  vmus: VmuSpec[];
  hostThreads: HostThreadSpec[];
  /**
   * 'cache': a job's progress depends on the tasks that ran before it on its CPU and beside it on
   * CPUs sharing a cache or the memory bus (interference.ts). Absent: none — execution times are
   * exactly the demands, as analytic results assume.
   */
  interference?: 'cache';
  /** Physical links between PHs; absent: none. */
  links?: LinkSpec[];
  /** Packet flows between VMUs; absent: none. */
  flows?: FlowSpec[];
  /** Request chains across VMUs, IXBs, links and storage (a VSN, issue 11); absent: none. */
  chains?: ChainSpec[];
  /** Live migrations of VMUs between PHs (issue 13, src/engine/migration.ts); absent: none. */
  migrations?: MigrationSpec[];
  /**
   * VMUs refused at their start (src/experiments/lifecycle.ts): never built and never up, but flows
   * and chain stages still name them — what is sent to them is lost (destinationAbsent) at their PH,
   * and a chain request that reaches one fails. Absent: none.
   */
  absentVmus?: VmuSpec[];
}

/**
 * One live migration (pre-copy, Clark et al. NSDI 2005 §3): from `atNs` the pages of `vmu` cross to
 * `to` in rounds, then the VMU stops, its last dirty pages and device state cross, and it resumes as
 * `twin` (a VMU of the destination PH). Each optional field overrides the stack's own default
 * (src/engine/migration.ts PRECOPY_RULES).
 */
export interface MigrationSpec {
  id: string;
  /** The VMU as the scenario names it. */
  vmu: string;
  /** Its instance that leaves: the VMU itself, or the one an earlier migration moved it to. */
  source: string;
  from: string;
  to: string;
  /** Its instance on the destination PH (VmuSpec.migrationOf = vmu), or the VMU itself back on its own PH. */
  twin: string;
  atNs: Ns;
  memoryBytes: number;
  /** Bytes the guest dirties per second (distinct pages × page size while it runs). */
  dirtyBytesPerSec: number;
  pageBytes: number;
  /** CPU and device state sent during the stop-and-copy besides the last dirty pages. */
  deviceStateBytes: number;
  /** Host threads doing the per-page work on the source and the destination (dom0 under Xen, QEMU under KVM). */
  sendThread: string;
  receiveThread: string;
  /** KVM only: both threads run inside the migrating VMU's reservation (absent: outside, QEMU's default; migration.md §2.2). */
  thread?: 'inside';
  sendCostPerPageNs: Ns;
  receiveCostPerPageNs: Ns;
  maxBandwidthBps?: number;
  downtimeLimitNs?: Ns;
  maxRounds?: number;
  /** QEMU's auto-converge (KVM only; src/engine/migration-rules.ts): its parameters, QEMU's defaults filled in. */
  autoConverge?: { initialPct: number; incrementPct: number; maxPct: number; triggerThresholdPct: number };
}
