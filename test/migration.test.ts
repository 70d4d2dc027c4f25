// Issue 13, live migration (src/engine/migration.ts): pre-copy rounds (Clark et al., NSDI 2005 §3)
// under QEMU's rule (complete when the rest fits bandwidth × downtime-limit, 300 ms; no round limit;
// 128 MiB/s max-bandwidth) and Xen's (xg_sr_save.c simple_precopy_policy: 5 rounds or < 50 dirty pages).
// - On an idle link and idle CPUs the rounds, bytes, total time and downtime follow the closed-form
//   series: round 1 sends the memory, round i what round i−1 let the guest dirty, each at the
//   bandwidth, until the rest fits the downtime limit or the round limit is hit.
// - A guest dirtying at least as fast as the link never converges: QEMU migrates on (no pause),
//   Xen stops after its 5th round and sends the whole dirty memory during the downtime.
// - The VMU runs nothing between its pause and its resume, and runs on the destination from the resume.
// - A CBR flow on the same link leaves the migration the rest of the bandwidth.
// - The destination's admission control refusing the VMU at the start aborts the migration.
// - Bad `migrations:` entries are input errors naming the file, pointer, expected and found (exit 2).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate } from '../src/experiments/simulate.js';
import { InputError } from '../src/errors.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { MODELS } from '../models/index.js';
import { MIGRATION_METRICS, type MigrationResult } from '../src/metrics/migration-results.js';
import { runMetrics } from '../src/metrics/metric-accessors.js';
import type { RunOptions } from '../src/experiments/simulate.js';
import { CHUNK_BYTES, WINDOW_CHUNKS } from '../src/engine/migration.js';
import { NODE_FLAGS } from '../src/jit-tuning.js';

const model = (name: string) => MODELS.find((m) => m.name === name)!;
const PAGE = 4096;
const DEVICE_STATE = 256 * 1024;

interface Setup {
  memoryMiB: number;
  dirtyMBps: number;
  linkMbps: number;
  maxRounds?: number;
  duration?: string;
  extra?: Record<string, unknown>;
}

/** Two 2-CPU PHs joined by one link; VMU `mover` (a small periodic task) migrates from ph1 to ph2 at 100 ms. */
function raw(s: Setup): Record<string, unknown> {
  return {
    name: 'migration-test',
    duration: s.duration ?? '20s',
    hosts: [
      { id: 'ph1', cpus: 2 },
      { id: 'ph2', cpus: 2 },
    ],
    links: [{ id: 'wire', hosts: ['ph1', 'ph2'], bandwidth: `${s.linkMbps}Mbit/s`, delay: '50us' }],
    vmus: [{ id: 'mover', host: 'ph1', tasks: [{ id: 'tick', kind: 'periodic', period: '10ms', exec: '100us' }] }],
    migrations: [{ vmu: 'mover', to: 'ph2', at: '100ms', memory: `${s.memoryMiB}MiB`, dirtyRate: `${s.dirtyMBps}MB/s`, ...(s.maxRounds !== undefined && { maxRounds: s.maxRounds }) }],
    ...s.extra,
  };
}

function migrate(s: Setup, modelName: string, options: RunOptions = {}): { result: MigrationResult; run: ReturnType<typeof simulate> } {
  const run = simulate(normalizeScenario(raw(s)), model(modelName), undefined, options);
  return { result: run.migrations![0], run };
}

/** The closed-form pre-copy series under QEMU's rule on an idle path of `bytesPerSec`. */
function qemuSeries(memory: number, dirtyBytesPerSec: number, linkBytesPerSec: number, maxRounds: number | null) {
  const pages = memory / PAGE;
  const paced = Math.min(linkBytesPerSec, 128 * 2 ** 20); // QEMU max-bandwidth during pre-copy
  let bytes = memory;
  let elapsed = 0;
  let sent = 0;
  let rounds = 0;
  /** How close each stop decision came to going the other way (relative), to keep the property off knife edges. */
  let margin = Infinity;
  for (;;) {
    const t = bytes / paced;
    rounds++;
    elapsed += t;
    sent += bytes;
    const dirty = Math.min(pages, Math.floor((dirtyBytesPerSec * t) / PAGE));
    const threshold = paced * 0.3; // bandwidth × 300 ms
    margin = Math.min(margin, Math.abs(dirty * PAGE - threshold) / threshold);
    if (dirty * PAGE <= threshold || (maxRounds !== null && rounds >= maxRounds)) {
      const last = dirty * PAGE + DEVICE_STATE;
      const downtime = last / linkBytesPerSec; // RATE_LIMIT_DISABLED during the stop-and-copy
      return { rounds, bytes: sent + last, downtime, total: elapsed + downtime, margin, lastDirtyPages: dirty };
    }
    bytes = dirty * PAGE;
  }
}

