// results.json: the stable, documented output of a run (see docs/results.md). Field names end in
// their unit (Ns, Share, Ratio); shares are fractions of one CPU over the measured window
// (warm-up excluded). Nothing here depends on wall-clock time, so equal inputs give equal bytes.

import { collectChains, type ChainResult } from './chain-results.js';
import type { MachineAssumptions } from '../scenario/machine.js';
import type { Ns, Scenario } from '../scenario/types.js';
import type { SlaMappingRow } from '../engine/model.js';
import type { Simulator } from '../engine/simulator.js';
import type { LatencySummary } from './histogram.js';
import { collectFlows, type FlowResult } from './flow-results.js';
import { deviceSchedulerCause } from '../engine/storage/scheduler-rules.js';
import { OSD_SEGMENTS, type OsdSegment } from '../engine/io.js';
import type { Cause, Phenomenon } from '../engine/phenomena.js';
import type { ExpectationResult } from './expectations.js';
import type { MigrationResult } from './migration-results.js';

export { checkExpectations, type ExpectationResult } from './expectations.js';

export const RESULTS_SCHEMA = 'hvsim-results/1';

/** Percentile levels of `TaskResult.responseCdfNs` (0 is the exact minimum, 100 the exact maximum). */
export const RESPONSE_CDF_PERCENTILES: readonly number[] = [0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99, 99.5, 99.9, 100];

export interface TaskResult {
  id: string;
  /** VMU the task runs in; null for a host thread. */
  vmu: string | null;
  host: string;
  released: number;
  completed: number;
  /** Jobs whose deadline fell inside the run: completed, or still pending past their deadline. */
  judged: number;
  /** Completed late plus still pending past their deadline at the end. */
  missed: number;
  /** missed / (completed + unfinished past deadline); 0 when no job had its deadline in the window. */
  missRatio: number;
  tardinessMaxNs: Ns;
  tardinessMeanNs: Ns;
  response: LatencySummary;
  /** Response time at each of RESPONSE_CDF_PERCENTILES (the report's CDF); empty without completed jobs. */
  responseCdfNs: Ns[];
  wakeup: LatencySummary;
  cpuTimeNs: Ns;
  /** Executed time / measured window. */
  cpuShare: number;
  preemptions: number;
  migrations: number;
}

export interface VmuResult {
  id: string;
  host: string;
  vcpus: number;
  cpuTimeNs: Ns;
  /** CPU received / window, in CPUs (a 2-vCPU VMU can reach 2). */
  cpuShare: number;
  /** vcpus × budget / period from the SLA, or null without one. */
  reservedShare: number | null;
  preemptions: number;
  migrations: number;
}

export interface HostResult {
  id: string;
  cpus: number;
  /** Busy time / (cpus × window). */
  utilisation: number;
  entities: { id: string; kind: 'vcpu' | 'thread'; class: string; cpuShare: number }[];
  classStats: Record<string, Record<string, number>>;
}

export interface IoResult {
  id: string;
  vmu: string;
  kind: 'net' | 'disk';
  /** Requests that arrived after warm-up. */
  requests: number;
  completed: number;
  /** End-to-end: arrival to the last stage of the path. */
  latency: LatencySummary;
  /** Completed over their deadline (0 when the load has none). */
  missed: number;
  missRatio: number;
  /** The stages a request crosses under this model, in order. */
  path: string[];
  /** Storage streams only: requests and bytes completed per second in the measured window (whenever they arrived). */
  iops?: number;
  bytesPerSec?: number;
  /** Storage streams only: end-to-end latency at RESPONSE_CDF_PERCENTILES (the report's latency CDF). */
  latencyCdfNs?: Ns[];
  /**
   * Streams on a remote OSD (storage.osd) with completed requests: the OSD host, and where the device
   * stage's time went — IXB (both hosts' IXB CPU and the VMU's egress), link (NIC queue, wire,
   * propagation, both ways), storage (the OSD's device queue and service) — mean and p99 per request.
   */
  osd?: { host: string } & Record<OsdSegment, { meanNs: number; p99Ns: number }>;
}

