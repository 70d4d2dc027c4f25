// Turns a task's arrival law and demand distribution into concrete release instants and job
// demands (integer ns), drawing from the task's own random stream.

import type { Arrival, ExecDist, Ns } from './system.js';
import type { Rng } from './rng.js';
import { widenNumberFields } from './wide-numbers.js';

/** Demand of the next job. Always >= 1 ns so a job is never free. */
export class DemandSampler {
  private traceIndex = 0;

  constructor(
    private readonly dist: ExecDist,
    private readonly rng: Rng,
  ) {}

  next(): Ns {
    const d = this.dist;
    switch (d.kind) {
      case 'constant':
        return d.value;
      case 'uniform':
        return this.rng.intBetween(d.min, d.max);
      case 'truncnormal': {
        // Rejection keeps the shape of the normal inside [min, max]; bounded tries, then clamp.
        for (let i = 0; i < 64; i++) {
          const v = Math.round(d.mean + d.sd * this.rng.normal());
          if (v >= d.min && v <= d.max) return Math.max(1, v);
        }
        return Math.max(1, Math.min(d.max, Math.max(d.min, d.mean)));
      }
      case 'trace': {
        const v = d.values[this.traceIndex];
        this.traceIndex = (this.traceIndex + 1) % d.values.length;
        return v;
      }
    }
  }
}

/** Successive release instants; Infinity when there are no more. */
export class ReleaseClock {
  /**
   * The release instant advance() computed: a double field, so a caller that inlines advance()'s
   * call but not its body reads it without a fresh heap number per release (a double returned from
   * a call V8 does not inline is boxed; issue 14, ~16 B per job of the EDF set). Sporadic and
   * Poisson arrivals also step on from it.
   */
  at: Ns = 0;
  private k = 0;

  constructor(
    private readonly arrival: Arrival,
    private readonly rng: Rng,
  ) {
    widenNumberFields(this, ['at']);
  }

  next(): Ns {
    this.advance();
    return this.at;
  }

  /** The next release instant into `at`. */
  advance(): void {
    const a = this.arrival;
    const k = this.k++;
    switch (a.kind) {
      case 'periodic': {
        const jitter = a.jitter > 0 ? this.rng.intBetween(0, a.jitter) : 0;
        this.at = a.offset + k * a.period + jitter;
        return;
      }
      case 'sporadic': {
        if (k === 0) this.at = a.offset;
        else this.at = this.at + a.minInterArrival + (a.extraMean > 0 ? Math.round(this.rng.exponential(a.extraMean)) : 0);
        return;
      }
      case 'poisson': {
        const gap = Math.max(1, Math.round(this.rng.exponential(1e9 / a.ratePerSec)));
        this.at = (k === 0 ? a.offset : this.at) + gap;
        return;
      }
      case 'trace':
        this.at = k < a.times.length ? a.times[k] : Infinity;
        return;
      case 'busy':
        this.at = k === 0 ? a.offset : Infinity;
        return;
      case 'program':
      case 'external':
        // A program releases its own jobs (releases.ts), I/O service stages get theirs injected by
        // the engine: never from this clock.
        this.at = Infinity;
        return;
    }
  }
}
