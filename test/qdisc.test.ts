// The queueing-discipline seam: a device server with a discipline, checked against queueing
// truths (FIFO finish times on one and on parallel units) and the protocol every discipline must
// keep (each enqueued request served once, in an order the discipline chose, never before it may).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServedRequest } from '../src/engine/device.js';
import { QDISCS, type QueueDiscipline } from '../src/engine/qdisc.js';
import { checked, serve } from './helpers/qdisc.js';
import { ms } from './helpers/scenario.js';

describe('device server with a FIFO discipline', () => {
  it('n requests arriving together on one unit finish at s, 2s, …, ns', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 5_000_000 }), (n, s) => {
        const { finished, server } = serve(checked(QDISCS.fifo.create({})), 1, Array.from({ length: n }, () => ({ at: 0, serviceNs: s })));
        expect(finished).toEqual(Array.from({ length: n }, (_, k) => (k + 1) * s));
        expect(server.served).toBe(n);
        expect(server.busyNs).toBe(n * s);
      }),
      { numRuns: 50, seed: 7 },
    );
  });

  it('on k parallel units, request j of n simultaneous ones finishes at ⌈(j+1)/k⌉·s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 8 }), (n, k) => {
        const s = ms(1);
        const { finished } = serve(checked(QDISCS.fifo.create({})), k, Array.from({ length: n }, () => ({ at: 0, serviceNs: s })));
        expect(finished).toEqual(Array.from({ length: n }, (_, j) => Math.ceil((j + 1) / k) * s));
      }),
      { numRuns: 50, seed: 8 },
    );
  });

  it('Lindley: with random arrivals each finish is max(arrival, previous finish) + service', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3_000 }), serviceNs: fc.integer({ min: 1, max: 2_000 }) }), { minLength: 1, maxLength: 40 }), (raw) => {
        let at = 0;
        const subs = raw.map((r) => ({ at: (at += r.gap), serviceNs: r.serviceNs }));
        const { finished } = serve(checked(QDISCS.fifo.create({})), 1, subs);
        let prev = 0;
        subs.forEach((s, i) => {
          prev = Math.max(s.at, prev) + s.serviceNs;
          expect(finished[i]).toBe(prev);
        });
      }),
      { numRuns: 100, seed: 9 },
    );
  });
});

describe('the server honours what a discipline decides', () => {
  /** A toy shaper: at most one start per `gapNs`, and at most `limit` queued (more are dropped). */
  function paced(gapNs: number, limit: number): QueueDiscipline<ServedRequest> {
    const fifo = QDISCS.fifo.create<ServedRequest>({});
    let nextStart = 0;
    return {
      name: 'paced',
      get backlog() {
        return fifo.backlog;
      },
      enqueue: (r, now) => fifo.backlog < limit && fifo.enqueue(r, now),
      dequeue(now) {
        if (fifo.backlog === 0) return fifo.dequeue(now);
        if (now < nextStart) return { kind: 'wait', at: nextStart };
        nextStart = now + gapNs;
        return fifo.dequeue(now);
      },
    };
  }

  it('"not before t" delays the next start to t, on a server with free units', () => {
    const { finished } = serve(checked(paced(ms(10), 100)), 4, Array.from({ length: 5 }, () => ({ at: 0, serviceNs: ms(1) })));
    expect(finished).toEqual([1, 11, 21, 31, 41].map(ms));
  });

  it('a refused request is counted as dropped and never served', () => {
    const { finished, server } = serve(checked(paced(ms(10), 2)), 1, Array.from({ length: 5 }, () => ({ at: 0, serviceNs: ms(1) })));
    // The first starts at once (queue empty again), two wait, two are refused.
    expect(server.dropped).toBe(2);
    expect(server.served).toBe(3);
    expect(finished.filter((f) => !Number.isNaN(f))).toEqual([1, 11, 21].map(ms));
  });
});
