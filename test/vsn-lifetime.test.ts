// Issue 13, VSNs and boot time:
// - A VSN's start and stop are its VMUs' unless a VMU sets its own, which must lie inside the VSN's
//   span (src/scenario/vsns.ts); bad VSNs are input errors naming the field.
// - A VMU of a VSN [start, stop) releases a periodic task's jobs exactly at start + k·P < stop.
// - `bootTimeNs` in `expect:` reads each VMU's boot time: a boot cannot take less than its CPU burst,
//   so a bound below the burst fails and one above it holds; a boot that never ends fails any bound.

import { describe, expect, it } from 'vitest';
import type { HypervisorModel } from '../src/engine/model.js';
import { compare, simulate } from '../src/experiments/simulate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { serializeScenario } from '../src/scenario/serialize.js';
import { InputError } from '../src/errors.js';
import { MODELS } from '../models/index.js';

const modelNamed = (name: string): HypervisorModel => MODELS.find((m) => m.name === name)!;
const MS = 1_000_000;

const periodic = (id: string) => ({ id, kind: 'periodic', period: '10ms', exec: '1ms' });
const raw = (vsn: Record<string, unknown>, vmus: Record<string, unknown>[] = [{}, {}], extra: Record<string, unknown> = {}) => ({
  name: 'vsn-life',
  duration: '100ms',
  hosts: [{ id: 'ph1', cpus: 2 }],
  vmus: vmus.map((own, i) => ({ id: `v${i}`, host: 'ph1', sla: { budget: '3ms', period: '10ms' }, tasks: [periodic(`t${i}`)], ...own })),
  vsns: [{ id: 'svc', vmus: vmus.map((_, i) => `v${i}`), ...vsn }],
  ...extra,
});

