// POSIX SCHED_SPORADIC (IEEE Std 1003.1-2008, XSH 2.8.4 "Scheduling Policies", SCHED_SPORADIC;
// linux-irmos.md §5) as a policy of the stock Linux RT class. Stock Linux never merged it: the IRMOS
// implementation (Faggioli, Mancina, Checconi, Lipari, RTLWS 2008; seed deliverable §5.3.1) stayed a
// patch set. Like that patch, hvsim puts SCHED_SPORADIC inside the RT class (sched_rt.c): a sporadic
// thread sits in the same per-CPU priority lists as SCHED_FIFO/RR threads, is subject to the same
// push/pull and RT throttling, and only its priority moves between sched_priority and
// sched_ss_low_priority. Hence this class extends RtClass rather than stacking beside it.
//
// The rules, numbered as in linux-irmos.md §5 (POSIX 2.8.4 SCHED_SPORADIC, paraphrased):
// 1. Capacity starts at sched_ss_init_budget C. The thread runs at sched_priority while its capacity
//    is > 0 and at sched_ss_low_priority otherwise; exhaustion demotes, it never suspends.
// 2. activation_time is posted each time the thread joins the tail of its sched_priority list: when
//    it wakes with capacity > 0, or when a replenishment lifts it from the low priority. Pre-emption
//    starts no new activation.
// 3. Time run at sched_priority is subtracted from the capacity, floored at 0 (pre-emption: only this).
// 4. Blocking at sched_priority schedules a replenishment; 5. so does exhaustion, which also moves
//    the thread to the tail of its sched_ss_low_priority list.
// 6. replenish_amount = time consumed since activation_time, due at activation_time +
//    sched_ss_repl_period T; a time already past is applied at once. At most sched_ss_max_repl are
//    pending: the one that fills the last slot also takes the remaining capacity, which drops to 0
//    (forced to background until a replenishment arrives; §5 rule 6, as the IRMOS patch folds them).
//    So capacity + Σ pending = C always: the budget is neither lost nor amplified.
// 7. A replenishment adds its amount, capped at C; a runnable thread at the low priority goes back to
//    the tail of its sched_priority list (rule 2: a new activation).
// Time at sched_ss_low_priority is background execution: not charged, never replenished.
//
// Known worst case (Stanovich, Baker, Wang, González Harbour, "Defects of the POSIX Sporadic Server
// and How to Correct Them", RTAS 2010, DOI 10.1109/RTAS.2010.34; linux-irmos.md §5, §8 item 6):
// "premature replenishment". Rule 2 posts activation_time when the thread is queued, not when it
// starts to run. If higher-priority work delays its start by d, its chunk is due at activation + T,
// d too early: the window of length T from its start holds C + min(C, d) (at most T). With
// d ≥ T − C the chunk is due by the exhaustion instant, is applied at once (rule 6) and the thread
// runs on: 2C in one window. test/kvm-sporadic.test.ts asserts this documented behaviour.
// `rules: corrected` (default `posix`) applies that paper's corrected bookkeeping instead
// (sporadic-corrected.ts, rules C1–C5): activation when the thread starts to run at sched_priority,
// a chunk per run segment due T after that segment started, replenishments merged when due and when
// sched_ss_max_repl is reached, Σ chunks = C: then no window of length T holds more than C.
// Without higher-priority interference (and exact enforcement, so no overrun: the other defect,
// "budget amplification", needs overruns past the capacity) the sliding-window bound C per T holds.
//
// Modelling choices [M]:
// - Enforcement is exact: a per-thread timer fires at the instant the capacity reaches 0 (POSIX
//   allows an overrun of one execution-time clock resolution; none is modelled).
// - A zero replenish_amount (blocked before running) schedules nothing and takes no slot.
// - SS_REPL_MAX = 64 (POSIX requires at least _POSIX_SS_REPL_MAX = 4); scenarios default to 4.

