// Seeded PRNG: xoshiro128** (Blackman & Vigna, 2018), 32-bit state words so every operation is
// exact in JS integer arithmetic. Each task gets its own stream derived from (scenario seed, task
// id), so adding a task to a scenario does not change the random draws of the others.
// The state words are kept as signed 32-bit integers (the same bits as the algorithm's unsigned
// words): V8 holds them as small integers, where an unsigned word above 2³¹ is a heap number that
// every draw re-allocates (issue 14: 11 bytes of garbage per event at 1024 tasks).

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, stream = '') {
    // SplitMix32 over (seed, FNV-1a(stream)) fills the state; never all-zero.
    let x = (seed ^ fnv1a(stream)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next() | 0;
    this.s1 = next() | 0;
    this.s2 = next() | 0;
    this.s3 = next() | 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    return this.step() >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.step() >>> 5; // 27 bits
    const lo = this.step() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** One xoshiro128** step: the output word as a signed 32-bit integer (a small integer, never boxed when returned). */
  private step(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [min, max] (inclusive). */
  intBetween(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal by Box–Muller (one of the pair is discarded: simpler, still deterministic). */
  normal(): number {
    const u1 = 1 - this.next(); // (0, 1]
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}

/** Rotate a 32-bit word left by k (0 < k < 32); the result as a signed 32-bit integer. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
