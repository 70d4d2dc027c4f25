// Xen Credit (credit1): the active set and the 30 ms accounting pass on the master pCPU
// (xen.md §2.4), with cap parking and unparking (§2.11). Integer credit arithmetic with the same
// rounding as the description: every share is rounded up.

import type { HostEntity } from '../../src/engine/entities.js';
import { CREDIT_PRI, slotOf, type CreditDomain } from './credit-queue.js';

export interface AccountingConfig {
  /** 10 credits per ms × tslice (300 for 30 ms). */
  creditsPerTslice: number;
  cpus: number;
  /** ≥ 4.1: a domain weighs weight × active vCPUs; before, weight once per active domain (§2.13). */
  perVcpuWeight: boolean;
  /** ≥ 4.1: credit over the upper clip is halved; before, reset to 0 (§2.13). */
  halveOnClip: boolean;
}

/** What the accounting pass asks of the scheduler: pause and unpause capped vCPUs (§2.11). */
export interface ParkingHooks {
  park(e: HostEntity): void;
  unpark(e: HostEntity): void;
}

export class CreditAccounting {
  /** Active domains in list order (a domain with surplus may be moved to the head, §2.4 step 5). */
  readonly activeDomains: CreditDomain[] = [];
  /** weight_total: Σ over active vCPUs of their domain's weight (per domain before 4.1). */
  weightTotal = 0;
  /** credit_balance: Σ of active credits after the last pass. */
  balance = 0;
  /** Run-queue sort epoch: bumped by every pass, each pCPU re-sorts at its next tick (§2.3). */
  epoch = 0;
  runs = 0;
  activations = 0;
  deactivations = 0;
  private readonly domScratch: CreditDomain[] = [];
  private readonly vcpuScratch: HostEntity[] = [];

  constructor(
    private readonly cfg: AccountingConfig,
    private readonly hooks: ParkingHooks,
  ) {}

  /** §2.3 step 1: the tick found an inactive vCPU running, it joins its domain's active list. */
  activate(e: HostEntity): void {
    const s = slotOf(e);
    if (s.active) return;
    s.active = true;
    this.activations++;
    const d = s.dom;
    d.activeVcpus.unshift(e);
    const first = d.activeVcpus.length === 1;
    if (this.cfg.perVcpuWeight || first) this.weightTotal += d.weight;
    if (first) this.activeDomains.unshift(d);
  }

  /** §2.4 step 7: over the upper clip, a vCPU stops earning until a tick catches it running again. */
  deactivate(e: HostEntity): void {
    const s = slotOf(e);
    if (!s.active) return;
    s.active = false;
    this.deactivations++;
    const d = s.dom;
    d.activeVcpus.splice(d.activeVcpus.indexOf(e), 1);
    const last = d.activeVcpus.length === 0;
    if (this.cfg.perVcpuWeight || last) this.weightTotal -= d.weight;
    if (last) this.activeDomains.splice(this.activeDomains.indexOf(d), 1);
  }

  /**
   * csched_dom_cntl (`xl sched-credit -d <dom> -w -c`, issue 13 renegotiation): an active domain's
   * contribution to weight_total moves to the new weight at once (prv->weight −= old × active vCPUs,
   * += new × active vCPUs); the cap is just stored. Both act from the next accounting (§2.4, §2.11).
   */
  reweigh(d: CreditDomain, weight: number, cap: number): void {
    const counted = this.cfg.perVcpuWeight ? d.activeVcpus.length : d.activeVcpus.length > 0 ? 1 : 0;
    this.weightTotal += (weight - d.weight) * counted;
    d.weight = weight;
    d.cap = cap;
  }

  /** §2.4: distribute 300 × nCPUs credits by weight among the active domains and re-prioritise. */
  run(): void {
    const { creditsPerTslice: cpt, perVcpuWeight } = this.cfg;
    const weightTotal = this.weightTotal;
    const lastBalance = this.balance;
    let creditTotal = cpt * this.cfg.cpus;
    if (lastBalance < 0) creditTotal -= lastBalance; // converge the balance back towards 0
    if (weightTotal === 0) {
      this.balance = 0;
      return;
    }
    this.runs++;
    let weightLeft = weightTotal;
    let newBalance = 0;
    let hungryBefore = false;
    // Iterate over a snapshot: a surplus domain may move to the head (not visited again) and
    // vCPUs may leave the active set during the pass.
    const doms = this.domScratch;
    doms.length = 0;
    for (const d of this.activeDomains) doms.push(d);
    for (const d of doms) {
      const a = d.activeVcpus.length;
      const wd = perVcpuWeight ? d.weight * a : d.weight;
      weightLeft -= wd;
      // Step 2: at most enough to run every active vCPU for a whole period, plus a share of the debt.
      let peak = a * cpt;
      if (lastBalance < 0) peak += ceilDiv(-lastBalance * wd, weightTotal);
      // Step 3: the cap bounds the domain's peak and sets the per-vCPU parking threshold.
      let capPerVcpu = 0;
      if (d.cap !== 0) {
        const capD = ceilDiv(d.cap * cpt, 100);
        if (capD < peak) peak = capD;
        capPerVcpu = ceilDiv(capD, a);
      }
      // Step 4–5: the fair share by weight; a surplus over the peak goes to the domains not yet seen.
      let fair = ceilDiv(creditTotal * wd, weightTotal);
      if (fair < peak) {
        hungryBefore = true;
      } else {
        if (weightLeft !== 0) creditTotal += ceilDiv((fair - peak) * weightTotal, weightLeft);
        if (hungryBefore) {
          this.activeDomains.splice(this.activeDomains.indexOf(d), 1);
          this.activeDomains.unshift(d);
        }
        fair = peak;
      }
      // Step 6–8: per-vCPU increment, priority, parking, clipping.
      const inc = ceilDiv(fair, a);
      const vs = this.vcpuScratch;
      vs.length = 0;
      for (const v of d.activeVcpus) vs.push(v);
      for (const v of vs) {
        const s = slotOf(v);
        s.credit += inc;
        if (s.credit < 0) {
          s.pri = CREDIT_PRI.OVER;
          if (d.cap !== 0 && s.credit < -capPerVcpu && !s.parked) this.hooks.park(v);
          if (s.credit < -cpt) s.credit = -cpt;
        } else {
          s.pri = CREDIT_PRI.UNDER;
          if (s.parked) this.hooks.unpark(v);
          if (s.credit > cpt) {
            this.deactivate(v);
            s.credit = this.cfg.halveOnClip ? Math.trunc(s.credit / 2) : 0;
          }
        }
        newBalance += s.credit;
      }
    }
    doms.length = 0;
    this.vcpuScratch.length = 0;
    this.balance = newBalance;
    this.epoch++;
  }
}

/** ⌈a / b⌉ for a ≥ 0, b > 0, in integers. */
function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}