import type { Ns } from '../../src/scenario/types.js';
import { EventPhase, type Timer } from '../../src/engine/event-queue.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext, SchedClass } from '../../src/engine/policy.js';
import { RtClass, type RtAdmitConfig, type RtClassOptions } from './rt.js';
import { rtSlot, type RtSlot } from './rt-queue.js';
import { CorrectedBudget } from './sporadic-corrected.js';

/** Which replenishment rules a SCHED_SPORADIC thread follows: the standard's, or RTAS 2010's corrections. */
export type SporadicRules = 'posix' | 'corrected';

/** The implementation's SS_REPL_MAX: the largest sched_ss_max_repl accepted. */
export const SS_REPL_MAX = 64;
/** _POSIX_SS_REPL_MAX: the least SS_REPL_MAX any POSIX system supports; the scenario default. */
export const POSIX_SS_REPL_MAX = 4;

/** struct sched_param for SCHED_SPORADIC. */
export interface SporadicAdmitConfig {
  /** sched_priority, 1..99: the priority while the thread has capacity. */
  priority: number;
  /** sched_ss_low_priority, 1..priority−1: the background priority once the capacity is exhausted. */
  lowPriority: number;
  /** sched_ss_init_budget C (ns). */
  budgetNs: Ns;
  /** sched_ss_repl_period T (ns), ≥ C. */
  periodNs: Ns;
  /** sched_ss_max_repl, 1..SS_REPL_MAX. */
  maxRepl: number;
  /** RT cgroup id; undefined = the root group. */
  group?: string;
  /** 'posix' (default): XSH 2.8.4 as written; 'corrected': Stanovich et al., RTAS 2010 (sporadic-corrected.ts). */
  rules?: SporadicRules;
}

interface Replenishment {
  at: Ns;
  amount: Ns;
}

/** Per-thread sporadic-server state, kept beside the RT slot. */
interface SporadicState {
  readonly high: number;
  readonly low: number;
  readonly budget: Ns;
  readonly period: Ns;
  readonly maxRepl: number;
  capacity: Ns;
  /** Rule 2's activation_time; meaningful while atHigh. */
  activation: Ns;
  /** Time run at sched_priority since activation (rule 6's replenish_amount). */
  consumed: Ns;
  atHigh: boolean;
  /** Pending replenishments, in due order (activation times only grow). */
  readonly pending: Replenishment[];
  readonly replenishTimer: Timer;
  readonly exhaustTimer: Timer;
  /** `rules: corrected`: the chunk queue (null under the POSIX rules). */
  readonly corrected: CorrectedBudget | null;
  /** `rules: corrected`: start of the current run segment at sched_priority (C2), or −1. */
  segmentStart: Ns;
}

interface SporadicSlot extends RtSlot {
  ss: SporadicState;
}

function sporadicOf(e: HostEntity): SporadicState | undefined {
  return (e.slot as Partial<SporadicSlot>).ss;
}

function isSporadic(cfg: RtAdmitConfig | SporadicAdmitConfig): cfg is SporadicAdmitConfig {
  return 'budgetNs' in cfg;
}

/** The RT class with SCHED_SPORADIC threads among its SCHED_FIFO/RR ones. */
export class SporadicRtClass extends RtClass implements SchedClass<RtAdmitConfig | SporadicAdmitConfig> {
  private sporadicThreads = 0;
  private exhaustions = 0;
  private replenishments = 0;
  /** Replenishments due in the past when scheduled (rule 6), applied at once: the premature case. */
  private immediateReplenishments = 0;
  private maxReplMerges = 0;

  constructor(ctx: PolicyContext, opts: RtClassOptions) {
    super(ctx, opts);
  }

