// A random periodic real-time guest task for property tests that compare two routes through the
// engine on random hosts (tick elision, islands of CPUs): FIFO or RR, a uniform demand around a load
// share of its period, an offset.
import fc from 'fast-check';
import type { TaskSpec } from '../../src/scenario/types.js';
import { ms, us } from './scenario.js';

/** Task `id` taking up to `maxLoad` of its period, on the vCPUs `affinity` draws. */
export function randomRtTask(id: string, maxLoad: number, affinity: fc.Arbitrary<number[]>): fc.Arbitrary<TaskSpec> {
  return fc
    .record({
      periodMs: fc.constantFrom(5, 10, 20, 40),
      load: fc.double({ min: 0.02, max: maxLoad, noNaN: true }),
      spread: fc.double({ min: 0, max: 0.5, noNaN: true }),
      offsetUs: fc.nat(3000),
      priority: fc.integer({ min: 1, max: 99 }),
      rr: fc.boolean(),
      affinity,
    })
    .map((t): TaskSpec => {
      const mean = Math.max(1, Math.round(ms(t.periodMs) * t.load));
      return {
        id,
        arrival: { kind: 'periodic', period: ms(t.periodMs), offset: us(t.offsetUs), jitter: 0 },
        exec: { kind: 'uniform', min: Math.max(1, Math.round(mean * (1 - t.spread))), max: Math.round(mean * (1 + t.spread)) },
        deadline: ms(t.periodMs),
        policy: { class: t.rr ? 'rr' : 'fifo', priority: t.priority },
        affinity: t.affinity,
      };
    });
}
