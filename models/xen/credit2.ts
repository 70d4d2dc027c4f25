// Credit2, Xen's default scheduler since 4.12 (xen.md §3): each runqueue (one per socket in Xen)
// keeps its runnable vCPUs ordered by credit; running burns credit at max_weight/weight ns per ns; the
// pCPU runs the highest credit; when the chosen vCPU's credit is ≤ 0 the runqueue's epoch ends and
// everyone gets +CREDIT_INIT (carry-over clipped). Slices are computed from the credit difference to
// the best waiter (0.5–10 ms), a 1 ms ratelimit protects fresh runs, a woken vCPU "tickles" an idle
// pCPU or the busy one it beats by the most, and a cap is a per-domain budget pool refilled every 10 ms.
//
// Engine mapping (as in sedf.ts): schedule(cpu, now) is csched2_schedule() on that pCPU (the engine's
// settle → charge has burnt the current vCPU's credit) and returns the slice csched2_runtime computed,
// for which the engine arms the pCPU's slice timer; pickNext(cpu) reports its decision, and a tickle
// asks the engine to re-pick. init() sets up the caps once every vCPU is admitted.
//
// Modelling choices ([M]):
// - runqueue 'all' (default): one runqueue for the whole host, i.e. one socket of ≤ 16 pCPUs;
//   'cpu': one runqueue per pCPU with load balancing at epoch resets (credit2-balance.ts).
// - Soft affinity (≥ 4.10) in runq_tickle (soft step, then hard; the score's soft bonuses) and in
//   runq_candidate (a vCPU running outside it yields to an idle soft pCPU); not in the choice of a
//   runqueue (csched2_res_pick), which only matters with runqueue 'cpu'.
// - No SMT (every idle pCPU is a fully idle core), no yield, no tasklets.
// - Initial placement (csched2_res_pick at insertion) counts every vCPU already assigned to a
//   runqueue with its starting 50 % load, so simultaneous admissions spread over the runqueues.
// - The credit floor CREDIT_MIN (= −CREDIT_INIT) of the 2020 fix is applied in burning.
// - The domain's cap replenishment timer starts at admission (time 0). A cap above 100 × the
//   domain's vCPUs is refused at admission for VMU vCPUs, in init() otherwise.

import type { Ns } from '../../src/scenario/types.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext, SchedClass, TaskSlice } from '../../src/engine/policy.js';
import { C2Domain, C2Runqueue, C2Vcpu, CREDIT2, IDLE_CREDIT, updateVcpuLoad } from './credit2-runqueue.js';
import { balanceLoad, type C2Balancer } from './credit2-balance.js';
import { C2Caps } from './credit2-cap.js';
import { poolCpus, prefers, softStepMask } from './affinity.js';

export { CREDIT2 } from './credit2-runqueue.js';

export interface Credit2Options {
  /** sched_ratelimit_us in ns (default 1 ms; 0 disables; else 100 µs–500 ms). */
  ratelimitNs?: Ns;
  /** Runqueue arrangement (default 'all': one socket). */
  runqueue?: 'cpu' | 'all';
  /** The cpupool's pCPUs (default: every pCPU of the host). */
  pool?: readonly number[];
}

export interface Credit2AdmitConfig {
  /** Domain (VM) id: weight and cap are per domain. */
  domain: string;
  /** 1..65535, default 256. */
  weight: number;
  /** % of one pCPU for the whole domain, 0 = none. */
  cap: number;
}

export class Credit2Class implements SchedClass<Credit2AdmitConfig>, C2Balancer {
  readonly name = 'credit2';
  readonly ratelimitNs: Ns;
  /** The cpupool's pCPUs: the only ones this instance schedules. */
  readonly cpus: readonly number[];
  readonly runqueues: C2Runqueue[];
  private readonly rqOf: C2Runqueue[];
  private readonly domains = new Map<string, C2Domain>();
  private readonly vcpus: C2Vcpu[] = [];
  private readonly decision: (HostEntity | null)[];
  private readonly tickled: Uint8Array;
  private readonly caps: C2Caps;
  /** Runqueue entries runq_candidate skipped in its last scan. */
  private skipped = 0;
  // counters
  private resets = 0;
  private tickles = 0;
  private migrations = 0;
  private ratelimited = 0;
  private slices = 0;
  private minSliceNs = Infinity;
  private maxSliceNs = 0;
  balanceMoves = 0;

