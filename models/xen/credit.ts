// Xen Credit scheduler (credit1, `sched/credit.c`; Xen's default from 3.0.3 to 4.11) as a host
// scheduling class — xen.md §2. Behaviour switches by Xen version: credit-version.ts (§2.13); the
// accounting pass and cap parking: credit-account.ts (§2.4, §2.11); queue and state: credit-queue.ts.
//
// What it models:
// - Credits: 10 per ms of CPU, 300 per 30 ms slice. Burned exactly whenever the running vCPU is
//   settled (≥ 4.0, §2.2) or sampled at the tick, −100 to whoever runs (≤ 3.4).
// - A 10 ms tick per busy pCPU (tslice/3; tslice if tslice < 3 ms): BOOST → UNDER, burn, activate
//   an inactive vCPU, else placement check for the running vCPU; re-sort the queue after an
//   accounting (§2.3). It never pre-empts, except to migrate.
// - Accounting every tslice on the master pCPU (§2.4): credit shared by weight among active domains,
//   clipped at ±300, UNDER/OVER recomputed, over-credited vCPUs leave the active set; cap parking and
//   unparking (§2.11).
// - Wake: BOOST for UNDER vCPUs that are not migrating or parked (§2.5); tickle (§2.6); schedule()
//   with the rate limit, round-robin behind equals, a 30 ms slice (§2.7); pull-only stealing of
//   strictly better work when the local candidate is OVER or idle (§2.8); pick_cpu placement (§2.9);
//   soft affinity first in all three (≥ 4.5, affinity.ts).
// - One instance per cpupool (cpupools.ts): its credit is 300 per slice per pCPU of the pool.
//
// Modelling choices [M]:
// - schedule(cpu, now) is csched_schedule: the choice (pickNext(cpu), which computes it without
//   side effects), stealing, the idlers mask and stopping the tick, and the slice it returns (a
//   fresh tslice, or the rest of the rate limit), for which the engine arms the pCPU's slice timer;
//   stopped() re-inserts the outgoing vCPU behind its equals and started() takes the incoming one
//   off the queue.
// - A pCPU is re-picked only where Xen raises SCHEDULE (slice timer, tickle, block, park, tick
//   migration): a spurious re-pick would give the running vCPU a fresh 30 ms slice, as in Xen.
// - SMP choices (flat topology, tickle cursor, kicking cur away): credit-smp.ts. No tasklets, no
//   yield (the engine has none), timers exact (no 50 µs slop).
// - A vCPU's first processor is pick_cpu from affinity[index mod |affinity|]; its first wake is not
//   boosted (≥ 4.7), as Xen's insert goes through pick_cpu, which sets MIGRATING.
// - A vCPU marked to migrate by the tick that blocks before leaving keeps its pCPU.
// - The accounting timer runs after the ticks and job releases of the same instant (EventPhase.tick),
//   so the running vCPUs' burn is up to date, as §2.11's example assumes.
// - Before 3.0.4 caps were sub-idle priorities; here caps always park (the 3.0.4+ rule). Before 4.2
//   there is no rate limit: ratelimitNs is ignored (read the effective `ratelimitNs`).
// - Before 4.0 the tick runs on idle pCPUs too (10 ms grid from boot); from 4.0 it stops when a
//   pCPU idles and restarts on the grid.

import type { Ns } from '../../src/scenario/types.js';
import { EventPhase, type Timer } from '../../src/engine/event-queue.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext, SchedClass, TaskSlice } from '../../src/engine/policy.js';
import { poolCpus, softStepMask } from './affinity.js';
import { CreditAccounting } from './credit-account.js';
import { CreditSmp } from './credit-smp.js';
import {
  CREDIT_PRI, runqInsert, runqRemove, runqSort, slotOf,
  type CreditDomain, type CreditSlot,
} from './credit-queue.js';
import { creditFeatures, type CreditFeatures } from './credit-version.js';

export { CREDIT_PRI, creditPriority, creditPriorityName, creditState, type CreditPri } from './credit-queue.js';
export { creditFeatures, parseXenVersion, type CreditFeatures } from './credit-version.js';

