// Device service models (io-qos.md §1.9) against their cited figures and mechanics: an HDD's mean
// random access = average seek + half a revolution + transfer (≈ 80 IOPS for 4 KiB on a 7.2k disk),
// sequential streaming at the media rate; an SSD's 4 KiB random writes at Ceph's ≈ 21 500 IOPS on
// its parallel units, reads faster than writes, sequential reads near 1200 MiB/s.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServedRequest } from '../src/engine/device.js';
import { createQdisc, type QdiscName } from '../src/engine/qdisc.js';
import { Rng } from '../src/engine/rng.js';
import { STORAGE_DEVICES } from '../src/engine/storage/devices.js';
import { HDD_DEFAULTS, HddModel } from '../src/engine/storage/hdd.js';
import { SSD_DEFAULTS, SsdModel } from '../src/engine/storage/ssd.js';
import { serve, type Submission } from './helpers/qdisc.js';

const SECOND = 1e9;
const KIB4 = 4096;
const MIB = 1024 * 1024;

/** Requests all queued at t = 0 on a device from the registry; returns the time the last one ends. */
function runAll(device: 'hdd' | 'ssd', subs: Submission[], discipline: QdiscName = 'fifo', seed = 1): number {
  const { units, model } = STORAGE_DEVICES[device].create({}, new Rng(seed, 'disk'));
  const { finished } = serve(createQdisc<ServedRequest>({ name: discipline }), units, subs, model);
  return Math.max(...finished);
}

