// An OSD box reached over the network (issue 11; src/engine/storage/remote-osd.ts). Checked: on an
// idle system a remote request's latency is the local service plus both IXBs' CPU, both messages'
// serialisations and two propagation delays, under every model (a stream and a chain stage alike,
// the chain's breakdown saying which is which); mClock holds reservations across hosts while another
// host's best-effort stream overloads the shared device (io-qos.md §1.2); a starved source IXB delays
// the remote stream but not the local one; refusals name the pointer; same seed, same results.
import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { kvmIrmos } from '../models/kvm/kvm-irmos.js';
import { xenCredit } from '../models/xen/xen-models.js';
import type { HypervisorModel } from '../src/engine/model.js';
import { DEFAULT_IXB, receiveCostNs, sendCostNs } from '../src/engine/net/ixb.js';
import { SsdModel } from '../src/engine/storage/ssd.js';
import { OSD_HEADER_BYTES } from '../src/engine/storage/remote-osd.js';
import { InputError } from '../src/errors.js';
import { simulate } from '../src/experiments/simulate.js';
import { parseScenarioText, serializeScenario } from '../src/scenario/index.js';
import type { Scenario } from '../src/scenario/types.js';

const load = (text: string) => parseScenarioText(text, 'osd.yaml');
const serialisation = (bytes: number, bps: number) => Math.max(1, Math.round((bytes * 8 * 1e9) / bps));

/** An idle system: app on ph1 reads 4 KiB from the OSD box `osd` (no VMUs) over a 1 Gbit/s link with 100 µs propagation. */
const idle = load(`
name: idle
duration: 1s
hosts:
  - { id: ph1, cpus: 1 }
  - { id: osd, cpus: 1, storage: { device: ssd } }
links:
  - { id: l1, hosts: [ph1, osd], bandwidth: 1Gbit/s, delay: 100us }
vmus:
  - id: app
    host: ph1
    io:
      - { id: remote, kind: disk, period: 50ms, compute: 40us, device: 0us, storage: { size: 4096, osd: osd } }
  - { id: web, host: ph1 }
chains:
  - id: lookup
    arrival: cbr
    rate: 20/s
    start: 25ms
    stages:
      - compute: { vmu: web, demand: 100us }
      - storage: { host: osd, bytes: 4096 }
`);

/** The network part of a 4 KiB read from VMU `vmu` to the OSD under `model`: IXB CPU and link time, each way. */
function trip(model: HypervisorModel, vmu: string) {
  const setup = (h: number) => ({ scenario: idle, host: idle.hosts[h], params: {}, paramsPointer: '' });
  const vmuCrossing = model.packetPath!(idle.vmus.find((v) => v.id === vmu)!, setup(0)).crossingNs;
  const osdCrossing = model.hostPacketPath!(setup(1))!.crossingNs;
  const request = OSD_HEADER_BYTES;
  const reply = OSD_HEADER_BYTES + 4096;
  // Out: the VMU's IXB send and its vNIC (10 Gbit/s), the OSD host's IXB receive; back: the OSD's IXB
  // send (no virtual link on the host's own endpoint), the VMU's IXB receive (io-qos.md §2.3, §2.4).
  const ixb =
    sendCostNs(DEFAULT_IXB, request, vmuCrossing) + serialisation(request, 10e9) + receiveCostNs(DEFAULT_IXB, request, osdCrossing) +
    sendCostNs(DEFAULT_IXB, reply, osdCrossing) + receiveCostNs(DEFAULT_IXB, reply, vmuCrossing);
  const link = serialisation(request, 1e9) + 100_000 + serialisation(reply, 1e9) + 100_000;
  return { ixb, link };
}

const ssdRead = new SsdModel({}).serviceNs({ flow: 'x', bytes: 4096, write: false, serviceNs: 0, arrivalNs: 0, deadlineNs: 0 });

