// The scheduling-class protocol of policy.ts, checked call by call: a wrapper the engine calls
// instead of a class when SimulateOptions.checkProtocol (or HVSIM_CHECK_PROTOCOL=1) is set, as in
// every test run, so each class's tests also test that it keeps the contract. In the spirit of
// Linux's SCHED_WARN_ON checks under CONFIG_SCHED_DEBUG. It observes only: a run with checks on
// gives the same results as one without.
//
// What it asserts:
// - pickNext has no side effects: asked twice it answers the same, and while it runs the class
//   neither arms nor cancels a timer, nor asks for a re-pick or a settle;
// - after schedule() (Xen's do_schedule), pickNext reports the same choice, and the slice is ≥ 0;
// - what is picked is runnable, enqueued (in this class, or in the class it serves as a deadline
//   server), queued on that CPU and allowed there;
// - enqueue and dequeue pair up (no double wake, no sleep of a sleeper; a running entity is
//   stopped before it is dequeued); a woken entity is queued on a CPU of its affinity;
// - started/stopped bracket each run, one CPU per entity and one entity per CPU at a time;
// - the charges of a run are positive and never add up to more than the time since started().

import type { Ns } from './system.js';
import type { HostEntity } from './entities.js';
import type { Timer } from './event-queue.js';
import type { ClassNeeds, PolicyContext, SchedClass, TaskSlice } from './policy.js';

/** Shared by a host's checked classes and its checked context: knows when a pickNext is running. */
export class ProtocolGuard {
  /** The class whose pickNext is running, if any. */
  picking: string | null = null;

  constructor(
    readonly host: string,
    readonly now: () => Ns,
  ) {}

  fail(cls: string, what: string): never {
    throw new Error(`scheduling-class protocol broken by '${cls}' on host ${this.host} at ${this.now()} ns: ${what}`);
  }

  /** No side effect while a pickNext runs. */
  quiet(what: string): void {
    if (this.picking !== null) this.fail(this.picking, `pickNext must have no side effects, but it tried to ${what}`);
  }

  /** The context classes get: the engine's, with side effects refused during pickNext. */
  context(ctx: PolicyContext): PolicyContext {
    const guard = this;
    return {
      get now() {
        return ctx.now;
      },
      cpuCount: ctx.cpuCount,
      tickNs: ctx.tickNs,
      timer(phase, fire, near) {
        const t: Timer = ctx.timer(phase, fire, near);
        // Each way to put a timer in or out of the queue is a side effect (a stand-in timer may lack some).
        const methods = t as unknown as Record<string, ((...args: unknown[]) => void) | undefined>;
        for (const [method, what] of TIMER_EFFECTS) {
          const inner = methods[method];
          if (inner === undefined) continue;
          methods[method] = (...args: unknown[]) => {
            guard.quiet(what);
            inner.apply(t, args);
          };
        }
        return t;
      },
      resched(cpu) {
        guard.quiet(`ask for a re-pick of pCPU ${cpu}`);
        ctx.resched(cpu);
      },
      settle(cpu) {
        guard.quiet(`settle pCPU ${cpu}`);
        ctx.settle(cpu);
      },
      current: (cpu) => ctx.current(cpu),
      splitSettleInvisible: (cpu) => ctx.splitSettleInvisible?.(cpu) === true,
      note: (kind, cpu, entity) => ctx.note(kind, cpu, entity),
      notesObserved: ctx.notesObserved,
    };
  }

  wrap<P>(cls: SchedClass<P>): SchedClass<P> {
    return new CheckedClass(cls, this);
  }
}

interface RunRecord {
  cpu: number;
  since: Ns;
  charged: Ns;
}

/** The Timer methods that arm, cancel, hold or place it, and what the protocol calls that. */
const TIMER_EFFECTS: readonly (readonly [string, string])[] = [
  ['arm', 'arm a timer'],
  ['cancel', 'cancel a timer'],
  ['armSoon', 'arm a timer'],
  ['hold', 'hold a timer'],
  ['place', 'place a held timer'],
];

/** A SchedClass that checks every call against the protocol and forwards it to `inner`. */
export class CheckedClass<P> implements SchedClass<P> {
  readonly name: string;
  readonly cpus?: readonly number[];
  readonly init?: () => void;
  readonly needs?: () => ClassNeeds;
  readonly schedule?: (cpu: number, now: Ns) => TaskSlice;
  readonly balance?: (cpu: number) => void;
  readonly tick?: (cpu: number, curr: HostEntity | null) => void;
  readonly idleTime?: (cpu: number, deltaNs: Ns) => void;
  readonly yield?: (e: HostEntity, cpu: number) => void;
  readonly stats?: () => Record<string, number>;
  /** Enqueued and not dequeued since. */
  private readonly queued = new Set<HostEntity>();
  private readonly running = new Map<HostEntity, RunRecord>();
  private readonly onCpu = new Map<number, HostEntity>();

