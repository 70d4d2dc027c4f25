// Issue 13, live migration of a VMU with a lifetime (start, boot, stop; src/scenario/migration.ts,
// simulator.ts claimVmu/stopVmu):
// - It may migrate inside its lifetime: its destination instance takes over its releases up to its
//   stop, its flows send until then, and its shutdown runs once, where it is at the stop.
// - A migration outside [start, stop) is an input error at /migrations/i/at; one that reaches its
//   start while the VMU still boots is refused as a result (the boot's end is known only then).

import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { InputError } from '../src/errors.js';
import { simulate } from '../src/experiments/simulate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';

const model = (name: string) => MODELS.find((m) => m.name === name)!;
const MS = 1_000_000;

function raw(at: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'migration-lifetime',
    duration: '1s',
    hosts: [
      { id: 'ph1', cpus: 2 },
      { id: 'ph2', cpus: 2 },
    ],
    links: [{ id: 'a', hosts: ['ph1', 'ph2'], bandwidth: '1Gbit/s', delay: '50us' }],
    vmus: [
      {
        id: 'mover',
        host: 'ph1',
        start: '50ms',
        stop: '900ms',
        boot: { cpu: '10ms' },
        shutdown: { cpu: '5ms' },
        tasks: [{ id: 'tick', kind: 'periodic', period: '1ms', exec: '100us' }],
      },
      { id: 'peer', host: 'ph2', tasks: [] },
    ],
    flows: [{ id: 'out', from: 'mover', to: 'peer', rate: '1000/s', size: 200, start: '0.5ms' }],
    migrations: [{ vmu: 'mover', to: 'ph2', at, memory: '8MiB', dirtyRate: '2MB/s' }],
    ...extra,
  };
}

const errorOf = (scenario: unknown): InputError => {
  try {
    normalizeScenario(scenario, 'l.yaml');
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
};

describe('a VMU with a lifetime migrates inside it', () => {
  for (const name of ['kvm-irmos', 'xen-credit']) {
    it(`${name}: its instance on ph2 runs its jobs to its stop, its flow sends until the stop, and it shuts down once, on ph2`, () => {
      const run = simulate(normalizeScenario(raw('200ms')), model(name));
      const m = run.migrations![0];
      expect(m.outcome).toBe('done');
      expect(m.resumedAtNs!).toBeLessThan(900 * MS);
      const tick = run.tasks.find((t) => t.id === 'tick')!;
      const tick2 = run.tasks.find((t) => t.id === 'tick.ph2')!;
      // Releases every 1 ms from the boot's end (≥ 60 ms) to the stop (900 ms), exclusive: ≤ 840 in all.
      expect(tick.released + tick2.released).toBeLessThanOrEqual(840);
      expect(tick.released + tick2.released).toBeGreaterThanOrEqual(820);
      // Releases count where they are taken: the downtime's on the source task, from the resume on the destination's.
      expect(Math.abs(tick2.released - (900 * MS - m.resumedAtNs!) / MS)).toBeLessThanOrEqual(2);
      expect(run.tasks.find((t) => t.id === 'mover.ph2.shutdown')!.completed).toBe(1);
      expect(run.tasks.find((t) => t.id === 'mover.shutdown')!.completed).toBe(0);
      // The flow: one packet a millisecond from the boot's end to the stop, less the downtime's.
      const out = run.flows!.find((f) => f.id === 'out')!;
      expect(out.sent).toBeLessThanOrEqual(840 - Math.floor(m.downtimeNs! / MS) + 1);
      expect(out.sent).toBeGreaterThanOrEqual(820 - Math.ceil(m.downtimeNs! / MS) - 1);
      expect(out.lossRatio).toBe(0);
    });
  }

  it('kvm-irmos: a migration reaching its start while the VMU still boots is refused as a result', () => {
    const run = simulate(normalizeScenario(raw('55ms')), model('kvm-irmos'));
    const m = run.migrations![0];
    expect(m.outcome).toBe('refused');
    expect(m.reason).toMatch(/^\/migrations\/0\/at: mover is not up at 55 ms \(still booting\)/);
    expect(run.tasks.find((t) => t.id === 'tick')!.completed).toBeGreaterThan(800);
  });

  for (const [at, what] of [
    ['20ms', 'before its start'],
    ['900ms', 'at its stop'],
  ] as const) {
    it(`a migration ${what} is an input error at /migrations/0/at`, () => {
      const e = errorOf(raw(at));
      expect(e.pointer).toBe('/migrations/0/at');
      expect(e.expected).toMatch(/inside mover's lifetime \[50 ms, 900 ms\)/);
      expect(e.found).toBe(`"${at}"`);
    });
  }
});