  constructor(
    private readonly ctx: PolicyContext,
    opts: Credit2Options = {},
  ) {
    const rl = opts.ratelimitNs ?? CREDIT2.RATELIMIT;
    if (!(Number.isInteger(rl) && (rl === 0 || (rl >= 100_000 && rl <= 500_000_000)))) {
      throw new RangeError(`credit2: ratelimit must be 0 or an integer in [100 µs, 500 ms], got ${rl} ns`);
    }
    this.ratelimitNs = rl;
    const n = ctx.cpuCount;
    this.cpus = poolCpus(ctx, opts.pool, 'credit2');
    const pool = [...this.cpus];
    // Runqueues are built over the pool's pCPUs only (cpupools split runqueues, xen.md §1).
    this.runqueues = (opts.runqueue ?? 'all') === 'all' ? [new C2Runqueue(0, pool)] : pool.map((i) => new C2Runqueue(i, [i]));
    // Per-pCPU state is indexed by host pCPU; entries outside the pool stay unused.
    this.rqOf = Array.from({ length: n }, (_, i) => this.runqueues.find((rq) => rq.has(i)) ?? this.runqueues[0]);
    this.decision = new Array<HostEntity | null>(n).fill(null);
    this.tickled = new Uint8Array(n);
    this.caps = new C2Caps(ctx, (v) => this.enqueue(v.entity));
  }

  /**
   * `xl sched-credit2 -d <dom> -w -c` on a running domain (issue 13 renegotiation), as
   * csched2_dom_cntl does: every unit takes the new weight and its runqueue's max_weight follows
   * (update_max_weight); a new cap sets tot_budget = cap% × 10 ms and each unit's quota, the pool
   * in progress is kept (the next replenishment fills it to the new total), and a domain capped for
   * the first time gets its budget and replenishment timer then (xen.md §3 "Cap").
   */
  setDomain(id: string, weight: number, cap: number): void {
    const d = this.domains.get(id);
    if (d === undefined) throw new RangeError(`credit2: domain '${id}' is not configured`);
    const wasCapped = d.capped;
    d.weight = weight;
    for (const rq of new Set(d.units.map((v) => v.rq))) rq.refreshMaxWeight();
    if (cap === 0 && wasCapped) throw new RangeError(`credit2: removing domain '${id}''s cap at run time is not modelled`);
    d.cap = cap;
    if (cap === 0) return;
    if (wasCapped) d.totBudget = Math.floor((CREDIT2.CAP_PERIOD * cap) / 100);
    else this.caps.setUp(d);
    this.caps.finalize(d);
  }

