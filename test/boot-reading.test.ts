// The reading's boot sentence (src/report/boot-reading.ts): each booting VMU's time from its start to
// its boot's end, per model, slowest first. Checked against the hard-CBS supply bound: a boot burst
// of C inside a reservation Q every P with nothing else on the CPU ends after ⌈C/Q⌉ − 1 full
// periods plus the rest, so its time lies in [(⌈C/Q⌉ − 1)·P + (C − (⌈C/Q⌉ − 1)·Q), ⌈C/Q⌉·P].

import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index.js';
import { compare } from '../src/experiments/simulate.js';
import type { ModelRun } from '../src/metrics/results.js';
import { bootSentences } from '../src/report/boot-reading.js';
import { fmtNs } from '../src/report/format.js';
import { normalizeScenario } from '../src/scenario/normalize.js';

const MS = 1_000_000;
const modelNamed = (name: string) => MODELS.find((m) => m.name === name)!;

// web: 23 ms of boot CPU in a 5 ms / 10 ms reservation from 20 ms; idle: no boot phase at all.
const scenario = normalizeScenario(
  {
    name: 'boot-reading',
    duration: '200ms',
    hosts: [{ id: 'ph1', cpus: 1 }],
    vmus: [
      { id: 'web', host: 'ph1', start: '20ms', boot: { cpu: '23ms' }, sla: { budget: '5ms', period: '10ms' }, tasks: [{ id: 'app', kind: 'periodic', period: '10ms', exec: '1ms' }] },
      { id: 'idle', host: 'ph1', sla: { budget: '1ms', period: '10ms' }, tasks: [{ id: 'tick', kind: 'periodic', period: '10ms', exec: '100us' }] },
    ],
  },
  'b.yaml',
);

describe('the reading says how long each VMU took to boot', () => {
  it('gives each model its boot time, within the reservation\'s supply bound, slowest first', () => {
    const results = compare(scenario, ['kvm-irmos', 'xen-rtds'].map((n) => ({ model: modelNamed(n) })));
    const [sentence, ...more] = bootSentences(scenario, results.runs);
    expect(more).toEqual([]); // idle has no boot phase
    const times = results.runs.map((r) => ({ model: r.model, ns: r.lifecycle!.find((l) => l.vmu === 'web')!.bootTimeNs! }));
    const periods = Math.ceil(23 / 5);
    // The neighbour's 1 ms reservation can delay a period's budget, never move it to another period.
    for (const t of times) expect(t.ns).toBeGreaterThanOrEqual(((periods - 1) * 10 + (23 - (periods - 1) * 5)) * MS);
    for (const t of times) expect(t.ns).toBeLessThanOrEqual(periods * 10 * MS);
    // Models with the same formatted time share one clause: "43 ms under kvm-irmos and xen-rtds".
    for (const t of times) expect(sentence).toMatch(new RegExp(`${fmtNs(t.ns)} under [a-z0-9, -]*\\b${t.model}\\b`));
    const slowest = times.reduce((a, b) => (b.ns > a.ns ? b : a));
    expect(sentence.indexOf(fmtNs(slowest.ns))).toBeLessThan(sentence.indexOf(' under ') + 1);
    expect(sentence).toMatch(/^From its start to its boot's end, web took /);
  });

  it('groups models with the same time, and names boots refused or not finished', () => {
    const life = (bootTimeNs: number | undefined, admitted = true) => ({ lifecycle: [{ vmu: 'web', startNs: 20 * MS, stopNs: null, admitted, bootTimeNs }] });
    const runs = [
      { model: 'a', ...life(30 * MS) },
      { model: 'b', ...life(30 * MS) },
      { model: 'c', ...life(90 * MS) },
      { model: 'd', ...life(undefined) },
      { model: 'e', ...life(undefined, false) },
    ] as unknown as ModelRun[];
    const [sentence] = bootSentences(scenario, runs);
    expect(sentence).toBe(
      "From its start to its boot's end, web took 90 ms under c, 30 ms under a and b, not finished by the end of the run under d and never (refused at its start) under e to boot.",
    );
  });

  it('says nothing when no VMU boots', () => {
    const plain = { ...scenario, vmus: scenario.vmus.filter((v) => v.id === 'idle') };
    expect(bootSentences(plain, [])).toEqual([]);
  });
});
