// Named overhead profiles (src/scenario/overheads.ts): each machine class's costs kept with the
// measurement they come from. A profile must reproduce that measurement through the engine — a
// SCHED_FIFO thread pre-empting a fair loop wakes timerInterrupt + wakeup + contextSwitch after its
// timer, which is how validate:linux measured the busy-vCPU wake-up — and the field validate:linux
// prints for a run's median must load back as exactly those costs.
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { simulate } from '../src/experiments/simulate.js';
import { InputError } from '../src/errors.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { MEASURED_OVERHEADS, MEASURED_PROFILE, OVERHEAD_PROFILES, OVERHEAD_PROFILE_NAMES, overheadsFieldText } from '../src/scenario/overheads.js';

const hostWith = (overheads: unknown) => ({ id: 'ph', cpus: 1, tick: '4ms', overheads });

describe('overhead profiles', () => {
  it.each(OVERHEAD_PROFILE_NAMES)('%s reproduces the busy-vCPU wake-up latency it was measured from', (name) => {
    const scenario = normalizeScenario(
      {
        name: 'profile',
        duration: '500ms',
        hosts: [hostWith(name)],
        hostThreads: [
          { id: 'rt', host: 'ph', kind: 'periodic', period: '10ms', exec: '2ms', policy: { class: 'fifo', priority: 50 } },
          { id: 'hog', host: 'ph', kind: 'busy', policy: { class: 'fair', nice: 0 } },
        ],
        models: [{ name: 'kvm-linux', params: { kernel: '6.18' } }],
      },
      'profile.yaml',
    );
    const run = simulate(scenario, findModel('kvm-linux', '', ''), scenario.models[0]);
    const rt = run.tasks.find((t) => t.id === 'rt')!;
    const p = OVERHEAD_PROFILES[name];
    expect(p.timerInterruptNs + p.wakeupNs + p.contextSwitchNs).toBe(p.busyWakeupNs);
    expect(rt.wakeup.count).toBeGreaterThan(40);
    expect([rt.wakeup.minNs, rt.wakeup.maxNs]).toEqual([p.busyWakeupNs, p.busyWakeupNs]);
    expect(p.source).toMatch(new RegExp(`${p.busyWakeupNs / 1000} µs`));
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
    const costs = { timerInterruptNs: 18_700, wakeupNs: 2_500, contextSwitchNs: 2_500, vmExitNs: 69_300 };
    const field = parseYaml(`{ ${overheadsFieldText(costs)} }`).overheads;
    const h = normalizeScenario({ name: 'x', duration: '1s', hosts: [hostWith(field)] }, 'x.yaml').hosts[0];
    expect({ ...h.overheads, contextSwitchNs: h.contextSwitchNs }).toEqual(costs);
  });
});
