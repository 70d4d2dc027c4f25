// First come, first served (Linux's pfifo; the `none` I/O scheduler of blk-mq for a device that
// serves requests in arrival order): unbounded unless `limitPackets` is given (pfifo's `limit`, a
// NIC's txqueuelen, io-qos.md §2.5), past which arrivals are dropped.

import type { QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';

class Fifo<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name = 'fifo';
  private readonly waiting: R[] = [];
  private head = 0;

  constructor(private readonly limitPackets = Infinity) {}

  get backlog(): number {
    return this.waiting.length - this.head;
  }

  enqueue(request: R): boolean {
    if (this.backlog >= this.limitPackets) return false;
    this.waiting.push(request);
    return true;
  }

  dequeue() {
    if (this.head === this.waiting.length) {
      // Drained: reuse the array from the start so memory stays bounded.
      this.waiting.length = 0;
      this.head = 0;
      return { kind: 'idle' } as const;
    }
    return { kind: 'serve', request: this.waiting[this.head++] } as const;
  }
}

export const fifoQdisc: QueueDisciplineFactory = {
  summary: 'first come, first served; no limit unless limitPackets',
  create: <R extends QueuedRequest>(params: Record<string, unknown> = {}) => new Fifo<R>((params.limitPackets as number | undefined) ?? Infinity),
};
