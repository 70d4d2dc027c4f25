// Closed-loop job programs (how rt-app threads behave, src/rtapp): a thread that runs, sleeps and
// waits on periodic timers in a fixed order, so each release depends on when its previous job
// completed — which no open-loop arrival law (periodic, sporadic, …) can express. The semantics are
// rt-app's run_event() and thread_body() (rt-app 1.0 src/rt-app.c; peers-and-rt-app.md §5a):
// - run: one job of the step's demand, released the moment the thread reaches the step.
// - sleep S: the thread wakes S (+ wakeDelay) after it reached the step (nanosleep).
// - timer T: t_next += T, t_next starting at the program start (the thread's t_first) the first time
//   the timer is used. Reached before t_next: sleep until t_next (+ wakeDelay, the hrtimer slack).
//   Reached at or after it (an overrun): no sleep; a relative timer rebases t_next on now, an
//   absolute one keeps its grid, so the following iterations run back to back until they catch up.
//   Timers are rt-app resources: one whose name starts with "unique" is private to its thread; any
//   other name is one resource of the whole rt-app process (rt-app_parse_config.c
//   get_resource_index), so every thread using it advances the same t_next: each use adds that
//   use's period, the first use (by whichever thread) starts it at that thread's t_first, and a
//   relative overrun rebases it for everyone (rt-app.c run_event, case rtapp_timer). Two threads
//   sharing a 10 ms timer therefore each wake every 20 ms, alternately (tutorial.txt: a shared timer
//   "disturbs the original sequence"). Uses must happen in time order across threads, so a thread
//   that reaches a shared timer step later than the instant being handled pauses there (`resumeAt`)
//   and the engine resumes it at that instant.
// - yield: sched_yield, then the next step at once (rt-app ignores the event's value). Reached
//   where the previous run completed, with no wait between, the thread still holds its CPU: the
//   engine yields there and then (`yieldedOnCpu`). Reached at the start or after a wait, the thread
//   must get a CPU first: the yield goes with the job released at that instant (ProgramJob.yields)
//   and happens at the job's first dispatch, before its work.
// Modelling choices [M]: the thread needs no CPU between steps (consecutive waits chain without a
// dispatch); a wake-up followed by a run is that job's release, so the wait for a CPU after the timer
// is the job's wake-up latency; a run of 0 ns releases no job; a yield the thread would need a CPU
// for but that no job follows at once (yield then a wait, after a wake-up) is dropped.
//
// The clock also records each iteration (one pass over a phase's steps: one rt-app log row) so the
// log exporter (src/rtapp/logs.ts) rebuilds slack and wu_lat from the same interpretation.

import type { JobProgram, Ns, ProgramStep } from './system.js';

export interface ProgramJob {
  /** 0, 1, 2… in release order (jobs of a task complete in this order). */
  seq: number;
  release: Ns;
  ns: Ns;
  wall: boolean;
  /** Seq of the iteration it belongs to. */
  iteration: number;
  /** sched_yield calls reached at `release` before it and not made on the CPU (see `yieldedOnCpu`). */
  yields: number;
}

/** One timer step as executed. */
export interface TimerWait {
  /** Index of the step in its phase. */
  step: number;
  /** Expiry t_next computed at the step. */
  next: Ns;
  /** When the thread reached the step. */
  at: Ns;
  /** at < next: the thread slept until next (+ wakeDelay); otherwise an overrun. */
  slept: boolean;
  /** The job released at its wake-up (whose first run is the thread's real wake-up), else -1. */
  wakesJob: number;
}

export interface ProgramIteration {
  seq: number;
  phase: number;
  /** When its first step started. */
  begin: Ns;
  jobs: number[];
  timers: TimerWait[];
  /** When its last step finished (a wait's wake-up, or the last job's completion); -1 while open. */
  end: Ns;
  /** The job released right at `end` after a wait, whose first run is the real end; else -1. */
  endJob: number;
  /** Whether its last step other than a yield is a wait (sleep or timer). */
  endsWithWait: boolean;
}

/** A timer's state, rt-app's res.timer: t_next once the first use has initialised it. */
export interface TimerState {
  init: boolean;
  next: Ns;
}

