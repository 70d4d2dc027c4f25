// The things that exist in a run: jobs, tasks (the work a guest or the host schedules) and host
// entities (what the host scheduler places on pCPUs: vCPU threads and plain host threads).
// Policies keep their own per-entity state in `slot`, as Linux's sched_entity/sched_dl_entity and
// Xen's per-vCPU scheduler private data do.

import type { HostThreadSpec, Ns, TaskSpec, VmuSpec } from './system.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import type { SchedClass } from './policy.js';
import type { Guest } from './guest.js';
import { widenNumberFields } from './wide-numbers.js';

export interface Job {
  release: Ns;
  /** Absolute deadline (Infinity when the task has none). */
  deadline: Ns;
  demand: Ns;
  remaining: Ns;
  /** Set when the job first executes (for wake-up latency). */
  started: boolean;
  /** Released after warm-up: counted in the metrics. */
  measured: boolean;
  /** When the job first executed (set with `started`): wall-clock jobs end relative to it. */
  firstRunAt?: Ns;
  /** A wall-clock job (a busy-wait until a time, rt-app `runtime`) ends this long after `firstRunAt`, however long it was pre-empted. */
  wallNs?: Ns;
  /**
   * sched_yield calls its thread makes, once it has a CPU, before this
   * job's work starts (src/engine/program.ts); the job counts as started only after them.
   */
  yields?: number;
  /** For a job injected by the I/O path: continue the request when the job completes. */
  onDone?: (now: Ns) => void;
}

/** Per-task counters; latencies stream into fixed-size histograms. */
export class TaskStats {
  readonly response = new LatencyHistogram();
  /** Release → first instruction of the job. */
  readonly wakeup = new LatencyHistogram();
  released = 0;
  completed = 0;
  missed = 0;
  /** Jobs whose deadline passed before the end of the run without completing. */
  unfinishedMissed = 0;
  tardinessMaxNs: Ns = 0;
  tardinessSumNs = 0;
  /** Times a started, unfinished job stopped executing (guest or host pre-emption). */
  preemptions = 0;
  /** Times the task resumed on a different processor (vCPU inside a guest, pCPU on the host). */
  migrations = 0;

  constructor() {
    widenNumberFields(this, ['tardinessMaxNs', 'tardinessSumNs']);
  }
}

/**
 * What a pending-job slot holds once its job is done: the queue must not keep finished jobs
 * reachable (issue 14: a task kept up to 64 of them, which outlived the young generation and
 * filled the old one with garbage at 1024 tasks). Same fields in the same order as newJob's, so
 * every slot shares the jobs' hidden class.
 */
const NO_JOB: Job = newBlankJob();

/**
 * A job object with every field of newJob's, in its order (one hidden class for all jobs). Each task
 * starts with one as its spare, so its first release fills a job as every later one does (a path only
 * a run's first releases took had no type feedback in the optimised code: a deoptimisation per run).
 */
function newBlankJob(): Job {
  const job: Job = { release: 0, deadline: 0, demand: 0, remaining: 0, started: false, measured: false, firstRunAt: undefined, wallNs: undefined, yields: undefined, onDone: undefined };
  // newJob's literal follows the same hidden-class transitions, so its jobs get the double fields too.
  widenNumberFields(job, ['release', 'deadline', 'demand', 'remaining']);
  return job;
}

export class Task {
  /** Pending jobs, oldest first (a late periodic task queues its next releases, like rt-app): a ring of `queued` jobs from `head`. */
  private jobs: Job[] = [NO_JOB, NO_JOB];
  private head = 0;
  private queued = 0;
  /**
   * Whether a job is pending, and the oldest one (undefined when none): fields the job queue keeps
   * up to date (pushJob, shiftJob, dropPendingJobs), read-only elsewhere. Getters were the same
   * reads, but each was a function V8 compiled on its own early in every cold run and a call in the
   * baseline code until then (issue 14: seven getters compiled per cold EDF run).
   */
  hasJob = false;
  currentJob: Job | undefined = undefined;
  /** Total executed ns (progress of its jobs). */
  execNs = 0;
  /** execNs at the end of warm-up. */
  execAtWarmupNs = 0;
  /** Processor the task is placed on (vCPU entity in a guest; its own host entity otherwise). */
  runner: HostEntity | null = null;
  /** Index of the processor it last executed on, for migration counting (-1: never). */
  lastProcessor = -1;
  /** The guest scheduler of its VMU (null for a host thread). */
  guest: Guest | null = null;
  /** The guest machinery's state of the task (queue order, re-placement). */
  guestSlot: GuestTaskState = { order: 0, newJobWhilePlaced: false, runnable: false };
  /** The guest policy's own state of the task (each policy file has its typed accessor). */
  guestPolicyState: unknown = undefined;
  /** The engine's run state of the task (its releases and host: simulator.ts's runtimeOf), read per job without a Map lookup. */
  engineState: unknown = undefined;
  readonly stats = new TaskStats();
  /** Relative deadline (spec.deadline), read at every release without a look into the spec object. */
  readonly deadlineNs: Ns;
  /**
   * A finished job of this task that nothing refers to any more, which its next release reuses
   * (newJob): set by the engine only when no observer keeps jobs (issue 14: the job object was the
   * largest allocation per job).
   */
  spareJob: Job | null = newBlankJob();

