// The plug-in interface every hypervisor model implements (models/xen/*, models/kvm/*).
// A model maps the scenario's abstract per-VMU SLA (budget, period, deadline; seed deliverable
// §5.3.2) onto its native parameters, places every host entity in one of its scheduling classes,
// and says how it did so. It never touches time or dispatching: that is the engine's.

import type { HostSpec, HostThreadSpec, IoLoadSpec, Ns, Sla, SystemSpec, VmuSpec } from './system.js';
import type { HostEntity } from './entities.js';
import type { IoStage } from './io.js';
import type { PolicyContext, SchedClass } from './policy.js';
import type { Explain } from './phenomena.js';

export type { IoStage } from './io.js';

/** What a model sees before any entity exists. */
export interface PrepareSetup {
  scenario: SystemSpec;
  host: HostSpec;
  params: Record<string, unknown>;
  paramsPointer: string;
}

/** The domains and threads that exist on a PH under a model. */
export interface HostPopulation {
  vmus: VmuSpec[];
  hostThreads: HostThreadSpec[];
}

export interface SlaMappingRow {
  /** VMU or host-thread id. */
  entity: string;
  /** The scenario's request, e.g. "budget 2.5 ms / period 10 ms", or the host thread's policy. */
  requested: string;
  /** The native configuration, e.g. "cpu.rt_runtime_us=2500 cpu.rt_period_us=10000 on pCPU 0". */
  native: string;
}

export interface HostSetup {
  scenario: SystemSpec;
  host: HostSpec;
  /** The domains and threads on this PH (the model's prepare(), or the scenario's). */
  population: HostPopulation;
  /** vCPU threads and host threads of this PH, in population order. */
  entities: HostEntity[];
  /** The model's parameters after scenario overrides (unvalidated: the model checks them). */
  params: Record<string, unknown>;
  /** JSON pointer of this model's entry in the scenario (for errors about its params). */
  paramsPointer: string;
  ctx: PolicyContext;
  /**
   * Admission control already ran at each VMU's start against the VMUs alive at that instant
   * (src/experiments/lifecycle.ts): the model must not refuse the whole population, whose lifetimes
   * need not overlap. Absent: the model's admission test applies to the population as a whole.
   */
  admittedAtStarts?: boolean;
}

export interface HostBuild {
  /** Scheduling classes in precedence order. Every entity's `schedClass` is one of them. */
  classes: SchedClass[];
  mapping: SlaMappingRow[];
  /** Native parameters in force (kernel version, switches), echoed in the results. */
  settings: Record<string, string | number | boolean>;
  /**
   * The rule of this configuration behind each phenomenon a scenario can ask about (phenomena.ts),
   * cited by the report's reading. Every registered model gives one (test/explain.test.ts).
   */
  explain?: Explain;
  /**
   * Reconfigure the reservation of VMU `vmu` to `sla` at run time — a renegotiation its admission
   * already accepted (issue 13, src/experiments/lifecycle.ts) — as the real stack's interface does
   * (sched_setattr, cgroup bandwidth files, xl sched-*), with that interface's rule for the budget
   * and deadline in progress. Called inside an engine event after every pCPU of the host was
   * settled; every pCPU is re-picked after it. Returns the native change, for the trace and report.
   */
  changeSla?(vmu: VmuSpec, sla: Sla): string;
}

export interface HypervisorModel {
  /** Registry name used by the CLI and in results, e.g. 'kvm-irmos'. */
  readonly name: string;
  readonly family: 'kvm' | 'xen';
  /** One line for `hvsim models`. */
  readonly summary: string;
  /**
   * Build this PH's host scheduler. Throws InputError for bad parameters or a configuration the
   * real system refuses (failed admission control), naming the test that failed.
   */
  build(setup: HostSetup): HostBuild;
  /**
   * The domains and threads on this PH under this model, derived from the scenario's: Xen adds
   * dom0 (whose kernel runs the backends and the host threads), KVM adds each VMU's vhost and
   * I/O threads. Default: the scenario's VMUs and host threads as they are.
   */
  prepare?(setup: PrepareSetup): HostPopulation;
  /**
   * The stages one request of `load` crosses (guest handler task = load.id). Default: guest work
   * then the device, with no host-side I/O entity.
   */
  ioPath?(load: IoLoadSpec, vmu: VmuSpec, setup: PrepareSetup): IoStage[];
  /**
   * Where the IXB's packet work for `vmu`'s flows runs (a host task of prepare()'s population: dom0's
   * netback under Xen, the VMU's vhost under KVM) and what the crossing costs per packet besides the
   * IXB's own work (src/engine/net). Default: no CPU at all, the packet path is free.
   */
  packetPath?(vmu: VmuSpec, setup: PrepareSetup): PacketPath;
  /**
   * Where the IXB's packet work for the host's own endpoint runs — its OSD, which VMUs of other hosts
   * reach over the network (src/engine/storage/remote-osd.ts): a host task of prepare()'s population
   * when some VMU does (net/network.ts servesRemoteStorage). Default: none, that work is free.
   */
  hostPacketPath?(setup: PrepareSetup): PacketPath | undefined;
}

/** The host task that does a VMU's packet work, and the model's per-packet crossing cost there. */
export interface PacketPath {
  task: string;
  crossingNs: Ns;
  /** For results: "dom0 netback", "vhost". */
  what: string;
}
