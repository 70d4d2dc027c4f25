// The IXB packet path (issue 11; io-qos.md §2.3–§2.5; seed §3.1.1, §4.1.1): a lone CBR flow's
// one-way latency is the analytic sum of its CPU, serialisation and propagation times under every
// model; the policer drops exactly the packets that would break its token-bucket envelope; a
// starved IXB drops packets though the link has room; under a reserving stack one VMU's CPU
// overload drops none of another VMU's packets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { kvmIrmos } from '../models/kvm/kvm-irmos.js';
import { kvmLinux } from '../models/kvm/kvm-linux.js';
import { DEFAULT_IXB, receiveCostNs, sendCostNs } from '../src/engine/net/ixb.js';
import { Policer } from '../src/engine/net/policer.js';
import type { FlowSpec, LinkSpec } from '../src/engine/system.js';
import { simulate } from '../src/experiments/simulate.js';
import type { FlowResult } from '../src/metrics/flow-results.js';
import type { Scenario } from '../src/scenario/types.js';
import { busyTask, host, hostThread, ms, s, scenario, us, vmu } from './helpers/scenario.js';

const link: LinkSpec = { id: 'l1', hosts: ['ph1', 'ph2'], bandwidthBps: 100e6, delayNs: us(50), queuePackets: 1000 };
const cbr = (id: string, from: string, to: string, perSec: number, bytes: number): FlowSpec => ({
  id,
  from,
  to,
  arrival: { kind: 'periodic', period: Math.round(1e9 / perSec), offset: 0, jitter: 0 },
  size: { kind: 'constant', value: bytes },
  class: id,
  deadline: Infinity,
});

const flowOf = (run: { flows?: FlowResult[] }, id: string) => run.flows!.find((f) => f.id === id)!;

describe('a lone CBR flow between two PHs (io-qos.md §2.3 pipeline, A7)', () => {
  const sc = scenario({
    durationNs: ms(200),
    hosts: [host('ph1', 1), host('ph2', 1)],
    vmus: [vmu('a', []), vmu('b', [], { host: 'ph2' })],
    links: [link],
    flows: [cbr('f', 'a', 'b', 1000, 1250)],
  });

  it.each(MODELS.map((m) => [m.name, m] as const))('%s: latency = send CPU + vNIC + wire serialisation + propagation + receive CPU, every packet', (_name, model) => {
    const run = simulate(sc, model);
    const prepare = { scenario: sc, host: sc.hosts[0], params: {}, paramsPointer: '' };
    const crossing = model.packetPath!(sc.vmus[0], prepare).crossingNs;
    const bits = 1250 * 8;
    const expected = sendCostNs(DEFAULT_IXB, 1250, crossing) + bits / 10 + (bits / 100e6) * 1e9 + us(50) + receiveCostNs(DEFAULT_IXB, 1250, crossing);
    const f = flowOf(run, 'f');
    expect(f.latency.minNs).toBe(expected);
    expect(f.latency.maxNs).toBe(expected);
    expect(f.jitterNs).toBe(0);
    expect(f.lossRatio).toBe(0);
    // 1000 packets/s of 1250 B: 10 Mbit/s.
    expect(f.throughputBps).toBeCloseTo(10e6, -5);
  });
});

describe('ingress policer (io-qos.md §2.1)', () => {
  it('drops exactly the packets whose passing would break burst + rate·t over some window ending at them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3_000_000 }), bytes: fc.integer({ min: 64, max: 1500 }) }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 100_000, max: 5_000_000 }),
        fc.integer({ min: 1500, max: 10_000 }),
        (raw, rate, burst) => {
          const policer = new Policer(rate, burst);
          const passed: { at: number; bytes: number }[] = [];
          let at = 0;
          for (const p of raw) {
            at += p.gap;
            const ok = policer.conforms(p.bytes, at);
            // Envelope: from the start (bucket full) or from any earlier passed packet s, the bytes
            // passed in [s, at) plus this packet must fit in burst + rate·(at − s).
            const starts = [0, ...passed.map((q) => q.at)];
            const fits = starts.every((s0) => passed.filter((q) => q.at >= s0).reduce((a, q) => a + q.bytes, 0) + p.bytes <= burst + (rate * (at - s0)) / 1e9 + 1e-3);
            const clearly = starts.every((s0) => passed.filter((q) => q.at >= s0).reduce((a, q) => a + q.bytes, 0) + p.bytes <= burst + (rate * (at - s0)) / 1e9 - 1e-3);
            if (ok) expect(fits).toBe(true);
            else expect(clearly).toBe(false);
            if (ok) passed.push({ at, bytes: p.bytes });
          }
        },
      ),
      { numRuns: 200, seed: 31 },
    );
  });
});

