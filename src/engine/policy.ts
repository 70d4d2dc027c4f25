// The host scheduling-class interface, in the spirit of Linux's `struct sched_class` and Xen's
// `struct scheduler` (sched_ops): a class owns only its decisions and its per-entity state; the
// engine owns time, context switches, dispatching and accounting (class-stack.ts is the engine's
// side: Linux's core.c, Xen's common/sched/core.c).
//
//   hvsim SchedClass      Linux sched_class          Xen struct scheduler
//   init()                (sched_init, per class)     init / switch_sched, after every insert_unit
//   needs()               (compiled-in hooks)         (compiled-in hooks)
//   admit(e, params)      sched_setattr → __setscheduler_params   insert_unit + adjust
//   enqueue(e)            enqueue_task (+select_task_rq) wake
//   dequeue(e)            dequeue_task               sleep
//   pickNext(cpu)         pick_next_task             (curr_on_cpu after do_schedule)
//   balance(cpu)          balance / pull_*_task      (inside do_schedule: load balance, steal)
//   schedule(cpu, now)    —                          do_schedule → task_slice {task, time}
//   charge(e, cpu, delta) update_curr                burn_credits / burn_budget
//   started / stopped     set_next_task / put_prev_task   context_switch / context_saved
//   tick(cpu, curr)       task_tick                  (per-scheduler tick timers)
//   yield(e, cpu)         yield_task                 yield
//
// Protocol (the engine guarantees it; src/engine/checked-class.ts checks it when
// HVSIM_CHECK_PROTOCOL=1, as every test run does):
// - admit(e, params) while the model builds the host: the class takes e (sets e.schedClass and its
//   own state in e.slot) and checks params. init() then runs once, after every admission and before
//   the first event; needs() is read right after it and never again.
// - enqueue(e) when e becomes runnable; the class picks e.cpu (select_task_rq: a CPU in
//   e.affinity), queues it, and calls ctx.resched() on every CPU whose choice may have changed.
//   There is no separate check_preempt: the engine re-picks each CPU marked for rescheduling once,
//   after every event of the current instant has been handled (two-phase step, as in Schedsim).
// - dequeue(e) when e blocks (never twice, never before an enqueue). If it was running, the engine
//   has settled its CPU and called stopped(e) first, and will re-pick the CPU.
// - A CPU is re-picked in one of two ways:
//   · Linux's: balance(cpu), then pickNext(cpu), which returns the class's best eligible entity
//     queued on `cpu` (the running one included; for a deadline server, an entity of the class it
//     serves) or null. balance runs only when every higher
//     class had nothing there: the place to pull work (pull_rt_task, pull_dl_task, idle balance).
//     pickNext must not have side effects beyond lazy bookkeeping: calling it twice gives the same
//     answer and changes nothing (no timer, no resched, no settle).
//   · Xen's, for a class that defines schedule(cpu, now): the engine calls it instead (do_schedule:
//     deschedule the current unit, steal, pick, all side effects allowed) and arms the pCPU's
//     slice timer (Xen's s_timer) `sliceNs` later, or cancels it for Infinity (Xen's −1); when it
//     fires, the engine re-picks the pCPU. pickNext(cpu) then reports that decision without side
//     effects until the next schedule point.
//   A class migrates an entity by changing e.cpu (only while e is not running, or by re-picking
//   both CPUs).
// - charge(e, cpu, delta) accounts delta ns that e ran on cpu (budget, vruntime, credits). The
//   engine calls it whenever it settles a CPU: on any switch and when a class asks. The charges
//   between started(e, cpu) and stopped(e, cpu) add up to at most the time in between.
// - started/stopped bracket each run of e on a CPU (an entity runs on one CPU at a time): arm and
//   cancel enforcement timers there.
// - tick(cpu, curr) runs every host tick on every CPU of a class whose needs() ask for the tick,
//   after the engine has settled that CPU (Linux's scheduler_tick: update_curr, then task_tick).
//   A class may need the settle without defining tick(). The engine leaves a CPU's ticks out only
//   where every class there says the split a tick's settle makes changes nothing (ClassNeeds
//   chargeSplits, e.g. exact enforcement: its exhaustion timer, in an earlier phase, sees the budget
//   run out first); a class that rounds per charged stretch (GRUB reclaiming) leaves it unset.
// - idleTime(cpu, delta): the engine settled `delta` ns during which `cpu` ran nothing (Linux's
//   put_prev_task_idle → dl_server_update_idle_time). Called from the same settles as charge(),
//   only for classes whose needs() ask for it.
// - yield(e, cpu), optional: e, running on cpu, called sched_yield (do_sched_yield → yield_task).
//   The engine has settled cpu; after the hook it takes e off cpu (stopped()) and re-picks it, as
//   schedule() does; e stays runnable. Without the hook a yield is only that re-pick.

