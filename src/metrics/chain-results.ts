// Per-chain results of a VSN's request chains (src/engine/net/chain.ts): end-to-end latency, misses,
// losses and failures, and where the time went — mean and p99 of each component (CPU wait, CPU run, IXB,
// link, storage) — as results.json carries them; and CHAIN_METRICS, how `expect:` reads them.

import { CHAIN_COMPONENTS, type ChainComponent, type ChainRun } from '../engine/net/chain.js';
import type { LatencySummary } from './histogram.js';

export { CHAIN_COMPONENTS, type ChainComponent };

export interface ChainResult {
  id: string;
  /** Requests started after warm-up, completed, lost (a packet dropped on a hop). */
  requests: number;
  completed: number;
  lost: number;
  /**
   * Requests failed by cause (issue 13): destinationAbsent — a stage's VMU was not running when the
   * request reached it (not started, booting, stopped, refused at its start), or stopped with the
   * request in it. requests = completed + lost + failed + those still in flight at the end.
   */
  failed: { destinationAbsent: number };
  /** Completed over the deadline, plus the failed ones (a failed request never meets its deadline). */
  missed: number;
  /** Missed over judged: completed + failed (0 when none was judged). */
  missRatio: number;
  /** End-to-end latency of the completed requests, arrival to the end of the last stage. */
  latency: LatencySummary;
  /** Per component, over completed requests: mean and p99 (a request's components sum to its latency). */
  breakdown: Record<ChainComponent, { meanNs: number; p99Ns: number }>;
  /** End-to-end latency at the CDF levels of results.ts RESPONSE_CDF_PERCENTILES; [] when none completed. */
  latencyCdfNs: number[];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function collectChains(chains: readonly ChainRun[], cdfPercentiles: readonly number[]): ChainResult[] {
  return chains.map((c) => {
    const s = c.stats;
    const breakdown = Object.fromEntries(
      CHAIN_COMPONENTS.map((k) => {
        const h = s.components[k];
        return [k, { meanNs: Math.round(h.mean()), p99Ns: h.percentile(99) }];
      }),
    ) as ChainResult['breakdown'];
    const failed = s.failed.destinationAbsent;
    const missed = s.missed + failed;
    const judged = s.completed + failed;
    return {
      id: c.spec.id,
      requests: s.requests,
      completed: s.completed,
      lost: s.lost,
      failed: { ...s.failed },
      missed,
      missRatio: judged === 0 ? 0 : round6(missed / judged),
      latency: s.latency.summary(),
      breakdown,
      latencyCdfNs: s.completed === 0 ? [] : s.latency.quantiles(cdfPercentiles),
    };
  });
}

/** Chain metrics an expectation may bound, and how each is read. */
export const CHAIN_METRICS = {
  chainLatencyP50Ns: (c: ChainResult) => c.latency.p50Ns,
  chainLatencyP99Ns: (c: ChainResult) => c.latency.p99Ns,
  chainLatencyMaxNs: (c: ChainResult) => c.latency.maxNs,
  chainMissRatio: (c: ChainResult) => c.missRatio,
  chainLossRatio: (c: ChainResult) => (c.requests === 0 ? 0 : round6(c.lost / c.requests)),
  chainFailedRatio: (c: ChainResult) => (c.requests === 0 ? 0 : round6(c.failed.destinationAbsent / c.requests)),
  chainCpuWaitMeanNs: (c: ChainResult) => c.breakdown.cpuWait.meanNs,
  chainCpuWaitP99Ns: (c: ChainResult) => c.breakdown.cpuWait.p99Ns,
  chainIxbMeanNs: (c: ChainResult) => c.breakdown.ixb.meanNs,
  chainIxbP99Ns: (c: ChainResult) => c.breakdown.ixb.p99Ns,
  chainLinkMeanNs: (c: ChainResult) => c.breakdown.link.meanNs,
  chainLinkP99Ns: (c: ChainResult) => c.breakdown.link.p99Ns,
  chainStorageMeanNs: (c: ChainResult) => c.breakdown.storage.meanNs,
  chainStorageP99Ns: (c: ChainResult) => c.breakdown.storage.p99Ns,
} as const;
