// One run of one scenario under one hypervisor model: the physics. It owns time, dispatching,
// context switches and accounting; models own only their decisions (see policy.ts).
//
// Step rule (decided once, here): every event due at the current nanosecond fires first, in
// (phase, insertion) order — completions, budget timers, releases, ticks, control — and only then
// does the reschedule pass run: guests re-place their tasks on vCPUs, then each pCPU marked for
// rescheduling is re-picked once, then completion timers of changed pCPUs are re-armed. Anything
// that pass arms at the same instant is handled before time advances.

import { tasksWithPhases } from './lifecycle.js';
import type { MigrationRun } from './migration.js';
import { VmuControl, type VmuControlEngine } from './vmu-control.js';
import type { HostSpec, Ns, SystemSpec, VmuSpec } from './system.js';
import { EventPhase, EventQueue, Timer } from './event-queue.js';
import { HostEntity, Task, type Job } from './entities.js';
import { widenNumberFields } from './wide-numbers.js';
import { Guest, type GuestHost } from './guest.js';
import { GUEST_POLICIES } from './guest-policy.js';
import type { HostBuild, HypervisorModel, PrepareSetup } from './model.js';
import type { IoEngine, IoLoadRun } from './io.js';
import { IoWiring, withHandlerTasks } from './io-wiring.js';
import { buildNetwork, type FlowRun, type NetHost, type Network } from './net/network.js';
import { ChainRun } from './net/chain.js';
import { ClassStack } from './class-stack.js';
import { ProtocolGuard } from './checked-class.js';
import type { PolicyContext } from './policy.js';
import { Rng } from './rng.js';
import { CpuSet } from './cpu-set.js';
import { TaskReleases, newJob, timerWakeDelay, type ReleaseTarget } from './releases.js';
import type { ProgramClock, SharedTimers } from './program.js';
import { firstGuestTickNs, firstTickNs } from './tick.js';
import { HostInterference } from './interference.js';
import { WorkList } from './work-list.js';
import { cpuIslands } from './cpu-islands.js';
import { EngineGuestHost, EnginePolicyContext, type GuestEngine, type HostEngine } from './engine-context.js';
import { InputError } from '../errors.js';

export interface SimulateOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Model parameters (after scenario overrides). */
  params?: Record<string, unknown>;
  /** JSON pointer of the model entry, for errors. */
  paramsPointer?: string;
  /** Optional observer of dispatch decisions (traces, tests). */
  observer?: SimObserver;
  /** Called with the simulated time every PROGRESS_EVENTS events (progress lines, wall-clock limits; may throw to stop). */
  onProgress?: (now: Ns) => void;
  /**
   * Check the scheduling-class protocol (policy.ts) on every call and throw on a violation
   * (checked-class.ts). Default: on when the environment sets HVSIM_CHECK_PROTOCOL=1, as the tests do.
   */
  checkProtocol?: boolean;
  /** Admission ran at each VMU's start (HostSetup.admittedAtStarts, src/experiments/lifecycle.ts). */
  admittedAtStarts?: boolean;
  /**
   * Leave out host ticks that provably change nothing (ClassStack.elidableTicks; counted in
   * eventsFired all the same). Default true; false runs every tick (the equivalence test).
   */
  elideTicks?: boolean;
  /**
   * Guests keep their runnable tasks in order as they change and place without the general matching
   * where they can (GuestOptions.incremental). Default true; false sorts and matches at every
   * placement (the equivalence test).
   */
  guestIncremental?: boolean;
  /**
   * Simulate each island of CPUs that nothing ties together on its own, one after another
   * (cpu-islands.ts; only in runs where nothing else links them: islandsPossible below).
   * Default true; false interleaves them in one event queue (the equivalence test).
   */
  partition?: boolean;
  /**
   * Let classes leave out a re-pick that would choose the running entity again where its settle is
   * only an invisible split (PolicyContext.splitSettleInvisible). Default true; false re-picks at
   * every ask (the equivalence test).
   */
  keepPicks?: boolean;
}

/** How often run() reports progress: rare enough to cost nothing, often enough for a second-level wall limit. */
const PROGRESS_EVENTS = 1 << 16;

/** Hooks for traces and tests; the hot path pays one null check when absent. */
export interface SimObserver {
  /** `entity` starts (or null: the CPU goes idle) on pCPU `cpu` of host `host` at `now`. */
  dispatch?(now: Ns, host: string, cpu: number, entity: HostEntity | null): void;
  /** A job of `task` completes. */
  complete?(now: Ns, task: Task, job: Job): void;
  /** A job of `task` is released. */
  release?(now: Ns, task: Task, job: Job): void;
  /** A policy event on host `host` (see PolicyContext.note). */
  policy?(now: Ns, host: string, kind: string, cpu: number, entity: HostEntity | null): void;
  /** The guest places `task` (or nothing) on vCPU `vcpu`. */
  assign?(now: Ns, host: string, vcpu: HostEntity, task: Task | null): void;
  /** A live migration's step (src/engine/migration.ts): start, round, pause, resume. */
  migration?(now: Ns, event: string, detail: string): void;
  /**
   * The closed-loop program clock of `task`, made at the start of the run; given this hook, clocks
   * keep their iteration records (the rt-app log recorder reads them: one interpretation).
   */
  program?(task: Task, clock: ProgramClock): void;
  /** A run-time SLA change of a VMU (issue 13) applied (`admitted`) or refused at `now`; `vcpus` are the VMU's. */
  slaChange?(now: Ns, host: string, vcpus: readonly HostEntity[], admitted: boolean, args: Record<string, string | number>): void;
}

class Pcpu {
  current: HostEntity | null = null;
  /** Start of the segment not yet charged to `current`. */
  segmentStart: Ns = 0;
  /** End of the context-switch overhead of the current dispatch: the leaf makes no progress before it. */
  overheadUntil: Ns = 0;
  /** Entity that last left this CPU and when: resuming it in the same instant is not a context switch. */
  lastLeft: HostEntity | null = null;
  lastLeftAt: Ns = -1;
  busyNs = 0;
  busyAtWarmupNs = 0;
  completion!: Timer;
  tick?: Timer;

  constructor(readonly index: number) {
    widenNumberFields(this, ['segmentStart', 'overheadUntil', 'lastLeftAt', 'busyNs', 'busyAtWarmupNs']);
  }
}

