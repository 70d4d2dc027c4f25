// A VMU's boot and shutdown phases (issue 13) as guest tasks of their own: each is one job of the
// phase's CPU demand, injected by the simulator (arrival 'external') at the VMU's start and stop.
// A guest kernel boots and shuts down before and after its applications run, on its boot CPU (vCPU
// 0), at the top of the guest's priorities so nothing of the guest runs beside it.

import type { Ns, TaskSpec, VmuSpec } from './system.js';

export const BOOT_SUFFIX = '.boot';
export const SHUTDOWN_SUFFIX = '.shutdown';
/** The I/O load of a boot's disk reads (and its guest handler task). */
export const BOOT_DISK_SUFFIX = '.boot-disk';

function phaseTask(id: string, demandNs: Ns): TaskSpec {
  return { id, arrival: { kind: 'external' }, exec: { kind: 'constant', value: demandNs }, deadline: Infinity, policy: { class: 'fifo', priority: 99 }, affinity: [0] };
}

/** The VMU's tasks, then its boot and shutdown tasks when it has those phases. */
export function tasksWithPhases(vmu: VmuSpec): TaskSpec[] {
  if (vmu.bootNs === undefined && vmu.shutdownNs === undefined) return vmu.tasks;
  const tasks = [...vmu.tasks];
  if (vmu.bootNs !== undefined) tasks.push(phaseTask(vmu.id + BOOT_SUFFIX, vmu.bootNs));
  if (vmu.shutdownNs !== undefined) tasks.push(phaseTask(vmu.id + SHUTDOWN_SUFFIX, vmu.shutdownNs));
  return tasks;
}

/** Whether `task` of `vmu` is one of its phases rather than its own work. */
export function isPhaseTask(vmu: VmuSpec, taskId: string): boolean {
  return taskId === vmu.id + BOOT_SUFFIX || taskId === vmu.id + SHUTDOWN_SUFFIX;
}
