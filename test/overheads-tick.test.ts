import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import type { HypervisorModel } from '../src/engine/model.js';
import { firstTickNs, tickPhaseNs } from '../src/engine/tick.js';
import { InputError } from '../src/errors.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { MEASURED_OVERHEADS } from '../src/scenario/overheads.js';
import type { HostSpec, Scenario } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { parseRtapp } from '../src/rtapp/grammar.js';
import { importRtapp } from '../src/rtapp/import.js';
import { RtappLogRecorder } from '../src/rtapp/logs.js';
import { CfsClass } from '../models/kvm/fair.js';
import { busyTask, host, hostThread, ms, periodic, s, scenario, task, us, vmu } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';

const fair = { policy: { class: 'fair' as const, nice: 0 } };

/** Fair threads only, EEVDF (6.6+ rules, linux-irmos.md §6.2). */
const eevdf: HypervisorModel = {
  name: 'test-eevdf',
  family: 'kvm',
  summary: 'test',
  build({ entities, ctx }) {
    const cfs = new CfsClass(ctx, { groups: [], pick: 'eevdf' });
    for (const e of entities) cfs.admit(e, { nice: 0 });
    return { classes: [cfs], mapping: [], settings: {} };
  },
};

/** Per release of the periodic task `id` (period 10 ms from `offset`), its first start after the release. */
function firstStarts(log: ServiceLog, id: string, offset: number, end: number): { release: number; start: number }[] {
  const starts = log.of(id).map(([st]) => st);
  const out: { release: number; start: number }[] = [];
  for (let r = offset; r < end - ms(10); r += ms(10)) {
    const start = starts.find((st) => st >= r);
    if (start !== undefined) out.push({ release: r, start });
  }
  return out;
}

/** A fair 1 ms / 10 ms task beside a fair busy loop on each CPU of a HZ-250 host (tick 4 ms). */
function fairBesideHog(hostSpec: HostSpec, offset: number, seed = 1): ServiceLog {
  const threads = Array.from({ length: hostSpec.cpus }, (_, cpu) => [
    hostThread(busyTask(`hog${cpu}`, { ...fair, affinity: [cpu] })),
    hostThread(task(`p${cpu}`, ms(1), ms(10), { ...fair, affinity: [cpu], arrival: periodic(ms(10), offset) })),
  ]).flat();
  const sc = scenario({ durationNs: s(1), seed, hosts: [hostSpec], hostThreads: threads });
  const log = new ServiceLog();
  simulate(sc, eevdf, undefined, { observer: log.observer });
  return log.close(sc.durationNs);
}

describe('the scheduler tick grid (kernel/time/tick-sched.c tick_setup_sched_timer; src/engine/tick.ts)', () => {
  it('a woken fair task that does not pre-empt at once starts on a tick of the grid tickPhase + k·tick, whatever the phase', () => {
    let waits = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ms(4) - 1 }), (phase) => {
        const tick = ms(4);
        const offset = ms(1) + 300_000;
        const log = fairBesideHog(host('ph1', 1, { tickNs: tick, tickPhase: phase }), offset);
        const jobs = firstStarts(log, 'p0', offset, s(1));
        const waited = jobs.filter((j) => j.start > j.release);
        waits += waited.length;
        for (const j of waited) expect((((j.start - phase) % tick) + tick) % tick).toBe(0);
      }),
      { numRuns: 6, seed: 9 },
    );
    expect(waits).toBeGreaterThan(0);
  });

  it('ticks are aligned on all CPUs by default and staggered by i·(tick/2)/cpus with skew_tick', () => {
    const tick = ms(4);
    const offset = ms(1) + 300_000;
    for (const skewTick of [false, true]) {
      const log = fairBesideHog(host('ph1', 2, { tickNs: tick, tickPhase: ms(0.5), skewTick }), offset);
      for (const cpu of [0, 1]) {
        const grid = ms(0.5) + (skewTick ? cpu * (tick / 2 / 2) : 0);
        const waited = firstStarts(log, `p${cpu}`, offset, s(1)).filter((j) => j.start > j.release);
        expect(waited.length).toBeGreaterThan(0);
        for (const j of waited) expect((((j.start - grid) % tick) + tick) % tick).toBe(0);
      }
    }
  });

  it('the wait of a woken fair task spreads with the phase: its worst wait depends on where its releases fall against the grid', () => {
    // Release 1.3 ms after time 0, every 10 ms, tick 4 ms: the releases fall at 1.3 and 3.3 ms into the
    // tick period (10 mod 4 = 2), so the worst wait is 4 ms − the smaller of the two distances to
    // the next tick — a run that starts at another point of the grid meets another worst wait.
    const worst = (phase: number) => {
      const jobs = firstStarts(fairBesideHog(host('ph1', 1, { tickNs: ms(4), tickPhase: phase }), ms(1.3)), 'p0', ms(1.3), s(1));
      return Math.max(...jobs.map((j) => j.start - j.release));
    };
    const worsts = [0, ms(1), ms(2), ms(3)].map(worst);
    expect(new Set(worsts).size).toBeGreaterThan(1);
    for (const w of worsts) expect(w).toBeLessThanOrEqual(ms(4) + ms(0.75)); // a tick, and the base slice its own request may still need
  });

  it('"random" draws a phase in [0, tick) from the seed: same seed, same phase and byte-identical results', () => {
    const spec = host('ph1', 2, { tickNs: ms(4), tickPhase: 'random' });
    const phases = [1, 2, 3, 4, 5].map((seed) => tickPhaseNs(spec, seed));
    for (const p of phases) expect(p >= 0 && p < ms(4)).toBe(true);
    expect(new Set(phases).size).toBeGreaterThan(1);
    expect(tickPhaseNs(spec, 3)).toBe(phases[2]);
    expect(firstTickNs(spec, 1, 3)).toBe(firstTickNs(spec, 0, 3)); // aligned without skew_tick
    const a = fairBesideHog(spec, ms(1.3), 7).of('p0');
    const b = fairBesideHog(spec, ms(1.3), 7).of('p0');
    expect(a).toEqual(b);
  });
});

