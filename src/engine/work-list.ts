// A list refilled on every simulated instant (the hosts and guests to revisit in the reschedule
// pass). Emptying a JS array with `length = 0` hands its backing store back, so the next push
// allocates again: once per instant, that was a good part of the engine's garbage (issue 14,
// allocation profile of the EDF set). This keeps the storage and only moves the end.

import { objectArray } from './object-array.js';

const INITIAL_ROOM = 8;

export class WorkList<T extends object> {
  /**
   * Born holding objects (object-array.ts) and with room for a few, so a new run's first pushes take
   * the same in-place store as every later instant (the growing push deoptimised the pass's code).
   */
  private readonly items: T[] = objectArray(INITIAL_ROOM);
  /** Items in the list: indices 0 … length − 1 (the storage beyond holds stale entries). */
  length = 0;

  push(item: T): void {
    if (this.length < this.items.length) this.items[this.length] = item;
    else this.items.push(item);
    this.length++;
  }

  at(i: number): T {
    return this.items[i];
  }

  clear(): void {
    this.length = 0;
  }
}