  override admit(e: HostEntity, cfg: RtAdmitConfig | SporadicAdmitConfig): void {
    if (!isSporadic(cfg)) return super.admit(e, cfg);
    checkSporadicParams(e.id, cfg);
    super.admit(e, { priority: cfg.priority, rr: false, group: cfg.group });
    const ss: SporadicState = {
      high: cfg.priority,
      low: cfg.lowPriority,
      budget: cfg.budgetNs,
      period: cfg.periodNs,
      maxRepl: cfg.maxRepl,
      capacity: cfg.budgetNs,
      activation: 0,
      consumed: 0,
      atHigh: true,
      pending: [],
      replenishTimer: this.ctx.timer(EventPhase.budget, () => this.onReplenish(e)),
      exhaustTimer: this.ctx.timer(EventPhase.budget, () => this.onExhaustTimer(e)),
      corrected: cfg.rules === 'corrected' ? new CorrectedBudget(cfg.budgetNs, cfg.periodNs, cfg.maxRepl, this.ctx.now) : null,
      segmentStart: -1,
    };
    (e.slot as SporadicSlot).ss = ss;
    this.sporadicThreads++;
  }

  /** Rule 1 and 2: a waking thread joins the tail of sched_priority if it has capacity, else of the low priority. */
  override enqueue(e: HostEntity): void {
    const ss = sporadicOf(e);
    if (ss?.corrected) {
      ss.capacity = ss.corrected.mergeDue(this.ctx.now); // C1
      this.armNextDue(ss);
    }
    if (ss !== undefined) this.setLevel(e, ss, ss.capacity > 0);
    super.enqueue(e);
  }

  /** Rule 4: blocking at sched_priority schedules the replenishment of what this activation used. */
  override dequeue(e: HostEntity): void {
    const ss = sporadicOf(e);
    // Corrected rules: the running segment was closed when the thread left its CPU (stopped, C3).
    if (ss !== undefined && ss.atHigh && ss.corrected === null) this.scheduleReplenishment(e, ss);
    super.dequeue(e);
  }

  /** Rule 3: time at sched_priority comes off the capacity; at 0, rule 5. */
  override charge(e: HostEntity, cpu: number, deltaNs: Ns): void {
    super.charge(e, cpu, deltaNs);
    const ss = sporadicOf(e);
    if (ss === undefined || !ss.atHigh) return;
    if (ss.corrected !== null && ss.segmentStart < 0) return; // queued at sched_priority, not running
    ss.consumed += deltaNs;
    ss.capacity = Math.max(0, ss.capacity - deltaNs);
    if (ss.capacity === 0) this.exhaust(e, ss, cpu);
  }

  override started(e: HostEntity, cpu: number): void {
    super.started(e, cpu);
    const ss = sporadicOf(e);
    if (ss === undefined || !ss.atHigh) return;
    if (ss.corrected !== null) this.openSegment(ss); // C2: the activation is when it runs
    ss.exhaustTimer.arm(this.ctx.now + ss.capacity);
  }

  override stopped(e: HostEntity, cpu: number): void {
    const ss = sporadicOf(e);
    ss?.exhaustTimer.cancel();
    if (ss?.corrected && ss.segmentStart >= 0) {
      this.closeSegment(ss); // C3 at pre-emption and blocking
      if (ss.capacity === 0) this.demote(e, ss); // C4 merged its remnant away
    }
    super.stopped(e, cpu);
  }

  override stats(): Record<string, number> {
    const out = super.stats();
    if (this.sporadicThreads === 0) return out;
    out.sporadicExhaustions = this.exhaustions;
    out.sporadicReplenishments = this.replenishments;
    out.sporadicImmediateReplenishments = this.immediateReplenishments;
    out.sporadicMaxReplMerges = this.maxReplMerges;
    return out;
  }

  // ---- the sporadic-server rules ------------------------------------------------------------