export interface ModelRun {
  model: string;
  family: 'kvm' | 'xen';
  settings: Record<string, string | number | boolean>;
  mapping: SlaMappingRow[];
  tasks: TaskResult[];
  vmus: VmuResult[];
  hosts: HostResult[];
  io: IoResult[];
  /** Packet flows (src/engine/net); absent when the scenario has none. */
  flows?: FlowResult[];
  /** A VSN's request chains (src/engine/net/chain.ts); absent when the scenario has none. */
  chains?: ChainResult[];
  /** Events of the run, host ticks the engine left out as no-ops included (Simulator.eventsFired). */
  events: number;
  /**
   * The model's rule behind each phenomenon the scenario's answer names (src/engine/phenomena.ts),
   * in the terms of its configuration; absent when the scenario names none.
   */
  causes?: Partial<Record<Phenomenon, Cause>>;
  /**
   * For the device-scheduling phenomenon: per host with a storage device, the rule of its device
   * scheduler (src/engine/storage/scheduler-rules.ts) — the host's, whatever the model; absent otherwise.
   */
  deviceCauses?: Record<string, Cause>;
  /** Each VMU with `start`/`stop`: admitted at its start or refused, and why (src/experiments/lifecycle.ts); absent when none has. */
  lifecycle?: VmuStart[];
  /** Each live migration: refused, unfinished or done, its rounds, bytes, times and who missed deadlines meanwhile; absent when none. */
  migrations?: MigrationResult[];
  /** Each run-time SLA change asked for (`vmus[].slaChanges`): admitted at its instant or refused, and why; absent when none. */
  slaChanges?: SlaChangeVerdict[];
}

/** An SLA as results.json writes it. */
export interface SlaTerms {
  budgetNs: Ns;
  periodNs: Ns;
  deadlineNs: Ns;
}

/** What the model's admission said to one run-time SLA change (src/experiments/lifecycle.ts). */
export interface SlaChangeVerdict {
  vmu: string;
  atNs: Ns;
  /** The SLA in force before it. */
  from: SlaTerms;
  /** The SLA asked for. */
  to: SlaTerms;
  /** Admitted: the reservation was reconfigured at atNs; false: the SLA in force stayed. */
  admitted: boolean;
  /** Why it was refused (the model's admission test and its sums). */
  reason?: string;
}

/** What happened to one VMU with a lifetime (`start`/`stop`) under one model (src/experiments/lifecycle.ts). */
export interface VmuStart {
  vmu: string;
  startNs: Ns;
  /** null: to the end of the run. */
  stopNs: Ns | null;
  /** Admitted at its start; false: refused, it never ran. */
  admitted: boolean;
  /** Why admission refused it at its start (the model's test and its sums). */
  reason?: string;
  /** A VMU with a boot phase that finished booting: start → end of its boot (disk reads, then the CPU burst). */
  bootTimeNs?: Ns;
}

/** A model that could not express the scenario's configuration (its limits, its admission test): its result under compare/report. */
export interface RefusedModel {
  model: string;
  /** The input error, as `hvsim run -m <model>` would print it. */
  reason: string;
}

export interface Results {
  schema: typeof RESULTS_SCHEMA;
  scenario: ResultsScenario;
  runs: ModelRun[];
  /** Present only when some chosen model refused the configuration; those models have no run. */
  refused?: RefusedModel[];
  expectations: ExpectationResult[];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** What results.json says of the scenario run: its identity, and what was assumed about the machine. */
export interface ResultsScenario {
  name: string;
  description: string;
  durationNs: Ns;
  warmupNs: Ns;
  seed: number;
  assumptions?: MachineAssumptions;
}

export function resultsScenario(scenario: Scenario, seed: number): ResultsScenario {
  const s: ResultsScenario = { name: scenario.name, description: scenario.description, durationNs: scenario.durationNs, warmupNs: scenario.warmupNs, seed };
  if (scenario.assumptions) s.assumptions = scenario.assumptions;
  return s;
}

/**
 * Task ids across runs, first-seen order: models differ in the tasks they add (dom0's backends
 * under Xen, each VMU's vhost thread under KVM), so no single run lists them all.
 */
export function taskIdsOf(runs: readonly ModelRun[]): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    for (const t of run.tasks) {
      if (!seen.has(t.id)) {
        seen.add(t.id);
        ids.push(t.id);
      }
    }
  }
  return ids;
}

