// CFS bandwidth control for one group (cpu.cfs_quota_us / cpu.cfs_period_us, cgroup v2 cpu.max) —
// linux-irmos.md §6.3. A global pool refilled to the quota on the fixed grid k·period; each CPU's
// runqueue of the group draws 5 ms slices from it and is throttled when its slice is spent and the
// pool is empty; the period timer distributes the refilled pool to throttled CPUs, unthrottling them.
// The class (fair.ts) hides and shows the group's entities through BandwidthHost.
//
// Modelling choices [M]:
// - Accounting is done whenever the class is charged (every tick and every switch), as
//   account_cfs_rq_runtime from update_curr; there is no exact exhaustion timer (hrtick is off by
//   default), so a CPU can overrun its slice by up to one tick, and that debt carries over.
// - The period grid is anchored at time 0 (the hrtimer is forwarded on its own grid). The timer runs
//   only while the group has queued entities or throttled CPUs; an idle group costs no events. When it
//   stops, the pool is full (the last expiry refilled it), as in Linux.
// - Slack: when the group's runqueue on a CPU empties, it keeps 1 ms (min_cfs_rq_runtime) and returns
//   the rest to the pool; if CPUs are throttled and the pool holds more than a slice, a slack timer
//   (5 ms) distributes it, unless the period timer is due within 7 ms. No cpu.cfs_burst_us.
// - Distribution order is CPU index order (Linux: the order the CPUs were throttled in).

import type { Ns } from '../../src/scenario/types.js';
import { EventPhase, type Timer } from '../../src/engine/event-queue.js';
import type { PolicyContext } from '../../src/engine/policy.js';

/** sched_cfs_bandwidth_slice_us (§0 row 29). */
export const CFS_BANDWIDTH_SLICE_NS = 5_000_000;
/** min_cfs_rq_runtime (§0 row 30). */
const MIN_CFS_RQ_RUNTIME_NS = 1_000_000;
/** cfs_bandwidth_slack_period and min_bandwidth_expiration (§0 row 31). */
const SLACK_PERIOD_NS = 5_000_000;
const MIN_BANDWIDTH_EXPIRATION_NS = 2_000_000;

export interface BandwidthHost {
  /** The group's entities on `cpu` must leave the pick (they stay runnable). */
  throttleCpu(bw: CfsBandwidth, cpu: number): void;
  /** The group's entities on `cpu` are back in the pick. */
  unthrottleCpu(bw: CfsBandwidth, cpu: number): void;
}

export class CfsBandwidth {
  /** Global pool (cfs_b->runtime). */
  pool: Ns;
  /** runtime_remaining of the group's runqueue on each CPU. */
  readonly remaining: Float64Array;
  readonly throttled: Uint8Array;
  /** The group's entities queued on each CPU (throttled or not). */
  readonly nrQueued: Int32Array;
  totalQueued = 0;
  nrThrottled = 0;
  throttles = 0;
  unthrottles = 0;
  periods = 0;
  slackReturns = 0;
  private readonly period: Timer;
  private readonly slack: Timer;

  constructor(
    private readonly ctx: PolicyContext,
    private readonly host: BandwidthHost,
    readonly id: string,
    public quotaNs: Ns,
    public periodNs: Ns,
  ) {
    const n = ctx.cpuCount;
    this.pool = quotaNs;
    this.remaining = new Float64Array(n);
    this.throttled = new Uint8Array(n);
    this.nrQueued = new Int32Array(n);
    this.period = ctx.timer(EventPhase.budget, () => this.onPeriod());
    this.slack = ctx.timer(EventPhase.budget, () => this.onSlack());
  }

  /**
   * A write of cpu.max while the group runs (issue 13 renegotiation), as tg_set_cfs_bandwidth does
   * (kernel/sched/core.c): store quota and period, refill the pool to the new quota
   * (__refill_cfs_bandwidth_runtime), restart the period timer, and on every CPU zero the group's
   * runtime_remaining and unthrottle a throttled runqueue — each then draws a fresh slice from the
   * refilled pool at its next charge.
   */
  setQuota(quotaNs: Ns, periodNs: Ns): void {
    this.quotaNs = quotaNs;
    this.periodNs = periodNs;
    this.pool = quotaNs;
    this.period.cancel();
    this.startPeriod();
    for (let cpu = 0; cpu < this.remaining.length; cpu++) {
      this.remaining[cpu] = 0;
      if (this.throttled[cpu] === 0) continue;
      this.throttled[cpu] = 0;
      this.nrThrottled--;
      this.unthrottles++;
      this.host.unthrottleCpu(this, cpu);
    }
  }

