// Who lives on a PH under a model (setup.population: the scenario's VMUs and host threads, plus
// what the model's prepare() added), paired with their host entities and their place in the
// scenario file for error messages.

import type { HostEntity } from '../src/engine/entities.js';
import type { HostSetup, PrepareSetup } from '../src/engine/model.js';
import { InputError, pointerOf } from '../src/errors.js';
import type { HostThreadSpec, VmuSpec } from '../src/scenario/types.js';

export interface VmuOnHost {
  vmu: VmuSpec;
  vcpus: HostEntity[];
  /** JSON pointer of the VMU in the scenario, or of the model's params for a domain the model added. */
  pointer: string;
}

export interface ThreadOnHost {
  spec: HostThreadSpec;
  entity: HostEntity;
  pointer: string;
}

export function vmusOnHost(setup: HostSetup): VmuOnHost[] {
  return setup.population.vmus.map((vmu) => {
    const index = setup.scenario.vmus.findIndex((v) => v.id === vmu.id);
    return {
      vmu,
      vcpus: setup.entities.filter((e) => e.vmuId === vmu.id),
      pointer: index >= 0 ? pointerOf('vmus', index) : setup.paramsPointer,
    };
  });
}

export function hostThreadsOnHost(setup: HostSetup): ThreadOnHost[] {
  return setup.population.hostThreads.map((spec) => {
    const index = setup.scenario.hostThreads.findIndex((t) => t.id === spec.id);
    return {
      spec,
      entity: setup.entities.find((e) => e.id === spec.id)!,
      pointer: index >= 0 ? pointerOf('hostThreads', index) : setup.paramsPointer,
    };
  });
}

/**
 * POSIX SCHED_SPORADIC exists only as a policy of the stock-Linux models' RT class
 * (models/kvm/sporadic.ts): any other model refuses a host thread of this PH that asks for it.
 */
export function refuseSporadicThreads(setup: PrepareSetup, model: string): void {
  // `model` names who would have to schedule it, for the message: 'kvm-irmos', 'Xen (dom0)'.
  const { scenario, host } = setup;
  const index = scenario.hostThreads.findIndex((t) => t.host === host.id && t.policy.class === 'sporadic');
  if (index < 0) return;
  throw new InputError({
    file: scenario.file,
    pointer: pointerOf('hostThreads', index, 'policy', 'class'),
    expected: `a host-thread policy that ${model} schedules (fifo, rr, deadline or fair)`,
    found: '"sporadic"',
    hint: 'SCHED_SPORADIC is modelled only by kvm-linux, kvm-linux-cfs and kvm-deadline (stock Linux with the POSIX sporadic-server patch)',
  });
}