/** `phenomena`: those whose cause the run records (the scenario's answer.because). */
export function collectRun(sim: Simulator, phenomena: readonly Phenomenon[] = []): ModelRun {
  const sc = sim.scenario;
  const window = sc.durationNs - sc.warmupNs;
  const tasks: TaskResult[] = sim.tasks.map((t) => {
    const s = t.stats;
    const missed = s.missed + s.unfinishedMissed;
    const judged = s.completed + s.unfinishedMissed;
    const cpuTimeNs = t.execNs - t.execAtWarmupNs;
    return {
      id: t.id,
      vmu: t.vmu?.id ?? null,
      host: t.vmu?.host ?? (t.spec as { host?: string }).host ?? '',
      released: s.released,
      completed: s.completed,
      judged,
      missed,
      missRatio: judged === 0 ? 0 : round6(missed / judged),
      tardinessMaxNs: s.tardinessMaxNs,
      tardinessMeanNs: missed === 0 ? 0 : Math.round(s.tardinessSumNs / missed),
      response: s.response.summary(),
      responseCdfNs: s.response.quantiles(RESPONSE_CDF_PERCENTILES),
      wakeup: s.wakeup.summary(),
      cpuTimeNs,
      cpuShare: round6(cpuTimeNs / window),
      preemptions: s.preemptions,
      migrations: s.migrations,
    };
  });

  const vmus: VmuResult[] = sc.vmus.map((v) => {
    const host = sim.hosts.find((h) => h.spec.id === v.host)!;
    const vcpus = host.entities.filter((e) => e.vmuId === v.id);
    const cpuTimeNs = vcpus.reduce((a, e) => a + e.cpuTimeNs - e.cpuTimeAtWarmupNs, 0);
    // A VMU with a lifetime: its share of the measured part of its lifetime (issue 13).
    const lived = Math.min(v.stopNs ?? sc.durationNs, sc.durationNs) - Math.max(v.startNs ?? 0, sc.warmupNs);
    return {
      id: v.id,
      host: v.host,
      vcpus: v.vcpus,
      cpuTimeNs,
      cpuShare: round6(cpuTimeNs / (v.startNs === undefined && v.stopNs === undefined ? window : Math.max(1, lived))),
      reservedShare: v.sla ? round6((v.vcpus * v.sla.budget) / v.sla.period) : null,
      preemptions: vcpus.reduce((a, e) => a + e.preemptions, 0),
      migrations: vcpus.reduce((a, e) => a + e.migrations, 0),
    };
  });

  const hosts: HostResult[] = sim.hosts.map((h) => {
    const busy = h.cpus.reduce((a, p) => a + p.busyNs - p.busyAtWarmupNs, 0);
    const classStats: Record<string, Record<string, number>> = {};
    for (const cls of h.build.classes) if (cls.stats) classStats[cls.name] = cls.stats();
    return {
      id: h.spec.id,
      cpus: h.spec.cpus,
      utilisation: round6(busy / (h.spec.cpus * window)),
      entities: h.entities.map((e) => ({
        id: e.id,
        kind: e.origin.kind,
        class: e.schedClass.name,
        cpuShare: round6((e.cpuTimeNs - e.cpuTimeAtWarmupNs) / window),
      })),
      classStats,
    };
  });

  const io: IoResult[] = sim.ioLoads.map((l) => ({
    id: l.spec.id,
    vmu: l.vmu.id,
    kind: l.spec.kind,
    requests: l.stats.requests,
    completed: l.stats.completed,
    latency: l.stats.latency.summary(),
    missed: l.stats.missed,
    missRatio: l.stats.completed === 0 ? 0 : round6(l.stats.missed / l.stats.completed),
    path: l.path.map((s) => (s.kind === 'cpu' ? `${s.what} (${s.task})` : s.what)),
    ...(l.spec.storage ? { iops: round6(l.stats.served / (window / 1e9)), bytesPerSec: round6(l.stats.servedBytes / (window / 1e9)), latencyCdfNs: l.stats.completed > 0 ? l.stats.latency.quantiles(RESPONSE_CDF_PERCENTILES) : [] } : {}),
    ...(l.stats.osd && l.spec.storage?.osd !== undefined && { osd: { host: l.spec.storage.osd, ...(Object.fromEntries(OSD_SEGMENTS.map((k) => [k, { meanNs: Math.round(l.stats.osd![k].mean()), p99Ns: l.stats.osd![k].percentile(99) }])) as Record<OsdSegment, { meanNs: number; p99Ns: number }>) } }),
  }));

  const first = sim.hosts[0]?.build;
  const explain = first?.explain;
  const causes = explain && phenomena.length > 0 ? Object.fromEntries(phenomena.map((p) => [p, explain(p)])) : undefined;
  return {
    model: sim.model.name,
    family: sim.model.family,
    settings: first?.settings ?? {},
    mapping: sim.hosts.flatMap((h) => h.build.mapping),
    tasks,
    vmus,
    hosts,
    io,
    ...(sim.flows.length > 0 && { flows: collectFlows(sim.flows, window, RESPONSE_CDF_PERCENTILES) }),
    ...(sim.chains.length > 0 && { chains: collectChains(sim.chains, RESPONSE_CDF_PERCENTILES) }),
    events: sim.eventsFired,
    ...(causes && { causes }),
    ...(phenomena.includes('device-scheduling') && { deviceCauses: Object.fromEntries(sc.hosts.flatMap((h) => (h.storage ? [[h.id, deviceSchedulerCause(h.storage)]] : []))) }),
  };
}
