// Issue 13, VMU lifecycle and the network:
// - A flow's packets leave on the flow's own clock (its `start`, rate, times: absolute instants), but
//   only while its source VMU is up — from its start (its boot's end when it boots: its application
//   runs from then, as its tasks do) until its stop, exclusive. A CBR flow of period T from offset o
//   sends exactly #{k : start ≤ o + kT < stop} packets.
// - A packet that reaches the destination PH while the destination VMU is not running (before its
//   start, while it boots, from its stop, or never: refused at its start) is dropped there and counted
//   as destinationAbsent; every packet sent is delivered, lost by one cause, or still on its way at
//   the end (network.ts).
// - A chain request that reaches a stage whose VMU is not running fails (destinationAbsent), and so
//   does one whose compute job is in a VMU when it stops; the latency counts completed ones only.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { HypervisorModel } from '../src/engine/model.js';
import { compare, simulate } from '../src/experiments/simulate.js';
import { verdict } from '../src/report/experiment.js';
import { chainTable } from '../src/report/chains.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { InputError } from '../src/errors.js';
import { MODELS } from '../models/index.js';

const modelNamed = (name: string): HypervisorModel => MODELS.find((m) => m.name === name)!;
const MS = 1_000_000;

const raw = (sender: Record<string, unknown>, flow: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'flow-life',
  duration: '100ms',
  hosts: [{ id: 'ph1', cpus: 2 }],
  vmus: [
    { id: 'src', host: 'ph1', tasks: [], ...sender },
    { id: 'dst', host: 'ph1', tasks: [] },
  ],
  flows: [{ id: 'cbr', from: 'src', to: 'dst', size: 200, ...flow }],
  ...extra,
});

/** #{k ≥ 0 : from ≤ offset + k·period < to}. */
const departuresIn = (offset: number, period: number, from: number, to: number) => {
  let n = 0;
  for (let t = offset; t < to; t += period) if (t >= from) n++;
  return n;
};

describe('a flow lives with its source VMU', () => {
  for (const name of ['xen-credit', 'kvm-irmos', 'kvm-deadline']) {
    it(`${name}: a CBR flow (every 3 ms from 1 ms) from a VMU living [20 ms, 60 ms) sends exactly the packets due then, and delivers them all`, () => {
      const run = simulate(normalizeScenario(raw({ start: '20ms', stop: '60ms' }, { rate: `${1000 / 3}/s`, start: '1ms' }), 'f.yaml'), modelNamed(name));
      const flow = run.flows!.find((f) => f.id === 'cbr')!;
      const period = Math.round(3 * MS);
      // 22, 25, …, 58 ms: 13 packets (without the lifetime: 34 over the 100 ms).
      expect(flow.sent).toBe(departuresIn(MS, period, 20 * MS, 60 * MS));
      expect(flow.sent).toBe(13);
      expect(flow.delivered).toBe(flow.sent);
    });
  }

  it('kvm-irmos: with a boot, the flow sends from the boot\'s end (its tasks\' first release), not from the start', () => {
    const sc = normalizeScenario(raw({ start: '20ms', boot: { cpu: '7ms' }, tasks: [{ id: 'app', kind: 'periodic', period: '10ms', exec: '1ms' }] }, { rate: '1000/s' }), 'f.yaml');
    let firstRelease = -1;
    const run = simulate(sc, modelNamed('kvm-irmos'), undefined, {
      observer: {
        release(now, task) {
          if (task.id === 'app' && firstRelease < 0) firstRelease = now;
        },
      },
    });
    expect(firstRelease).toBeGreaterThanOrEqual(27 * MS); // the 7 ms burst cannot end before 27 ms
    // A departure every 1 ms on the flow's clock, from the boot's end (inclusive or not: same-instant order) to the end (100 ms inclusive).
    const sent = run.flows!.find((f) => f.id === 'cbr')!.sent;
    const due = departuresIn(0, MS, firstRelease, 100 * MS + 1);
    expect(sent === due || sent === due - 1).toBe(true);
  });
});