export class HostState {
  readonly cpus: Pcpu[];
  readonly entities: HostEntity[] = [];
  readonly guests: Guest[] = [];
  /** Guests whose placement changes in this instant (reschedule pass). */
  readonly dirtyGuests = new WorkList<Guest>();
  /** In the simulator's list of hosts to visit in this instant's reschedule pass. */
  dirty = false;
  /** pCPUs to re-pick in the reschedule pass (every one before the first pass). */
  readonly needsResched: CpuSet;
  /** pCPUs whose completion timer the reschedule pass re-arms. */
  readonly needsRefresh: CpuSet;
  stack!: ClassStack;
  build!: HostBuild;
  /** The event-queue lane of each pCPU: its island's (cpu-islands.ts), or 0 for all when the run is not partitioned. */
  laneOfCpu!: Int32Array;
  /** Cache and memory interference among its tasks (interference.ts); null: none, demands are exact. */
  interference: HostInterference | null = null;
  /** Per entity (by index): a settle of the CPU it runs on only splits its segment invisibly (PolicyContext.splitSettleInvisible). */
  splitInvisible!: Uint8Array;
  /** Some class counts idle time on some pCPU (ClassStack.idlers): a settle of an idle pCPU then charges it. */
  countsIdle = false;

  constructor(readonly spec: HostSpec) {
    this.cpus = Array.from({ length: spec.cpus }, (_, i) => new Pcpu(i));
    this.needsResched = new CpuSet(spec.cpus);
    this.needsResched.addAll();
    this.needsRefresh = new CpuSet(spec.cpus);
  }
}

export class Simulator implements IoEngine, ReleaseTarget, GuestEngine<HostState>, HostEngine<HostState> {
  readonly queue = new EventQueue();
  now: Ns = 0;
  readonly hosts: HostState[] = [];
  readonly tasks: Task[] = [];
  /** Events fired (scheduler events per second in bench), host ticks left out as no-ops included. */
  eventsFired = 0;
  /** Host tick grids left out as no-ops (ClassStack.elidableTicks): first tick and period of each. */
  private readonly elidedTicks: { firstNs: Ns; periodNs: Ns }[] = [];

  /** Host ticks due within the run that were left out as no-ops (known after run(); in eventsFired too). */
  ticksSkipped = 0;

  /** Event-queue lanes: one per independent island of CPUs when the run is partitioned, else 1 (run()). */
  private laneCount = 0;
  /** Whether hosts may be split into islands (islandsPossible). */
  private readonly partitioned: boolean;
  /** The lane runLanes is simulating, -1 otherwise. */
  private laneRunning = -1;
  /** The pCPUs of each lane, by host (listLaneCpus; only when there are several lanes). */
  private readonly cpusOfLane: { host: HostState; cpu: number }[][] = [];

  /** Lanes the run simulates one after another (for tests). */
  get lanes(): number {
    return this.laneCount;
  }

  /** pCPUs whose host ticks the engine leaves out (for tests). */
  get elidedTickCpus(): number {
    return this.elidedTicks.length;
  }
  /** Hosts to visit in this instant's reschedule pass, each once (HostState.dirty), in the order first marked. */
  private readonly dirtyHosts = new WorkList<HostState>();
  private readonly observer: SimObserver | undefined;
  /** Finished jobs are reused (Task.spareJob): no observer is handed jobs, which it could keep. */
  private readonly recycleJobs: boolean;
  private readonly onProgress: ((now: Ns) => void) | undefined;
  /** rt-app's process-wide timers, per process: a host's threads ("host:" id) or one VMU's tasks ("vmu:" id). */
  private readonly timersByProcess = new Map<string, SharedTimers>();
  readonly onProgram: ((task: Task, clock: ProgramClock) => void) | undefined;
  /** The I/O loads' request streams, in scenario order (for results). */
  readonly ioLoads: IoLoadRun[];
  /** The run's I/O: request streams, devices, remote OSDs (io-wiring.ts). */
  private readonly io: IoWiring;
  /** The packet flows between VMUs, in scenario order (src/engine/net). */
  readonly flows: FlowRun[];
  /** The request chains of the VSNs, in scenario order (src/engine/net/chain.ts). */
  readonly chains: ChainRun[];
  /** The live migrations whose destination admitted the VMU, in scenario order (src/engine/migration.ts). */
  readonly migrations: MigrationRun[];
  private readonly netHosts = new Map<string, NetHost>();
  readonly seed: number;
  /** A VMU's boot, stop, SLA changes and migrations at run time (vmu-control.ts). */
  private readonly control: VmuControl;

  /** Each booting VMU's boot time, start → end of its boot (issue 13), once it has booted. */
  get bootTimes(): ReadonlyMap<string, Ns> {
    return this.control.bootTimes;
  }

  constructor(
    readonly scenario: SystemSpec,
    readonly model: HypervisorModel,
    options: SimulateOptions = {},
  ) {
    // The clock a double from construction: its first time past 2^30 ns made it one mid-run,
    // deprecating the simulator's hidden class under code that reads it (wide-numbers.ts).
    widenNumberFields(this as unknown as { now: Ns }, ['now']);
    this.seed = options.seed ?? scenario.seed;
    this.observer = options.observer;
    this.recycleJobs = options.observer?.release === undefined && options.observer?.complete === undefined;
    this.onProgress = options.onProgress;
    const programHook = options.observer?.program;
    this.onProgram = programHook === undefined ? undefined : (task, clock) => programHook.call(options.observer, task, clock);
    if (model.family === 'xen') refuseQemuOnly(scenario, model.name);
    this.partitioned = options.partition !== false && islandsPossible(scenario, options);
    this.control = new VmuControl(this.controlEngine());
    let network: Network | null = null; // built once every host is: remote OSDs resolve their routes from it on first use
    this.io = new IoWiring(scenario, model, this.queue, this.seed, this, () => network!);
    this.ioLoads = this.io.ioLoads;
    for (const spec of scenario.hosts) this.buildHost(spec, options);
    if (this.laneCount > 1) this.listLaneCpus();
    network = buildNetwork(scenario, this.netHosts, this, this.seed, (vmu, now) => this.control.isUp(vmu, now));
    this.flows = network.flows;
    const vmuById = new Map(scenario.vmus.map((v) => [v.id, v]));
    const isUpById = (id: string) => {
      const vmu = vmuById.get(id);
      return vmu !== undefined && this.control.isUp(vmu, this.now); // not a VMU of the run: refused at its start (absentVmus)
    };
    this.chains = (scenario.chains ?? []).map((c) => new ChainRun(c, this.io.chainSteps(c, network!.route, this.tasks), this, this.seed, isUpById));
    this.migrations = this.control.buildMigrations(network);
    // A VMU that boots releases its tasks and issues its I/O when the boot job completes (bootVmu), not
    // before; a migration's destination instance releases nothing of its own (the source's jobs move to it).
    for (const task of this.tasks) {
      if (task.vmu?.bootNs !== undefined || task.vmu?.migrationOf !== undefined) continue;
      this.queue.useLane(this.laneOf(task));
      runtimeOf(task).releases.start();
    }
    this.queue.useLane(0);
    this.control.armEvents();
    if (scenario.warmupNs > 0) {
      // Partitioned, each lane takes its own snapshot of its CPUs (one event all the same: run()).
      for (let lane = 0; lane < this.laneCount; lane++) {
        this.queue.useLane(lane);
        this.queue.timer(EventPhase.control, () => this.snapshotWarmup(this.laneCount > 1 ? lane : -1)).arm(scenario.warmupNs);
      }
      this.queue.useLane(0);
    }
  }

