// Strict priority, Linux `sch_prio` (io-qos.md §2.3: the EF class above the rest): classes in
// priority order, the first the highest; a lower class is served only when every higher one is
// empty. Each class has its own bounded queue (class-queue.ts).

import type { Dequeued, QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';
import { ClassQueue, classIndex, classOf, type NamedClass } from './class-queue.js';

export interface PrioParams {
  /** Highest priority first; a packet whose class is not listed goes to the last. */
  readonly classes: readonly NamedClass[];
}

class Prio<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name = 'prio';
  private readonly index: Map<string, number>;
  private readonly queues: ClassQueue<R>[];
  private queued = 0;

  constructor(params: PrioParams) {
    this.index = classIndex(params.classes, 'prio');
    this.queues = params.classes.map((c) => new ClassQueue<R>(c, `prio class ${c.name}`));
  }

  get backlog(): number {
    return this.queued;
  }

  enqueue(request: R): boolean {
    const ok = this.queues[classOf(this.index, request.flow, this.queues.length - 1)].push(request);
    if (ok) this.queued++;
    return ok;
  }

  dequeue(): Dequeued<R> {
    for (const q of this.queues) {
      if (q.length > 0) {
        this.queued--;
        return { kind: 'serve', request: q.shift() };
      }
    }
    return { kind: 'idle' };
  }
}

export const prioQdisc: QueueDisciplineFactory = {
  summary: 'strict priority among classes (first listed highest), a bounded queue each',
  create: <R extends QueuedRequest>(params: Record<string, unknown>) => new Prio<R>(params as unknown as PrioParams),
};
