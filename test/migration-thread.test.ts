// Issue 13, where the migration's CPU goes (migration.md §2.2; src/scenario/migration.ts
// migrationThread, models/kvm/io-threads.ts threadPlacement):
// - `thread: inside` puts the QEMU migration thread in the migrating VMU's reservation, as an I/O
//   thread with ioThreads inside (linux-irmos.md §7.3: above the vCPUs). On a PH whose CPU the
//   best-effort VMUs saturate, the pages then move at the rate the budget allows: the send work W
//   (pages × sendCost) gets at most Q in each P (hard CBS / RT throttling, §2.4, §3.3), so the live
//   round takes at least (W/Q − 1)·P and, the thread being above the vCPUs, at most about W/Q·P
//   plus the supply delay of two periods; the VMU's own task waits behind it and misses.
// - `outside` (QEMU's default) leaves it SCHED_OTHER beside n spinning best-effort VMUs: CFS gives it
//   about 1/(n + 1) of the CPU (equal weights, §6.1), so the round takes about W·(n + 1), and the
//   reserved VMU is untouched.
// - The mapping rows and the explanation say where it runs; a Xen model refuses `inside`.

import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { InputError } from '../src/errors.js';
import { Simulator } from '../src/engine/simulator.js';
import { simulate } from '../src/experiments/simulate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { serializeScenario } from '../src/scenario/serialize.js';

const model = (name: string) => MODELS.find((m) => m.name === name)!;
const PAGES = (64 * 2 ** 20) / 4096;
const SEND_COST = 20_000; // ns per page
const W = PAGES * SEND_COST; // the send thread's CPU for round 1
const Q = 20_000_000;
const P = 100_000_000;
const SPINNERS = 8;

function raw(thread?: 'inside' | 'outside'): Record<string, unknown> {
  const spinners = Array.from({ length: SPINNERS }, (_, i) => ({ id: `be${i}`, host: 'ph1', tasks: [{ id: `spin${i}`, kind: 'busy' }] }));
  return {
    name: 'migration-thread',
    duration: '6s',
    hosts: [
      { id: 'ph1', cpus: 1 },
      { id: 'ph2', cpus: 1 },
    ],
    links: [{ id: 'a', hosts: ['ph1', 'ph2'], bandwidth: '10Gbit/s', delay: '50us' }],
    vmus: [{ id: 'mover', host: 'ph1', sla: { budget: '20ms', period: '100ms' }, tasks: [{ id: 'tick', kind: 'periodic', period: '100ms', exec: '5ms' }] }, ...spinners],
    // Nothing dirtied: one live round of every page, then the device state.
    migrations: [{ vmu: 'mover', to: 'ph2', at: '100ms', memory: '64MiB', dirtyRate: '0MB/s', sendCost: '20us', ...(thread !== undefined && { thread }) }],
  };
}

// kvm-irmos places I/O threads inside by default; the stock kernel's RT groups get ioThreads inside
// too, so the pages' vhost work is not what starves them (it is SCHED_OTHER otherwise).
const STACKS = [
  { name: 'kvm-irmos', params: {}, native: 'SCHED_FIFO 51 in IRMOS group mover' },
  { name: 'kvm-linux', params: { ioThreads: 'inside' }, native: 'SCHED_FIFO 91 in RT cgroup mover' },
] as const;