describe('HDD model (7.2k SATA defaults)', () => {
  it('the mean seek over uniformly random request pairs is the datasheet average seek', () => {
    const hdd = new HddModel({}, new Rng(1, 'x'));
    const rng = new Rng(5, 'pairs');
    let sum = 0;
    const n = 200_000;
    for (let k = 0; k < n; k++) sum += hdd.seekNs(Math.abs(rng.next() - rng.next()) * HDD_DEFAULTS.capacityBytes);
    expect(sum / n / HDD_DEFAULTS.averageSeekNs).toBeCloseTo(1, 2);
  });

  it('seek time grows with distance, from the single-track seek, and is 0 for no move', () => {
    const hdd = new HddModel({}, new Rng(1, 'x'));
    expect(hdd.seekNs(0)).toBe(0);
    expect(hdd.seekNs(512)).toBeCloseTo(HDD_DEFAULTS.trackToTrackNs, -4);
    fc.assert(
      fc.property(fc.double({ min: 1, max: 2e12, noNaN: true }), fc.double({ min: 1, max: 2e12, noNaN: true }), (a, b) => {
        expect(hdd.seekNs(Math.min(a, b))).toBeLessThanOrEqual(hdd.seekNs(Math.max(a, b)));
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it('4 KiB random reads at queue depth 1 run at ≈ 80 IOPS (io-qos.md §1.9): seek + half a revolution + transfer each', () => {
    const n = 3000;
    const end = runAll('hdd', Array.from({ length: n }, () => ({ at: 0, serviceNs: 0, bytes: KIB4 })));
    const meanMs = end / n / 1e6;
    const expected = (HDD_DEFAULTS.averageSeekNs + 60e9 / HDD_DEFAULTS.rpm / 2 + (KIB4 * 1e9) / HDD_DEFAULTS.transferBytesPerSec) / 1e6;
    expect(meanMs / expected).toBeCloseTo(1, 1);
    expect(n / (end / SECOND)).toBeGreaterThan(75);
    expect(n / (end / SECOND)).toBeLessThan(85);
  });

  it('back-to-back sequential 1 MiB reads stream at the media rate: no seek, no rotation', () => {
    const n = 200;
    const end = runAll('hdd', Array.from({ length: n }, (_, k) => ({ at: 0, serviceNs: 0, bytes: MIB, offset: 1e9 + k * MIB })));
    // Only the first pays a seek and a rotation (at most ~16 ms): the rest at 120 MB/s.
    const rate = ((n - 1) * MIB) / ((end - 20e6) / SECOND);
    expect(rate).toBeGreaterThan(0.99 * HDD_DEFAULTS.transferBytesPerSec);
    expect((n * MIB) / (end / SECOND)).toBeLessThanOrEqual(HDD_DEFAULTS.transferBytesPerSec);
  });

  it('a sequential request after an idle gap skips the seek but waits for the platter', () => {
    const hdd = new HddModel({ rotation: 'mean' }, new Rng(1, 'x'));
    const first = hdd.serviceNs({ flow: 'a', serviceNs: 0, bytes: KIB4, arrivalNs: 0, deadlineNs: Infinity, offset: 0 }, 0, 0);
    const next = hdd.serviceNs({ flow: 'a', serviceNs: 0, bytes: KIB4, arrivalNs: 0, deadlineNs: Infinity, offset: KIB4 }, 0, first + 5e6);
    const transfer = (KIB4 * 1e9) / HDD_DEFAULTS.transferBytesPerSec;
    expect(next).toBe(Math.round(60e9 / HDD_DEFAULTS.rpm / 2 + transfer));
  });

  it('the same seed gives the same service times; another seed other ones', () => {
    const subs = Array.from({ length: 50 }, () => ({ at: 0, serviceNs: 0, bytes: KIB4 }));
    expect(runAll('hdd', subs, 'fifo', 7)).toBe(runAll('hdd', subs, 'fifo', 7));
    expect(runAll('hdd', subs, 'fifo', 7)).not.toBe(runAll('hdd', subs, 'fifo', 8));
  });

  it("mq-deadline's offset-ordered batches beat FIFO on a deep random queue (shorter seeks, io-qos.md §1.9)", () => {
    const rng = new Rng(9, 'offsets');
    const subs = Array.from({ length: 400 }, () => ({ at: 0, serviceNs: 0, bytes: KIB4, offset: Math.floor(rng.next() * 4e8) * KIB4 }));
    expect(runAll('hdd', subs, 'mq-deadline')).toBeLessThan(0.9 * runAll('hdd', subs, 'fifo'));
  });
});

describe('SSD model', () => {
  it("4 KiB random writes on all units run at Ceph's ≈ 21 500 IOPS (io-qos.md §1.4)", () => {
    const n = 20_000;
    const end = runAll('ssd', Array.from({ length: n }, () => ({ at: 0, serviceNs: 0, bytes: KIB4, write: true })));
    expect(n / (end / SECOND) / 21_500).toBeCloseTo(1, 1);
  });

  it('reads are faster than writes of the same size; large sequential reads near 1200 MiB/s', () => {
    const ssd = new SsdModel({});
    const req = (write: boolean, bytes: number) => ({ flow: 'a', serviceNs: 0, bytes, arrivalNs: 0, deadlineNs: Infinity, write });
    expect(ssd.serviceNs(req(false, KIB4))).toBeLessThan(ssd.serviceNs(req(true, KIB4)));
    const n = 400;
    const end = runAll('ssd', Array.from({ length: n }, () => ({ at: 0, serviceNs: 0, bytes: MIB })));
    const mibPerSec = n / (end / SECOND);
    expect(mibPerSec).toBeGreaterThan(0.95 * 1200);
    expect(mibPerSec).toBeLessThanOrEqual(1200);
  });

  it('k outstanding requests on k ≤ units finish together: the units serve in parallel', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: SSD_DEFAULTS.units }), (k) => {
        const end = runAll('ssd', Array.from({ length: k }, () => ({ at: 0, serviceNs: 0, bytes: KIB4 })));
        expect(end).toBe(new SsdModel({}).serviceNs({ flow: 'a', serviceNs: 0, bytes: KIB4, arrivalNs: 0, deadlineNs: Infinity }));
      }),
      { numRuns: 10, seed: 4 },
    );
  });
});