/** The shared timers of one rt-app process (a host's threads, or one VMU's tasks): name → state. */
export type SharedTimers = Map<string, TimerState>;

/** rt-app: a timer whose name starts with "unique" is private to its thread; any other name is global. */
export function isPrivateTimerRef(ref: string): boolean {
  return ref.startsWith('unique');
}

/** Steps interpreted in one call without releasing a job or advancing time: a program that spins. */
const SPIN_LIMIT = 1_000_000;

export class ProgramClock {
  /** Iterations in order when recording (the last one may be open); consumers drop old ones with `forget`. */
  readonly iterations: ProgramIteration[] = [];
  private readonly timers: TimerState[];
  /** Per timer index: whether other threads use it too (its steps run in time order, see `resumeAt`). */
  private readonly sharedTimer: boolean[];
  /**
   * ≥ 0 after a call that answered null because the thread reached a shared timer step at this
   * later instant: call `resume(resumeAt)` then. -1 otherwise.
   */
  resumeAt: Ns = -1;
  private threadLoops = 0;
  private phase = 0;
  private inPhase = 0;
  private step = 0;
  private done = false;
  private jobSeq = 0;
  private iterSeq = 0;
  private current: ProgramIteration | null = null;
  private previous: ProgramIteration | null = null;
  /** The timer whose wake-up is the current instant, until the next step (for `wakesJob`). */
  private wokenBy: { at: Ns; wait: TimerWait } | null = null;
  /** Instant at which the thread is known to hold its CPU (the completion being handled), else -1. */
  private onCpuAt: Ns = -1;
  /** Yields reached at `yieldsAt` that wait for the thread's next dispatch. */
  private yields = 0;
  private yieldsAt: Ns = -1;
  /** The last completed() reached a yield while the thread still held its CPU: the engine yields now. */
  yieldedOnCpu = false;

  constructor(
    private readonly program: JobProgram,
    /** Nothing is released after this instant (the end of the run). */
    private readonly horizon: Ns,
    /** Keep iteration records (the log exporter does; the engine does not need them). */
    private readonly record = false,
    /** The process's shared timers; without it every timer is private to this program. */
    shared?: SharedTimers,
    /** The host's wake-up overhead, drawn per timer or sleep wake-up (releases.ts), beyond `wakeDelayNs`. */
    private readonly drawWakeOverhead?: () => Ns,
  ) {
    this.timers = [];
    this.sharedTimer = [];
    for (let i = 0; i < program.timers; i++) {
      const ref = program.timerRefs?.[i];
      const isShared = shared !== undefined && ref !== undefined && !isPrivateTimerRef(ref);
      let state: TimerState | undefined = isShared ? shared.get(ref) : undefined;
      if (state === undefined) {
        state = { init: false, next: 0 };
        if (isShared) shared.set(ref, state);
      }
      this.timers.push(state);
      this.sharedTimer.push(isShared);
    }
    if (program.loop === 0 || program.phases.length === 0) this.done = true;
  }

  /** The first job, or null if the program releases none before the horizon. */
  /** The first job, or null if there is none (or none yet: see `resumeAt`). Called at time `now` (the run's start). */
  start(now: Ns = 0): ProgramJob | null {
    // A VMU started later (issue 13) starts its programs then: their offset counts from that instant.
    return this.advance(now + this.program.offset, now);
  }

  /** The current job completed at `now`: the next job (release ≥ now), or null when there is none (yet: `resumeAt`). */
  completed(now: Ns): ProgramJob | null {
    this.onCpuAt = now;
    this.yieldedOnCpu = false;
    const job = this.advance(now, now);
    this.onCpuAt = -1;
    return job;
  }

  /** Go on from the shared timer step the thread paused at (`resumeAt`, which is `now`). */
  resume(now: Ns): ProgramJob | null {
    return this.advance(now, now);
  }

