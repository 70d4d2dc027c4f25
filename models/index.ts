// The model registry: every list of models in hvsim is read from here — `hvsim models`, the names a
// scenario may use, the standard comparison set, the models an rt-app import runs under, the
// utilisation sweep's default, the chart colours, and the Xen schedulers a cpupool may name
// (models/xen/xen-models.ts SCHEDULERS). Adding a model is one import and one entry below.
import { InputError, describeValue } from '../src/errors.js';
import type { HypervisorModel } from '../src/engine/model.js';
import { kvmIrmos } from './kvm/kvm-irmos.js';
import { kvmDeadline, kvmLinux, kvmLinuxCfs } from './kvm/kvm-linux.js';
import { xenCredit, xenCredit2, xenRtds, xenSedf } from './xen/xen-models.js';

export interface RegistryEntry {
  readonly model: HypervisorModel;
  /** In the standard comparison (the seed's question) run when neither scenario nor command line names models. */
  readonly standard?: boolean;
  /**
   * Chart colour, so the model looks the same in every chart of every report. Without one a chart
   * takes a palette colour by the model's position in it.
   */
  readonly colour?: string;
  /** A stock Linux kernel: an rt-app workload with `--kernel` runs under it as on that kernel. */
  readonly stockLinux?: boolean;
  /** Native parameters under which one VMU may reserve a whole CPU (the utilisation sweep's setup). */
  readonly wholeCpuParams?: Readonly<Record<string, unknown>>;
  /** The model the utilisation sweep runs when its figure names none (exactly one entry). */
  readonly sweepDefault?: boolean;
}

export const REGISTRY: readonly RegistryEntry[] = [
  { model: xenSedf, standard: true },
  { model: xenCredit, standard: true },
  { model: xenCredit2 },
  { model: xenRtds },
  // A reservation of the whole CPU: IRMOS admits it only with the bound raised to 1 (linux-irmos.md §2.8).
  { model: kvmIrmos, standard: true, colour: '#1f63b4', wholeCpuParams: { admissionBound: 1 }, sweepDefault: true },
  { model: kvmLinux, standard: true, colour: '#e07b00', stockLinux: true },
  { model: kvmLinuxCfs, colour: '#c0282d', stockLinux: true },
  { model: kvmDeadline, colour: '#2a9a3c', stockLinux: true },
];

export const MODELS: readonly HypervisorModel[] = REGISTRY.map((e) => e.model);

/** Models `compare` runs when neither the scenario nor the command line names any: the seed's question. */
export const DEFAULT_COMPARE: readonly string[] = REGISTRY.filter((e) => e.standard).map((e) => e.model.name);

/** Stock Linux models, in registry order. */
export const STOCK_LINUX_MODELS: readonly string[] = REGISTRY.filter((e) => e.stockLinux).map((e) => e.model.name);

/** The utilisation sweep's model when its figure names none. */
export const SWEEP_DEFAULT_MODEL: string = REGISTRY.find((e) => e.sweepDefault)!.model.name;

export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

export function registryEntry(name: string): RegistryEntry | undefined {
  return REGISTRY.find((e) => e.model.name === name);
}

export function findModel(name: string, file: string, pointer: string): HypervisorModel {
  const model = MODELS.find((m) => m.name === name);
  if (!model) {
    throw new InputError({ file, pointer, expected: `a model name: ${modelNames().join(', ')}`, found: describeValue(name), hint: 'list them with `hvsim models`' });
  }
  return model;
}