  /** The lane of a task: its guest's (a guest never spans two islands) or its host thread's. */
  private laneOf(task: Task): number {
    const host = runtimeOf(task).host;
    const entity = task.guest !== null ? task.guest.vcpus[0] : task.runner!;
    return host.laneOfCpu[entity.affinity[0]];
  }

  /** Run to the scenario's end. */
  run(): void {
    const end = this.scenario.durationNs;
    if (this.laneCount > 1) this.runLanes(end);
    else {
      this.runLane(end, 0);
      this.finishLane(end);
    }
    this.now = end;
    // The ticks left out would each have been one event: results count them as before.
    for (const g of this.elidedTicks) if (g.firstNs <= end) this.ticksSkipped += Math.floor((end - g.firstNs) / g.periodNs) + 1;
    this.eventsFired += this.ticksSkipped;
    for (const h of this.hosts) for (const p of h.cpus) this.settle(h, p);
    this.countUnfinishedMisses();
  }

  /**
   * The events of the current lane up to `end`, each instant followed by its reschedule pass.
   * `lane` of `laneCount` places the progress reported in the whole run (the lanes run in turn).
   */
  private runLane(end: Ns, lane: number): void {
    const queue = this.queue;
    let nextProgress = this.eventsFired + PROGRESS_EVENTS;
    this.reschedulePass();
    while (queue.advance(end)) {
      this.now = queue.instant;
      do {
        queue.fireNext();
        this.eventsFired++;
      } while (queue.moreAtInstant());
      this.reschedulePass();
      if (this.onProgress !== undefined && this.eventsFired >= nextProgress) {
        nextProgress = this.eventsFired + PROGRESS_EVENTS;
        const t = this.now;
        this.onProgress(this.laneCount > 1 ? Math.floor((lane * end + t) / this.laneCount) : t);
      }
    }
  }

  /**
   * After a lane's run: its held timers (a throttled idle server's replenishment, cbs.ts) due by
   * the end fire now, and each held timer that fired counts as the event it was. (Outside runLane:
   * code after its loop is first reached at a run's end, a deoptimisation of the loop each time.)
   */
  private finishLane(end: Ns): void {
    this.queue.fireHeld(end);
    this.eventsFired += this.queue.takeHeldFirings();
  }

  /**
   * Each island of CPUs on its own, from time 0 to the end, one after the other (cpu-islands.ts).
   * No island's events touch another's state, so each sees exactly what it saw interleaved with the
   * others; what the interleaved run shared among islands is re-created per island: every pCPU is
   * re-picked at its island's first pass (a re-pick of an island that had no event yet changes
   * nothing: islandsPossible), and the warm-up snapshot is one event per lane, counted once.
   */
  private runLanes(end: Ns): void {
    // A host marked during its build is one lane (assignLanes): it is visited at that lane's start.
    const dirtyAtStart = this.hosts.filter((h) => h.dirty);
    for (const host of dirtyAtStart) host.dirty = false;
    this.dirtyHosts.clear();
    for (const host of this.hosts) for (const p of host.cpus) host.needsResched.delete(p.index);
    for (let lane = 0; lane < this.laneCount; lane++) {
      this.queue.useLane(lane);
      this.now = 0;
      this.markLane(lane, true);
      for (const host of dirtyAtStart) if (host.laneOfCpu[0] === lane) this.markDirty(host);
      this.laneRunning = lane;
      this.runLane(end, lane);
      this.finishLane(end);
      // An island that never had a pass keeps its marks; interleaved, another island's pass would
      // re-pick its idle pCPUs, which changes nothing: drop them, so the next lane stays in its own.
      this.markLane(lane, false);
    }
    this.laneRunning = -1;
    if (this.scenario.warmupNs > 0 && this.scenario.warmupNs <= end) this.eventsFired -= this.laneCount - 1;
  }

  /**
   * Mark (or unmark) every pCPU of `lane` for a re-pick. Indexed loops: run once per lane, before
   * V8 optimises this code, for-of made an iterator result per pCPU visited — lanes × pCPUs of them
   * (issue 14: 64 × 64 × 2 at 64 pCPUs, the run's only allocation outside the engine's path).
   */
  private markLane(lane: number, on: boolean): void {
    const cpus = this.cpusOfLane[lane];
    for (let i = 0; i < cpus.length; i++) {
      const { host, cpu } = cpus[i];
      if (on) host.needsResched.add(cpu);
      else host.needsResched.delete(cpu);
    }
  }

  /**
   * The pCPUs of each lane, listed once (markLane): a scan of every host's pCPUs per lane was lanes ×
   * pCPUs steps, 64 × 64 × 2 at 64 pCPUs — enough for V8 to compile markLane with TurboFan in every
   * cold run (~4 ms, --trace-opt), for a list of one pCPU per lane (issue 14).
   */
  private listLaneCpus(): void {
    for (let lane = 0; lane < this.laneCount; lane++) this.cpusOfLane.push([]);
    for (const host of this.hosts) for (let cpu = 0; cpu < host.laneOfCpu.length; cpu++) this.cpusOfLane[host.laneOfCpu[cpu]].push({ host, cpu });
  }

  /** A class re-picks, settles or reads a pCPU of another island than the one running: its cpuCoupling misses a tie. */
  private crossesLanes(host: HostState, cpu: number): never {
    throw new Error(`host ${host.spec.id}: a class reaches pCPU ${cpu} while the island of lane ${this.laneRunning} runs: its ClassNeeds.cpuCoupling misses a tie`);
  }

  // ---- construction -------------------------------------------------------------------------

