// HDD command queueing (hdd.ts; io-qos.md §1.9 "Device queue"): at depth 1 the disk serves in the
// scheduler's order exactly as before; deeper, it starts the waiting command it reaches soonest
// (SATF, Jacobson & Wilkes 1991; Worthington, Ganger & Patt 1994), so the expected positioning time
// falls and random-read throughput rises with the depth, while a request the scheduler dispatched can
// be overtaken inside the disk (the BFQ commit bcd5642607ab's "unlucky (prefetched) requests") unless
// an age limit bounds its wait.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServedRequest, ServiceModel } from '../src/engine/device.js';
import { createQdisc, type QdiscName, type QueuedRequest } from '../src/engine/qdisc.js';
import { Rng } from '../src/engine/rng.js';
import { HDD_DEFAULTS, HddModel, type HddParams } from '../src/engine/storage/hdd.js';
import { deviceSchedulerCause } from '../src/engine/storage/scheduler-rules.js';
import { checked, closedLoop, serve, type Submission } from './helpers/qdisc.js';

const KIB4 = 4096;
const SECOND = 1e9;
const BLOCKS = HDD_DEFAULTS.capacityBytes / KIB4;
const REVOLUTION = 60e9 / HDD_DEFAULTS.rpm;
/** The longest a 4 KiB request can take: full-stroke seek, a whole revolution, the transfer. */
const longestServiceNs = (hdd: HddModel) => hdd.seekNs(HDD_DEFAULTS.capacityBytes) + REVOLUTION + (KIB4 * 1e9) / HDD_DEFAULTS.transferBytesPerSec + 1;

const randomBlock = (rng: Rng) => () => Math.floor(rng.next() * BLOCKS) * KIB4;

/** The HDD model, recording each request's time inside the disk (dispatch to completion) and service intervals. */
function watched(params: HddParams, seed = 1) {
  const hdd = new HddModel(params, new Rng(seed, 'disk'));
  const dispatchedAt = new Map<QueuedRequest, number>();
  const insideNs: number[] = [];
  const services: { request: QueuedRequest; start: number; end: number }[] = [];
  const model: ServiceModel = {
    queueDepth: hdd.queueDepth,
    capacityBytes: hdd.capacityBytes,
    accept: (r, now) => {
      dispatchedAt.set(r, now);
      hdd.accept(r, now);
    },
    pick: (waiting, now) => hdd.pick(waiting, now),
    serviceNs: (r, unit, now) => {
      const s = hdd.serviceNs(r, unit, now);
      insideNs.push(now + s - dispatchedAt.get(r)!);
      services.push({ request: r, start: now, end: now + s });
      return s;
    },
  };
  return { hdd, model, insideNs, services };
}

/** 4 KiB random reads kept `outstanding` at the host for `seconds`: IOPS and the disk's record. */
function saturate(params: HddParams, discipline: QdiscName, outstanding = 64, seconds = 20, schedulerParams = {}) {
  const disk = watched(params);
  const d = checked(createQdisc<ServedRequest>({ name: discipline, params: schedulerParams }));
  const { completions } = closedLoop(d, [{ flow: 'r', outstanding, bytes: KIB4, offset: randomBlock(new Rng(2, 'offsets')) }], { serviceNs: 0, untilNs: seconds * SECOND, model: disk.model });
  return { iops: completions.get('r')!.length / seconds, ...disk, dispatched: d.started };
}