  /** Rule 5: capacity exhausted while running at sched_priority. */
  private exhaust(e: HostEntity, ss: SporadicState, cpu: number): void {
    this.exhaustions++;
    this.ctx.note('sporadic exhausted', cpu, e);
    ss.exhaustTimer.cancel();
    if (ss.corrected !== null) {
      this.closeSegment(ss); // C3: the whole head comes back T after the segment began
      ss.capacity = ss.corrected.mergeDue(this.ctx.now); // C1: a chunk due at this very instant
      this.armNextDue(ss);
      if (ss.capacity > 0) {
        this.openSegment(ss);
        ss.exhaustTimer.arm(this.ctx.now + ss.capacity);
        return;
      }
    }
    this.setLevel(e, ss, false);
    this.ctx.resched(cpu);
    if (ss.corrected === null) this.scheduleReplenishment(e, ss);
  }

  /** Rule 6 (and the sched_ss_max_repl limit). Called while the thread is at sched_priority; leaves it at the low one unless applied at once. */
  private scheduleReplenishment(e: HostEntity, ss: SporadicState): void {
    let amount = ss.consumed;
    ss.consumed = 0;
    if (amount <= 0) return;
    if (ss.pending.length + 1 >= ss.maxRepl && ss.capacity > 0) {
      // The last free slot: fold the remaining capacity into this chunk (§5 rule 6), forcing the
      // thread to background until a replenishment arrives, so no later chunk needs a slot.
      amount += ss.capacity;
      ss.capacity = 0;
      this.maxReplMerges++;
      if (ss.atHigh) this.demote(e, ss);
    }
    const at = ss.activation + ss.period;
    if (at <= this.ctx.now) {
      // Rule 6: "If the scheduled time obtained is before the current time, the replenishment
      // operation is carried out immediately" — RTAS 2010's premature replenishment.
      this.immediateReplenishments++;
      this.replenish(e, ss, amount);
      return;
    }
    ss.pending.push({ at, amount });
    if (!ss.replenishTimer.armed) ss.replenishTimer.arm(at);
  }

  private onReplenish(e: HostEntity): void {
    const ss = sporadicOf(e)!;
    const now = this.ctx.now;
    // Bring the running thread's capacity to now before it grows.
    if (e.runningOn >= 0) this.ctx.settle(e.runningOn);
    if (ss.corrected !== null) return this.onCorrectedDue(e, ss);
    let amount = 0;
    while (ss.pending.length > 0 && ss.pending[0].at <= now) amount += ss.pending.shift()!.amount;
    if (ss.pending.length > 0) ss.replenishTimer.arm(ss.pending[0].at);
    if (amount > 0) this.replenish(e, ss, amount);
  }

  /** Rule 7: add the amount (capped at C); a runnable thread at the low priority returns to sched_priority. */
  private replenish(e: HostEntity, ss: SporadicState, amount: Ns): void {
    this.replenishments++;
    ss.capacity = Math.min(ss.budget, ss.capacity + amount);
    if (ss.capacity <= 0) return;
    const cpu = e.cpu;
    if (!ss.atHigh) {
      if (!e.runnable || cpu < 0) return; // it wakes at sched_priority (rule 2)
      this.ctx.note('sporadic replenished', cpu, e);
      this.setLevel(e, ss, true);
      this.rq.toTail(rtSlot(e));
      this.ctx.resched(cpu);
      if (e.runningOn === cpu) ss.exhaustTimer.arm(this.ctx.now + ss.capacity);
      this.pushFrom(cpu);
    } else if (e.runningOn >= 0) {
      // Still at sched_priority, running: no new activation (rule 2); the exhaustion instant moves.
      ss.exhaustTimer.arm(this.ctx.now + ss.capacity);
    }
  }

  /** Exhaustion or the max_repl fold while at sched_priority: to the tail of the low priority. */
  private demote(e: HostEntity, ss: SporadicState): void {
    this.setLevel(e, ss, false);
    if (e.cpu >= 0) this.ctx.resched(e.cpu);
  }

  /** Set the thread's current priority; joining sched_priority posts a new activation_time (rule 2). */
  private setLevel(e: HostEntity, ss: SporadicState, high: boolean): void {
    const s = rtSlot(e);
    if (high) {
      ss.activation = this.ctx.now;
      ss.consumed = 0;
    }
    ss.atHigh = high;
    s.prio = high ? ss.high : ss.low;
    this.rq.toTail(s);
  }