  private buildHost(spec: HostSpec, options: SimulateOptions): void {
    const host = new HostState(spec);
    this.hosts.push(host);
    const scenario = this.scenario;
    const rngFor = (id: string) => new Rng(this.seed, id);

    const prepare: PrepareSetup = {
      scenario,
      host: spec,
      params: options.params ?? {},
      paramsPointer: options.paramsPointer ?? '',
    };
    const given = this.model.prepare?.(prepare) ?? {
      vmus: scenario.vmus.filter((v) => v.host === spec.id),
      hostThreads: scenario.hostThreads.filter((t) => t.host === spec.id),
    };
    const population = { vmus: given.vmus.map((v) => withHandlerTasks(v, scenario.chains ?? [])), hostThreads: given.hostThreads };

    const check = options.checkProtocol ?? process.env.HVSIM_CHECK_PROTOCOL === '1';
    const guestVmus = new Map<Guest, VmuSpec>();
    for (const vmu of population.vmus) {
      const vcpus = Array.from(
        { length: vmu.vcpus },
        (_, i) =>
          new HostEntity(
            `${vmu.id}/vcpu${i}`,
            { kind: 'vcpu', vmu, index: i },
            vmu.pinVcpus ? [vmu.affinity[i % vmu.affinity.length]] : vmu.affinity,
            host.entities.length + i,
          ),
      );
      host.entities.push(...vcpus);
      const tasks = tasksWithPhases(vmu);
      const policy = GUEST_POLICIES[vmu.guest.scheduler].create(tasks, vmu.guest.tickNs);
      const guestOptions = { incremental: options.guestIncremental !== false, checkOrder: check };
      const guest = new Guest(policy, vcpus, vmu.guest.tickNs, this.guestHost(host), tasks, guestOptions);
      host.guests.push(guest);
      guestVmus.set(guest, vmu);
      for (const spec of tasks) this.addTask(new Task(spec, vmu), rngFor(spec.id), host, guest);
    }
    for (const thread of population.hostThreads) {
      const e = new HostEntity(thread.id, { kind: 'thread', spec: thread }, thread.affinity, host.entities.length);
      host.entities.push(e);
      const task = new Task(thread, null);
      e.task = task;
      task.runner = e;
      this.addTask(task, rngFor(thread.id), host, null);
    }

    const guard = check ? new ProtocolGuard(spec.id, () => this.now) : null;
    const ctx = guard === null ? this.policyContext(host) : guard.context(this.policyContext(host));
    if (scenario.interference === 'cache' && spec.memory !== undefined) {
      host.interference = new HostInterference(spec.memory, spec.cpus, this.tasks.filter((t) => runtimeOf(t).host === host));
    }
    host.build = this.model.build({
      scenario,
      host: spec,
      population,
      entities: host.entities,
      params: options.params ?? {},
      paramsPointer: options.paramsPointer ?? '',
      ctx,
      ...(options.admittedAtStarts === true && { admittedAtStarts: true }),
    });
    // Xen's s_timer per pCPU: re-picks it when the slice a schedule() class returned ends (class-stack.ts).
    const sliceTimers = host.cpus.map((p) => this.queue.timer(EventPhase.budget, () => ctx.resched(p.index)));
    host.stack = new ClassStack(host.build.classes, spec.cpus, sliceTimers, this, guard === null ? undefined : (cls) => guard.wrap(cls));
    for (const e of host.entities) host.stack.checkAffinity(e);
    host.countsIdle = host.cpus.some((p) => host.stack.idlers(p.index).length > 0);
    // Where a settle of an entity's CPU is only a split of its segment — its classes charge a split
    // exactly, no interference model, and a vCPU's guest charges its tasks exactly too — a guest's
    // placement settles only what it changes (Guest.settlesSplitExactly) and a class may leave out a
    // re-pick that keeps it running (PolicyContext.splitSettleInvisible).
    const exactGuestCharge = (g: Guest) => g.policy.charge === undefined || g.policy.chargeSplitsExactly === true;
    const splitsExactly = (e: HostEntity) => host.interference === null && host.stack.chargesSplit(e);
    for (const g of host.guests) g.settlesSplitExactly(exactGuestCharge(g) && g.vcpus.every(splitsExactly));
    host.splitInvisible = new Uint8Array(host.entities.length);
    if (options.keepPicks !== false) {
      for (const e of host.entities) if (splitsExactly(e)) host.splitInvisible[e.index] = 1;
      for (const g of host.guests) if (!exactGuestCharge(g)) for (const v of g.vcpus) host.splitInvisible[v.index] = 0;
    }
    this.assignLanes(host);
    const elidable = host.stack.wantsTick && options.elideTicks !== false ? this.elidableTicks(host) : null;
    for (const p of host.cpus) {
      this.queue.useLane(host.laneOfCpu[p.index]);
      // Re-armed at nearly every dispatch and fired once per job, always the soonest: the queue's near tier.
      p.completion = this.queue.timer(EventPhase.completion, completionDue, true);
      p.completion.owner = { sim: this, host, p } satisfies CompletionOwner;
      if (elidable !== null && elidable[p.index]) {
        this.elidedTicks.push({ firstNs: firstTickNs(spec, p.index, this.seed), periodNs: spec.tickNs });
      } else if (host.stack.wantsTick) {
        const tick = this.queue.timer(EventPhase.tick, (now) => {
          this.settle(host, p);
          host.stack.tick(p.index, p.current);
          tick.arm(now + spec.tickNs);
        });
        p.tick = tick;
        tick.arm(firstTickNs(spec, p.index, this.seed)); // the host's tick grid: tick.ts
      }
    }
    for (const guest of host.guests) {
      // Guest ticks only where a guest decision depends on elapsed time: fair re-balancing, RR quanta.
      if (!guest.policy.ticks) continue;
      this.queue.useLane(host.laneOfCpu[guest.vcpus[0].affinity[0]]);
      const guestTick = this.queue.timer(EventPhase.tick, (now) => {
        guest.tick();
        if (guest.dirty) this.markDirty(host);
        guestTick.arm(now + guest.tickNs);
      });
      guestTick.arm(firstGuestTickNs(spec, guestVmus.get(guest)!, this.seed)); // the guest's tick grid: tick.ts
    }
    this.queue.useLane(0);
    if (host.build.changeSla === undefined && population.vmus.some((v) => (v.slaChanges ?? []).length > 0)) {
      throw new InputError({
        file: scenario.file,
        pointer: `/vmus/${scenario.vmus.findIndex((v) => v.host === spec.id && v.slaChanges !== undefined)}/slaChanges`,
        expected: `no run-time SLA changes under ${this.model.name} (it does not model reconfiguring a reservation yet)`,
        found: 'SLA changes',
      });
    }
    const tasks = new Map(this.tasks.filter((t) => runtimeOf(t).host === host).map((t) => [t.id, t]));
    this.io.buildIo(spec, tasks, population.vmus, prepare);
    this.netHosts.set(spec.id, { spec, tasks, path: (vmu) => this.model.packetPath?.(vmu, prepare), hostPath: () => this.model.hostPacketPath?.(prepare) });
  }