describe('packets to a VMU that is not running are dropped at its PH (destinationAbsent)', () => {
  // CBR every 1 ms from 0; lifetime edges half-way between departures, so a packet (same PH: tens of
  // µs through the IXB) reaches the destination on the same side of an edge as it left. The run
  // ends 0.5 ms after the last departure, so nothing is still on its way: every packet sent is
  // delivered or lost.
  const edge = (k: number) => `${k + 0.5}ms`;
  it('fast-check: sent = delivered + every loss cause, and exactly the packets outside the destination\'s lifetime are destinationAbsent', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('xen-credit', 'kvm-irmos'),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 39 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        (model, a, span, stops, s1, sendSpan) => {
          const b = a + span; // destination up for departures a+1 … b (or to the end)
          const dst = { start: edge(a), ...(stops && { stop: edge(b) }) };
          const s2 = s1 + sendSpan; // source up for departures s1 … s2 − 1
          const sc = raw({ start: `${s1}ms`, stop: `${s2}ms` }, { rate: '1000/s' }, { duration: '100.5ms' });
          Object.assign(sc.vmus[1], dst);
          const flow = simulate(normalizeScenario(sc, 'f.yaml'), modelNamed(model)).flows!.find((f) => f.id === 'cbr')!;
          const lastUp = stops ? b : 100;
          const sent = departuresIn(0, MS, s1 * MS, s2 * MS);
          const deliverable = departuresIn(0, MS, Math.max(s1, a + 1) * MS, Math.min(s2, lastUp + 1) * MS);
          expect(flow.sent).toBe(sent);
          expect(flow.delivered).toBe(deliverable);
          expect(flow.lost.destinationAbsent).toBe(sent - deliverable);
          expect(flow.delivered + flow.lost.policed + flow.lost.queueFull + flow.lost.starved + flow.lost.destinationAbsent).toBe(flow.sent);
          expect(flow.overTime.lost.destinationAbsent.reduce((x, y) => x + y, 0)).toBe(flow.lost.destinationAbsent);
        },
      ),
      { numRuns: 12, seed: 13 },
    );
  });

  it('kvm-irmos: packets to a booting VMU are dropped until its boot ends, then delivered', () => {
    const sc = raw({}, { rate: '1000/s' }, { duration: '100.5ms' });
    Object.assign(sc.vmus[1], { start: '20.5ms', boot: { cpu: '7ms' } });
    const run = simulate(normalizeScenario(sc, 'f.yaml'), modelNamed('kvm-irmos'));
    const flow = run.flows!.find((f) => f.id === 'cbr')!;
    const bootEnd = 20.5 * MS + run.lifecycle!.find((v) => v.vmu === 'dst')!.bootTimeNs!;
    expect(bootEnd).toBeGreaterThanOrEqual(27.5 * MS); // a 7 ms burst cannot end sooner
    // Departures at or after the boot's end arrive after it; one that left just before may arrive after it too.
    const after = departuresIn(0, MS, bootEnd, 101 * MS);
    expect(flow.delivered === after || flow.delivered === after + 1).toBe(true);
    expect(flow.lost.destinationAbsent).toBe(flow.sent - flow.delivered);
  });

  it('kvm-irmos: every packet to a VMU refused at its start is destinationAbsent', () => {
    const sc = raw({}, { rate: '1000/s' }, { duration: '50.5ms', hosts: [{ id: 'ph1', cpus: 1 }] });
    // Σ Q/P would be 0.6 + 0.5 > 0.95 on the one pCPU (linux-irmos.md §2.8): dst is refused at 10 ms.
    Object.assign(sc.vmus[0], { sla: { budget: '6ms', period: '10ms' } });
    Object.assign(sc.vmus[1], { start: '10ms', sla: { budget: '5ms', period: '10ms' } });
    const run = simulate(normalizeScenario(sc, 'f.yaml'), modelNamed('kvm-irmos'));
    expect(run.lifecycle!.find((v) => v.vmu === 'dst')!.admitted).toBe(false);
    const flow = run.flows!.find((f) => f.id === 'cbr')!;
    expect(flow.sent).toBe(51);
    expect(flow.lost.destinationAbsent).toBe(51);
    expect(flow.delivered).toBe(0);
  });
});