describe('IXB CPU starvation (io-qos.md §2.5; seed §4.1.1)', () => {
  // 10 kpps of 500 B (40 Mbit/s) over a 1 Gbit/s link: 4 % of the wire. The IXB work is ≈ 4.9 µs a
  // packet each side in the VMU's vhost, SCHED_OTHER under stock Linux (ioThreads outside).
  const flows = [cbr('f', 'a', 'b', 10_000, 500)];
  const base = (hog: boolean): Scenario =>
    scenario({
      durationNs: s(2),
      warmupNs: ms(100),
      hosts: [host('ph1', 1), host('ph2', 1)],
      vmus: [vmu('a', []), vmu('b', [], { host: 'ph2' })],
      hostThreads: hog ? [hostThread(busyTask('hog', { policy: { class: 'fifo', priority: 50 } }))] : [],
      links: [{ ...link, bandwidthBps: 1e9 }],
      flows,
    });

  it('an RT hog on the sender PH starves vhost: packets are dropped at the ring though the link carries 4 % of its rate', () => {
    const idle = flowOf(simulate(base(false), kvmLinux), 'f');
    expect(idle.lossRatio).toBe(0);
    const starved = flowOf(simulate(base(true), kvmLinux), 'f');
    // SCHED_OTHER vhost runs beside the hog only on CFS's 50 ms per second (6.12's fair server,
    // RT throttling at 950 ms / 1 s; linux-irmos.md §3.1): once that is spent its ring of 256 fills
    // and every later packet of the second is dropped there — none at a queue or the wire.
    expect(starved.lost.starved).toBeGreaterThan(starved.sent / 4);
    expect(starved.lost.queueFull).toBe(0);
    expect(starved.lost.policed).toBe(0);
    expect(starved.throughputBps).toBeLessThan(0.75 * idle.throughputBps);
  });
});

describe('isolation of packet work (seed §3.1.1: a VMU overloading the CPU must not cause drops on other VMUs)', () => {
  it('under kvm-irmos with I/O threads inside the reservations, a busy VMU drops none of its neighbour\'s packets', () => {
    const sla = { budget: ms(3), period: ms(10), deadline: ms(10) };
    const sc = scenario({
      durationNs: s(2),
      warmupNs: ms(100),
      hosts: [host('ph1', 1), host('ph2', 1)],
      vmus: [vmu('noisy', [busyTask('loop')], { sla }), vmu('calm', [], { sla }), vmu('sink', [], { host: 'ph2' })],
      links: [{ ...link, bandwidthBps: 1e9 }],
      flows: [cbr('calm-f', 'calm', 'sink', 10_000, 500), cbr('noisy-f', 'noisy', 'sink', 10_000, 500)],
    });
    const run = simulate(sc, kvmIrmos, { params: { ioThreads: 'inside' }, pointer: '/models/0' });
    const calm = flowOf(run, 'calm-f');
    expect(calm.sent).toBeGreaterThan(18_000);
    expect(calm.lossRatio).toBe(0);
    // The worst wait is a blackout of the reservation, P − Q = 7 ms, plus the path itself (io-qos.md §2.5).
    expect(calm.latency.maxNs).toBeLessThanOrEqual(ms(7) + us(200));
  });
});