describe.each(STACKS)('the migration thread on a starved host ($name)', ({ name, params, native }) => {
  const run = (thread?: 'inside' | 'outside') => simulate(normalizeScenario(raw(thread)), model(name), { params, pointer: '/models/0' });
  /** The model's rule for the live-migration phenomenon (what a report's reading cites). */
  const cause = (thread: 'inside' | 'outside') => new Simulator(normalizeScenario(raw(thread)), model(name), { params, paramsPointer: '' }).hosts[0].build!.explain!('live-migration').rule;

  it('inside: round 1 moves at Q per P of send CPU, between (W/Q − 1)·P and W/Q·P + 2P, and the VMU\'s task waits behind it', () => {
    const m = run('inside').migrations![0];
    expect(m.outcome).toBe('done');
    const live = m.timeline[0];
    expect(live.pages).toBe(PAGES);
    const took = live.endNs - live.startNs;
    expect(took).toBeGreaterThanOrEqual((W / Q - 1) * P);
    expect(took).toBeLessThanOrEqual((W / Q) * P + 2 * P);
    const mover = m.interference.find((r) => r.vmu === 'mover')!;
    expect(mover.missedDuring).toBeGreaterThan(0);
  });

  it('outside: CFS gives it about 1/(n + 1) of the CPU beside n spinners, far slower, and the reserved VMU misses nothing', () => {
    const inside = run('inside').migrations![0];
    const m = run('outside').migrations![0];
    const took = m.outcome === 'done' ? m.timeline[0].endNs - m.timeline[0].startNs : Infinity;
    // At most the fair share 1/(n + 1) of the CPU (a waking thread's sleeper credit adds at most a little).
    expect(took).toBeGreaterThanOrEqual(0.9 * W * (SPINNERS + 1));
    expect(took).toBeGreaterThan(inside.timeline[0].endNs - inside.timeline[0].startNs);
    expect(m.interference.find((r) => r.vmu === 'mover')!.missedDuring).toBe(0);
  });

  it('the default is outside, the same run as thread: outside', () => {
    expect(JSON.stringify(run())).toBe(JSON.stringify(run('outside')));
  });

  it('the mapping and the explanation say where each migration thread runs', () => {
    const inside = run('inside');
    const rows = inside.mapping.filter((r) => r.entity.endsWith('.migration'));
    expect(rows.map((r) => [r.entity, r.requested])).toEqual([
      ['mover.migration', 'migration thread of mover'],
      ['mover.ph2.migration', 'migration thread of mover.ph2'],
    ]);
    expect(rows[0].native).toBe(`${native} on pCPU 0`);
    expect(rows[1].native).toBe(`${native}.ph2 on pCPU 0`);
    expect(cause('inside')).toMatch(/its migration thread runs in the migrating VMU's (IRMOS|RT) group at [^,;]*above its vCPUs/);
    expect(run('outside').mapping.find((r) => r.entity === 'mover.migration')!.native).toBe('host thread SCHED_OTHER nice 0 on pCPU 0');
    expect(cause('outside')).toMatch(/its migration thread is SCHED_OTHER outside the VMU's reservation/);
  });
});

describe('thread: inside under the other KVM stacks', () => {
  // Their destination instance is admitted at the migration's start (src/experiments/lifecycle.ts):
  // the populations judged before it must leave out its receive thread too.
  it.each([
    ['kvm-linux-cfs', /^SCHED_OTHER in cgroup mover(\.ph2)? on pCPU 0$/],
    ['kvm-deadline', /^own SCHED_DEADLINE 100 µs \/ 2 ms on pCPU 0$/],
  ])('%s places both threads as its I/O threads inside, and the migration runs', (name, native) => {
    const run = simulate(normalizeScenario(raw('inside')), model(name), { params: { ioThreads: 'inside' }, pointer: '/models/0' });
    const rows = run.mapping.filter((r) => r.entity.endsWith('.migration'));
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.native).toMatch(native);
    expect(run.migrations![0].outcome).not.toBe('refused');
  });

  it('kvm-deadline: the thread\'s own 100 µs / 2 ms server needs at least W × 20 (6.55 s) for round 1, so at 6 s it is still in pre-copy', () => {
    const m = simulate(normalizeScenario(raw('inside')), model('kvm-deadline'), { params: { ioThreads: 'inside' }, pointer: '/models/0' }).migrations![0];
    expect((W * 2_000_000) / 100_000).toBeGreaterThan(6e9 - 100e6);
    expect(m.outcome).toBe('precopy');
  });
});

describe('thread: inside under Xen and in a file', () => {
  it('a Xen model refuses it, naming /migrations/0/thread, with a hint', () => {
    let error: unknown;
    try {
      simulate(normalizeScenario(raw('inside')), model('xen-credit'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.pointer).toBe('/migrations/0/thread');
    expect(e.expected).toMatch(/"outside"/);
    expect(e.found).toBe('"inside"');
    expect(e.hint).toMatch(/dom0/);
    // outside is Xen's only way, and runs.
    expect(simulate(normalizeScenario(raw('outside')), model('xen-credit')).migrations![0].outcome).not.toBe('refused');
  });

  it('a scenario written back reads as the same migrations and threads, thread: inside included', () => {
    for (const thread of ['inside', undefined] as const) {
      const once = normalizeScenario(raw(thread));
      const written = serializeScenario(once);
      expect(written.migrations![0].thread).toBe(thread);
      const again = normalizeScenario(written as Record<string, unknown>);
      expect(again.migrations).toEqual(once.migrations);
      expect(again.hostThreads).toEqual(once.hostThreads);
    }
  });

  it('an instance has one migration thread: a later move that disagrees where it runs is refused', () => {
    const back = raw('inside');
    (back.migrations as object[]).push({ vmu: 'mover', to: 'ph1', at: '4s', memory: '64MiB', dirtyRate: '0MB/s' });
    expect(() => normalizeScenario(back)).toThrow(/\/migrations\/1\/thread[\s\S]*"inside", as \/migrations\/0/);
  });
});
