// Token bucket filter, Linux `tc-tbf` (io-qos.md §2.1): a packet leaves only when the bucket holds
// its length in tokens (bytes, refilled at `rate` up to `burst`); otherwise it waits in a queue
// bounded by `limitBytes` (default rate × 50 ms, io-qos.md §4.1). A packet longer than the bucket
// could never leave and is dropped at enqueue, as tbf_enqueue drops a packet over max_size. Not
// work-conserving: in any window of length t at most burst + rate·t bytes leave (io-qos.md A7).

import type { Ns } from '../system.js';
import type { Dequeued, QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';
import { ClassQueue } from './class-queue.js';
import { TokenBucket } from './token-bucket.js';

export interface TbfParams {
  /** Bytes per second. */
  readonly rate: number;
  /** Bucket depth in bytes. */
  readonly burst: number;
  /** Queue bound in bytes; default rate × 50 ms (at least one burst). */
  readonly limitBytes?: number;
  readonly limitPackets?: number;
}

/** io-qos.md §4.1: TBF limit = rate × 50 ms. */
export const TBF_DEFAULT_LATENCY_NS = 50_000_000;

class Tbf<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name = 'tbf';
  private readonly bucket: TokenBucket;
  private readonly queue: ClassQueue<R>;

  constructor(params: TbfParams) {
    this.bucket = new TokenBucket(params.rate, params.burst);
    const limitBytes = params.limitBytes ?? Math.max(params.burst, (params.rate * TBF_DEFAULT_LATENCY_NS) / 1e9);
    this.queue = new ClassQueue<R>({ limitBytes, limitPackets: params.limitPackets ?? Number.MAX_SAFE_INTEGER }, 'tbf');
  }

  get backlog(): number {
    return this.queue.length;
  }

  enqueue(request: R): boolean {
    if (request.bytes > this.bucket.depth) return false;
    return this.queue.push(request);
  }

  dequeue(now: Ns): Dequeued<R> {
    const head = this.queue.peek();
    if (!head) return { kind: 'idle' };
    if (!this.bucket.holds(head.bytes, now)) return { kind: 'wait', at: this.bucket.readyAt(head.bytes, now) };
    this.bucket.take(head.bytes, now);
    return { kind: 'serve', request: this.queue.shift() };
  }
}

export const tbfQdisc: QueueDisciplineFactory = {
  summary: 'token bucket filter: rate (B/s), burst (B), queue limit; never more than burst + rate·t in t',
  create: <R extends QueuedRequest>(params: Record<string, unknown>) => new Tbf<R>(params as unknown as TbfParams),
};
