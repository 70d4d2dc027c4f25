// The pending-event set: an indexed 4-ary min-heap of armed timers keyed by (time, phase, arm
// sequence). Each Timer is in the heap at most once and knows its slot, so re-arming moves it in
// place and cancelling removes it (O(log n)): the heap holds exactly the armed timers, never a
// dead entry (issue 14: the lazy-deletion binary heap it replaces spent 13 % of the EDF set's CPU
// time sifting four parallel arrays and dropping stale tops). Four children per node halve the
// depth; the node's children share a cache line of the array. A firing timer leaves the heap only
// after its callback, so a timer that re-arms itself there (releases, ticks) costs one sift.
//
// Same-instant order is decided here, once: lower `phase` first, then the order in which the timers
// were (last) armed. The phases are listed in EventPhase; the simulator's reschedule pass runs after
// every event of an instant.
//
// A timer may also be *held*: armed, with its time and same-instant key, but out of the heap, so it
// does not fire by itself. Its owner makes it fire when its effect is needed — at once if it would
// have fired by then (fireIfDue), or back in the heap with its old key (place) — and the run's end
// fires those still due (fireHeld). For a timer whose callback only changes its owner's private
// state, which the owner brings up to date before anyone reads it, that is the same run with fewer
// heap operations (issue 14: a throttled SCHED_DEADLINE server without work, models/kvm/cbs.ts).

import type { Ns } from './system.js';
import { objectArray } from './object-array.js';
import { widenNumberFields } from './wide-numbers.js';

/** Order of events that fall on the same nanosecond. */
export const EventPhase = {
  /** A job finishes its demand: seen before anything else so a finished job is never charged more. */
  completion: 0,
  /** Budget exhaustion, replenishment, throttling period timers. */
  budget: 1,
  /** Job releases. Released after replenishments so a release at a period boundary sees fresh budget. */
  release: 2,
  /** Scheduler ticks and guest ticks. */
  tick: 3,
  /** Bookkeeping (warm-up snapshot, end of run). */
  control: 4,
} as const;
export type EventPhase = (typeof EventPhase)[keyof typeof EventPhase];

/** 2^40 arm sequence numbers per run before same-instant ties could mis-order: far beyond any run. */
const PHASE_STRIDE = 1099511627776;

/**
 * No timer armed: Infinity read from a module constant. The global `Infinity` merged with a time
 * read from the heap's Float64Array made V8 keep the merged value tagged, a fresh heap number per
 * advance() — the largest allocation of the 64-pCPU run, 42 B per job (issue 14).
 */
const NEVER = Infinity;

/** A re-armable one-shot timer. The callback receives the firing time. */
export class Timer {
  /** Absolute expiry while armed, -1 otherwise (also while its own callback runs, until re-armed). */
  expiry: Ns = -1;
  /** The time it sits at in the queue's heap (= expiry while armed; the firing time while it fires). */
  heapTime: Ns = -1;
  /** phase × 2^40 + the queue's arm sequence: the same-instant order, one comparison. */
  key = 0;
  /** Slot in the queue's heap while in it (≥ 0), or in its near tier (−2 − index), -1 otherwise. */
  slot = -1;
  /**
   * The time arm() or armSoon() was given, handed on to the queue in this double field: arm() is
   * inlined into its callers and the queue's schedule() is not, so a time passed as schedule()'s
   * argument was a fresh heap number per arm (issue 14: 4.7 arms per job of the EDF set, ~56 B).
   */
  armAt: Ns = -1;
  /**
   * The callback declares no parameter (it reads its time, if at all, from `heapTime`): it is called
   * without one, so no heap number is made for the time at its firing.
   */
  readonly timeless: boolean;
  /** The queue's lane the timer belongs to (EventQueue.useLane), fixed at its first arm; -1 before. */
  lane = -1;
  /** Index in the queue's held timers while held (hold, armSoon), -1 otherwise. */
  held = -1;
  /** Held by armSoon and not yet kept held (hold): it enters the heap at the queue's next instant. */
  entering = false;
  /**
   * What the callback works on, for a callback that is one module-level function in every run
   * (`this` is the timer when it fires): a closure made per run is a new call target for the
   * queue's firing call site each run, which deoptimised it at a second run's first firing
   * (issue 14, "wrong call target"). Set once after creation.
   */
  owner: unknown = undefined;

