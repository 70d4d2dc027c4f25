// The task streams' generator is xoshiro128** (src/engine/rng.ts). Its state is held as signed
// 32-bit words for speed (issue 14); these tests pin the output to the algorithm itself: the C
// reference implementation's published vector, and an independent BigInt implementation over
// arbitrary states, so a representation change can never alter a scenario's random draws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';

type State = { s0: number; s1: number; s2: number; s3: number };
const stateOf = (rng: Rng) => rng as unknown as State;

/** xoshiro128** on BigInt words (Blackman & Vigna, prng.di.unimi.it/xoshiro128starstar.c). */
function* reference(words: readonly number[]): Generator<number> {
  const M = 0xffffffffn;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  const s = words.map((w) => BigInt(w >>> 0));
  for (;;) {
    const result = (rotl((s[1] * 5n) & M, 7n) * 9n) & M;
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    yield Number(result);
  }
}

describe('Rng (xoshiro128**)', () => {
  it('gives the C reference implementation’s outputs from a known state', () => {
    // State and outputs generated with the C reference implementation (published as the test data
    // of edorfaus/xoshiro-6502, test-rom/testdata.asm: VerifyStatesXoshiro128 / the ** column).
    const rng = new Rng(0);
    Object.assign(stateOf(rng), { s0: 0x964d4a0c | 0, s1: 0xd40ab895 | 0, s2: 0xad7fdecb | 0, s3: 0x3006f0f0 | 0 });
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70]);
  });

  it('agrees with an independent BigInt implementation for any seed and stream', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.string(), (seed, stream) => {
        const rng = new Rng(seed, stream);
        const { s0, s1, s2, s3 } = stateOf(rng);
        const ref = reference([s0, s1, s2, s3]);
        for (let i = 0; i < 64; i++) {
          const got = rng.nextUint32();
          expect(got).toBe(ref.next().value);
          expect(Number.isInteger(got) && got >= 0 && got < 2 ** 32).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps its state words as 32-bit integers', () => {
    const rng = new Rng(7, 'vm0-t0');
    for (let i = 0; i < 100; i++) rng.next();
    for (const w of Object.values(stateOf(rng))) expect(w).toBe(w | 0);
  });
});