describe('an OSD reached over the network, on an idle system', () => {
  it.each(MODELS.map((m) => [m.name, m] as const))('%s: latency = guest work + both IXBs + 2 × propagation + transfers + the device', (_name, model) => {
    const run = simulate(idle, model);
    const { ixb, link } = trip(model, 'app');
    const guest = model.ioPath!(idle.vmus[0].io[0], idle.vmus[0], { scenario: idle, host: idle.hosts[0], params: {}, paramsPointer: '' })
      .filter((s) => s.kind === 'cpu')
      .reduce((sum, s) => sum + (s.kind === 'cpu' && s.costNs !== 'compute' ? s.costNs : 40_000), 0);
    const stream = run.io.find((l) => l.id === 'remote')!;
    expect(stream.completed).toBe(20);
    expect(stream.latency.minNs).toBe(guest + ixb + link + ssdRead);
    expect(stream.latency.maxNs).toBe(guest + ixb + link + ssdRead);
    expect(stream.osd).toEqual({ host: 'osd', ixb: { meanNs: ixb, p99Ns: ixb }, link: { meanNs: link, p99Ns: link }, storage: { meanNs: ssdRead, p99Ns: ssdRead } });
    // The chain's storage stage, issued from web: its breakdown puts each part where it was spent.
    const chain = run.chains!.find((c) => c.id === 'lookup')!;
    const lookupTrip = trip(model, 'web');
    expect(chain.breakdown.storage.meanNs).toBe(ssdRead);
    expect(chain.breakdown.ixb.meanNs).toBe(lookupTrip.ixb);
    expect(chain.breakdown.link.meanNs).toBe(lookupTrip.link);
    expect(chain.breakdown.cpuRun.meanNs).toBe(100_000);
    expect(chain.latency.maxNs).toBe(100_000 + lookupTrip.ixb + lookupTrip.link + ssdRead);
  });
});

/**
 * Three hosts share the HDD of `osd` (≈ 80 random 4 KiB reads/s, io-qos.md §1.9): a reserved stream
 * from ph1, a best-effort flood from ph2 that alone overloads the disk, and a reserved stream of the
 * OSD host's own VMU. Σ r = 50/s × ≈ 12.4 ms ≈ 62 % of the disk.
 */
const shared = (scheduler: string) => `
name: shared
duration: 12s
warmup: 2s
seed: 5
hosts:
  - { id: ph1, cpus: 1 }
  - { id: ph2, cpus: 1 }
  - { id: osd, cpus: 1, storage: { device: hdd, scheduler: ${scheduler} } }
links:
  - { id: l1, hosts: [ph1, osd], bandwidth: 1Gbit/s, delay: 100us }
  - { id: l2, hosts: [ph2, osd], bandwidth: 1Gbit/s, delay: 100us }
vmus:
  - { id: a, host: ph1, io: [{ id: reserved-remote, kind: disk, rate: 30/s, compute: 20us, device: 0us, deadline: 200ms, storage: { osd: osd, reservation: 30/s } }] }
  - { id: b, host: ph2, io: [{ id: flood, kind: disk, rate: 150/s, compute: 20us, device: 0us, storage: { osd: osd, weight: 1 } }] }
  - { id: c, host: osd, io: [{ id: reserved-local, kind: disk, rate: 20/s, compute: 20us, device: 0us, deadline: 200ms, storage: { reservation: 20/s } }] }
`;

describe('one OSD device scheduler for the streams of every host', () => {
  for (const model of [kvmIrmos, xenCredit]) {
    it(`${model.name}: mClock holds both reservations (Σr ≤ capacity) while another host's flood overloads the disk; FIFO does not`, () => {
      const byId = (text: string) => Object.fromEntries(simulate(load(text), model).io.map((l) => [l.id, l]));
      const mclock = byId(shared('mclock'));
      const fifo = byId(shared('fifo'));
      // Reserved streams within their reservations get what they ask (io-qos.md §1.2: R tags first).
      expect(mclock['reserved-remote'].iops!).toBeGreaterThan(27);
      expect(mclock['reserved-local'].iops!).toBeGreaterThan(18);
      expect(mclock['reserved-remote'].missRatio).toBeLessThan(0.1);
      expect(mclock['reserved-local'].missRatio).toBeLessThan(0.1);
      // The flood takes what is left: the disk is saturated, the flood far below its 150/s.
      expect(mclock.flood.iops!).toBeLessThan(70);
      // FIFO queues everyone behind the flood: the reserved streams miss their bound.
      expect(fifo['reserved-remote'].missRatio).toBeGreaterThan(0.5);
      expect(fifo['reserved-local'].missRatio).toBeGreaterThan(0.5);
    });
  }

  it('same scenario and seed give identical results', () => {
    const a = simulate(load(shared('mclock')), kvmIrmos);
    const b = simulate(load(shared('mclock')), kvmIrmos);
    expect(JSON.stringify(b.io)).toBe(JSON.stringify(a.io));
    expect(JSON.stringify(b.tasks)).toBe(JSON.stringify(a.tasks));
  });
});