  constructor(
    private readonly queue: EventQueue,
    readonly phase: EventPhase,
    readonly fire: (this: Timer, now: Ns) => void,
    /** Armed and cancelled at most instants and always due soon (EventQueue.timer's `near`). */
    readonly near = false,
  ) {
    this.timeless = fire.length === 0;
    widenNumberFields(this, ['expiry', 'heapTime', 'key', 'armAt']);
  }

  get armed(): boolean {
    return this.expiry >= 0;
  }

  /** Arm (or re-arm) for absolute time `at`. */
  arm(at: Ns): void {
    this.armAt = at;
    this.queue.schedule(this);
  }

  cancel(): void {
    if (this.slot !== -1) this.queue.remove(this);
    else if (this.held >= 0) this.queue.cancelHeld(this);
  }

  /**
   * Arm for `at` (≥ the current instant) as arm() does — same key, so the same order among the
   * instant's events — but enter the heap only before the queue looks for its next event: until
   * then hold() keeps it out at no cost.
   */
  armSoon(at: Ns): void {
    this.armAt = at;
    this.queue.scheduleHeld(this);
  }

  /** An armed timer stops firing by itself and keeps its time and key (fireIfDue, place, EventQueue.fireHeld). */
  hold(): void {
    this.queue.hold(this);
  }

  /** A held timer goes back into the queue with its time and key: it fires by itself, where it would have. */
  place(): void {
    if (this.held >= 0) this.queue.place(this);
  }

  /** A held timer that would have fired by now (the event being handled included) fires at once, with its time; returns whether it did. */
  fireIfDue(): boolean {
    return this.held >= 0 && this.queue.fireIfDue(this);
  }
}

/**
 * Armed near timers kept outside the heap, at most: each firing or arming there is O(1) plus a scan
 * of this many, where the heap sifts through its levels. Beyond it, near timers go to the heap.
 */
const NEAR_LIMIT = 8;

export class EventQueue {
  // The heap in struct-of-arrays form: slot i holds timer timers[i], due at times[i], with
  // same-instant key keys[i]; the children of slot i are 4i + 1 … 4i + 4. Comparisons read only
  // the two typed arrays (no pointer chase into the timers), and every move updates the timer's slot.
  // The element being placed is read from its timer's heapTime and key fields, never passed as a
  // number argument: a double crossing a call boundary is a fresh heap number (issue 14: 32 bytes
  // of garbage per sift).
  private times: Float64Array;
  private keys: Float64Array;
  private timers: Timer[] = objectArray(); // born holding objects (object-array.ts): no deopt at a new queue's first arm
  private size = 0;
  private sequence = 0;
  /**
   * The near tier: armed timers made `near` (a pCPU's job completion, a running entity's budget
   * enforcement), which are armed and cancelled or fired at most instants and due soon — in the heap
   * each cost a sift up to near its root and one down again (issue 14: two of the EDF set's three
   * heap operations per job). Unordered; `nearBest` is the earliest, by the same (time, key) order.
   */
  private nearTimers: Timer[] = objectArray<Timer>();
  private nearBest = -1;
  /**
   * The timer whose callback runs now: it stays in the heap (at its firing time) until the callback
   * returns, so a callback that re-arms its own timer (a periodic release, a tick) moves it down in
   * place — one sift instead of a removal and an insertion. Only the run loop's peekTime could see
   * it there, and that is never called from inside a callback.
   */
  private firing: Timer | null = null;
  /** The instant advance() found (the run loop's current time). */
  instant: Ns = 0;
  /** The lane whose heap and near tier the fields above hold (useLane). */
  private lane = 0;
  /** The other lanes' heaps and near tiers while they are not the current one, by lane. */
  private readonly parked: ParkedLane[] = [];
  /** Held timers (Timer.hold, armSoon), of every lane, unordered. */
  private heldTimers: Timer[] = objectArray<Timer>();
  /** Of those, the ones armSoon left to enter the heap at the next instant. */
  private entering = 0;
  /** The key of the event being fired, +Infinity between instants (the reschedule pass): which held timers are due (fireIfDue). */
  private firingKey = Infinity;
  /** Held timers fired (fireIfDue, fireHeld) since takeHeldFirings: each an event the run handled. */
  private heldFirings = 0;

  constructor(initialCapacity = 64) {
    this.times = new Float64Array(Math.max(4, initialCapacity));
    this.keys = new Float64Array(Math.max(4, initialCapacity));
    widenNumberFields(this as unknown as { instant: Ns; firingKey: Ns }, ['instant', 'firingKey']);
  }

