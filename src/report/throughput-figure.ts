// A throughput sweep (seed figure 10) folded into charts and the answer to its question: per model
// and per swept flow's PH, the VMUs' deadline-miss ratio and the IXB's share of packets lost or late
// against the offered throughput, and the throughput at which each guarantee first broke. Nothing is
// written by hand: the sentence is read off the points, so it flips when the results do.

import type { FlowGuarantees, ThroughputPoint, ThroughputSweep } from '../experiments/throughput-sweep.js';
import type { Scenario } from '../scenario/types.js';
import { modelColour, type XySeries } from './charts.js';
import type { FigureOutput } from './figures.js';
import { fmtNs, listText } from './format.js';
import { spansDecades } from './scenario-charts.js';

/** The two guarantees of seed §4: the VMU-granted category's (seed §4.1.2) and the IXB real-time's (seed §4.1.1). */
export const GUARANTEES = {
  ixb: { noun: 'the IXB’s guarantee', what: 'no packet lost or late', ratio: (g: FlowGuarantees) => (g.sent === 0 ? 0 : (g.lost + g.late) / g.sent) },
  vmu: { noun: 'the VMUs’ guarantee', what: 'no deadline missed', ratio: (g: FlowGuarantees) => (g.vmuJudged === 0 ? 0 : g.vmuMissed / g.vmuJudged) },
} as const;

export type Guarantee = keyof typeof GUARANTEES;

/** Where a guarantee of one flow's PH stopped holding under one model, over the swept throughputs. */
export type Verdict =
  | { kind: 'held'; upToBps: number }
  /** First throughput with a loss, a late packet or a missed job; the last one before it that held (null: none did). */
  | { kind: 'broke'; atBps: number; afterBps: number | null }
  | { kind: 'refused' };

export function verdict(points: ThroughputPoint[], modelIndex: number, flowIndex: number, guarantee: Guarantee): Verdict {
  let last: number | null = null;
  for (const p of points) {
    const o = p.outcomes[modelIndex];
    if (o.refused) continue;
    if (GUARANTEES[guarantee].ratio(o.flows[flowIndex]) > 0) return { kind: 'broke', atBps: p.throughputBps, afterBps: last };
    last = p.throughputBps;
  }
  return last === null ? { kind: 'refused' } : { kind: 'held', upToBps: last };
}

export const fmtBps = (bps: number): string => (bps >= 1e9 ? `${+(bps / 1e9).toPrecision(4)} Gbit/s` : `${+(bps / 1e6).toPrecision(4)} Mbit/s`);

/** The verdict without its verb, so groups read "broke between a and b (x), between c and d (y)". */
function verdictText(v: Verdict): string {
  if (v.kind === 'refused') return 'refused by admission';
  if (v.kind === 'held') return `up to ${fmtBps(v.upToBps)}`;
  return v.afterBps === null ? `already at ${fmtBps(v.atBps)}` : `between ${fmtBps(v.afterBps)} and ${fmtBps(v.atBps)}`;
}

/** Sort key: earliest break first, then refusals, holds last. */
const order = (v: Verdict) => (v.kind === 'broke' ? v.atBps : v.kind === 'refused' ? Infinity : Number.MAX_VALUE);

/** "the IXB’s guarantee (no packet lost or late) broke between a and b (x, y) and between c and d (z), and held up to e (w)". */
function guaranteeClause(points: ThroughputPoint[], models: string[], flowIndex: number, guarantee: Guarantee): string {
  const groups = new Map<string, { v: Verdict; models: string[] }>();
  models.forEach((model, i) => {
    const v = verdict(points, i, flowIndex, guarantee);
    const text = verdictText(v);
    groups.set(text, { v, models: [...(groups.get(text)?.models ?? []), model] });
  });
  const sorted = [...groups].sort((a, b) => order(a[1].v) - order(b[1].v));
  const who = (ms: string[]) => (ms.length === models.length && models.length > 2 ? 'every model' : ms.join(', '));
  const phrase = (kind: Verdict['kind'], verb: string) => {
    const xs = sorted.filter(([, x]) => x.v.kind === kind);
    return xs.length === 0 ? [] : [`${verb} ${listText(xs.map(([text, x]) => `${text} (${who(x.models)})`))}`];
  };
  const g = GUARANTEES[guarantee];
  return `${g.noun} (${g.what}) ${[...phrase('broke', 'broke'), ...phrase('refused', 'was'), ...phrase('held', 'held')].join(', and ')}`;
}

