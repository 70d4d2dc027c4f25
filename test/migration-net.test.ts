// Issue 13, live migration of a VMU with flows and chains (src/engine/net/network.ts move; QEMU's
// self-announce / Xen netfront's gratuitous ARP at the resume, migration.md §4):
// - A CBR flow to the migrating VMU loses, as 'migrating', exactly the packets that reach it while it
//   is stopped or that still reach the PH it left: those created in the downtime window shifted by
//   the old path's latency — the downtime over the period, ± one packet.
// - A CBR flow from it sends nothing while it is stopped (its application is stopped) and loses nothing.
// - After the switch-over every packet takes the new path, and its one-way latency is that path's
//   analytic sum on idle CPUs: send CPU + vNIC serialisation [+ wire serialisation + propagation] +
//   receive CPU — local now for a peer on the destination, across the link for one on the source.
// - A request chain through the VMU goes on after the move: its compute stage runs on the destination.
// - A destination the peers cannot reach is an input error naming /migrations/i/to.

import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { DEFAULT_IXB, receiveCostNs, sendCostNs } from '../src/engine/net/ixb.js';
import { InputError } from '../src/errors.js';
import { simulate } from '../src/experiments/simulate.js';
import type { FlowResult } from '../src/metrics/flow-results.js';
import { normalizeScenario } from '../src/scenario/normalize.js';

const model = (name: string) => MODELS.find((m) => m.name === name)!;
const MS = 1_000_000;
const BYTES = 1250;
const LINK_BPS = 100e6;
const DELAY_NS = 50_000;

/** mover (ph1) migrates to ph2 at 100 ms; peer is on ph2, far on ph1; 1000 packets/s of 1250 B each way. */
function raw(extra: Record<string, unknown> = {}): Record<string, unknown> {
  // Each flow at its own offset in the millisecond, so no packet waits for another's IXB work (Xen's dom0 serves all three).
  const cbr = (id: string, from: string, to: string, start: string) => ({ id, from, to, rate: '1000/s', size: BYTES, start });
  return {
    name: 'migration-net',
    duration: '1s',
    hosts: [
      { id: 'ph1', cpus: 2 },
      { id: 'ph2', cpus: 2 },
    ],
    links: [{ id: 'wire', hosts: ['ph1', 'ph2'], bandwidth: `${LINK_BPS / 1e6}Mbit/s`, delay: '50us' }],
    vmus: [
      { id: 'mover', host: 'ph1', tasks: [] },
      { id: 'peer', host: 'ph2', tasks: [] },
      { id: 'far', host: 'ph1', tasks: [] },
    ],
    flows: [cbr('in', 'peer', 'mover', '0.2ms'), cbr('out', 'mover', 'peer', '0.5ms'), cbr('across', 'far', 'mover', '0.8ms')],
    migrations: [{ vmu: 'mover', to: 'ph2', at: '100ms', memory: '4MiB', dirtyRate: '2MB/s' }],
    ...extra,
  };
}

const flowOf = (run: { flows?: FlowResult[] }, id: string) => run.flows!.find((f) => f.id === id)!;