  /** A timer; `near`: armed and cancelled at most instants and always due soon (kept outside the heap while few are). */
  timer(phase: EventPhase, fire: (this: Timer, now: Ns) => void, near = false): Timer {
    return new Timer(this, phase, fire, near);
  }

  /** Armed timers, in every lane. */
  get length(): number {
    let n = this.size + this.nearTimers.length + this.heldTimers.length - (this.firing === null ? 0 : 1);
    for (let lane = 0; lane < this.parked.length; lane++) {
      const p = this.parked[lane];
      if (lane !== this.lane && p !== undefined) n += p.size + p.nearTimers.length;
    }
    return n;
  }

  /**
   * Make `lane` the current one: advance and fireNext see only its timers from now on. A timer
   * joins the lane that is current when it is first armed and stays in it; arming or cancelling it
   * while another lane is current is an error. The simulator runs the islands of CPUs that nothing
   * ties together one after another, each in a lane of its own (cpu-islands.ts): a lane's heap holds
   * that island's few timers (issue 14, scale). Called between events, never from a callback.
   */
  useLane(lane: number): void {
    if (lane === this.lane) return;
    this.parked[this.lane] = { times: this.times, keys: this.keys, timers: this.timers, size: this.size, nearTimers: this.nearTimers, nearBest: this.nearBest };
    const next = this.parked[lane] ?? { times: new Float64Array(64), keys: new Float64Array(64), timers: objectArray<Timer>(), size: 0, nearTimers: objectArray<Timer>(), nearBest: -1 };
    this.times = next.times;
    this.keys = next.keys;
    this.timers = next.timers;
    this.size = next.size;
    this.nearTimers = next.nearTimers;
    this.nearBest = next.nearBest;
    this.lane = lane;
    this.instant = 0; // each lane runs from time 0 (its held timers are due by its own instants)
    this.firingKey = Infinity;
  }

  /** Put a timer armed for the first time in the current lane; one of another lane is an error. */
  private joinLane(t: Timer): void {
    if (t.lane >= 0) throw new Error(`a timer of lane ${t.lane} was armed or cancelled while lane ${this.lane} runs: the lanes are not independent`);
    t.lane = this.lane;
  }

  /** Arm `t` for its armAt (Timer.arm): a fresh sequence number, then moved to its place. */
  schedule(t: Timer): void {
    if (t.lane !== this.lane) this.joinLane(t);
    if (t === this.firing) this.firing = null; // re-armed from its own callback: it stays in the heap
    if (t.held >= 0) this.dropHeld(t);
    const at = t.armAt;
    t.key = t.phase * PHASE_STRIDE + this.sequence++;
    t.expiry = at;
    const slot = t.slot;
    if (slot < -1) {
      t.heapTime = at;
      this.nearMoved(-2 - slot);
    } else if (slot === -1) {
      t.heapTime = at;
      this.insert(t);
    } else if (at >= t.heapTime) {
      // Not earlier: the fresh key is larger than the old one, so the timer can only move down.
      t.heapTime = at;
      this.siftDown(slot, t);
    } else {
      t.heapTime = at;
      this.siftUp(slot, t);
    }
  }

  /** Put `t`, in no tier, at its heapTime and key: the near tier if it is near and there is room, else the heap. */
  private insert(t: Timer): void {
    if (t.near && this.nearTimers.length < NEAR_LIMIT) {
      this.nearAdd(t);
      return;
    }
    if (this.size === this.times.length) this.grow();
    this.timers.push(t);
    this.siftUp(this.size++, t);
  }

  // ---- held timers ------------------------------------------------------------------------

  /** Timer.armSoon: a fresh key as schedule() gives, held until the next instant unless hold() keeps it held. */
  scheduleHeld(t: Timer): void {
    if (t.lane !== this.lane) this.joinLane(t);
    if (t.slot !== -1 || t === this.firing) this.remove(t);
    const at = t.armAt;
    t.key = t.phase * PHASE_STRIDE + this.sequence++;
    t.expiry = at;
    t.heapTime = at;
    if (t.held < 0) this.addHeld(t);
    if (!t.entering) {
      t.entering = true;
      this.entering++;
    }
  }

  /** Timer.hold: out of the heap or near tier (or kept from entering them), time and key kept. */
  hold(t: Timer): void {
    if (t.held >= 0) {
      if (t.entering) {
        t.entering = false;
        this.entering--;
      }
      return;
    }
    if (t.expiry < 0) return; // not armed (or firing): nothing to hold
    if (t.lane !== this.lane) this.joinLane(t);
    const at = t.expiry;
    this.remove(t);
    t.expiry = at;
    this.addHeld(t);
  }

