// Per-stream throttling in front of any device discipline: the first of the two layers of seed §5.4
// (throttling, then device scheduling). It follows blk-throttle / cgroup v2 `io.max`
// (io-qos.md §1.8): per stream the keys riops, wiops, rbps, wbps (absent = no limit); a request
// over its limits is delayed, never dropped; short bursts pass. As io-qos.md §1.8 suggests for a
// simulator, each (stream, direction, unit) is a token bucket refilled at its rate up to a depth of
// rate × slice (throtl_slice = 100 ms), and a request must find tokens in every bucket that applies
// (IOPS and bytes/s combined by AND).
//
// A request takes its cost (1, or its bytes) from each bucket once the bucket holds min(cost,
// depth): a request larger than the depth waits for a full bucket and leaves it in debt, which
// later requests repay, so the long-run rate still never exceeds the limit. [M] Requests of one
// stream and direction leave in arrival order; those released go to the inner discipline at the
// instant their tokens were there (not when the server next asks), so the inner discipline sees
// the arrival times a timer-driven throttle would give it.

import type { Ns } from '../system.js';
import type { Dequeued, QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';

/** io.max keys of one stream: requests/s and bytes/s per direction. */
export interface IoMax {
  readonly riops?: number;
  readonly wiops?: number;
  readonly rbps?: number;
  readonly wbps?: number;
}

export interface ThrottleParams<R extends QueuedRequest = QueuedRequest> {
  /** The device scheduler the released requests go to (createQdisc fills it in). */
  readonly inner: QueueDiscipline<R>;
  /** Limits per stream id; streams not listed pass unthrottled. */
  readonly streams?: Readonly<Record<string, IoMax>>;
  /** Bucket depth = rate × slice; blk-throttle's throtl_slice is HZ/10 = 100 ms (io-qos.md §1.8). */
  readonly sliceNs?: Ns;
}

const SECOND = 1e9;
export const THROTL_SLICE_NS = 100_000_000;

class Bucket {
  readonly depth: number;
  tokens: number;
  updatedAt: Ns = 0;

  constructor(
    /** Units per second. */
    readonly rate: number,
    sliceNs: Ns,
  ) {
    this.depth = (rate * sliceNs) / SECOND;
    this.tokens = this.depth;
  }

  /** Earliest time ≥ `from` at which `cost` may pass. */
  readyAt(cost: number, earliest: Ns): Ns {
    const from = Math.max(earliest, this.updatedAt);
    const need = Math.min(cost, this.depth);
    const have = Math.min(this.depth, this.tokens + ((from - this.updatedAt) * this.rate) / SECOND);
    return have >= need ? from : from + Math.ceil(((need - have) * SECOND) / this.rate);
  }

  take(cost: number, at: Ns): void {
    this.tokens = Math.min(this.depth, this.tokens + ((at - this.updatedAt) * this.rate) / SECOND) - cost;
    this.updatedAt = at;
  }
}

/** The held requests of one stream and direction, with the buckets that gate them. */
class Lane<R extends QueuedRequest> {
  readonly held: { request: R; at: Ns }[] = [];
  head = 0;

  constructor(
    readonly iops: Bucket | null,
    readonly bps: Bucket | null,
  ) {}

  get waiting(): number {
    return this.held.length - this.head;
  }

  /** When the head request may be released. */
  headReadyAt(): Ns {
    const { request, at } = this.held[this.head];
    let ready = at;
    if (this.iops) ready = this.iops.readyAt(1, ready);
    if (this.bps) ready = Math.max(ready, this.bps.readyAt(request.bytes, ready));
    // Tokens only grow while a request waits, so the IOPS bucket is still ready when the bytes one is.
    return ready;
  }

  release(at: Ns): R {
    const { request } = this.held[this.head++];
    this.iops?.take(1, at);
    this.bps?.take(request.bytes, at);
    if (this.head === this.held.length) {
      this.held.length = 0;
      this.head = 0;
    }
    return request;
  }
}

function bucket(rate: number | undefined, sliceNs: Ns, what: string): Bucket | null {
  if (rate === undefined) return null;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`throttle: ${what} must be a finite number > 0 (leave it out for no limit), not ${rate}`);
  return new Bucket(rate, sliceNs);
}

class Throttle<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name: string;
  private readonly inner: QueueDiscipline<R>;
  private readonly lanes = new Map<string, Lane<R>>();
  private held = 0;

  constructor(private readonly params: ThrottleParams<R>) {
    if (!params.inner) throw new Error('throttle: needs an inner discipline (params.inner)');
    this.inner = params.inner;
    this.name = `throttle+${this.inner.name}`;
  }

  get backlog(): number {
    return this.held + this.inner.backlog;
  }

  enqueue(request: R, now: Ns): boolean {
    const lane = this.lane(request);
    if (!lane) return this.inner.enqueue(request, now);
    lane.held.push({ request, at: now });
    this.held++;
    this.releaseDue(now);
    return true;
  }

  dequeue(now: Ns): Dequeued<R> {
    const nextRelease = this.releaseDue(now);
    const d = this.inner.dequeue(now);
    if (d.kind === 'serve' || nextRelease === Infinity) return d;
    return { kind: 'wait', at: d.kind === 'wait' ? Math.min(d.at, nextRelease) : nextRelease };
  }

  completed(request: R, now: Ns): void {
    this.inner.completed?.(request, now);
  }

  /** Hands every request whose tokens are there by `now` to the inner discipline, earliest first; returns when the next one will be. */
  private releaseDue(now: Ns): Ns {
    for (;;) {
      let first: Lane<R> | null = null;
      let firstAt = Infinity;
      for (const lane of this.lanes.values()) {
        if (lane.waiting === 0) continue;
        const at = lane.headReadyAt();
        if (at < firstAt) {
          firstAt = at;
          first = lane;
        }
      }
      if (!first || firstAt > now) return firstAt;
      this.held--;
      // Refused by the inner discipline: the request is lost there, as a full device queue drops it.
      this.inner.enqueue(first.release(firstAt), firstAt);
    }
  }

  private lane(request: R): Lane<R> | null {
    const limits = this.params.streams?.[request.flow];
    if (!limits) return null;
    const key = `${request.write ? 'w' : 'r'}${request.flow}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      const slice = this.params.sliceNs ?? THROTL_SLICE_NS;
      const [iops, bps] = request.write ? [limits.wiops, limits.wbps] : [limits.riops, limits.rbps];
      const dir = request.write ? 'w' : 'r';
      if (iops === undefined && bps === undefined) return null;
      lane = new Lane<R>(bucket(iops, slice, `${dir}iops of ${request.flow}`), bucket(bps, slice, `${dir}bps of ${request.flow}`));
      this.lanes.set(key, lane);
    }
    return lane;
  }
}

export const throttleQdisc: QueueDisciplineFactory = {
  summary: 'blk-throttle io.max per stream (riops, wiops, rbps, wbps token buckets) in front of an inner discipline',
  create: <R extends QueuedRequest>(params: Record<string, unknown>) => new Throttle<R>(params as unknown as ThrottleParams<R>),
};
