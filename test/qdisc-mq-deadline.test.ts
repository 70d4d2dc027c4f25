// mq-deadline against the rules of Linux block/mq-deadline.c (io-qos.md §1.7): sector-ordered
// batches of at most fifo_batch, expiry looked at only between batches, reads preferred until writes
// have been passed over writes_starved times.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServedRequest } from '../src/engine/device.js';
import { createQdisc } from '../src/engine/qdisc.js';
import { MQ_DEADLINE_DEFAULTS } from '../src/engine/qdiscs/mq-deadline.js';
import { checked, serve, type Submission } from './helpers/qdisc.js';
import { ms } from './helpers/scenario.js';

const KIB4 = 4096;
const deadline = (params: Record<string, unknown> = {}) => checked(createQdisc<ServedRequest>({ name: 'mq-deadline', params }));
const { fifoBatch, writesStarved } = MQ_DEADLINE_DEFAULTS;

describe('mq-deadline (block/mq-deadline.c)', () => {
  it('a batch climbs in offset order from where the last request ended, then restarts at the oldest request', () => {
    const q = deadline();
    const offsets = [5, 3, 9, 1, 7];
    serve(q, 1, offsets.map((o) => ({ at: 0, serviceNs: ms(1), offset: o * KIB4, bytes: KIB4 })));
    // 5 starts at once; 7 and 9 lie ahead of it; nothing is then ahead of 9, so the next batch starts
    // at the FIFO head (3), and after 3 nothing lies ahead but served ones: FIFO head again (1).
    expect(q.started.map((s) => s.request.offset! / KIB4)).toEqual([5, 7, 9, 3, 1]);
  });

  it(`a write waiting behind a flood of reads goes after ${writesStarved} more read batches of ${fifoBatch} (writes_starved, fifo_batch)`, () => {
    const q = deadline();
    const reads: Submission[] = Array.from({ length: 80 }, (_, k) => ({ at: 0, serviceNs: ms(1), offset: k * KIB4, bytes: KIB4 }));
    serve(q, 1, [...reads, { at: 0, serviceNs: ms(1), offset: 0, bytes: KIB4, write: true }]);
    const writeAt = q.started.findIndex((s) => s.request.write);
    // The batch running when the write came (16 reads), then two read batches while it starves.
    expect(writeAt).toBe((writesStarved + 1) * fifoBatch);
  });

  it('a read behind the elevator waits for its read_expire (500 ms), then opens the next batch', () => {
    const q = deadline();
    const service = ms(1);
    // A stream of reads at rising offsets keeps the elevator moving up; one read sits below it.
    const climbing: Submission[] = Array.from({ length: 1500 }, (_, k) => ({ at: k * service, serviceNs: service, offset: (1000 + k) * KIB4, bytes: KIB4 }));
    const low: Submission = { at: ms(2.5), serviceNs: service, offset: 0, bytes: KIB4, flow: 'low' };
    serve(q, 1, [...climbing, low]);
    const started = q.started.find((s) => s.request.flow === 'low')!.at;
    expect(started).toBeGreaterThanOrEqual(low.at + MQ_DEADLINE_DEFAULTS.readExpireNs);
    expect(started).toBeLessThanOrEqual(low.at + MQ_DEADLINE_DEFAULTS.readExpireNs + fifoBatch * service);
  });

  it('once the oldest request of a direction has expired it is dispatched within one batch (reads: and one write batch; writes: and writes_starved read batches)', () => {
    const params = { readExpireNs: ms(20), writeExpireNs: ms(60), fifoBatch: 4, writesStarved: 2 };
    const arrival = fc.record({ gap: fc.integer({ min: 0, max: ms(1.2) }), write: fc.boolean(), block: fc.integer({ min: 0, max: 63 }) });
    fc.assert(
      fc.property(fc.array(arrival, { minLength: 20, maxLength: 160, size: 'max' }), (raw) => {
        let at = 0;
        const subs: Submission[] = raw.map((r) => ({ at: (at += r.gap), serviceNs: ms(1), write: r.write, offset: r.block * KIB4, bytes: KIB4 }));
        const q = deadline(params);
        const { finished } = serve(q, 1, subs);
        expect(finished.every(Number.isFinite), 'every request is served').toBe(true);
        const order = q.started.map((s) => s.request);
        const startedAt = q.started.map((s) => s.at);
        const arrivalOf = new Map(order.map((r) => [r, r.arrivalNs]));
        const index = new Map(order.map((r, k) => [r, k]));
        const late: string[] = [];
        for (const write of [false, true]) {
          const expire = write ? params.writeExpireNs : params.readExpireNs;
          const bound = write ? params.fifoBatch - 1 + params.writesStarved * params.fifoBatch : 2 * params.fifoBatch - 1;
          for (let k = 0; k < order.length; k++) {
            // The oldest request of this direction still queued when dispatch k is made.
            const queued = order.filter((r, j) => !!r.write === write && j >= k && arrivalOf.get(r)! <= startedAt[k]);
            if (queued.length === 0) continue;
            const oldest = queued.reduce((a, b) => (arrivalOf.get(b)! < arrivalOf.get(a)! ? b : a));
            if (startedAt[k] < oldest.arrivalNs + expire) continue;
            if (index.get(oldest)! - k > bound) late.push(`expired ${write ? 'write' : 'read'} dispatched ${index.get(oldest)! - k} after dispatch ${k}`);
          }
        }
        expect(late).toEqual([]);
        // writes_starved: while a write waits, at most (writes_starved + 1)·fifo_batch − 1 reads in a row.
        let run = 0;
        let longestRun = 0;
        for (let k = 0; k < order.length; k++) {
          const writeWaiting = order.some((r, j) => r.write && j > k && r.arrivalNs <= startedAt[k]);
          run = order[k].write || !writeWaiting ? 0 : run + 1;
          longestRun = Math.max(longestRun, run);
        }
        expect(longestRun).toBeLessThanOrEqual((params.writesStarved + 1) * params.fifoBatch - 1);
      }),
      { numRuns: 60, seed: 21 },
    );
  });

  it('refuses a fifo_batch of 0', () => {
    expect(() => createQdisc({ name: 'mq-deadline', params: { fifoBatch: 0 } })).toThrow(/fifoBatch must be a whole number ≥ 1/);
  });
});