  constructor(
    readonly spec: TaskSpec,
    /** The VMU it runs in, or null for a host thread. */
    readonly vmu: VmuSpec | null,
  ) {
    this.deadlineNs = spec.deadline;
    widenNumberFields(this, ['execNs', 'execAtWarmupNs']);
  }

  get id(): string {
    return this.spec.id;
  }

  pushJob(job: Job): void {
    const capacity = this.jobs.length;
    if (this.queued === capacity) {
      // Full: unroll into twice the room, oldest first (capacity stays a power of two).
      const jobs = this.pendingJobs();
      for (let k = capacity; k < 2 * capacity; k++) jobs.push(NO_JOB);
      this.jobs = jobs;
      this.head = 0;
    }
    this.jobs[(this.head + this.queued++) & (this.jobs.length - 1)] = job;
    if (this.queued === 1) {
      this.hasJob = true;
      this.currentJob = job;
    }
  }

  /** Drop the finished head job. */
  shiftJob(): void {
    this.jobs[this.head] = NO_JOB;
    this.head = (this.head + 1) & (this.jobs.length - 1);
    this.queued--;
    this.hasJob = this.queued > 0;
    this.currentJob = this.queued > 0 ? this.jobs[this.head] : undefined;
  }

  /** Drop every queued job (its VMU stopped: issue 13 lifecycle). */
  dropPendingJobs(): void {
    this.jobs.fill(NO_JOB);
    this.head = 0;
    this.queued = 0;
    this.hasJob = false;
    this.currentJob = undefined;
  }

  /** The queued jobs, oldest first (a copy). */
  pendingJobs(): Job[] {
    const jobs: Job[] = [];
    for (let k = 0; k < this.queued; k++) jobs.push(this.jobs[(this.head + k) & (this.jobs.length - 1)]);
    return jobs;
  }
}

export interface GuestTaskState {
  /** FIFO order among equals (smaller = queued earlier). */
  order: number;
  /**
   * The task moved on to a new job while still placed on its vCPU (its job completed and the next
   * one was released or already queued in the same instant): the vCPU must be handed the task
   * again even though the guest's choice did not change, so the new job's start is noted and its
   * completion armed.
   */
  newJobWhilePlaced: boolean;
  /** In its guest's runnable set (Guest.wake until Guest.block): a flag, not a search of the set at each wake-up. */
  runnable: boolean;
}

export type EntityOrigin =
  | { kind: 'vcpu'; vmu: VmuSpec; index: number }
  | { kind: 'thread'; spec: HostThreadSpec };

/** A host-schedulable thread: a VMU's vCPU thread or a host thread outside any VMU. */
export class HostEntity {
  /** Runnable from the host's point of view (a vCPU with guest work, a thread with a pending job). */
  runnable = false;
  /** Runqueue the entity sits on (-1 while blocked). Set by the policy (select_task_rq). */
  cpu = -1;
  /** pCPU it is executing on (-1: not running). Set by the engine only. */
  runningOn = -1;
  /** The task whose job advances while this entity runs: the guest's choice for a vCPU, its own task for a thread. */
  task: Task | null = null;
  /** Scheduling class the model placed it in. */
  schedClass!: SchedClass;
  /** Class-private state. */
  slot: unknown = undefined;
  cpuTimeNs = 0;
  cpuTimeAtWarmupNs = 0;
  /** Host pre-emptions: switched out while still runnable. */
  preemptions = 0;
  migrations = 0;
  lastCpu = -1;
  /** A VMU's vCPU thread (not a host thread): a field, read at every DL wake-up (keepsPick) without a getter call. */
  readonly isVcpu: boolean;

  constructor(
    readonly id: string,
    readonly origin: EntityOrigin,
    /** Allowed pCPUs, ascending. */
    readonly affinity: number[],
    /** Index in the host's entity list. */
    readonly index: number,
  ) {
    this.isVcpu = origin.kind === 'vcpu';
    widenNumberFields(this, ['cpuTimeNs', 'cpuTimeAtWarmupNs']);
  }

  /** VMU id for a vCPU, null for a host thread. */
  get vmuId(): string | null {
    return this.origin.kind === 'vcpu' ? this.origin.vmu.id : null;
  }

  allows(cpu: number): boolean {
    // A pinned entity (one allowed CPU, as most are) is one comparison, not a call of includes().
    const affinity = this.affinity;
    return affinity.length === 1 ? affinity[0] === cpu : affinity.includes(cpu);
  }
}
