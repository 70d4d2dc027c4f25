// The runs behind a throughput sweep (seed §4.1.1 and figure 10: the IXB category's CPU need grows
// with the network throughput, and a PH's role sets how much of its CPU the IXB gets): the named
// flows offer each throughput in turn, everything else unchanged, and each model is judged per flow
// on the two guarantees of seed §4 — the VMUs' deadlines on the flow's PH (seed §4.1.2) and the
// IXB's packets, none lost or late (seed §4.1.1). Folded into charts and the answer by
// src/report/throughput-figure.ts.

import { InputError } from '../errors.js';
import { findModel } from '../../models/index.js';
import type { ExecDist, FlowSpec } from '../engine/system.js';
import { flowLost } from '../metrics/flow-results.js';
import type { ModelRun } from '../metrics/results.js';
import type { FigureRequest, Scenario } from '../scenario/types.js';
import type { ModelPick } from './sweeps.js';
import { simulate } from './simulate.js';

export type ThroughputSweep = Extract<FigureRequest, { kind: 'throughput-sweep' }>;

/** One swept flow under one model at one throughput: its packets and its PH's VMUs' jobs. */
export interface FlowGuarantees {
  flow: string;
  /** Packets sent after warm-up, lost on the way (any cause), delivered after their deadline. */
  sent: number;
  lost: number;
  late: number;
  /** Jobs of the tasks of the VMUs on the flow's PHs (source and destination) judged, and missed. */
  vmuJudged: number;
  vmuMissed: number;
}

export interface ThroughputOutcome {
  model: string;
  refused?: string;
  flows: FlowGuarantees[];
}

export interface ThroughputPoint {
  kind: 'throughput-sweep';
  throughputBps: number;
  outcomes: ThroughputOutcome[];
}

/** Mean of a packet-size distribution, bytes. */
export function meanBytes(size: ExecDist): number {
  switch (size.kind) {
    case 'constant':
      return size.value;
    case 'uniform':
      return (size.min + size.max) / 2;
    case 'truncnormal':
      return size.mean;
    case 'trace':
      return size.values.reduce((a, b) => a + b, 0) / size.values.length;
  }
}

/** The flow offering `bps` on average: a cbr period or a Poisson rate of bps / (8 × mean size). */
export function atThroughput(flow: FlowSpec, bps: number): FlowSpec {
  const packetsPerSec = bps / (8 * meanBytes(flow.size));
  const a = flow.arrival;
  if (a.kind === 'periodic') return { ...flow, arrival: { ...a, period: Math.max(1, Math.round(1e9 / packetsPerSec)) } };
  if (a.kind === 'poisson') return { ...flow, arrival: { ...a, ratePerSec: packetsPerSec } };
  throw new Error(`throughput sweep: flow ${flow.id} has no rate to scale (normalize refuses ${a.kind})`);
}

export function throughputVariant(scenario: Scenario, figure: ThroughputSweep, bps: number): Scenario {
  return {
    ...scenario,
    name: `${scenario.name}.throughput-${bps}bps`,
    durationNs: figure.durationNs,
    warmupNs: Math.min(scenario.warmupNs, Math.floor(figure.durationNs / 10)),
    flows: (scenario.flows ?? []).map((f) => (figure.flows.includes(f.id) ? atThroughput(f, bps) : f)),
    expectations: [],
    figures: [],
  };
}

export function guarantees(scenario: Scenario, run: ModelRun, flowId: string): FlowGuarantees {
  const spec = scenario.flows!.find((f) => f.id === flowId)!;
  const f = run.flows?.find((x) => x.id === flowId);
  const hostOf = (vmu: string) => scenario.vmus.find((v) => v.id === vmu)!.host;
  const hosts = new Set([hostOf(spec.from), hostOf(spec.to)]);
  // The VMUs' own tasks (not the host threads that serve them, such as a vhost).
  const ids = new Set(scenario.vmus.filter((v) => hosts.has(v.host)).flatMap((v) => v.tasks.map((t) => t.id)));
  const tasks = run.tasks.filter((t) => ids.has(t.id));
  return {
    flow: flowId,
    sent: f?.sent ?? 0,
    lost: f ? flowLost(f) : 0,
    // missRatio is missed / delivered to 6 decimals: rounding recovers the count exactly below 10^5 packets.
    late: f ? Math.round(f.missRatio * f.delivered) : 0,
    vmuJudged: tasks.reduce((a, t) => a + t.judged, 0),
    vmuMissed: tasks.reduce((a, t) => a + t.missed, 0),
  };
}

export function runThroughputPoint(scenario: Scenario, figure: ThroughputSweep, point: number, models: ModelPick[]): ThroughputPoint {
  const throughputBps = figure.throughputsBps[point];
  const variant = throughputVariant(scenario, figure, throughputBps);
  const outcomes = models.map((m): ThroughputOutcome => {
    try {
      const run = simulate(variant, findModel(m.name, scenario.file, ''), m.request);
      return { model: m.name, flows: figure.flows.map((id) => guarantees(variant, run, id)) };
    } catch (err) {
      // An admission refusal is a point of the figure (a gap in the model's curve), not a failure.
      if (err instanceof InputError) return { model: m.name, refused: err.expected, flows: [] };
      throw err;
    }
  });
  return { kind: 'throughput-sweep', throughputBps, outcomes };
}
