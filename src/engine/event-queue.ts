// The pending-event set: an indexed 4-ary min-heap of armed timers keyed by (time, phase, arm
// sequence). Each Timer is in the heap at most once and knows its slot, so re-arming moves it in
// place and cancelling removes it (O(log n)): the heap holds exactly the armed timers, never a
// dead entry (issue 14: the lazy-deletion binary heap it replaces spent 13 % of the EDF set's CPU
// time sifting four parallel arrays and dropping stale tops). Four children per node halve the
// depth; the node's children share a cache line of the array.
//
// Same-instant order is decided here, once: lower `phase` first, then the order in which the timers
// were (last) armed. The phases are listed in EventPhase; the simulator's reschedule pass runs after
// every event of an instant.

import type { Ns } from './system.js';
import { objectArray } from './object-array.js';

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

/** A re-armable one-shot timer. The callback receives the firing time. */
export class Timer {
  /** Absolute expiry while armed, -1 otherwise. */
  expiry: Ns = -1;
  /** phase × 2^40 + the queue's arm sequence: the same-instant order, one comparison. */
  key = 0;
  /** Slot in the queue's heap while armed, -1 otherwise. */
  slot = -1;
  /** The queue's lane the timer belongs to (EventQueue.useLane), fixed at its first arm; -1 before. */
  lane = -1;

  constructor(
    private readonly queue: EventQueue,
    readonly phase: EventPhase,
    readonly fire: (now: Ns) => void,
  ) {}

  get armed(): boolean {
    return this.slot >= 0;
  }

  /** Arm (or re-arm) for absolute time `at`. */
  arm(at: Ns): void {
    this.queue.schedule(this, at);
  }

  cancel(): void {
    if (this.slot >= 0) this.queue.remove(this);
  }
}

export class EventQueue {
  // The heap in struct-of-arrays form: slot i holds timer timers[i], due at times[i], with
  // same-instant key keys[i]; the children of slot i are 4i + 1 … 4i + 4. Comparisons read only
  // the two typed arrays (no pointer chase into the timers), and every move updates the timer's slot.
  private times: Float64Array;
  private keys: Float64Array;
  private timers: Timer[] = objectArray(); // born holding objects (object-array.ts): no deopt at a new queue's first arm
  private size = 0;
  private sequence = 0;
  /** The lane whose heap the arrays above hold (useLane). */
  private lane = 0;
  /** The other lanes' heaps while they are not the current one, by lane. */
  private readonly parked: { times: Float64Array; keys: Float64Array; timers: Timer[]; size: number }[] = [];

  constructor(initialCapacity = 64) {
    this.times = new Float64Array(Math.max(4, initialCapacity));
    this.keys = new Float64Array(Math.max(4, initialCapacity));
  }

  timer(phase: EventPhase, fire: (now: Ns) => void): Timer {
    return new Timer(this, phase, fire);
  }

  /** Armed timers, in every lane. */
  get length(): number {
    let n = this.size;
    for (let lane = 0; lane < this.parked.length; lane++) if (lane !== this.lane) n += this.parked[lane]?.size ?? 0;
    return n;
  }

  /**
   * Make `lane` the current one: peekTime and fireNext see only its timers from now on. A timer
   * joins the lane that is current when it is first armed and stays in it; arming or cancelling it
   * while another lane is current is an error. The simulator runs the islands of CPUs that nothing
   * ties together one after another, each in a lane of its own (cpu-islands.ts): a lane's heap holds
   * that island's few timers (issue 14, scale).
   */
  useLane(lane: number): void {
    if (lane === this.lane) return;
    this.parked[this.lane] = { times: this.times, keys: this.keys, timers: this.timers, size: this.size };
    const next = this.parked[lane] ?? { times: new Float64Array(64), keys: new Float64Array(64), timers: [], size: 0 };
    this.times = next.times;
    this.keys = next.keys;
    this.timers = next.timers;
    this.size = next.size;
    this.lane = lane;
  }

  /** Put a timer armed for the first time in the current lane; one of another lane is an error. */
  private joinLane(t: Timer): void {
    if (t.lane >= 0) throw new Error(`a timer of lane ${t.lane} was armed or cancelled while lane ${this.lane} runs: the lanes are not independent`);
    t.lane = this.lane;
  }

  /** Arm `t` for `at` (Timer.arm): a fresh sequence number, then moved to its place. */
  schedule(t: Timer, at: Ns): void {
    if (t.lane !== this.lane) this.joinLane(t);
    const key = t.phase * PHASE_STRIDE + this.sequence++;
    t.expiry = at;
    let slot = t.slot;
    if (slot < 0) {
      if (this.size === this.times.length) this.grow();
      slot = this.size++;
      this.timers.push(t);
    } else if (at >= this.times[slot]) {
      // Not earlier: the fresh key is larger than the old one, so the timer can only move down.
      this.siftDown(slot, at, key, t);
      return;
    }
    this.siftUp(slot, at, key, t);
  }

  /** Take the armed `t` out of the heap (Timer.cancel). */
  remove(t: Timer): void {
    if (t.lane !== this.lane) this.joinLane(t);
    const slot = t.slot;
    t.slot = -1;
    t.expiry = -1;
    const last = --this.size;
    const lastTimer = this.timers.pop()!;
    if (slot === last) return;
    const at = this.times[last];
    const key = this.keys[last];
    if (slot > 0) {
      const parent = (slot - 1) >> 2;
      const pt = this.times[parent];
      if (at < pt || (at === pt && key < this.keys[parent])) {
        this.siftUp(slot, at, key, lastTimer);
        return;
      }
    }
    this.siftDown(slot, at, key, lastTimer);
  }

  /** Time of the earliest armed timer, or Infinity. */
  peekTime(): Ns {
    return this.size > 0 ? this.times[0] : Infinity;
  }

  /** Pop and fire the earliest armed timer; the caller has checked peekTime(). */
  fireNext(): void {
    const t = this.timers[0];
    const time = this.times[0];
    this.remove(t);
    t.fire(time);
  }

  /** Place (at, key, t) at `slot` or above it. */
  private siftUp(slot: number, at: Ns, key: number, t: Timer): void {
    const { times, keys, timers } = this;
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

  /** Place (at, key, t) at `slot` or below it. */
  private siftDown(slot: number, at: Ns, key: number, t: Timer): void {
    const { times, keys, timers } = this;
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
