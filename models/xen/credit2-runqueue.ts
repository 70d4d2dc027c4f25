// Credit2's per-vCPU, per-domain and per-runqueue state (xen.md §3), with the credit-ordered runqueue
// and the load-average bookkeeping used by placement and load balancing. The policy itself is in
// credit2.ts.

import type { Ns } from '../../src/scenario/types.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { Timer } from '../../src/engine/event-queue.js';

/** Credit2 constants (§0 Credit2 rows, §3). Credit is in ns of run time at the runqueue's maximum weight. */
export const CREDIT2 = {
  DEFAULT_WEIGHT: 256,
  /** CSCHED2_CREDIT_INIT: start and reset amount. */
  CREDIT_INIT: 10_000_000,
  /** Floor (credit never goes below −CREDIT_INIT, so never below idle). */
  CREDIT_MIN: -10_000_000,
  /** Reset happens when the chosen vCPU has credit ≤ this. */
  CREDIT_RESET: 0,
  /** Extra credit that may be carried over a reset. */
  CARRYOVER_MAX: 500_000,
  MIN_TIMER: 500_000,
  MAX_TIMER: 10_000_000,
  /** sched_credit2_migrate_resist default. */
  MIGRATE_RESIST: 500_000,
  MIGRATE_COMPENSATION: 50_000,
  RATELIMIT_TICKLE_TOLERANCE: 50_000,
  /** credit2_cap_period_ms default. */
  CAP_PERIOD: 10_000_000,
  /** Load-average window (2^30 ns ≈ 1.07 s). */
  LOAD_WINDOW: 1_073_741_824,
  /** sched_ratelimit_us default. */
  RATELIMIT: 1_000_000,
} as const;

/** The idle unit's credit: below any real vCPU's (credit floor − 1). */
export const IDLE_CREDIT = CREDIT2.CREDIT_MIN - 1;

export class C2Domain {
  readonly units: C2Vcpu[] = [];
  /** cap% × CAP_PERIOD / 100 (0: uncapped). */
  totBudget: Ns = 0;
  /** Domain-wide budget pool. */
  budget: Ns = 0;
  /** max(totBudget / nr units, MIN_TIMER). */
  quota: Ns = 0;
  nextRepl: Ns = 0;
  timer: Timer | null = null;
  /** Units parked for lack of budget. */
  readonly parked: C2Vcpu[] = [];

  constructor(
    readonly id: string,
    public weight: number,
    /** % of one pCPU; 0 = none. */
    public cap: number,
  ) {}

  get capped(): boolean {
    return this.cap > 0;
  }
}

export class C2Vcpu {
  credit: number = CREDIT2.CREDIT_INIT;
  /** Sub-credit remainder of time → credit conversion. */
  residual = 0;
  rq!: C2Runqueue;
  onRunq = false;
  /** Budget grabbed from the domain pool (Infinity when uncapped). */
  budget: Ns;
  parked = false;
  /** pCPU tickled to pick it up, or −1. */
  tickledCpu = -1;
  /** state_entry_time: when it last started running. */
  runStart: Ns = 0;
  /** Load average in [0, 1] (starts at 50 %). */
  avgload = 0.5;
  loadUpdated: Ns = 0;
  /** CSFLAG_scheduled: picked by a schedule point and not yet switched out. */
  scheduled = false;
  /** Runqueue a load-balance decided to move it to while it was running. */
  migrateTo: C2Runqueue | null = null;
  /** The soft balancing step's pCPUs (soft ∩ hard), or null without a useful soft affinity (affinity.ts). */
  softMask: readonly number[] | null = null;

  constructor(
    readonly entity: HostEntity,
    readonly dom: C2Domain,
  ) {
    this.budget = dom.capped ? 0 : Infinity;
  }

  get weight(): number {
    return this.dom.weight;
  }

  /** unit_runnable_state: has work, not parked, not being moved. */
  get runnable(): boolean {
    return this.entity.runnable && !this.parked && this.migrateTo === null;
  }
}

export class C2Runqueue {
  /** vCPUs assigned to it (rqd->svc), blocked ones included. */
  readonly vcpus: C2Vcpu[] = [];
  /** Runnable, not running vCPUs, credit descending, FIFO among equals. */
  readonly runq: C2Vcpu[] = [];
  maxWeight = 1;
  /** Runnable vCPUs (queued or running). */
  load = 0;
  avgload = 0;
  loadUpdated: Ns = -Infinity;
  pickBias: number;

  constructor(
    readonly id: number,
    /** pCPUs, ascending. */
    readonly cpus: number[],
  ) {
    this.pickBias = cpus[0];
  }

  has(cpu: number): boolean {
    return this.cpus.includes(cpu);
  }

  assign(v: C2Vcpu): void {
    v.rq = this;
    this.vcpus.push(v);
    if (v.weight > this.maxWeight) this.maxWeight = v.weight; // update_max_weight (starts at 1)
  }

  deassign(v: C2Vcpu): void {
    const i = this.vcpus.indexOf(v);
    this.vcpus.splice(i, 1);
    this.refreshMaxWeight();
  }

  /** update_max_weight after a weight change or a departure: the largest weight left (at least 1). */
  refreshMaxWeight(): void {
    let m = 1;
    for (const x of this.vcpus) if (x.weight > m) m = x.weight;
    this.maxWeight = m;
  }

  /** runq_insert: before the first entry with strictly lower credit. */
  insert(v: C2Vcpu): void {
    const q = this.runq;
    let i = q.length;
    q.push(v);
    while (i > 0 && v.credit > q[i - 1].credit) {
      q[i] = q[i - 1];
      i--;
    }
    q[i] = v;
    v.onRunq = true;
  }

  remove(v: C2Vcpu): void {
    const q = this.runq;
    const i = q.indexOf(v);
    for (let k = i; k < q.length - 1; k++) q[k] = q[k + 1];
    q.pop();
    v.onRunq = false;
  }

  /** cpumask_cycle(pickBias, allowed ∩ cpus): the next allowed pCPU after the bias, wrapping. */
  cycle(e: HostEntity, from: number): number {
    let first = -1;
    for (const c of this.cpus) {
      if (!e.allows(c)) continue;
      if (first < 0) first = c;
      if (c > from) return c;
    }
    return first;
  }

  /** update_runq_load: EWMA over LOAD_WINDOW of the runnable count, then apply `change`. */
  updateLoad(now: Ns, change: number): void {
    const delta = now - this.loadUpdated;
    if (delta > CREDIT2.LOAD_WINDOW) this.avgload = this.load;
    else if (delta > 0) this.avgload += ((this.load - this.avgload) * delta) / CREDIT2.LOAD_WINDOW;
    this.load += change;
    this.loadUpdated = now;
  }
}

/** update_svc_load: the vCPU's own EWMA; `change` says what it was before (−1: was runnable, +1: was not). */
export function updateVcpuLoad(v: C2Vcpu, now: Ns, change: number): void {
  const was = change === -1 ? 1 : change === 1 ? 0 : v.runnable || v.entity.runningOn >= 0 ? 1 : 0;
  const delta = now - v.loadUpdated;
  if (delta > CREDIT2.LOAD_WINDOW) v.avgload = was;
  else if (delta > 0) v.avgload += ((was - v.avgload) * delta) / CREDIT2.LOAD_WINDOW;
  v.loadUpdated = now;
}
