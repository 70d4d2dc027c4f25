// Xen Credit (credit1): the SMP side — wake-up tickling (xen.md §2.6), pull-only work stealing
// (§2.8) and pick_cpu placement (§2.9) over the per-pCPU run queues and the idlers mask.
//
// Each decision runs the two affinity balancing steps of ≥ 4.5 (affinity.ts): soft ∩ hard first,
// then hard (__runq_tickle, csched_load_balance, _csched_cpu_pick). Everything happens inside the
// instance's cpupool: only its pCPUs are ever idlers, peers or candidates.
//
// Modelling choices [M]:
// - Flat topology: every pCPU is its own core on one socket and one node, so pick_cpu reduces to
//   "stay if the current pCPU is idle (or holds only this vCPU), else the next idle allowed pCPU";
//   no cache-hot delay (vcpu_migration_delay = 0), no trylock failures.
// - One round-robin tickle cursor for the host (Xen keeps one per waking pCPU).
// - Tickle, no suitable idler and the waker outranks cur: cur is marked to migrate if *its* hard
//   affinity meets an idler (§2.6 as written; the C code tests the waker's mask there).

import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext, SchedClass } from '../../src/engine/policy.js';
import { CREDIT_PRI, removeAt, runqPushHead, slotOf, type CreditSlot } from './credit-queue.js';
import type { CreditFeatures } from './credit-version.js';

/** The balancing passes of csched_load_balance: soft-affine work first (≥ 4.5), then any. */
const SOFT_THEN_HARD = [true, false] as const;
const HARD_ONLY = [false] as const;

export class CreditSmp {
  /** prv->idlers: idle pCPUs (not yet tickled, ≥ 4.9). */
  readonly idlers: Uint8Array;
  tickles = 0;
  steals = 0;
  stealAttempts = 0;
  private lastTickled = -1;
  private balanceBias = 0;
  /** Host pCPU count: per-pCPU arrays are indexed by host pCPU. */
  private readonly cpus: number;

  constructor(
    private readonly ctx: PolicyContext,
    private readonly owner: SchedClass,
    private readonly runq: HostEntity[][],
    private readonly features: CreditFeatures,
    /** The cpupool's pCPUs: the only ones ever idlers. */
    pool: readonly number[],
  ) {
    this.cpus = ctx.cpuCount;
    this.idlers = new Uint8Array(this.cpus);
    for (const c of pool) this.idlers[c] = 1; // every pCPU of the pool starts off idling
  }

  /** §2.6: which pCPUs get a SCHEDULE IPI for a vCPU queued on its processor p. */
  tickle(e: HostEntity): void {
    const s = slotOf(e);
    const p = s.processor;
    const cur = this.ctx.current(p);
    const curOurs = cur !== null && cur.schedClass === this.owner;
    const curPri = curOurs ? slotOf(cur).pri : CREDIT_PRI.IDLE;
    const n = this.cpus;
    const mode = this.features.tickle;
    if (mode !== 'idler-first') {
      // Before 4.3: p if the waker outranks cur (an idle p always), plus suitable idlers if p is busy.
      if (s.pri > curPri) this.ipi(p);
      if (curPri === CREDIT_PRI.IDLE) return;
      if (mode === 'one-idler') {
        const c = this.nextIdler(e.affinity);
        if (c >= 0) this.ipi(c);
      } else {
        for (let c = 0; c < n; c++) if (this.idlers[c] !== 0 && e.allows(c)) this.ipi(c);
      }
      return;
    }
    let anyIdler = false;
    for (let c = 0; c < n; c++) if (this.idlers[c] !== 0) anyIdler = true;
    if (e.affinity.length === 1 && this.idlers[p] !== 0) return this.ipi(p); // exclusively pinned, p idle
    if (curPri === CREDIT_PRI.IDLE || (!anyIdler && s.pri > curPri)) return this.ipi(p);
    if (!anyIdler) return;
    // One suitable idler, round-robin, soft affinity first; it will steal e (§2.8). e does not
    // pre-empt cur then.
    const c = s.softMask === null ? -1 : this.nextIdler(s.softMask);
    const chosen = c >= 0 ? c : this.nextIdler(e.affinity);
    if (chosen >= 0) return this.ipi(chosen);
    if (s.pri > curPri) {
      // No idler may run e: pre-empt cur here, and send cur to an idler if it may go there.
      if (curOurs && this.mayUseAnIdler(cur)) slotOf(cur).migratePending = true;
      this.ipi(p);
    }
  }

