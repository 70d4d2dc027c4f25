// A set of pCPU indices as a bitset: the reschedule pass's per-host "needs a re-pick" and "needs its
// completion timer re-armed" marks. Marking and clearing are O(1); the pass walks the marked CPUs
// in ascending index order with nextFrom(), so a 64-CPU host with one marked CPU costs two word
// tests, not 64 flag reads (issue 14: per-CPU dirty lists instead of scans).

export class CpuSet {
  private readonly words: Uint32Array;

  constructor(readonly size: number) {
    this.words = new Uint32Array((size + 31) >>> 5);
  }

  add(cpu: number): void {
    this.words[cpu >>> 5] |= 1 << (cpu & 31);
  }

  delete(cpu: number): void {
    this.words[cpu >>> 5] &= ~(1 << (cpu & 31));
  }

  has(cpu: number): boolean {
    return (this.words[cpu >>> 5] & (1 << (cpu & 31))) !== 0;
  }

  /** Mark every CPU of the set's range. */
  addAll(): void {
    for (let cpu = 0; cpu < this.size; cpu++) this.add(cpu);
  }

  /**
   * The lowest member ≥ `from`, or -1. A walk `for (i = s.nextFrom(0); i >= 0; i = s.nextFrom(i + 1))`
   * sees a member added during the walk above the current index, and not one added at or below it.
   */
  nextFrom(from: number): number {
    const words = this.words;
    let w = from >>> 5;
    if (w >= words.length) return -1;
    // Shift counts are taken mod 32 in JS: (from & 31) is the bit offset within the first word.
    let bits = words[w] & (-1 << (from & 31));
    for (;;) {
      // The lowest set bit (bits & -bits), then its index from the count of leading zeros.
      if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits & -bits);
      if (++w === words.length) return -1;
      bits = words[w];
    }
  }
}