  /** Whether the period timer is running (for tests and stats). */
  get active(): boolean {
    return this.period.armed;
  }

  /**
   * An entity of the group is about to be queued on `cpu` (check_enqueue_throttle): start the period
   * timer, and if the CPU has no runtime left and the pool is empty, throttle before it is queued.
   */
  beforeEnqueue(cpu: number): void {
    this.startPeriod();
    if (this.throttled[cpu] !== 0 || this.remaining[cpu] > 0) return;
    this.acquire(cpu);
    if (this.remaining[cpu] <= 0) this.throttle(cpu);
  }

  /** §6.3: charge `delta` to the CPU's slice; draw a new slice from the pool when it is spent. */
  account(cpu: number, delta: Ns): void {
    const left = (this.remaining[cpu] -= delta);
    if (left > 0) return;
    this.acquire(cpu);
    if (this.remaining[cpu] <= 0 && this.throttled[cpu] === 0) this.throttle(cpu);
  }

  /** The group's runqueue on `cpu` became empty: return the slack above 1 ms to the pool (§6.3). */
  emptied(cpu: number): void {
    const slack = this.remaining[cpu] - MIN_CFS_RQ_RUNTIME_NS;
    if (slack <= 0) return;
    this.pool += slack;
    this.remaining[cpu] -= slack;
    this.slackReturns++;
    if (this.pool > CFS_BANDWIDTH_SLICE_NS && this.nrThrottled > 0) this.startSlack();
  }

  /** A slice of 5 ms, or what is left in the pool, enough to bring the CPU to +slice (§6.3). */
  private acquire(cpu: number): void {
    this.startPeriod();
    const want = CFS_BANDWIDTH_SLICE_NS - this.remaining[cpu];
    const amount = Math.min(this.pool, want);
    if (amount <= 0) return;
    this.pool -= amount;
    this.remaining[cpu] += amount;
  }

  private throttle(cpu: number): void {
    this.throttled[cpu] = 1;
    this.nrThrottled++;
    this.throttles++;
    this.host.throttleCpu(this, cpu);
  }

  private startPeriod(): void {
    if (this.period.armed) return;
    // §6.3: the boundary grid is fixed, not activation-relative.
    this.period.arm(Math.floor(this.ctx.now / this.periodNs) * this.periodNs + this.periodNs);
  }

  /** §6.3 period timer: refill the pool to the quota, distribute, keep running only while needed. */
  private onPeriod(): void {
    this.periods++;
    this.pool = this.quotaNs;
    this.distribute();
    if (this.totalQueued > 0 || this.nrThrottled > 0) this.period.arm(this.ctx.now + this.periodNs);
  }

  /** Give each throttled CPU just enough to clear its debt (+1 ns) and unthrottle it. */
  private distribute(): void {
    const n = this.remaining.length;
    for (let cpu = 0; cpu < n && this.pool > 0 && this.nrThrottled > 0; cpu++) {
      if (this.throttled[cpu] === 0) continue;
      const give = Math.min(this.pool, 1 - this.remaining[cpu]);
      this.pool -= give;
      this.remaining[cpu] += give;
      if (this.remaining[cpu] > 0) {
        this.throttled[cpu] = 0;
        this.nrThrottled--;
        this.unthrottles++;
        this.host.unthrottleCpu(this, cpu);
      }
    }
  }

  private refreshWithin(ns: Ns): boolean {
    return this.period.armed && this.period.expiry - this.ctx.now < ns;
  }

  private startSlack(): void {
    if (this.refreshWithin(SLACK_PERIOD_NS + MIN_BANDWIDTH_EXPIRATION_NS) || this.slack.armed) return;
    this.slack.arm(this.ctx.now + SLACK_PERIOD_NS);
  }

  private onSlack(): void {
    if (this.refreshWithin(MIN_BANDWIDTH_EXPIRATION_NS)) return;
    if (this.pool > CFS_BANDWIDTH_SLICE_NS) this.distribute();
  }
}
