// Issue 13, live migration of a VMU with I/O loads (src/engine/io.ts halt/begin, simulator.ts
// pauseVmu/resumeVmu): the guest issues nothing while it is stopped; from the resume its load issues
// on the destination — its instance's load `<load>.<host>`, through that host's I/O path (the twin's
// QEMU iothread under KVM, the destination's dom0 under Xen) to that host's device; requests in
// flight at the pause finish at the source's device (their guest completion runs after the resume).
// A storage stream needs a storage device on the destination, else /migrations/i/to is refused.

import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { InputError } from '../src/errors.js';
import { simulate } from '../src/experiments/simulate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';

const model = (name: string) => MODELS.find((m) => m.name === name)!;
const MS = 1_000_000;
const PERIOD = 2 * MS;
const DURATION = 1000 * MS;

function raw(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'migration-io',
    duration: '1s',
    hosts: [
      { id: 'ph1', cpus: 2 },
      { id: 'ph2', cpus: 2 },
    ],
    links: [{ id: 'wire', hosts: ['ph1', 'ph2'], bandwidth: '1Gbit/s', delay: '50us' }],
    vmus: [
      {
        id: 'mover',
        host: 'ph1',
        tasks: [{ id: 'tick', kind: 'periodic', period: '10ms', exec: '100us' }],
        io: [{ id: 'disk', kind: 'disk', period: '2ms', compute: '20us', device: '300us' }],
      },
    ],
    // One live round: the stop-and-copy carries what it let the guest dirty (~5 MB, ~40 ms down) under either stack.
    migrations: [{ vmu: 'mover', to: 'ph2', at: '100ms', memory: '32MiB', dirtyRate: '20MB/s', maxRounds: 1 }],
    ...extra,
  };
}

/** #{k ≥ 0 : from ≤ offset + k·period < to}. */
const arrivalsIn = (offset: number, from: number, to: number) => {
  let n = 0;
  for (let t = offset; t < to; t += PERIOD) if (t >= from) n++;
  return n;
};

describe('an I/O load through a live migration', () => {
  for (const name of ['kvm-irmos', 'xen-credit']) {
    it(`${name}: issues at the source until the pause, at the destination from the resume, and every request completes`, () => {
      const run = simulate(normalizeScenario(raw(), 'io.yaml'), model(name));
      const m = run.migrations![0];
      expect(m.outcome).toBe('done');
      expect(m.downtimeNs!).toBeGreaterThan(5 * PERIOD);
      const before = run.io!.find((l) => l.id === 'disk')!;
      const after = run.io!.find((l) => l.id === 'disk.ph2')!;
      expect(after.vmu).toBe('mover.ph2');
      // Source: the arrivals up to the pause (same-instant order either way: ± 1); all finish.
      expect(Math.abs(before.requests - arrivalsIn(0, 0, m.pausedAtNs!))).toBeLessThanOrEqual(1);
      expect(before.completed).toBe(before.requests);
      // Destination: its law counts from the resume; nothing in the downtime.
      expect(Math.abs(after.requests - arrivalsIn(m.resumedAtNs!, m.resumedAtNs!, DURATION + 1))).toBeLessThanOrEqual(1);
      expect(after.completed).toBeGreaterThanOrEqual(after.requests - 1);
      // Nothing is issued while the VMU is stopped: together they miss the downtime's arrivals.
      const all = arrivalsIn(0, 0, DURATION + 1);
      expect(Math.abs(all - before.requests - after.requests - m.downtimeNs! / PERIOD)).toBeLessThanOrEqual(2);
    });
  }

  it('kvm-irmos: after the resume the requests cross the destination instance\'s own QEMU iothread', () => {
    const run = simulate(normalizeScenario(raw(), 'io.yaml'), model('kvm-irmos'));
    const after = run.io!.find((l) => l.id === 'disk.ph2')!;
    const iothread = run.tasks.find((t) => t.id === 'mover.ph2.iothread')!;
    // Two iothread stages per request (submit, completion).
    expect(iothread.completed).toBeGreaterThanOrEqual(2 * after.completed);
    const sourceThread = run.tasks.find((t) => t.id === 'mover.iothread')!;
    expect(sourceThread.completed).toBe(2 * run.io!.find((l) => l.id === 'disk')!.completed);
  });

  it('a storage stream to a destination without a storage device is refused at /migrations/0/to', () => {
    const stream = raw({
      hosts: [
        { id: 'ph1', cpus: 2, storage: { device: 'ssd' } },
        { id: 'ph2', cpus: 2 },
      ],
      vmus: [
        {
          id: 'mover',
          host: 'ph1',
          tasks: [],
          io: [{ id: 'disk', kind: 'disk', period: '2ms', compute: '20us', device: '0us', storage: { size: 4096 } }],
        },
      ],
    });
    let error: unknown;
    try {
      normalizeScenario(stream, 'io.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).pointer).toBe('/migrations/0/to');
    expect((error as InputError).expected).toMatch(/storage device.*disk is a storage stream/);
  });
});
