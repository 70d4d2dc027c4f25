// The guest kernel's tick grid (src/engine/tick.ts): a guest ticks on the host's phase rule unless
// its VMU states its own — a stated host `tickPhase` is the origin of every kernel's grid, 'random' is
// drawn per VMU — and a tick reaches the guest timerInterrupt + vmExit after its expiry when the host
// has overheads. Observed through guest SCHED_RR: two busy equal-priority tasks rotate only at a guest
// tick once the 100 ms quantum is used up (sched_rr_timeslice_ms, checked at the tick), so every
// rotation instant lies on the guest's grid.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { simulate } from '../src/experiments/simulate.js';
import { parseScenarioText } from '../src/scenario/index.js';

const MS = 1_000_000;

/** Instants at which the guest hands the vCPU from one RR task to the other. */
function rotations(host: Record<string, unknown>, guest: Record<string, unknown>, vmus = 1, seed = 1): number[][] {
  const task = (id: string) => ({ id, kind: 'busy', policy: { class: 'rr', priority: 10 } });
  const scenario = parseScenarioText(
    JSON.stringify({
      name: 'guest-tick',
      duration: '450ms',
      seed,
      hosts: [{ id: 'h', cpus: vmus, tick: '4ms', ...host }],
      vmus: Array.from({ length: vmus }, (_, i) => ({ id: `vm${i}`, host: 'h', affinity: [i], guest: { scheduler: 'fifo', tick: '4ms', ...guest }, tasks: [task(`a${i}`), task(`b${i}`)] })),
      models: [{ name: 'kvm-linux' }],
    }),
    'guest-tick.json',
  );
  const out: number[][] = Array.from({ length: vmus }, () => []);
  const last = new Map<string, string>();
  simulate(scenario, findModel('kvm-linux', '', ''), scenario.models[0], {
    observer: {
      assign: (now, _host, vcpu, task) => {
        if (task === null) return;
        const vm = vcpu.id.split('/')[0];
        const before = last.get(vm);
        last.set(vm, task.id);
        if (before !== undefined && before !== task.id) out[Number(vm.slice(2))].push(now);
      },
    },
  });
  return out;
}

describe('guest tick grid', () => {
  it('follows a stated host tick phase: with equal HZ the guest ticks with the host', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 * MS - 1 }), (phase) => {
        const [r] = rotations({ tickPhase: `${phase}ns` }, {});
        expect(r.length).toBeGreaterThanOrEqual(3); // 100 ms quanta in 450 ms
        for (const t of r) expect(t % (4 * MS)).toBe(phase);
        // The first rotation is the first tick at or after the 100 ms quantum, not before.
        expect(r[0]).toBeGreaterThanOrEqual(100 * MS);
        expect(r[0]).toBeLessThan(104 * MS);
      }),
      { numRuns: 12 },
    );
  });

  it('a tick reaches the guest timerInterrupt + vmExit after its expiry when the host has overheads', () => {
    const [r] = rotations({ tickPhase: '1ms', overheads: { timerInterrupt: '3us', wakeup: '0ns', contextSwitch: '0ns', vmExit: '20us' } }, {});
    for (const t of r) expect(t % (4 * MS)).toBe(1 * MS + 23_000);
  });

  it('the VMU\'s own tickPhase wins over the host\'s', () => {
    const [r] = rotations({ tickPhase: '1ms' }, { tickPhase: '2.5ms' });
    for (const t of r) expect(t % (4 * MS)).toBe(2.5 * MS);
  });

  it('"random": each guest draws its own phase from the seed (reproducible; not all on one grid)', () => {
    const phasesOf = (seed: number) => rotations({ tickPhase: 'random' }, {}, 3, seed).map((r) => {
      const phases = new Set(r.map((t) => t % (4 * MS)));
      expect(phases.size).toBe(1); // one grid per guest
      return [...phases][0];
    });
    const first = phasesOf(7);
    expect(phasesOf(7)).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('refuses a guest phase of a whole tick or more', () => {
    expect(() => rotations({}, { tickPhase: '4ms' })).toThrow(/\/vmus\/0\/guest\/tickPhase/);
  });
});