  /** Make `e` a Credit2 vCPU of `cfg.domain` (and this class its schedClass). Call inside the model's build(). */
  admit(e: HostEntity, cfg: Credit2AdmitConfig): void {
    const { weight, cap } = cfg;
    if (!(Number.isInteger(weight) && weight >= 1 && weight <= 65535)) throw new RangeError(`${e.id}: credit2 weight must be an integer in 1..65535, got ${weight}`);
    if (!(Number.isInteger(cap) && cap >= 0)) throw new RangeError(`${e.id}: credit2 cap must be a non-negative integer %, got ${cap}`);
    // Xen refuses a cap above 100 × the domain's vCPUs; checked here for a VMU, at the first schedule point otherwise.
    if (e.origin.kind === 'vcpu' && cap > 100 * e.origin.vmu.vcpus) throw new RangeError(`${e.id}: credit2 cap ${cap} % exceeds 100 × ${e.origin.vmu.vcpus} vCPU(s)`);
    let d = this.domains.get(cfg.domain);
    if (d === undefined) {
      d = new C2Domain(cfg.domain, weight, cap);
      this.domains.set(cfg.domain, d);
      if (d.capped) this.caps.setUp(d);
    } else if (d.weight !== weight || d.cap !== cap) {
      throw new RangeError(`${e.id}: domain '${cfg.domain}' already has weight ${d.weight} and cap ${d.cap}; got ${weight} and ${cap}`);
    }
    const v = new C2Vcpu(e, d);
    v.softMask = softStepMask(e, this.cpus);
    d.units.push(v);
    this.vcpus.push(v);
    // csched2_res_pick: the least loaded allowed runqueue, then the next allowed pCPU after its pick bias.
    let best: C2Runqueue | null = null;
    let bestLoad = Infinity;
    for (const rq of this.runqueues) {
      if (!e.affinity.some((c) => rq.has(c))) continue;
      let load = 0;
      for (const x of rq.vcpus) load += x.avgload;
      if (load < bestLoad) {
        bestLoad = load;
        best = rq;
      }
    }
    const rq = best!;
    const cpu = rq.cycle(e, rq.pickBias);
    rq.pickBias = cpu;
    e.cpu = cpu;
    rq.assign(v);
    v.loadUpdated = this.ctx.now;
    e.slot = v;
    e.schedClass = this;
  }

  // ---- SchedClass ------------------------------------------------------------------------

  /** Per-domain cap set-up once every vCPU is admitted (the quota depends on the domain's vCPU count). */
  init(): void {
    for (const d of this.domains.values()) if (d.capped) this.caps.finalize(d);
  }

  /** csched2_unit_wake (§3 "Wake"): no boost; queued by credit, then tickle. */
  enqueue(e: HostEntity): void {
    const v = vcpuOf(e);
    if (e.runningOn >= 0 || v.onRunq || v.parked || v.migrateTo !== null) return;
    const now = this.ctx.now;
    v.rq.updateLoad(now, 1);
    updateVcpuLoad(v, now, 1);
    v.rq.insert(v);
    this.tickle(v);
  }

  /** csched2_unit_sleep of a queued vCPU (a running one is handled by stopped()). */
  dequeue(e: HostEntity): void {
    const v = vcpuOf(e);
    if (!v.onRunq) return;
    const now = this.ctx.now;
    v.rq.updateLoad(now, -1);
    updateVcpuLoad(v, now, -1);
    v.rq.remove(v);
  }

  /** The choice of the last schedule point on `cpu` (curr_on_cpu). */
  pickNext(cpu: number): HostEntity | null {
    const d = this.decision[cpu];
    return d !== null && d.runnable ? d : null;
  }

  /** csched2_schedule (§3 "schedule()"): the candidate and the slice csched2_runtime gives it. */
  schedule(cpu: number, now: Ns): TaskSlice {
    const rq = this.rqOf[cpu];
    this.tickled[cpu] = 0;
    const cur = this.ctx.current(cpu);
    const cv = cur !== null && cur.schedClass === this ? vcpuOf(cur) : null;
    // Capped and overrun: try to get more budget, else it is parked (§3 "Cap").
    if (cv !== null && cv.dom.capped && cv.budget <= 0) this.caps.grab(cv);
    const snext = this.candidate(rq, cv, cpu, now);
    if (snext === null) {
      this.decision[cpu] = null;
      rq.updateLoad(now, 0);
      return { next: null, sliceNs: Infinity };
    }
    if (snext !== cv) {
      rq.remove(snext);
      snext.runStart = now;
    }
    snext.scheduled = true;
    const pulled = snext.entity.cpu !== cpu;
    snext.entity.cpu = cpu; // (a balancer move decided below must tickle this pCPU)
    // Epoch end: the top candidate has no credit left (§3 "Epoch reset").
    if (this.skipped === 0 && snext.credit <= CREDIT2.CREDIT_RESET) {
      this.resetCredit(rq, snext, now);
      if (this.runqueues.length > 1) balanceLoad(this, rq, now);
    }
    snext.tickledCpu = -1;
    if (pulled) {
      // Pulled from another pCPU: compensated for the cache it left (§0 migrate resistance row).
      snext.credit += CREDIT2.MIGRATE_COMPENSATION;
      this.migrations++;
    }
    const slice = this.runtime(rq, snext, snext === cv, now);
    this.slices++;
    if (slice < this.minSliceNs) this.minSliceNs = slice;
    if (slice > this.maxSliceNs) this.maxSliceNs = slice;
    this.decision[cpu] = snext.entity;
    this.ctx.note('slice', cpu, snext.entity);
    return { next: this.pickNext(cpu), sliceNs: slice };
  }

