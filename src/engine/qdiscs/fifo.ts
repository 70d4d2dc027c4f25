// First come, first served, unbounded (Linux's pfifo without a limit; the `none` I/O scheduler of
// blk-mq for a device that serves requests in arrival order).

import type { QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';

class Fifo<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name = 'fifo';
  private readonly waiting: R[] = [];
  private head = 0;

  get backlog(): number {
    return this.waiting.length - this.head;
  }

  enqueue(request: R): boolean {
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
  summary: 'first come, first served, no limit',
  create: <R extends QueuedRequest>() => new Fifo<R>(),
};
