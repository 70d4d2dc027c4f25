// The pending-event set (src/engine/event-queue.ts) against a plain reference: a list scanned for the
// least (time, phase, arm order) at each step. Random timers whose callbacks re-arm themselves, cancel
// themselves or others, and arm others at the same instant must fire in the same order, with the same
// `armed`, `expiry` and `length` seen from inside every callback (a firing timer stays in the heap
// until its callback returns: it must look unarmed there, and leave unless it re-armed). A timer
// armed by armSoon, or held and placed back, must fire where arm() would have put it; a held one
// fires when its owner finds it due (fireIfDue) or at the end (fireHeld), as it would have.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue, type EventPhase } from '../src/engine/event-queue.js';

interface RefTimer {
  phase: number;
  expiry: number;
  seq: number;
  /** The time it fires at, while its callback runs (the queue's Timer.heapTime). */
  firing: number;
  fire: (now: number) => void;
}

class RefQueue {
  private armedTimers = new Set<RefTimer>();
  private seq = 0;
  timer(phase: number, fire: (now: number) => void) {
    const t: RefTimer = { phase, expiry: -1, seq: 0, firing: -1, fire };
    const q = this;
    return {
      arm(at: number) {
        t.expiry = at;
        t.seq = q.seq++;
        q.armedTimers.add(t);
      },
      cancel() {
        t.expiry = -1;
        q.armedTimers.delete(t);
      },
      armSoon(at: number) {
        this.arm(at);
      },
      hold() {},
      place() {},
      get armed() {
        return q.armedTimers.has(t);
      },
      get expiry() {
        return t.expiry;
      },
      get heapTime() {
        return t.firing;
      },
    };
  }
  get length() {
    return this.armedTimers.size;
  }
  private least(): RefTimer | undefined {
    let best: RefTimer | undefined;
    for (const t of this.armedTimers) {
      if (best === undefined || t.expiry < best.expiry || (t.expiry === best.expiry && (t.phase < best.phase || (t.phase === best.phase && t.seq < best.seq)))) best = t;
    }
    return best;
  }
  peekTime() {
    return this.least()?.expiry ?? Infinity;
  }
  fireNext() {
    const t = this.least()!;
    const at = t.expiry;
    this.armedTimers.delete(t);
    t.expiry = -1;
    t.firing = at;
    t.fire(at);
  }
}

/** What a callback does: re-arm itself, arm or cancel another timer, cancel itself (after a re-arm or not). */
const action = fc.record({
  kind: fc.constantFrom('rearm', 'rearm', 'armOther', 'cancelOther', 'rearmThenCancel', 'cancelThenRearm', 'nothing', 'armSoon', 'holdPlaceOther', 'armSoonThenCancel'),
  other: fc.nat(15),
  delay: fc.oneof(fc.constant(0), fc.nat(50), fc.constant(1e11)),
});

const plan = fc.record({
  timers: fc.array(fc.record({ phase: fc.integer({ min: 0, max: 4 }), first: fc.option(fc.nat(100), { nil: undefined }), near: fc.boolean(), timeless: fc.boolean() }), { minLength: 1, maxLength: 16 }),
  actions: fc.array(fc.array(action, { maxLength: 3 }), { minLength: 1, maxLength: 40 }),
});

type Plan = typeof plan extends fc.Arbitrary<infer P> ? P : never;

interface QueueLike {
  timer(phase: never, fire: (now: number) => void, near: boolean): { arm(at: number): void; cancel(): void; armSoon(at: number): void; hold(): void; place(): void; readonly armed: boolean; readonly expiry: number; readonly heapTime: number };
  readonly length: number;
  peekTime(): number;
  fireNext(): void;
}

