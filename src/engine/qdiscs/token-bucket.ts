// A byte token bucket, the building block of TBF, HTB's rate and ceil buckets and the ingress
// policer (io-qos.md §2.1, §2.2): tokens are bytes, refilled at `rate` bytes/s up to `depth`.
// Time is integer ns; the level is a float (bytes), compared with a small tolerance so a timer armed
// for "enough tokens" never finds a rounding error's worth missing. [M]

import type { Ns } from '../system.js';

const SECOND = 1e9;
/** Bytes: below this a shortfall counts as none (float rounding of rate × time). */
const TOLERANCE = 1e-6;

export class TokenBucket {
  private tokens: number;
  private updatedAt: Ns = 0;

  constructor(
    /** Bytes per second (> 0). */
    readonly rate: number,
    /** Bucket depth in bytes (> 0): the largest burst. */
    readonly depth: number,
  ) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`token bucket: rate must be a finite number > 0, not ${rate}`);
    if (!(depth > 0) || !Number.isFinite(depth)) throw new Error(`token bucket: depth must be a finite number > 0, not ${depth}`);
    this.tokens = depth;
  }

  /** Tokens at `now` (may be negative after a charge that overdrew it, as HTB's buckets are). */
  level(now: Ns): number {
    return Math.min(this.depth, this.tokens + ((now - this.updatedAt) * this.rate) / SECOND);
  }

  /** Whether `bytes` tokens are there at `now`. */
  holds(bytes: number, now: Ns): boolean {
    return this.level(now) + TOLERANCE >= bytes;
  }

  /** Earliest instant ≥ now at which the level reaches `bytes` (≤ depth). */
  readyAt(bytes: number, now: Ns): Ns {
    const short = bytes - this.level(now);
    return short <= TOLERANCE ? now : now + Math.max(1, Math.ceil((short * SECOND) / this.rate));
  }

  /** Charge `bytes` at `now`; the level may go below zero. */
  take(bytes: number, now: Ns): void {
    this.tokens = this.level(now) - bytes;
    this.updatedAt = now;
  }
}