export interface CreditClassOptions {
  /** sched_credit_tslice_ms, whole ms in 1..1000 (default 30 ms; fixed at 30 ms before 4.2). */
  tsliceNs?: Ns;
  /** sched_ratelimit_us: 0 disables, else 100 µs..500 ms and ≤ tslice (default 1 ms); ignored before 4.2, which had none. */
  ratelimitNs?: Ns;
  /** Xen version whose Credit rules apply (default '4.19'); '3.x' / < 4.0 samples accounting at the tick. */
  xenVersion?: string;
  /** The cpupool's pCPUs (default: every pCPU of the host). */
  pool?: readonly number[];
}

export interface CreditAdmitConfig {
  /** Domain id: weight and cap are per domain. */
  domain: string;
  /** 1..65535, default 256. */
  weight?: number;
  /** % of one pCPU, 0 = uncapped (default). */
  cap?: number;
}

const MS = 1_000_000;
const CREDITS_PER_MS = 10;
const DEFAULT_TSLICE_NS = 30 * MS;
const DEFAULT_RATELIMIT_NS = MS;
const STEAL_RATELIMIT_NS = MS;
const DEFAULT_WEIGHT = 256;
const NO_BALANCE_YET = -Infinity;

export class CreditClass implements SchedClass<CreditAdmitConfig> {
  readonly name = 'credit';
  readonly features: CreditFeatures;
  readonly tsliceNs: Ns;
  /** Tick period: tslice / 3, or tslice when tslice < 3 ms (§0). */
  readonly tickNs: Ns;
  readonly ratelimitNs: Ns;
  readonly stealRatelimitNs: Ns;
  readonly creditsPerTslice: number;
  private readonly creditsPerTick: number;
  /** The cpupool's pCPUs, ascending: the only ones this instance schedules (xen.md §1). */
  readonly cpus: readonly number[];
  private readonly domains = new Map<string, CreditDomain>();
  private readonly acct: CreditAccounting;
  private readonly runq: HostEntity[][];
  private readonly smp: CreditSmp;
  /** New weight and cap of domain `id` (CreditAccounting.reweigh: csched_dom_cntl). */
  setDomain(id: string, weight: number, cap: number): void {
    const dom = this.domains.get(id);
    if (dom === undefined) throw new Error(`credit: domain ${id} is not configured`);
    this.acct.reweigh(dom, weight, cap);
  }

  /** When the running vCPU entered the running state on each pCPU (rate limit, §2.7). */
  private readonly startedAt: Float64Array;
  private readonly lastBalance: Float64Array;
  private readonly sortedEpoch: Float64Array;
  private readonly tickTimers: Timer[];
  private readonly acctTimer: Timer;
  private readonly sortScratch: HostEntity[] = [];
  private readonly counters = {
    boosts: 0, unboosts: 0, parks: 0, unparks: 0, tickMigrations: 0, ratelimitHolds: 0, ticks: 0, sampledCharges: 0,
  };

