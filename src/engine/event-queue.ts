// The pending-event set: a binary min-heap in struct-of-arrays form keyed by
// (time, phase, insertion sequence). Cancellation is O(1): every Timer carries a generation
// counter; re-arming or cancelling bumps it, and a popped entry whose generation no longer
// matches its timer's is dropped unseen (lazy deletion, as in SimPy's and Schedsim's queues).
//
// Same-instant order is decided here, once: lower `phase` first, then insertion order. The phases
// are listed in EventPhase; the simulator's reschedule pass runs after every event of an instant.

import type { Ns } from './system.js';

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

/** A re-armable one-shot timer. The callback receives the firing time. */
export class Timer {
  /** Bumped on every arm/cancel; queue entries with an older generation are stale. */
  gen = 0;
  /** Absolute expiry while armed, -1 otherwise. */
  expiry: Ns = -1;

  constructor(
    private readonly queue: EventQueue,
    readonly phase: EventPhase,
    readonly fire: (now: Ns) => void,
  ) {}

  get armed(): boolean {
    return this.expiry >= 0;
  }

  /** Arm (or re-arm) for absolute time `at`. */
  arm(at: Ns): void {
    if (this.expiry >= 0) this.queue.stale++;
    this.gen++;
    this.expiry = at;
    this.queue.push(at, this.phase, this, this.gen);
  }

  cancel(): void {
    if (this.expiry < 0) return;
    this.queue.stale++;
    this.gen++;
    this.expiry = -1;
  }
}

export class EventQueue {
  private times: Float64Array;
  private keys: Float64Array; // phase * 2^40 + sequence: one comparison for the tie-break
  private gens: Float64Array;
  private timers: (Timer | undefined)[];
  private size = 0;
  private sequence = 0;
  /** Entries known to be dead (their timer was re-armed or cancelled); compacted when they dominate. */
  stale = 0;

  constructor(initialCapacity = 1024) {
    this.times = new Float64Array(initialCapacity);
    this.keys = new Float64Array(initialCapacity);
    this.gens = new Float64Array(initialCapacity);
    this.timers = new Array(initialCapacity);
  }

  timer(phase: EventPhase, fire: (now: Ns) => void): Timer {
    return new Timer(this, phase, fire);
  }

  get length(): number {
    return this.size;
  }

  push(time: Ns, phase: number, timer: Timer, gen: number): void {
    if (this.size === this.times.length) {
      // Memory must not grow with simulated time: drop dead entries before growing.
      if (this.stale > this.size >> 1) this.compact();
      if (this.size === this.times.length) this.grow();
    }
    // 2^40 sequence numbers per run before ties could mis-order: far beyond any run.
    const key = phase * 1099511627776 + this.sequence++;
    let i = this.size++;
    const { times, keys, gens, timers } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent];
      if (pt < time || (pt === time && keys[parent] < key)) break;
      times[i] = pt;
      keys[i] = keys[parent];
      gens[i] = gens[parent];
      timers[i] = timers[parent];
      i = parent;
    }
    times[i] = time;
    keys[i] = key;
    gens[i] = gen;
    timers[i] = timer;
  }

  /** Time of the earliest live entry, or Infinity. Drops stale entries on the way. */
  peekTime(): Ns {
    // Kept small so that it inlines into the run loop (a returned time is otherwise boxed into a
    // fresh heap number on every call: issue 14, allocation profile); stale tops go the slow way.
    if (this.size > 0 && this.timers[0]!.gen === this.gens[0]) return this.times[0];
    return this.dropStaleTops();
  }

  private dropStaleTops(): Ns {
    while (this.size > 0) {
      const t = this.timers[0]!;
      if (t.gen === this.gens[0]) return this.times[0];
      this.removeTop();
    }
    return Infinity;
  }

  /** Pop and fire the earliest live entry; the caller has checked peekTime(). */
  fireNext(): void {
    const timer = this.timers[0]!;
    const time = this.times[0];
    this.removeTop();
    timer.expiry = -1;
    timer.fire(time);
  }

  private removeTop(): void {
    const { times, keys, gens, timers } = this;
    if (timers[0]!.gen !== gens[0] && this.stale > 0) this.stale--;
    const last = --this.size;
    times[0] = times[last];
    keys[0] = keys[last];
    gens[0] = gens[last];
    timers[0] = timers[last];
    timers[last] = undefined;
    if (last > 1) this.siftDown(0);
  }

  /** Rebuild the heap from its live entries (keys are kept, so the order is unchanged). */
  private compact(): void {
    const { times, keys, gens, timers } = this;
    let live = 0;
    for (let i = 0; i < this.size; i++) {
      if (timers[i]!.gen !== gens[i]) continue;
      times[live] = times[i];
      keys[live] = keys[i];
      gens[live] = gens[i];
      timers[live] = timers[i];
      live++;
    }
    for (let i = live; i < this.size; i++) timers[i] = undefined;
    this.size = live;
    this.stale = 0;
    // Floyd heapify.
    for (let i = (live >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const { times, keys, gens, timers } = this;
    const n = this.size;
    const time = times[start];
    const key = keys[start];
    const gen = gens[start];
    const timer = timers[start];
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && (times[right] < times[child] || (times[right] === times[child] && keys[right] < keys[child]))) {
        child = right;
      }
      const ct = times[child];
      if (time < ct || (time === ct && key < keys[child])) break;
      times[i] = ct;
      keys[i] = keys[child];
      gens[i] = gens[child];
      timers[i] = timers[child];
      i = child;
    }
    times[i] = time;
    keys[i] = key;
    gens[i] = gen;
    timers[i] = timer;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const times = new Float64Array(cap);
    const keys = new Float64Array(cap);
    const gens = new Float64Array(cap);
    times.set(this.times);
    keys.set(this.keys);
    gens.set(this.gens);
    this.times = times;
    this.keys = keys;
    this.gens = gens;
    this.timers.length = cap;
  }
}
