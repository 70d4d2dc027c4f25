// Credit2 caps (xen.md §3 "Cap"): a capped domain owns a budget pool refilled every 10 ms
// (credit2_cap_period_ms) up to cap% × 10 ms, never banking beyond that. A vCPU about to run grabs a
// quota max(pool total / nr vCPUs, 500 µs) (repaying any overrun first) and returns the unused part
// when it stops; with nothing to grab it is parked (not runnable) until a replenishment or a
// sibling's returned budget unparks it.

import type { Ns } from '../../src/scenario/types.js';
import { EventPhase } from '../../src/engine/event-queue.js';
import type { PolicyContext } from '../../src/engine/policy.js';
import { CREDIT2, type C2Domain, type C2Vcpu, updateVcpuLoad } from './credit2-runqueue.js';

export class C2Caps {
  parks = 0;
  replenishments = 0;

  constructor(
    private readonly ctx: PolicyContext,
    /** Put an unparked, runnable vCPU back on its runqueue (csched2_unit_wake). */
    private readonly wake: (v: C2Vcpu) => void,
  ) {}

  /** Cap set at domain creation: full budget now, first replenishment one period later. */
  setUp(d: C2Domain): void {
    d.totBudget = Math.floor((CREDIT2.CAP_PERIOD * d.cap) / 100);
    d.budget = d.totBudget;
    d.nextRepl = this.ctx.now + CREDIT2.CAP_PERIOD;
    d.timer = this.ctx.timer(EventPhase.budget, (now) => this.replenish(d, now));
    d.timer.arm(d.nextRepl);
  }

  /** The per-vCPU quota, once the domain's vCPU count is known. */
  finalize(d: C2Domain): void {
    if (d.cap > 100 * d.units.length) {
      throw new RangeError(`credit2: domain '${d.id}' cap ${d.cap} % exceeds 100 × its ${d.units.length} vCPU(s)`);
    }
    d.quota = Math.max(Math.floor(d.totBudget / d.units.length), CREDIT2.MIN_TIMER);
  }

  /** unit_grab_budget: take a quota from the pool (repaying any overrun), else park. */
  grab(v: C2Vcpu): boolean {
    if (v.budget > 0) return true;
    const d = v.dom;
    d.budget += v.budget;
    if (d.budget > 0) {
      const b = d.budget >= d.quota ? d.quota : d.budget;
      v.budget = b;
      d.budget -= b;
      return true;
    }
    v.budget = 0;
    this.park(v);
    return false;
  }

  /** unit_return_budget; true when parked vCPUs of the domain should now be woken. */
  giveBack(v: C2Vcpu): boolean {
    const d = v.dom;
    d.budget += v.budget;
    v.budget = 0;
    return d.budget > 0 && d.parked.length > 0;
  }

  unparkAll(d: C2Domain): void {
    const list = d.parked;
    const n = list.length;
    for (let i = 0; i < n; i++) {
      const v = list[i];
      v.parked = false;
      this.ctx.note('unpark', v.entity.cpu, v.entity);
      // A vCPU still on its pCPU is requeued when switched out; a blocked one waits for its wake-up.
      if (v.entity.runnable && v.entity.runningOn < 0 && !v.scheduled) this.wake(v);
    }
    list.splice(0, n);
  }

  private park(v: C2Vcpu): void {
    v.parked = true;
    this.parks++;
    if (v.onRunq) {
      const now = this.ctx.now;
      v.rq.remove(v);
      v.rq.updateLoad(now, -1);
      updateVcpuLoad(v, now, -1);
    }
    v.dom.parked.push(v);
    this.ctx.note('park', v.entity.cpu, v.entity);
  }

  /** replenish_domain_budget: + tot_budget per elapsed period, never above tot_budget; unpark. */
  private replenish(d: C2Domain, now: Ns): void {
    do {
      d.nextRepl += CREDIT2.CAP_PERIOD;
      d.budget += d.totBudget;
      this.replenishments++;
    } while (d.nextRepl <= now);
    if (d.budget > 0) {
      if (d.budget > d.totBudget) d.budget = d.totBudget;
      this.unparkAll(d);
    }
    d.timer!.arm(d.nextRepl);
  }
}
