// Hierarchical token bucket, Linux `sch_htb` (io-qos.md §2.2): a root with the link's `rate`, inner
// classes (those some class names as its `parent`) and leaf classes, each with rate, ceil, burst,
// cburst; leaves also prio and quantum, and the packet queues. A class with no parent hangs from
// the root.
//
// Each class has a rate bucket and a ceil bucket (bytes; tokens may go negative after a packet); the
// root's ceil is its rate. Mode (htb_class_mode, without hysteresis as htb_hysteresis = 0): red when
// ceil tokens < 0, green when rate tokens >= 0, otherwise yellow (may borrow). A backlogged leaf can
// send at level 0 when green; when yellow it climbs through yellow ancestors to the first green one
// and sends at that ancestor's level, or not at all if it meets a red one first (a yellow class sits
// on its parent's feed, io-qos.md §2.2 step 1). Levels as sch_htb numbers them: leaves 0, inner
// classes counted down from the root's TC_HTB_MAXDEPTH − 1 = 7 by depth, so borrowing from the
// nearest ancestor comes first ("spare capacity goes first to the nearest ancestor's children").
// Dequeue (htb_dequeue): the lowest level with a class that may send, then its lowest prio; there,
// sch_htb's round robin through rows and inner feeds picks the leaf, by deficit round robin with
// each leaf's quantum (htb-round-robin.ts: htb_lookup_leaf, htb_dequeue_tree).
// A packet is charged (htb_charge_class) to the ceil bucket of the leaf and every ancestor, and to
// the rate bucket of the classes from the lending level upward; classes below it are not charged
// against their rate. Nothing sendable: ask again at the earliest instant a backlogged leaf could
// send. So a backlogged leaf gets at least min(demand, rate) when its ancestors' rates cover their
// children's, no class exceeds its ceil, and an inner class's spare goes to its own children first.

