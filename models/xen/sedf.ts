// SEDF, Xen's Simple EDF scheduler (Xen 3.0 → 4.5, removed in 4.6; xen.md §5): every vCPU has a
// (period, slice) reservation on the one pCPU it was placed on; vCPUs with slice left compete by EDF;
// idle time goes, in 500 µs quanta, first to vCPUs that lost slice to a short block (L0 "penalty"
// queue) and then to extratime vCPUs by weighted round-robin (L1 "utilisation" queue).
//
// Engine mapping (shared with rtds.ts, credit.ts and credit2.ts): Xen decides only at schedule()
// points (xen.md §1 "Scheduling points"). schedule(cpu, now), which the engine calls at every
// re-pick of that CPU, is do_schedule(): it deschedules the current vCPU (book-keeping), picks the
// next one and returns it with its slice, for which the engine arms the pCPU's slice timer;
// pickNext only reports that decision. A wake that must preempt (should_switch) just asks the
// engine to re-pick the CPU.
//
// Modelling choices ([M]):
// - Partitioned, no load balancing (§5 "Structure"): a vCPU's pCPU is chosen at admission, by
//   Xen's sedf_pick_cpu (vCPU index round-robin over the affinity, cpumask_cycle arithmetic kept)
//   or, with `placement: 'least-loaded'`, the allowed pCPU with the least reserved utilisation.
// - `weight` is the vCPU's *extraweight*: with extratime its L1 score is 2^17 / weight; without a
//   weight the L1 score is utilisation-based, (period << 10) / slice (§5 "L1 weighting"). Xen's
//   weight-driven real-time mode (slices computed from weights per pCPU) is the model wrapper's job.
// - The L1 stride is kept as an absolute pass per vCPU and a per-pCPU virtual time (equivalent to
//   Xen's relative scores that are decremented by the runner's old score); a vCPU off the queue
//   keeps its relative score frozen, as in Xen.
// - A schedule point that finds an extra-time run of zero length (two re-picks in one instant)
//   neither charges its stride nor drops its penalty.
// - Latency scaling (Atropos unblocking) is not modelled: the latency hint is stored and unused, as
//   it was never compiled into Xen (§5 "Latency hint").
// - The idle pCPU's 1 s timer when nothing at all is queued is omitted (a wake re-picks anyway).
// - First wake quirk kept: Xen sets deadl_abs = now + slice on the very first wake, which then takes
//   the short-block path, so the first period begins `slice` after the first wake.

import type { Ns } from '../../src/scenario/types.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext, SchedClass, TaskSlice } from '../../src/engine/policy.js';
import { Run, SedfCpu, SedfVcpu } from './sedf-queues.js';
import { poolCpus } from './affinity.js';

/** Extra-time quantum (§0 SEDF row). */
export const SEDF_EXTRA_QUANTUM_NS = 500_000;
/** sedf_adjust limits (§0: period 10 µs–10 s, slice ≥ 5 µs). */
export const SEDF_PERIOD_MIN_NS = 10_000;
export const SEDF_PERIOD_MAX_NS = 10_000_000_000;
export const SEDF_SLICE_MIN_NS = 5_000;

export interface SedfAdmitConfig {
  /** Period (= relative deadline), 10 µs–10 s. */
  periodNs: Ns;
  /** Guaranteed slice per period, ≥ 5 µs; 0 makes a best-effort vCPU (needs extratime). */
  sliceNs: Ns;
  /** EXTRA_AWARE: may run in idle time (L1 queue). */
  extratime: boolean;
  /** Extraweight for the L1 share (score 2^17 / weight); omitted: utilisation-based score. */
  weight?: number;
  /** Latency hint: stored, unused (as in Xen). */
  latencyNs?: Ns;
}

export interface SedfOptions {
  /** Where a vCPU is placed once and for all. Default 'vcpu-index' (Xen's sedf_pick_cpu). */
  placement?: 'vcpu-index' | 'least-loaded';
  /** The cpupool's pCPUs (default: every pCPU of the host). */
  pool?: readonly number[];
}

