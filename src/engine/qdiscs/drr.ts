// Deficit round robin (Shreedhar & Varghese 1995; Linux `sch_drr`; io-qos.md §2.3): backlogged
// classes take turns; on its turn a class adds its quantum to its deficit and sends head packets
// while the head fits in the deficit; an emptied class leaves the round and its deficit resets to
// 0. Byte shares of backlogged classes are proportional to their quanta. Work-conserving.

import type { Dequeued, QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';
import { ClassQueue, classIndex, classOf, type NamedClass } from './class-queue.js';

export interface DrrClass extends NamedClass {
  /** Bytes per round (> 0); default the MTU, 1600 B (io-qos.md §2.2). */
  readonly quantum?: number;
}

export interface DrrParams {
  /** A packet whose class is not listed goes to the last. */
  readonly classes: readonly DrrClass[];
}

export const DEFAULT_MTU = 1600;

class Drr<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name = 'drr';
  private readonly index: Map<string, number>;
  private readonly queues: ClassQueue<R>[];
  private readonly quanta: number[];
  private readonly deficits: number[];
  /** Backlogged classes in round order; the head holds the turn. */
  private readonly active: number[] = [];
  /** Whether the head class already added its quantum for this turn. */
  private turnStarted = false;
  private queued = 0;

  constructor(params: DrrParams) {
    this.index = classIndex(params.classes, 'drr');
    this.queues = params.classes.map((c) => new ClassQueue<R>(c, `drr class ${c.name}`));
    this.quanta = params.classes.map((c) => {
      const q = c.quantum ?? DEFAULT_MTU;
      if (!(q > 0)) throw new Error(`drr class ${c.name}: quantum must be > 0, not ${q}`);
      return q;
    });
    this.deficits = params.classes.map(() => 0);
  }

  get backlog(): number {
    return this.queued;
  }

  enqueue(request: R): boolean {
    const c = classOf(this.index, request.flow, this.queues.length - 1);
    if (!this.queues[c].push(request)) return false;
    this.queued++;
    if (this.queues[c].length === 1) this.active.push(c);
    return true;
  }

  dequeue(): Dequeued<R> {
    // Each pass either sends or moves the turn on with a larger deficit, so it ends.
    while (this.active.length > 0) {
      const c = this.active[0];
      const q = this.queues[c];
      if (!this.turnStarted) {
        this.deficits[c] += this.quanta[c];
        this.turnStarted = true;
      }
      const head = q.peek()!;
      if (head.bytes <= this.deficits[c]) {
        this.deficits[c] -= head.bytes;
        this.queued--;
        const request = q.shift();
        if (q.length === 0) {
          this.deficits[c] = 0;
          this.active.shift();
          this.turnStarted = false;
        }
        return { kind: 'serve', request };
      }
      this.active.push(this.active.shift()!);
      this.turnStarted = false;
    }
    return { kind: 'idle' };
  }
}

export const drrQdisc: QueueDisciplineFactory = {
  summary: 'deficit round robin among classes: byte shares in proportion to quanta, a bounded queue each',
  create: <R extends QueuedRequest>(params: Record<string, unknown>) => new Drr<R>(params as unknown as DrrParams),
};
