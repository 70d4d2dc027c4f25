// Named overhead profiles (src/scenario/overheads.ts): each machine class's costs kept with the
// measurement they come from. A profile must reproduce that measurement through the engine — a
// SCHED_FIFO thread pre-empting a fair loop wakes timerInterrupt + wakeup + contextSwitch after its
// timer, which is how validate:linux measured the busy-vCPU wake-up, so its wake-ups must have the
// measured p50 and p99 and stay within the measured max — and the field validate:linux prints for a
// run's wake-up distribution must load back as exactly those costs.
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { simulate } from '../src/experiments/simulate.js';
import { InputError } from '../src/errors.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { MEASURED_OVERHEADS, MEASURED_PROFILE, OVERHEAD_PROFILES, OVERHEAD_PROFILE_NAMES, overheadsFieldText, quantileDelay } from '../src/scenario/overheads.js';
import { quantileOf } from '../src/engine/overhead-delay.js';

const hostWith = (overheads: unknown) => ({ id: 'ph', cpus: 1, tick: '4ms', overheads });

describe('overhead profiles', () => {
  it.each(OVERHEAD_PROFILE_NAMES)('%s reproduces the busy-vCPU wake-up latency distribution it was measured from', (name) => {
    const scenario = normalizeScenario(
      {
        name: 'profile',
        duration: '10s',
        hosts: [hostWith(name)],
        hostThreads: [
          { id: 'rt', host: 'ph', kind: 'periodic', period: '1ms', exec: '100us', policy: { class: 'fifo', priority: 50 } },
          { id: 'hog', host: 'ph', kind: 'busy', policy: { class: 'fair', nice: 0 } },
        ],
        models: [{ name: 'kvm-linux', params: { kernel: '6.18' } }],
      },
      'profile.yaml',
    );
    const run = simulate(scenario, findModel('kvm-linux', '', ''), scenario.models[0]);
    const rt = run.tasks.find((t) => t.id === 'rt')!;
    const p = OVERHEAD_PROFILES[name];
    const measured = quantileDelay(p.busyWakeup);
    const n = rt.wakeup.count;
    expect(n).toBeGreaterThan(9000);
    // Each quantile within K = 6 standard deviations of its rank (test/overhead-distributions.test.ts), and the histogram's 0.1 %.
    for (const [q, value] of [[0.5, rt.wakeup.p50Ns], [0.99, rt.wakeup.p99Ns]] as const) {
      const sigma = 6 * Math.sqrt((q * (1 - q)) / n);
      expect(value).toBeGreaterThanOrEqual(quantileOf(measured, q - sigma) * 0.999 - 1);
      expect(value).toBeLessThanOrEqual(quantileOf(measured, q + sigma) * 1.001 + 1);
    }
    expect(rt.wakeup.maxNs).toBeLessThanOrEqual(p.busyWakeup.max);
    expect(rt.wakeup.minNs).toBe(p.busyWakeup.p50); // no minimum measured: nothing below the median
    // The source cites the figures the profile reproduces.
    for (const k of ['p50', 'p99', 'max'] as const) expect(p.source).toMatch(new RegExp(`${k} ${p.busyWakeup[k] / 1000} µs`));
  });

  it('`measured` is the quiet-host profile; unknown names are refused with the list', () => {
    expect(MEASURED_PROFILE).toBe('firecracker-quiet-host');
    const load = (overheads: unknown) => normalizeScenario({ name: 'x', duration: '1s', hosts: [hostWith(overheads)] }, 'x.yaml').hosts[0];
    const m = load('measured');
    expect({ ...m.overheads, contextSwitchNs: m.contextSwitchNs }).toEqual(MEASURED_OVERHEADS);
    const busy = load('firecracker-busy-host');
    expect(busy.overheads?.timerInterruptNs).toBe(OVERHEAD_PROFILES['firecracker-busy-host'].timerInterruptNs);
    try {
      load('firecracker');
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).pointer).toBe('/hosts/0/overheads');
      expect((e as Error).message).toMatch(/firecracker-busy-host/);
    }
  });

  it('the field validate:linux prints loads back as exactly the costs it names', () => {
    const costs = { timerInterruptNs: quantileDelay({ p50: 18_700, p99: 61_000, max: 417_000 }), wakeupNs: 2_500, contextSwitchNs: 2_500, vmExitNs: 69_300 };
    const field = parseYaml(`{ ${overheadsFieldText(costs)} }`).overheads;
    const h = normalizeScenario({ name: 'x', duration: '1s', hosts: [hostWith(field)] }, 'x.yaml').hosts[0];
    expect({ ...h.overheads, contextSwitchNs: h.contextSwitchNs }).toEqual(costs);
  });
});
