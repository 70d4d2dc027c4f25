// mClock (Gulati, Merchant, Varman, OSDI 2010; io-qos.md §1.2) with dmclock's pull semantics
// (io-qos.md §1.3): asked at a free device slot, it answers a request, "not before t", or nothing.
// Each stream (a request's `flow`) has a reservation r (minimum rate), a weight w (share of spare
// capacity) and a limit l (maximum rate), in cost units per second. A request costs 1 (IOPS, the
// paper's baseline) or, with `sizeScaledBytes` S_p, 1 + bytes/S_p (the paper's storage extension;
// io-qos.md §1.1). A zero or absent r, l, w means unset: R = +∞, no limit, P = +∞ (Ceph's reading).
//
// Tags are computed when a request reaches the head of its stream's queue, from the previous
// request's tags and the request's arrival t at this discipline (dmclock's delayed tagging):
//   R = max(R_prev + c/r, t)   L = max(L_prev + c/l, t)   P = max(P_prev + c/w, t)
// Selection at `now`: (1) reservation phase, the smallest R ≤ now; (2) weight phase, among streams
// whose L ≤ now the smallest P, after which the stream's R is taken back by c/r so weight-phase
// service does not consume the reservation; (3) otherwise wait until the earliest R or L (AtLimit
// Wait, what the Ceph OSD uses: not work-conserving). Ties go to the earlier arrival.
//
// An idle stream earns no credit: when a stream returns whose P history is behind its arrival
// (P_prev + c/w ≤ t), its P tags are offset so its head ranks with the smallest P among the
// streams already active (the paper's tag adjustment on reactivation, kept as a per-stream offset
// as Ceph's prop_delta does). A stream back from a short gap with its P still ahead keeps it. [M]

import type { Ns } from '../system.js';
import type { Dequeued, QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';

/** One stream's QoS attributes, in cost units (requests, by default) per second. */
export interface MClockStream {
  readonly reservation?: number;
  readonly weight?: number;
  readonly limit?: number;
}

export interface MClockParams {
  /** Attributes per stream id; a stream not listed gets `default`. */
  readonly streams?: Readonly<Record<string, MClockStream>>;
  /** For streams not listed: r = 0, w = 1, no limit unless given (io-qos.md §4.1). */
  readonly default?: MClockStream;
  /**
   * The mClock client a request's flow belongs to, when several flows share one (a Ceph OSD keeps
   * one client per op class: every external client's ops share the `client` allocation, io-qos.md
   * §1.3–1.4). A flow not listed is its own client.
   */
  readonly classOf?: Readonly<Record<string, string>>;
  /** S_p: a request costs 1 + bytes/S_p instead of 1 (io-qos.md §1.1). */
  readonly sizeScaledBytes?: number;
}

/** How many requests of a stream each phase served (the split io-qos.md §4.2 asks to expose). */
export interface PhaseCounts {
  reservation: number;
  weight: number;
}

const SECOND = 1e9;

interface Entry<R> {
  readonly request: R;
  readonly arrivalNs: Ns;
  readonly sequence: number;
}

class Stream<R> {
  readonly waiting: Entry<R>[] = [];
  head = 0;
  /** Tags of the head request (meaningful while the stream has requests), in ns. */
  headR = Infinity;
  headL = -Infinity;
  headP = Infinity;
  /** Tags of the request served last; -∞ before the first. */
  prevR = -Infinity;
  prevL = -Infinity;
  prevP = -Infinity;
  /** Added to P in every comparison (the reactivation adjustment). */
  pOffset = 0;
  readonly phases: PhaseCounts = { reservation: 0, weight: 0 };

  constructor(
    readonly reservation: number,
    readonly weight: number,
    readonly limit: number,
  ) {}

  get queued(): number {
    return this.waiting.length - this.head;
  }

  get effectiveP(): number {
    return this.headP + this.pOffset;
  }
}

function attributes(id: string, params: MClockParams): { reservation: number; weight: number; limit: number } {
  const given = params.streams?.[id] ?? params.default ?? {};
  const reservation = given.reservation ?? 0;
  const weight = given.weight ?? 1;
  const limit = given.limit ?? 0;
  for (const [name, value] of Object.entries({ reservation, weight, limit })) {
    if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`mclock: ${name} of stream ${id} must be a finite number ≥ 0, not ${value}`);
  }
  // With neither, nothing would ever serve the stream.
  if (reservation === 0 && weight === 0) throw new Error(`mclock: stream ${id} has neither a reservation nor a weight, so it would never be served`);
  // The reservation phase ignores limits (io-qos.md §1.2), so r > l would break the limit.
  if (limit > 0 && reservation > limit) throw new Error(`mclock: stream ${id} reserves ${reservation}/s above its limit ${limit}/s`);
  return { reservation, weight, limit };
}