/** Run `p` on `q`: the log of every firing and what the callback saw. */
function trace(q: QueueLike, p: Plan): string[] {
  const log: string[] = [];
  let fires = 0;
  // A callback that takes no parameter (Timer.timeless) reads its time from its timer instead.
  const timers = p.timers.map((spec, i) => {
    const fire = (now: number) => {
      const me = timers[i];
      log.push(`${i}@${now} armed=${me.armed} expiry=${me.expiry} len=${q.length}`);
      for (const a of p.actions[fires++ % p.actions.length]) {
        const other = timers[a.other % timers.length];
        if (a.kind === 'rearm') me.arm(now + a.delay);
        else if (a.kind === 'armOther') other.arm(now + a.delay);
        else if (a.kind === 'cancelOther') other.cancel();
        else if (a.kind === 'rearmThenCancel') {
          me.arm(now + a.delay);
          me.cancel();
        } else if (a.kind === 'cancelThenRearm') {
          me.cancel();
          me.arm(now + a.delay);
        } else if (a.kind === 'armSoon') me.armSoon(now + a.delay);
        else if (a.kind === 'holdPlaceOther') {
          other.hold();
          other.place();
        } else if (a.kind === 'armSoonThenCancel') {
          other.armSoon(now + a.delay);
          other.cancel();
        }
        log.push(`  ${a.kind} ${a.other % timers.length}: armed=${me.armed} expiry=${me.expiry} other=${other.armed}/${other.expiry} len=${q.length}`);
      }
    };
    return q.timer(spec.phase as never, spec.timeless ? () => fire(timers[i].heapTime) : fire, spec.near);
  });
  p.timers.forEach((spec, i) => spec.first !== undefined && timers[i].arm(spec.first));
  for (let n = 0; n < 300 && q.peekTime() !== Infinity; n++) q.fireNext();
  log.push(`left ${q.length}`);
  return log;
}

describe('event queue', () => {
  it('fires and re-arms exactly as a scanned list does, seen from inside the callbacks too', () => {
    fc.assert(
      fc.property(plan, (p) => {
        expect(trace(new EventQueue(2) as unknown as QueueLike, p)).toEqual(trace(new RefQueue() as unknown as QueueLike, p));
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  it('a timer that re-arms itself from its callback is armed afterwards, one that does not is not', () => {
    const q = new EventQueue();
    const seen: boolean[] = [];
    const periodic = q.timer(2 as EventPhase, (now) => {
      seen.push(periodic.armed);
      if (now < 30) periodic.arm(now + 10);
    });
    periodic.arm(10);
    while (q.peekTime() !== Infinity) q.fireNext();
    expect(seen).toEqual([false, false, false]);
    expect(periodic.armed).toBe(false);
    expect(q.length).toBe(0);
  });

  it('a held timer is due once the events before it in its instant have fired, and fires with its own time', () => {
    const q = new EventQueue();
    const log: string[] = [];
    // `held` is armed before `early` and `late` at the same instant: its key sits between theirs by phase.
    const held = q.timer(1 as EventPhase, (now) => log.push(`held fired with ${now}`));
    const early = q.timer(0 as EventPhase, () => log.push(`early sees due=${held.fireIfDue()}`));
    const late = q.timer(2 as EventPhase, () => log.push(`late sees due=${held.fireIfDue()}`));
    const before = q.timer(1 as EventPhase, () => log.push(`before sees due=${held.fireIfDue()}`));
    held.arm(10);
    held.hold();
    early.arm(10);
    late.arm(10);
    before.arm(5);
    expect(q.length).toBe(4); // a held timer is armed
    expect(held.armed).toBe(true);
    const run = () => {
      while (q.advance(100)) {
        do q.fireNext();
        while (q.moreAtInstant());
      }
    };
    run();
    expect(log).toEqual(['before sees due=false', 'early sees due=false', 'held fired with 10', 'late sees due=true']);
    expect(held.armed).toBe(false);
    expect(q.takeHeldFirings()).toBe(1);

    // After an instant's events (the reschedule pass), every held timer of that instant is due.
    log.length = 0;
    held.arm(20);
    held.hold();
    early.arm(20);
    q.advance(100);
    q.fireNext();
    expect(q.moreAtInstant()).toBe(false);
    expect(held.fireIfDue()).toBe(true);
    expect(log).toEqual(['early sees due=false', 'held fired with 20']);
    expect(q.takeHeldFirings()).toBe(1);

    // Placed back, it fires from the queue where it was armed: after `early`, before `late`.
    log.length = 0;
    held.arm(30);
    held.hold();
    early.arm(30);
    late.arm(30);
    held.place();
    run();
    expect(log).toEqual(['early sees due=false', 'held fired with 30', 'late sees due=false']);
    expect(q.takeHeldFirings()).toBe(0);

    // armSoon then hold: never in the queue; fireHeld fires those due by the end, in (time, key) order.
    log.length = 0;
    const other = q.timer(0 as EventPhase, (now) => log.push(`other fired with ${now}`));
    held.armSoon(50);
    other.armSoon(50);
    held.hold();
    other.hold();
    early.arm(40);
    run();
    expect(log).toEqual(['early sees due=false']);
    q.fireHeld(49);
    expect(log).toEqual(['early sees due=false']);
    q.fireHeld(50);
    expect(log).toEqual(['early sees due=false', 'other fired with 50', 'held fired with 50']);
    expect(q.takeHeldFirings()).toBe(2);
    expect(q.length).toBe(0);
  });
});
