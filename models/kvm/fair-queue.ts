// The CFS class's per-CPU runqueues (linux-irmos.md §6.1): entities ordered by vruntime (found by a
// scan — queues are short — rather than an rb-tree), the running entity kept in its queue, counts of
// visible (not throttled) entities for the served-class interface, and min_vruntime.

import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext } from '../../src/engine/policy.js';
import type { Ns } from '../../src/scenario/types.js';
import type { CfsBandwidth } from './fair-bandwidth.js';

export interface FairGroup {
  id: string;
  shares: number;
  members: HostEntity[];
  bw: CfsBandwidth | null;
}

export interface FairSlot {
  weight: number;
  vruntime: number;
  /** Total executed ns, and its value when the entity was last picked (slice accounting). */
  sumExec: Ns;
  sumExecAtPick: Ns;
  /** EEVDF (§6.2): virtual deadline, lag kept across a sleep, and se->vprot: the vruntime up to which
   *  the entity, once picked, is protected from pick_eevdf (RUN_TO_PARITY; fair.c set_protect_slice,
   *  6.17+). Unused in CFS mode. */
  deadline: number;
  vlag: number;
  vprot: number;
  /** EEVDF DELAY_DEQUEUE (6.12+, fair.c dequeue_entity/set_delayed): asleep, but still in its CPU's
   *  tree (counted in V and nr_queued, never picked to run) until pick_eevdf reaches it or it wakes. */
  delayed: boolean;
  group: FairGroup | null;
  queued: boolean;
  index: number;
  prevCpu: number;
  /** When it last left a CPU (se.exec_start for task_hot; -Infinity: never ran). */
  lastRanNs: number;
  /** Its place in the CPU's task list (fair-balance.ts): the FairRunqueues sequence at its last
   *  enqueue, and from 4.15 at its last pick too (cfs_tasks is MRU). */
  listSeq: number;
  /** When a periodic or active balance last moved it (fair-balance.ts). */
  balancedAt: number;
  /** PELT-like averages (fair-balance-stats.ts, 5.5+ rules): fraction of recent time runnable (load_avg /
   *  weight, runnable_avg / 1024) and running (util_avg / 1024), as of `peltAt`, and the state since. */
  peltRunnableAvg: number;
  peltRunningAvg: number;
  peltAt: number;
  peltRunnable: boolean;
  peltRunning: boolean;
}

/** The fair-class state of `e` (its sched_entity): the one typed view of `e.slot` for this class. */
export function fairSlot(e: HostEntity): FairSlot {
  return e.slot as FairSlot;
}

export class FairRunqueues {
  readonly queues: HostEntity[][];
  /** Per CPU: queued entities not hidden by throttling. */
  readonly nrVisible: Int32Array;
  nrVisibleTotal = 0;
  /** Per CPU: delay-dequeued sleepers still in the tree (FairSlot.delayed). */
  readonly nrDelayed: Int32Array;
  /** Per CPU: monotonic floor of the vruntimes (min_vruntime), brought up to date lazily. */
  readonly minVruntime: Float64Array;
  activityListener: ((cpu: number, active: boolean) => void) | null = null;
  /** Counter behind FairSlot.listSeq. */
  private seq = 0;

  constructor(ctx: PolicyContext) {
    const n = ctx.cpuCount;
    this.queues = Array.from({ length: n }, () => []);
    this.nrVisible = new Int32Array(n);
    this.nrDelayed = new Int32Array(n);
    this.minVruntime = new Float64Array(n);
  }

  /** Runnable there: not a delay-dequeued sleeper, not hidden by its group's bandwidth throttling on `cpu` (§6.3). */
  visible(s: FairSlot, cpu: number): boolean {
    if (s.delayed) return false;
    const bw = s.group === null ? null : s.group.bw;
    return bw === null || bw.throttled[cpu] === 0;
  }

  /** In the CPU's EEVDF tree: visible, or a delay-dequeued sleeper (it still weighs in V). */
  inTree(s: FairSlot, cpu: number): boolean {
    return s.delayed || this.visible(s, cpu);
  }

  /** cfs_rq->nr_queued: the entities in the tree, delay-dequeued sleepers included. */
  nrQueued(cpu: number): number {
    return this.nrVisible[cpu] + this.nrDelayed[cpu];
  }

