// mClock against the paper's properties and dmclock's own unit tests (io-qos.md §1.2, §3):
// reservations honoured under overload when Σr ≤ capacity, spare capacity shared by weight, limits
// held, and the steady state a_i = min(l_i, max(r_i, w_i·x)) with Σa_i = capacity.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServedRequest } from '../src/engine/device.js';
import { createQdisc, type QueueDiscipline } from '../src/engine/qdisc.js';
import type { MClock, MClockParams, MClockStream } from '../src/engine/qdiscs/mclock.js';
import { fluidShares } from './helpers/mclock-fluid.js';
import { checked, closedLoop, countIn } from './helpers/qdisc.js';

const SECOND = 1_000_000_000;
const mclock = (params: MClockParams) => createQdisc<ServedRequest>({ name: 'mclock', params: params as Record<string, unknown> }) as MClock<ServedRequest>;
const request = (flow: string, at = 0): ServedRequest => ({ flow, serviceNs: 0, bytes: 4096, arrivalNs: at, deadlineNs: Infinity, done: () => {} });

/** Pulls once at `now`: the flow served, 'future' (with when), or 'none'. */
function pull(q: QueueDiscipline<ServedRequest>, now: number): string {
  const d = q.dequeue(now);
  return d.kind === 'serve' ? d.request.flow : d.kind === 'wait' ? `future@${d.at}` : 'none';
}

describe("mClock: dmclock's unit tests (io-qos.md §3, A1)", () => {
  it('pull_reservation: r = 2 and r = 1, five requests each in the past → six pulls give 4 and 2, all by reservation', () => {
    const q = mclock({ streams: { c1: { reservation: 2, weight: 0 }, c2: { reservation: 1, weight: 0 } } });
    for (let k = 0; k < 5; k++) {
      q.enqueue(request('c1'), 0);
      q.enqueue(request('c2'), 0);
    }
    const got = Array.from({ length: 6 }, () => pull(q, 100 * SECOND));
    expect(got.filter((f) => f === 'c1')).toHaveLength(4);
    expect(got.filter((f) => f === 'c2')).toHaveLength(2);
    expect(q.phases('c1')).toEqual({ reservation: 4, weight: 0 });
    expect(q.phases('c2')).toEqual({ reservation: 2, weight: 0 });
  });

  it('ready_and_under_limit: two r = 1 clients, three requests each → two per second, then "future", then "none"', () => {
    const q = mclock({ streams: { a: { reservation: 1, weight: 0 }, b: { reservation: 1, weight: 0 } } });
    for (let k = 0; k < 3; k++) {
      q.enqueue(request('a'), 0);
      q.enqueue(request('b'), 0);
    }
    for (const t of [0.5, 1.5, 2.5]) {
      const now = t * SECOND;
      expect([pull(q, now), pull(q, now)].sort()).toEqual(['a', 'b']);
      expect(pull(q, now)).toBe(t < 2 ? `future@${(t + 0.5) * SECOND}` : 'none');
    }
  });

  it('reservation_timing: r = 1/s with five requests dispatches them 1 s apart on an idle device', () => {
    const q = checked(mclock({ streams: { a: { reservation: 1, weight: 0 } } }));
    const { completions } = closedLoop(q, [{ flow: 'a', outstanding: 5 }], { serviceNs: 1000, untilNs: 4.5 * SECOND });
    expect(q.started.slice(0, 5).map((s) => s.at)).toEqual([0, 1, 2, 3, 4].map((k) => k * SECOND));
    expect(completions.get('a')).toHaveLength(5);
  });
});

/** IOPS of each stream over [from, to) when all are backlogged on a device of `capacity` IOPS. */
function measured(streams: Required<MClockStream>[], capacity: number, from: number, to: number) {
  const params = { streams: Object.fromEntries(streams.map((s, i) => [`s${i}`, s])) };
  const q = mclock(params);
  const { completions } = closedLoop(
    q,
    streams.map((_, i) => ({ flow: `s${i}`, outstanding: 16 })),
    { serviceNs: SECOND / capacity, untilNs: to },
  );
  const seconds = (to - from) / SECOND;
  return { iops: streams.map((_, i) => countIn(completions.get(`s${i}`)!, from, to) / seconds), completions };
}