  /** Interpret steps from instant `from`, the call being made at `now` (≤ from). */
  private advance(from: Ns, now: Ns): ProgramJob | null {
    const phases = this.program.phases;
    this.resumeAt = -1;
    let t = from;
    let spins = 0;
    let lastT = t;
    while (!this.done && t <= this.horizon) {
      if (t !== lastT) {
        lastT = t;
        spins = 0;
      } else if (++spins > SPIN_LIMIT) break;
      const steps = phases[this.phase].steps;
      if (this.current === null) this.open(t);
      if (this.step >= steps.length) {
        this.close(t, steps);
        this.nextIteration();
        continue;
      }
      const st = steps[this.step];
      if (st.kind === 'timer' && this.sharedTimer[st.timer] && t > now) {
        this.resumeAt = t; // other threads' uses before t must come first
        return null;
      }
      const index = this.step++;
      const next = this.execute(st, index, t);
      if (typeof next !== 'number') return next;
      t = next;
    }
    this.done = true;
    return null;
  }

  /** From a wake-up's timer expiry to the thread being woken: the program's slack and the host's overhead. */
  private wakeDelayNs(): Ns {
    return this.program.wakeDelayNs + (this.drawWakeOverhead?.() ?? 0);
  }

  /** Runs one step at `t`: the job it releases, or the instant the thread goes on. */
  private execute(st: ProgramStep, index: number, t: Ns): ProgramJob | Ns {
    const it = this.current!;
    switch (st.kind) {
      case 'run': {
        if (st.ns <= 0) return t;
        const yields = this.yieldsAt === t ? this.yields : 0; // yields before a wait are dropped
        this.yields = 0;
        const job: ProgramJob = { seq: this.jobSeq++, release: t, ns: st.ns, wall: st.wall, iteration: it.seq, yields };
        it.jobs.push(job.seq);
        // The thread's real wake-up from the previous iteration's last wait is this job's first run.
        const prev = this.previous;
        if (prev !== null && prev.endsWithWait && prev.end === t && it.begin === t && it.jobs.length === 1 && it.timers.length === 0) {
          prev.endJob = job.seq;
        }
        if (this.wokenBy !== null && this.wokenBy.at === t) this.wokenBy.wait.wakesJob = job.seq;
        this.wokenBy = null;
        return job;
      }
      case 'sleep':
        this.wokenBy = null;
        return st.ns <= 0 ? t : t + st.ns + this.wakeDelayNs();
      case 'timer': {
        const timer = this.timers[st.timer];
        if (!timer.init) {
          timer.init = true;
          timer.next = this.program.offset;
        }
        timer.next += st.period;
        const wait: TimerWait = { step: index, next: timer.next, at: t, slept: t < timer.next, wakesJob: -1 };
        it.timers.push(wait);
        if (wait.slept) {
          const wake = timer.next + this.wakeDelayNs();
          this.wokenBy = { at: wake, wait };
          return wake;
        }
        if (st.relative) timer.next = t;
        this.wokenBy = null;
        return t;
      }
      case 'yield':
        // The thread has not blocked since its run completed: it yields on that CPU, once.
        if (t === this.onCpuAt && !this.yieldedOnCpu) {
          this.yieldedOnCpu = true;
        } else {
          if (this.yieldsAt !== t) this.yields = 0;
          this.yieldsAt = t;
          this.yields++;
        }
        return t;
    }
  }

  private open(t: Ns): void {
    this.current = { seq: this.iterSeq++, phase: this.phase, begin: t, jobs: [], timers: [], end: -1, endJob: -1, endsWithWait: false };
    if (this.record) this.iterations.push(this.current);
  }

  private close(t: Ns, steps: ProgramStep[]): void {
    const it = this.current!;
    it.end = t;
    // A yield takes no time: the iteration ends with its last timed step.
    let last = steps.length - 1;
    while (last >= 0 && steps[last].kind === 'yield') last--;
    it.endsWithWait = last >= 0 && steps[last].kind !== 'run';
    this.previous = it;
    this.current = null;
  }

  private nextIteration(): void {
    const phases = this.program.phases;
    this.step = 0;
    this.inPhase++;
    const loop = phases[this.phase].loop;
    if (loop < 0 || this.inPhase < loop) return;
    this.inPhase = 0;
    this.phase++;
    if (this.phase < phases.length) return;
    this.phase = 0;
    this.threadLoops++;
    if (this.program.loop >= 0 && this.threadLoops >= this.program.loop) this.done = true;
  }

  /** Drop the first `count` recorded iterations (the exporter has consumed them). */
  forget(count: number): void {
    this.iterations.splice(0, count);
  }
}
