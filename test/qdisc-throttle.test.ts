// The io.max throttle (blk-throttle; io-qos.md §1.8) in front of a device discipline: a token bucket
// of depth rate × slice per (stream, direction, unit), IOPS and bytes/s combined by AND.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServedRequest } from '../src/engine/device.js';
import { createQdisc, type QdiscSpec } from '../src/engine/qdisc.js';
import { THROTL_SLICE_NS } from '../src/engine/qdiscs/throttle.js';
import { checked, closedLoop, countIn, serve, type Submission } from './helpers/qdisc.js';

const SECOND = 1_000_000_000;
const throttled = (streams: Record<string, unknown>, inner: QdiscSpec = { name: 'fifo' }) => checked(createQdisc<ServedRequest>({ name: 'throttle', params: { streams }, inner }));

describe('io.max throttle (blk-throttle)', () => {
  it('never passes more than depth + rate·τ in any window τ (IOPS and bytes), whatever the arrivals', () => {
    const arrival = fc.record({ gap: fc.integer({ min: 0, max: 20_000_000 }), bytes: fc.integer({ min: 512, max: 65_536 }), write: fc.boolean() });
    fc.assert(
      fc.property(fc.array(arrival, { minLength: 1, maxLength: 300, size: 'max' }), fc.integer({ min: 5, max: 400 }), fc.integer({ min: 100_000, max: 4_000_000 }), (raw, iops, bps) => {
        let at = 0;
        const subs: Submission[] = raw.map((r) => ({ at: (at += r.gap), serviceNs: 1000, flow: 'a', bytes: r.bytes, write: r.write }));
        const q = throttled({ a: { riops: iops, wbps: bps } });
        const { finished } = serve(q, 64, subs);
        expect(finished.every(Number.isFinite), 'delayed, never dropped').toBe(true);
        const depth = (rate: number) => (rate * THROTL_SLICE_NS) / SECOND;
        for (const write of [false, true]) {
          const starts = q.started.filter((s) => !!s.request.write === write);
          const cost = (s: (typeof starts)[number]) => (write ? s.request.bytes : 1);
          const rate = write ? bps : iops;
          // A request larger than the depth may leave the bucket in debt by the excess (throttle.ts).
          const slack = write ? Math.max(0, 65_536 - depth(rate)) : Math.max(0, 1 - depth(rate));
          for (let i = 0; i < starts.length; i++) {
            let passed = 0;
            for (let j = i; j < starts.length; j++) {
              passed += cost(starts[j]);
              const allowed = depth(rate) + (rate * (starts[j].at - starts[i].at)) / SECOND + slack;
              if (passed > allowed + 1e-6) expect.fail(`${write ? 'write bytes' : 'read IOs'} ${passed} in [${starts[i].at}, ${starts[j].at}] > ${allowed}`);
            }
          }
        }
      }),
      { numRuns: 60, seed: 31 },
    );
  });

  it('a saturating stream runs at its limit in the long run: riops 200 on a 1000-IOPS device', () => {
    const q = throttled({ a: { riops: 200 } });
    const { completions } = closedLoop(q, [{ flow: 'a', outstanding: 32 }], { serviceNs: SECOND / 1000, untilNs: 10 * SECOND });
    const rate = countIn(completions.get('a')!, 0, 10 * SECOND) / 10;
    expect(rate).toBeGreaterThanOrEqual(199);
    // At most the initial burst (a full bucket: 20 IOs) above 200/s.
    expect(rate).toBeLessThanOrEqual(200 + 20 / 10 + 0.1);
  });

  it('IOPS and bytes/s are combined by AND: riops 100 with rbps 200 KiB/s on 4 KiB reads gives the 50/s of the bytes limit', () => {
    const q = throttled({ a: { riops: 100, rbps: 200 * 1024 } });
    const { completions } = closedLoop(q, [{ flow: 'a', outstanding: 8, bytes: 4096 }], { serviceNs: 10_000, untilNs: 10 * SECOND });
    expect(countIn(completions.get('a')!, 1 * SECOND, 10 * SECOND) / 9).toBeCloseTo(50, 0);
  });

  it('a request bigger than the bucket still passes, and the long-run byte rate holds (1 MiB reads at rbps 1 MiB/s)', () => {
    const q = throttled({ a: { rbps: 1024 * 1024 } });
    const { completions } = closedLoop(q, [{ flow: 'a', outstanding: 4, bytes: 1024 * 1024 }], { serviceNs: 1_000_000, untilNs: 10 * SECOND });
    const n = countIn(completions.get('a')!, 0, 10 * SECOND);
    expect(n).toBeGreaterThanOrEqual(9);
    expect(n).toBeLessThanOrEqual(11);
  });

  it('two layers (seed §5.4): the throttled stream is held at io.max and mClock gives the device to the other', () => {
    const q = throttled({ backup: { riops: 100 } }, { name: 'mclock', params: { streams: { backup: { weight: 1 }, video: { weight: 1 } } } });
    const { completions } = closedLoop(
      q,
      [
        { flow: 'backup', outstanding: 16 },
        { flow: 'video', outstanding: 16 },
      ],
      { serviceNs: SECOND / 1000, untilNs: 10 * SECOND },
    );
    expect(countIn(completions.get('backup')!, 2 * SECOND, 10 * SECOND) / 8).toBeCloseTo(100, -0.5);
    expect(countIn(completions.get('video')!, 2 * SECOND, 10 * SECOND) / 8).toBeCloseTo(900, -1);
  });

  it('refuses a limit of 0 and a throttle with nothing to feed', () => {
    const q = throttled({ a: { riops: 0 } });
    expect(() => q.enqueue({ flow: 'a', serviceNs: 1, bytes: 1, arrivalNs: 0, deadlineNs: Infinity, done: () => {} }, 0)).toThrow(/riops of a must be a finite number > 0/);
    expect(() => createQdisc({ name: 'throttle' })).toThrow(/needs an inner discipline/);
  });
});