import type { Ns } from './system.js';
import type { EventPhase, Timer } from './event-queue.js';
import type { HostEntity } from './entities.js';

export interface PolicyContext {
  /** Current simulated time (ns). */
  readonly now: Ns;
  /** Number of pCPUs on this host. */
  readonly cpuCount: number;
  /** Host scheduler tick period (1/HZ). */
  readonly tickNs: Ns;
  /** Where `cpu`'s ticks fall: at tickPhaseNs(cpu) + k·tickNs (src/engine/tick.ts); absent: 0. */
  tickPhaseNs?(cpu: number): Ns;
  /** A re-armable timer; `phase` orders it among events of the same instant. */
  /** `near`: armed and cancelled at most instants and always due soon, as a running entity's budget enforcement (EventQueue.timer). */
  timer(phase: EventPhase, fire: (now: Ns) => void, near?: boolean): Timer;
  /** Ask the engine to re-pick `cpu` at the end of this instant. */
  resched(cpu: number): void;
  /** Bring accounting on `cpu` up to now (calls charge() for the running entity). */
  settle(cpu: number): void;
  /** Entity running on `cpu`, or null when idle. */
  current(cpu: number): HostEntity | null;
  /**
   * Whether a settle of `cpu` now would change nothing but where its running entity's segment is
   * split: an entity runs there, its class charges split-additively (ClassNeeds.chargeSplits), its
   * guest (for a vCPU) charges its task exactly in pieces, and no interference model rates the
   * segment. A class may then leave out asking for a re-pick of `cpu` that would choose the running
   * entity again (a wake-up that pre-empts nothing: Linux's check_preempt_curr); the re-pick's
   * settle is all it would have done. Absent or false: ask as usual.
   */
  splitSettleInvisible?(cpu: number): boolean;
  /**
   * Report a policy event (budget exhausted, replenished, throttled, boosted…) for traces. Free
   * when nobody observes: policies may call it on every event.
   */
  note(kind: string, cpu: number, entity: HostEntity | null): void;
  /**
   * Whether an observer takes the notes (a trace): a class that leaves out an event nobody sees
   * (a replenishment applied when it is next needed) keeps it while they are observed. Absent: a
   * class takes them as observed (the engine always says).
   */
  readonly notesObserved?: boolean;
}

/** What do_schedule returns (Xen's `struct task_slice`): the next entity and how long it may run. */
export interface TaskSlice {
  /** The entity to run on the CPU next (the running one included), or null: idle. */
  next: HostEntity | null;
  /** When, relative to now, the engine must ask again (Xen's next_time); Infinity: no timer (Xen's −1). */
  sliceNs: Ns;
}

