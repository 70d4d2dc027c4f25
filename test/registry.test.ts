// The model registry (models/index.ts) is the one list of models: what is derived from it is
// consistent, and the one place outside it that must name a model — the schema's documented default
// for a utilisation sweep, which the scenario layer (below the models) cannot import — agrees with it.

import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPARE, MODELS, REGISTRY, STOCK_LINUX_MODELS, SWEEP_DEFAULT_MODEL, findModel, registryEntry } from '../models/index.js';
import { InputError } from '../src/errors.js';
import { SCHEMA_SWEEP_MODEL } from '../src/scenario/normalize.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { parseScenarioFile } from '../src/experiments/load.js';
import { checkAdmission } from '../src/experiments/simulate.js';

describe('model registry', () => {
  it('names each model once, and every derived list names registered models', () => {
    const names = MODELS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of [...DEFAULT_COMPARE, ...STOCK_LINUX_MODELS, SWEEP_DEFAULT_MODEL]) expect(names).toContain(n);
    expect(REGISTRY.filter((e) => e.sweepDefault)).toHaveLength(1);
    for (const n of STOCK_LINUX_MODELS) expect(findModel(n, '', '').family).toBe('kvm');
  });

  it('gives distinct chart colours', () => {
    const colours = REGISTRY.flatMap((e) => (e.colour ? [e.colour] : []));
    expect(new Set(colours).size).toBe(colours.length);
    for (const c of colours) expect(c).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('the schema documents the registry\'s utilisation-sweep default, and loading applies it', () => {
    expect(SCHEMA_SWEEP_MODEL).toBe(SWEEP_DEFAULT_MODEL);
    const text = 'name: s\nduration: 1s\nhosts: [{ id: h, cpus: 1 }]\nfigures: [{ kind: utilisation-sweep, utilisations: [0.5, 0.9] }]\n';
    const sweep = parseScenarioFile(text, 's.yaml').figures![0];
    expect(sweep.kind === 'utilisation-sweep' && sweep.model).toBe(SWEEP_DEFAULT_MODEL);
    // The scenario layer alone (no registry at hand) falls back to the same documented default.
    const alone = parseScenarioText(text, 's.yaml').figures![0];
    expect(alone.kind === 'utilisation-sweep' && alone.model).toBe(SWEEP_DEFAULT_MODEL);
  });

  it('the whole-CPU parameters of the sweep default admit a VMU reserving a whole CPU', () => {
    const text = 'name: s\nduration: 10ms\nhosts: [{ id: h, cpus: 1 }]\nvmus: [{ id: v, host: h, sla: { budget: 10ms, period: 10ms }, tasks: [{ id: t, kind: busy }] }]\n';
    const scenario = parseScenarioFile(text, 's.yaml');
    const entry = registryEntry(SWEEP_DEFAULT_MODEL)!;
    // Without them the default bound refuses 100 % of a CPU; with them it is admitted.
    expect(() => checkAdmission(scenario, [{ model: entry.model }])).toThrow(InputError);
    expect(() => checkAdmission(scenario, [{ model: entry.model, request: { params: { ...entry.wholeCpuParams }, pointer: '' } }])).not.toThrow();
  });
});
