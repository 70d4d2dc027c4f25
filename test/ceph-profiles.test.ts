// Ceph's mClock profiles (io-qos.md §1.4) on an mclock device: the allocation each profile gives
// its op classes is the documented table's, and under it mClock reaches its steady state
// a_i = min(l_i, max(r_i, w_i·x)) with Σa_i = capacity (Gulati et al., OSDI 2010; io-qos.md §1.2).
import { describe, expect, it } from 'vitest';
import type { ServedRequest } from '../src/engine/device.js';
import { createQdisc } from '../src/engine/qdisc.js';
import type { MClock } from '../src/engine/qdiscs/mclock.js';
import { CEPH_CLASSES, CEPH_PROFILE_NAMES, CEPH_RELEASES, profileAllocation } from '../src/engine/storage/ceph-profiles.js';
import { storageDiscipline } from '../src/engine/storage/host-storage.js';
import { InputError } from '../src/errors.js';
import { parseScenarioText } from '../src/scenario/index.js';
import { fluidShares } from './helpers/mclock-fluid.js';
import { closedLoop, countIn } from './helpers/qdisc.js';

const SECOND = 1_000_000_000;

// The Reef docs' "mClock Built-in Profiles" tables, typed in from the docs (docs.ceph.com/en/reef/
// rados/configuration/mclock-config-ref/): res % / weight / lim % per class, MAX = no limit.
const REEF_DOCS = {
  balanced: { client: [50, 1, 'MAX'], background_recovery: [50, 1, 'MAX'], background_best_effort: [0, 1, 90] },
  high_client_ops: { client: [60, 2, 'MAX'], background_recovery: [40, 1, 'MAX'], background_best_effort: [0, 1, 70] },
  high_recovery_ops: { client: [30, 1, 'MAX'], background_recovery: [70, 2, 'MAX'], background_best_effort: [0, 1, 'MAX'] },
} as const;

describe('Ceph mClock profiles: the versioned table', () => {
  it.each(CEPH_PROFILE_NAMES)('reef %s gives each class the documented reservation, weight and limit of a 315-IOPS OSD', (profile) => {
    const a = profileAllocation('reef', profile, 315);
    for (const c of CEPH_CLASSES) {
      const [res, wgt, lim] = REEF_DOCS[profile][c];
      expect(a[c].reservation).toBeCloseTo((res / 100) * 315, 9);
      expect(a[c].weight).toBe(wgt);
      // mclock.ts reads limit 0 as "no limit" (dmclock: l = 0 → L = −∞).
      expect(a[c].limit).toBeCloseTo(lim === 'MAX' ? 0 : (lim / 100) * 315, 9);
    }
  });

  it.each(CEPH_RELEASES)('every %s profile reserves at most the whole OSD (feasibility Σr ≤ capacity)', (release) => {
    for (const p of CEPH_PROFILE_NAMES) {
      const a = profileAllocation(release, p, 1000);
      expect(CEPH_CLASSES.reduce((sum, c) => sum + a[c].reservation, 0)).toBeLessThanOrEqual(1000 + 1e-9);
    }
  });
});

/** Each class backlogged on a device of `capacity` IOPS under `release`'s `profile`: IOPS per class over [from, to). */
function measure(release: (typeof CEPH_RELEASES)[number], profile: (typeof CEPH_PROFILE_NAMES)[number], capacity: number) {
  const streams = profileAllocation(release, profile, capacity);
  const q = createQdisc<ServedRequest>({ name: 'mclock', params: { streams } }) as MClock<ServedRequest>;
  const { completions } = closedLoop(
    q,
    CEPH_CLASSES.map((c) => ({ flow: c, outstanding: 16 })),
    { serviceNs: SECOND / capacity, untilNs: 12 * SECOND },
  );
  return { streams, iops: CEPH_CLASSES.map((c) => countIn(completions.get(c)!, 2 * SECOND, 12 * SECOND) / 10) };
}

describe('Ceph mClock profiles: the steady state min(l, max(r, w·x))', () => {
  for (const release of CEPH_RELEASES)
    it.each(CEPH_PROFILE_NAMES)(`${release} %s: three backlogged classes on a 500-IOPS OSD get their fluid shares`, (profile) => {
      const { streams, iops } = measure(release, profile, 500);
      const expected = fluidShares(CEPH_CLASSES.map((c) => streams[c]), 500);
      CEPH_CLASSES.forEach((c, i) => {
        expect(Math.abs(iops[i] - expected[i]), `${c}: ${iops[i]} vs ${expected[i]}`).toBeLessThanOrEqual(0.03 * 500);
        expect(iops[i], `${c} reservation`).toBeGreaterThanOrEqual(streams[c].reservation * 0.98);
      });
    });
});

describe('a Ceph profile on a scenario\'s mclock device', () => {
  const scenario = (storage: string, stream = 'class: background_recovery') => `
name: ceph
duration: 1s
hosts:
  - { id: osd1, cpus: 1, storage: { device: hdd, ${storage} } }
vmus:
  - id: v
    host: osd1
    io:
      - { id: app, kind: disk, rate: 20/s, storage: {} }
      - { id: db, kind: disk, rate: 20/s, storage: {} }
      - { id: rebuild, kind: disk, rate: 20/s, storage: { ${stream} } }
`;
  const load = (text: string) => parseScenarioText(text, 'ceph.yaml');
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof InputError) return e.message;
      throw e;
    }
    throw new Error('no InputError');
  };

  it('puts the streams of one class into one mClock client with the profile\'s allocation', () => {
    const sc = load(scenario('scheduler: mclock, profile: high_client_ops'));
    const host = sc.hosts[0].storage!;
    expect(host.profile).toEqual({ name: 'high_client_ops', release: 'reef' });
    const d = storageDiscipline(host, sc.vmus[0].io.map((l) => ({ ...l, storage: l.storage! })));
    const params = d.params as { streams: Record<string, { reservation: number }>; classOf: Record<string, string> };
    expect(params.classOf).toEqual({ app: 'client', db: 'client', rebuild: 'background_recovery' });
    // 60 % and 40 % of the same capacity (the device's 4 KiB random-write IOPS).
    expect(params.streams.client.reservation / params.streams.background_recovery.reservation).toBeCloseTo(1.5, 9);
  });

  it('refuses an unknown profile, a profile on another scheduler, and a stream with QoS of its own under a profile', () => {
    expect(message(() => load(scenario('scheduler: mclock, profile: high_client')))).toMatch(/\/hosts\/0\/storage\/profile[\s\S]*balanced[\s\S]*high_client_ops[\s\S]*high_recovery_ops/);
    expect(message(() => load(scenario('scheduler: fifo, profile: balanced')))).toMatch(/\/hosts\/0\/storage\/profile[\s\S]*only with scheduler mclock[\s\S]*scheduler fifo/);
    expect(message(() => load(scenario('scheduler: mclock, profile: balanced', 'reservation: 10/s')))).toMatch(/\/vmus\/0\/io\/2\/storage\/reservation[\s\S]*profile balanced sets it/);
    expect(message(() => load(scenario('scheduler: mclock')))).toMatch(/\/vmus\/0\/io\/2\/storage\/class[\s\S]*a Ceph profile on host osd1/);
  });

  it('serializes back to the same scenario', async () => {
    const { serializeScenario } = await import('../src/scenario/index.js');
    const sc = load(scenario('scheduler: mclock, profile: high_recovery_ops, profileRelease: quincy-dev'));
    expect(load(JSON.stringify(serializeScenario(sc)))).toEqual(sc);
  });
});