  /** Smallest-vruntime visible entity on `cpu` (the leftmost), other than `skip`. */
  leftmost(cpu: number, skip: HostEntity | null): HostEntity | null {
    const q = this.queues[cpu];
    let best: HostEntity | null = null;
    let bv = Infinity;
    for (let i = 0; i < q.length; i++) {
      const x = q[i];
      const xs = fairSlot(x);
      if (x === skip || !this.visible(xs, cpu)) continue;
      if (xs.vruntime < bv) {
        bv = xs.vruntime;
        best = x;
      }
    }
    return best;
  }

  /** The weight of the visible entities on `cpu` (weighted_cpuload), or with `tree` of all in its tree (cfs_rq->sum_weight). */
  visibleWeight(cpu: number, tree = false): number {
    const q = this.queues[cpu];
    let w = 0;
    for (let i = 0; i < q.length; i++) {
      const s = fairSlot(q[i]);
      if (tree ? this.inTree(s, cpu) : this.visible(s, cpu)) w += s.weight;
    }
    return w;
  }

  /** min_vruntime = max(min_vruntime, smallest visible vruntime, the running entity included). */
  updateMinVruntime(cpu: number): void {
    const left = this.leftmost(cpu, null);
    if (left === null) return;
    this.raiseMinVruntime(cpu, fairSlot(left).vruntime);
  }

  raiseMinVruntime(cpu: number, v: number): void {
    if (v > this.minVruntime[cpu]) this.minVruntime[cpu] = v;
  }

  /** A waiting (queued, visible, not running) entity on `src` allowed on `dst` and not throttled there; least vruntime. */
  pullable(src: number, dst: number): HostEntity | null {
    const q = this.queues[src];
    let best: HostEntity | null = null;
    let bv = Infinity;
    for (let i = 0; i < q.length; i++) {
      const x = q[i];
      const xs = fairSlot(x);
      if (x.runningOn >= 0 || !this.visible(xs, src) || !this.visible(xs, dst) || !x.allows(dst)) continue;
      if (xs.vruntime < bv) {
        bv = xs.vruntime;
        best = x;
      }
    }
    return best;
  }

  anyPullable(dst: number): boolean {
    for (let c = 0; c < this.queues.length; c++) {
      if (c !== dst && this.nrVisible[c] > 0 && this.pullable(c, dst) !== null) return true;
    }
    return false;
  }

  insert(e: HostEntity, cpu: number): void {
    const s = fairSlot(e);
    const q = this.queues[cpu];
    s.index = q.length;
    q.push(e);
    s.queued = true;
    s.prevCpu = cpu;
    s.listSeq = ++this.seq; // list_add at the head of the CPU's task list
    e.cpu = cpu;
    const bw = s.group === null ? null : s.group.bw;
    if (bw !== null) {
      bw.nrQueued[cpu]++;
      bw.totalQueued++;
    }
    if (this.visible(s, cpu)) this.addVisible(cpu, 1);
  }

  /** A pick moves the entity to the head of the CPU's task list (pick_next_task_fair, 4.15+). */
  touch(s: FairSlot): void {
    s.listSeq = ++this.seq;
  }

  remove(e: HostEntity, cpu: number): void {
    const s = fairSlot(e);
    const q = this.queues[cpu];
    const last = q.pop()!;
    if (last !== e) {
      q[s.index] = last;
      fairSlot(last).index = s.index;
    }
    s.queued = false;
    s.index = -1;
    const wasVisible = this.visible(s, cpu);
    const bw = s.group === null ? null : s.group.bw;
    if (bw !== null) {
      bw.nrQueued[cpu]--;
      bw.totalQueued--;
      if (bw.nrQueued[cpu] === 0) bw.emptied(cpu); // §6.3 slack return
    }
    if (wasVisible) this.addVisible(cpu, -1);
  }

  /** Change the visible count of `cpu`; tell the activity listener on 0 ↔ non-zero transitions. */
  addVisible(cpu: number, k: number): void {
    if (k === 0) return;
    const before = this.nrVisible[cpu];
    const after = before + k;
    this.nrVisible[cpu] = after;
    this.nrVisibleTotal += k;
    const listener = this.activityListener;
    if (listener === null) return;
    if (before === 0 && after > 0) listener(cpu, true);
    else if (before > 0 && after === 0) listener(cpu, false);
  }
}