describe('classes on a virtual link (io-qos.md §2.3: EF strict priority, policed)', () => {
  const camLink = {
    bandwidthBps: 10e6,
    police: { rateBytesPerSec: 3e6 / 8, burstBytes: 3000, action: 'remark' as const, remarkClass: 'be', onlyClass: 'ef' },
    egress: { name: 'prio' as const, params: { classes: [{ name: 'ef', limitPackets: 50 }, { name: 'be', limitPackets: 50 }] } },
  };
  it('a 10 Mbit/s vNIC under prio keeps the EF flow whole and fast while best effort overflows its queue; an EF policer re-marks the excess of EF', () => {
    const sc = scenario({
      durationNs: s(1),
      warmupNs: ms(50),
      hosts: [host('ph1', 1)],
      vmus: [vmu('cam', [], { vlink: camLink }), vmu('cam2', [], { vlink: camLink }), vmu('sink', [])],
      flows: [
        { ...cbr('voice', 'cam', 'sink', 200, 1000), class: 'ef' }, // 1.6 Mbit/s, under its VMU's 3 Mbit/s EF policer
        { ...cbr('bulk', 'cam', 'sink', 2000, 1000), class: 'be' }, // 16 Mbit/s of best effort on the same vNIC
        { ...cbr('greedy', 'cam2', 'sink', 750, 1000), class: 'ef' }, // 6 Mbit/s of EF: its excess over 3 Mbit/s is re-marked
      ],
    });
    const run = simulate(sc, kvmLinux);
    const voice = flowOf(run, 'voice');
    const bulk = flowOf(run, 'bulk');
    const greedy = flowOf(run, 'greedy');
    expect(voice.lossRatio).toBe(0);
    expect(voice.remarked).toBe(0);
    // EF waits at most for the packet in service on the 10 Mbit/s vNIC (0.8 ms) and its own serialisation.
    expect(voice.latency.maxNs).toBeLessThan(ms(2));
    expect(bulk.lost.queueFull).toBeGreaterThan(0);
    // cam's vNIC never carries more than its rate, and is kept busy.
    const camTotal = voice.throughputBps + bulk.throughputBps;
    expect(camTotal).toBeLessThanOrEqual(10e6 * 1.01);
    expect(camTotal).toBeGreaterThan(10e6 * 0.95);
    // The policer passes as EF at most burst + rate·t (io-qos.md §2.1); about half of greedy is re-marked.
    const passedEf = (greedy.sent - greedy.remarked) * 1000;
    expect(passedEf).toBeLessThanOrEqual(3000 + (3e6 / 8) * 0.95 + 1000);
    expect(greedy.remarked / greedy.sent).toBeGreaterThan(0.45);
  });
});

describe('flow arrivals and expectations', () => {
  it('on/off sends a packet every period while on and nothing while off', async () => {
    const { FlowClock } = await import('../src/engine/net/flow.js');
    const { Rng } = await import('../src/engine/rng.js');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 20 }), (period, onPeriods, off) => {
        const on = onPeriods * period - (period > 1 ? 1 : 0);
        const clock = new FlowClock({ kind: 'onoff', period, onNs: on, offNs: off, offset: 7 }, new Rng(1));
        const times = Array.from({ length: 200 }, () => clock.next());
        const cycle = on + off;
        for (const t of times) expect((t - 7) % cycle).toBeLessThan(on);
        // Per cycle, ⌈on / period⌉ packets.
        expect(times.filter((t) => t - 7 < cycle).length).toBe(Math.min(200, Math.ceil(on / period)));
      }),
      { numRuns: 100, seed: 32 },
    );
  });

  it('expectations read flow metrics by flow id', async () => {
    const { checkExpectations } = await import('../src/metrics/results.js');
    const sc = scenario({
      durationNs: ms(100),
      hosts: [host('ph1', 1)],
      vmus: [vmu('a', []), vmu('b', [])],
      flows: [cbr('f', 'a', 'b', 1000, 1000)],
      expectations: [
        { kind: 'metric', subject: { kind: 'flow', id: 'f' }, metric: 'flowLossRatio', max: 0, pointer: '/expect/0' },
        { kind: 'metric', subject: { kind: 'flow', id: 'f' }, metric: 'flowLatencyMaxNs', max: 1000, pointer: '/expect/1' },
      ],
    });
    const run = simulate(sc, kvmLinux);
    const [loss, latency] = checkExpectations(sc, [run]);
    expect(loss).toMatchObject({ task: 'f', metric: 'flowLossRatio', value: 0, ok: true });
    // The path alone costs more than 1 µs (two IXB stages of several µs).
    expect(latency).toMatchObject({ metric: 'flowLatencyMaxNs', value: flowOf(run, 'f').latency.maxNs, ok: false });
  });
});