function placeText(scenario: Scenario, flowId: string): string {
  const flow = scenario.flows!.find((f) => f.id === flowId)!;
  const host = scenario.vmus.find((v) => v.id === flow.from)!.host;
  const role = scenario.hosts.find((h) => h.id === host)?.role;
  return `on ${role === undefined ? 'PH' : role === 'plain' ? 'the plain PH' : 'the IXB-node PH'} ${host} (flow ${flowId})`;
}

/**
 * The answer's head (the reading adds each model's rule): per swept flow in the order the answer
 * names them, the throughput at which each model stopped guaranteeing the IXB and then the VMUs.
 */
export function breaksAnswer(scenario: Scenario, figure: ThroughputSweep, points: ThroughputPoint[], of: readonly string[]): string {
  const models = points[0]?.outcomes.map((o) => o.model) ?? [];
  const top = fmtBps(figure.throughputsBps[figure.throughputsBps.length - 1]);
  const parts = of.map((id) => {
    const k = figure.flows.indexOf(id);
    return `${placeText(scenario, id)} ${guaranteeClause(points, models, k, 'ixb')}; ${guaranteeClause(points, models, k, 'vmu')}`;
  });
  return `With the offered throughput rising to ${top}, ${parts.join('; and ')}`;
}

export function throughputOutputs(scenario: Scenario, figure: ThroughputSweep, figureIndex: number, points: ThroughputPoint[]): { figures: FigureOutput[]; findings: string[] } {
  const models = points[0]?.outcomes.map((o) => o.model) ?? [];
  const xs = points.map((p) => p.throughputBps / 1e6);
  const log = spansDecades(xs);
  const label = (flowId: string) => {
    const flow = scenario.flows!.find((f) => f.id === flowId)!;
    const host = scenario.vmus.find((v) => v.id === flow.from)!.host;
    return scenario.hosts.find((h) => h.id === host)?.role ?? host;
  };
  const series = (guarantee: Guarantee): XySeries[] =>
    figure.flows.flatMap((flowId, k) =>
      models.map((model, i) => ({
        label: `${model} ${label(flowId)}`,
        color: modelColour(model, i),
        // The first flow's PH solid, the others dashed: one colour per stack, one line style per PH.
        dash: k > 0,
        markers: true,
        points: points.flatMap((p) => (p.outcomes[i].refused ? [] : [[p.throughputBps / 1e6, GUARANTEES[guarantee].ratio(p.outcomes[i].flows[k]) * 100] as [number, number]])),
      })),
    );
  const x = log ? { title: 'offered throughput per flow (Mbit/s, log scale)', log: true, ticks: xs } : { title: 'offered throughput per flow (Mbit/s)', min: 0 };
  const flowsText = listText(figure.flows.map((id) => `${id} (${label(id)})`));
  const base = `${scenario.name}-fig${figureIndex + 1}`;
  const runs = `one run of ${fmtNs(figure.durationNs)} per throughput and model`;
  const dashed = figure.flows.length > 1 ? ` Solid: ${label(figure.flows[0])}; dashed: ${listText(figure.flows.slice(1).map(label))}.` : '';
  return {
    figures: [
      {
        file: `${base}-ixb-vs-throughput.png`,
        spec: { kind: 'xy', title: 'IXB packets lost or late vs offered throughput', width: 900, height: 500, x, y: { title: 'packets lost or late (% of sent)', min: 0, suggestedMax: 10 }, series: series('ixb') },
        caption: `Share of each flow's packets lost (any cause) or delivered after its deadline, against the throughput the flow offers, per model, for ${flowsText}; ${runs}.${dashed}`,
      },
      {
        file: `${base}-vmu-misses-vs-throughput.png`,
        spec: { kind: 'xy', title: 'VMU deadline misses vs offered throughput', width: 900, height: 500, x, y: { title: 'jobs that missed their deadline (%)', min: 0, suggestedMax: 10 }, series: series('vmu') },
        caption: `Deadline-miss ratio of the tasks of the VMUs on each flow's PH against the throughput the flow offers, per model (same runs).${dashed}`,
      },
    ],
    findings: [],
  };
}