  constructor(
    readonly inner: SchedClass<P>,
    private readonly guard: ProtocolGuard,
  ) {
    this.name = inner.name;
    if (inner.cpus !== undefined) this.cpus = inner.cpus;
    if (inner.init !== undefined) this.init = () => inner.init!();
    if (inner.needs !== undefined) this.needs = () => inner.needs!();
    if (inner.balance !== undefined) this.balance = (cpu) => inner.balance!(cpu);
    if (inner.stats !== undefined) this.stats = () => inner.stats!();
    if (inner.tick !== undefined) this.tick = (cpu, curr) => inner.tick!(cpu, curr);
    if (inner.schedule !== undefined) this.schedule = (cpu, now) => this.checkedSchedule(cpu, now);
    if (inner.idleTime !== undefined) {
      this.idleTime = (cpu, deltaNs) => {
        if (!(deltaNs > 0)) this.fail(`idleTime(pCPU ${cpu}) with a non-positive interval ${deltaNs}`);
        const e = this.onCpu.get(cpu);
        if (e !== undefined) this.fail(`idleTime(pCPU ${cpu}) while its ${e.id} runs there`);
        inner.idleTime!(cpu, deltaNs);
      };
    }
    if (inner.yield !== undefined) {
      this.yield = (e, cpu) => {
        if (this.running.get(e)?.cpu !== cpu) this.fail(`yield(${e.id}, pCPU ${cpu}) of an entity not running there`);
        inner.yield!(e, cpu);
      };
    }
  }

  admit(e: HostEntity, params: P): void {
    this.inner.admit(e, params);
  }

  enqueue(e: HostEntity): void {
    if (this.queued.has(e)) this.fail(`enqueue(${e.id}) twice without a dequeue`);
    if (!e.runnable) this.fail(`enqueue(${e.id}) of an entity that is not runnable`);
    this.queued.add(e);
    this.inner.enqueue(e);
    if (!e.allows(e.cpu)) this.fail(`enqueue(${e.id}) queued it on pCPU ${e.cpu}, outside its affinity [${e.affinity.join(', ')}]`);
  }

  dequeue(e: HostEntity): void {
    if (!this.queued.delete(e)) this.fail(`dequeue(${e.id}) of an entity that was not enqueued`);
    if (this.running.has(e)) this.fail(`dequeue(${e.id}) while it runs (stopped() must come first)`);
    this.inner.dequeue(e);
  }

  pickNext(cpu: number): HostEntity | null {
    const guard = this.guard;
    guard.picking = this.name;
    let first: HostEntity | null;
    let second: HostEntity | null;
    try {
      first = this.inner.pickNext(cpu);
      second = this.inner.pickNext(cpu);
    } finally {
      guard.picking = null;
    }
    if (first !== second) this.fail(`pickNext(pCPU ${cpu}) answered ${first?.id ?? 'idle'}, then ${second?.id ?? 'idle'}: it has side effects`);
    if (first !== null) this.checkPicked(first, cpu, 'pickNext');
    return first;
  }

  private checkedSchedule(cpu: number, now: Ns): TaskSlice {
    const slice = this.inner.schedule!(cpu, now);
    if (!(slice.sliceNs >= 0) || (slice.sliceNs !== Infinity && !Number.isInteger(slice.sliceNs))) {
      this.fail(`schedule(pCPU ${cpu}) returned a slice of ${slice.sliceNs} ns (an integer ≥ 0, or Infinity)`);
    }
    if (slice.next !== null) this.checkPicked(slice.next, cpu, 'schedule');
    const reported = this.pickNext(cpu);
    if (reported !== slice.next) this.fail(`schedule(pCPU ${cpu}) chose ${slice.next?.id ?? 'idle'} but pickNext then reports ${reported?.id ?? 'idle'}`);
    return slice;
  }

  charge(e: HostEntity, cpu: number, deltaNs: Ns): void {
    const run = this.running.get(e);
    if (run === undefined || run.cpu !== cpu) this.fail(`charge(${e.id}, pCPU ${cpu}) of an entity not running there`);
    if (!(deltaNs > 0 && Number.isInteger(deltaNs))) this.fail(`charge(${e.id}) of ${deltaNs} ns (a positive integer)`);
    run.charged += deltaNs;
    const ran = this.guard.now() - run.since;
    if (run.charged > ran) this.fail(`charges of ${e.id} add up to ${run.charged} ns, but it has run ${ran} ns since started()`);
    this.inner.charge(e, cpu, deltaNs);
  }

  started(e: HostEntity, cpu: number): void {
    const run = this.running.get(e);
    if (run !== undefined) this.fail(`started(${e.id}, pCPU ${cpu}) while it still runs on pCPU ${run.cpu}`);
    const other = this.onCpu.get(cpu);
    if (other !== undefined) this.fail(`started(${e.id}, pCPU ${cpu}) while ${other.id} still runs there`);
    if (!this.queued.has(e)) this.fail(`started(${e.id}) of an entity that is not enqueued`);
    this.running.set(e, { cpu, since: this.guard.now(), charged: 0 });
    this.onCpu.set(cpu, e);
    this.inner.started(e, cpu);
  }

  stopped(e: HostEntity, cpu: number): void {
    if (this.running.get(e)?.cpu !== cpu) this.fail(`stopped(${e.id}, pCPU ${cpu}) without a started() there`);
    this.running.delete(e);
    this.onCpu.delete(cpu);
    this.inner.stopped(e, cpu);
  }

  private checkPicked(e: HostEntity, cpu: number, by: string): void {
    const where = `${by}(pCPU ${cpu}) chose ${e.id}`;
    // An entity of another class is what a deadline server picks for the class it serves (fair_server).
    const ours = e.schedClass === this.inner;
    if (!e.runnable || (ours && !this.queued.has(e))) this.fail(`${where}, which is not runnable`);
    if (e.cpu !== cpu) this.fail(`${where}, which is queued on pCPU ${e.cpu}`);
    if (!e.allows(cpu)) this.fail(`${where}, outside its affinity [${e.affinity.join(', ')}]`);
  }

  private fail(what: string): never {
    return this.guard.fail(this.name, what);
  }
}
