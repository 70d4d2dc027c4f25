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

/** The host-side services a context forwards to the engine. */
export interface HostServices {
  timer(phase: EventPhase, fire: (now: Ns) => void): Timer;
  resched(cpu: number): void;
  settle(cpu: number): void;
  current(cpu: number): HostEntity | null;
  note(kind: string, cpu: number, entity: HostEntity | null): void;
}

export class EnginePolicyContext implements PolicyContext {
  constructor(
    private readonly clock: Clock,
    readonly cpuCount: number,
    readonly tickNs: Ns,
    private readonly tickPhases: readonly Ns[],
    private readonly services: HostServices,
  ) {}

  get now(): Ns {
    return this.clock.now;
  }

  tickPhaseNs(cpu: number): Ns {
    return this.tickPhases[cpu];
  }

  timer(phase: EventPhase, fire: (now: Ns) => void): Timer {
    return this.services.timer(phase, fire);
  }

  resched(cpu: number): void {
    this.services.resched(cpu);
  }

  settle(cpu: number): void {
    this.services.settle(cpu);
  }

  current(cpu: number): HostEntity | null {
    return this.services.current(cpu);
  }

  note(kind: string, cpu: number, entity: HostEntity | null): void {
    this.services.note(kind, cpu, entity);
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
