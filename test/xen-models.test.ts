// The Xen models end to end: dom0 as a domain on the guests' I/O path (xen.md §7), the SLA
// mappings, and the same-scenario comparison with KVM + IRMOS.
import { describe, expect, it } from 'vitest';
import type { Scenario, VmuSpec } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { kvmIrmos } from '../models/kvm/kvm-irmos.js';
import { xenCredit, xenCredit2, xenRtds, xenSedf } from '../models/xen/xen-models.js';
import { busyTask, host, hostThread, ms, s, scenario, task, us, vmu, netLoad } from './helpers/scenario.js';

const requests = netLoad('requests', 100, us(200));

const both = [0, 1];

/**
 * A web VMU on a 2-pCPU PH; dom0 also runs some housekeeping of its own (a host thread: under Xen
 * it lives in dom0), so under Credit it burns credit like any domain.
 */
export function dom0Scenario(hogs: number, guestCpus = both, housekeeping = 3): Scenario {
  const web: VmuSpec = { ...vmu('web', [], { affinity: guestCpus }), io: [requests] };
  const spinners = Array.from({ length: hogs }, (_, i) => vmu(`hog${i}`, [busyTask(`spin${i}`)], { affinity: guestCpus }));
  return scenario({
    durationNs: s(10),
    warmupNs: ms(300),
    hosts: [host('ph1', 2)],
    vmus: [web, ...spinners],
    hostThreads: [hostThread(task('housekeeping', ms(housekeeping), ms(10), { policy: { class: 'fair', nice: 0 } }), 'ph1', both)],
  });
}

const latency = (run: ReturnType<typeof simulate>) => run.io.find((l) => l.id === 'requests')!.latency;
const params = (p: Record<string, unknown>) => ({ params: p, pointer: '/models/0' });

describe('Xen dom0 on the guest I/O path', () => {
  it('every guest request crosses dom0 netback twice, and its latency includes that work', () => {
    const run = simulate(dom0Scenario(0), xenCredit);
    const load = run.io[0];
    expect(load.path).toEqual(['dom0 netback RX (dom0.netback)', 'guest handler (requests)', 'dom0 netback TX (dom0.netback)', 'wire']);
    const netback = run.tasks.find((t) => t.id === 'dom0.netback')!;
    expect(netback.vmu).toBe('dom0');
    expect(netback.completed).toBeGreaterThanOrEqual(2 * load.completed - 2);
    // 2 × netback (4 µs) + guest 200 µs + wire 20 µs is the floor of any request.
    expect(load.latency.minNs).toBeGreaterThanOrEqual(us(228));
    const dom0Cpu = run.hosts[0].entities.filter((e) => e.id.startsWith('dom0/')).reduce((a, e) => a + e.cpuShare, 0);
    // Its housekeeping (30 % of a vCPU) plus two netback passes of 4 µs per request, billed to dom0.
    const backendShare = (load.completed * 2 * us(4)) / (s(10) - ms(300));
    expect(dom0Cpu).toBeGreaterThanOrEqual(0.3 + 0.9 * backendShare);
  });

  it('xen-credit: guest network latency grows when dom0 competes with CPU-bound guests; pinning dom0 to its own core keeps it flat, weighting it helps', () => {
    const quiet = latency(simulate(dom0Scenario(0), xenCredit));
    const contended = latency(simulate(dom0Scenario(4), xenCredit));
    const weighted = latency(simulate(dom0Scenario(4), xenCredit, params({ dom0Weight: 4096 })));
    const pinned = latency(simulate(dom0Scenario(4, [1]), xenCredit, params({ dom0Cpus: [0], dom0Pin: true, dom0Vcpus: 1 })));
    expect(contended.p99Ns).toBeGreaterThan(20 * quiet.p99Ns);
    // A dedicated core (xen.md §7.3): the backend never waits behind a guest.
    expect(pinned.p99Ns).toBeLessThan(contended.p99Ns / 20);
    expect(pinned.p99Ns).toBeLessThan(ms(2));
    // A heavier weight keeps dom0 UNDER, so it is boosted on most wake-ups; but a backend that
    // loses BOOST at a tick mid-burst still queues UNDER behind UNDER hogs for a slice (§2.12).
    expect(weighted.p99Ns).toBeLessThan(contended.p99Ns / 2);
  });
});

describe('the isolation scenario across stacks', () => {
  function isolation(withSlas = true): Scenario {
    const frames = task('frames', 0, ms(40), { exec: { kind: 'truncnormal', mean: ms(20), sd: ms(4), min: ms(10), max: ms(28) } });
    return scenario({
      durationNs: s(20),
      warmupNs: ms(400),
      seed: 7,
      vmus: [
        { ...vmu('transcoder', [frames]), ...(withSlas ? { sla: { budget: ms(30), period: ms(40), deadline: ms(40) } } : {}) },
        { ...vmu('buggy', [busyTask('spin')]), ...(withSlas ? { sla: { budget: ms(6), period: ms(40), deadline: ms(40) } } : {}) },
      ],
    });
  }
  const frames = (r: ReturnType<typeof simulate>) => r.tasks.find((t) => t.id === 'frames')!;

  it('the looping VMU makes the transcoder miss under Credit with default weights, and never under kvm-irmos', () => {
    // Xen as installed (weight 256 each, no cap): the loop takes its fair half, and frames needing
    // more than half of 40 ms miss.
    expect(frames(simulate(isolation(false), xenCredit)).missRatio).toBeGreaterThan(0.05);
    expect(frames(simulate(isolation(), kvmIrmos)).missed).toBe(0);
  });

  it('with the SLA mapped to weight and cap, Credit protects the transcoder: its wake-ups are boosted and the loop is capped', () => {
    const run = simulate(isolation(), xenCredit);
    expect(run.mapping.find((m) => m.entity === 'buggy')!.native).toMatch(/cap=15/);
    expect(frames(run).missed).toBe(0);
  });

  it('every Xen model runs the scenario and reports its SLA mapping', () => {
    for (const model of [xenSedf, xenCredit, xenCredit2, xenRtds]) {
      const run = simulate(isolation(), model);
      expect(run.family).toBe('xen');
      expect(run.mapping.map((m) => m.entity)).toEqual(['dom0', 'transcoder', 'buggy']);
      expect(frames(run).completed).toBeGreaterThan(400);
    }
  });
});

describe('Xen bad input', () => {
  const sc = () => dom0Scenario(0);
  const cases: [string, typeof xenCredit, Record<string, unknown>, RegExp][] = [
    ['SEDF slice over its period', xenSedf, { dom0Slice: '30ms', dom0Period: '20ms' }, /params\/dom0Slice/],
    ['RTDS budget over its period', xenRtds, { dom0Budget: '12ms' }, /params\/dom0Budget/],
    ['a negative cap', xenCredit, { dom0Cap: -5 }, /params\/dom0Cap/],
    ['a cap over 100 × vCPUs', xenCredit, { dom0Cap: 250 }, /params\/dom0Cap/],
    ['a weight out of 1–65535', xenCredit2, { dom0Weight: 70000 }, /params\/dom0Weight/],
    ['dom0 pinned to a missing pCPU', xenCredit, { dom0Cpus: [0, 5], dom0Pin: true }, /params\/dom0Cpus/],
  ];
  for (const [what, model, p, where] of cases) {
    it(`${what} is refused with a pointer to the parameter`, () => {
      expect(() => simulate(sc(), model, params(p))).toThrow(where);
    });
  }
});