describe('mClock steady state (Gulati et al.; io-qos.md §1.2)', () => {
  it('A3: on 160 IOPS, A (w 4), B (w 1), C (r 80, w 1) get 64, 16 and 80, where weights alone would give C 26.7', () => {
    const streams = [
      { reservation: 0, weight: 4, limit: 0 },
      { reservation: 0, weight: 1, limit: 0 },
      { reservation: 80, weight: 1, limit: 0 },
    ];
    const { iops } = measured(streams, 160, 10 * SECOND, 60 * SECOND);
    expect(iops[0]).toBeCloseTo(64, -0.5);
    expect(iops[1]).toBeCloseTo(16, -0.5);
    expect(iops[2]).toBeGreaterThanOrEqual(79.5);
    expect(iops[2]).toBeLessThanOrEqual(81);
  });

  it('each backlogged stream gets min(l, max(r, w·x)); reservations hold when Σr ≤ capacity; limits are never passed', () => {
    const capacity = 1000;
    const streamArb = fc
      .record({ reservation: fc.integer({ min: 0, max: 300 }), weight: fc.integer({ min: 1, max: 8 }), limitAbove: fc.option(fc.integer({ min: 20, max: 600 }), { nil: undefined }) })
      .map((s) => ({ reservation: s.reservation, weight: s.weight, limit: s.limitAbove === undefined ? 0 : s.reservation + s.limitAbove }));
    fc.assert(
      fc.property(fc.array(streamArb, { minLength: 2, maxLength: 4 }).filter((ss) => ss.reduce((a, s) => a + s.reservation, 0) <= 0.9 * capacity), (streams) => {
        const { iops, completions } = measured(streams, capacity, 3 * SECOND, 10 * SECOND);
        const expected = fluidShares(streams, capacity);
        streams.forEach((s, i) => {
          expect(Math.abs(iops[i] - expected[i]), `stream ${i} ${JSON.stringify(s)}: ${iops[i]} vs ${expected[i]}`).toBeLessThanOrEqual(0.03 * capacity);
          expect(iops[i], 'reservation honoured').toBeGreaterThanOrEqual(s.reservation * 0.98);
          if (s.limit > 0) {
            // From the start, at most l·t + 1 completions by any time t (the L tags are 1/l apart), one more
            // for a reservation-phase start that ignores L (io-qos.md §1.2).
            const over = completions.get(`s${i}`)!.findIndex((t, k) => k + 1 > (s.limit * t) / SECOND + 2);
            expect(over, `limit ${s.limit}/s passed at completion ${over}`).toBe(-1);
          }
        });
      }),
      { numRuns: 20, seed: 11 },
    );
  });

  it('limits that bind everywhere leave the device partly idle (AtLimit Wait): throughput = Σl', () => {
    const streams = [
      { reservation: 10, weight: 1, limit: 100 },
      { reservation: 0, weight: 3, limit: 200 },
    ];
    const { iops } = measured(streams, 1000, 2 * SECOND, 10 * SECOND);
    expect(iops[0]).toBeCloseTo(100, -0.5);
    expect(iops[1]).toBeCloseTo(200, -0.5);
  });

  it('an idle stream earns no credit: one that joins late shares by weight from then on, not by its missed past', () => {
    const q = checked(mclock({ streams: { early: { weight: 1 }, late: { weight: 1 } } }));
    const { completions } = closedLoop(
      q,
      [
        { flow: 'early', outstanding: 16 },
        { flow: 'late', outstanding: 16, startNs: 10 * SECOND },
      ],
      { serviceNs: SECOND / 100, untilNs: 12 * SECOND },
    );
    // Right after joining (10–11 s), the late stream gets its half, not the whole device.
    expect(countIn(completions.get('late')!, 10 * SECOND, 11 * SECOND)).toBeGreaterThanOrEqual(45);
    expect(countIn(completions.get('late')!, 10 * SECOND, 11 * SECOND)).toBeLessThanOrEqual(55);
  });

  it('refuses a stream that reserves more than its limit or has neither reservation nor weight', () => {
    const q = mclock({ streams: { a: { reservation: 50, limit: 10 }, b: { reservation: 0, weight: 0 } } });
    expect(() => q.enqueue(request('a'), 0)).toThrow(/reserves 50\/s above its limit 10\/s/);
    expect(() => q.enqueue(request('b'), 0)).toThrow(/neither a reservation nor a weight/);
  });
});
