// A VMU's life at run time (issue 13): its boot, its stop, its run-time SLA changes, and what a live
// migration does to it — pause for the stop-and-copy, auto-converge's vCPU throttle, resume on the
// destination instance with its queued jobs. The simulator owns time and dispatching; this module
// owns which VMU instance is up, paused or where, and asks the engine (VmuControlEngine) to settle,
// re-pick, wake and inject.

import { BOOT_SUFFIX, isPhaseTask, SHUTDOWN_SUFFIX } from './lifecycle.js';
import { MigrationRun, twinTaskId, type MigrationHost } from './migration.js';
import { precopyRule } from './migration-rules.js';
import { VcpuThrottle } from './vcpu-throttle.js';
import { EventPhase, type Timer } from './event-queue.js';
import type { HostEntity, Task } from './entities.js';
import type { IoLoadRun } from './io.js';
import type { ChainRun } from './net/chain.js';
import type { Network } from './net/network.js';
import type { HostBuild } from './model.js';
import type { MigrationSpec, Ns, SlaChange, SystemSpec, VmuSpec } from './system.js';

/** What a VMU's host looks like to its control: the model's SLA change and its pCPUs' re-pick marks. */
export interface ControlledHost {
  readonly spec: { readonly id: string };
  readonly entities: readonly HostEntity[];
  readonly build: HostBuild;
}

/** What the control asks of the engine (the simulator implements it). */
export interface VmuControlEngine {
  readonly now: Ns;
  readonly scenario: SystemSpec;
  readonly tasks: readonly Task[];
  readonly ioLoads: readonly IoLoadRun[];
  readonly chains: readonly ChainRun[];
  /** The model family, whose migration copies pages as it does (migration-rules.ts). */
  readonly family: 'xen' | 'kvm';
  timer(fire: (now: Ns) => void): Timer;
  hostOf(task: Task): ControlledHost;
  hostById(id: string): ControlledHost;
  /** Charge what runs on the pCPU `task` runs on, if it runs (before its state changes). */
  settleRunning(task: Task): void;
  /** Charge every pCPU of `host`, apply the model's change there, then re-pick and re-arm them all. */
  reconfigure(host: ControlledHost, apply: () => string): string;
  /** `task` leaves its vCPU (it runs nothing until it wakes); its host is re-picked. */
  blockGuestTask(task: Task): void;
  taskBecameRunnable(task: Task): void;
  countUnfinished(task: Task): void;
  inject(task: Task, demandNs: Ns, onDone: (now: Ns) => void): void;
  startReleases(task: Task, now: Ns): void;
  noteMigration(event: string, detail: string): void;
  noteSlaChange(host: ControlledHost, vcpus: readonly HostEntity[], admitted: boolean, args: Record<string, string | number>): void;
}

export class VmuControl {
  /** Each booting VMU's boot time, start → end of its boot (issue 13), once it has booted. */
  readonly bootTimes = new Map<string, Ns>();
  /** VMUs stopped for a migration's stop-and-copy: their tasks take jobs but do not wake. */
  private readonly pausedVmus = new Set<string>();
  /** A migrated VMU's tasks → their instances where it runs now, where new jobs go (absent: it is on its own PH). */
  private readonly movedTasks = new Map<Task, Task>();
  /** A migration instance's task → the VMU's own task of that id: a job injected into it goes where the VMU runs now. */
  private readonly originalTasks = new Map<Task, Task>();
  /** Where each migrating VMU is (its instance) and the migration moving it now, if any. */
  private readonly whereabouts = new Map<string, { instance: string; moving: MigrationSpec | null }>();
  /** Auto-converge's vCPU throttles, per VMU instance. */
  private readonly throttles = new Map<string, VcpuThrottle>();

  constructor(private readonly engine: VmuControlEngine) {}

