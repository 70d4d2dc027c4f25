// Linux mq-deadline (block/mq-deadline.c, __dd_dispatch_request; io-qos.md §1.7): per direction a
// FIFO by expiry and a list sorted by offset (the kernel's sector rb-tree). Requests go out in
// batches of one direction, in ascending offset from where the last one of that direction ended,
// of at most `fifo_batch`; expiry is looked at only when a batch starts:
//   - a batch continues while it has a next request in offset order and fewer than fifo_batch;
//   - otherwise reads are chosen when there are any, unless writes are pending and have already
//     been passed over `writes_starved` times (the `starved++ >= writes_starved` test), in which
//     case writes go (and `starved` resets);
//   - a new batch starts at the oldest request of its direction if that one has expired (or there is
//     nothing further in offset order), else at the next request in offset order.
// Defaults are the kernel's: read_expire 500 ms, write_expire 5 s, writes_starved 2, fifo_batch 16.
// Not modelled [M]: request merging (front_merges), the RT/BE/IDLE priority queues with
// prio_aging_expire, zoned-device write locking. Offsets absent count as 0.

import type { Ns } from '../system.js';
import type { Dequeued, QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';

export interface MqDeadlineParams {
  readonly readExpireNs?: Ns;
  readonly writeExpireNs?: Ns;
  readonly writesStarved?: number;
  readonly fifoBatch?: number;
}

/** The kernel's defaults (mq-deadline.c: read_expire = HZ/2, write_expire = 5*HZ, writes_starved = 2, fifo_batch = 16). */
export const MQ_DEADLINE_DEFAULTS = { readExpireNs: 500_000_000, writeExpireNs: 5_000_000_000, writesStarved: 2, fifoBatch: 16 } as const;

const READ = 0;
const WRITE = 1;
type Direction = typeof READ | typeof WRITE;

interface Entry<R> {
  readonly request: R;
  readonly offset: number;
  readonly expiresAt: Ns;
  readonly sequence: number;
}

class DirectionQueue<R> {
  /** In arrival order = expiry order (one expiry per direction). */
  readonly fifo: Entry<R>[] = [];
  /** By (offset, arrival). */
  readonly sorted: Entry<R>[] = [];
  /** Where the last request of this direction ended (the kernel's latest_pos). */
  latestPos = 0;

  get size(): number {
    return this.sorted.length;
  }

  add(e: Entry<R>): void {
    this.fifo.push(e);
    // Binary insertion after equal offsets keeps arrival order among them.
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].offset <= e.offset) lo = mid + 1;
      else hi = mid;
    }
    this.sorted.splice(lo, 0, e);
  }

  /** The first request at or after latestPos (deadline_from_pos), or null. */
  nextInOrder(): Entry<R> | null {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].offset < this.latestPos) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.sorted.length ? this.sorted[lo] : null;
  }

  remove(e: Entry<R>, bytes: number): void {
    this.fifo.splice(this.fifo.indexOf(e), 1);
    this.sorted.splice(this.sorted.indexOf(e), 1);
    this.latestPos = e.offset + bytes;
  }
}

class MqDeadline<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name = 'mq-deadline';
  private readonly dirs: [DirectionQueue<R>, DirectionQueue<R>] = [new DirectionQueue<R>(), new DirectionQueue<R>()];
  private readonly expireNs: [Ns, Ns];
  private readonly writesStarved: number;
  private readonly fifoBatch: number;
  private lastDir: Direction = READ;
  private batching = 0;
  private starved = 0;
  private sequence = 0;
  /** Batches started so far, by direction (tests and reports read them). */
  readonly batches: [number, number] = [0, 0];

  constructor(params: MqDeadlineParams) {
    const p = { ...MQ_DEADLINE_DEFAULTS, ...params };
    for (const [name, value] of Object.entries(p)) {
      if (!Number.isInteger(value) || value < (name === 'writesStarved' ? 0 : 1)) throw new Error(`mq-deadline: ${name} must be a whole number ≥ ${name === 'writesStarved' ? 0 : 1}, not ${value}`);
    }
    this.expireNs = [p.readExpireNs, p.writeExpireNs];
    this.writesStarved = p.writesStarved;
    this.fifoBatch = p.fifoBatch;
  }

  get backlog(): number {
    return this.dirs[READ].size + this.dirs[WRITE].size;
  }

  enqueue(request: R, now: Ns): boolean {
    const dir: Direction = request.write ? WRITE : READ;
    // fifo_time is set when the request is inserted into the scheduler (dd_insert_request).
    this.dirs[dir].add({ request, offset: request.offset ?? 0, expiresAt: now + this.expireNs[dir], sequence: this.sequence++ });
    return true;
  }

  dequeue(now: Ns): Dequeued<R> {
    if (this.backlog === 0) return { kind: 'idle' };
    // Still entitled to batch: the next request of the last direction in offset order.
    const cont = this.dirs[this.lastDir].nextInOrder();
    if (cont && this.batching < this.fifoBatch) return this.dispatch(this.lastDir, cont);
    let dir: Direction;
    if (this.dirs[READ].size > 0) {
      dir = this.dirs[WRITE].size > 0 && this.starved++ >= this.writesStarved ? WRITE : READ;
    } else dir = WRITE;
    if (dir === WRITE) this.starved = 0;
    const q = this.dirs[dir];
    const next = q.nextInOrder();
    // An expired FIFO head, or nothing further up in offset order: restart from the oldest request.
    const oldest = q.fifo[0];
    const first = next === null || oldest.expiresAt <= now ? oldest : next;
    this.lastDir = dir;
    this.batching = 0;
    this.batches[dir]++;
    return this.dispatch(dir, first);
  }

  private dispatch(dir: Direction, e: Entry<R>): Dequeued<R> {
    this.batching++;
    this.dirs[dir].remove(e, e.request.bytes);
    return { kind: 'serve', request: e.request };
  }
}

export const mqDeadlineQdisc: QueueDisciplineFactory = {
  summary: 'Linux mq-deadline: read/write FIFOs with expiry, sector-ordered batches, writes_starved',
  create: <R extends QueuedRequest>(params: Record<string, unknown>) => new MqDeadline<R>(params as MqDeadlineParams),
};

export { MqDeadline };