export class SedfClass implements SchedClass<SedfAdmitConfig> {
  readonly name = 'sedf';
  /** The cpupool's pCPUs: the only ones this instance schedules. */
  readonly cpus: readonly number[];
  /** Per-pCPU queues, indexed by host pCPU. */
  private readonly pcpus: SedfCpu[];
  private readonly placement: 'vcpu-index' | 'least-loaded';
  private readonly all: SedfVcpu[] = [];

  constructor(
    private readonly ctx: PolicyContext,
    opts: SedfOptions = {},
  ) {
    this.placement = opts.placement ?? 'vcpu-index';
    this.cpus = poolCpus(ctx, opts.pool, 'sedf');
    this.pcpus = Array.from({ length: ctx.cpuCount }, (_, i) => new SedfCpu(i));
  }

  /** Give `e` a SEDF reservation (and make this class its schedClass). Call inside the model's build(). */
  admit(e: HostEntity, cfg: SedfAdmitConfig): void {
    const { periodNs: p, sliceNs: s } = cfg;
    if (!(Number.isInteger(p) && p >= SEDF_PERIOD_MIN_NS && p <= SEDF_PERIOD_MAX_NS)) {
      throw new RangeError(`${e.id}: SEDF period must be an integer in [10 µs, 10 s], got ${p} ns`);
    }
    if (!(Number.isInteger(s) && s >= 0 && s <= p && (s >= SEDF_SLICE_MIN_NS || (s === 0 && cfg.extratime)))) {
      throw new RangeError(`${e.id}: SEDF slice must be an integer in [5 µs, period] (or 0 with extratime), got ${s} ns`);
    }
    if (cfg.weight !== undefined && !(Number.isInteger(cfg.weight) && cfg.weight >= 1 && cfg.weight <= 32767)) {
      throw new RangeError(`${e.id}: SEDF extraweight must be an integer in 1..32767, got ${cfg.weight}`);
    }
    const home = this.pcpus[this.place(e)];
    const v = new SedfVcpu(e, home, cfg);
    home.vcpus.push(v);
    home.reserved += s / p;
    this.all.push(v);
    e.slot = v;
    e.schedClass = this;
    e.cpu = home.index;
  }

  /**
   * `xl sched-sedf -p -s` on a running domain (issue 13 renegotiation): sedf_adjust stores the new
   * period and slice in each vCPU (period = period_orig, slice = slice_orig) and nothing else — its
   * absolute deadline and the time consumed in the current period stay, so a raised slice gives more
   * in the current period at once (cputime is compared with the new slice) and the new period starts
   * at the next deadline (Xen 4.5 sched_sedf.c; xen.md §5). SEDF has no admission control.
   */
  setParams(e: HostEntity, periodNs: Ns, sliceNs: Ns): void {
    const v = vcpuOf(e);
    v.home.reserved += sliceNs / periodNs - v.sliceNs / v.periodNs;
    v.periodNs = periodNs;
    v.sliceNs = sliceNs;
    this.ctx.resched(v.home.index);
  }

  // ---- SchedClass ------------------------------------------------------------------------

  /** sedf_wake (§5 "Wake"): short block forfeits the slice, long block starts a new period now. */
  enqueue(e: HostEntity): void {
    const v = vcpuOf(e);
    const c = v.home;
    e.cpu = c.index;
    if (v.queued) return;
    const now = this.ctx.now;
    if (v.deadline === 0) v.deadline = now + v.sliceNs; // initial setup (see [M])
    if (now < v.periodBegin) {
      // Woke in extra time (its slice was used up): keep the deadline; the penalty is kept too.
      if (v.wantPen) c.addL0(v);
    } else if (now < v.deadline) {
      v.shortBlocks++;
      this.unblockShort(c, v);
    } else {
      v.longBlocks++;
      v.deadline = now + v.periodNs;
      v.cputime = 0;
    }
    if (v.aware) c.addL1(v, v.rel);
    c.queue(v, v.periodBegin <= now);
    if (this.shouldSwitch(c, v)) this.ctx.resched(c.index);
  }

  /** sedf_sleep of a vCPU that is not running (a running one was descheduled in stopped()). */
  dequeue(e: HostEntity): void {
    const v = vcpuOf(e);
    v.home.dropAll(v);
  }

  /** The choice of the last schedule point on `cpu` (curr_on_cpu). */
  pickNext(cpu: number): HostEntity | null {
    const d = this.pcpus[cpu].decision;
    return d !== null && d.runnable ? d : null;
  }

