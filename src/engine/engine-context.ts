// The engine's faces towards a host's scheduling classes (PolicyContext) and its guests (GuestHost).
// They are classes rather than object literals so that `now` is one getter on a shared prototype:
// V8 inlines it at the policies' monomorphic call sites, where an object literal's getter (a new
// closure per literal) stayed a real call that boxed the time into a fresh heap number on every
// read — 4 % of the EDF set's CPU time and much of its garbage (issue 14: engine speed).

import type { Ns } from './system.js';
import type { EventPhase, Timer } from './event-queue.js';
import type { HostEntity, Task } from './entities.js';
import type { Guest, GuestHost } from './guest.js';
import type { PolicyContext } from './policy.js';

/** What owns simulated time. */
export interface Clock {
  readonly now: Ns;
}

/**
 * The engine's host services, per host `H`: methods of the engine itself rather than closures made
 * per run, so the classes' call sites (ctx.resched, ctx.current, …) see the same targets in every
 * Simulator of a process (a second run's new closures deoptimised them: "wrong call target", issue 14).
 */
export interface HostEngine<H> {
  readonly now: Ns;
  timerFor(host: H, phase: EventPhase, fire: (now: Ns) => void, near?: boolean): Timer;
  reschedCpu(host: H, cpu: number): void;
  settleCpu(host: H, cpu: number): void;
  currentOn(host: H, cpu: number): HostEntity | null;
  splitSettleInvisibleOn(host: H, cpu: number): boolean;
  notePolicy(host: H, kind: string, cpu: number, entity: HostEntity | null): void;
}

export class EnginePolicyContext<H> implements PolicyContext {
  constructor(
    private readonly engine: HostEngine<H>,
    private readonly host: H,
    readonly cpuCount: number,
    readonly tickNs: Ns,
    private readonly tickPhases: readonly Ns[],
    readonly notesObserved: boolean,
  ) {}

  get now(): Ns {
    return this.engine.now;
  }

  tickPhaseNs(cpu: number): Ns {
    return this.tickPhases[cpu];
  }

  timer(phase: EventPhase, fire: (now: Ns) => void, near?: boolean): Timer {
    return this.engine.timerFor(this.host, phase, fire, near);
  }

  resched(cpu: number): void {
    this.engine.reschedCpu(this.host, cpu);
  }

  settle(cpu: number): void {
    this.engine.settleCpu(this.host, cpu);
  }

  current(cpu: number): HostEntity | null {
    return this.engine.currentOn(this.host, cpu);
  }

  splitSettleInvisible(cpu: number): boolean {
    return this.engine.splitSettleInvisibleOn(this.host, cpu);
  }

  note(kind: string, cpu: number, entity: HostEntity | null): void {
    this.engine.notePolicy(this.host, kind, cpu, entity);
  }
}

/**
 * The engine's guest services, per host `H`: methods of the engine itself rather than closures made
 * per run, so the guests' call sites see the same targets in every Simulator of a process (a second
 * run's new closures deoptimised them: "wrong call target", issue 14).
 */
export interface GuestEngine<H> {
  readonly now: Ns;
  settleVcpuOf(host: H, vcpu: HostEntity): void;
  assignVcpu(host: H, vcpu: HostEntity, task: Task | null): void;
  guestDirty(host: H, guest: Guest): void;
}

export class EngineGuestHost<H> implements GuestHost {
  constructor(
    private readonly engine: GuestEngine<H>,
    private readonly host: H,
  ) {}

  get now(): Ns {
    return this.engine.now;
  }

  settleVcpu(vcpu: HostEntity): void {
    this.engine.settleVcpuOf(this.host, vcpu);
  }

  assign(vcpu: HostEntity, task: Task | null): void {
    this.engine.assignVcpu(this.host, vcpu, task);
  }

  guestDirty(guest: Guest): void {
    this.engine.guestDirty(this.host, guest);
  }
}
