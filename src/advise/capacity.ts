// How many identical reservations (u = Q/P on each of a VMU's vCPUs) a stack's schedulability rule
// allows on one PH of `cpus` pCPUs — the analytic side of `advise fit`. Each rule is the test the
// stack itself relies on:
// * kvm-irmos: partitioned EDF of hard CBS servers, Σ Q/P ≤ admissionBound (0.95) per CPU, each vCPU
//   of a VMU on a CPU of its own (linux-irmos.md §2.8; models/kvm/kvm-irmos.ts).
// * xen-sedf: per-pCPU EDF with no admission control, Σ slice/period ≤ 1 per pCPU (xen.md §5).
// * kvm-linux: stock RT groups hold their runtime on every CPU, Σ Q/P ≤ rt_runtime/rt_period
//   (0.95) over all groups (linux-irmos.md §3.3).
// * xen-rtds, kvm-deadline: global EDF, schedulable when Σ U ≤ m − (m − 1)·U_max (Goossens, Funk &
//   Baruah 2003; xen.md §4, linux-irmos.md §4.4). kvm-deadline's own admission (Σ ≤ 0.95·m, less
//   the fair_server from 6.12, §4.5) is the admission count beside it.
// * xen-credit, xen-credit2, kvm-linux-cfs: a long-run share only (xen.md §2.12; §6.3), Σ U ≤ m.

import type { ModelChoice } from '../experiments/simulate.js';

const TOLERANCE = 1e-9;
const RT_BOUND = 0.95; // sched_rt_runtime_us / sched_rt_period_us, linux-irmos.md §0

/** Copies of an n-vCPU VMU when every CPU has `slots` places and a copy's vCPUs need distinct CPUs. */
function partitioned(cpus: number, vcpus: number, slots: number): number {
  if (vcpus > cpus) return 0;
  // n copies fit iff n·vcpus ≤ cpus·min(slots, n): each CPU holds at most one vCPU of each copy.
  let n = 0;
  while (n < 100_000 && (n + 1) * vcpus <= cpus * Math.min(slots, n + 1)) n++;
  return n;
}

export function capacityCount(choice: ModelChoice, cpus: number, vcpus: number, u: number): { count: number; rule: string } {
  if (!(u > 0)) return { count: 0, rule: 'no reservation' };
  const params = choice.request?.params ?? {};
  const each = u * vcpus;
  switch (choice.model.name) {
    case 'kvm-irmos': {
      const bound = typeof params.admissionBound === 'number' ? params.admissionBound : RT_BOUND;
      return { count: partitioned(cpus, vcpus, Math.floor(bound / u + TOLERANCE)), rule: `partitioned EDF: Σ Q/P ≤ ${bound} per pCPU` };
    }
    case 'xen-sedf':
      return { count: partitioned(cpus, vcpus, Math.floor(1 / u + TOLERANCE)), rule: 'per-pCPU EDF: Σ slice/period ≤ 1' };
    case 'kvm-linux':
      return { count: Math.floor(RT_BOUND / u + TOLERANCE), rule: `RT groups on every CPU: Σ Q/P ≤ ${RT_BOUND}` };
    case 'xen-rtds':
    case 'kvm-deadline': {
      // n·each ≤ m − (m − 1)·u, the vCPUs being the tasks of global EDF.
      const n = Math.floor((cpus - (cpus - 1) * u) / each + TOLERANCE);
      return { count: Math.max(0, n), rule: 'global EDF: Σ U ≤ m − (m − 1)·U_max' };
    }
    default:
      return { count: Math.floor(cpus / each + TOLERANCE), rule: 'long-run share only: Σ U ≤ m' };
  }
}