  /** sedf_do_schedule (§5 "Scheduling decision"): the next vCPU, until its slice ends or the next period starts. */
  schedule(cpu: number, now: Ns): TaskSlice {
    const c = this.pcpus[cpu];
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.schedClass === this) this.desched(c, vcpuOf(cur), !cur.runnable);
    this.updateQueues(c, now);

    let next: SedfVcpu | null = null;
    let run: Run = Run.none;
    let until = Infinity;
    const head = c.runqHead();
    const wait = c.waitHead();
    if (head !== null) {
      // EDF: run the earliest deadline to the end of its slice or the next period start (§5 step 4).
      next = head;
      run = Run.edf;
      until = now + head.sliceNs - head.cputime;
      if (wait !== null && wait.periodBegin < until) until = wait.periodBegin;
    } else if (wait !== null) {
      // Idle time: L0 first, then L1, in 500 µs quanta, only if the next release is far enough.
      const endXt = wait.periodBegin;
      until = endXt;
      if (endXt - now >= SEDF_EXTRA_QUANTUM_NS) {
        const pen = c.l0Head();
        next = pen ?? c.l1Head();
        if (next !== null) {
          run = pen !== null ? Run.penalty : Run.util;
          until = now + SEDF_EXTRA_QUANTUM_NS;
        }
      }
    }
    if (next !== null) {
      next.run = run;
      next.ran = 0;
    }
    c.decision = next === null ? null : next.entity;
    c.sliceExpires = until;
    return { next: this.pickNext(cpu), sliceNs: until - now };
  }

  charge(e: HostEntity, _cpu: number, deltaNs: Ns): void {
    vcpuOf(e).ran += deltaNs;
  }

  started(): void {}

  /** A run the engine ended without a schedule point of ours (the vCPU blocked): deschedule it now. */
  stopped(e: HostEntity, cpu: number): void {
    const v = vcpuOf(e);
    if (v.run !== Run.none) this.desched(v.home, v, !e.runnable);
    const c = this.pcpus[cpu];
    if (c.decision === e) c.decision = null;
  }

  stats(): Record<string, number> {
    const out = { shortBlocks: 0, longBlocks: 0, penaltyQuanta: 0, extraQuanta: 0, extraNs: 0, missedPeriods: 0 };
    for (const v of this.all) {
      out.shortBlocks += v.shortBlocks;
      out.longBlocks += v.longBlocks;
      out.penaltyQuanta += v.penaltyQuanta;
      out.extraQuanta += v.extraQuanta;
      out.extraNs += v.extraNs;
      out.missedPeriods += v.missedPeriods;
    }
    return out;
  }

  // ---- inspection --------------------------------------------------------------------------

  /** The pCPU `e` was placed on (fixed for the run). */
  homeCpu(e: HostEntity): number {
    return vcpuOf(e).home.index;
  }

  /** Current EDF state of `e` (read it, do not drive it): for traces and tests. */
  state(e: HostEntity): { deadline: Ns; periodBegin: Ns; cputime: Ns; penalty: boolean } {
    const v = vcpuOf(e);
    return { deadline: v.deadline, periodBegin: v.periodBegin, cputime: v.cputime, penalty: v.wantPen };
  }

  /** Σ slice/period placed on `cpu` (no admission control in SEDF: may exceed 1). */
  reservedOn(cpu: number): number {
    return this.pcpus[cpu].reserved;
  }

  // ---- rules -------------------------------------------------------------------------------

  /** sedf_pick_cpu: cpumask_cycle((vcpu_id mod |affinity|) − 1, affinity); or the least reserved pCPU. */
  private place(e: HostEntity): number {
    const aff = e.affinity;
    if (this.placement === 'least-loaded') {
      let best = aff[0];
      for (const cpu of aff) if (this.pcpus[cpu].reserved < this.pcpus[best].reserved) best = cpu;
      return best;
    }
    const k = (e.origin.kind === 'vcpu' ? e.origin.index : 0) % aff.length;
    for (const cpu of aff) if (cpu > k - 1) return cpu;
    return aff[0];
  }

  /** Short block (§5): no more real-time execution this period; the slice lost becomes an L0 penalty. */
  private unblockShort(c: SedfCpu, v: SedfVcpu): void {
    v.deadline += v.periodNs;
    if (v.hasBlocked) {
      const lost = Math.max(0, v.sliceNs - v.cputime);
      if (lost > 0) {
        v.penScore = Math.floor((v.periodNs * 1024) / lost);
        if (v.inL0) v.inL0 = false;
        else v.wantPen = true;
        c.addL0(v);
      }
    }
    v.cputime = 0;
  }

  /** desched_edf_dom / desched_extra_dom for the vCPU that was running on c. */
  private desched(c: SedfCpu, v: SedfVcpu, asleep: boolean): void {
    const run = v.run;
    const ran = v.ran;
    v.run = Run.none;
    v.ran = 0;
    if (asleep) v.hasBlocked = true;
    if (run === Run.edf) {
      v.cputime += ran;
      if (v.cputime < v.sliceNs && !asleep) return; // stays at the head of the runq
      c.unqueue(v);
      if (v.cputime >= v.sliceNs) {
        // Slice used up: carry the overrun, next deadline (§5 step 1).
        v.cputime -= v.sliceNs;
        v.deadline += v.periodNs;
        this.ctx.note('exhausted', c.index, v.entity);
      }
      if (!asleep) c.queue(v, false);
      else c.dropExtra(v);
      return;
    }
    if (run === Run.none) return;
    if (ran === 0 && !asleep) return; // [M] zero-length extra run: nothing to account
    v.cputime = 0;
    v.extraNs += ran;
    if (run === Run.penalty) {
      // KAF hack (§5): one extra quantum compensates the short-block penalty.
      v.penaltyQuanta++;
      v.inL0 = false;
      v.wantPen = false;
      if (asleep) c.dropAll(v);
      return;
    }
    v.extraQuanta++;
    if (asleep) {
      v.inL1 = false;
      v.rel = v.baseScore; // Xen resets the score even when it does not re-queue
      c.dropAll(v);
      return;
    }
    // Weighted round-robin: the others' scores drop by the runner's old score, its own resets.
    const old = v.pass - c.vtime;
    v.inL1 = false;
    c.vtime += old;
    c.addL1(v, v.baseScore);
  }

  /** update_queues (§5 steps 2–3): released waiters join the runq; zero slices and misses are fixed up. */
  private updateQueues(c: SedfCpu, now: Ns): void {
    for (let w = c.waitHead(); w !== null && w.periodBegin <= now; w = c.waitHead()) {
      c.unqueue(w);
      c.queue(w, true);
    }
    for (let h = c.runqHead(); h !== null; h = c.runqHead()) {
      if (h.sliceNs === 0) {
        // Best effort: always in its next period, i.e. extra time only.
        c.unqueue(h);
        h.deadline += h.periodNs;
        if (h.periodBegin < now) h.deadline += Math.ceil((now - h.periodBegin) / h.periodNs) * h.periodNs;
        c.queue(h, false);
      } else if (h.deadline < now || h.cputime > h.sliceNs) {
        // Missed its deadline (overload: SEDF has no admission control): next aligned period, fresh slice.
        h.missedPeriods++;
        c.unqueue(h);
        h.deadline += h.periodNs;
        if (h.deadline < now) h.deadline += Math.ceil((now - h.deadline) / h.periodNs) * h.periodNs;
        h.cputime = 0;
        c.queue(h, h.periodBegin <= now);
      } else {
        break;
      }
    }
  }

  /** should_switch (§5 "Preemption on wake"). */
  private shouldSwitch(c: SedfCpu, woken: SedfVcpu): boolean {
    if (woken.periodBegin < c.sliceExpires) return true;
    const cur = this.ctx.current(c.index);
    if (cur === null || cur.schedClass !== this) return true;
    const cv = vcpuOf(cur);
    switch (cv.run) {
      case Run.edf:
        return false;
      case Run.penalty:
        return woken.wantPen && woken.penScore < cv.penScore;
      case Run.util:
        return woken.wantPen;
      default:
        return true;
    }
  }
}

function vcpuOf(e: HostEntity): SedfVcpu {
  return e.slot as SedfVcpu;
}