  constructor(
    private readonly ctx: PolicyContext,
    opts: CreditClassOptions,
  ) {
    const f = creditFeatures(opts.xenVersion ?? '4.19');
    this.features = f;
    this.cpus = poolCpus(ctx, opts.pool, 'credit');
    const tslice = opts.tsliceNs ?? DEFAULT_TSLICE_NS;
    if (!Number.isInteger(tslice / MS) || tslice < MS || tslice > 1000 * MS) {
      throw new Error(`credit: tsliceNs must be a whole number of ms in 1..1000 ms, got ${tslice} ns`);
    }
    if (!f.configurableTslice && tslice !== DEFAULT_TSLICE_NS) {
      throw new Error(`credit: Xen ${opts.xenVersion} has a fixed 30 ms timeslice (sched_credit_tslice_ms came in 4.2)`);
    }
    // Before 4.2 there is no rate limit at all: any requested value is ignored (read `ratelimitNs`).
    const ratelimit = f.ratelimit ? (opts.ratelimitNs ?? DEFAULT_RATELIMIT_NS) : 0;
    if (ratelimit !== 0) {
      if (!(ratelimit >= 100_000 && ratelimit <= 500 * MS) || ratelimit > tslice) {
        throw new Error(`credit: ratelimitNs must be 0 or 100 µs..500 ms and ≤ the timeslice, got ${ratelimit} ns`);
      }
    }
    this.tsliceNs = tslice;
    const tsliceMs = tslice / MS;
    // ticks_per_tslice = 3, or 1 below 3 ms (§0); the period is a whole number of µs, as in Xen.
    this.tickNs = tsliceMs < 3 ? tslice : Math.floor((tsliceMs * 1000) / 3) * 1000;
    this.ratelimitNs = ratelimit;
    this.stealRatelimitNs = f.stealRatelimit ? STEAL_RATELIMIT_NS : 0;
    this.creditsPerTslice = CREDITS_PER_MS * tsliceMs;
    this.creditsPerTick = (CREDITS_PER_MS * this.tickNs) / MS;
    this.acct = new CreditAccounting(
      { creditsPerTslice: this.creditsPerTslice, cpus: this.cpus.length, perVcpuWeight: f.perVcpuWeight, halveOnClip: f.halveOnClip },
      { park: (e) => this.park(e), unpark: (e) => this.unpark(e) },
    );
    // Per-pCPU state is indexed by host pCPU; only the pool's entries are ever used.
    const n = ctx.cpuCount;
    this.runq = Array.from({ length: n }, () => []);
    this.smp = new CreditSmp(ctx, this, this.runq, f, this.cpus);
    this.startedAt = new Float64Array(n);
    this.lastBalance = new Float64Array(n).fill(NO_BALANCE_YET);
    this.sortedEpoch = new Float64Array(n);
    this.tickTimers = Array.from({ length: n }, (_, cpu) => ctx.timer(EventPhase.budget, (now) => this.onTick(cpu, now)));
    // §2.4: the master pCPU's accounting timer, every tslice from boot.
    this.acctTimer = ctx.timer(EventPhase.tick, (now) => {
      this.acct.run();
      this.acctTimer.arm(now + this.tsliceNs);
    });
    this.acctTimer.arm(this.tsliceNs);
    // [M] before 4.0 the tick is not stopped on idle pCPUs: a fixed grid from boot.
    if (!f.tickStopsWhenIdle) for (const cpu of this.cpus) this.tickTimers[cpu].arm(this.tickNs);
  }

  admit(e: HostEntity, cfg: CreditAdmitConfig): void {
    const weight = cfg.weight ?? DEFAULT_WEIGHT;
    const cap = cfg.cap ?? 0;
    if (!Number.isInteger(weight) || weight < 1 || weight > 65535) throw new Error(`credit: ${e.id}: weight must be an integer 1..65535, got ${weight}`);
    if (!Number.isInteger(cap) || cap < 0 || cap > 65535) throw new Error(`credit: ${e.id}: cap must be an integer % ≥ 0 (0 = none), got ${cap}`);
    let dom = this.domains.get(cfg.domain);
    if (dom === undefined) {
      dom = { id: cfg.domain, weight, cap, activeVcpus: [] };
      this.domains.set(cfg.domain, dom);
    } else if (dom.weight !== weight || dom.cap !== cap) {
      throw new Error(`credit: ${e.id}: domain ${cfg.domain} already has weight ${dom.weight} cap ${dom.cap}; weight and cap are per domain`);
    }
    if (e.affinity.length === 0 || e.affinity.some((c) => !this.cpus.includes(c))) throw new Error(`credit: ${e.id}: affinity must name pCPUs of the pool (${this.cpus.join(', ')})`);
    const index = e.origin.kind === 'vcpu' ? e.origin.index : 0;
    const slot: CreditSlot = {
      dom,
      credit: 0,
      residual: 0,
      pri: CREDIT_PRI.UNDER, // §2.1: a new vCPU starts with credit 0, UNDER, inactive
      parked: false,
      migrating: true, // [M] insertion goes through pick_cpu, which flags MIGRATING (§2.5)
      migratePending: false,
      active: false,
      processor: e.affinity[index % e.affinity.length],
      softMask: this.features.softAffinity ? softStepMask(e, this.cpus) : null,
      queued: false,
      burned: 0,
    };
    e.schedClass = this;
    e.slot = slot;
    // csched_unit_insert places it with pick_cpu (§2.9): the soft step may move it off v->processor.
    slot.processor = this.smp.pickCpu(e);
  }

  // ---- SchedClass ---------------------------------------------------------------------------