  /** The next idler in `mask` after the last one tickled, or −1 ([M] one global cursor). */
  private nextIdler(mask: readonly number[]): number {
    const n = this.cpus;
    for (let k = 1; k <= n; k++) {
      const c = (this.lastTickled + k + n) % n;
      if (this.idlers[c] !== 0 && mask.includes(c)) {
        this.lastTickled = c;
        return c;
      }
    }
    return -1;
  }

  private mayUseAnIdler(e: HostEntity): boolean {
    for (const c of e.affinity) if (this.idlers[c] !== 0) return true;
    return false;
  }

  private ipi(cpu: number): void {
    // §2.6 step 4: a tickled pCPU leaves the idlers at once (≥ 4.9; before, when it schedules).
    if (this.features.tickledLeaveIdlers) this.idlers[cpu] = 0;
    this.tickles++;
    this.ctx.resched(cpu);
  }

  /**
   * §2.8: pull the first strictly better, movable vCPU from a busy peer's queue, or null. Two
   * passes over the peers: soft-affine work first (only vCPUs with a useful soft affinity that
   * includes `cpu`), then anything whose hard affinity allows `cpu`.
   */
  steal(cpu: number, localPri: number): HostEntity | null {
    this.stealAttempts++;
    for (const softPass of this.features.softAffinity ? SOFT_THEN_HARD : HARD_ONLY) {
      const e = this.stealPass(cpu, localPri, softPass);
      if (e !== null) return e;
    }
    return null;
  }

  private stealPass(cpu: number, localPri: number, softPass: boolean): HostEntity | null {
    const n = this.cpus;
    for (let k = 1; k <= n; k++) {
      const peer = (this.balanceBias + k) % n;
      if (peer === cpu || this.idlers[peer] !== 0) continue;
      if (this.ctx.current(peer) === null) continue; // running idle (or outside the pool)
      const q = this.runq[peer];
      // nr_runnable ≤ 1 (only the running vCPU): nothing to steal.
      for (let i = 0; i < q.length; i++) {
        const e = q[i];
        const s = slotOf(e);
        if (s.pri <= localPri) break; // only strictly better work
        const mask = softPass ? s.softMask : e.affinity;
        if (mask === null || !mask.includes(cpu)) continue;
        removeAt(q, i);
        s.processor = cpu;
        e.cpu = cpu;
        runqPushHead(this.runq[cpu], e);
        this.balanceBias = peer;
        this.steals++;
        this.ctx.note('steal', cpu, e);
        return e;
      }
    }
    return null;
  }

  /**
   * §2.9 pick_cpu, flat topology, per balancing step (soft ∩ hard, then hard): start from the
   * processor if the step allows it (else the next allowed pCPU), stop there if it is idle (or holds
   * only this vCPU), else at the next idle pCPU of the step; failing every step, the hard step's start.
   */
  pickCpu(e: HostEntity): number {
    const s = slotOf(e);
    if (s.softMask !== null) {
      const c = this.idleIn(s, s.softMask);
      if (this.idleFor(s, c)) return c;
    }
    return this.idleIn(s, e.affinity);
  }

  /** The processor if in `mask` (else the next pCPU of `mask` after it), or the first idle one after that. */
  private idleIn(s: CreditSlot, mask: readonly number[]): number {
    const n = this.cpus;
    let start = s.processor;
    if (!mask.includes(start)) {
      for (let k = 1; k <= n; k++) if (mask.includes((start + k) % n)) { start = (start + k) % n; break; }
    }
    if (this.idleFor(s, start)) return start;
    for (let k = 1; k < n; k++) {
      const c = (start + k) % n;
      if (mask.includes(c) && this.idleFor(s, c)) return c;
    }
    return start;
  }

  /** An idler, or the vCPU's own processor when nothing else waits there (is_runq_idle, §2.9). */
  private idleFor(s: CreditSlot, c: number): boolean {
    return this.idlers[c] !== 0 || (c === s.processor && this.runq[c].length === 0);
  }

}