/**
 * kvm-irmos, ph1 with CPU categories: the IXB's fixed 10 % (Q = 1 ms every P = 10 ms) holds every
 * vhost thread (irmos-categories.ts). A flow between two best-effort VMUs of ph1 asks far more IXB
 * CPU than that; app's remote stream leaves through its vhost (in the IXB group), its local stream
 * through its iothread (in its own reservation, ioThreads inside).
 */
const starved = (flood: boolean) => `
name: starved
duration: 3s
warmup: 500ms
seed: 3
hosts:
  - id: ph1
    cpus: 1
    storage: { device: ssd }
    categories: { ixb: { share: 10%, fixed: true }, vmu: { share: 60%, fixed: true }, framework: { share: 10% } }
  - { id: osd, cpus: 1, storage: { device: ssd } }
links:
  - { id: l1, hosts: [ph1, osd], bandwidth: 1Gbit/s, delay: 100us }
vmus:
  - id: app
    host: ph1
    sla: { budget: 2ms, period: 10ms }
    io:
      - { id: remote, kind: disk, rate: 50/s, compute: 20us, device: 0us, storage: { osd: osd } }
      - { id: local, kind: disk, rate: 50/s, compute: 20us, device: 0us, storage: {} }
  - { id: sender, host: ph1, sla: { budget: 500us, period: 10ms } }
  - { id: sink, host: ph1, sla: { budget: 500us, period: 10ms } }
${flood ? 'flows:\n  - { id: flood, from: sender, to: sink, rate: 40000/s, size: 1000 }' : ''}
`;

describe('a starved source IXB', () => {
  it('kvm-irmos: delays the remote stream (its vhost waits in the IXB reservation) but not the local one (its iothread is not there)', () => {
    const byId = (text: string) => Object.fromEntries(simulate(load(text), kvmIrmos).io.map((l) => [l.id, l]));
    const calm = byId(starved(false));
    const busy = byId(starved(true));
    // Remote requests wait for app's vhost behind the flood's backlog in the throttled IXB group:
    // most never complete, and those that do waited more than the group's blackout P − Q = 9 ms.
    expect(busy.remote.completed).toBeLessThan(calm.remote.completed / 2);
    if (busy.remote.completed > 0) expect(busy.remote.latency.meanNs).toBeGreaterThan(calm.remote.latency.meanNs + 9_000_000);
    // Local requests never touch the IXB: the group only takes its CPU time ahead of them, at most
    // 2Q = 2 ms in a window shorter than P (a budget at the end of one period and the next at the start
    // of the following one; hard CBS, linux-irmos.md §2.4).
    expect(busy.local.completed).toBe(calm.local.completed);
    expect(busy.local.latency.maxNs).toBeLessThanOrEqual(calm.local.latency.maxNs + 2_000_000);
  });
});

