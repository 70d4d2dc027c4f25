// Charts of a VSN's request chains (issue 11 "VSNs across PHs"): per chain, the mean end-to-end
// latency of each model stacked by where it went (CPU wait, CPU run, IXB, link, storage — the parts
// of a request sum to its latency, chain.ts), and the end-to-end latency CDF per model on a log axis.

import { CHAIN_COMPONENTS, type ChainComponent } from '../metrics/chain-results.js';
import { RESPONSE_CDF_PERCENTILES, type Results } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import { modelColour, type XySeries } from './charts.js';
import type { FigureOutput } from './figures.js';
import { fmtNs } from './format.js';
import { coinciding } from './scenario-charts.js';

const toMs = (ns: number) => ns / 1e6;

const COMPONENT_STYLE: Record<ChainComponent, { label: string; color: string }> = {
  cpuWait: { label: 'CPU wait', color: '#c0282d' },
  cpuRun: { label: 'CPU run', color: '#2a9a3c' },
  ixb: { label: 'IXB', color: '#e07b00' },
  link: { label: 'link', color: '#1f63b4' },
  storage: { label: 'storage', color: '#7d5aa6' },
};

export function chainCharts(scenario: Scenario, results: Results): FigureOutput[] {
  const out: FigureOutput[] = [];
  for (const spec of scenario.chains ?? []) {
    const per = results.runs.map((r, i) => ({ model: r.model, i, c: r.chains?.find((x) => x.id === spec.id) })).filter((p) => p.c !== undefined && p.c.completed > 0);
    if (per.length === 0) continue;
    // Storage stages on another host than the VMU the chain is at: OSDs reached over the network (remote-osd.ts).
    const osds = [...new Set(spec.stages.flatMap((st) => (st.kind === 'storage' && st.from !== undefined ? [st.host] : [])))];
    out.push({
      file: `chain-breakdown-${spec.id}.png`,
      spec: {
        kind: 'bar',
        stacked: true,
        title: `Where the time of chain ${spec.id} goes (mean per request)`,
        width: 800,
        height: 440,
        categories: per.map((p) => p.model),
        y: { title: 'mean end-to-end latency (ms)', min: 0 },
        series: CHAIN_COMPONENTS.map((k) => ({ ...COMPONENT_STYLE[k], ...(k === 'storage' && osds.length > 0 && { label: `storage (OSD ${osds.join(', ')})` }), values: per.map((p) => toMs(p.c!.breakdown[k].meanNs)) })),
      },
      caption: `Mean end-to-end latency of chain ${spec.id} per model, split into where each request spent it: CPU wait (its compute jobs waiting for a vCPU or a pCPU), CPU run, IXB (the IXBs' CPU work and egress), link (NIC queue, wire, propagation) and storage (device queue and service).${osds.length > 0 ? ` Storage is the share of the OSD${osds.length > 1 ? 's' : ''} ${osds.join(', ')} reached over the network: ${osds.length > 1 ? 'their' : 'its'} device queue and service; the request's and the reply's way there and back is in IXB and link.` : ''}`,
    });
    const series: XySeries[] = per.map((p) => ({ label: p.model, color: modelColour(p.model, p.i), points: p.c!.latencyCdfNs.map((ns, k) => [toMs(ns), RESPONSE_CDF_PERCENTILES[k]] as [number, number]) }));
    const bounded = Number.isFinite(spec.deadline);
    if (bounded) series.push({ label: `deadline ${fmtNs(spec.deadline)}`, color: '#777777', dash: true, points: [[toMs(spec.deadline), 0], [toMs(spec.deadline), 100]] });
    out.push({
      file: `chain-cdf-${spec.id}.png`,
      spec: {
        kind: 'xy',
        title: `End-to-end latency CDF of chain ${spec.id}`,
        width: 800,
        height: 440,
        // Always logarithmic: a chain adds up stages of µs (IXB, link) and ms (compute, storage), and one stack's queueing tail runs decades past the others.
        x: { title: 'end-to-end latency (ms, log scale)', log: true },
        y: { title: 'completed requests within (%)', min: 0, max: 100 },
        series,
      },
      caption: `End-to-end latency of chain ${spec.id} under each model: share of its completed requests that finished within a given time of arriving${bounded ? `; dashed: its ${fmtNs(spec.deadline)} deadline` : ''}.${coinciding(per.map((p) => ({ model: p.model, key: p.c!.latencyCdfNs.join(',') })))}`,
    });
  }
  return out;
}
