// Where a Xen vCPU may and would like to run (xen.md §1; xen/common/sched/private.h).
// - Hard affinity: the pCPUs it must run on, always inside its domain's cpupool.
// - Soft affinity (xl.cfg `cpus_soft`, Xen ≥ 4.5): the pCPUs it prefers. Credit and Credit2 choose
//   a pCPU in two balancing steps, soft ∩ hard first, then hard; RTDS, SEDF and the null
//   scheduler ignore it.
// - A soft affinity counts only when it changes something: it must meet the hard affinity without
//   containing it (soft_aff_effective, sched_set_affinity) and must not contain the whole pool
//   (has_soft_affinity).

import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext } from '../../src/engine/policy.js';

/** The pool's pCPUs, ascending and checked against the host (default: all of them). */
export function poolCpus(ctx: PolicyContext, pool: readonly number[] | undefined, who: string): readonly number[] {
  if (pool === undefined) return Array.from({ length: ctx.cpuCount }, (_, i) => i);
  const sorted = [...new Set(pool)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.some((c) => !Number.isInteger(c) || c < 0 || c >= ctx.cpuCount)) {
    throw new Error(`${who}: a cpupool needs pCPUs among 0..${ctx.cpuCount - 1}, got [${pool.join(', ')}]`);
  }
  return sorted;
}

/** The scenario's soft affinity of a vCPU (null: none, i.e. every pCPU). */
export function softAffinityOf(e: HostEntity): readonly number[] | null {
  return e.origin.kind === 'vcpu' ? (e.origin.vmu.softAffinity ?? null) : null;
}

/** Whether `cpu` is in e's raw soft affinity (Xen's default soft affinity is every pCPU). */
export function prefers(e: HostEntity, cpu: number): boolean {
  const soft = softAffinityOf(e);
  return soft === null || soft.includes(cpu);
}

/**
 * The soft balancing step's mask (soft ∩ hard) when e has a useful soft affinity in `pool`
 * (has_soft_affinity), else null: the step is skipped and only hard affinity counts.
 */
export function softStepMask(e: HostEntity, pool: readonly number[]): readonly number[] | null {
  const soft = softAffinityOf(e);
  if (soft === null) return null;
  const hard = e.affinity;
  const both = hard.filter((c) => soft.includes(c));
  const effective = both.length > 0 && both.length < hard.length; // meets hard, does not contain it
  if (!effective || pool.every((c) => soft.includes(c))) return null;
  return both;
}
