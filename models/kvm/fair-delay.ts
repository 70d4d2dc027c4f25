// EEVDF DELAY_DEQUEUE / DELAY_ZERO (Linux 6.12+; linux-irmos.md §6.2, docs/validation-notes.md §3):
// a sleeper that is not eligible when it blocks stays in its CPU's tree, delayed, to burn off its
// negative lag. It leaves the tree when pick_eevdf reaches it (or its CPU has nothing else to run),
// or comes back in place when it wakes first. The fair class (fair.ts) decides nothing here: it asks
// this module whether a dequeue is delayed, to pick past delayed sleepers, and to requeue one.

import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext } from '../../src/engine/policy.js';
import { avgVruntime, ELIGIBLE_EPS, pickEevdf } from './fair-eevdf.js';
import { fairSlot, type FairRunqueues, type FairSlot } from './fair-queue.js';

/** What the delayed dequeue needs from the fair class. */
export interface DelayHost {
  /** §6.2 update_entity_lag: V − vruntime, clamped. */
  entityLag(s: FairSlot, cpu: number): number;
  /** A request in the entity's virtual time: slice·1024/w. */
  vslice(s: FairSlot): number;
  /** The entity became runnable (true) or not (false) for the balancer's load tracking. */
  setRunnable(s: FairSlot, runnable: boolean): void;
}

export class DelayedDequeue {
  constructor(
    private readonly ctx: PolicyContext,
    private readonly rq: FairRunqueues,
    private readonly host: DelayHost,
    /** 6.12+ DELAY_DEQUEUE switched on (EEVDF kernels only). */
    readonly enabled: boolean,
  ) {}

  /**
   * dequeue_entity (6.12+): a sleeper that is not eligible (vruntime > V) stays in the tree,
   * delayed (set_delayed). Returns whether `e` was delayed. [M] Not for bandwidth-group members
   * (flat hierarchy). A CPU left with delayed sleepers only dequeues them at once (its idle pick).
   */
  tryDelay(e: HostEntity, s: FairSlot, cpu: number): boolean {
    if (!this.enabled || s.group !== null || !(s.vruntime > avgVruntime(this.rq, cpu, null) + ELIGIBLE_EPS)) return false;
    s.delayed = true;
    this.rq.nrDelayed[cpu]++;
    this.rq.addVisible(cpu, -1);
    e.cpu = -1;
    this.host.setRunnable(s, false);
    if (this.rq.nrVisible[cpu] === 0) this.flush(cpu);
    return true;
  }

  /**
   * pick_next_entity (6.18): pick_eevdf may reach a delay-dequeued sleeper; it is dequeued then
   * (dequeue_entities with DEQUEUE_DELAYED) and the pick starts again. Idempotent: a second call
   * finds nothing left to dequeue and answers the same.
   */
  pickLive(cpu: number, cur: HostEntity | null): HostEntity | null {
    for (;;) {
      const p = pickEevdf(this.rq, cpu, cur);
      if (p === null || !fairSlot(p).delayed) return p;
      this.finish(p, cpu);
    }
  }

  /** A CPU left with delayed sleepers only: its next pick (the idle path) dequeues them one by one. */
  flush(cpu: number): void {
    while (this.rq.nrDelayed[cpu] > 0) {
      const p = pickEevdf(this.rq, cpu, null);
      if (p === null) break;
      this.finish(p, cpu);
    }
  }

  /** flush() if `cpu` has delayed sleepers and nothing visible (after an entity left it). */
  flushIfIdle(cpu: number): void {
    if (this.rq.nrVisible[cpu] === 0 && this.rq.nrDelayed[cpu] > 0) this.flush(cpu);
  }

  /**
   * A delay-dequeued sleeper wakes (ttwu_runnable → requeue_delayed_entity, 6.18): still queued, it
   * stays on its CPU (no select_task_rq). DELAY_ZERO: a positive lag is dropped and it is placed
   * afresh at V (deadline V + slice); with lag ≤ 0 it keeps its vruntime and deadline. Returns its
   * CPU; the caller then runs wakeup_preempt there.
   */
  requeue(e: HostEntity, s: FairSlot): number {
    const cpu = s.prevCpu;
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.schedClass === e.schedClass) this.ctx.settle(cpu); // update_curr
    if (this.host.entityLag(s, cpu) > 0) {
      s.vruntime = avgVruntime(this.rq, cpu, s);
      s.deadline = s.vruntime + this.host.vslice(s);
    }
    s.vlag = 0;
    s.delayed = false;
    this.rq.nrDelayed[cpu]--;
    this.rq.addVisible(cpu, 1);
    e.cpu = cpu;
    this.host.setRunnable(s, true);
    return cpu;
  }

  /** finish_delayed_dequeue_entity: leave the tree with the lag of now, DELAY_ZERO clipping a positive one to 0. */
  private finish(e: HostEntity, cpu: number): void {
    const s = fairSlot(e);
    s.vlag = Math.min(0, this.host.entityLag(s, cpu));
    this.rq.remove(e, cpu); // still delayed here: not counted as visible
    s.delayed = false;
    this.rq.nrDelayed[cpu]--;
  }
}
