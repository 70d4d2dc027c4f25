// A VSN's request chains (issue 11 "VSNs across PHs"): a request crosses a packet hop PH1 → PH2, a
// compute stage in the VMU on PH2, a storage request on PH2's device and the hop back. Checked:
// with idle CPUs and an empty link its latency is the analytic sum of its stages under every model;
// the breakdown's components add up to the end-to-end latency; a CPU hog on PH2 under a stack that
// reserves nothing moves time into CPU wait and none into the link; same seed, same results.
import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { kvmLinux } from '../models/kvm/kvm-linux.js';
import { DEFAULT_IXB, receiveCostNs, sendCostNs } from '../src/engine/net/ixb.js';
import type { ChainSpec, LinkSpec } from '../src/engine/system.js';
import { InputError } from '../src/errors.js';
import { simulate } from '../src/experiments/simulate.js';
import { runMetrics } from '../src/metrics/metric-accessors.js';
import { checkExpectations } from '../src/metrics/results.js';
import { METRICS, METRIC_NAMES } from '../src/scenario/metric-names.js';
import { parseScenarioText, serializeScenario } from '../src/scenario/index.js';
import type { ChainResult } from '../src/metrics/chain-results.js';
import type { Scenario } from '../src/scenario/types.js';
import { busyTask, host, ms, scenario, us, vmu } from './helpers/scenario.js';

const BYTES = 1250;
const link: LinkSpec = { id: 'l1', hosts: ['ph1', 'ph2'], bandwidthBps: 100e6, delayNs: us(50), queuePackets: 1000 };
const chain = (perSec: number): ChainSpec => ({
  id: 'order',
  arrival: { kind: 'periodic', period: Math.round(1e9 / perSec), offset: 0, jitter: 0 },
  stages: [
    { kind: 'hop', from: 'web', to: 'db', bytes: BYTES },
    { kind: 'compute', vmu: 'db', demandNs: ms(1), priority: 60 },
    { kind: 'storage', host: 'ph2', bytes: 4096, write: false, serviceNs: ms(2) },
    { kind: 'hop', from: 'db', to: 'web', bytes: BYTES },
  ],
  deadline: ms(5),
});

const vsn = (perSec: number, hog = false): Scenario =>
  scenario({
    durationNs: ms(400),
    hosts: [host('ph1', 1), host('ph2', 1)],
    vmus: [vmu('web', []), vmu('db', [], { host: 'ph2' }), ...(hog ? [vmu('hog', [busyTask('spin')], { host: 'ph2' })] : [])],
    links: [link],
    chains: [chain(perSec)],
  });

const chainOf = (run: { chains?: ChainResult[] }) => run.chains!.find((c) => c.id === 'order')!;

describe('a request chain across two PHs', () => {
  const idle = vsn(50);

  it.each(MODELS.map((m) => [m.name, m] as const))('%s: idle CPUs, empty link: latency = Σ stage times, and the breakdown says where', (_name, model) => {
    const c = chainOf(simulate(idle, model));
    const crossing = (i: number) => model.packetPath!(idle.vmus[i], { scenario: idle, host: idle.hosts[i], params: {}, paramsPointer: '' }).crossingNs;
    const bits = BYTES * 8;
    // One hop: the sender's IXB, its vNIC at 10 Gbit/s, the link's wire and propagation, the receiver's IXB (io-qos.md §2.3).
    const ixb = (from: number, to: number) => sendCostNs(DEFAULT_IXB, BYTES, crossing(from)) + bits / 10 + receiveCostNs(DEFAULT_IXB, BYTES, crossing(to));
    const wire = (bits / 100e6) * 1e9 + us(50);
    const expected = ixb(0, 1) + wire + ms(1) + ms(2) + wire + ixb(1, 0);
    expect(c.completed).toBe(20);
    expect(c.latency.minNs).toBe(expected);
    expect(c.latency.maxNs).toBe(expected);
    expect(c.breakdown.cpuWait.meanNs).toBe(0);
    expect(c.breakdown.cpuRun.meanNs).toBe(ms(1));
    expect(c.breakdown.storage.meanNs).toBe(ms(2));
    expect(c.breakdown.link.meanNs).toBe(2 * wire);
    expect(c.breakdown.ixb.meanNs).toBe(ixb(0, 1) + ixb(1, 0));
    expect(c.missed).toBe(0);
  });

  it.each(MODELS.map((m) => [m.name, m] as const))('%s: under a CPU hog the components still sum to the end-to-end latency', (_name, model) => {
    const c = chainOf(simulate(vsn(300, true), model));
    expect(c.completed).toBeGreaterThan(0);
    const parts = Object.values(c.breakdown).reduce((a, p) => a + p.meanNs, 0);
    // Means are rounded to whole ns each: five components, at most 0.5 ns apiece.
    expect(Math.abs(parts - c.latency.meanNs)).toBeLessThanOrEqual(3);
  });

  it('a CPU hog on PH2 under stock Linux (CFS shares, no reservation) moves time into CPU wait, not into the link', () => {
    const calm = chainOf(simulate(vsn(50), kvmLinux));
    const busy = chainOf(simulate(vsn(50, true), kvmLinux));
    // The hog's vCPU is a CFS thread of the same weight as db's: db's job waits its turn (linux-irmos.md §3.1).
    expect(busy.breakdown.cpuWait.meanNs).toBeGreaterThan(calm.breakdown.cpuWait.meanNs + us(100));
    expect(busy.breakdown.link).toEqual(calm.breakdown.link);
    expect(busy.breakdown.storage).toEqual(calm.breakdown.storage);
    expect(busy.breakdown.cpuRun).toEqual(calm.breakdown.cpuRun);
    expect(busy.latency.meanNs).toBeGreaterThan(calm.latency.meanNs);
  });

  it('every chain metric of the catalogue is read from a run with a chain, and expect: bounds it', () => {
    const run = simulate(vsn(50), kvmLinux);
    const metrics = runMetrics(run)['chain:order'];
    for (const m of METRIC_NAMES.filter((x) => METRICS[x].subject === 'chain')) expect(metrics[m], m).toBeTypeOf('number');
    expect(metrics.chainLinkMeanNs).toBe(chainOf(run).breakdown.link.meanNs);
    const sc = { ...vsn(50), expectations: [{ kind: 'metric' as const, model: 'kvm-linux', subject: { kind: 'chain' as const, id: 'order' }, metric: 'chainMissRatio' as const, max: 0, pointer: '/expect/0' }] };
    expect(checkExpectations(sc as Scenario, [run])[0].ok).toBe(true);
  });

  it('same scenario and seed give identical chain results', () => {
    const sc = { ...vsn(300, true), chains: [{ ...chain(300), arrival: { kind: 'poisson' as const, ratePerSec: 300, offset: 0 } }] };
    expect(JSON.stringify(simulate(sc, kvmLinux).chains)).toBe(JSON.stringify(simulate(sc, kvmLinux).chains));
  });
});

