// One stock-Linux RT bandwidth object (the root's sched_rt_runtime_us/sched_rt_period_us, or one RT
// cgroup's cpu.rt_runtime_us/cpu.rt_period_us): per-CPU rt_rq accounting, throttling state and
// RT_RUNTIME_SHARE borrowing. The RtClass (rt.ts) owns the timers and the queues; this file holds
// the arithmetic so it can be read against linux-irmos.md §3.1–§3.3 in one place.

import type { Ns } from '../../src/scenario/types.js';
import type { Timer } from '../../src/engine/event-queue.js';

export class RtBandwidth {
  /** Local rt_runtime per CPU: starts at the configured runtime; borrowing moves it between CPUs. */
  readonly runtime: Float64Array;
  /** rt_time per CPU: RT time consumed and not yet forgiven by the period timer. */
  readonly rtTime: Float64Array;
  readonly throttled: Uint8Array;
  /** Entities of this bandwidth object queued on each CPU (the root counts every RT entity). */
  readonly nrQueued: Int32Array;
  /** The period timer (fixed grid phase + k·period); set by the owner. */
  timer!: Timer;
  /** Phase of the period grid (ns, 0 ≤ phase < period); set by the owner. */
  phase = 0;
  throttles = 0;
  unthrottles = 0;
  periods = 0;
  borrowedNs = 0;

  constructor(
    readonly id: string,
    /** Configured runtime per CPU (ns). */
    public baseRuntime: Ns,
    public period: Ns,
    readonly cpus: number,
  ) {
    this.runtime = new Float64Array(cpus).fill(baseRuntime);
    this.rtTime = new Float64Array(cpus);
    this.throttled = new Uint8Array(cpus);
    this.nrQueued = new Int32Array(cpus);
  }

  /**
   * A write of cpu.rt_runtime_us / cpu.rt_period_us while the group runs (issue 13 renegotiation):
   * tg_set_rt_bandwidth stores the new period and runtime and sets every CPU's rt_rq->rt_runtime to
   * it; rt_time and the throttled state are kept, so a throttled CPU waits for its period timer, which
   * is re-armed with the new period at its next expiry (kernel/sched/rt.c).
   */
  setBandwidth(runtime: Ns, period: Ns): void {
    this.baseRuntime = runtime;
    this.period = period;
    this.runtime.fill(runtime);
  }

  /** Whether `cpu`'s level can ever throttle: runtime below the period and not 0 (§3.1). */
  limited(cpu: number): boolean {
    const rt = this.runtime[cpu];
    return rt < this.period && this.baseRuntime > 0;
  }

  /** Runtime left on `cpu` once `unsettled` ns not yet charged are counted; Infinity when unlimited. */
  left(cpu: number, unsettled: Ns): Ns {
    if (!this.limited(cpu)) return Infinity;
    return this.runtime[cpu] - this.rtTime[cpu] - unsettled;
  }

  /**
   * linux-irmos.md §3.2 (RT_RUNTIME_SHARE, do_balance_runtime): walk the other CPUs of the span; from
   * each one with spare runtime (runtime − rt_time > 0) take 1/n of that spare, n = CPUs in the span,
   * never raising this CPU's runtime beyond the period. Calls `lent(i)` for every CPU that lent.
   */
  borrow(cpu: number, lent: (lender: number) => void): void {
    const n = this.cpus;
    for (let i = 0; i < n; i++) {
      if (i === cpu) continue;
      const spare = this.runtime[i] - this.rtTime[i];
      if (spare <= 0) continue;
      let take = Math.floor(spare / n);
      if (this.runtime[cpu] + take > this.period) take = this.period - this.runtime[cpu];
      if (take <= 0) break;
      this.runtime[i] -= take;
      this.runtime[cpu] += take;
      this.borrowedNs += take;
      lent(i);
      if (this.runtime[cpu] >= this.period) break;
    }
  }
}
