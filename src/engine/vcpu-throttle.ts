// QEMU's vCPU throttle, which auto-converge sets (softmmu/cpu-throttle.c, QEMU ≥ 5.2; migration.md
// §8): at throttle p, a timer every CPU_THROTTLE_TIMESLICE_NS / (1 − p) makes each vCPU sleep
// p / (1 − p) × CPU_THROTTLE_TIMESLICE_NS (cpu_throttle_thread), so the guest runs 10 ms, sleeps,
// runs 10 ms… — a (1 − p) share of the time, wherever its host scheduler would have run it.

import type { Timer } from './event-queue.js';
import type { Ns } from './system.js';

/** CPU_THROTTLE_TIMESLICE_NS: 10 ms. */
export const CPU_THROTTLE_TIMESLICE_NS = 10_000_000;

export class VcpuThrottle {
  private pct = 0;
  private asleep = false;
  private readonly timer: Timer;

  constructor(
    makeTimer: (fire: (now: Ns) => void) => Timer,
    /** The VMU's vCPUs stop (its tasks keep their jobs), then run again. */
    private readonly sleep: () => void,
    private readonly wake: () => void,
  ) {
    this.timer = makeTimer((now) => this.flip(now));
  }

  /** Throttle at `pct` % from `now`; 0 lifts it (cpu_throttle_stop) and the vCPUs run at once. */
  set(pct: number, now: Ns): void {
    const was = this.pct;
    this.pct = pct;
    if (pct === 0) {
      this.timer.cancel();
      if (this.asleep) this.flip(now);
      return;
    }
    if (was === 0) this.flip(now); // the first sleep starts now; later changes apply at the next one
  }

  private flip(now: Ns): void {
    if (this.asleep) {
      this.asleep = false;
      this.wake();
      if (this.pct > 0) this.timer.arm(now + CPU_THROTTLE_TIMESLICE_NS);
      return;
    }
    this.asleep = true;
    this.sleep();
    const ratio = this.pct / (100 - this.pct);
    this.timer.arm(now + Math.round(ratio * CPU_THROTTLE_TIMESLICE_NS));
  }
}
