// Exact response-time analysis for preemptive fixed priorities on one processor (or one reservation).
//
// Joseph & Pandya 1986 ("Finding response times in a real-time system", Computer Journal 29(5)) and
// Audsley, Burns, Richardson, Tindell & Wellings 1993: R_i = C_i + Σ_{j∈hp(i)} ⌈R_i/T_j⌉C_j, least
// fixed point from below, is the completion time of the job released at the critical instant
// (synchronous release). Extended with
//  * blocking B_i and release jitter J_i (Audsley et al. 1993; Tindell's form w + J_j, R = w + J_i);
//  * arbitrary deadlines via the level-i busy window (Lehoczky 1990, Tindell, Burns & Wellings 1994):
//    when job 0 finishes after the next release, later jobs q of the busy period may be worse;
//  * a supply bound function for a task set inside a reservation (Shin & Lee 2003; Almeida & Pedreiras
//    2004): the least t with sbf(t) ≥ demand(t), reached by iterating t ← sbf⁻¹(demand(t)) — exact,
//    no scan, since the iteration from below stops at the least fixed point. Used for the tasks of an
//    IRMOS group / SCHED_DEADLINE server, whose supply is Γ(P, Q) (linux-irmos.md §2.5, §2.9).
//
// Equal priorities: POSIX queues them FIFO, and at the critical instant a task may be queued behind
// every equal-priority job released at or before it, so equal-priority tasks are counted as
// interfering in both directions. That is the FIFO worst case: an upper bound, exact only when
// priorities are distinct (rmPriorities/dmPriorities always give distinct ones).

import { dmPriorities } from './liu-layland.js';
import { type ResolvedSupply, type SupplyOptions, resolveSupply } from './supply-options.js';
import { type AnalysisTask, ceilDiv, compareUtilisation, utilisation, validateTasks } from './tasks.js';

export interface RtaOptions extends SupplyOptions {
  /** B_i: longest blocking by lower-priority work (e.g. a non-preemptive section), per task. */
  blocking?: number[];
  /** J_i: release jitter, per task. */
  jitter?: number[];
}

export interface RtaResult {
  /**
   * Completion time of the job released at the critical instant (first job of a synchronous
   * release; plus J_i with jitter). Computed to its fixed point even when it exceeds D_i, so a
   * simulation of that release can be compared exactly. Infinity iff the higher-or-equal-priority
   * load saturates the supply (U_hp ≥ 1, or ≥ supplyRate) and the fixed point does not exist.
   */
  response: number[];
  /**
   * Worst response over the whole level-i busy period (arbitrary deadlines). Equal to `response`
   * whenever job 0 finishes before the next release of its task (always, when schedulable with
   * D ≤ T). Infinity when the busy period never ends (level-i load above the supply rate, or at
   * exactly the rate with jitter, blocking or a reduced supply), or has more than 10^6 jobs.
   */
  worstCase: number[];
  /** worstCase[i] ≤ D_i for every task. Exact for distinct priorities; sufficient with ties. */
  schedulable: boolean;
}

const MAX_FIXPOINT_STEPS = 10_000_000;
const MAX_BUSY_JOBS = 1_000_000;

/** Priorities as given, or deadline-monotonic when no task has one. Mixed → error. */
function priorities(tasks: readonly AnalysisTask[]): number[] {
  const given = tasks.filter((t) => t.priority !== undefined).length;
  if (given === tasks.length) return tasks.map((t) => t.priority as number);
  if (given === 0) return dmPriorities(tasks).map((t) => t.priority as number);
  throw new RangeError('either every task or no task must have a priority (none = deadline-monotonic)');
}

function perTask(name: string, values: number[] | undefined, n: number): number[] {
  if (values === undefined) return new Array<number>(n).fill(0);
  if (values.length !== n) throw new RangeError(`${name} has ${values.length} entries for ${n} tasks`);
  values.forEach((v, i) => {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name}[${i}] must be ≥ 0, got ${v}`);
  });
  return values;
}

/** Sign of U(set) − supply rate; exact on a dedicated processor, 1e-12 tolerance otherwise. */
function compareLoad(set: AnalysisTask[], s: ResolvedSupply): -1 | 0 | 1 | undefined {
  if (s.dedicated) return compareUtilisation(set);
  if (s.rate === undefined) return undefined; // unknown: rely on the iteration caps
  const diff = utilisation(set) - s.rate;
  return Math.abs(diff) <= 1e-12 ? 0 : diff < 0 ? -1 : 1;
}

export function responseTimeAnalysis(tasks: readonly AnalysisTask[], opts: RtaOptions = {}): RtaResult {
  validateTasks(tasks);
  const n = tasks.length;
  const prio = priorities(tasks);
  const blocking = perTask('blocking', opts.blocking, n);
  const jitter = perTask('jitter', opts.jitter, n);
  const s = resolveSupply(opts);

  const response: number[] = [];
  const worstCase: number[] = [];
  for (let i = 0; i < n; i++) {
    const self = tasks[i];
    const hp = tasks.map((_, j) => j).filter((j) => j !== i && prio[j] >= prio[i]);
    const hpTasks = hp.map((j) => tasks[j]);

    // Demand of jobs 0..q of task i plus everything of higher or equal priority released in the
    // window [0, w) (jitter pulls releases earlier), plus blocking.
    const demand = (w: number, q: number): number => {
      let d = (q + 1) * self.wcet + blocking[i];
      for (const j of hp) d += ceilDiv(w + jitter[j], tasks[j].period) * tasks[j].wcet;
      return d;
    };
    // Least fixed point of w = sbf⁻¹(demand(w, q)), iterated upward from `from` (≤ the fixed point).
    const fixpoint = (q: number, from: number): number => {
      let w = from;
      for (let step = 0; step < MAX_FIXPOINT_STEPS; step++) {
        const next = s.inverse(demand(w, q));
        if (next === w) return w;
        if (!(next < Number.MAX_SAFE_INTEGER)) return Infinity;
        w = next;
      }
      return Infinity;
    };

    const hpLoad = compareLoad(hpTasks, s);
    if (hpLoad !== undefined && hpLoad >= 0) {
      response.push(Infinity);
      worstCase.push(Infinity);
      continue;
    }
    let w = fixpoint(0, s.inverse(self.wcet + blocking[i]));
    const first = w + jitter[i];
    response.push(first);
    if (!Number.isFinite(w) || w <= self.period - jitter[i]) {
      worstCase.push(first);
      continue;
    }

    // Job 1 is released before job 0 completes: walk the level-i busy period (Lehoczky 1990).
    const level = compareLoad([...hpTasks, self], s);
    const exactOnlyAtRate =
      s.dedicated && blocking[i] === 0 && [i, ...hp].every((j) => jitter[j] === 0);
    if (level !== undefined && (level > 0 || (level === 0 && !exactOnlyAtRate))) {
      worstCase.push(Infinity);
      continue;
    }
    let worst = first;
    let q = 0;
    while (Number.isFinite(w) && w > (q + 1) * self.period - jitter[i]) {
      q++;
      if (q > MAX_BUSY_JOBS) {
        w = Infinity;
        break;
      }
      w = fixpoint(q, w);
      worst = Math.max(worst, w - q * self.period + jitter[i]);
    }
    worstCase.push(Number.isFinite(w) ? worst : Infinity);
  }
  const schedulable = worstCase.every((r, i) => r <= tasks[i].deadline);
  return { response, worstCase, schedulable };
}