  /**
   * Give each pCPU of `host` its event-queue lane: one per island of CPUs (cpu-islands.ts) when the
   * run is partitioned and the host's classes say what they tie together, lane 0 for all otherwise.
   * Islands are tied by an entity's affinity, a guest's vCPUs and the classes' own couplings.
   */
  private assignLanes(host: HostState): void {
    if (!this.partitioned) {
      host.laneOfCpu = new Int32Array(host.cpus.length);
      this.laneCount = 1;
      return;
    }
    // Split only where a re-pick of an island before its first event changes nothing (runLanes): no
    // idle-time class (its settle would count the idle stretch), no Xen schedule() (it arms the slice
    // timer), nothing to re-pick already (a host marked during its build), and no interference model.
    const splittable =
      !host.dirty &&
      host.interference === null &&
      host.stack.classes.every((c) => c.schedule === undefined) &&
      host.cpus.every((p) => host.stack.idlers(p.index).length === 0);
    const coupling = splittable ? host.stack.cpuCoupling(host.entities) : null;
    const ties: (readonly number[])[] = coupling === null ? [host.cpus.map((p) => p.index)] : [...coupling];
    for (const e of host.entities) ties.push(e.affinity);
    for (const g of host.guests) ties.push(g.vcpus.flatMap((v) => v.affinity));
    const { islandOf, count } = cpuIslands(host.cpus.length, ties);
    host.laneOfCpu = islandOf.map((island) => this.laneCount + island);
    this.laneCount += count;
  }

  /**
   * Per pCPU, whether its host tick would change nothing (issue 14: a DEADLINE- or IRMOS-only CPU ticks
   * only for classes with nothing to do): the classes say so (ClassStack.elidableTicks), and the
   * engine's own accounting at a settle is additive there — no interference model (its progress
   * rates are not), no guest policy whose charge a split would change (the fair guest's vruntime is
   * a float; FIFO's RR quantum count and EDF charge exactly in pieces: GuestPolicy.chargeSplitsExactly).
   */
  private elidableTicks(host: HostState): boolean[] {
    const engineSplits =
      host.interference === null && host.guests.every((g) => g.policy.charge === undefined || g.policy.chargeSplitsExactly === true);
    return engineSplits ? host.stack.elidableTicks(host.entities) : host.cpus.map(() => false);
  }

  get durationNs(): Ns {
    return this.scenario.durationNs;
  }

  get warmupNs(): Ns {
    return this.scenario.warmupNs;
  }

  /** Queue a job of `demandNs` on a service task (I/O stage); `onDone` continues the request. */
  inject(task: Task, demandNs: Ns, onDone: (now: Ns) => void): void {
    const job = newJob(task, this, demandNs, this.scenario.warmupNs);
    job.onDone = onDone;
    this.accept(task, job, false); // an injected job is a release like any other (observers see it)
  }

  /** A released job joins its task's queue; the task wakes if it had none (ReleaseTarget). */
  accept(released: Task, job: Job, onCpu: boolean): void {
    const task = this.control.destinationOf(released);
    if (job.measured) task.stats.released++;
    this.observer?.release?.(this.now, task, job);
    const wasIdle = !task.hasJob;
    task.pushJob(job);
    // A job queued behind a running one changes nothing until the running one completes; a thread
    // still on its CPU goes on without a wake-up.
    if (wasIdle && !onCpu) this.taskBecameRunnable(task);
  }

  sharedTimers(task: Task): SharedTimers {
    const key = task.vmu !== null ? `vmu:${task.vmu.id}` : `host:${runtimeOf(task).host.spec.id}`;
    let timers = this.timersByProcess.get(key);
    if (timers === undefined) {
      timers = new Map();
      this.timersByProcess.set(key, timers);
    }
    return timers;
  }

  private addTask(task: Task, rng: Rng, host: HostState, guest: Guest | null): void {
    this.tasks.push(task);
    task.guest = guest;
    // The wake-up overhead's draws come from the task's own stream (overhead-delay.ts), made only if one is drawn.
    const wakeDelay = timerWakeDelay(host.spec.overheads, guest !== null, () => new Rng(this.seed, `${task.spec.id}/wake-overhead`));
    const state: TaskRuntimeState = { releases: new TaskReleases(task, rng, this, wakeDelay), host };
    task.engineState = state;
  }

  private policyContext(host: HostState): PolicyContext {
    const tickPhases = host.cpus.map((p) => firstTickNs(host.spec, p.index, this.seed) % host.spec.tickNs);
    return new EnginePolicyContext<HostState>(this, host, host.spec.cpus, host.spec.tickNs, tickPhases, this.observer?.policy !== undefined);
  }

  /** HostEngine: a timer of `host`'s classes. */
  timerFor(_host: HostState, phase: EventPhase, fire: (now: Ns) => void, near?: boolean): Timer {
    return this.queue.timer(phase, fire, near);
  }

  /** HostEngine: re-pick `cpu` in this instant's reschedule pass. */
  reschedCpu(host: HostState, cpu: number): void {
    if (this.laneRunning >= 0 && host.laneOfCpu[cpu] !== this.laneRunning) this.crossesLanes(host, cpu);
    host.needsResched.add(cpu);
    this.markDirty(host);
  }

  /** HostEngine: bring `cpu`'s accounting up to now. */
  settleCpu(host: HostState, cpu: number): void {
    if (this.laneRunning >= 0 && host.laneOfCpu[cpu] !== this.laneRunning) this.crossesLanes(host, cpu);
    this.settle(host, host.cpus[cpu]);
  }

  /** HostEngine: what runs on `cpu`. */
  currentOn(host: HostState, cpu: number): HostEntity | null {
    if (this.laneRunning >= 0 && host.laneOfCpu[cpu] !== this.laneRunning) this.crossesLanes(host, cpu);
    return host.cpus[cpu].current;
  }

  /** HostEngine: whether a settle of `cpu` now would only split its running entity's segment, invisibly. */
  splitSettleInvisibleOn(host: HostState, cpu: number): boolean {
    if (this.laneRunning >= 0 && host.laneOfCpu[cpu] !== this.laneRunning) this.crossesLanes(host, cpu);
    const e = host.cpus[cpu].current;
    return e !== null && host.splitInvisible[e.index] === 1;
  }

  /** HostEngine: a class's decision, for observers (traces). */
  notePolicy(host: HostState, kind: string, cpu: number, entity: HostEntity | null): void {
    this.observer?.policy?.(this.now, host.spec.id, kind, cpu, entity);
  }