const refusal = (scenario: unknown): InputError => {
  try {
    normalizeScenario(scenario, 's.yaml');
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
};

describe('a VSN starts and stops its VMUs', () => {
  it('its VMUs take its times, a VMU\'s own times inside its span stay, and the scenario reads back the same', () => {
    const sc = normalizeScenario(raw({ start: '20ms', stop: '60ms' }, [{}, { stop: '50ms' }]), 's.yaml');
    expect(sc.vmus.map((v) => [v.startNs, v.stopNs])).toEqual([
      [20 * MS, 60 * MS],
      [20 * MS, 50 * MS],
    ]);
    expect(normalizeScenario(serializeScenario(sc), 's.yaml')).toEqual(sc);
  });

  for (const name of ['kvm-irmos', 'xen-rtds', 'xen-credit']) {
    it(`${name}: a VMU of a VSN living [20 ms, 60 ms) runs its 10 ms task's jobs of 20, 30, 40, 50 ms only`, () => {
      const run = simulate(normalizeScenario(raw({ start: '20ms', stop: '60ms' }), 's.yaml'), modelNamed(name));
      for (const id of ['t0', 't1']) expect(run.tasks.find((t) => t.id === id)!.completed).toBe(4);
      expect(run.lifecycle!.map((v) => [v.vmu, v.startNs, v.stopNs, v.admitted])).toEqual([
        ['v0', 20 * MS, 60 * MS, true],
        ['v1', 20 * MS, 60 * MS, true],
      ]);
    });
  }

  it('a shutdown phase may use the VSN\'s stop', () => {
    const sc = normalizeScenario(raw({ stop: '60ms' }, [{ shutdown: { cpu: '2ms' } }]), 's.yaml');
    expect(sc.vmus[0].shutdownNs).toBe(2 * MS);
  });

  it('a VMU\'s own start before the VSN\'s is refused, naming the VMU\'s start and the VSN', () => {
    const e = refusal(raw({ start: '20ms', stop: '60ms' }, [{ start: '10ms' }]));
    expect(e.pointer).toBe('/vmus/0/start');
    expect(e.expected).toContain("VSN svc's span [20 ms, 60 ms)");
  });

  it('a VMU\'s own stop after the VSN\'s is refused', () => {
    const e = refusal(raw({ stop: '60ms' }, [{ stop: '70ms' }]));
    expect(e.pointer).toBe('/vmus/0/stop');
  });

  it('a VMU in two VSNs is refused at the second', () => {
    const sc = { ...raw({}, [{}]), vsns: [{ id: 'a', vmus: ['v0'] }, { id: 'b', vmus: ['v0'] }] };
    const e = refusal(sc);
    expect(e.pointer).toBe('/vsns/1/vmus/0');
    expect(e.found).toContain('already in VSN a');
  });

  it('an unknown VMU is refused with a suggestion', () => {
    const sc = { ...raw({}, [{}]), vsns: [{ id: 'a', vmus: ['v9'] }] };
    expect(refusal(sc).pointer).toBe('/vsns/0/vmus/0');
  });

  it('a VSN stop before its start is refused', () => {
    expect(refusal(raw({ start: '50ms', stop: '40ms' })).pointer).toBe('/vsns/0/stop');
  });
});

describe('bootTimeNs in expect:', () => {
  // web: 10 ms of boot CPU inside a 5 ms / 10 ms reservation, from 20 ms.
  const booting = (expect: Record<string, unknown>[], start = '20ms') =>
    normalizeScenario(
      {
        name: 'boot',
        duration: '100ms',
        hosts: [{ id: 'ph1', cpus: 1 }],
        vmus: [{ id: 'web', host: 'ph1', start, boot: { cpu: '10ms' }, sla: { budget: '5ms', period: '10ms' }, tasks: [periodic('app')] }],
        models: ['kvm-irmos', 'xen-rtds'],
        expect,
      },
      'b.yaml',
    );
  const choices = ['kvm-irmos', 'xen-rtds'].map((n) => ({ model: modelNamed(n) }));

  it('holds above the boot burst and fails below it, under each model', () => {
    const sc = booting([
      { vmu: 'web', metric: 'bootTimeNs', min: '10ms' },
      { vmu: 'web', metric: 'bootTimeNs', max: '9ms' },
      { model: 'kvm-irmos', vmu: 'web', metric: 'bootTimeNs', max: '1s' },
    ]);
    const results = compare(sc, choices);
    const verdicts = (min: number | undefined, max: number | undefined) => results.expectations.filter((e) => e.min === min && e.max === max).map((e) => [e.model, e.ok]);
    expect(verdicts(10 * MS, undefined)).toEqual([
      ['kvm-irmos', true],
      ['xen-rtds', true],
    ]);
    expect(verdicts(undefined, 9 * MS)).toEqual([
      ['kvm-irmos', false],
      ['xen-rtds', false],
    ]);
    expect(verdicts(undefined, 1e9)).toEqual([['kvm-irmos', true]]);
    for (const run of results.runs) {
      const boot = run.lifecycle!.find((v) => v.vmu === 'web')!.bootTimeNs!;
      expect(boot).toBeGreaterThanOrEqual(10 * MS);
      expect(results.expectations.find((e) => e.model === run.model)!.value).toBe(boot);
    }
  });

  it('a boot that never ends fails the bound, saying so', () => {
    const results = compare(booting([{ model: 'kvm-irmos', vmu: 'web', metric: 'bootTimeNs', max: '1s' }], '95ms'), choices);
    expect(results.expectations).toHaveLength(1);
    expect(results.expectations[0]).toMatchObject({ ok: false, value: null, note: 'VMU web did not finish booting by the end of the run' });
  });

  it('on a VMU without a boot phase it is an input error naming the VMU', () => {
    const sc = {
      name: 'noboot',
      duration: '100ms',
      hosts: [{ id: 'ph1', cpus: 1 }],
      vmus: [{ id: 'web', host: 'ph1', tasks: [periodic('app')] }],
      expect: [{ vmu: 'web', metric: 'bootTimeNs', max: '1s' }],
    };
    const e = refusal(sc);
    expect(e.pointer).toBe('/expect/0/vmu');
  });
});