  /** burn_credits: Δt × max_weight / weight (with the remainder kept), floored; a capped vCPU burns budget too. */
  charge(e: HostEntity, _cpu: number, deltaNs: Ns): void {
    const v = vcpuOf(e);
    const val = deltaNs * v.rq.maxWeight + v.residual;
    const burnt = Math.floor(val / v.weight);
    v.residual = val - burnt * v.weight;
    v.credit -= burnt;
    if (v.credit < CREDIT2.CREDIT_MIN) v.credit = CREDIT2.CREDIT_MIN;
    if (v.dom.capped) v.budget -= deltaNs;
  }

  started(): void {}

  /** csched2_context_saved: return unused budget, requeue a preempted vCPU (and tickle), or finish a move. */
  stopped(e: HostEntity, cpu: number): void {
    const v = vcpuOf(e);
    const now = this.ctx.now;
    v.scheduled = false;
    if (this.decision[cpu] === e) this.decision[cpu] = null; // it blocked: the pCPU goes idle
    const unpark = v.dom.capped && v.budget > 0 && this.caps.giveBack(v);
    const requeue = e.runnable && !v.parked;
    if (v.migrateTo !== null) {
      const to = v.migrateTo;
      v.migrateTo = null;
      v.rq.updateLoad(now, -1);
      updateVcpuLoad(v, now, -1);
      this.moveTo(v, to);
      if (requeue) this.enqueue(e);
    } else if (requeue) {
      v.rq.insert(v);
      this.tickle(v);
    } else {
      v.rq.updateLoad(now, -1);
      updateVcpuLoad(v, now, -1);
    }
    if (unpark) this.caps.unparkAll(v.dom);
  }

  stats(): Record<string, number> {
    return {
      resets: this.resets,
      tickles: this.tickles,
      migrations: this.migrations,
      parks: this.caps.parks,
      capReplenishments: this.caps.replenishments,
      ratelimited: this.ratelimited,
      slices: this.slices,
      minSliceNs: this.slices > 0 ? this.minSliceNs : 0,
      maxSliceNs: this.maxSliceNs,
      balanceMoves: this.balanceMoves,
    };
  }

  // ---- inspection --------------------------------------------------------------------------

  /** Credit, budget and runqueue of `e` (read them, do not drive them): for traces and tests. */
  state(e: HostEntity): { credit: number; budget: Ns; parked: boolean; runqueue: number } {
    const v = vcpuOf(e);
    return { credit: v.credit, budget: v.budget, parked: v.parked, runqueue: v.rq.id };
  }

  // ---- C2Balancer (credit2-balance.ts) -------------------------------------------------------

  /** migrate(): a running (or just picked) vCPU moves when switched out; others move at once. */
  migrate(v: C2Vcpu, to: C2Runqueue, now: Ns): void {
    this.balanceMoves++;
    if (v.scheduled) {
      v.migrateTo = to;
      this.kick(v.entity.cpu, null);
      return;
    }
    const queued = v.onRunq;
    if (queued) {
      v.rq.remove(v);
      v.rq.updateLoad(now, -1);
    }
    this.moveTo(v, to);
    if (queued) {
      to.updateLoad(now, 1);
      to.insert(v);
      this.tickle(v);
    }
  }

