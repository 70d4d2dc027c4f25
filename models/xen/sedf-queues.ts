// SEDF's per-vCPU state and per-pCPU queues (xen.md §5 "Queues per pCPU"): the runq (period started,
// EDF by deadline), the waitq (by period start), the L0 penalty queue (by score) and the L1
// utilisation queue (weighted round-robin). Queue membership is a flag on the vCPU and each head is
// found by a scan of the pCPU's few vCPUs (allocation-free); ties go to the earlier insertion, as
// Xen's sorted lists insert after their equals. The rules that move vCPUs between them are in sedf.ts.

import type { Ns } from '../../src/scenario/types.js';
import type { HostEntity } from '../../src/engine/entities.js';

/** How the current run was chosen (Xen's get_run_type). */
export const Run = { none: 0, edf: 1, penalty: 2, util: 3 } as const;
export type Run = (typeof Run)[keyof typeof Run];

export interface SedfVcpuParams {
  periodNs: Ns;
  sliceNs: Ns;
  extratime: boolean;
  weight?: number;
  latencyNs?: Ns;
}

export class SedfVcpu {
  // ---- parameters
  periodNs: Ns;
  sliceNs: Ns;
  /** EXTRA_AWARE. */
  readonly aware: boolean;
  /** 0: utilisation-based L1 score. */
  readonly extraweight: number;
  readonly latencyNs: Ns;
  // ---- EDF state
  /** deadl_abs; 0 before the first wake. */
  deadline: Ns = 0;
  /** Time consumed in the current period. */
  cputime: Ns = 0;
  /** On the runq or the waitq (__task_on_queue). */
  queued = false;
  inRunq = false;
  qSeq = 0;
  /** block_abs != 0: it has blocked while running at least once. */
  hasBlocked = false;
  // ---- extra queues
  inL0 = false;
  /** EXTRA_WANT_PEN_Q. */
  wantPen = false;
  penScore = 0;
  l0Seq = 0;
  inL1 = false;
  /** Absolute stride pass (L1 key) while on L1; `rel` keeps the relative score while off it. */
  pass = 0;
  rel = 0;
  l1Seq = 0;
  // ---- current run
  run: Run = Run.none;
  /** Time run since it was picked (charged by the engine). */
  ran: Ns = 0;
  // ---- counters
  shortBlocks = 0;
  longBlocks = 0;
  penaltyQuanta = 0;
  extraQuanta = 0;
  extraNs = 0;
  missedPeriods = 0;

  constructor(
    readonly entity: HostEntity,
    readonly home: SedfCpu,
    cfg: SedfVcpuParams,
  ) {
    this.periodNs = cfg.periodNs;
    this.sliceNs = cfg.sliceNs;
    this.aware = cfg.extratime;
    this.extraweight = cfg.weight ?? 0;
    this.latencyNs = cfg.latencyNs ?? 0;
  }

  get periodBegin(): Ns {
    return this.deadline - this.periodNs;
  }

  /** The L1 score it is reset to after an extra quantum (§5 "L1 weighting"): 2^17/extraweight or (period << 10)/slice. */
  get baseScore(): number {
    return this.extraweight > 0 ? Math.floor(131072 / this.extraweight) : Math.floor((this.periodNs * 1024) / this.sliceNs);
  }
}

export class SedfCpu {
  readonly vcpus: SedfVcpu[] = [];
  /** The choice of the last schedule point (what pickNext returns). */
  decision: HostEntity | null = null;
  /** current_slice_expires (Infinity: no timer). */
  sliceExpires: Ns = Infinity;
  /** L1 virtual time: the old score of the last extra-time runner, accumulated. */
  vtime = 0;
  seq = 0;
  /** Σ slice/period of the vCPUs placed here. */
  reserved = 0;

  constructor(readonly index: number) {}

  /** Onto the runq (`runq`) or the waitq. */
  queue(v: SedfVcpu, runq: boolean): void {
    v.queued = true;
    v.inRunq = runq;
    v.qSeq = ++this.seq;
  }

  unqueue(v: SedfVcpu): void {
    v.queued = false;
    v.inRunq = false;
  }

  /** Off both extra queues; the L1 score is frozen relative to the queue. */
  dropExtra(v: SedfVcpu): void {
    v.inL0 = false;
    if (v.inL1) {
      v.inL1 = false;
      v.rel = v.pass - this.vtime;
    }
  }

  dropAll(v: SedfVcpu): void {
    this.unqueue(v);
    this.dropExtra(v);
  }

  addL0(v: SedfVcpu): void {
    v.inL0 = true;
    v.l0Seq = ++this.seq;
  }

  /** Onto L1 with relative score `rel` (behind equal scores already there). */
  addL1(v: SedfVcpu, rel: number): void {
    if (v.inL1) return;
    v.inL1 = true;
    v.pass = this.vtime + rel;
    v.l1Seq = ++this.seq;
  }

  runqHead(): SedfVcpu | null {
    let best: SedfVcpu | null = null;
    for (const v of this.vcpus) {
      if (!v.queued || !v.inRunq) continue;
      if (best === null || v.deadline < best.deadline || (v.deadline === best.deadline && v.qSeq < best.qSeq)) best = v;
    }
    return best;
  }

  waitHead(): SedfVcpu | null {
    let best: SedfVcpu | null = null;
    for (const v of this.vcpus) {
      if (!v.queued || v.inRunq) continue;
      const b = v.periodBegin;
      if (best === null || b < best.periodBegin || (b === best.periodBegin && v.qSeq < best.qSeq)) best = v;
    }
    return best;
  }

  l0Head(): SedfVcpu | null {
    let best: SedfVcpu | null = null;
    for (const v of this.vcpus) {
      if (!v.inL0) continue;
      if (best === null || v.penScore < best.penScore || (v.penScore === best.penScore && v.l0Seq < best.l0Seq)) best = v;
    }
    return best;
  }

  l1Head(): SedfVcpu | null {
    let best: SedfVcpu | null = null;
    for (const v of this.vcpus) {
      if (!v.inL1) continue;
      if (best === null || v.pass < best.pass || (v.pass === best.pass && v.l1Seq < best.l1Seq)) best = v;
    }
    return best;
  }
}