  /** The task a job released for `released` goes to: where its VMU runs now (itself unless a migration moved it). */
  destinationOf(released: Task): Task {
    // Only a run with a finished live migration has moved tasks: skip the lookups on every other release.
    const own = this.originalTasks.size === 0 ? released : (this.originalTasks.get(released) ?? released);
    return this.movedTasks.size === 0 ? own : (this.movedTasks.get(own) ?? own);
  }

  /** Whether `task`'s VMU instance is stopped (stop-and-copy or throttle): it wakes at its resume. */
  isPaused(task: Task): boolean {
    return this.pausedVmus.size > 0 && task.vmu !== null && this.pausedVmus.has(task.vmu.id);
  }

  /**
   * Whether `vmu` is up at `now` (issue 13): from its start — its boot's end when it boots, as its
   * tasks release from then (boot) — until its stop, exclusive.
   */
  isUp(vmu: VmuSpec, now: Ns): boolean {
    if (now < (vmu.startNs ?? 0) || (vmu.stopNs !== undefined && now >= vmu.stopNs)) return false;
    return vmu.bootNs === undefined || this.bootTimes.has(vmu.id);
  }

  /** Arm each VMU's boot, stop and SLA changes at their instants. */
  armEvents(): void {
    const timer = (fire: () => void, at: Ns) => this.engine.timer(fire).arm(at);
    for (const vmu of this.engine.scenario.vmus) {
      if (vmu.bootNs !== undefined) timer(() => this.boot(vmu.id), vmu.startNs ?? 0);
      if (vmu.stopNs !== undefined) timer(() => this.stop(vmu.id), vmu.stopNs);
      for (const change of vmu.slaChanges ?? []) timer(() => this.changeSla(vmu, change), change.atNs);
    }
  }

  /**
   * The VMU starts booting (issue 13): its boot disk reads cross the I/O path one after another (a
   * boot loader reads synchronously), then its boot job runs; its tasks release and its I/O loads
   * start from the instant that completes, and the boot time is start → then.
   */
  private boot(vmuId: string): void {
    const engine = this.engine;
    const boot = engine.tasks.find((t) => t.id === vmuId + BOOT_SUFFIX)!;
    const vmu = boot.vmu!;
    const startedAt = engine.now;
    const reads = engine.ioLoads.find((l) => l.vmu.id === vmuId && l.spec.issuedBy?.kind === 'boot');
    const runBurst = () =>
      engine.inject(boot, vmu.bootNs!, (now) => {
        this.bootTimes.set(vmuId, now - startedAt);
        for (const task of engine.tasks) if (task.vmu?.id === vmuId && !isPhaseTask(vmu, task.id)) engine.startReleases(task, now);
        for (const load of engine.ioLoads) if (load.vmu.id === vmuId && load !== reads) load.begin(now);
      });
    if (reads === undefined) return runBurst();
    let left = reads.spec.issuedBy!.reads;
    const readNext = (): void => {
      if (left-- === 0) return runBurst();
      reads.request(readNext);
    };
    readNext();
  }

  /**
   * The VMU is destroyed (its `stop`, issue 13): what its tasks ran so far is accounted, their late
   * pending jobs count as misses, every pending job is dropped, and its vCPUs go idle — a reserving
   * class then has nothing of it to run, so its bandwidth is free for the others. A chain request
   * whose compute job was among them fails now (chain.ts).
   */
  private stop(vmuId: string): void {
    const engine = this.engine;
    let shutdown: Task | undefined;
    for (const task of engine.tasks) {
      if (task.vmu?.id !== vmuId || task.guest === null) continue;
      if (task.id === vmuId + SHUTDOWN_SUFFIX) shutdown = task;
      engine.settleRunning(task);
      engine.countUnfinished(task);
      task.dropPendingJobs();
      engine.blockGuestTask(task);
    }
    // A migrating VMU's instances all stop then; only the one it runs on shuts down (issue 13).
    const vmu = engine.scenario.vmus.find((v) => v.id === vmuId)!;
    const current = this.whereabouts.get(vmu.migrationOf ?? vmu.id)?.instance ?? (vmu.migrationOf ?? vmu.id);
    // Their compute jobs were just dropped: the chain requests in them fail (a chain names the VMU, not its instance).
    for (const chain of engine.chains) chain.vmuStopped(vmu.migrationOf ?? vmuId);
    if (shutdown !== undefined && current === vmuId) engine.inject(shutdown, shutdown.vmu!.shutdownNs!, () => {});
  }