  private guestHost(host: HostState): GuestHost {
    return new EngineGuestHost<HostState>(this, host);
  }

  /** GuestEngine: settle the pCPU `v` runs on, if it runs (for its guest, before a placement). */
  settleVcpuOf(host: HostState, v: HostEntity): void {
    if (v.runningOn >= 0) this.settle(host, host.cpus[v.runningOn]);
  }

  /** GuestEngine: `guest` has a placement to recompute in this instant's reschedule pass. */
  guestDirty(host: HostState, guest: Guest): void {
    host.dirtyGuests.push(guest);
    this.markDirty(host);
  }

  // ---- work arriving and finishing ----------------------------------------------------------

  private taskBecameRunnable(task: Task): void {
    if (this.control.isPaused(task)) return; // it runs again at its resume
    const host = runtimeOf(task).host;
    if (task.guest !== null) {
      task.guest.wake(task); // it marks the host dirty where its placement may change (guestDirty)
    } else {
      this.hostWake(host, task.runner!);
    }
  }

  /** The completion timer of `p` fired (completionDue). */
  onCompletion(host: HostState, p: Pcpu): void {
    this.settle(host, p);
    const e = p.current;
    const task = e?.task;
    const job = task?.currentJob;
    if (!task || !job || job.remaining > 0) {
      host.needsRefresh.add(p.index); // Stale timing (e.g. a switch at this instant); re-arm.
      this.markDirty(host);
      return;
    }
    this.finishJob(task, job);
    // A program may go on with sched_yield right after this run: that happens on this CPU.
    const yielded = runtimeOf(task).releases.completed();
    if (yielded) this.hostYield(host, e!);
    if (task.hasJob) {
      if (yielded) return; // its next job starts when the re-pick gives it a CPU again
      this.markDirty(host);
      // A guest decides again whether its task keeps the vCPU for the next job; a host thread
      // simply goes on.
      if (task.guest !== null) return task.guest.nextJob(task);
      this.noteStart(task, p);
      host.needsRefresh.add(p.index);
      return;
    }
    if (task.guest !== null) {
      task.guest.block(task);
      this.markDirty(host);
    } else {
      this.hostBlock(host, e!);
    }
  }

  private finishJob(task: Task, job: Job): void {
    task.shiftJob();
    this.observer?.complete?.(this.now, task, job);
    if (job.measured) {
      const s = task.stats;
      const response = this.now - job.release;
      s.completed++;
      s.response.record(response);
      if (this.migrations.length > 0 && task.vmu !== null) for (const m of this.migrations) m.judge(task.vmu, job.release, this.now > job.deadline);
      if (this.now > job.deadline) {
        s.missed++;
        const tardiness = this.now - job.deadline;
        s.tardinessSumNs += tardiness;
        if (tardiness > s.tardinessMaxNs) s.tardinessMaxNs = tardiness;
      }
    }
    job.onDone?.(this.now);
    // Nothing refers to the finished job any more unless an observer was handed it: its task's next release reuses it.
    if (this.recycleJobs) task.spareJob = job;
  }

  private countUnfinishedMisses(): void {
    for (const task of this.tasks) this.countUnfinished(task);
  }

  /** Jobs still queued now whose deadline has passed count as misses (at the end of the run, or at their VMU's stop). */
  private countUnfinished(task: Task): void {
    for (const job of task.pendingJobs()) {
      if (job.measured && job.deadline < this.now) {
        task.stats.unfinishedMissed++;
        const tardiness = this.now - job.deadline;
        if (tardiness > task.stats.tardinessMaxNs) task.stats.tardinessMaxNs = tardiness;
        task.stats.tardinessSumNs += tardiness;
      }
    }
  }

  /** What VMU control (boots, stops, SLA changes, migrations) may ask of the engine. */
  private controlEngine(): VmuControlEngine {
    const sim = this;
    return {
      get now() {
        return sim.now;
      },
      scenario: this.scenario,
      tasks: this.tasks,
      get ioLoads() {
        return sim.ioLoads;
      },
      get chains() {
        return sim.chains;
      },
      family: this.model.family,
      timer: (fire) => this.queue.timer(EventPhase.control, fire),
      hostOf: (task) => runtimeOf(task).host,
      hostById: (id) => this.hosts.find((h) => h.spec.id === id)!,
      settleRunning: (task) => {
        const host = runtimeOf(task).host;
        const runningOn = task.runner?.runningOn ?? -1;
        if (runningOn >= 0) this.settle(host, host.cpus[runningOn]);
      },
      reconfigure: (controlled, apply) => {
        const host = controlled as HostState;
        for (const p of host.cpus) this.settle(host, p);
        const native = apply();
        host.needsResched.addAll();
        for (const p of host.cpus) host.needsRefresh.add(p.index);
        this.markDirty(host);
        return native;
      },
      blockGuestTask: (task) => {
        task.guest!.block(task);
        this.markDirty(runtimeOf(task).host);
      },
      taskBecameRunnable: (task) => this.taskBecameRunnable(task),
      countUnfinished: (task) => this.countUnfinished(task),
      inject: (task, demandNs, onDone) => this.inject(task, demandNs, onDone),
      startReleases: (task, now) => runtimeOf(task).releases.start(now),
      noteMigration: (event, detail) => this.observer?.migration?.(this.now, event, detail),
      noteSlaChange: (host, vcpus, admitted, args) => this.observer?.slaChange?.(this.now, host.spec.id, vcpus, admitted, args),
    };
  }

  // ---- host-level runnability ---------------------------------------------------------------

  private hostWake(host: HostState, e: HostEntity): void {
    if (e.runnable) return;
    e.runnable = true;
    host.stack.classOf(e).enqueue(e);
    this.markDirty(host);
  }

  /**
   * A blocking entity leaves its CPU at once, as schedule() follows a block in Linux: its class
   * sees stopped() before dequeue(), and started() again if it wakes within the same instant.
   */
  private hostBlock(host: HostState, e: HostEntity): void {
    if (!e.runnable) return;
    e.runnable = false;
    if (e.runningOn >= 0) {
      const p = host.cpus[e.runningOn];
      this.settle(host, p);
      this.switchOut(host, p, e, false);
      host.needsResched.add(p.index);
    }
    host.stack.classOf(e).dequeue(e);
    this.markDirty(host);
  }

  /**
   * The running host entity `e` calls sched_yield (do_sched_yield): its
   * class's yield hook, then it leaves its CPU and the CPU is re-picked (schedule()); it stays runnable.
   */
  private hostYield(host: HostState, e: HostEntity): void {
    const p = host.cpus[e.runningOn];
    this.settle(host, p);
    host.stack.classOf(e).yield?.(e, p.index);
    this.switchOut(host, p, e, false);
    host.needsResched.add(p.index);
    this.markDirty(host);
  }