/** Engine services a class asks for, declared once after init() (Linux and Xen compile them in). */
export interface ClassNeeds {
  /** Settle each of the class's CPUs every host tick, then call tick() if the class defines it. */
  readonly tick: boolean;
  /** Call idleTime() with every idle interval settled on the class's CPUs. */
  readonly idleTime: boolean;
  /**
   * With no entity admitted on the host, the class's tick (and the settle before it) changes
   * nothing: its tick only acts on its own running entities, runqueues and their statistics.
   */
  readonly tickOnlyWithMembers?: boolean;
  /**
   * charge(e, cpu, a) then charge(e, cpu, b), the split falling at an instant where none of the
   * class's own timers is due, leaves the class exactly as charge(e, cpu, a + b) would (integer
   * budgets with exact enforcement: the budget cannot reach 0 strictly inside a segment).
   */
  readonly chargeSplits?: boolean;
  /**
   * The sets of CPUs the class ties together beyond its entities' affinities (an IRMOS group's
   * cpuset). Declaring it, the class promises that what it does on a CPU — picks, charges, timers —
   * depends only on calls about CPUs tied to it (by these sets or by an entity allowed on both) and
   * on the entities allowed there, and that a counter it shares among CPUs only orders things within
   * one such island. The engine may then simulate the islands one after another (cpu-islands.ts).
   * Absent: the class ties all its CPUs together (load balancing, global accounting).
   */
  readonly cpuCoupling?: readonly (readonly number[])[];
}

export const NO_NEEDS: ClassNeeds = { tick: false, idleTime: false };

/** A scheduling class; `Params` is what admit() takes (the class's sched_attr). */
export interface SchedClass<Params = unknown> {
  /** Short name for results and traces, e.g. 'irmos', 'rt', 'fair', 'deadline'. */
  readonly name: string;
  /**
   * The pCPUs this class instance schedules (a Xen cpupool: each pool has its own scheduler
   * instance, xen.md §1). Absent: every pCPU of the host. The engine asks a class about its own
   * pCPUs only, and its entities' affinity must lie inside them.
   */
  readonly cpus?: readonly number[];
  /** Take `e` into this class with `params` (sets e.schedClass and e.slot); throws on parameters the real system refuses. */
  admit(e: HostEntity, params: Params): void;
  /** Once every entity is admitted, before the first event: finish set-up that depends on all of them. */
  init?(): void;
  /** The engine services this class uses (read once, after init()); absent: none. */
  needs?(): ClassNeeds;
  enqueue(e: HostEntity): void;
  dequeue(e: HostEntity): void;
  pickNext(cpu: number): HostEntity | null;
  /** Xen's do_schedule on `cpu` (see the protocol above); when defined, the engine never calls balance(). */
  schedule?(cpu: number, now: Ns): TaskSlice;
  charge(e: HostEntity, cpu: number, deltaNs: Ns): void;
  started(e: HostEntity, cpu: number): void;
  stopped(e: HostEntity, cpu: number): void;
  balance?(cpu: number): void;
  tick?(cpu: number, curr: HostEntity | null): void;
  /** `cpu` ran nothing for the `deltaNs` just settled (see the protocol above). */
  idleTime?(cpu: number, deltaNs: Ns): void;
  /** The running `e` called sched_yield on `cpu` (see the protocol above). */
  yield?(e: HostEntity, cpu: number): void;
  /** Counters worth reporting (throttle events, replenishments…), summed over the run. */
  stats?(): Record<string, number>;
}

/** Helper for policies: the first CPU of e's affinity among `candidates`-ordered choices. */
export function lowestAllowed(e: HostEntity, score: (cpu: number) => number): number {
  let best = e.affinity[0];
  let bestScore = Infinity;
  for (const cpu of e.affinity) {
    const s = score(cpu);
    if (s < bestScore) {
      bestScore = s;
      best = cpu;
    }
  }
  return best;
}

/**
 * A class whose work can be served by a deadline server (Linux's dl_server / fair_server, 6.12+;
 * linux-irmos.md §4.6): the server's owner picks through it and is told of every ns it runs so the
 * server's runtime can be charged (dl_server_update in update_curr_fair).
 */
export interface ServedClass {
  /** Best entity of the served class on `cpu`, ignoring higher classes. */
  pickNext(cpu: number): HostEntity | null;
  /** Whether the class has runnable work queued on `cpu`. */
  hasRunnable(cpu: number): boolean;
  /** Called with every delta the served class's entities run on a CPU. */
  setRunListener(listener: (cpu: number, deltaNs: Ns) => void): void;
  /** Called when the served class gains (true) or loses (false) its last runnable entity on `cpu`. */
  setActivityListener(listener: (cpu: number, active: boolean) => void): void;
}