describe('pre-copy on an idle link follows the closed-form series', () => {
  it('QEMU rule: rounds, bytes, total time and downtime (fast-check over memory, dirty rate, bandwidth, round limit)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 48 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.constantFrom(200, 500, 1000),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        (memoryMiB, dirtyShare, linkMbps, maxRounds) => {
          const link = (linkMbps * 1e6) / 8;
          const paced = Math.min(link, 128 * 2 ** 20);
          const dirtyMBps = Math.round(dirtyShare * paced * 1e-4) / 100; // MB/s with two decimals
          const closed = qemuSeries(memoryMiB * 2 ** 20, dirtyMBps * 1e6, link, maxRounds ?? null);
          fc.pre(closed.margin > 0.05 && closed.total < 15);
          const { result } = migrate({ memoryMiB, dirtyMBps, linkMbps, maxRounds }, 'kvm-irmos');
          expect(result.outcome).toBe('done');
          expect(result.rounds).toBe(closed.rounds);
          // Each round also pays one chunk's pipeline (CPU stages, serialisations, 50 µs of propagation).
          const slackNs = closed.rounds * 2e6 + 2e6;
          expect(Math.abs(result.totalTimeNs! - closed.total * 1e9)).toBeLessThan(slackNs);
          expect(Math.abs(result.downtimeNs! - closed.downtime * 1e9)).toBeLessThan(2e6 + (dirtyMBps * 1e6 * 2e-3 * closed.rounds) / link * 1e9);
          // The dirty set each round leaves differs by what that slack let the guest dirty.
          expect(Math.abs(result.bytesSent - closed.bytes)).toBeLessThanOrEqual(closed.rounds * (dirtyMBps * 1e6 * 2e-3 + 2 * PAGE));
        },
      ),
      { numRuns: 12, seed: 13 },
    );
  });

  it('Xen rule: a converging guest stops once fewer than 50 pages are dirty, after sending those live', () => {
    // 16 MiB at 1 Gbit/s: round 1 ≈ 134 ms; 1 MB/s dirties ≈ 32 pages then (< 50): round 2 sends them
    // live, then the stop-and-copy sends what round 2 let the guest dirty (≈ 0 pages) and the device state.
    const { result } = migrate({ memoryMiB: 16, dirtyMBps: 1, linkMbps: 1000 }, 'xen-credit');
    expect(result.outcome).toBe('done');
    expect(result.rounds).toBe(2);
    const round1 = result.timeline[0];
    expect(round1.pages).toBe(4096);
    expect(result.timeline[1].pages).toBe(Math.floor((1e6 * (round1.endNs - round1.startNs)) / 1e9 / PAGE));
    expect(result.timeline[1].pages).toBeLessThan(50);
    expect(Math.abs(round1.endNs - round1.startNs - (16 * 2 ** 20 * 8) / 1e9 * 1e9)).toBeLessThan(2e6);
  });
});

describe('a dirty rate at or above the bandwidth never converges', () => {
  // 8 MiB at 100 Mbit/s: 671 ms a round, more than QEMU's bandwidth × 300 ms (3.75 MB) lets it stop
  // after; 20 MB/s dirties the whole memory again in 419 ms.
  const nonConverging = { memoryMiB: 8, dirtyMBps: 20, linkMbps: 100, duration: '5s' };

  it('QEMU (kvm): no round limit, so it is still in pre-copy at the end and the VMU never stopped', () => {
    const { result, run } = migrate(nonConverging, 'kvm-irmos');
    expect(result.outcome).toBe('precopy');
    expect(result.downtimeNs).toBeNull();
    // Every round after the first sends the whole memory again (it is all dirty again by then).
    expect(result.rounds).toBe(Math.ceil((5e9 - 100e6) / ((8 * 2 ** 20 * 8) / 1e8 * 1e9 + 1e6)));
    for (const r of result.timeline.slice(1)) expect(r.pages).toBe(2048);
    expect(run.tasks.find((t) => t.id === 'tick')!.missed).toBe(0);
  });

  it('Xen: 5 live rounds (SPP_MAX_ITERATIONS), then the whole dirty memory crosses while the VMU is stopped', () => {
    const { result } = migrate(nonConverging, 'xen-credit');
    expect(result.outcome).toBe('done');
    expect(result.rounds).toBe(5);
    const last = result.timeline[5];
    expect(last.kind).toBe('stop-and-copy');
    expect(last.pages).toBe(2048);
    const wire = ((2048 * PAGE + DEVICE_STATE) * 8) / 1e8; // seconds at 100 Mbit/s
    expect(Math.abs(result.downtimeNs! - wire * 1e9)).toBeLessThan(2e6);
  });
});