import type { Ns } from '../system.js';
import type { Dequeued, QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';
import { ClassQueue, classIndex, classOf, type NamedClass } from './class-queue.js';
import { DEFAULT_MTU } from './drr.js';
import { HtbRoundRobin, MAX_DEPTH, type HtbMode, type RoundRobinClass } from './htb-round-robin.js';
import { TokenBucket } from './token-bucket.js';

export interface HtbClass extends NamedClass {
  /** Guaranteed bytes/s (> 0). */
  readonly rate: number;
  /** Borrowing cap in bytes/s (>= rate); default rate. */
  readonly ceil?: number;
  /** Bytes; default rate/HZ + mtu (HZ 1000). */
  readonly burst?: number;
  readonly cburst?: number;
  /** 0–7, lower is offered bandwidth first; default 0 (leaves). */
  readonly prio?: number;
  /** DRR quantum in bytes; default rate / r2q (10) clamped to 1000–200 000 (leaves). */
  readonly quantum?: number;
  /** The inner class it hangs from (another class of the list); absent: the root. */
  readonly parent?: string;
}

export interface HtbParams {
  /** The root's rate in bytes/s: what the classes below it share. */
  readonly rate: number;
  readonly burst?: number;
  /** A packet whose class is not a listed leaf goes to the last (the `default` class, a leaf). */
  readonly classes: readonly HtbClass[];
}

const HZ = 1000;
const R2Q = 10;
/** Levels 0 (leaves) to 7 (the root): sch_htb's TC_HTB_MAXDEPTH. */
const ROOT_LEVEL = MAX_DEPTH - 1;
const defaultBurst = (rate: number) => rate / HZ + DEFAULT_MTU;

/** The root, an inner class or a leaf: its buckets, its level and its parent. */
interface Node extends RoundRobinClass {
  readonly tokens: TokenBucket;
  /** The root's is its rate bucket (its ceil is its rate). */
  readonly ctokens: TokenBucket;
  readonly parent: Node | null;
}

interface Leaf<R extends QueuedRequest> extends Node {
  readonly queue: ClassQueue<R>;
  readonly prio: number;
  readonly quantum: number;
  /** DRR deficit per level. */
  readonly deficit: number[];
}

/** The classes' depth below the root (1 for a root child), refusing unknown parents, cycles and trees deeper than sch_htb's. */
function depths(classes: readonly HtbClass[], index: Map<string, number>): number[] {
  const depth: (number | undefined)[] = classes.map(() => undefined);
  const of = (i: number, seen: Set<number>): number => {
    const known = depth[i];
    if (known !== undefined) return known;
    const c = classes[i];
    if (seen.has(i)) throw new Error(`htb class ${c.name}: its parents form a cycle`);
    seen.add(i);
    let d = 1;
    if (c.parent !== undefined) {
      const p = index.get(c.parent);
      if (p === undefined) throw new Error(`htb class ${c.name}: parent ${c.parent} is not a class of this htb`);
      d = of(p, seen) + 1;
    }
    // An inner class's level is 7 − depth and must stay ≥ 1: at most 6 levels of inner classes.
    if (d > MAX_DEPTH - 1) throw new Error(`htb class ${c.name}: deeper than htb's ${MAX_DEPTH} levels`);
    depth[i] = d;
    return d;
  };
  return classes.map((_, i) => of(i, new Set()));
}

class Htb<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name = 'htb';
  private readonly index: Map<string, number>;
  /** Per class of the list: its leaf, or undefined for an inner class. */
  private readonly leafOf: (Leaf<R> | undefined)[];
  private readonly leaves: Leaf<R>[];
  private readonly fallback: number;
  private readonly roundRobin = new HtbRoundRobin<Node>();
  private queued = 0;
  /** Packets sent on borrowed bandwidth (Linux's `borrowed` counter). */
  borrowed = 0;

  constructor(params: HtbParams) {
    this.index = classIndex(params.classes, 'htb');
    const rootBucket = new TokenBucket(params.rate, params.burst ?? defaultBurst(params.rate));
    const root: Node = { tokens: rootBucket, ctokens: rootBucket, level: ROOT_LEVEL, parent: null, order: -1, isLeaf: false };
    const inner = new Set(params.classes.flatMap((c) => (c.parent === undefined ? [] : [c.parent])));
    const depth = depths(params.classes, this.index);
    const last = params.classes[params.classes.length - 1];
    if (inner.has(last.name)) throw new Error(`htb class ${last.name}: the default (last) class must be a leaf, not a parent`);
    const nodes = new Map<number, Node>();
    // Parents before children: build in order of depth.
    const order = params.classes.map((_, i) => i).sort((a, b) => depth[a] - depth[b] || a - b);
    this.leafOf = params.classes.map(() => undefined);
    for (const i of order) {
      const c = params.classes[i];
      const ceil = c.ceil ?? c.rate;
      if (!(ceil >= c.rate)) throw new Error(`htb class ${c.name}: ceil (${ceil}) must be >= rate (${c.rate})`);
      const parent = c.parent === undefined ? root : nodes.get(this.index.get(c.parent)!)!;
      const buckets = { tokens: new TokenBucket(c.rate, c.burst ?? defaultBurst(c.rate)), ctokens: new TokenBucket(ceil, c.cburst ?? defaultBurst(ceil)), parent, order: i };
      if (inner.has(c.name)) {
        nodes.set(i, { ...buckets, level: ROOT_LEVEL - depth[i], isLeaf: false });
        continue;
      }
      const quantum = c.quantum ?? Math.min(200_000, Math.max(1_000, c.rate / R2Q));
      if (!(quantum > 0)) throw new Error(`htb class ${c.name}: quantum must be > 0`);
      const leaf: Leaf<R> = { ...buckets, level: 0, isLeaf: true, queue: new ClassQueue<R>(c, `htb class ${c.name}`), prio: c.prio ?? 0, quantum, deficit: Array.from({ length: MAX_DEPTH }, () => 0) };
      nodes.set(i, leaf);
      this.leafOf[i] = leaf;
    }
    this.leaves = this.leafOf.filter((l): l is Leaf<R> => l !== undefined);
    this.fallback = params.classes.length - 1;
  }

  get backlog(): number {
    return this.queued;
  }

  enqueue(request: R): boolean {
    // A packet classified to an inner class goes to the default leaf, as an unlisted one (htb_classify
    // takes a classid only when it names a leaf, else falls through to the default class).
    const leaf = this.leafOf[classOf(this.index, request.flow, this.fallback)] ?? this.leafOf[this.fallback]!;
    const ok = leaf.queue.push(request);
    if (ok) this.queued++;
    return ok;
  }

  dequeue(now: Ns): Dequeued<R> {
    if (this.queued === 0) return { kind: 'idle' };
    this.refresh(now);
    const row = this.roundRobin.firstRow();
    if (row === null) return { kind: 'wait', at: this.nextSendable(now) };
    const { level, prio } = row;
    const leaf = this.roundRobin.lookupLeaf(level, prio) as Leaf<R>;
    const request = leaf.queue.shift();
    this.queued--;
    if (level > 0) this.borrowed++;
    for (let n: Node | null = leaf; n !== null; n = n.parent) {
      if (n.level >= level) n.tokens.take(request.bytes, now);
      if (n.ctokens !== n.tokens) n.ctokens.take(request.bytes, now);
    }
    leaf.deficit[level] -= request.bytes;
    if (leaf.deficit[level] < 0) {
      leaf.deficit[level] += leaf.quantum;
      this.roundRobin.passTurn(leaf, level, prio);
    }
    // The emptied leaf leaves its tree and the charged classes change mode now, as in htb_dequeue_tree.
    this.refresh(now);
    return { kind: 'serve', request };
  }

  /** Rows and feeds as the classes' modes and the backlogged leaves have them at `now`. */
  private refresh(now: Ns): void {
    const modeOf = (n: Node): HtbMode => (!n.ctokens.holds(0, now) ? 'red' : n.tokens.holds(0, now) ? 'green' : 'yellow');
    this.roundRobin.update(
      this.leaves.filter((l) => l.queue.length > 0).map((leaf) => ({ leaf, prio: leaf.prio })),
      modeOf,
    );
  }

  /**
   * The earliest instant a backlogged leaf could send, charges aside: for each lender it could use
   * (itself or an ancestor), when every ceil bucket up to the lender and the lender's rate bucket
   * have refilled to zero.
   */
  private nextSendable(now: Ns): Ns {
    let at = Infinity;
    for (const leaf of this.leaves) {
      if (leaf.queue.length === 0) continue;
      let ceilsOk = now;
      for (let n: Node | null = leaf; n !== null; n = n.parent) {
        ceilsOk = Math.max(ceilsOk, n.ctokens.readyAt(0, now));
        at = Math.min(at, Math.max(ceilsOk, n.tokens.readyAt(0, now)));
      }
    }
    return Math.max(at, now + 1);
  }
}

export const htbQdisc: QueueDisciplineFactory = {
  summary: 'hierarchical token bucket (root, inner classes, leaves): each leaf its rate, borrowing up to ceil from its nearest green ancestor, prio then DRR',
  create: <R extends QueuedRequest>(params: Record<string, unknown>) => new Htb<R>(params as unknown as HtbParams),
};