describe('flows through a live migration', () => {
  for (const name of ['kvm-irmos', 'xen-credit', 'kvm-linux']) {
    it(`${name}: the flow to the VMU loses the packets of the downtime (± 1), the flow from it sends none then, and after the switch-over each takes the new path's analytic latency`, () => {
      const sc = normalizeScenario(raw());
      const run = simulate(sc, model(name));
      const m = run.migrations![0];
      expect(m.outcome).toBe('done');
      const downtime = m.downtimeNs!;
      expect(downtime).toBeGreaterThan(2 * MS); // several packets' worth
      const toIt = flowOf(run, 'in');
      expect(Math.abs(toIt.lost.migrating - downtime / MS)).toBeLessThanOrEqual(1);
      expect(toIt.lost.policed + toIt.lost.queueFull + toIt.lost.starved).toBe(0);
      expect(toIt.delivered + toIt.lost.migrating).toBe(toIt.sent);
      const fromIt = flowOf(run, 'out');
      const due = Math.floor((1000 * MS - 0.5 * MS) / MS) + 1;
      expect(Math.abs(due - fromIt.sent - downtime / MS)).toBeLessThanOrEqual(1);
      expect(fromIt.lossRatio).toBe(0);

      // The same run measured from 5 ms after the resume: every packet crosses the new path alone.
      const after = normalizeScenario({ ...raw(), warmup: `${m.resumedAtNs! + 5 * MS}ns` });
      const late = simulate(after, model(name));
      expect(late.migrations![0].resumedAtNs).toBe(m.resumedAtNs);
      const prepare = { scenario: after, host: after.hosts[1], params: {}, paramsPointer: '' };
      const twin = after.vmus.find((v) => v.id === 'mover.ph2')!;
      const crossing = model(name).packetPath!(twin, prepare).crossingNs;
      const cpu = sendCostNs(DEFAULT_IXB, BYTES, crossing) + receiveCostNs(DEFAULT_IXB, BYTES, crossing);
      const vnic = (BYTES * 8 * 1e9) / 10e9;
      const local = cpu + vnic;
      const across = cpu + vnic + (BYTES * 8 * 1e9) / LINK_BPS + DELAY_NS;
      for (const [id, expected] of [['in', local], ['out', local], ['across', across]] as const) {
        const f = flowOf(late, id);
        expect(f.delivered).toBeGreaterThan(300);
        expect(f.lossRatio).toBe(0);
        expect(f.latency.minNs).toBe(expected);
        expect(f.latency.maxNs).toBe(expected);
      }
    });
  }
});

describe('a request chain through a migrating VMU', () => {
  it('kvm-irmos: its compute stage runs on the destination after the move; requests lose only packets of the downtime', () => {
    const chain = {
      chains: [
        {
          id: 'order',
          rate: '500/s',
          deadline: '50ms',
          stages: [{ hop: { from: 'peer', to: 'mover', bytes: 1500 } }, { compute: { vmu: 'mover', demand: '200us' } }, { hop: { from: 'mover', to: 'peer', bytes: 1500 } }],
        },
      ],
      flows: [],
    };
    const run = simulate(normalizeScenario(raw(chain)), model('kvm-irmos'));
    const m = run.migrations![0];
    const c = run.chains!.find((x) => x.id === 'order')!;
    const before = run.tasks.find((t) => t.id === 'order-stage1')!;
    const after = run.tasks.find((t) => t.id === 'order-stage1.ph2')!;
    // 500 requests/s over ~(resume … 600 ms) run their compute on ph2.
    expect(after.completed).toBeGreaterThan(((1000 * MS - m.resumedAtNs!) / MS) * 0.5 * 0.9);
    expect(before.completed).toBeGreaterThan(0);
    expect(c.lost).toBeLessThanOrEqual((m.downtimeNs! / MS) * 0.5 + 2);
    expect(c.completed + c.lost).toBeGreaterThanOrEqual(c.requests - 2);
  });
});

describe('a destination the peers cannot reach', () => {
  it('is an input error naming /migrations/0/to', () => {
    const three = raw({
      hosts: [
        { id: 'ph1', cpus: 2 },
        { id: 'ph2', cpus: 2 },
        { id: 'ph3', cpus: 2 },
      ],
      links: [
        { id: 'a', hosts: ['ph1', 'ph2'], bandwidth: '100Mbit/s', delay: '50us' },
        { id: 'b', hosts: ['ph1', 'ph3'], bandwidth: '100Mbit/s', delay: '50us' },
      ],
      vmus: [
        { id: 'mover', host: 'ph1', tasks: [] },
        { id: 'peer', host: 'ph2', tasks: [] },
      ],
      flows: [{ id: 'in', from: 'peer', to: 'mover', rate: '1000/s', size: 100 }],
      migrations: [{ vmu: 'mover', to: 'ph3', at: '100ms', memory: '4MiB', dirtyRate: '2MB/s' }],
    });
    let error: unknown;
    try {
      normalizeScenario(three, 'm.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.pointer).toBe('/migrations/0/to');
    expect(e.expected).toMatch(/reaches ph2, where flow in's other end peer runs/);
    expect(e.found).toBe('"ph3"');
  });
});