describe('chains in scenario files', () => {
  const text = (stages: string, links = '\nlinks:\n  - { id: l1, hosts: [ph1, ph2], bandwidth: 1Gbit/s }') => `
name: vsn
duration: 1s
hosts:
  - { id: ph1, cpus: 1 }
  - { id: ph2, cpus: 1 }${links}
vmus:
  - { id: web, host: ph1 }
  - { id: db, host: ph2 }
chains:
  - id: order
    arrival: poisson
    rate: 100/s
    deadline: 10ms
    stages: ${stages}
`;
  const good = '[{ hop: { from: web, to: db } }, { compute: { vmu: db, demand: 1ms } }, { storage: { host: ph2, service: 500us } }, { hop: { from: db, to: web, bytes: 200 } }]';
  const failure = (t: string): InputError => {
    try {
      parseScenarioText(t, 'vsn.yaml');
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    throw new Error('expected an InputError');
  };

  it('reads stages in their units and round-trips through serializeScenario', () => {
    const sc = parseScenarioText(text(good), 'vsn.yaml');
    expect(sc.chains![0]).toEqual({
      id: 'order',
      arrival: { kind: 'poisson', ratePerSec: 100, offset: 0 },
      deadline: ms(10),
      stages: [
        { kind: 'hop', from: 'web', to: 'db', bytes: 1500 },
        { kind: 'compute', vmu: 'db', demandNs: ms(1), priority: 60 },
        { kind: 'storage', host: 'ph2', bytes: 4096, write: false, serviceNs: us(500) },
        { kind: 'hop', from: 'db', to: 'web', bytes: 200 },
      ],
    });
    const again = parseScenarioText(JSON.stringify(serializeScenario(sc)), 'vsn.json', { format: 'json' });
    expect({ ...again, file: sc.file }).toEqual(sc);
  });

  const cases: [string, string, string, RegExp][] = [
    ['a hop to an unknown VMU', text('[{ hop: { from: web, to: dbb } }]'), '/chains/0/stages/0/hop/to', /did you mean "db"/],
    ['a compute stage in an unknown VMU', text('[{ compute: { vmu: wbe, demand: 1ms } }]'), '/chains/0/stages/0/compute/vmu', /did you mean "web"/],
    ['a hop between PHs with no link', text('[{ hop: { from: web, to: db } }]', ''), '/chains/0/stages/0/hop/to', /joined by a link/],
    ['a stage of two kinds', text('[{ hop: { from: web, to: db }, compute: { vmu: db, demand: 1ms } }]'), '/chains/0/stages/0', /exactly one of hop, compute, storage/],
    ['storage without a service time on a host without a storage model', text('[{ storage: { host: ph2 } }]'), '/chains/0/stages/0/storage/service', /declares no storage/],
    ['storage on an unknown host', text('[{ storage: { host: ph3, service: 1ms } }]'), '/chains/0/stages/0/storage/host', /the id of a host \(ph1, ph2\)/],
    ['a demand of zero', text('[{ compute: { vmu: db, demand: 0s } }]'), '/chains/0/stages/0/compute/demand', /> 0/],
  ];
  it.each(cases)('%s is one pointed error', (_what, t, pointer, message) => {
    const e = failure(t);
    expect(e.pointer).toBe(pointer);
    expect(e.message).toMatch(message);
  });
});