/** Worst response and worst wake-up latency of task `id` in a run. */
function worstOf(sc: Scenario, modelName: string, id: string): { response: number; wakeup: number } {
  const run = simulate(sc, findModel(modelName, '', ''), { params: {}, pointer: '' });
  const t = run.tasks.find((x) => x.id === id)!;
  return { response: t.response.maxNs, wakeup: t.wakeup.maxNs };
}

describe('the per-host overhead model (src/scenario/overheads.ts)', () => {
  const o = { timerInterruptNs: us(3), wakeupNs: us(2), vmExitNs: us(20) };

  it('without overheads a FIFO task alone on its CPU responds in exactly its execution time (analytic)', () => {
    const sc = scenario({ durationNs: s(1), hostThreads: [hostThread(task('rt', ms(2), ms(10)))] });
    expect(worstOf(sc, 'kvm-linux', 'rt')).toEqual({ response: ms(2), wakeup: 0 });
  });

  it('a host thread wakes timer interrupt + wake-up path + one context switch after its timer', () => {
    const sc = scenario({ durationNs: s(1), hosts: [host('ph1', 1, { contextSwitchNs: us(1), overheads: o })], hostThreads: [hostThread(task('rt', ms(2), ms(10)))] });
    expect(worstOf(sc, 'kvm-linux', 'rt')).toEqual({ response: ms(2) + us(3 + 2 + 1), wakeup: us(3 + 2 + 1) });
  });

  it('a guest task adds the VM exit/entry that delivers its timer', () => {
    const guestTask = task('g', ms(2), ms(10));
    const sc = scenario({
      durationNs: s(1),
      hosts: [host('ph1', 1, { contextSwitchNs: us(1), overheads: o })],
      vmus: [vmu('vm', [guestTask], { sla: { budget: ms(5), period: ms(10), deadline: ms(10) } })],
    });
    const w = worstOf(sc, 'kvm-deadline', 'g');
    // Timer interrupt, VM exit/entry and wake-up before the task is runnable; the vCPU thread's dispatch costs one switch.
    expect(w.response).toBe(ms(2) + us(3 + 2 + 20) + us(1));
  });

  it('an rt-app FIFO thread sleeping on its timer logs wu_lat = timer interrupt + wake-up path + context switch', () => {
    const rtapp = JSON.stringify({
      global: { duration: 1, calibration: 20 },
      tasks: { rt: { policy: 'SCHED_FIFO', priority: 50, cpus: [0], runtime: 2000, timer: { ref: 'unique', period: 10000 } } },
    });
    const imp = importRtapp(parseRtapp(rtapp, 'w.json'), { cpus: 1, kernel: '6.18', contextSwitchNs: us(1), overheads: o });
    const recorder = new RtappLogRecorder(imp.scenario);
    simulate(imp.scenario, findModel('kvm-linux', '', ''), { params: { kernel: '6.18' }, pointer: '' }, { observer: recorder.observer });
    const rows = recorder.logs()[0].rows.filter((r) => r.slack > 0);
    expect(rows.length).toBeGreaterThan(50);
    for (const r of rows) expect(r.wu_lat).toBe(3 + 2 + 1);
  });

  const load = (host: Record<string, unknown>) =>
    normalizeScenario({ name: 'x', duration: '1s', hosts: [{ id: 'ph', cpus: 1, ...host }] }, 'x.yaml');

  it('`overheads: measured` takes the documented defaults; an object overrides field by field; `none` and absent are zero', () => {
    const m = load({ overheads: 'measured' }).hosts[0];
    expect(m.contextSwitchNs).toBe(MEASURED_OVERHEADS.contextSwitchNs);
    expect(m.overheads).toEqual({ timerInterruptNs: MEASURED_OVERHEADS.timerInterruptNs, wakeupNs: MEASURED_OVERHEADS.wakeupNs, vmExitNs: MEASURED_OVERHEADS.vmExitNs });
    const partial = load({ overheads: { wakeup: '7us' } }).hosts[0];
    expect(partial.overheads?.wakeupNs).toBe(7000);
    expect(partial.overheads?.vmExitNs).toBe(MEASURED_OVERHEADS.vmExitNs);
    for (const none of [{}, { overheads: 'none' }]) {
      const h = load(none).hosts[0];
      expect(h.overheads).toBeUndefined();
      expect(h.contextSwitchNs).toBe(0);
    }
  });

  it('bad overhead and tick fields are one pointed message each', () => {
    const message = (host: Record<string, unknown>) => {
      try {
        load(host);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(message({ overheads: 'fast' })).toMatch(/\/hosts\/0\/overheads/);
    expect(message({ overheads: { wakeup: '3 apples' } })).toMatch(/\/hosts\/0\/overheads\/wakeup/);
    expect(message({ overheads: { irq: '3us' } })).toMatch(/\/hosts\/0\/overheads.*irq/s);
    expect(message({ contextSwitch: '2us', overheads: { contextSwitch: '3us' } })).toMatch(/\/hosts\/0\/contextSwitch.*given once/s);
    expect(message({ tick: '4ms', tickPhase: '4ms' })).toMatch(/\/hosts\/0\/tickPhase.*< the tick \(4 ms\)/s);
    expect(message({ tickPhase: 'sometimes' })).toMatch(/\/hosts\/0\/tickPhase/);
  });
});