  /**
   * A run-time SLA change of `vmu` reaches its instant (issue 13). Admitted, the model reconfigures
   * the reservation (HostBuild.changeSla) once the time run so far is charged under the old
   * parameters, and every pCPU of the host is re-picked; refused, nothing changes but the trace.
   */
  private changeSla(vmu: VmuSpec, change: SlaChange): void {
    const host = this.engine.hostById(vmu.host);
    const vcpus = host.entities.filter((e) => e.origin.kind === 'vcpu' && e.origin.vmu.id === vmu.id);
    const asked = { budgetNs: change.sla.budget, periodNs: change.sla.period, deadlineNs: change.sla.deadline };
    if (change.admitted !== true) {
      this.engine.noteSlaChange(host, vcpus, false, { ...asked, reason: change.reason ?? '' });
      return;
    }
    const native = this.engine.reconfigure(host, () => host.build.changeSla!(vmu, change.sla));
    this.engine.noteSlaChange(host, vcpus, true, { ...asked, native });
  }

  /** Each migration whose destination instance exists (admitted at its start, src/experiments/lifecycle.ts). */
  buildMigrations(network: Network): MigrationRun[] {
    const engine = this.engine;
    const vmuIds = new Set(engine.scenario.vmus.map((v) => v.id));
    const taskById = (id: string): Task => {
      const task = engine.tasks.find((t) => t.id === id);
      if (task === undefined) throw new Error(`migration thread ${id} is not a task of the system (the model dropped it)`);
      return task;
    };
    const host: MigrationHost = {
      get now() {
        return engine.now;
      },
      durationNs: engine.scenario.durationNs,
      timer: (fire: (now: Ns) => void) => engine.timer(fire),
      inject: (task: Task, demandNs: Ns, onDone: (now: Ns) => void) => engine.inject(task, demandNs, onDone),
      claim: (spec: MigrationSpec) => this.claim(spec),
      throttle: (vmu: string, pct: number) => this.throttle(vmu, pct),
      pause: (vmu: string) => {
        this.pause(vmu);
        network.pause(vmu);
      },
      resume: (vmu: string, twin: string) => {
        this.resume(vmu, twin);
        network.move(vmu, twin);
      },
      note: (event: string, detail: string) => engine.noteMigration(event, detail),
    };
    return (engine.scenario.migrations ?? [])
      .filter((m) => vmuIds.has(m.twin) && vmuIds.has(m.source))
      .map((m) => new MigrationRun(m, precopyRule(engine.family, m), network.stream(m.source, m.twin), taskById(m.sendThread), taskById(m.receiveThread), host));
  }

  /**
   * The VMU stops for a migration's stop-and-copy: what its tasks ran is accounted, and they leave
   * its vCPUs; their jobs stay queued and new releases queue behind them (the guest's timers fire
   * at its resume), so the downtime shows in their responses.
   */
  private pause(vmuId: string): void {
    for (const load of this.engine.ioLoads) if (load.vmu.id === vmuId) load.halt();
    this.hold(vmuId);
  }

  /** The VMU instance's vCPUs stop (a stop-and-copy, or a throttle's sleep): its tasks keep their jobs and run nothing. */
  private hold(vmuId: string): void {
    this.pausedVmus.add(vmuId);
    for (const task of this.engine.tasks) {
      if (task.vmu?.id !== vmuId || task.guest === null) continue;
      this.engine.settleRunning(task);
      this.engine.blockGuestTask(task);
    }
  }

