// A flow's packets: when they leave (constant bit rate, Poisson, on/off, a trace) and how large they
// are, from the flow's own random streams; and what is measured of them per flow (io-qos.md §4.2):
// one-way latency, jitter, throughput, and losses by cause.

import { LatencyHistogram } from '../../metrics/histogram.js';
import type { FlowArrival, Ns } from '../system.js';
import type { Rng } from '../rng.js';
import { ReleaseClock } from '../workload.js';

/** Successive departure instants of a flow; Infinity when there are no more. */
export class FlowClock {
  private readonly inner: ReleaseClock | null;
  private last = -1;

  constructor(
    private readonly arrival: FlowArrival,
    rng: Rng,
  ) {
    this.inner = arrival.kind === 'onoff' ? null : new ReleaseClock(arrival, rng);
  }

  next(): Ns {
    const a = this.arrival;
    if (a.kind !== 'onoff') return this.inner!.next();
    // On/off: a packet every `period` while on; a packet that would fall in the off time moves to the next on time.
    const cycle = a.onNs + a.offNs;
    let t = this.last < 0 ? a.offset : this.last + a.period;
    const into = (t - a.offset) % cycle;
    if (into >= a.onNs) t += cycle - into;
    return (this.last = t);
  }
}

/**
 * Why a packet was lost (io-qos.md §4.2 "drops by cause"); 'migrating': it reached a VMU stopped for
 * a live migration's stop-and-copy, or the PH it had left (network.ts); 'destinationAbsent' (issue 13): its
 * destination VMU was not running when it reached the destination PH — not started, still booting,
 * stopped, or refused at its start (network.ts FlowRun.receive says why a booting VMU counts).
 * Append-only: results keep the order.
 */
export const LOSS_CAUSES = ['policed', 'queueFull', 'starved', 'migrating', 'destinationAbsent'] as const;
export type LossCause = (typeof LOSS_CAUSES)[number];

/** A count per loss cause, every one 0. */
export function perCause<T>(zero: () => T): Record<LossCause, T> {
  return Object.fromEntries(LOSS_CAUSES.map((c) => [c, zero()])) as Record<LossCause, T>;
}

/** All losses of a per-cause count. */
export function lostAll(lost: Record<LossCause, number>): number {
  return LOSS_CAUSES.reduce((a, c) => a + lost[c], 0);
}

/** Bins of a flow's timeline over the measured window: enough to see a ring fill and drain, a few KB per flow in results. */
export const TIMELINE_BINS = 50;

/**
 * A flow over time (io-qos.md §4.2: throughput "over fixed windows", drops by cause): bytes delivered
 * and packets lost per bin of the measured window [warm-up, end]. Counted with the same rules as the
 * totals — a delivery by when it happened, a loss of a packet created after warm-up by when it was
 * lost — so the bins sum to windowBytes and lost[cause].
 */
export class FlowTimeline {
  readonly binNs: Ns;
  readonly deliveredBytes: number[];
  readonly lost: Record<LossCause, number[]>;

  constructor(
    readonly startNs: Ns,
    endNs: Ns,
  ) {
    this.binNs = Math.max(1, Math.ceil((endNs - startNs) / TIMELINE_BINS));
    const zeros = () => new Array<number>(TIMELINE_BINS).fill(0);
    this.deliveredBytes = zeros();
    this.lost = perCause(zeros);
  }

  /** The bin of instant `now` ≥ startNs; the window's last instant falls in the last bin. */
  bin(now: Ns): number {
    return Math.min(TIMELINE_BINS - 1, Math.floor((now - this.startNs) / this.binNs));
  }
}

export class FlowStats {
  readonly latency = new LatencyHistogram();
  readonly timeline: FlowTimeline;
  /** Packets created after warm-up, and what became of them. */
  sent = 0;
  delivered = 0;
  missed = 0;
  remarked = 0;
  readonly lost: Record<LossCause, number> = perCause(() => 0);
  /** Delivered inside the measured window, whenever created (throughput). */
  windowPackets = 0;
  windowBytes = 0;
  /** Sum of |D_i − D_{i−1}| over consecutive delivered packets (IPDV, RFC 3393), and their count. */
  jitterSumNs = 0;
  jitterPairs = 0;
  private lastLatency = -1;

  constructor(warmupNs: Ns, durationNs: Ns) {
    this.timeline = new FlowTimeline(warmupNs, durationNs);
  }

  /** A packet lost at `now`, of the measured ones (created after warm-up). */
  lostOne(cause: LossCause, now: Ns): void {
    this.lost[cause]++;
    this.timeline.lost[cause][this.timeline.bin(now)]++;
  }

  /** A packet delivered at `now` inside the measured window, whenever it was created. */
  deliveredInWindow(bytes: number, now: Ns): void {
    this.windowPackets++;
    this.windowBytes += bytes;
    this.timeline.deliveredBytes[this.timeline.bin(now)] += bytes;
  }

  deliveredOne(latency: Ns, deadline: Ns): void {
    this.delivered++;
    this.latency.record(latency);
    if (latency > deadline) this.missed++;
    if (this.lastLatency >= 0) {
      this.jitterSumNs += Math.abs(latency - this.lastLatency);
      this.jitterPairs++;
    }
    this.lastLatency = latency;
  }
}