describe('downtime as the tasks see it', () => {
  for (const name of ['kvm-irmos', 'xen-credit']) {
    it(`${name}: the VMU runs nothing from its pause to its resume, jobs released meanwhile finish after the resume`, () => {
      const runs: { vmu: string; at: number }[] = [];
      const releases: { release: number; done: number }[] = [];
      const fast = { vmus: [{ id: 'mover', host: 'ph1', tasks: [{ id: 'tick', kind: 'periodic', period: '200us', exec: '20us' }] }] };
      const { result } = migrate({ memoryMiB: 8, dirtyMBps: 20, linkMbps: 1000, duration: '1s', extra: fast }, name, {
        observer: {
          dispatch(now, _host, _cpu, e) {
            if (e !== null && (e.vmuId === 'mover' || e.vmuId === 'mover.ph2')) runs.push({ vmu: e.vmuId, at: now });
          },
          complete(now, task, job) {
            if (task.id.startsWith('tick')) releases.push({ release: job.release, done: now });
          },
        },
      });
      const { pausedAtNs, resumedAtNs } = result;
      expect(result.downtimeNs).toBe(resumedAtNs! - pausedAtNs!);
      expect(runs.filter((r) => r.at >= pausedAtNs! && r.at < resumedAtNs!)).toEqual([]);
      expect(runs.filter((r) => r.vmu === 'mover' && r.at >= pausedAtNs!)).toEqual([]);
      expect(runs.filter((r) => r.vmu === 'mover.ph2' && r.at < resumedAtNs!)).toEqual([]);
      const during = releases.filter((r) => r.release >= pausedAtNs! && r.release < resumedAtNs!);
      expect(during.length).toBeGreaterThan(0);
      for (const r of during) expect(r.done).toBeGreaterThanOrEqual(resumedAtNs! + 20_000);
    });
  }
});

describe('a competing flow on the link', () => {
  it('xen-credit: a 400 Mbit/s CBR flow leaves round 1 the other 600 Mbit/s of the 1 Gbit/s link', () => {
    const busy = {
      vmus: [
        { id: 'mover', host: 'ph1', tasks: [{ id: 'tick', kind: 'periodic', period: '10ms', exec: '100us' }] },
        { id: 'src', host: 'ph1' },
        { id: 'dst', host: 'ph2' },
      ],
      flows: [{ id: 'bulk', from: 'src', to: 'dst', arrival: 'cbr', rate: '33334/s', size: 1500 }],
    };
    const idle = migrate({ memoryMiB: 16, dirtyMBps: 0, linkMbps: 1000, duration: '500ms' }, 'xen-credit').result;
    const shared = migrate({ memoryMiB: 16, dirtyMBps: 0, linkMbps: 1000, duration: '500ms', extra: busy }, 'xen-credit').result;
    const length = (r: MigrationResult) => r.timeline[0].endNs - r.timeline[0].startNs;
    const bits = 16 * 2 ** 20 * 8;
    expect(length(idle) / 1e9).toBeCloseTo(bits / 1e9, 2);
    // FIFO NIC queue: the migration keeps its window W queued, so a CBR packet waits D = W / (B − r)
    // behind it; at the end the packets of the last D are still queued, so the migration had
    // B·T − r·(T − D) bits: T = (bits − r·D) / (B − r).
    const r = 33334 * 1500 * 8;
    const window = WINDOW_CHUNKS * CHUNK_BYTES * 8;
    const expected = (bits - (r * window) / (1e9 - r)) / (1e9 - r);
    expect(Math.abs(length(shared) / 1e9 - expected) / expected).toBeLessThan(0.01);
    expect(length(shared)).toBeGreaterThan(length(idle) * 1.5);
  });
});

describe('a starved migration thread', () => {
  it('xen-credit: dom0 capped at 5 % of a pCPU copies 20 µs a page no faster than the cap allows', () => {
    // 4 MiB = 1024 pages × 20 µs = 20.5 ms of dom0 CPU on each side; at 5 % that is ≥ 410 ms, while
    // the link alone would take 34 ms.
    const slow = raw({ memoryMiB: 4, dirtyMBps: 0, linkMbps: 1000, duration: '2s' });
    (slow.migrations as Record<string, unknown>[])[0].sendCost = '20us';
    const scenario = normalizeScenario(slow);
    const capped = simulate(scenario, model('xen-credit'), { params: { dom0Cap: 5 }, pointer: '/models/0' }).migrations![0];
    const free = simulate(scenario, model('xen-credit')).migrations![0];
    expect(free.totalTimeNs!).toBeLessThan(60e6);
    expect(capped.outcome).toBe('done');
    expect(capped.totalTimeNs!).toBeGreaterThan(0.9 * ((1024 * 20e3) / 0.05));
  });
});

