// The engine's side of the scheduling-class interface (policy.ts): Linux's core.c around its
// sched_classes, Xen's common/sched/core.c around its `struct scheduler`. It orders the classes on
// each pCPU, runs their one-time set-up, asks them for the next entity (pick_next_task or
// do_schedule), owns Xen's per-pCPU slice timer, and fans the tick and idle time out to the classes
// that asked for them.

import type { HostEntity } from './entities.js';
import type { Clock } from './engine-context.js';
import type { Timer } from './event-queue.js';
import { NO_NEEDS, type ClassNeeds, type SchedClass } from './policy.js';

/**
 * Strict class precedence on each CPU (Linux: stop > deadline > rt > fair > idle): the first class
 * with an eligible entity on that CPU wins. A Xen model is a one-class stack per cpupool: each pCPU
 * sees only the classes whose `cpus` include it (Xen's per-pCPU scheduler pointer).
 */
export class ClassStack {
  readonly wantsTick: boolean;
  /** Classes serving each pCPU, in precedence order. */
  private readonly onCpu: SchedClass[][];
  /** Per pCPU, the classes that asked for the tick / for idle time, so an unused hook costs nothing. */
  private readonly tickersOn: SchedClass[][];
  private readonly idlersOn: SchedClass[][];
  /** The class the engine calls for an entity of each model class (itself, or its checking wrapper). */
  private readonly callable: Map<SchedClass, SchedClass> | null;
  /** What each model class asked for, by the model's class. */
  private readonly needsOf: Map<SchedClass, ClassNeeds>;

  /**
   * @param classes the model's classes, in precedence order; each gets init() here, then needs() is read.
   * @param sliceTimers one per pCPU, firing a re-pick of it: Xen's s_timer, armed from schedule().
   * @param clock the engine's time, read only for a schedule() class (a time passed to pick() was a
   *   fresh heap number per re-pick once past 2^31 ns, for the many classes that never read it).
   * @param wrap optional per-class wrapper the engine calls instead (the protocol checker).
   */
  constructor(
    readonly classes: SchedClass[],
    cpuCount: number,
    private readonly sliceTimers: Timer[],
    private readonly clock: Clock,
    wrap?: (cls: SchedClass) => SchedClass,
  ) {
    for (const cls of classes) cls.init?.();
    const called = wrap === undefined ? classes : classes.map(wrap);
    this.callable = wrap === undefined ? null : new Map(classes.map((c, i) => [c, called[i]]));
    const needs = called.map((c) => c.needs?.() ?? NO_NEEDS);
    this.needsOf = new Map(classes.map((c, i) => [c, needs[i]]));
    this.wantsTick = needs.some((n) => n.tick);
    this.onCpu = Array.from({ length: cpuCount }, (_, cpu) => called.filter((c) => c.cpus === undefined || c.cpus.includes(cpu)));
    this.tickersOn = this.onCpu.map((list) => list.filter((c) => needs[called.indexOf(c)].tick));
    this.idlersOn = this.onCpu.map((list) =>
      list.filter((c) => {
        const wants = needs[called.indexOf(c)].idleTime;
        if (wants && c.idleTime === undefined) throw new Error(`class ${c.name} asks for idle time but defines no idleTime()`);
        return wants;
      }),
    );
  }

  /** The class object the engine calls for `e` (its class, or that class's checking wrapper). */
  classOf(e: HostEntity): SchedClass {
    return this.callable === null ? e.schedClass : this.callable.get(e.schedClass)!;
  }

  /** Classes that asked for idle time on `cpu`. */
  idlers(cpu: number): readonly SchedClass[] {
    return this.idlersOn[cpu];
  }

