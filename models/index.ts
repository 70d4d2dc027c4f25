// The model registry: `hvsim models` and the CLI read this list; nothing else keeps a list of names.
import { InputError, describeValue } from '../src/errors.js';
import type { HypervisorModel } from '../src/engine/model.js';
import { kvmIrmos } from './kvm/kvm-irmos.js';
import { kvmDeadline, kvmLinux, kvmLinuxCfs } from './kvm/kvm-linux.js';
import { xenCredit, xenCredit2, xenRtds, xenSedf } from './xen/xen-models.js';

export const MODELS: readonly HypervisorModel[] = [xenSedf, xenCredit, xenCredit2, xenRtds, kvmIrmos, kvmLinux, kvmLinuxCfs, kvmDeadline];

/** Models `compare` runs when neither the scenario nor the command line names any: the seed's question. */
export const DEFAULT_COMPARE = ['xen-sedf', 'xen-credit', 'kvm-irmos', 'kvm-linux'];

export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

export function findModel(name: string, file: string, pointer: string): HypervisorModel {
  const model = MODELS.find((m) => m.name === name);
  if (!model) {
    throw new InputError({ file, pointer, expected: `a model name: ${modelNames().join(', ')}`, found: describeValue(name), hint: 'list them with `hvsim models`' });
  }
  return model;
}