  // ---- rules -------------------------------------------------------------------------------

  /** runq_candidate: ratelimit, then the first eligible runqueue entry if it beats the current. */
  private candidate(rq: C2Runqueue, cv: C2Vcpu | null, cpu: number, now: Ns): C2Vcpu | null {
    this.skipped = 0;
    let snext: C2Vcpu | null = null;
    if (cv !== null) {
      if (this.ratelimitNs > 0 && cv.runnable && now - cv.runStart < this.ratelimitNs) {
        this.ratelimited++;
        return cv;
      }
      if (cv.runnable && !this.softAffinityPreempts(cv, cpu)) snext = cv;
    }
    const q = rq.runq;
    for (let i = 0; i < q.length; i++) {
      const v = q[i];
      const snextCredit = snext === null ? IDLE_CREDIT : snext.credit;
      if (!v.entity.allows(cpu)) {
        this.skipped++;
        continue;
      }
      // Left for the pCPU it was tickled for, if that one has not scheduled yet.
      if (v.tickledCpu !== -1 && v.tickledCpu !== cpu && this.tickled[v.tickledCpu] === 1) {
        this.skipped++;
        continue;
      }
      // Migration resistance.
      if (v.entity.cpu !== cpu && snextCredit + CREDIT2.MIGRATE_RESIST > v.credit) {
        this.skipped++;
        continue;
      }
      if (v.credit > snextCredit && (!v.dom.capped || this.caps.grab(v)) && v.runnable) snext = v;
      break;
    }
    return snext;
  }

  /** csched2_runtime: until credit meets the best waiter's (or 0), capped by budget, clamped to [min, 10 ms]. */
  private runtime(rq: C2Runqueue, snext: C2Vcpu, running: boolean, now: Ns): Ns {
    let minTime: Ns = CREDIT2.MIN_TIMER;
    if (this.ratelimitNs > 0) {
      const rl = running ? snext.runStart + this.ratelimitNs - now : this.ratelimitNs;
      if (rl > minTime) minTime = rl;
    }
    let rtCredit = snext.credit;
    if (rq.runq.length > 0 && rq.runq[0].credit > 0) rtCredit = snext.credit - rq.runq[0].credit;
    let time = rtCredit > 0 ? Math.floor((rtCredit * snext.weight) / rq.maxWeight) : 0;
    if (snext.dom.capped && snext.budget < time) time = snext.budget;
    if (time < minTime) time = minTime;
    else if (time > CREDIT2.MAX_TIMER) time = CREDIT2.MAX_TIMER;
    return time;
  }

  /** reset_credit: everyone in the runqueue +m × CREDIT_INIT, clipped to CREDIT_INIT + CARRYOVER_MAX. */
  private resetCredit(rq: C2Runqueue, snext: C2Vcpu, _now: Ns): void {
    let m = 1;
    if (snext.credit < -CREDIT2.CREDIT_INIT) m += Math.floor(-snext.credit / CREDIT2.CREDIT_INIT);
    for (const v of rq.vcpus) {
      const on = v.entity.runningOn;
      if (on >= 0) {
        this.ctx.settle(on);
        if (v.dom.capped && v.budget <= 0) this.kick(on, null);
      }
      v.credit += m * CREDIT2.CREDIT_INIT;
      if (v.credit > CREDIT2.CREDIT_INIT + CREDIT2.CARRYOVER_MAX) v.credit = CREDIT2.CREDIT_INIT + CREDIT2.CARRYOVER_MAX;
    }
    this.resets++;
    this.ctx.note('reset', snext.entity.cpu, snext.entity);
  }

