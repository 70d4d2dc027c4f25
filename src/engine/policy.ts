// The host scheduler-policy interface, in the spirit of Linux's `struct sched_class` and Xen's
// `struct scheduler`: a policy owns only its decisions and its per-entity state; the engine owns
// time, context switches, dispatching and accounting.
//
// Protocol (the engine guarantees it):
// - enqueue(e) when e becomes runnable; the policy picks e.cpu (select_task_rq: a CPU in
//   e.affinity), queues it, and calls ctx.resched() on every CPU whose choice may have changed.
//   There is no separate check_preempt: the engine re-picks each CPU marked for rescheduling once,
//   after every event of the current instant has been handled (two-phase step, as in Schedsim).
// - dequeue(e) when e blocks. If it was running, the engine has settled its CPU and will re-pick.
// - pickNext(cpu) returns the policy's best eligible entity queued on `cpu` (the running one
//   included) or null. It must not have side effects beyond lazy bookkeeping.
// - balance(cpu) runs just before the class's pickNext on that CPU, and only when every higher
//   class had nothing there: the place to pull work (Linux's pull_rt_task, pull_dl_task, idle
//   balance; Xen's work stealing). A policy migrates an entity by changing
//   e.cpu (only while e is not running, or by re-picking both CPUs).
// - charge(e, cpu, delta) accounts delta ns that e ran on cpu (budget, vruntime, credits).
//   The engine calls it whenever it settles a CPU: on any switch and when a policy asks.
// - started/stopped bracket each run of e on a CPU: arm and cancel enforcement timers there.
// - tick(cpu, curr) runs every host tick on every CPU when any class defines it.
// - idleTime(cpu, delta), optional: the engine settled `delta` ns during which `cpu` ran nothing
//   (Linux's put_prev_task_idle → dl_server_update_idle_time). Called from the same settles as
//   charge(), only for classes that define it.
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
  /** A re-armable timer; `phase` orders it among events of the same instant. */
  timer(phase: EventPhase, fire: (now: Ns) => void): Timer;
  /** Ask the engine to re-pick `cpu` at the end of this instant. */
  resched(cpu: number): void;
  /** Bring accounting on `cpu` up to now (calls charge() for the running entity). */
  settle(cpu: number): void;
  /** Entity running on `cpu`, or null when idle. */
  current(cpu: number): HostEntity | null;
  /**
   * Report a policy event (budget exhausted, replenished, throttled, boosted…) for traces. Free
   * when nobody observes: policies may call it on every event.
   */
  note(kind: string, cpu: number, entity: HostEntity | null): void;
}

export interface SchedClass {
  /** Short name for results and traces, e.g. 'irmos', 'rt', 'fair', 'deadline'. */
  readonly name: string;
  /**
   * The pCPUs this class instance schedules (a Xen cpupool: each pool has its own scheduler
   * instance, xen.md §1). Absent: every pCPU of the host. The engine asks a class about its own
   * pCPUs only, and its entities' affinity must lie inside them.
   */
  readonly cpus?: readonly number[];
  enqueue(e: HostEntity): void;
  dequeue(e: HostEntity): void;
  pickNext(cpu: number): HostEntity | null;
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

/**
 * Strict class precedence on each CPU (Linux: stop > deadline > rt > fair > idle): the first class
 * with an eligible entity on that CPU wins. A Xen model is a one-class stack per cpupool: each pCPU
 * sees only the classes whose `cpus` include it (Xen's per-pCPU scheduler pointer).
 */
export class ClassStack {
  readonly wantsTick: boolean;
  /** Classes serving each pCPU, in precedence order. */
  private readonly onCpu: SchedClass[][];
  /** Per pCPU, the classes that define idleTime(), so an idle settle costs nothing when there are none. */
  private readonly idlersOn: SchedClass[][];

  constructor(
    readonly classes: SchedClass[],
    cpuCount: number,
  ) {
    this.wantsTick = classes.some((c) => c.tick !== undefined);
    this.onCpu = Array.from({ length: cpuCount }, (_, cpu) => classes.filter((c) => c.cpus === undefined || c.cpus.includes(cpu)));
    this.idlersOn = this.onCpu.map((list) => list.filter((c) => c.idleTime !== undefined));
  }

  /** Classes that define idleTime() on `cpu`. */
  idlers(cpu: number): readonly SchedClass[] {
    return this.idlersOn[cpu];
  }

  /**
   * A class balances (pulls) only when every higher class had nothing for this CPU, as Linux's
   * pick_next_task reaches a class's balance/pull only after the classes above came up empty.
   */
  pickNext(cpu: number): HostEntity | null {
    const classes = this.onCpu[cpu];
    for (let i = 0; i < classes.length; i++) {
      const cls = classes[i];
      cls.balance?.(cpu);
      const e = cls.pickNext(cpu);
      if (e !== null) return e;
    }
    return null;
  }

  tick(cpu: number, curr: HostEntity | null): void {
    for (const cls of this.onCpu[cpu]) cls.tick?.(cpu, curr);
  }

  /** Throws when an entity may run where its class does not schedule (a model bug). */
  checkAffinity(e: HostEntity): void {
    if (e.schedClass === undefined || !this.classes.includes(e.schedClass)) throw new Error(`${e.id}: the model placed it in no scheduling class of this host`);
    const cpus = e.schedClass.cpus;
    if (cpus === undefined) return;
    const outside = e.affinity.filter((c) => !cpus.includes(c));
    if (outside.length > 0) throw new Error(`${e.id}: affinity includes pCPU(s) ${outside.join(', ')} outside its ${e.schedClass.name} class's pCPUs ${cpus.join(', ')}`);
  }
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