  /** Timer.place: a held timer back into the queue, at its time with its key. */
  place(t: Timer): void {
    if (t.lane !== this.lane) this.joinLane(t);
    this.dropHeld(t);
    this.insert(t);
  }

  /** Timer.fireIfDue: fire a held timer if (time, key) comes before the event being fired (or the instant is over). */
  fireIfDue(t: Timer): boolean {
    const at = t.heapTime;
    if (at > this.instant || (at === this.instant && t.key > this.firingKey)) return false;
    this.fireHeldTimer(t);
    return true;
  }

  /**
   * The end of a lane's run to `end`: its held timers due by then fire, in (time, key) order, as
   * they would have in the run. The caller counts them with takeHeldFirings().
   */
  fireHeld(end: Ns): void {
    const due = this.heldTimers.filter((t) => t.lane === this.lane && t.heapTime <= end).sort((a, b) => a.heapTime - b.heapTime || a.key - b.key);
    for (const t of due) if (t.held >= 0) this.fireHeldTimer(t);
  }

  /** Held timers fired since the last call: events the run handled outside the heap. */
  takeHeldFirings(): number {
    const n = this.heldFirings;
    this.heldFirings = 0;
    return n;
  }

  /** Take `t` off the held list (a re-arm, place), its time kept. */
  dropHeld(t: Timer): void {
    const list = this.heldTimers;
    const last = list.pop()!;
    if (last !== t) {
      list[t.held] = last;
      last.held = t.held;
    }
    t.held = -1;
    if (t.entering) {
      t.entering = false;
      this.entering--;
    }
  }

  /** Timer.cancel of a held timer. */
  cancelHeld(t: Timer): void {
    this.dropHeld(t);
    t.expiry = -1;
  }

  private addHeld(t: Timer): void {
    t.held = this.heldTimers.length;
    this.heldTimers.push(t);
  }

  private fireHeldTimer(t: Timer): void {
    this.dropHeld(t);
    t.expiry = -1;
    this.heldFirings++;
    fire(t);
  }

  /** The timers armSoon left entering go into the heap (before the queue looks for its next event). */
  private enterHeld(): void {
    const list = this.heldTimers;
    for (let i = list.length - 1; i >= 0 && this.entering > 0; i--) {
      const t = list[i];
      if (t.entering) this.place(t);
    }
  }

  /** Take `t`, which is in the queue, out of it (Timer.cancel; the end of a callback that did not re-arm). */
  remove(t: Timer): void {
    if (t.lane !== this.lane) this.joinLane(t);
    if (t === this.firing) this.firing = null;
    const slot = t.slot;
    t.slot = -1;
    t.expiry = -1;
    if (slot < -1) return this.nearRemove(-2 - slot);
    const last = --this.size;
    const lastTimer = this.timers.pop()!;
    if (slot === last) return;
    if (slot > 0) {
      const parent = (slot - 1) >> 2;
      const at = lastTimer.heapTime;
      const pt = this.times[parent];
      if (at < pt || (at === pt && lastTimer.key < this.keys[parent])) {
        this.siftUp(slot, lastTimer);
        return;
      }
    }
    this.siftDown(slot, lastTimer);
  }

  /** Time of the earliest armed timer, or Infinity. */
  peekTime(): Ns {
    if (this.entering > 0) this.enterHeld();
    const heap = this.size > 0 ? this.times[0] : NEVER;
    if (this.nearBest < 0) return heap;
    const near = this.nearTimers[this.nearBest].heapTime;
    return near < heap ? near : heap;
  }

  /**
   * Whether the earliest armed timer is due at or before `end`; if so, `instant` is its time. (The
   * run loop's form of peekTime: a boolean and a double field, so no heap number per call.)
   */
  advance(end: Ns): boolean {
    if (this.entering > 0) this.enterHeld();
    let at = this.size > 0 ? this.times[0] : NEVER;
    if (this.nearBest >= 0) {
      const near = this.nearTimers[this.nearBest].heapTime;
      if (near < at) at = near;
    }
    if (at > end) return false;
    this.instant = at;
    return true;
  }

  /** Whether another timer is due at `instant` (after advance()). */
  moreAtInstant(): boolean {
    if (this.entering > 0) this.enterHeld();
    if (this.size > 0 && this.times[0] === this.instant) return true;
    if (this.nearBest >= 0 && this.nearTimers[this.nearBest].heapTime === this.instant) return true;
    this.firingKey = Infinity; // the instant's events are over: its held timers are all due
    return false;
  }