describe('a request chain through a VMU that stops', () => {
  // Requests every 10 ms from 5 ms: 300 µs in front, one packet to back, 2 ms in back. Back stops at
  // 46 ms: the requests of 5 … 35 ms are done by then, the one of 45 ms is in back's compute stage
  // at 46 ms (it cannot end before 45 + 2.3 ms), and those of 55 … 95 ms find back gone.
  const chainScenario = (back: Record<string, unknown>) => ({
    name: 'chain-life',
    duration: '100ms',
    hosts: [{ id: 'ph1', cpus: 2 }],
    vmus: [
      { id: 'front', host: 'ph1', tasks: [] },
      { id: 'back', host: 'ph1', tasks: [], ...back },
    ],
    chains: [
      {
        id: 'req',
        arrival: 'trace',
        times: ['5ms', '15ms', '25ms', '35ms', '45ms', '55ms', '65ms', '75ms', '85ms', '95ms'],
        deadline: '10ms',
        stages: [{ compute: { vmu: 'front', demand: '300us' } }, { hop: { from: 'front', to: 'back' } }, { compute: { vmu: 'back', demand: '2ms' } }],
      },
    ],
  });

  for (const name of ['xen-credit', 'kvm-irmos', 'kvm-deadline']) {
    it(`${name}: fails exactly the requests in back at its stop and those arriving after it; latency counts the completed`, () => {
      let inBackAtStop = 0;
      const stopNs = 46 * MS;
      const run = simulate(normalizeScenario(chainScenario({ stop: '46ms' }), 'c.yaml'), modelNamed(name), undefined, {
        observer: {
          release(now, task) {
            if (task.id === 'req-stage2' && now < stopNs) inBackAtStop++;
          },
          complete(now, task) {
            if (task.id === 'req-stage2' && now < stopNs) inBackAtStop--;
          },
        },
      });
      const c = run.chains!.find((x) => x.id === 'req')!;
      const arrivedAfterStop = 5; // 55 … 95 ms
      expect(inBackAtStop).toBe(1);
      expect(c.requests).toBe(10);
      expect(c.failed.destinationAbsent).toBe(arrivedAfterStop + inBackAtStop);
      expect(c.completed).toBe(4);
      expect(c.latency.count).toBe(c.completed);
      // A failed request is a miss: 6 of the 10 judged.
      expect(c.missed).toBe(6);
      expect(c.missRatio).toBeCloseTo(0.6, 6);
    });
  }

  it('the report counts the failed requests as misses: the chain table and the index outcome say so', () => {
    const results = compare(normalizeScenario(chainScenario({ stop: '46ms' }), 'c.yaml'), [{ model: modelNamed('kvm-irmos') }]);
    expect(verdict(results)).toContain('every model missed deadlines (chain requests that failed');
    const table = chainTable(results.runs[0])[0] as { header: string[]; rows: unknown[][] };
    const cell = (name: string) => table.rows[0][table.header.indexOf(name)] as { text: string };
    expect(cell('failed: destination absent').text).toBe('6');
    expect(cell('missed').text).toBe('6');
  });

  it('kvm-irmos: a request reaching a VMU before its start fails; after its start it completes', () => {
    const run = simulate(normalizeScenario(chainScenario({ start: '40ms' }), 'c.yaml'), modelNamed('kvm-irmos'));
    const c = run.chains!.find((x) => x.id === 'req')!;
    expect(c.failed.destinationAbsent).toBe(4); // 5 … 35 ms
    expect(c.completed).toBe(6);
    expect(c.lost).toBe(0);
  });
});
