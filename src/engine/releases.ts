// Where a task's jobs come from: its arrival law (periodic, sporadic, server, trace, busy — a
// release timer re-armed from a ReleaseClock) or, for rt-app threads, a closed-loop program whose
// next job is released when the current one completes (program.ts). The simulator owns what a
// released job does (queueing, waking); this module owns when jobs appear and what they ask for.

import type { JobProgram, Ns, SystemSpec, WakeOverheads } from './system.js';
import { DelaySampler } from './overhead-delay.js';
import type { Job, Task } from './entities.js';
import { EventPhase, type EventQueue, type Timer } from './event-queue.js';
import { ProgramClock, type ProgramJob, type SharedTimers } from './program.js';
import type { Rng } from './rng.js';
import { DemandSampler, ReleaseClock } from './workload.js';
import { widenNumberFields } from './wide-numbers.js';

/** What the release side needs from the simulator. */
export interface ReleaseTarget {
  readonly now: Ns;
  readonly scenario: SystemSpec;
  readonly queue: EventQueue;
  /** Queue a released job; `onCpu`: the thread is still running, so it goes on without a wake-up. */
  accept(task: Task, job: Job, onCpu: boolean): void;
  /** The shared timers of the process `task` belongs to (its host's threads, or its VMU's tasks). */
  sharedTimers(task: Task): SharedTimers;
  /** A program clock was made for `task` (it records its iterations when this is set: the rt-app log recorder). */
  readonly onProgram?: (task: Task, clock: ProgramClock) => void;
}

/**
 * A job as released now with `demand` (and, from a program, its wall-clock and yield flags): the
 * task's spare job reused, or a new one. The time is read from `clock` (the simulator): a time
 * passed to this call, which V8 does not inline, was a fresh heap number per job (issue 14).
 */
export function newJob(task: Task, clock: { readonly now: Ns }, demand: Ns, warmupNs: Ns, fromProgram?: ProgramJob): Job {
  const now = clock.now;
  const wallNs = fromProgram?.wall ? demand : undefined;
  const yields = fromProgram !== undefined && fromProgram.yields > 0 ? fromProgram.yields : undefined;
  const spare = task.spareJob;
  if (spare !== null) {
    // Every field written, as a new job would have it.
    task.spareJob = null;
    spare.release = now;
    spare.deadline = now + task.deadlineNs;
    spare.demand = demand;
    spare.remaining = demand;
    spare.started = false;
    spare.measured = now >= warmupNs;
    spare.firstRunAt = undefined;
    spare.wallNs = wallNs;
    spare.yields = yields;
    spare.onDone = undefined;
    return spare;
  }
  // Every field present from the start, optional ones as undefined: all jobs share one hidden class,
  // so the hot paths' property reads stay monomorphic and a job's first run (firstRunAt) or an
  // injected job's continuation (onDone) adds no property to it later (issue 14: engine speed).
  return {
    release: now,
    deadline: now + task.deadlineNs,
    demand,
    remaining: demand,
    started: false,
    measured: now >= warmupNs,
    firstRunAt: undefined,
    wallNs,
    yields,
    onDone: undefined,
  };
}

/**
 * The delay of each timer-driven wake-up of a host thread (`guest` false) or of a guest task
 * (src/scenario/overheads.ts); null when there is none. `rng` makes the task's own stream, asked for
 * only if a term is a distribution (overhead-delay.ts).
 */
export function timerWakeDelay(o: WakeOverheads | undefined, guest: boolean, rng: () => Rng): DelaySampler | null {
  if (o === undefined) return null;
  const sampler = new DelaySampler(guest ? [o.timerInterruptNs, o.wakeupNs, o.vmExitNs] : [o.timerInterruptNs, o.wakeupNs], rng);
  return sampler.none ? null : sampler;
}

/**
 * One task's job source. A timer-driven wake-up (a periodic or sporadic release, an rt-app timer or
 * sleep) reaches the task a `wakeDelay` draw after the timer's expiry: the host's timer interrupt
 * and wake-up path, plus a VM exit/entry for a guest task (src/scenario/overheads.ts). The job keeps
 * the expiry as its release, so the overhead shows in its wake-up latency and response.
 */
export class TaskReleases {
  private readonly demand: DemandSampler;
  private readonly clock: ReleaseClock;
  /** Set for `program` arrivals. */
  private program: ProgramClock | null = null;
  private programTimer: Timer | null = null;
  /** Resumes a program paused at a shared timer step (ProgramClock.resumeAt). */
  private resumeTimer: Timer | null = null;
  /** The program job the timer will release. */
  private pending: ProgramJob | null = null;
  /** Open-loop jobs released but not yet woken (a wake delay), oldest first, with the instant each wakes. */
  private readonly waking: { job: Job; at: Ns }[] = [];
  private wakeTimer: Timer | null = null;
  /** The arrival law's kind, read at every release without a look into the spec object. */
  private readonly kind: string;
  /**
   * Where the release clock's offsets count from (start()): a double field, so the release time
   * computed from it is a double from the first release and passing 2^31 ns (2.15 s) deoptimises
   * nothing (wide-numbers.ts; issue 14: the release callback's sum did, inlined in the run loop).
   */
  private fromNs: Ns = 0;