  /** GuestEngine: the guest places `task` (or nothing) on vCPU `v`. */
  assignVcpu(host: HostState, v: HostEntity, task: Task | null): void {
    const p = v.runningOn >= 0 ? host.cpus[v.runningOn] : null;
    if (p !== null) this.settle(host, p);
    // A task moving here from another vCPU leaves it first; that vCPU gets its own assignment in the
    // same pass (another task, or none and then it blocks).
    const from = task?.runner;
    if (task !== null && from != null && from !== v && from.task === task) {
      if (from.runningOn >= 0) {
        const q = host.cpus[from.runningOn];
        this.settle(host, q);
        host.needsRefresh.add(q.index);
      }
      from.task = null;
    }
    const old = v.task;
    if (old !== null && old !== task) {
      if (old.hasJob && old.currentJob!.started && p !== null) old.stats.preemptions++;
      if (old.runner === v) old.runner = null;
    }
    v.task = task;
    this.observer?.assign?.(this.now, host.spec.id, v, task);
    if (task !== null) {
      task.runner = v;
      if (p !== null) this.noteStart(task, p);
      this.hostWake(host, v);
    } else {
      this.hostBlock(host, v);
    }
    if (p !== null) {
      host.needsRefresh.add(p.index);
      this.markDirty(host);
    }
  }

  // ---- dispatch and accounting --------------------------------------------------------------

  /**
   * Charge the time since the last settle on `p` to its running entity, its class, and its leaf job.
   * Small enough for V8 to inline at every caller: half the settles find the CPU settled in this
   * instant already (issue 14: 2 of 3.4 per job at 64 pCPUs), and those now cost a comparison.
   */
  private settle(host: HostState, p: Pcpu): void {
    if (this.now > p.segmentStart) this.settleSegment(host, p);
  }

  private settleSegment(host: HostState, p: Pcpu): void {
    const now = this.now;
    const delta = now - p.segmentStart;
    p.segmentStart = now;
    const e = p.current;
    if (e === null) {
      if (host.countsIdle) this.chargeIdle(host, p, delta);
      return;
    }
    e.cpuTimeNs += delta;
    p.busyNs += delta;
    host.stack.classOf(e).charge(e, p.index, delta);
    const task = e.task;
    if (task === null || !task.hasJob) return;
    const useful = now - Math.max(now - delta, p.overheadUntil);
    if (useful <= 0) return;
    const job = task.currentJob!;
    const progress = host.interference === null ? Math.min(useful, job.remaining) : host.interference.progress(p.index, task, job, useful);
    job.remaining -= progress;
    task.execNs += progress;
    if (task.guest !== null) task.guest.charge(task, progress);
  }

  /** An idle stretch of `p` to the classes that count idle time there. */
  private chargeIdle(host: HostState, p: Pcpu, delta: Ns): void {
    const idlers = host.stack.idlers(p.index);
    for (let i = 0; i < idlers.length; i++) idlers[i].idleTime!(p.index, delta);
  }

  /** `host` has something to re-decide in this instant's reschedule pass. */
  private markDirty(host: HostState): void {
    if (host.dirty) return;
    host.dirty = true;
    this.dirtyHosts.push(host);
  }

  private reschedulePass(): void {
    // A host marked again while it is being handled is appended and visited again.
    const dirtyHosts = this.dirtyHosts;
    for (let h = 0; h < dirtyHosts.length; h++) {
      const host = dirtyHosts.at(h);
      host.dirty = false;
      const guests = host.dirtyGuests;
      for (let i = 0; i < guests.length; i++) if (guests.at(i).dirty) guests.at(i).reassign();
      guests.clear();
      // Ascending CPU order, as a scan would: a CPU marked during the walk above the current one
      // is re-picked in this visit, one at or below it in the host's next visit (it is re-marked dirty).
      const cpus = host.cpus;
      const resched = host.needsResched;
      for (let i = resched.nextFrom(0); i >= 0; i = resched.nextFrom(i + 1)) this.reschedule(host, cpus[i]);
      if (host.interference !== null) this.updateInterference(host);
      const refresh = host.needsRefresh;
      for (let i = refresh.nextFrom(0); i >= 0; i = refresh.nextFrom(i + 1)) this.refreshCompletion(host, cpus[i]);
    }
    dirtyHosts.clear();
  }

  /**
   * Once the placement of this instant is settled: tell the interference model who now works on
   * each pCPU (every CPU settled first, at the rates that held until now); when rates or reloads
   * changed, every completion of the host is re-armed.
   */
  private updateInterference(host: HostState): void {
    const leaves = host.cpus.map((p) => {
      this.settle(host, p);
      const task = p.current?.task ?? null;
      return task !== null && task.hasJob ? task : null;
    });
    if (host.interference!.update(leaves)) for (const p of host.cpus) host.needsRefresh.add(p.index);
  }

  private reschedule(host: HostState, p: Pcpu): void {
    host.needsResched.delete(p.index);
    this.settle(host, p);
    const next = host.stack.pick(p.index);
    const prev = p.current;
    if (next === prev) return;
    if (next !== null && next.cpu !== p.index) {
      throw new Error(`policy ${next.schedClass.name} picked ${next.id} on pCPU ${p.index} but queued it on ${next.cpu}`);
    }
    if (prev !== null) this.switchOut(host, p, prev);
    if (next !== null) {
      if (next.runningOn >= 0) {
        // Still running elsewhere: it migrated; take it off the other CPU first.
        const other = host.cpus[next.runningOn];
        this.settle(host, other);
        this.switchOut(host, other, next, false);
        host.needsResched.add(other.index);
        this.markDirty(host);
      }
      next.runningOn = p.index;
      p.current = next;
      if (next.lastCpu >= 0 && next.lastCpu !== p.index) next.migrations++;
      next.lastCpu = p.index;
      // Resuming the entity that left this CPU at this very instant (it blocked and woke again) costs no switch.
      if (next !== p.lastLeft || p.lastLeftAt !== this.now) p.overheadUntil = this.now + host.spec.contextSwitchNs;
      host.stack.classOf(next).started(next, p.index);
      if (next.task !== null) this.noteStart(next.task, p);
    }
    p.segmentStart = this.now;
    host.needsRefresh.add(p.index);
    this.observer?.dispatch?.(this.now, host.spec.id, p.index, next);
    // A thread that reached sched_yield while off its CPU makes the call once it is dispatched.
    const job = next?.task?.currentJob;
    if (job?.yields !== undefined && job.yields > 0) {
      job.yields--;
      this.hostYield(host, next!);
    }
  }

