// What every KVM model shares: each VMU is a host process whose vCPU threads the host Linux
// schedules (linux-irmos.md §7.1); host threads outside VMUs keep their own POSIX policy; a VMU
// without an SLA is a best-effort cgroup under CFS.

import { InputError } from '../../src/errors.js';
import type { HostSetup, SlaMappingRow } from '../../src/engine/model.js';
import type { VmuSpec } from '../../src/scenario/types.js';
import type { VmuOnHost } from '../population.js';
import { cpuList, slaText } from '../describe.js';
import type { FairGroupConfig } from './fair.js';

/**
 * Per-CPU budget that delivers a VMU's SLA (Q every P per vCPU) where each (group, CPU) reservation
 * holds its own budget: the IRMOS per-CPU servers (linux-irmos.md §2.1, §2.6: "Q time units every
 * period of P on each of the CPUs") and stock RT groups' per-CPU rt_runtime (§3.3). A vCPU thread
 * runs on one CPU at a time, so each CPU's reservation must hold the whole Q: spreading vcpus·Q over
 * a wider cpuset leaves a busy vCPU Q·vcpus/width per P (issue 9). Only when the vCPUs outnumber
 * the CPUs they may use do they share a CPU's reservation, which then holds their vcpus·Q / width
 * (rounded up, at most P) [M].
 */
export function perCpuBudget(vmu: VmuSpec, cpus: number): number {
  const sla = vmu.sla!;
  if (cpus >= vmu.vcpus) return sla.budget;
  return Math.min(sla.period, Math.ceil((sla.budget * vmu.vcpus) / cpus));
}

/**
 * The `count` CPUs of `allowed` with the least reservation bandwidth placed so far (`reserved[cpu]`,
 * Σ Q/P), ties to the lower index; returned in ascending order. A worst-fit placement [M]: IRMOS
 * left the choice of cpuset to its user (seed slides 002 pin the application with `numactl -C`).
 */
export function leastReservedCpus(allowed: readonly number[], count: number, reserved: readonly number[]): number[] {
  const order = [...allowed].sort((a, b) => reserved[a] - reserved[b] || a - b);
  return order.slice(0, Math.max(1, Math.min(count, allowed.length))).sort((a, b) => a - b);
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

/**
 * Refuse by the real system's admission test — unless admission already ran at each VMU's start
 * against the VMUs alive then (src/experiments/lifecycle.ts, HostSetup.admittedAtStarts): the
 * union of lifetimes that never overlap is not a configuration the kernel ever holds at once.
 */
export function refuseAdmission(setup: HostSetup, pointer: string, test: string, found: string, hint: string): void {
  if (setup.admittedAtStarts === true) return;
  throw admissionError(setup, pointer, test, found, hint);
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
