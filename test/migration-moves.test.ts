// Issue 13, several live migrations of one VMU (src/scenario/migration.ts, simulator.ts claimVmu):
// - Back and forth: the VMU runs on ph1, then (as mover.ph2) on ph2, then on ph1 again as itself —
//   two downtimes, nothing of it running in either, its tasks' jobs on the first host at the end.
// - On and on (ph1 → ph2 → ph3): each move leaves from where the previous one put it.
// - A migration starting while another of the same VMU still runs is refused as a result, naming
//   both pointers; one that cannot start because an earlier one was refused says so.
// - Migrations of a VMU listed out of time order are an input error at /migrations/i/at.

import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { InputError } from '../src/errors.js';
import { simulate } from '../src/experiments/simulate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';

const model = (name: string) => MODELS.find((m) => m.name === name)!;
const MS = 1_000_000;

function raw(migrations: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'migration-moves',
    duration: '2s',
    hosts: [
      { id: 'ph1', cpus: 2 },
      { id: 'ph2', cpus: 2 },
      { id: 'ph3', cpus: 2 },
    ],
    links: [
      { id: 'a', hosts: ['ph1', 'ph2'], bandwidth: '1Gbit/s', delay: '50us' },
      { id: 'b', hosts: ['ph2', 'ph3'], bandwidth: '1Gbit/s', delay: '50us' },
    ],
    vmus: [{ id: 'mover', host: 'ph1', tasks: [{ id: 'tick', kind: 'periodic', period: '1ms', exec: '100us' }] }],
    migrations: migrations.map((m) => ({ vmu: 'mover', memory: '16MiB', dirtyRate: '20MB/s', maxRounds: 1, ...m })),
    ...extra,
  };
}

describe('a VMU that migrates back and forth', () => {
  for (const name of ['kvm-irmos', 'xen-credit']) {
    it(`${name}: returns to the first host with two downtimes, running nowhere during either`, () => {
      const runs: { host: string; vmu: string; at: number }[] = [];
      const sc = normalizeScenario(raw([
        { to: 'ph2', at: '100ms' },
        { to: 'ph1', at: '1s' },
      ]));
      expect(sc.migrations!.map((m) => [m.source, m.twin])).toEqual([
        ['mover', 'mover.ph2'],
        ['mover.ph2', 'mover'],
      ]);
      const run = simulate(sc, model(name), undefined, {
        observer: {
          dispatch(now, host, _cpu, e) {
            if (e !== null && (e.vmuId === 'mover' || e.vmuId === 'mover.ph2')) runs.push({ host, vmu: e.vmuId, at: now });
          },
        },
      });
      const [there, back] = run.migrations!;
      expect(there.outcome).toBe('done');
      expect(back.outcome).toBe('done');
      expect(back.from).toBe('ph2');
      expect(back.to).toBe('ph1');
      for (const m of [there, back]) {
        expect(m.downtimeNs!).toBeGreaterThan(0);
        expect(runs.filter((r) => r.at >= m.pausedAtNs! && r.at < m.resumedAtNs!)).toEqual([]);
      }
      // Where it ran: ph1 before the first pause and after the second resume, ph2 in between.
      expect(runs.filter((r) => r.at < there.pausedAtNs!).every((r) => r.host === 'ph1' && r.vmu === 'mover')).toBe(true);
      expect(runs.filter((r) => r.at >= there.resumedAtNs! && r.at < back.pausedAtNs!).every((r) => r.host === 'ph2' && r.vmu === 'mover.ph2')).toBe(true);
      const last = runs.filter((r) => r.at >= back.resumedAtNs!);
      expect(last.length).toBeGreaterThan(0);
      expect(last.every((r) => r.host === 'ph1' && r.vmu === 'mover')).toBe(true);
      // Its task on ph1 completes the jobs of both stays there: ≈ 2 s of 1 ms periods minus the time on ph2.
      const onPh2 = back.pausedAtNs! - there.resumedAtNs!;
      const tick = run.tasks.find((t) => t.id === 'tick')!;
      const tick2 = run.tasks.find((t) => t.id === 'tick.ph2')!;
      expect(Math.abs(tick2.completed - onPh2 / MS)).toBeLessThanOrEqual(there.downtimeNs! / MS + 2);
      expect(tick.completed + tick2.completed).toBeGreaterThanOrEqual(2000 - 2);
    });
  }

  it('kvm-irmos: on and on, ph1 → ph2 → ph3, each move leaving from where the last put it', () => {
    const run = simulate(normalizeScenario(raw([
      { to: 'ph2', at: '100ms' },
      { to: 'ph3', at: '1s' },
    ])), model('kvm-irmos'));
    const [a, b] = run.migrations!;
    expect([a.outcome, b.outcome]).toEqual(['done', 'done']);
    expect([b.from, b.to]).toEqual(['ph2', 'ph3']);
    expect(run.tasks.find((t) => t.id === 'tick.ph3')!.completed).toBeGreaterThan(((2000 * MS - b.resumedAtNs!) / MS) * 0.95);
  });
});