  /** Take `e` off `p`. A runnable entity switched out counts as pre-empted unless it is migrating. */
  private switchOut(host: HostState, p: Pcpu, e: HostEntity, preempted = true): void {
    e.runningOn = -1;
    p.current = null;
    p.lastLeft = e;
    p.lastLeftAt = this.now;
    host.stack.classOf(e).stopped(e, p.index);
    if (e.runnable && preempted) {
      e.preemptions++;
      const t = e.task;
      if (t !== null && t.hasJob && t.currentJob!.started) t.stats.preemptions++;
    }
    host.needsRefresh.add(p.index);
    this.observer?.dispatch?.(this.now, host.spec.id, p.index, null);
  }

  /** The task's job is now executing on `p` (once the switch overhead passes): note first start and migrations. */
  private noteStart(task: Task, p: Pcpu): void {
    const job = task.currentJob;
    if (job === undefined) return;
    const processor = task.guest !== null ? vcpuIndexOf(task.runner) : p.index;
    if (task.lastProcessor >= 0 && task.lastProcessor !== processor) task.stats.migrations++;
    task.lastProcessor = processor;
    if (job.yields !== undefined && job.yields > 0) return; // the job's work starts after its yields
    const at = Math.max(this.now, p.overheadUntil);
    if (!job.started) {
      job.started = true;
      // Read only for a wall-clock job (below) and by an observer that was handed the job (rt-app
      // logs): a tagged field, so each store was a fresh heap number per job (issue 14).
      if (job.wallNs !== undefined || !this.recycleJobs) job.firstRunAt = at;
      if (job.measured) task.stats.wakeup.record(at - job.release);
    }
    // A wall-clock job ends wallNs after its first
    // run however long it was pre-empted, so whenever it (re)starts only the wall time left remains.
    if (job.wallNs !== undefined) job.remaining = Math.max(0, job.firstRunAt! + job.wallNs - at);
  }

  private refreshCompletion(host: HostState, p: Pcpu): void {
    host.needsRefresh.delete(p.index);
    const task = p.current?.task;
    const job = task?.currentJob;
    if (job === undefined || job.remaining === Infinity) {
      p.completion.cancel();
      return;
    }
    const needs = host.interference === null ? job.remaining : host.interference.timeToFinish(p.index, task!, job);
    p.completion.arm(Math.max(this.now, p.overheadUntil) + needs);
  }

  /** The end of the warm-up: counters to subtract, on every pCPU or only on those of `lane` (≥ 0, a partitioned run). */
  private snapshotWarmup(lane: number): void {
    for (const host of this.hosts) {
      for (const p of host.cpus) {
        if (lane >= 0 && host.laneOfCpu[p.index] !== lane) continue;
        this.settle(host, p);
        p.busyAtWarmupNs = p.busyNs;
      }
      for (const e of host.entities) if (lane < 0 || host.laneOfCpu[e.affinity[0]] === lane) e.cpuTimeAtWarmupNs = e.cpuTimeNs;
    }
    for (const t of this.tasks) if (lane < 0 || this.laneOf(t) === lane) t.execAtWarmupNs = t.execNs;
  }
}

/** What releases a task's jobs, and the host it lives on. */
interface TaskRuntimeState {
  releases: TaskReleases;
  host: HostState;
}

/** The run state addTask gave `task` (a field, not a Map: two lookups per job, issue 14). */
function runtimeOf(task: Task): TaskRuntimeState {
  return task.engineState as TaskRuntimeState;
}

function vcpuIndexOf(e: HostEntity | null): number {
  return e !== null && e.origin.kind === 'vcpu' ? e.origin.index : -1;
}

/**
 * Whether nothing but the hosts' own scheduling can tie CPUs together, so hosts (and islands of
 * their CPUs, assignLanes) may be simulated apart: no observer (it expects one time order), no I/O,
 * packet flows, chains, migrations, VMU starts, stops or SLA changes (devices, links and control
 * events span hosts and islands), no cache interference, and no host-thread program (rt-app timers
 * are shared by a host's threads).
 */
function islandsPossible(scenario: SystemSpec, options: SimulateOptions): boolean {
  return (
    options.observer === undefined &&
    scenario.interference === undefined &&
    (scenario.flows ?? []).length === 0 &&
    (scenario.chains ?? []).length === 0 &&
    (scenario.migrations ?? []).length === 0 &&
    scenario.vmus.every((v) => v.io.length === 0 && v.bootNs === undefined && v.startNs === undefined && v.stopNs === undefined && (v.slaChanges ?? []).length === 0 && v.migrationOf === undefined) &&
    scenario.hostThreads.every((t) => t.arrival.kind !== 'program')
  );
}

/** What only QEMU's migration has, refused under a Xen model before any host is built (migration.md §2.2, §3, §8). */
function refuseQemuOnly(scenario: SystemSpec, model: string): void {
  const migrations = scenario.migrations ?? [];
  // Auto-converge is QEMU's: Xen's xc_domain_save has no vCPU throttle (migration.md §8).
  const throttled = migrations.findIndex((m) => m.autoConverge !== undefined);
  if (throttled >= 0) {
    throw new InputError({
      file: scenario.file,
      pointer: `/migrations/${throttled}/autoConverge`,
      expected: `a KVM model: auto-converge is QEMU's vCPU throttle (migration/ram.c), which ${model}'s xc_domain_save does not have`,
      found: 'autoConverge under a Xen model',
    });
  }
  // Xen's migration work is dom0's (libxl-save-helper runs xc_domain_save), never a thread of the guest's.
  const inside = migrations.findIndex((m) => m.thread === 'inside');
  if (inside >= 0) {
    throw new InputError({
      file: scenario.file,
      pointer: `/migrations/${inside}/thread`,
      expected: `"outside" under ${model}: the pages are copied by dom0's libxl-save-helper (xc_domain_save), which no guest's reservation holds`,
      found: '"inside"',
      hint: "drop thread (or set it to outside) under Xen; dom0's CPU comes from the model parameters dom0Weight, dom0Cap, dom0Vcpus and dom0Cpus",
    });
  }
}

/** What a pCPU's completion timer works on (Timer.owner). */
interface CompletionOwner {
  sim: Simulator;
  host: HostState;
  p: Pcpu;
}

/** A pCPU's completion timer's callback: the same function in every run (Timer.owner). */
function completionDue(this: Timer): void {
  const o = this.owner as CompletionOwner;
  o.sim.onCompletion(o.host, o.p);
}