  /** Fire the earliest armed timer; the caller has checked peekTime(). It leaves the queue unless its callback re-armed it. */
  fireNext(): void {
    if (this.nearBest >= 0) {
      const n = this.nearTimers[this.nearBest];
      if (this.size === 0 || n.heapTime < this.times[0] || (n.heapTime === this.times[0] && n.key < this.keys[0])) {
        // Out of the near tier before its callback, which may arm it again (O(1) either way).
        this.remove(n);
        this.instant = n.heapTime;
        this.firingKey = n.key;
        fire(n);
        return;
      }
    }
    const t = this.timers[0];
    this.firing = t;
    this.instant = t.heapTime;
    this.firingKey = t.key;
    t.expiry = -1;
    fire(t);
    if (this.firing === t) this.remove(t);
  }

  // ---- near tier --------------------------------------------------------------------------

  private nearAdd(t: Timer): void {
    const i = this.nearTimers.length;
    this.nearTimers.push(t);
    t.slot = -2 - i;
    if (this.nearBest < 0 || nearBefore(t, this.nearTimers[this.nearBest])) this.nearBest = i;
  }

  /** The near timer at `i` was re-armed (a fresh key, maybe another time). */
  private nearMoved(i: number): void {
    if (i === this.nearBest) this.nearRescan();
    else if (nearBefore(this.nearTimers[i], this.nearTimers[this.nearBest])) this.nearBest = i;
  }

  private nearRemove(i: number): void {
    const list = this.nearTimers;
    const last = list.pop()!;
    if (i < list.length) {
      list[i] = last;
      last.slot = -2 - i;
    }
    this.nearRescan();
  }

  private nearRescan(): void {
    const list = this.nearTimers;
    let best = list.length > 0 ? 0 : -1;
    for (let i = 1; i < list.length; i++) if (nearBefore(list[i], list[best])) best = i;
    this.nearBest = best;
  }

  /** Place `t` (at its heapTime and key) at `slot` or above it. */
  private siftUp(slot: number, t: Timer): void {
    const { times, keys, timers } = this;
    const at = t.heapTime;
    const key = t.key;
    let i = slot;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent];
      if (pt < at || (pt === at && keys[parent] < key)) break;
      times[i] = pt;
      keys[i] = keys[parent];
      const pTimer = timers[parent];
      timers[i] = pTimer;
      pTimer.slot = i;
      i = parent;
    }
    times[i] = at;
    keys[i] = key;
    timers[i] = t;
    t.slot = i;
  }

  /** Place `t` (at its heapTime and key) at `slot` or below it. */
  private siftDown(slot: number, t: Timer): void {
    const { times, keys, timers } = this;
    const at = t.heapTime;
    const key = t.key;
    const n = this.size;
    let i = slot;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let best = first;
      let bt = times[first];
      const end = first + 4 < n ? first + 4 : n;
      for (let c = first + 1; c < end; c++) {
        const ct = times[c];
        if (ct < bt || (ct === bt && keys[c] < keys[best])) {
          best = c;
          bt = ct;
        }
      }
      if (at < bt || (at === bt && key < keys[best])) break;
      times[i] = bt;
      keys[i] = keys[best];
      const bTimer = timers[best];
      timers[i] = bTimer;
      bTimer.slot = i;
      i = best;
    }
    times[i] = at;
    keys[i] = key;
    timers[i] = t;
    t.slot = i;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    const keys = new Float64Array(this.keys.length * 2);
    times.set(this.times);
    keys.set(this.keys);
    this.times = times;
    this.keys = keys;
  }
}

/** A lane's queue state while another lane is current (EventQueue.useLane). */
interface ParkedLane {
  times: Float64Array;
  keys: Float64Array;
  timers: Timer[];
  size: number;
  nearTimers: Timer[];
  nearBest: number;
}

/** Whether `a` fires before `b` (time, then phase and arm order). */
function nearBefore(a: Timer, b: Timer): boolean {
  return a.heapTime < b.heapTime || (a.heapTime === b.heapTime && a.key < b.key);
}

/**
 * Run `t`'s callback with its time (its heapTime, kept while it fires): a callback that takes no
 * parameter is called without it, so the time is not boxed for a call that would not read it.
 */
function fire(t: Timer): void {
  if (t.timeless) t.fire(0);
  else t.fire(t.heapTime);
}