  /** §2.5 wake. A parked vCPU stays paused: Xen does not wake a vCPU with a pause flag. */
  enqueue(e: HostEntity): void {
    const s = slotOf(e);
    e.cpu = s.processor;
    if (s.parked) return;
    this.wake(e);
  }

  /** §2.1 sleep: off the run queue; v->processor is kept for the next wake. */
  dequeue(e: HostEntity): void {
    const s = slotOf(e);
    if (s.queued) this.unqueue(e);
    s.migratePending = false; // [M] a blocked vCPU keeps its pCPU
    e.cpu = -1;
  }

  /** §2.7 steps 3–5 without side effects: the local choice (after schedule() stole, the stolen vCPU heads the queue). */
  pickNext(cpu: number): HostEntity | null {
    const cur = this.runningHere(cpu);
    const q = this.runq[cpu];
    const head = q.length > 0 ? q[0] : null;
    if (cur === null) return head;
    if (this.ratelimited(cpu)) return cur;
    // cur is re-inserted behind its equals: it is the head again only if the head is strictly worse.
    if (head === null || slotOf(head).pri < slotOf(cur).pri) return cur;
    return head;
  }

  /** §2.7 csched_schedule on `cpu`: the local choice, else stolen work (§2.8); the idlers; the slice. */
  schedule(cpu: number, now: Ns): TaskSlice {
    const cur = this.runningHere(cpu);
    const held = cur !== null && this.ratelimited(cpu);
    let next = this.pickNext(cpu);
    if (!held) {
      const pri = next === null ? CREDIT_PRI.IDLE : slotOf(next).pri;
      // §2.8: steal only when the local candidate is OVER or idle, at most once per 1 ms (≥ 4.18).
      if (pri <= CREDIT_PRI.OVER && (this.stealRatelimitNs === 0 || now - this.lastBalance[cpu] > this.stealRatelimitNs)) {
        this.lastBalance[cpu] = now;
        const stolen = this.smp.steal(cpu, pri);
        if (stolen !== null) next = stolen;
      }
    }
    if (next === null) {
      // §2.7 step 6: idle gets no slice timer, joins the idlers, and stops its tick.
      this.smp.idlers[cpu] = 1;
      if (this.features.tickStopsWhenIdle) this.tickTimers[cpu].cancel();
      return { next: null, sliceNs: Infinity };
    }
    this.smp.idlers[cpu] = 0;
    if (held) {
      // §2.7 step 3: keep cur until it has run for the rate limit.
      this.counters.ratelimitHolds++;
      this.ctx.note('ratelimit', cpu, cur);
      return { next, sliceNs: this.startedAt[cpu] + this.ratelimitNs - now };
    }
    return { next, sliceNs: this.tsliceNs }; // picked (again): a fresh slice
  }

  /** §2.2 exact burning (≥ 4.0): 10 credits per ms, the remainder kept. Sampled mode burns at the tick. */
  charge(e: HostEntity, _cpu: number, deltaNs: Ns): void {
    if (this.features.sampledAccounting) return;
    const s = slotOf(e);
    const val = deltaNs * CREDITS_PER_MS + s.residual;
    const credits = Math.floor(val / MS);
    s.residual = val - credits * MS;
    s.credit -= credits;
    s.burned += credits;
  }

  started(e: HostEntity, cpu: number): void {
    const s = slotOf(e);
    if (s.queued) this.unqueue(e);
    const now = this.ctx.now;
    this.smp.idlers[cpu] = 0;
    this.startedAt[cpu] = now;
    // §2.3: leaving idle restarts the tick on the next multiple of the tick period.
    const tick = this.tickTimers[cpu];
    if (!tick.armed) tick.arm(now + this.tickNs - (now % this.tickNs));
  }

  /** §2.7 step 4: a still-runnable vCPU goes back behind its equals (or migrates, §2.3). */
  stopped(e: HostEntity, cpu: number): void {
    const s = slotOf(e);
    if (!e.runnable) return; // blocking: dequeue() follows at once
    if (s.parked || s.queued || e.cpu !== cpu) return;
    if (s.migratePending) {
      s.migratePending = false;
      this.migrate(e);
      return;
    }
    runqInsert(this.runq[cpu], e);
    s.queued = true;
  }