describe('HDD command queueing (NCQ)', () => {
  it('at depth 1 the disk serves in FIFO order exactly as one request at a time did: each starts when the previous ends', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gap: fc.integer({ min: 0, max: 30_000_000 }), sequential: fc.boolean(), bytes: fc.constantFrom(512, KIB4, 65_536) }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), (shape, seed) => {
        let at = 0;
        let next = 1e9;
        const subs: Submission[] = shape.map((s) => {
          at += s.gap;
          const offset = s.sequential ? next : undefined; // absent: the disk draws it
          if (s.sequential) next += s.bytes;
          return { at, serviceNs: 0, bytes: s.bytes, offset };
        });
        const { finished } = serve(createQdisc<ServedRequest>({ name: 'fifo' }), 1, subs, new HddModel({ queueDepth: 1 }, new Rng(seed, 'disk')));
        // The reference: the model asked request by request, in arrival order, with no device queue.
        const alone = new HddModel({}, new Rng(seed, 'disk'));
        let free = 0;
        const expected = subs.map((s) => {
          const start = Math.max(free, s.at);
          free = start + alone.serviceNs({ flow: 'dev', serviceNs: 0, bytes: s.bytes!, arrivalNs: s.at, deadlineNs: Infinity, offset: s.offset }, 0, start);
          return free;
        });
        expect(finished).toEqual(expected);
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it('SATF on one track: the first pick among N commands waits R/(N+1) on average (the mean minimum of N uniform rotational delays)', () => {
    // A negligible seek: positioning is rotation alone, each sector's angle uniform.
    const rng = new Rng(3, 'trial');
    for (const n of [1, 2, 4, 8, 16]) {
      let sum = 0;
      const trials = 20_000;
      for (let k = 0; k < trials; k++) {
        const hdd = new HddModel({ averageSeekNs: 1, trackToTrackNs: 0, queueDepth: Math.max(2, n) }, new Rng(k, 'disk'));
        const now = Math.floor(rng.next() * 1e9);
        const waiting = Array.from({ length: n }, (): QueuedRequest => ({ flow: 'r', serviceNs: 0, bytes: KIB4, arrivalNs: now, deadlineNs: Infinity, offset: Math.floor(rng.next() * BLOCKS) * KIB4 }));
        for (const w of waiting) hdd.accept(w, now);
        sum += hdd.positioningNs(waiting[hdd.pick(waiting, now)].offset!, now);
      }
      expect(sum / trials / (REVOLUTION / (n + 1))).toBeCloseTo(1, 1);
    }
  });

  it('random-read throughput rises with the depth: every doubling gains, 32 commands gain more than the 30 % io-qos.md §1.9 quotes', () => {
    const iops = [1, 2, 4, 8, 16, 32].map((queueDepth) => saturate({ queueDepth }, 'fifo').iops);
    for (let i = 1; i < iops.length; i++) expect(iops[i]).toBeGreaterThan(iops[i - 1]);
    expect(iops[0] / 80).toBeCloseTo(1, 1); // ≈ 80 IOPS at depth 1 (io-qos.md §1.9)
    expect(iops[5]).toBeGreaterThan(1.3 * iops[0]);
  });

  it('inside the disk a dispatched request can be overtaken by more than the depth: pure SATF waits longer than a FIFO disk ever would', () => {
    const depth = 32;
    const { insideNs, hdd } = saturate({ queueDepth: depth }, 'fifo');
    // A FIFO disk holding 32 commands serves a request within 32 services of its dispatch.
    expect(Math.max(...insideNs)).toBeGreaterThan(depth * longestServiceNs(hdd));
  });

  it('with maxCommandAge no request waits inside the disk longer than the age limit plus depth × the longest service', () => {
    for (const [queueDepth, maxCommandAgeNs] of [[32, 100e6], [8, 50e6], [32, 500e6]]) {
      const { insideNs, hdd } = saturate({ queueDepth, maxCommandAgeNs }, 'fifo');
      expect(Math.max(...insideNs)).toBeLessThanOrEqual(maxCommandAgeNs + queueDepth * longestServiceNs(hdd));
    }
  });

  it("mq-deadline still prefers a read at the host — dispatched within one write batch at any depth — but the disk's reordering shows in its latency", () => {
    // A read every 50 ms amid 64 outstanding writes: reads go first at each batch start (writes_starved
    // aside), so at most fifo_batch (16) writes are dispatched while a read waits at the host.
    const run = (queueDepth: number) => {
      const disk = watched({ queueDepth });
      const d = checked(createQdisc<ServedRequest>({ name: 'mq-deadline' }));
      const offsets = randomBlock(new Rng(5, 'offsets'));
      const { latencies } = closedLoop(d, [{ flow: 'w', outstanding: 64, write: true, bytes: KIB4, offset: offsets }, { flow: 'probe', outstanding: 1, bytes: KIB4, offset: offsets }], { serviceNs: 0, untilNs: 30 * SECOND, model: disk.model });
      return { disk, latencies: latencies.get('probe')!, dispatched: d.started };
    };
    for (const depth of [1, 32]) {
      const { dispatched, disk } = run(depth);
      const smax = longestServiceNs(disk.hdd);
      for (const { request, at } of dispatched.filter((s) => s.request.flow === 'probe')) {
        // Dispatched after at most 16 writes and a writes_starved batch: each dispatch waits for a completion.
        expect(at - request.arrivalNs).toBeLessThanOrEqual(2 * 16 * smax);
      }
    }
    const shallow = run(1);
    const deep = run(32);
    const smax = longestServiceNs(shallow.disk.hdd);
    // At depth 1 a read is inside the disk for one service; at 32 some wait behind many later-dispatched writes.
    expect(Math.max(...shallow.disk.insideNs)).toBeLessThanOrEqual(smax);
    expect(Math.max(...deep.latencies)).toBeGreaterThan(2 * Math.max(...shallow.latencies));
  });

  it("mq-deadline's expiry holds at the host at any depth — an expired oldest read is the next dispatched — yet inside a queueing disk later reads overtake it", () => {
    const readExpireNs = 50e6;
    const overtakenAt = (queueDepth: number) => {
      const disk = watched({ queueDepth });
      // fifo_batch 1: every dispatch starts a batch, so expiry is looked at every time.
      const d = checked(createQdisc<ServedRequest>({ name: 'mq-deadline', params: { fifoBatch: 1, readExpireNs } }));
      closedLoop(d, [{ flow: 'r', outstanding: 48, bytes: KIB4, offset: randomBlock(new Rng(7, 'offsets')) }], { serviceNs: 0, untilNs: 10 * SECOND, model: disk.model });
      const dispatchedAt = new Map(d.started.map((s) => [s.request, s.at]));
      let expiredSeen = 0;
      for (const { request, at } of d.started) {
        const olderExpired = d.started.filter((o) => o.request.arrivalNs < request.arrivalNs && o.at > at && o.request.arrivalNs + readExpireNs <= at);
        expect(olderExpired, 'an expired older read was waiting and passed over').toEqual([]);
        if (request.arrivalNs + readExpireNs <= at) expiredSeen++;
      }
      expect(expiredSeen).toBeGreaterThan(0);
      // Overtaken inside the disk: a request dispatched later finished earlier.
      const ends = new Map(disk.services.map((s) => [s.request, s.end]));
      const byDispatch = [...dispatchedAt.keys()].filter((r) => ends.has(r));
      let earliestLater = Infinity;
      let overtaken = 0;
      for (let i = byDispatch.length - 1; i >= 0; i--) {
        const end = ends.get(byDispatch[i])!;
        if (earliestLater < end) overtaken++;
        earliestLater = Math.min(earliestLater, end);
      }
      return overtaken;
    };
    expect(overtakenAt(1)).toBe(0);
    expect(overtakenAt(32)).toBeGreaterThan(0);
  });

  it('every dispatched request completes exactly once, and the disk never idles while it holds one (work conserving)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 20_000_000 }), block: fc.integer({ min: 0, max: BLOCKS - 1 }), write: fc.boolean() }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 32 }),
        fc.option(fc.integer({ min: 1_000_000, max: 200_000_000 }), { nil: undefined }),
        fc.constantFrom<QdiscName>('fifo', 'mq-deadline'),
        (shape, queueDepth, maxCommandAgeNs, discipline) => {
          let at = 0;
          const subs: Submission[] = shape.map((s) => ({ at: (at += s.gap), serviceNs: 0, bytes: KIB4, write: s.write, offset: s.block * KIB4 }));
          const disk = watched({ queueDepth, ...(maxCommandAgeNs !== undefined && { maxCommandAgeNs }) });
          const { finished, server } = serve(createQdisc<ServedRequest>({ name: discipline }), 1, subs, disk.model);
          finished.forEach((t, i) => expect(Number.isFinite(t), `request ${i} completes`).toBe(true));
          expect(server.served).toBe(subs.length);
          expect(disk.services.length).toBe(subs.length);
          expect(new Set(disk.services.map((s) => s.request)).size).toBe(subs.length);
          // Work conserving: in every idle gap of the disk, no request had arrived and not yet started.
          const byStart = [...disk.services].sort((a, b) => a.start - b.start);
          for (let i = 0; i < byStart.length; i++) {
            const gapFrom = i === 0 ? -1 : byStart[i - 1].end;
            const gapTo = byStart[i].start;
            if (i > 0) expect(gapTo, 'one arm: services do not overlap').toBeGreaterThanOrEqual(gapFrom);
            if (gapTo <= gapFrom) continue;
            for (const s of disk.services) if (s.request.arrivalNs < gapTo && s.start >= gapTo) expect.fail(`request arrived at ${s.request.arrivalNs} waited while the disk idled until ${gapTo}`);
          }
        },
      ),
      { numRuns: 80, seed: 17 },
    );
  });

  it("the report's device-scheduling cause says the disk may overtake what the scheduler dispatched, only when it queues", () => {
    const cause = (deviceParams: Record<string, unknown>) => deviceSchedulerCause({ device: 'hdd', deviceParams, scheduler: 'mq-deadline', schedulerParams: {} });
    expect(cause({ queueDepth: 1 })).toEqual(cause({}));
    expect(cause({}).rule).not.toMatch(/overtaken/);
    expect(cause({ queueDepth: 32 }).rule).toMatch(/^mq-deadline [\s\S]*up to 32 dispatched requests[\s\S]*overtaken inside the disk$/);
    expect(cause({ queueDepth: 32, maxCommandAgeNs: 250e6 }).rule).toMatch(/until it has waited 250 ms there$/);
  });

  it('refuses a depth outside [1, 256] or a non-positive age limit', () => {
    expect(() => new HddModel({ queueDepth: 0 }, new Rng(1))).toThrow(/queueDepth must be a whole number in \[1, 256\]/);
    expect(() => new HddModel({ queueDepth: 2.5 }, new Rng(1))).toThrow(/queueDepth/);
    expect(() => new HddModel({ queueDepth: 4, maxCommandAgeNs: 0 }, new Rng(1))).toThrow(/maxCommandAgeNs must be > 0/);
  });
});
