// The Core issue's reference scenario: a 4-CPU PH with 16 single-vCPU VMUs (4 per pCPU, each
// reserved 4 ms / 20 ms) and 64 periodic tasks (4 per VMU, rate-monotonic priorities). Scaled to
// other host sizes with the same density (issue 14: 64 CPUs, 256 VMUs, 1024 tasks).

import type { Scenario, TaskSpec, VmuSpec } from '../src/scenario/types.js';

const MS = 1_000_000;

export function referenceScenario(durationNs: number, cpus = 4): Scenario {
  const periods = [20, 40, 50, 100];
  const vmus: VmuSpec[] = Array.from({ length: 4 * cpus }, (_, i) => {
    const tasks: TaskSpec[] = periods.map((p, k) => ({
      id: `vm${i}-t${k}`,
      arrival: { kind: 'periodic', period: p * MS, offset: ((i * 7 + k * 3) % 10) * MS / 10, jitter: 0 },
      // About 3.5 % of a CPU each: 14 % per VMU inside its 20 % reservation.
      exec: { kind: 'uniform', min: Math.round(p * 0.025 * MS), max: Math.round(p * 0.045 * MS) },
      deadline: p * MS,
      policy: { class: 'fifo', priority: 90 - k * 10 },
      affinity: [0],
    }));
    return {
      id: `vm${i}`,
      host: 'ph1',
      vcpus: 1,
      affinity: [i % cpus],
      sla: { budget: 4 * MS, period: 20 * MS, deadline: 20 * MS },
      guest: { scheduler: 'fifo', tickNs: 4 * MS },
      weight: 1024,
      tasks,
      io: [],
    };
  });
  return {
    name: 'bench-reference',
    description: `${cpus} pCPUs, ${4 * cpus} VMUs, ${16 * cpus} tasks`,
    file: '<bench>',
    durationNs,
    warmupNs: 0,
    seed: 1,
    hosts: [{ id: 'ph1', cpus, contextSwitchNs: 2_000, tickNs: 4 * MS }],
    vmus,
    hostThreads: [],
    models: [],
    expectations: [],
  };
}
