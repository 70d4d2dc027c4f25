// A deadline-driven latency scheduler in the style of Façade (Lumb, Merchant, Alvarez, FAST 2003;
// io-qos.md §1.7): each request's deadline is its arrival plus its stream's latency target, and the
// device serves the earliest deadline first. pClock (io-qos.md §1.5) adds per-stream arrival curves
// (σ, ρ) in front; here that shaping is the throttle layer's (io.max, seed §5.4), so a stream that
// stays within its curve meets its target when the shaped demand of all streams fits the device
// (the EDF demand-bound test; test/qdisc-edf.test.ts).
//
// Deadlines: `latency[flow]` (ns) when the stream declares one, taken from the request's arrival
// at this discipline (Façade's target); otherwise the request's own deadline (a storage stream's
// max latency from its issue by the guest, io.ts). Requests without one are served after every
// request with one, in arrival order (best effort). Ties go to the earlier arrival. Façade's
// adaptive device queue depth is not modelled: the device's units are its queue depth. [M]

import type { Ns } from '../system.js';
import type { QueueDiscipline, QueueDisciplineFactory, QueuedRequest } from '../qdisc.js';

export interface EdfParams {
  /** Latency target per stream, ns; a stream not listed uses its requests' own deadlines. */
  readonly latency?: Readonly<Record<string, Ns>>;
}

interface Entry<R> {
  readonly request: R;
  readonly deadline: number;
  readonly sequence: number;
}

const before = <R>(a: Entry<R>, b: Entry<R>) => a.deadline < b.deadline || (a.deadline === b.deadline && a.sequence < b.sequence);

class Edf<R extends QueuedRequest> implements QueueDiscipline<R> {
  readonly name = 'edf';
  /** A binary min-heap on (deadline, arrival order). */
  private readonly heap: Entry<R>[] = [];
  private sequence = 0;

  constructor(private readonly params: EdfParams) {
    for (const [flow, ns] of Object.entries(params.latency ?? {})) if (!(ns > 0) || !Number.isFinite(ns)) throw new Error(`edf: latency target of stream ${flow} must be a finite duration > 0, not ${ns}`);
  }

  get backlog(): number {
    return this.heap.length;
  }

  enqueue(request: R, now: Ns): boolean {
    const target = this.params.latency?.[request.flow];
    const entry = { request, deadline: target !== undefined ? now + target : request.deadlineNs, sequence: this.sequence++ };
    const h = this.heap;
    h.push(entry);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
    return true;
  }

  dequeue() {
    const h = this.heap;
    if (h.length === 0) return { kind: 'idle' } as const;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return { kind: 'serve', request: top.request } as const;
  }
}

export const edfQdisc: QueueDisciplineFactory = {
  summary: 'earliest deadline first on arrival + the stream\'s latency target (Façade, FAST 2003); no deadline: last, FIFO',
  create: <R extends QueuedRequest>(params: Record<string, unknown> = {}) => new Edf<R>(params as EdfParams),
};