  stats(): Record<string, number> {
    return {
      ...this.counters,
      steals: this.smp.steals,
      stealAttempts: this.smp.stealAttempts,
      tickles: this.smp.tickles,
      accountings: this.acct.runs,
      activations: this.acct.activations,
      deactivations: this.acct.deactivations,
    };
  }

  // ---- internals ----------------------------------------------------------------------------

  /** The vCPU running on `cpu` if it is ours and still wants this pCPU (not parked, not leaving). */
  private runningHere(cpu: number): HostEntity | null {
    const cur = this.ctx.current(cpu);
    if (cur === null || cur.schedClass !== this || cur.cpu !== cpu || !cur.runnable) return null;
    const s = slotOf(cur);
    return s.parked || s.migratePending ? null : cur;
  }

  private ratelimited(cpu: number): boolean {
    return this.ratelimitNs > 0 && this.ctx.now - this.startedAt[cpu] < this.ratelimitNs;
  }

  private unqueue(e: HostEntity): void {
    const s = slotOf(e);
    runqRemove(this.runq[s.processor], e);
    s.queued = false;
  }

  /** §2.5 steps 2–4 (shared by wake, unpark and migration). */
  private wake(e: HostEntity): void {
    const s = slotOf(e);
    const f = this.features;
    const migrating = s.migrating;
    s.migrating = false;
    if (f.boostOnWake && (!migrating || f.boostAfterMigration) && s.pri === CREDIT_PRI.UNDER && !s.parked) {
      s.pri = CREDIT_PRI.BOOST;
      this.counters.boosts++;
      this.ctx.note('boost', s.processor, e);
    }
    runqInsert(this.runq[s.processor], e);
    s.queued = true;
    this.smp.tickle(e);
  }

  /** vcpu_migrate after the tick asked to move: pick again, then wake there without BOOST (≥ 4.7). */
  private migrate(e: HostEntity): void {
    const s = slotOf(e);
    const target = this.smp.pickCpu(e);
    s.migrating = true;
    s.processor = target;
    e.cpu = target;
    this.ctx.note('migrate', target, e);
    this.wake(e);
  }

  /** §2.3 the per-pCPU tick. */
  private onTick(cpu: number, now: Ns): void {
    this.counters.ticks++;
    const cur = this.ctx.current(cpu);
    if (cur !== null && cur.schedClass === this) {
      this.ctx.settle(cpu); // burn up to now (exact accounting)
      const s = slotOf(cur);
      if (s.pri === CREDIT_PRI.BOOST) {
        s.pri = CREDIT_PRI.UNDER;
        this.counters.unboosts++;
      }
      if (this.features.sampledAccounting) {
        // §2.2 before 4.0: a full tick's worth to whoever is running now, whatever it really ran.
        s.credit -= this.creditsPerTick;
        s.burned += this.creditsPerTick;
        this.counters.sampledCharges++;
      }
      if (!s.active) {
        this.acct.activate(cur);
      } else if (this.cpus.length > 1 && !s.migratePending && cur.runnable && cur.cpu === cpu) {
        const better = this.smp.pickCpu(cur);
        if (better !== cpu) {
          s.migratePending = true;
          this.counters.tickMigrations++;
          this.ctx.resched(cpu);
        }
      }
    }
    if (this.sortedEpoch[cpu] !== this.acct.epoch) {
      this.sortedEpoch[cpu] = this.acct.epoch;
      runqSort(this.runq[cpu], this.sortScratch);
    }
    this.tickTimers[cpu].arm(now + this.tickNs);
  }

  /** §2.11: pause a capped-out vCPU; a running one leaves its pCPU at once. */
  private park(e: HostEntity): void {
    const s = slotOf(e);
    s.parked = true;
    this.counters.parks++;
    this.ctx.note('park', s.processor, e);
    if (s.queued) this.unqueue(e);
    if (e.runningOn >= 0) this.ctx.resched(e.runningOn);
  }

  /** §2.11: unpause at credit ≥ 0; the wake it causes is not boosted (PARKED is cleared after it). */
  private unpark(e: HostEntity): void {
    const s = slotOf(e);
    this.counters.unparks++;
    this.ctx.note('unpark', s.processor, e);
    if (e.runnable && !s.queued && e.runningOn < 0) {
      e.cpu = s.processor;
      this.wake(e);
    }
    s.parked = false;
  }
}