  // ---- rules: corrected (sporadic-corrected.ts) ---------------------------------------------

  private openSegment(ss: SporadicState): void {
    ss.segmentStart = this.ctx.now;
    ss.consumed = 0;
  }

  /** C3: the segment's time becomes a chunk due at its start + T; the capacity is what the head has left. */
  private closeSegment(ss: SporadicState): void {
    const budget = ss.corrected!;
    const now = this.ctx.now;
    const merges = budget.merges;
    budget.split(ss.segmentStart, ss.consumed, now);
    this.maxReplMerges += budget.merges - merges;
    ss.segmentStart = -1;
    ss.consumed = 0;
    ss.capacity = budget.available(now);
    this.armNextDue(ss);
  }

  /** A chunk fell due: end the running segment (C5), merge what is due (C1), and return to sched_priority if it has capacity again. */
  private onCorrectedDue(e: HostEntity, ss: SporadicState): void {
    const running = e.runningOn >= 0 && ss.atHigh && ss.segmentStart >= 0;
    if (running) this.closeSegment(ss);
    const before = ss.capacity;
    ss.capacity = ss.corrected!.mergeDue(this.ctx.now);
    this.armNextDue(ss);
    if (ss.capacity > before) this.replenishments++;
    if (running) {
      this.openSegment(ss);
      ss.exhaustTimer.arm(this.ctx.now + ss.capacity);
      return;
    }
    if (ss.atHigh || ss.capacity <= 0 || !e.runnable || e.cpu < 0) return;
    const cpu = e.cpu;
    this.ctx.note('sporadic replenished', cpu, e);
    this.setLevel(e, ss, true);
    this.ctx.resched(cpu);
    if (e.runningOn === cpu) {
      // Running in background at this instant: it now runs at sched_priority (C2).
      this.openSegment(ss);
      ss.exhaustTimer.arm(this.ctx.now + ss.capacity);
    }
    this.pushFrom(cpu);
  }

  private armNextDue(ss: SporadicState): void {
    const at = ss.corrected!.nextDue(this.ctx.now);
    if (at === Infinity) ss.replenishTimer.cancel();
    else ss.replenishTimer.arm(at);
  }

  private onExhaustTimer(e: HostEntity): void {
    if (e.runningOn >= 0) this.ctx.settle(e.runningOn); // charge() applies rule 5 at capacity 0
  }
}

/** sched_setparam refuses these with EINVAL (POSIX 2.8.4; sched_ss_repl_period ≥ sched_ss_init_budget). */
function checkSporadicParams(id: string, cfg: SporadicAdmitConfig): void {
  const bad = (what: string) => {
    throw new Error(`sporadic: ${id}: ${what}`);
  };
  if (!Number.isInteger(cfg.priority) || cfg.priority < 2 || cfg.priority > 99) bad(`priority must be an integer 2..99, got ${cfg.priority}`);
  if (!Number.isInteger(cfg.lowPriority) || cfg.lowPriority < 1 || cfg.lowPriority >= cfg.priority) bad(`lowPriority must be an integer 1..priority−1, got ${cfg.lowPriority}`);
  if (!(cfg.budgetNs > 0) || !Number.isInteger(cfg.budgetNs)) bad(`budget must be a positive integer of ns, got ${cfg.budgetNs}`);
  if (!(cfg.periodNs >= cfg.budgetNs) || !Number.isInteger(cfg.periodNs)) bad(`period must be ≥ the budget, got ${cfg.periodNs}`);
  if (!Number.isInteger(cfg.maxRepl) || cfg.maxRepl < 1 || cfg.maxRepl > SS_REPL_MAX) bad(`maxRepl must be an integer 1..${SS_REPL_MAX}, got ${cfg.maxRepl}`);
}