describe('OSD hosts in scenario files', () => {
  const ph1ph2 = '\nlinks:\n  - { id: l1, hosts: [ph1, ph2], bandwidth: 1Gbit/s }';
  const text = (osd: string, { links = ph1ph2, reservation = '20/s', extra = '' } = {}) => `
name: osd
duration: 1s
hosts:
  - { id: ph1, cpus: 1 }
  - { id: ph2, cpus: 1, storage: { device: hdd, scheduler: mclock } }
  - { id: ph3, cpus: 1 }${links}
vmus:
  - { id: a, host: ph1, io: [{ id: s1, kind: disk, rate: 10/s, compute: 10us, device: 0us, storage: { osd: ${osd}, reservation: ${reservation} } }] }
  - { id: b, host: ph2, io: [{ id: s2, kind: disk, rate: 10/s, compute: 10us, device: 0us, storage: { reservation: 50/s } }] }${extra}
`;
  const failure = (t: string): InputError => {
    try {
      load(t);
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    throw new Error('expected an InputError');
  };

  it('reads osd and round-trips it through serializeScenario', () => {
    const sc = load(text('ph2'));
    expect(sc.vmus[0].io[0].storage!.osd).toBe('ph2');
    const again = parseScenarioText(JSON.stringify(serializeScenario(sc)), 'osd.json', { format: 'json' });
    expect({ ...again, file: sc.file }).toEqual(sc);
  });

  const chain = (host: string) => `\nchains:\n  - { id: q, arrival: cbr, rate: 100/s, stages: [{ compute: { vmu: a, demand: 1ms } }, { storage: { host: ${host}, service: 1ms } }] }`;
  const cases: [string, string, string, RegExp][] = [
    ['an unknown OSD host', text('ph22'), '/vmus/0/io/0/storage/osd', /did you mean "ph2"/],
    ['an OSD host without storage', text('ph3', { links: '\nlinks:\n  - { id: l1, hosts: [ph1, ph3], bandwidth: 1Gbit/s }' }), '/vmus/0/io/0/storage/osd', /storage device/],
    ['no link between the PHs', text('ph2', { links: '' }), '/vmus/0/io/0/storage/osd', /joined .* by a link/],
    ['the VMU\'s own host', text('ph1'), '/vmus/0/io/0/storage/osd', /other than VMU a's own/],
    // Two streams of 50/s of 4 KiB random reads on the HDD: 2 × 50 × ≈ 12.4 ms > 100 %, though each host's alone fits.
    ['reservations over the OSD\'s capacity summed over the hosts', text('ph2', { reservation: '50/s' }), '/hosts/1/storage', /124 % reserved \(s1 50\/s \(remote\), s2 50\/s\)/],
    ['a chain\'s storage stage on another host without storage', text('ph2', { extra: chain('ph3') }), '/chains/0/stages/1/storage/host', /storage device/],
  ];
  it.each(cases)('refuses %s with its pointer', (_what, t, pointer, message) => {
    const e = failure(t);
    expect(e.pointer).toBe(pointer);
    expect(e.message).toMatch(message);
  });
});

describe('a chain whose VMU stops while its OSD request is out', () => {
  // web stops at 475.3 ms: the request of 475 ms has finished its 100 µs compute stage and is on its
  // OSD trip (two 100 µs propagations alone), so its reply reaches a VMU that is gone.
  const stopping = load(`
name: osd-stop
duration: 1s
hosts:
  - { id: ph1, cpus: 1 }
  - { id: osd, cpus: 1, storage: { device: ssd } }
links:
  - { id: l1, hosts: [ph1, osd], bandwidth: 1Gbit/s, delay: 100us }
vmus:
  - { id: web, host: ph1, stop: 475300us }
chains:
  - id: lookup
    arrival: cbr
    rate: 20/s
    start: 25ms
    stages:
      - compute: { vmu: web, demand: 100us }
      - storage: { host: osd, bytes: 4096 }
`);

  for (const model of [kvmIrmos, xenCredit]) {
    it(`${model.name}: the request in flight fails as destinationAbsent with those after the stop, none is counted lost`, () => {
      const c = simulate(stopping, model).chains!.find((x) => x.id === 'lookup')!;
      expect(c.requests).toBe(20); // 25, 75, …, 975 ms
      expect(c.failed.destinationAbsent).toBe(10 + 1); // 525 … 975 ms arrive after the stop, 475 ms is out
      expect(c.lost).toBe(0);
      expect(c.completed).toBe(9);
    });
  }
});
