// Flows over time (issue 11: "throughput and drops over time"): per flow, the throughput each model
// delivered in each bin of the measured window, and the packets it lost per bin by cause — where a
// starved IXB shows as a ring that fills, drops for a while and drains, or drops for good.

import { flowLost, type FlowResult } from '../metrics/flow-results.js';
import type { Results } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import { modelColour, type XySeries } from './charts.js';
import type { FigureOutput } from './figures.js';
import { fmtNs, listText } from './format.js';

const CAUSES = [
  { key: 'starved', words: 'starved (IXB ring full)' },
  { key: 'queueFull', words: 'queue full' },
  { key: 'policed', words: 'policed' },
  { key: 'migrating', words: 'migrating (at a VMU in its stop-and-copy, or the PH it left)' },
  { key: 'destinationAbsent', words: 'destination absent' },
] as const;

/** x of bin k: the middle of the bin, in ms since the start of the run. */
const binMidMs = (t: FlowResult['overTime'], k: number) => (t.startNs + (k + 0.5) * t.binNs) / 1e6;

export function flowTimeCharts(scenario: Scenario, results: Results): FigureOutput[] {
  const out: FigureOutput[] = [];
  for (const spec of scenario.flows ?? []) {
    const per = results.runs.flatMap((r, i) => {
      const f = r.flows?.find((x) => x.id === spec.id);
      return f ? [{ model: r.model, i, f }] : [];
    });
    if (per.length === 0) continue;
    const bin = fmtNs(per[0].f.overTime.binNs);
    const throughput: XySeries[] = per.map(({ model, i, f }) => ({
      label: model,
      color: modelColour(model, i),
      points: f.overTime.deliveredBytes.map((bytes, k) => [binMidMs(f.overTime, k), (bytes * 8 * 1e3) / f.overTime.binNs] as [number, number]),
    }));
    out.push({
      file: `flow-throughput-${spec.id}.png`,
      spec: {
        kind: 'xy',
        title: `Delivered throughput of flow ${spec.id} over time`,
        width: 800,
        height: 400,
        x: { title: 'time since start (ms)' },
        y: { title: `delivered (Mbit/s, per ${bin})`, min: 0 },
        series: throughput,
      },
      caption: `Throughput flow ${spec.id} (${spec.from} → ${spec.to}) delivered to its destination in each ${bin} of the measured window, per model (deliveries after warm-up, whenever the packet left).`,
    });
    // Only the causes a model actually lost packets to: a line per (model, cause), solid for starved.
    const drops: XySeries[] = per.flatMap(({ model, i, f }) =>
      CAUSES.filter((c) => f.lost[c.key] > 0).map((c) => ({
        label: `${model}: ${c.words}`,
        color: modelColour(model, i),
        dash: c.key !== 'starved',
        points: f.overTime.lost[c.key].map((n, k) => [binMidMs(f.overTime, k), n] as [number, number]),
      })),
    );
    if (drops.length === 0) continue;
    const none = per.filter(({ f }) => flowLost(f) === 0).map((p) => p.model);
    out.push({
      file: `flow-drops-${spec.id}.png`,
      spec: {
        kind: 'xy',
        title: `Packets of flow ${spec.id} lost over time, by cause`,
        width: 800,
        height: 400,
        x: { title: 'time since start (ms)' },
        y: { title: `packets lost per ${bin}`, min: 0 },
        series: drops,
      },
      caption: `Packets of flow ${spec.id} lost in each ${bin} of the measured window, per model and cause (solid: starved — the ring in front of the IXB's CPU work was full; dashed: an egress class or NIC queue full, the policer, or the destination VMU not running — before its start, while it boots, after its stop).${none.length > 0 ? ` No loss under ${listText(none)}.` : ''}`,
    });
  }
  return out;
}