  /**
   * runq_tickle (§3 "Wake" step 4): an idle, untickled pCPU (its own first), in its soft affinity
   * first, then in its hard affinity; else the busy pCPU whose current it beats by the most credit
   * (500 µs less where it did not run last, bonuses for soft affinity), past the ratelimit.
   */
  private tickle(v: C2Vcpu): void {
    const e = v.entity;
    const own = e.cpu;
    const rq = v.rq;
    if (e.affinity.length === 1 && this.decision[own] === null && this.tickled[own] === 0) return this.kick(own, v);
    if (v.softMask !== null) {
      const c = this.idleIn(rq, v.softMask, own);
      if (c >= 0) return this.kick(c, v);
    }
    const c = this.idleIn(rq, e.affinity, own);
    if (c >= 0) return this.kick(c, v);
    let max = 0;
    let ipid = -1;
    if (rq.has(own) && e.allows(own) && this.tickled[own] === 0) {
      const s = this.score(v, own);
      if (s > max) {
        max = s;
        ipid = own;
        if (prefers(e, own)) return this.kick(own, v);
      }
    }
    for (const c of rq.cpus) {
      if (c === own || !e.allows(c) || this.decision[c] === null || this.tickled[c] === 1) continue;
      const s = this.score(v, c);
      if (s > max) {
        max = s;
        ipid = c;
      }
    }
    if (ipid >= 0) this.kick(ipid, v);
  }

  /** An idle, untickled pCPU of `rq` in `mask`: `own` if it is one, else the next after it (cpumask_test_or_cycle), or −1. */
  private idleIn(rq: C2Runqueue, mask: readonly number[], own: number): number {
    let first = -1;
    let after = -1;
    for (const c of rq.cpus) {
      if (!mask.includes(c) || this.decision[c] !== null || this.tickled[c] === 1) continue;
      if (c === own) return c;
      if (first < 0) first = c;
      if (c > own && after < 0) after = c;
    }
    return after >= 0 ? after : first;
  }

  /** runq_candidate's soft_aff_preempt: `cpu` is outside cv's soft affinity and an idle, untickled pCPU of it waits. */
  private softAffinityPreempts(cv: C2Vcpu, cpu: number): boolean {
    const mask = cv.softMask;
    if (mask === null || mask.includes(cpu)) return false;
    for (const c of mask) if (cv.rq.has(c) && this.decision[c] === null && this.tickled[c] === 0) return true;
    return false;
  }

  /**
   * tickle_score: −1 within the ratelimit (50 µs tolerance); else the credit advantage, plus
   * CREDIT_INIT if positive and `cpu` is in v's soft affinity, and again if it is not in cur's.
   */
  private score(v: C2Vcpu, cpu: number): number {
    const occ = this.decision[cpu];
    if (occ === null) return -1;
    const cur = vcpuOf(occ);
    const now = this.ctx.now;
    const rl = this.ratelimitNs;
    if (rl > CREDIT2.RATELIMIT_TICKLE_TOLERANCE && now - cur.runStart <= rl - CREDIT2.RATELIMIT_TICKLE_TOLERANCE) return -1;
    this.ctx.settle(cpu);
    let s = v.credit - cur.credit;
    if (v.entity.cpu !== cpu) s -= CREDIT2.MIGRATE_RESIST;
    if (s > 0) {
      if (prefers(v.entity, cpu)) s += CREDIT2.CREDIT_INIT;
      if (!prefers(cur.entity, cpu)) s += CREDIT2.CREDIT_INIT;
    }
    return s;
  }

  private kick(cpu: number, v: C2Vcpu | null): void {
    this.tickled[cpu] = 1;
    this.tickles++;
    if (v !== null) v.tickledCpu = cpu;
    this.ctx.note('tickle', cpu, v === null ? null : v.entity);
    this.ctx.resched(cpu);
  }

  private moveTo(v: C2Vcpu, to: C2Runqueue): void {
    v.rq.deassign(v);
    const cpu = to.cycle(v.entity, to.pickBias);
    to.pickBias = cpu;
    v.entity.cpu = cpu;
    to.assign(v);
  }
}

function vcpuOf(e: HostEntity): C2Vcpu {
  return e.slot as C2Vcpu;
}