  /** The throttled VMU instance's vCPUs run again: its tasks with jobs wake. */
  private release(vmuId: string): void {
    this.pausedVmus.delete(vmuId);
    for (const task of this.engine.tasks) if (task.vmu?.id === vmuId && task.guest !== null && task.hasJob) this.engine.taskBecameRunnable(task);
  }

  /** QEMU's vCPU throttle of a VMU instance (auto-converge), built on first use. */
  private throttle(vmuId: string, pct: number): void {
    let t = this.throttles.get(vmuId);
    if (t === undefined) {
      t = new VcpuThrottle((fire) => this.engine.timer(fire), () => this.hold(vmuId), () => this.release(vmuId));
      this.throttles.set(vmuId, t);
    }
    t.set(pct, this.engine.now);
  }

  /**
   * Whether migration `spec` may start now: its VMU is where it leaves from (an earlier migration took
   * it there) and no other migration of it is running (one at a time). The refusal says why, with pointers.
   */
  private claim(spec: MigrationSpec): string | null {
    const now = this.engine.now;
    const all = this.engine.scenario.migrations ?? [];
    const pointer = (m: MigrationSpec) => `/migrations/${all.indexOf(m)}`;
    const at = this.whereabouts.get(spec.vmu) ?? { instance: spec.vmu, moving: null };
    const own = this.engine.scenario.vmus.find((v) => v.id === spec.vmu)!;
    // Its boot's end is known only now (a boot's reads and burst take what the stack gives them).
    if (!this.isUp(own, now)) return `${pointer(spec)}/at: ${spec.vmu} is not up at ${now / 1e6} ms (still booting): it migrates once its boot has ended`;
    if (at.moving !== null) {
      return `${pointer(spec)}/at: it starts at ${now / 1e6} ms while ${pointer(at.moving)} (${at.moving.id}, from ${at.moving.atNs / 1e6} ms) is still moving ${spec.vmu}: a VMU migrates once at a time — start it after that one resumes`;
    }
    if (at.instance !== spec.source) return `${pointer(spec)}: ${spec.vmu} is not on ${spec.from} at ${now / 1e6} ms (an earlier migration of it did not take it there)`;
    this.whereabouts.set(spec.vmu, { instance: at.instance, moving: spec });
    return null;
  }

  /**
   * The VMU resumes on the destination: its queued jobs (with their progress) move to its instance
   * there, which runs them, and its I/O loads issue from there (that host's devices and I/O path).
   */
  private resume(vmuId: string, twinId: string): void {
    const engine = this.engine;
    this.pausedVmus.delete(vmuId);
    for (const load of engine.ioLoads) if (load.vmu.id === twinId && load.spec.issuedBy === undefined) load.begin(engine.now);
    const twin = engine.scenario.vmus.find((v) => v.id === twinId)!;
    const vmu = twin.migrationOf ?? twin.id;
    this.whereabouts.set(vmu, { instance: twinId, moving: null });
    for (const own of engine.tasks) {
      if (own.vmu?.id !== vmu || own.guest === null) continue;
      const from = this.movedTasks.get(own) ?? own;
      // Back on its own PH the VMU's own tasks run again; elsewhere that instance's copies.
      const to = twinId === vmu ? own : engine.tasks.find((t) => t.id === twinTaskId(own.id, twin.host));
      if (to === undefined) continue; // a phase task (boot, shutdown) has no copy: it ran at the start or runs at the stop
      if (to === own) this.movedTasks.delete(own);
      else {
        this.movedTasks.set(own, to);
        this.originalTasks.set(to, own);
      }
      const jobs = from.pendingJobs();
      from.dropPendingJobs();
      if (jobs.length === 0) continue;
      const wasIdle = !to.hasJob;
      for (const job of jobs) to.pushJob(job);
      if (wasIdle) engine.taskBecameRunnable(to);
    }
  }
}