class MClock<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name = 'mclock';
  private readonly streams = new Map<string, Stream<R>>();
  private sequence = 0;
  private queued = 0;

  constructor(private readonly params: MClockParams) {
    if (params.sizeScaledBytes !== undefined && !(params.sizeScaledBytes > 0)) throw new Error(`mclock: sizeScaledBytes must be > 0, not ${params.sizeScaledBytes}`);
  }

  get backlog(): number {
    return this.queued;
  }

  /** Requests of `flow` served in the reservation and in the weight phase. */
  phases(flow: string): PhaseCounts {
    return this.streams.get(flow)?.phases ?? { reservation: 0, weight: 0 };
  }

  enqueue(request: R, now: Ns): boolean {
    const stream = this.stream(this.params.classOf?.[request.flow] ?? request.flow);
    stream.waiting.push({ request, arrivalNs: now, sequence: this.sequence++ });
    this.queued++;
    if (stream.queued === 1) this.tagHead(stream, true);
    return true;
  }

  dequeue(now: Ns): Dequeued<R> {
    if (this.queued === 0) return { kind: 'idle' };
    let reserved: Stream<R> | null = null;
    let weighted: Stream<R> | null = null;
    let wakeAt = Infinity;
    for (const s of this.streams.values()) {
      if (s.queued === 0) continue;
      const seq = s.waiting[s.head].sequence;
      if (s.headR <= now && (!reserved || s.headR < reserved.headR || (s.headR === reserved.headR && seq < reserved.waiting[reserved.head].sequence))) reserved = s;
      // A stream with no weight (P = +∞) is never served in the weight phase (dmclock: P < max_tag).
      if (s.headL <= now && s.headP < Infinity) {
        const p = s.effectiveP;
        if (!weighted || p < weighted.effectiveP || (p === weighted.effectiveP && seq < weighted.waiting[weighted.head].sequence)) weighted = s;
      } else if (s.headL > now) wakeAt = Math.min(wakeAt, s.headL);
      if (s.headR > now) wakeAt = Math.min(wakeAt, s.headR);
    }
    if (reserved) return { kind: 'serve', request: this.take(reserved, 'reservation') };
    if (weighted) return { kind: 'serve', request: this.take(weighted, 'weight') };
    // Every head is over its limit (or weightless) and under no due reservation: wait for the first
    // tag to mature (finite: a stream has a reservation or a weight, see attributes()).
    return { kind: 'wait', at: Math.max(now + 1, Math.ceil(wakeAt)) };
  }

  private stream(id: string): Stream<R> {
    let s = this.streams.get(id);
    if (!s) {
      const a = attributes(id, this.params);
      this.streams.set(id, (s = new Stream<R>(a.reservation, a.weight, a.limit)));
    }
    return s;
  }

  private cost(request: R): number {
    return this.params.sizeScaledBytes ? 1 + request.bytes / this.params.sizeScaledBytes : 1;
  }

  /** Tags for the stream's new head request (delayed tagging, io-qos.md §1.3). */
  private tagHead(s: Stream<R>, reactivated: boolean): void {
    const entry = s.waiting[s.head];
    const c = this.cost(entry.request);
    const t = entry.arrivalNs;
    s.headR = s.reservation > 0 ? Math.max(s.prevR + (c * SECOND) / s.reservation, t) : Infinity;
    s.headL = s.limit > 0 ? Math.max(s.prevL + (c * SECOND) / s.limit, t) : -Infinity;
    if (s.weight === 0) {
      s.headP = Infinity;
      return;
    }
    const fromHistory = s.prevP + (c * SECOND) / s.weight;
    s.headP = Math.max(fromHistory, t);
    if (reactivated && fromHistory <= t) s.pOffset = this.smallestActiveP(s, t) - t;
  }

  /** The smallest effective P among other streams with requests; `t` when there are none (offset 0). */
  private smallestActiveP(except: Stream<R>, t: Ns): number {
    let smallest = Infinity;
    for (const s of this.streams.values()) if (s !== except && s.queued > 0 && s.weight > 0) smallest = Math.min(smallest, s.effectiveP);
    return smallest === Infinity ? t : smallest;
  }

  private take(s: Stream<R>, phase: keyof PhaseCounts): R {
    const entry = s.waiting[s.head++];
    this.queued--;
    s.phases[phase]++;
    s.prevR = s.headR;
    s.prevL = s.headL;
    s.prevP = s.headP;
    // Weight-phase service gives back the reservation tag's advance (the paper's tag adjustment; Ceph subtracts
    // (cost + ρ)/r, io-qos.md §1.2 step 2), so r is not consumed by what the weight earned.
    if (phase === 'weight' && s.reservation > 0) s.prevR -= (this.cost(entry.request) * SECOND) / s.reservation;
    if (s.queued > 0) this.tagHead(s, false);
    else {
      s.waiting.length = 0;
      s.head = 0;
    }
    return entry.request;
  }
}

export const mclockQdisc: QueueDisciplineFactory = {
  summary: 'mClock: per-stream reservation, weight and limit tags (Gulati et al., OSDI 2010); waits at limits',
  create: <R extends QueuedRequest>(params: Record<string, unknown>) => new MClock<R>(params as MClockParams),
};

/** The mClock class itself, for callers that read its phase counts. */
export { MClock };