describe('one migration of a VMU at a time', () => {
  it('a second migration starting before the first resumes is refused, naming both pointers; the first completes', () => {
    // 16 MiB at 1 Gbit/s takes ≈ 134 ms: the move back at 150 ms comes before the first resume.
    const run = simulate(normalizeScenario(raw([
      { to: 'ph2', at: '100ms' },
      { to: 'ph1', at: '150ms' },
    ])), model('kvm-irmos'));
    const [first, second] = run.migrations!;
    expect(first.outcome).toBe('done');
    expect(first.resumedAtNs!).toBeGreaterThan(150 * MS);
    expect(second.outcome).toBe('refused');
    expect(second.reason).toMatch(/^\/migrations\/1\/at: .*\/migrations\/0 \(mover>ph2.*still moving mover/);
    expect(second.bytesSent).toBe(0);
    // The VMU stays on ph2.
    expect(run.tasks.find((t) => t.id === 'tick.ph2')!.completed).toBeGreaterThan(1700);
  });

  it('a move that can only follow a refused one is refused, saying which', () => {
    const full = {
      vmus: [
        { id: 'mover', host: 'ph1', sla: { budget: '5ms', period: '10ms' }, tasks: [{ id: 'tick', kind: 'periodic', period: '10ms', exec: '1ms' }] },
        { id: 'resident', host: 'ph2', vcpus: 2, sla: { budget: '8ms', period: '10ms' }, tasks: [{ id: 'work', kind: 'periodic', period: '10ms', exec: '1ms' }] },
      ],
    };
    const run = simulate(normalizeScenario(raw([{ to: 'ph2', at: '100ms' }, { to: 'ph3', at: '1s' }], full)), model('kvm-irmos'));
    const [first, second] = run.migrations!;
    expect(first.outcome).toBe('refused');
    expect(second.outcome).toBe('refused');
    expect(second.reason).toMatch(/never reaches ph2: \/migrations\/0 \(mover>ph2\) was refused/);
  });

  it('migrations of a VMU out of time order are an input error at the later entry\'s at', () => {
    let error: unknown;
    try {
      normalizeScenario(raw([{ to: 'ph2', at: '1s' }, { to: 'ph1', at: '500ms' }]), 'm.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).pointer).toBe('/migrations/1/at');
    expect((error as InputError).expected).toMatch(/after \/migrations\/0's \(1 s\)/);
  });

  it('a second move to the PH it is already on is an input error naming the earlier one', () => {
    let error: unknown;
    try {
      normalizeScenario(raw([{ to: 'ph2', at: '100ms' }, { to: 'ph2', at: '1s' }]), 'm.yaml');
    } catch (e) {
      error = e;
    }
    expect((error as InputError).pointer).toBe('/migrations/1/to');
    expect((error as InputError).expected).toMatch(/other than ph2, where \/migrations\/0 takes the VMU/);
  });
});
