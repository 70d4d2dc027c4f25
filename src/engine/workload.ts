// Turns a task's arrival law and demand distribution into concrete release instants and job
// demands (integer ns), drawing from the task's own random stream.

import type { Arrival, ExecDist, Ns } from './system.js';
import type { Rng } from './rng.js';

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
  private k = 0;
  private last = -1;

  constructor(
    private readonly arrival: Arrival,
    private readonly rng: Rng,
  ) {}

  next(): Ns {
    const a = this.arrival;
    const k = this.k++;
    switch (a.kind) {
      case 'periodic': {
        const jitter = a.jitter > 0 ? this.rng.intBetween(0, a.jitter) : 0;
        return a.offset + k * a.period + jitter;
      }
      case 'sporadic': {
        if (k === 0) return (this.last = a.offset);
        const extra = a.extraMean > 0 ? Math.round(this.rng.exponential(a.extraMean)) : 0;
        return (this.last = this.last + a.minInterArrival + extra);
      }
      case 'poisson': {
        const gap = Math.max(1, Math.round(this.rng.exponential(1e9 / a.ratePerSec)));
        return (this.last = (k === 0 ? a.offset : this.last) + gap);
      }
      case 'trace':
        return k < a.times.length ? a.times[k] : Infinity;
      case 'busy':
        return k === 0 ? a.offset : Infinity;
      case 'program':
        return Infinity; // a program releases its own jobs (releases.ts), never this clock
      case 'external':
        return Infinity; // I/O service stages: the engine injects their jobs
    }
  }
}
