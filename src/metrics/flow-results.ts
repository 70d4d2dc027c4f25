// Per-flow results of the IXB packet path (io-qos.md §4.2): one-way latency, jitter, throughput and
// losses by cause, as results.json carries them; and FLOW_METRICS, the one place that says how an
// expectation reads a flow metric (metricOfFlow), so `expect:` and the report name them alike.

import { LOSS_CAUSES, lostAll, type LossCause } from '../engine/net/flow.js';
import type { FlowRun } from '../engine/net/network.js';
import type { LatencySummary } from './histogram.js';
import type { FlowMetricName } from '../scenario/schema-net.js';

export interface FlowResult {
  id: string;
  from: string;
  to: string;
  /** Packets created after warm-up, and what became of them. */
  sent: number;
  delivered: number;
  /** One-way latency, creation at the source to delivery in the destination VMU. */
  latency: LatencySummary;
  /** Mean |D_i − D_{i−1}| of consecutive delivered packets (IPDV, RFC 3393). */
  jitterNs: number;
  /** Delivered in the measured window, bits/s and packets/s. */
  throughputBps: number;
  packetsPerSec: number;
  /**
   * Losses by cause: policed (ingress policer), queueFull (an egress class or NIC queue), starved (a
   * full IXB ring), destinationAbsent (the destination VMU was not running: not started, booting,
   * stopped or refused at its start). sent = delivered + every loss + packets still in flight at the end.
   */
  lost: Record<LossCause, number>;
  /** All losses over the packets sent. */
  lossRatio: number;
  /** Re-marked by the policer into another class. */
  remarked: number;
  /** Delivered over the flow's deadline, over delivered (0 without a deadline). */
  missRatio: number;
  /** The hops a packet crosses under this model. */
  path: string[];
  /** One-way latency at the CDF levels of results.ts RESPONSE_CDF_PERCENTILES; [] when none was delivered. */
  latencyCdfNs: number[];
  /** The measured window in bins from startNs, binNs wide (the last may end past the window): bytes delivered and packets lost per bin; they sum to the totals above. */
  overTime: { startNs: number; binNs: number; deliveredBytes: number[]; lost: Record<LossCause, number[]> };
}

/** A flow result's losses over every cause (the report reads them through metrics, not the engine). */
export const flowLost = (f: Pick<FlowResult, 'lost'>): number => lostAll(f.lost);

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function collectFlows(flows: readonly FlowRun[], windowNs: number, cdfPercentiles: readonly number[]): FlowResult[] {
  return flows.map((f) => {
    const s = f.stats;
    return {
      id: f.spec.id,
      from: f.spec.from,
      to: f.spec.to,
      sent: s.sent,
      delivered: s.delivered,
      latency: s.latency.summary(),
      jitterNs: s.jitterPairs === 0 ? 0 : Math.round(s.jitterSumNs / s.jitterPairs),
      throughputBps: round6((s.windowBytes * 8 * 1e9) / windowNs),
      packetsPerSec: round6((s.windowPackets * 1e9) / windowNs),
      lost: { ...s.lost },
      lossRatio: s.sent === 0 ? 0 : round6(lostAll(s.lost) / s.sent),
      remarked: s.remarked,
      missRatio: s.delivered === 0 ? 0 : round6(s.missed / s.delivered),
      path: f.path,
      latencyCdfNs: s.delivered === 0 ? [] : s.latency.quantiles(cdfPercentiles),
      overTime: { startNs: s.timeline.startNs, binNs: s.timeline.binNs, deliveredBytes: [...s.timeline.deliveredBytes], lost: Object.fromEntries(LOSS_CAUSES.map((c) => [c, [...s.timeline.lost[c]]])) as Record<LossCause, number[]> },
    };
  });
}


/** Flow metrics an expectation may bound, and how each is read (units in the name, ratios in [0, 1]). */
export const FLOW_METRICS = {
  flowLatencyP50Ns: (f: FlowResult) => f.latency.p50Ns,
  flowLatencyP99Ns: (f: FlowResult) => f.latency.p99Ns,
  flowLatencyMaxNs: (f: FlowResult) => f.latency.maxNs,
  flowJitterNs: (f: FlowResult) => f.jitterNs,
  flowThroughputBps: (f: FlowResult) => f.throughputBps,
  flowLossRatio: (f: FlowResult) => f.lossRatio,
  flowPolicedRatio: (f: FlowResult) => (f.sent === 0 ? 0 : f.lost.policed / f.sent),
  flowQueueFullRatio: (f: FlowResult) => (f.sent === 0 ? 0 : f.lost.queueFull / f.sent),
  flowStarvedRatio: (f: FlowResult) => (f.sent === 0 ? 0 : f.lost.starved / f.sent),
  flowDestinationAbsentRatio: (f: FlowResult) => (f.sent === 0 ? 0 : f.lost.destinationAbsent / f.sent),
} as const satisfies Record<FlowMetricName, (f: FlowResult) => number>;

export function isFlowMetric(metric: string): metric is FlowMetricName {
  return Object.hasOwn(FLOW_METRICS, metric);
}
