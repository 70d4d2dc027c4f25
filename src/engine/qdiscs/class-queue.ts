// A class's packet queue with the limits of a Linux leaf qdisc (pfifo `limit` packets, bfifo
// `limit` bytes; io-qos.md §2.2: the leaf default is pfifo with limit = txqueuelen, 1000 packets).
// A packet that would exceed either limit is refused: the "queue full" drop of io-qos.md §2.5.

import type { QueuedRequest } from '../qdisc.js';

/** Leaf limits; absent = txqueuelen packets (1000, io-qos.md §2.2), no byte limit. */
export interface QueueLimits {
  readonly limitPackets?: number;
  readonly limitBytes?: number;
}

export const TXQUEUELEN = 1000;

export class ClassQueue<R extends QueuedRequest> {
  private readonly items: R[] = [];
  private head = 0;
  bytes = 0;
  private readonly limitPackets: number;
  private readonly limitBytes: number;

  constructor(limits: QueueLimits = {}, what = 'class') {
    this.limitPackets = limits.limitPackets ?? TXQUEUELEN;
    this.limitBytes = limits.limitBytes ?? Infinity;
    if (!(this.limitPackets >= 1)) throw new Error(`${what}: limitPackets must be >= 1, not ${limits.limitPackets}`);
    if (!(this.limitBytes >= 1)) throw new Error(`${what}: limitBytes must be >= 1, not ${limits.limitBytes}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  peek(): R | undefined {
    return this.length === 0 ? undefined : this.items[this.head];
  }

  /** False when the packet would exceed a limit (dropped, queue full). */
  push(request: R): boolean {
    if (this.length + 1 > this.limitPackets || this.bytes + request.bytes > this.limitBytes) return false;
    this.items.push(request);
    this.bytes += request.bytes;
    return true;
  }

  shift(): R {
    const r = this.items[this.head++];
    this.bytes -= r.bytes;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    return r;
  }
}

/** Parameters naming classes: each packet's `flow` field is the name of the class it was classified into. */
export interface NamedClass extends QueueLimits {
  readonly name: string;
}

/** The class names of `classes`, refusing duplicates and an empty list. */
export function classIndex(classes: readonly NamedClass[] | undefined, what: string): Map<string, number> {
  if (!classes || classes.length === 0) throw new Error(`${what}: needs at least one class (params.classes)`);
  const index = new Map<string, number>();
  classes.forEach((c, i) => {
    if (index.has(c.name)) throw new Error(`${what}: class ${c.name} is named twice`);
    index.set(c.name, i);
  });
  return index;
}

/** The class a packet goes to: its named class, else the default (the last one, as a best-effort class). [M] */
export function classOf(index: Map<string, number>, flow: string, fallback: number): number {
  return index.get(flow) ?? fallback;
}
