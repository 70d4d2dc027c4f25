// Issue 14's engine benchmark: ten periodic tasks under EDF, U = 0.9 (each task 9 % of a CPU),
// implicit deadlines, constant demands; about 74,000 jobs per 100 s simulated. Run two ways:
// as SCHED_DEADLINE host threads on one CPU (kvm-deadline: the one-level path), and inside one VMU
// whose guest schedules them by global EDF over 4 vCPUs, each vCPU a whole-CPU IRMOS reservation on
// its own pCPU (kvm-irmos: the two-level path, where the guest re-places tasks on every change).

import type { Scenario, TaskSpec } from '../src/scenario/types.js';

const MS = 1_000_000;
const PERIODS_MS = [5, 8, 10, 12, 15, 20, 25, 30, 40, 50];
const SHARE = 0.09;

function edfTasks(): TaskSpec[] {
  return PERIODS_MS.map((p, i) => {
    const runtime = Math.round(p * MS * SHARE);
    return {
      id: `t${i}`,
      arrival: { kind: 'periodic', period: p * MS, offset: 0, jitter: 0 },
      exec: { kind: 'constant', value: runtime },
      deadline: p * MS,
      policy: { class: 'deadline', runtime, deadline: p * MS, period: p * MS },
      affinity: [0],
    };
  });
}

function base(name: string, durationNs: number, cpus: number): Scenario {
  return {
    name,
    description: 'issue 14 EDF set: 10 tasks, U = 0.9',
    file: '<bench>',
    durationNs,
    warmupNs: 0,
    seed: 1,
    // No context switch cost, as an analytic simulator runs the set: with a 2 µs switch charged to each
    // dispatched job, a reservation of exactly the demand runs out every job, which is throttled to its
    // next period and falls further behind each period (every host-thread job missed: the benchmark
    // measured an overloaded CBS), and no margin fits under the 95 % admission limit beside 6.12's
    // fair_server (0.9 + 0.05). Without it the schedule is plain EDF's, which test/edf-set.test.ts checks.
    hosts: [{ id: 'ph1', cpus, contextSwitchNs: 0, tickNs: 4 * MS }],
    vmus: [],
    hostThreads: [],
    models: [],
    expectations: [],
  };
}

/** The set as SCHED_DEADLINE host threads on a 1-CPU host (run under kvm-deadline). */
export function edfHostThreads(durationNs: number): Scenario {
  return { ...base('bench-edf-threads', durationNs, 1), hostThreads: edfTasks().map((t) => ({ ...t, host: 'ph1' })) };
}

/** The set in one 4-vCPU VMU with a global-EDF guest, each vCPU a whole pCPU (run under kvm-irmos, admissionBound 1). */
export function edfGuest(durationNs: number): Scenario {
  const vcpus = [0, 1, 2, 3];
  return {
    ...base('bench-edf-guest', durationNs, 4),
    vmus: [
      {
        id: 'vm',
        host: 'ph1',
        vcpus: 4,
        affinity: vcpus,
        pinVcpus: true,
        sla: { budget: 10 * MS, period: 10 * MS, deadline: 10 * MS },
        guest: { scheduler: 'edf', tickNs: 4 * MS },
        weight: 1024,
        tasks: edfTasks().map((t) => ({ ...t, affinity: vcpus })),
        io: [],
      },
    ],
  };
}
