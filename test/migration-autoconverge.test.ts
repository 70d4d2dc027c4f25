// Issue 13, QEMU's auto-converge (migration/ram.c migration_trigger_throttle, mig_throttle_guest_down;
// softmmu/cpu-throttle.c; src/engine/migration-rules.ts afterThrottlePeriod, vcpu-throttle.ts):
// - Each round's dirty set is what the guest dirtied at its rate times (1 − throttle) over the round
//   before (it runs only that share of the time).
// - A guest dirtying faster than the link never converges under plain pre-copy; with auto-converge
//   the throttle starts at 20 % after the second period (> 1 s each) that dirtied more than half of
//   what it sent, rises 10 % every second such period, and the migration converges — the rounds,
//   the throttle in each and the downtime follow the closed-form series on an idle link.
// - The throttled guest runs at most (1 − p) of each throttle cycle.
// - Xen models refuse it, naming /migrations/i/autoConverge.

import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { InputError } from '../src/errors.js';
import { simulate } from '../src/experiments/simulate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';

const model = (name: string) => MODELS.find((m) => m.name === name)!;
const PAGE = 4096;
const DEVICE_STATE = 256 * 1024;
const LINK = 125e6; // bytes/s: 1 Gbit/s, below QEMU's 128 MiB/s max-bandwidth
const MEMORY = 64 * 2 ** 20;
const DIRTY = 150e6; // bytes/s: faster than the link

function raw(autoConverge: boolean, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'auto-converge',
    duration: '8s',
    hosts: [
      { id: 'ph1', cpus: 2 },
      { id: 'ph2', cpus: 2 },
    ],
    links: [{ id: 'a', hosts: ['ph1', 'ph2'], bandwidth: '1Gbit/s', delay: '50us' }],
    vmus: [{ id: 'mover', host: 'ph1', tasks: [{ id: 'tick', kind: 'periodic', period: '1ms', exec: '100us' }] }],
    migrations: [{ vmu: 'mover', to: 'ph2', at: '100ms', memory: '64MiB', dirtyRate: '150MB/s', ...(autoConverge && { autoConverge: true }) }],
    ...extra,
  };
}

/** QEMU's rules on an idle link, round by round (rounds of bytes/LINK; periods judged at syncs more than 1 s apart). */
function closedForm() {
  const pages = MEMORY / PAGE;
  let bytes = MEMORY;
  let t = 0;
  let sent = 0;
  let pct = 0;
  let high = 0;
  let periodStart = 0;
  let periodDirty = 0;
  let periodSent = 0;
  const throttles: number[] = [];
  for (;;) {
    const dt = bytes / LINK;
    t += dt;
    sent += bytes;
    throttles.push(pct);
    const dirty = Math.min(pages, Math.floor((DIRTY * (1 - pct / 100) * dt) / PAGE));
    periodDirty += dirty * PAGE;
    if (t - periodStart > 1) {
      if (periodDirty > (sent - periodSent) * 0.5 && ++high >= 2) {
        pct = pct === 0 ? 20 : Math.min(pct + 10, 99);
        high = 0;
      }
      periodStart = t;
      periodDirty = 0;
      periodSent = sent;
    }
    if (dirty * PAGE <= LINK * 0.3) return { rounds: throttles.length, throttles, downtime: (dirty * PAGE + DEVICE_STATE) / LINK, total: t + (dirty * PAGE + DEVICE_STATE) / LINK };
    bytes = dirty * PAGE;
  }
}

describe('auto-converge (kvm-irmos)', () => {
  it('plain pre-copy never converges at 150 MB/s over 1 Gbit/s', () => {
    const m = simulate(normalizeScenario(raw(false)), model('kvm-irmos')).migrations![0];
    expect(m.outcome).toBe('precopy');
    for (const r of m.timeline.slice(1)) expect(r.pages).toBe(MEMORY / PAGE);
  });

  it('converges with the throttle the closed form gives each round, and each dirty set is the rate × (1 − throttle) over the round before', () => {
    const closed = closedForm();
    expect(closed.throttles.at(-1)).toBeGreaterThan(0);
    const run = simulate(normalizeScenario(raw(true)), model('kvm-irmos'));
    const m = run.migrations![0];
    expect(m.outcome).toBe('done');
    expect(m.rounds).toBe(closed.rounds);
    const live = m.timeline.filter((r) => r.kind === 'live');
    expect(live.map((r) => r.throttlePct)).toEqual(closed.throttles);
    for (let i = 1; i < m.timeline.length; i++) {
      const before = m.timeline[i - 1];
      const expected = Math.min(MEMORY / PAGE, Math.floor((DIRTY * (1 - before.throttlePct! / 100) * (before.endNs - before.startNs)) / 1e9 / PAGE));
      expect(m.timeline[i].pages).toBe(expected);
    }
    expect(Math.abs(m.downtimeNs! - closed.downtime * 1e9)).toBeLessThan(3e6);
    expect(Math.abs(m.totalTimeNs! - closed.total * 1e9)).toBeLessThan(closed.rounds * 2e6);
  });

  it('the throttled guest runs at most (1 − p) of each 10 ms / (1 − p) cycle', () => {
    const ran = new Map<number, number>(); // ns of vCPU time per 100 ms window (a segment counts in the window it starts in)
    const since = [-1, -1];
    const run = simulate(normalizeScenario(raw(true, { vmus: [{ id: 'mover', host: 'ph1', tasks: [{ id: 'spin', kind: 'busy' }] }] })), model('kvm-irmos'), undefined, {
      observer: {
        dispatch(now, host, cpu, e) {
          if (host !== 'ph1') return;
          const s = since[cpu];
          if (s >= 0) ran.set(Math.floor(s / 1e8), (ran.get(Math.floor(s / 1e8)) ?? 0) + (now - s));
          since[cpu] = e !== null && e.vmuId === 'mover' ? now : -1;
        },
      },
    });
    const m = run.migrations![0];
    const throttled = m.timeline.filter((r) => r.kind === 'live' && r.throttlePct! > 0);
    expect(throttled.length).toBeGreaterThan(0);
    for (const r of throttled) {
      // Whole 100 ms windows inside the round: the busy guest got at most (1 − p) plus one timeslice's rounding.
      for (let w = Math.ceil(r.startNs / 1e8); (w + 1) * 1e8 <= r.endNs; w++) {
        expect(ran.get(w) ?? 0).toBeLessThanOrEqual((1 - r.throttlePct! / 100) * 1e8 + 1e7);
        // …and no less than that minus a timeslice: the busy guest runs whenever it is not asleep.
        expect(ran.get(w) ?? 0).toBeGreaterThanOrEqual((1 - r.throttlePct! / 100) * 1e8 - 2e7);
      }
    }
  });

  it('a Xen model refuses it, naming /migrations/0/autoConverge; QEMU\'s parameters come from the scenario', () => {
    let error: unknown;
    try {
      simulate(normalizeScenario(raw(true)), model('xen-credit'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).pointer).toBe('/migrations/0/autoConverge');
    expect((error as InputError).expected).toMatch(/a KVM model/);
    const sc = normalizeScenario({ ...raw(false), migrations: [{ vmu: 'mover', to: 'ph2', at: '100ms', memory: '64MiB', dirtyRate: '150MB/s', autoConverge: { initial: 30, increment: 20 } }] });
    expect(sc.migrations![0].autoConverge).toEqual({ initialPct: 30, incrementPct: 20, maxPct: 99, triggerThresholdPct: 50 });
  });
});
