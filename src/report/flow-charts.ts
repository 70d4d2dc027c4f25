// Charts of the IXB packet flows (issue 11): each flow's one-way latency CDF per model (log axis
// when one stack's tail spans decades), and its losses by cause per model — where a starved IXB
// shows as drops at the ring while the link had room.

import type { LossCause } from '../engine/net/flow.js';
import { RESPONSE_CDF_PERCENTILES, type Results } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import { modelColour, type XySeries } from './charts.js';
import type { FigureOutput } from './figures.js';
import { fmtNs } from './format.js';
import { coinciding, spansDecades } from './scenario-charts.js';

const toMs = (ns: number) => ns / 1e6;

export function flowCdfCharts(scenario: Scenario, results: Results): FigureOutput[] {
  const out: FigureOutput[] = [];
  for (const spec of scenario.flows ?? []) {
    const per = results.runs.map((r, i) => ({ model: r.model, i, f: r.flows?.find((x) => x.id === spec.id) })).filter((p) => p.f !== undefined && p.f.latencyCdfNs.length > 0);
    if (per.length === 0) continue;
    const series: XySeries[] = per.map((p) => ({ label: p.model, color: modelColour(p.model, p.i), points: p.f!.latencyCdfNs.map((ns, k) => [toMs(ns), RESPONSE_CDF_PERCENTILES[k]] as [number, number]) }));
    const bounded = Number.isFinite(spec.deadline);
    if (bounded) series.push({ label: `bound ${fmtNs(spec.deadline)}`, color: '#777777', dash: true, points: [[toMs(spec.deadline), 0], [toMs(spec.deadline), 100]] });
    const log = spansDecades(per.flatMap((p) => p.f!.latencyCdfNs));
    out.push({
      file: `flow-cdf-${spec.id}.png`,
      spec: {
        kind: 'xy',
        title: `One-way latency CDF of flow ${spec.id}`,
        width: 800,
        height: 440,
        x: log ? { title: 'one-way latency (ms, log scale)', log: true } : { title: 'one-way latency (ms)', min: 0 },
        y: { title: 'delivered packets within (%)', min: 0, max: 100 },
        series,
      },
      caption: `One-way latency of flow ${spec.id} (${spec.from} → ${spec.to}) under each model: share of its delivered packets that arrived within a given time of leaving the sender${bounded ? `; dashed: its ${fmtNs(spec.deadline)} bound` : ''}. Lost packets are not in the curve (see the losses chart).${coinciding(per.map((p) => ({ model: p.model, key: p.f!.latencyCdfNs.join(',') })))}`,
    });
  }
  return out;
}

/** Losses of every flow by cause, one bar group per flow and model; null when no flow lost anything. */
export function flowLossChart(results: Results): FigureOutput | null {
  const flows = [...new Set(results.runs.flatMap((r) => (r.flows ?? []).map((f) => f.id)))];
  if (!results.runs.some((r) => (r.flows ?? []).some((f) => f.lossRatio > 0))) return null;
  const categories = flows.flatMap((id) => results.runs.map((r) => `${id} ${r.model}`));
  const pick = (cause: LossCause) =>
    flows.flatMap((id) =>
      results.runs.map((r) => {
        const f = r.flows?.find((x) => x.id === id);
        return f && f.sent > 0 ? Math.round((f.lost[cause] / f.sent) * 1e4) / 100 : null;
      }),
    );
  return {
    file: 'flow-losses.png',
    spec: {
      kind: 'bar',
      title: 'Packets lost per flow and stack, by cause',
      width: 900,
      height: 460,
      categories,
      y: { title: '% of the packets sent', min: 0 },
      series: [
        { label: 'starved (IXB ring full)', color: '#c0392b', values: pick('starved') },
        { label: 'queue full', color: '#e69f00', values: pick('queueFull') },
        { label: 'policed', color: '#56b4e9', values: pick('policed') },
        // Only where a live migration lost packets (the other scenarios' charts stay as they were).
        ...(results.runs.some((r) => (r.flows ?? []).some((f) => f.lost.migrating > 0)) ? [{ label: 'migrating (stop-and-copy)', color: '#7f7f7f', values: pick('migrating') }] : []),
        // Only when some VMU came and went: a scenario without lifetimes keeps its three bars.
        ...(results.runs.some((r) => (r.flows ?? []).some((f) => f.lost.destinationAbsent > 0)) ? [{ label: 'destination absent', color: '#999999', values: pick('destinationAbsent') }] : []),
      ],
    },
    caption: 'Share of each flow\'s packets lost, per model and cause: starved — the ring in front of the IXB\'s CPU work was full (the work did not get the CPU); queue full — an egress class or the NIC queue; policed — the ingress policer; destination absent (when shown) — the destination VMU was not running when the packet reached its PH (before its start, while it booted, after its stop).',
  };
}
