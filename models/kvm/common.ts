// What every KVM model shares: each VMU is a host process whose vCPU threads the host Linux
// schedules (linux-irmos.md §7.1); host threads outside VMUs keep their own POSIX policy; a VMU
// without an SLA is a best-effort cgroup under CFS.

import { InputError } from '../../src/errors.js';
import type { HostSetup, SlaMappingRow } from '../../src/engine/model.js';
import type { Policy, Sla, VmuSpec } from '../../src/scenario/types.js';
import type { VmuOnHost } from '../population.js';
import { formatDuration } from '../../src/scenario/units.js';
import type { FairGroupConfig } from './fair.js';

export function slaText(sla: Sla | undefined, vcpus = 1): string {
  if (!sla) return 'no SLA (best effort)';
  const d = sla.deadline !== sla.period ? `, deadline ${formatDuration(sla.deadline)}` : '';
  const per = vcpus > 1 ? ` per vCPU × ${vcpus}` : '';
  return `budget ${formatDuration(sla.budget)} / period ${formatDuration(sla.period)}${d}${per}`;
}

export function policyText(p: Policy): string {
  switch (p.class) {
    case 'fifo':
    case 'rr':
      return `SCHED_${p.class.toUpperCase()} priority ${p.priority}`;
    case 'deadline':
      return `SCHED_DEADLINE runtime ${formatDuration(p.runtime)} / deadline ${formatDuration(p.deadline)} / period ${formatDuration(p.period)}`;
    case 'fair':
      return `SCHED_OTHER nice ${p.nice}`;
  }
}

export function cpuList(cpus: number[]): string {
  return cpus.length === 1 ? `pCPU ${cpus[0]}` : `pCPUs ${cpus.join(',')}`;
}

/**
 * Per-CPU budget of a VMU's reservation. A group's reservation is per CPU of its cpuset
 * (linux-irmos.md §2.6); when the cpuset is wider than the VMU's vCPU count, the SLA's total
 * vcpus × budget is spread over the cpuset so the VMU is not granted more than it asked for [M].
 */
export function perCpuRuntime(vmu: VmuSpec): number {
  const sla = vmu.sla!;
  if (vmu.affinity.length <= vmu.vcpus) return sla.budget;
  return Math.floor((sla.budget * vmu.vcpus) / vmu.affinity.length);
}

/**
 * Host SCHED_FIFO priority of a reserved VMU's vCPU threads where the host schedules by priority:
 * the scenario's `hostPriority`, else rate-monotonic on the SLA period (shorter period, higher
 * priority; 90 for the shortest, one less per longer distinct period, floor 2) [M].
 */
export function vcpuPriorities(vmus: VmuSpec[]): Map<string, number> {
  const periods = [...new Set(vmus.filter((v) => v.sla).map((v) => v.sla!.period))].sort((a, b) => a - b);
  const out = new Map<string, number>();
  for (const v of vmus) {
    if (v.hostPriority !== undefined) out.set(v.id, v.hostPriority);
    else if (v.sla) out.set(v.id, Math.max(2, 90 - periods.indexOf(v.sla.period)));
    else out.set(v.id, 50);
  }
  return out;
}

/** CFS groups of best-effort VMUs (no SLA): cpu.shares = weight, no quota. */
export function bestEffortGroups(vmus: VmuOnHost[]): FairGroupConfig[] {
  return vmus.filter((v) => !v.vmu.sla).map((v) => ({ id: v.vmu.id, shares: v.vmu.weight }));
}

export function bestEffortRow(v: VmuOnHost): SlaMappingRow {
  return {
    entity: v.vmu.id,
    requested: slaText(undefined),
    native: `cgroup ${v.vmu.id}: cpu.shares=${v.vmu.weight}, vCPU threads SCHED_OTHER on ${cpuList(v.vmu.affinity)}`,
  };
}

/** A refusal by the real system's admission test: names the test, the CPU and the sums. */
export function admissionError(setup: HostSetup, pointer: string, test: string, found: string, hint: string): InputError {
  return new InputError({
    file: setup.scenario.file,
    pointer,
    expected: `a configuration that passes ${test}`,
    found,
    hint,
  });
}