describe('admission on the destination', () => {
  for (const name of ['kvm-irmos', 'kvm-deadline']) {
    it(`${name}: a 50 % VMU is refused by a destination holding 80 % at the start; the migration is aborted and the VMU stays`, () => {
      const full = {
        vmus: [
          { id: 'mover', host: 'ph1', sla: { budget: '5ms', period: '10ms' }, tasks: [{ id: 'tick', kind: 'periodic', period: '10ms', exec: '1ms' }] },
          { id: 'resident', host: 'ph2', vcpus: 2, sla: { budget: '8ms', period: '10ms' }, tasks: [{ id: 'work', kind: 'periodic', period: '10ms', exec: '1ms' }] },
        ],
      };
      const { result, run } = migrate({ memoryMiB: 8, dirtyMBps: 1, linkMbps: 1000, duration: '1s', extra: full }, name);
      expect(result.outcome).toBe('refused');
      expect(result.reason).toMatch(/admission|bandwidth|Σ/i);
      expect(result.bytesSent).toBe(0);
      const tick = run.tasks.find((t) => t.id === 'tick')!;
      expect(tick.completed).toBeGreaterThanOrEqual(99);
      expect(run.tasks.find((t) => t.id === 'tick.ph2')?.released ?? 0).toBe(0);
      expect(run.lifecycle ?? []).toEqual([]);
    });
  }
});

describe('migration metrics for expect:', () => {
  it('the migrated VMU carries every migration metric, a neighbour its misses during the migration', () => {
    const two = { vmus: [{ id: 'mover', host: 'ph1', tasks: [{ id: 'tick', kind: 'periodic', period: '10ms', exec: '100us' }] }, { id: 'near', host: 'ph2', tasks: [{ id: 'n', kind: 'periodic', period: '10ms', exec: '1ms' }] }] };
    const { run, result } = migrate({ memoryMiB: 4, dirtyMBps: 1, linkMbps: 1000, duration: '300ms', extra: two }, 'kvm-irmos');
    const metrics = runMetrics(run);
    expect(Object.keys(metrics['vmu:mover']).filter((m) => m in MIGRATION_METRICS).sort()).toEqual(Object.keys(MIGRATION_METRICS).sort());
    expect(metrics['vmu:mover'].migrationDowntimeNs).toBe(result.downtimeNs);
    expect(metrics['vmu:mover'].migrationRounds).toBe(result.timeline.filter((r) => r.kind === 'live').length);
    expect(metrics['vmu:near']).toHaveProperty('missedDuringMigration');
    expect(metrics['vmu:near']).not.toHaveProperty('migrationDowntimeNs');
  });
});

describe('pointed errors in migrations:', () => {
  const base = raw({ memoryMiB: 8, dirtyMBps: 1, linkMbps: 1000 });
  const withMigration = (m: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...base, ...extra, migrations: [{ vmu: 'mover', to: 'ph2', at: '100ms', memory: '8MiB', dirtyRate: '1MB/s', ...m }] });
  const errorOf = (scenario: unknown): InputError => {
    try {
      normalizeScenario(scenario, 'm.yaml');
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    throw new Error('no error');
  };
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string, RegExp, string][] = [
    ['an unknown VMU', { vmu: 'mover2' }, {}, '/migrations/0/vmu', /id of a VMU/, '"mover2"'],
    ['an unknown host', { to: 'ph3' }, {}, '/migrations/0/to', /id of a host/, '"ph3"'],
    ['its own host', { to: 'ph1' }, {}, '/migrations/0/to', /other than the VMU's own \(ph1\)/, '"ph1"'],
    ['hosts with no link', {}, { links: [] }, '/migrations/0/to', /joined to ph1 by a link/, '"ph2"'],
    ['a start after the run', { at: '30s' }, {}, '/migrations/0/at', /before the end of the run/, '"30s"'],
  ];
  for (const [what, m, extra, pointer, expected, found] of cases) {
    it(`${what}: ${pointer}`, () => {
      const e = errorOf(withMigration(m, extra));
      expect(e.file).toBe('m.yaml');
      expect(e.pointer).toBe(pointer);
      expect(e.expected).toMatch(expected);
      expect(e.found).toBe(found);
    });
  }

  it('a memory without a unit is refused by the schema, with the pointer', () => {
    expect(errorOf(withMigration({ memory: 512 })).pointer).toBe('/migrations/0/memory');
  });

  it('the CLI exits 2 with file, pointer, expected and found', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvsim-migration-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(withMigration({ to: 'ph1' })));
    const r = spawnSync(process.execPath, [...NODE_FLAGS, join(__dirname, '..', 'bin', 'hvsim.js'), 'validate', file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bad.json');
    expect(r.stderr).toContain('/migrations/0/to');
    expect(r.stderr).toContain("other than the VMU's own (ph1)");
  });
});
