// A VMU's guest task set as the demand its server must meet, and the test that decides whether a
// supply bound meets it: EDF's processor-demand criterion dbf(t) ≤ sbf(t) for a guest EDF scheduler,
// fixed-priority response-time analysis against sbf for guest POSIX priorities (Shin & Lee 2003;
// src/analysis/edf.ts, rta.ts). Only what those tests can speak for is analysed: one vCPU (a guest
// on several vCPUs is a global scheduler, which these tests do not cover), periodic or sporadic
// tasks with a finite largest demand (a busy loop needs the whole CPU; Poisson servers and programs
// have no minimum inter-arrival). The synchronous release of every task with its largest demand is
// the worst case both tests assume, so offsets are ignored; release jitter enters RTA as J_i and
// EDF as a deadline shortened by J (a job released J late still has its deadline from the nominal
// release).

import { edfDemandAnalysis } from '../analysis/edf.js';
import { responseTimeAnalysis } from '../analysis/rta.js';
import type { SupplyOptions } from '../analysis/supply-options.js';
import type { AnalysisTask } from '../analysis/tasks.js';
import { maxDemand } from '../scenario/scale.js';
import type { Ns, TaskSpec, VmuSpec } from '../scenario/types.js';
import { formatDuration } from '../scenario/units.js';

export type DemandTest = 'EDF dbf ≤ sbf' | 'FP response time with sbf';

export interface GuestDemand {
  test: DemandTest;
  ids: string[];
  tasks: AnalysisTask[];
  jitter: Ns[];
}

/** The analysable demand of `vmu`, or why it has none. */
export function guestDemand(vmu: VmuSpec): GuestDemand | { unanalysable: string } {
  if (vmu.vcpus !== 1) return { unanalysable: `${vmu.vcpus} vCPUs: the supply-bound tests cover a guest on one vCPU` };
  if (vmu.guest.scheduler === 'fair') return { unanalysable: 'a fair-share guest scheduler has no deadline analysis' };
  if (vmu.io.length > 0) return { unanalysable: 'its I/O loads cross the host I/O path, which the analysis does not model' };
  const ids: string[] = [];
  const tasks: AnalysisTask[] = [];
  const jitter: Ns[] = [];
  for (const t of vmu.tasks) {
    const one = analysisTask(t, vmu.guest.scheduler === 'edf');
    if (typeof one === 'string') return { unanalysable: `task ${t.id}: ${one}` };
    if (one === null) continue;
    ids.push(t.id);
    tasks.push(one.task);
    jitter.push(one.jitter);
  }
  if (tasks.length === 0) return { unanalysable: 'no task with a deadline' };
  return { test: vmu.guest.scheduler === 'edf' ? 'EDF dbf ≤ sbf' : 'FP response time with sbf', ids, tasks, jitter };
}

/** null: a task without a deadline and demand (nothing to meet); a string: why it cannot be analysed. */
function analysisTask(t: TaskSpec, edf: boolean): { task: AnalysisTask; jitter: Ns } | null | string {
  const a = t.arrival;
  if (!Number.isFinite(t.deadline)) return null; // a busy loop too: nothing to meet

  if (a.kind !== 'periodic' && a.kind !== 'sporadic') return `${a.kind} arrivals have no minimum inter-arrival time`;
  const period = a.kind === 'periodic' ? a.period : a.minInterArrival;
  const jitter = a.kind === 'periodic' ? a.jitter : 0;
  const wcet = maxDemand(t.exec);
  if (wcet === null || wcet <= 0) return 'its demand has no finite maximum';
  const policy = t.policy;
  if (!edf && policy.class !== 'fifo' && policy.class !== 'rr') return `a ${policy.class} task under guest POSIX priorities has no fixed priority`;
  const deadline = edf ? t.deadline - jitter : t.deadline;
  if (deadline <= 0) return 'its release jitter is not shorter than its deadline';
  const priority = policy.class === 'fifo' || policy.class === 'rr' ? policy.priority : undefined;
  return { task: { wcet, period, deadline, ...(edf ? {} : { priority }) }, jitter };
}

export interface DemandVerdict {
  schedulable: boolean;
  /** Which part of the test failed, in words (absent when schedulable). */
  failed?: string;
}

/** Does `supply` meet `demand`? */
export function meetsDemand(demand: GuestDemand, supply: SupplyOptions): DemandVerdict {
  if (demand.test === 'EDF dbf ≤ sbf') {
    const r = edfDemandAnalysis(demand.tasks, supply);
    if (r.schedulable) return { schedulable: true };
    if (r.reason === 'utilisation') return { schedulable: false, failed: 'EDF: the task set\'s utilisation exceeds the supply rate' };
    const v = r.firstViolation!;
    return { schedulable: false, failed: `EDF: dbf(${formatDuration(v.t)}) = ${formatDuration(v.demand)} > sbf = ${formatDuration(v.supply)}` };
  }
  const r = responseTimeAnalysis(demand.tasks, { ...supply, jitter: demand.jitter });
  if (r.schedulable) return { schedulable: true };
  const i = r.worstCase.findIndex((w, k) => w > demand.tasks[k].deadline);
  const w = r.worstCase[i];
  return {
    schedulable: false,
    failed: `FP: task ${demand.ids[i]} responds in ${Number.isFinite(w) ? formatDuration(w) : '∞'} > its deadline ${formatDuration(demand.tasks[i].deadline)}`,
  };
}