  /**
   * The next entity for `cpu` now. A class balances (pulls) only when every higher class had
   * nothing for this CPU, as Linux's pick_next_task reaches a class's balance/pull only after the
   * classes above came up empty. A class with schedule() decides there (Xen's do_schedule), and
   * the pCPU's slice timer is set to the earliest next_time among the schedule() classes asked.
   */
  pick(cpu: number): HostEntity | null {
    const classes = this.onCpu[cpu];
    let sliceEnd = -1; // -1: no schedule() class was asked, leave the slice timer alone
    let next: HostEntity | null = null;
    for (let i = 0; i < classes.length && next === null; i++) {
      const cls = classes[i];
      if (cls.schedule !== undefined) {
        const now = this.clock.now;
        const slice = cls.schedule(cpu, now);
        const end = now + slice.sliceNs;
        if (sliceEnd < 0 || end < sliceEnd) sliceEnd = end;
        next = slice.next;
      } else {
        cls.balance?.(cpu);
        next = cls.pickNext(cpu);
      }
    }
    if (sliceEnd >= 0) {
      const timer = this.sliceTimers[cpu];
      if (sliceEnd === Infinity) timer.cancel();
      else timer.arm(sliceEnd);
    }
    return next;
  }

  /** The tick on `cpu` (the engine has settled it): every class that asked for it. */
  tick(cpu: number, curr: HostEntity | null): void {
    const list = this.tickersOn[cpu];
    for (let i = 0; i < list.length; i++) list[i].tick?.(cpu, curr);
  }

  /**
   * Per pCPU, whether its host tick can be left out without changing anything (issue 14): every class
   * that asked for the tick there has no entity on the host and said its tick then does nothing
   * (tickOnlyWithMembers); no class there counts idle time; and every class with an entity that may
   * run on `cpu` charges split-additively (chargeSplits), so the settle a tick makes — which only
   * splits the running entity's segment in two — changes no class either. The engine still owns
   * the job's progress (additive: the completion timer fires before a tick of the same instant)
   * and guest and interference accounting (it checks those itself). All pCPUs from one pass over the
   * entities: a pass per pCPU was pCPUs × entities steps and two Sets per pCPU (at 64 pCPUs and 256
   * vCPUs, 0.8 MB of the build's garbage and a TurboFan compile of the loop in every run, issue 14).
   */
  elidableTicks(entities: readonly HostEntity[]): boolean[] {
    const hasAny = new Set(entities.map((e) => e.schedClass));
    const members = this.onCpu.map(() => new Set<SchedClass>());
    for (const e of entities) for (const cpu of e.affinity) members[cpu]?.add(e.schedClass);
    return members.map((classes, cpu) => this.tickElidableWith(cpu, classes, hasAny));
  }

  /** Whether `cpu`'s tick can be left out, given the classes of the entities that may run there and of all the host's entities. */
  private tickElidableWith(cpu: number, members: ReadonlySet<SchedClass>, hasAny: ReadonlySet<SchedClass>): boolean {
    if (this.idlersOn[cpu].length > 0) return false;
    for (const cls of this.classes) {
      if (cls.cpus !== undefined && !cls.cpus.includes(cpu)) continue;
      const needs = this.needsOf.get(cls)!;
      if (needs.tick && !(needs.tickOnlyWithMembers === true && !hasAny.has(cls))) return false;
      if (members.has(cls) && needs.chargeSplits !== true) return false;
    }
    return true;
  }

  /** Whether `e`'s class charges a run in pieces as it would whole (ClassNeeds.chargeSplits). */
  chargesSplit(e: HostEntity): boolean {
    return this.needsOf.get(e.schedClass)?.chargeSplits === true;
  }

  /**
   * The CPU sets the host's classes tie together (ClassNeeds.cpuCoupling), or null when one of them
   * ties all its CPUs. A class with no entity on the host whose tick then does nothing
   * (tickOnlyWithMembers) has nothing to decide anywhere and ties nothing.
   */
  cpuCoupling(entities: readonly HostEntity[]): (readonly number[])[] | null {
    const hasAny = new Set(entities.map((e) => e.schedClass));
    const ties: (readonly number[])[] = [];
    for (const cls of this.classes) {
      const needs = this.needsOf.get(cls)!;
      if (!hasAny.has(cls) && (!needs.tick || needs.tickOnlyWithMembers === true)) continue;
      const coupling = needs.cpuCoupling;
      if (coupling === undefined) return null;
      ties.push(...coupling);
    }
    return ties;
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