  constructor(
    private readonly task: Task,
    rng: Rng,
    private readonly target: ReleaseTarget,
    /** Null: timer wake-ups take no time. */
    private readonly wakeDelay: DelaySampler | null = null,
  ) {
    this.demand = new DemandSampler(task.spec.exec, rng);
    this.clock = new ReleaseClock(task.spec.arrival, rng);
    this.kind = task.spec.arrival.kind;
    widenNumberFields(this as unknown as { fromNs: Ns }, ['fromNs']);
  }

  /** Arm the first release; `from`: where offsets count from (a VMU's start, or its boot's end). */
  start(from: Ns = this.task.vmu?.startNs ?? 0): void {
    const { task, target } = this;
    if (task.spec.arrival.kind === 'program') {
      // A program starts with its VMU (issue 13): at `from`, by a timer when that is still ahead.
      if (from <= target.now) return this.startProgram(task.spec.arrival.program);
      const begin = target.queue.timer(EventPhase.release, () => this.startProgram((task.spec.arrival as { program: JobProgram }).program));
      return begin.arm(from);
    }
    // A VMU with a lifetime (issue 13) releases from its start, offsets counted from it, and
    // releases nothing at or after its stop (the simulator drops what is pending then). A release
    // after the run's end is armed all the same and never fires (the run loop stops at the end):
    // a timer that fires without re-arming is the queue's rare path, which each run's last
    // releases took, deoptimising the run loop at every run's end (issue 14).
    const until = task.vmu?.stopNs ?? Infinity;
    this.fromNs = from;
    // Its time read from the timer, not taken as a parameter: the queue then passes none (no heap
    // number per release, event-queue.ts `timeless`).
    const timer = target.queue.timer(EventPhase.release, () => {
      const now = timer.heapTime;
      this.release();
      this.clock.advance();
      const next = this.fromNs + this.clock.at;
      if (next < until) timer.arm(Math.max(next, now));
    });
    const first = this.fromNs + this.clock.next();
    if (first < until) timer.arm(Math.max(first, target.now));
  }

  /**
   * A job completed. For a program, the next job is released: at once if it is already due (the
   * thread goes on running, as rt-app does after an overrun or between back-to-back runs), else by
   * a release timer. Returns true when the thread now calls sched_yield on its CPU (host threads
   * only: guest schedulers have no yield).
   */
  completed(): boolean {
    if (this.program === null) return false;
    this.scheduleProgramJob(this.program.completed(this.target.now));
    return this.program.yieldedOnCpu && this.task.guest === null;
  }

  private startProgram(program: JobProgram): void {
    const { task, target, wakeDelay } = this;
    const draw = wakeDelay === null ? undefined : () => wakeDelay.next();
    const clock = new ProgramClock(program, target.scenario.durationNs, target.onProgram !== undefined, target.sharedTimers(task), draw);
    this.program = clock;
    target.onProgram?.(task, clock);
    this.programTimer = target.queue.timer(EventPhase.release, () => this.release(this.pending!));
    this.resumeTimer = target.queue.timer(EventPhase.release, (now) => this.scheduleProgramJob(clock.resume(now)));
    this.scheduleProgramJob(clock.start(target.now));
  }

  private scheduleProgramJob(pj: ProgramJob | null): void {
    const { task, target } = this;
    if (pj === null) {
      if (this.program!.resumeAt >= 0) this.resumeTimer!.arm(this.program!.resumeAt);
      return;
    }
    // Nothing at or after the VMU's stop (issue 13): the simulator dropped what was pending then.
    const stop = task.vmu?.stopNs;
    if (pj.release > target.scenario.durationNs || (stop !== undefined && pj.release >= stop)) return;
    if (task.guest !== null) pj.yields = 0;
    this.pending = pj;
    const onCpu = task.runner !== null && task.runner.runningOn >= 0;
    if (pj.release <= target.now && onCpu) {
      target.accept(task, newJob(task, target, pj.ns, target.scenario.warmupNs, pj), true);
    } else {
      this.programTimer!.arm(Math.max(pj.release, target.now));
    }
  }

  /**
   * A job released now (fired by a release timer: the target's now is the timer's time), read here
   * rather than passed: a time crossing the call was a fresh heap number per release (issue 14).
   */
  private release(fromProgram?: ProgramJob): void {
    const now = this.target.now;
    const { task, kind } = this;
    const demand = fromProgram ? fromProgram.ns : kind === 'busy' ? Infinity : this.demand.next();
    const job = newJob(task, this.target, demand, this.target.scenario.warmupNs, fromProgram);
    // A program's wake-up overhead is already in its wake instant (startProgram); a busy loop and a
    // server's requests are not timer wake-ups.
    if (this.wakeDelay === null || fromProgram !== undefined || (kind !== 'periodic' && kind !== 'sporadic')) {
      this.target.accept(task, job, false);
      return;
    }
    // A task's jobs reach it in release order: a draw shorter than the previous job's still waiting
    // wakes with it ([M]: one wake-up per task in flight, as one hrtimer per task re-armed in order).
    const previous = this.waking.length > 0 ? this.waking[this.waking.length - 1].at : now;
    this.waking.push({ job, at: Math.max(previous, now + this.wakeDelay.next()) });
    this.wakeTimer ??= this.target.queue.timer(EventPhase.release, () => this.woken());
    if (this.waking.length === 1) this.wakeTimer.arm(this.waking[0].at);
  }

  /** The oldest waking job reaches its task; the next one's wake-up is armed. */
  private woken(): void {
    this.target.accept(this.task, this.waking.shift()!.job, false);
    if (this.waking.length > 0) this.wakeTimer!.arm(this.waking[0].at);
  }
}
