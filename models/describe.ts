// How the models describe what they mapped, in the words of the SLA-mapping table of a report:
// an SLA, a POSIX policy, a set of pCPUs. Shared by the Xen and KVM models alike.

import type { Policy, Sla } from '../src/scenario/types.js';
import { formatDuration } from '../src/scenario/units.js';

export function slaText(sla: Sla | undefined, vcpus = 1): string {
  if (!sla) return 'no SLA (best effort)';
  const d = sla.deadline !== sla.period ? `, deadline ${formatDuration(sla.deadline)}` : '';
  const per = vcpus > 1 ? ` per vCPU × ${vcpus}` : '';
  return `budget ${formatDuration(sla.budget)} / period ${formatDuration(sla.period)}${d}${per}${sla.reclaim === true ? ', may reclaim time the others leave' : ''}`;
}

export function policyText(p: Policy): string {
  switch (p.class) {
    case 'fifo':
    case 'rr':
      return `SCHED_${p.class.toUpperCase()} priority ${p.priority}`;
    case 'deadline':
      return `SCHED_DEADLINE runtime ${formatDuration(p.runtime)} / deadline ${formatDuration(p.deadline)} / period ${formatDuration(p.period)}${p.reclaim === true ? ' SCHED_FLAG_RECLAIM' : ''}`;
    case 'fair':
      return `SCHED_OTHER nice ${p.nice}`;
    case 'sporadic':
      return `SCHED_SPORADIC priority ${p.priority} (low ${p.lowPriority}) budget ${formatDuration(p.budget)} / period ${formatDuration(p.period)}, max_repl ${p.maxRepl}${p.rules === 'corrected' ? ', corrected rules (RTAS 2010)' : ''}`;
  }
}

export function cpuList(cpus: number[]): string {
  return cpus.length === 1 ? `pCPU ${cpus[0]}` : `pCPUs ${cpus.join(',')}`;
}
