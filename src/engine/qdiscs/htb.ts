// Hierarchical token bucket, Linux `sch_htb` (io-qos.md §2.2), on two levels: a root with the link's
// `rate` and leaf classes with rate, ceil, burst, cburst, prio and quantum. [M] Inner classes below
// the root are not modelled: every leaf borrows from the root.
//
// Each leaf has a rate bucket and a ceil bucket (bytes; tokens may go negative after a packet).
// Mode: red when ceil tokens < 0, green when rate tokens >= 0, otherwise yellow (may borrow).
// Dequeue as htb_dequeue does: first the green leaves ("level 0"), lowest prio first; then the
// yellow leaves whose root is green ("level 1", borrowing), lowest prio first; among leaves of one
// level and prio, deficit round robin by quantum (htb_dequeue_tree: a class keeps the turn until its
// deficit goes negative). A packet is charged to the leaf's ceil bucket always, to its rate bucket
// only when it was sent on the leaf's own rate, and to the root's bucket always (htb_charge_class:
// the rate bucket from the lending level upward). Nothing sendable: ask again at the earliest mode
// change. So a backlogged leaf gets at least min(demand, rate), never more than its ceil, and the
// root's spare goes to borrowers in proportion to quantum (io-qos.md §2.2 "Resulting rules").

import type { Ns } from '../system.js';
import type { Dequeued, QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';
import { ClassQueue, classIndex, classOf, type NamedClass } from './class-queue.js';
import { DEFAULT_MTU } from './drr.js';
import { TokenBucket } from './token-bucket.js';

export interface HtbClass extends NamedClass {
  /** Guaranteed bytes/s (> 0). */
  readonly rate: number;
  /** Borrowing cap in bytes/s (>= rate); default rate. */
  readonly ceil?: number;
  /** Bytes; default rate/HZ + mtu (HZ 1000). */
  readonly burst?: number;
  readonly cburst?: number;
  /** 0–7, lower is offered bandwidth first; default 0. */
  readonly prio?: number;
  /** DRR quantum in bytes; default rate / r2q (10) clamped to 1000–200 000. */
  readonly quantum?: number;
}

export interface HtbParams {
  /** The root's rate in bytes/s: what the leaves share (their rates should add up to at most this). */
  readonly rate: number;
  readonly burst?: number;
  /** A packet whose class is not listed goes to the last (the `default` class). */
  readonly classes: readonly HtbClass[];
}

const HZ = 1000;
const R2Q = 10;
const defaultBurst = (rate: number) => rate / HZ + DEFAULT_MTU;

interface Leaf<R extends QueuedRequest> {
  readonly index: number;
  readonly queue: ClassQueue<R>;
  readonly tokens: TokenBucket;
  readonly ctokens: TokenBucket;
  readonly prio: number;
  readonly quantum: number;
  /** DRR deficit per level (0: own rate, 1: borrowing). */
  readonly deficit: [number, number];
}

class Htb<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name = 'htb';
  private readonly index: Map<string, number>;
  private readonly leaves: Leaf<R>[];
  private readonly root: TokenBucket;
  /** Per "level/prio": the leaf index whose turn it is. */
  private readonly turn = new Map<string, number>();
  private queued = 0;
  /** Packets sent on borrowed bandwidth (Linux's `borrowed` counter). */
  borrowed = 0;

  constructor(params: HtbParams) {
    this.index = classIndex(params.classes, 'htb');
    this.root = new TokenBucket(params.rate, params.burst ?? defaultBurst(params.rate));
    this.leaves = params.classes.map((c, index) => {
      const ceil = c.ceil ?? c.rate;
      if (!(ceil >= c.rate)) throw new Error(`htb class ${c.name}: ceil (${ceil}) must be >= rate (${c.rate})`);
      const quantum = c.quantum ?? Math.min(200_000, Math.max(1_000, c.rate / R2Q));
      if (!(quantum > 0)) throw new Error(`htb class ${c.name}: quantum must be > 0`);
      return {
        index,
        queue: new ClassQueue<R>(c, `htb class ${c.name}`),
        tokens: new TokenBucket(c.rate, c.burst ?? defaultBurst(c.rate)),
        ctokens: new TokenBucket(ceil, c.cburst ?? defaultBurst(ceil)),
        prio: c.prio ?? 0,
        quantum,
        deficit: [0, 0],
      };
    });
  }

  get backlog(): number {
    return this.queued;
  }

  enqueue(request: R): boolean {
    const ok = this.leaves[classOf(this.index, request.flow, this.leaves.length - 1)].queue.push(request);
    if (ok) this.queued++;
    return ok;
  }

  dequeue(now: Ns): Dequeued<R> {
    if (this.queued === 0) return { kind: 'idle' };
    const rootGreen = this.root.holds(0, now);
    for (const level of [0, 1] as const) {
      if (level === 1 && !rootGreen) break;
      const ready = this.leaves.filter((l) => l.queue.length > 0 && this.mode(l, now) === (level === 0 ? 'green' : 'yellow'));
      if (ready.length === 0) continue;
      const prio = Math.min(...ready.map((l) => l.prio));
      return { kind: 'serve', request: this.send(ready.filter((l) => l.prio === prio), level, prio, now) };
    }
    return { kind: 'wait', at: this.nextModeChange(now, rootGreen) };
  }

  private mode(leaf: Leaf<R>, now: Ns): 'red' | 'green' | 'yellow' {
    if (!leaf.ctokens.holds(0, now)) return 'red';
    return leaf.tokens.holds(0, now) ? 'green' : 'yellow';
  }

  /** DRR among `ready` (index order, as the kernel's rb-tree by class id) at this level and prio. */
  private send(ready: Leaf<R>[], level: 0 | 1, prio: number, now: Ns): R {
    const key = `${level}/${prio}`;
    const at = this.turn.get(key) ?? 0;
    const leaf = ready.find((l) => l.index >= at) ?? ready[0];
    const request = leaf.queue.shift();
    this.queued--;
    leaf.ctokens.take(request.bytes, now);
    if (level === 0) leaf.tokens.take(request.bytes, now);
    else this.borrowed++;
    this.root.take(request.bytes, now);
    leaf.deficit[level] -= request.bytes;
    if (leaf.deficit[level] < 0 || leaf.queue.length === 0) {
      leaf.deficit[level] += leaf.quantum;
      this.turn.set(key, leaf.index + 1);
    } else this.turn.set(key, leaf.index);
    return request;
  }

  /** The earliest instant a backlogged leaf turns green, or yellow under a green root. */
  private nextModeChange(now: Ns, rootGreen: boolean): Ns {
    let at = Infinity;
    for (const l of this.leaves) {
      if (l.queue.length === 0) continue;
      const ceilOk = l.ctokens.readyAt(0, now);
      at = Math.min(at, Math.max(ceilOk, l.tokens.readyAt(0, now)));
      at = Math.min(at, Math.max(ceilOk, rootGreen ? now + 1 : this.root.readyAt(0, now)));
    }
    return Math.max(at, now + 1);
  }
}

export const htbQdisc: QueueDisciplineFactory = {
  summary: 'hierarchical token bucket (root + leaves): each leaf its rate, borrowing up to ceil from the root, prio then DRR',
  create: <R extends QueuedRequest>(params: Record<string, unknown>) => new Htb<R>(params as unknown as HtbParams),
};
