// Bucket counts of a latency histogram that has seen many distinct buckets: HdrHistogram's counts
// array cut into chunks of 8 counts, a chunk stored only once a value falls in it. A histogram logs
// its first 1024 values (histogram.ts) and moves here after. Recording is O(1), and memory grows with
// the buckets hit, not the values recorded.
//
// Counts are stored in base 16: a chunk is one 32-bit word of eight 4-bit digits, each bucket's low
// digit, and the higher digits of the buckets that reached 16 are counts of their own, one level up
// (`carries`, the same structure, spanning only those buckets). The counts stay exact whatever their
// size (HdrHistogram's packed arrays make the same trade), but a bucket costs half a byte instead of
// four: a task's response and wake-up times over a few milliseconds touch thousands of buckets at
// 3 significant digits, each a few times per 100 s (issue 14: ≤ 10 KB per task wanted).
//
// Everything lives in one Int32Array (each typed array costs ~250 bytes beyond its data: the
// JSTypedArray and JSArrayBuffer objects and the backing store's bookkeeping; its words are bit
// patterns, read as int32 so V8 keeps them small integers): first the directory, a
// pair of words per span of 32 chunks (256 buckets) — a bitmap of the chunks present and the number
// of chunks present in the spans before it —, then the chunks present, in ascending bucket order, so
// a chunk's place is the count before its span plus the bits set below it in its bitmap. Measured on
// the 1024-task reference host after 100 s (bench/RESULTS.md, speed-memory2): chunks of 8 with this
// directory take 2.5 KB per task where chunks of 32 with a 16-bit slot per chunk took 3.6 KB (the
// chunks hit are sparse: 45 % of the buckets of a chunk of 8 hit are hit, 17 % of a chunk of 32).

const CHUNK_BITS = 3;
/** Bits of a digit, and its base: 8 digits fill a 32-bit word. */
const DIGIT_BITS = 4;
const DIGIT = 1 << DIGIT_BITS;
const DIGIT_MASK = DIGIT - 1;
/** Chunks per span: one bitmap word. */
const SPAN_BITS = 5;
/** Bucket indices stay below 2¹⁵ (histogram.ts: indexOf(1e12) is 31,558), so spans below 128. */
const SPAN_LIMIT = 1 << (15 - CHUNK_BITS - SPAN_BITS);
/** Directory words per span. */
const SPAN_WORDS = 2;

/** Grow a pool of `length` chunks to hold at least `needed`: by half again, so growing is amortised O(1) with a third of the slack of doubling. */
const grown = (length: number, needed: number) => Math.max(needed, 4, length + (length >> 1));

/** Bits set in a 32-bit word. */
function bitsSet(word: number): number {
  let x = word - ((word >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export class ChunkedCounts {
  /** The directory (SPAN_WORDS words per span, from `firstSpan`), then `chunksUsed` chunks, then room for more. */
  private words = new Int32Array(0);
  private firstSpan = 0;
  private spans = 0;
  private chunksUsed = 0;
  /** count ÷ 16 (rounded down) of each bucket, once a bucket reached 16; null before. */
  private carries: ChunkedCounts | null = null;

  /**
   * The counts of bucket indices given in ascending order (a histogram pouring its log in), sized at
   * once: each chunk is appended, and no outgrown array is left for the garbage collector.
   */
  static ofSorted(indices: Uint16Array): ChunkedCounts {
    const counts = new ChunkedCounts();
    if (indices.length === 0) return counts;
    let chunks = 0;
    for (let k = 0; k < indices.length; k++) if (k === 0 || indices[k] >>> CHUNK_BITS !== indices[k - 1] >>> CHUNK_BITS) chunks++;
    counts.firstSpan = indices[0] >>> (CHUNK_BITS + SPAN_BITS);
    counts.spans = (indices[indices.length - 1] >>> (CHUNK_BITS + SPAN_BITS)) - counts.firstSpan + 1;
    counts.words = new Int32Array(SPAN_WORDS * counts.spans + grown(0, chunks));
    for (let k = 0; k < indices.length; k++) counts.add(indices[k], 1);
    return counts;
  }

  /** Count `n` more values at bucket index `index`. */
  add(index: number, n: number): void {
    const chunk = index >>> CHUNK_BITS;
    let span = (chunk >>> SPAN_BITS) - this.firstSpan;
    if (span < 0 || span >= this.spans) span = this.cover(chunk >>> SPAN_BITS);
    const place = chunk & ((1 << SPAN_BITS) - 1);
    const map = this.words[SPAN_WORDS * span];
    const at = SPAN_WORDS * this.spans + this.words[SPAN_WORDS * span + 1] + bitsSet(map & ~(-1 << place));
    if ((map & (1 << place)) === 0) this.insertChunk(span, 1 << place, at);
    const words = this.words;
    const shift = (index & ((1 << CHUNK_BITS) - 1)) * DIGIT_BITS;
    const word = words[at];
    const sum = ((word >>> shift) & DIGIT_MASK) + n;
    if (sum < DIGIT) {
      words[at] = word + (n << shift); // stores wrap modulo 2³², so a carry into the sign bit is harmless
      return;
    }
    words[at] = (word & ~(DIGIT_MASK << shift)) | ((sum % DIGIT) << shift);
    (this.carries ??= new ChunkedCounts()).add(index, Math.floor(sum / DIGIT));
  }

  /** The count at bucket index `index`. */
  countAt(index: number): number {
    const chunk = index >>> CHUNK_BITS;
    const span = (chunk >>> SPAN_BITS) - this.firstSpan;
    if (span < 0 || span >= this.spans) return 0;
    const place = chunk & ((1 << SPAN_BITS) - 1);
    const map = this.words[SPAN_WORDS * span];
    if ((map & (1 << place)) === 0) return 0;
    const at = SPAN_WORDS * this.spans + this.words[SPAN_WORDS * span + 1] + bitsSet(map & ~(-1 << place));
    const low = (this.words[at] >>> ((index & ((1 << CHUNK_BITS) - 1)) * DIGIT_BITS)) & DIGIT_MASK;
    return this.carries === null ? low : low + DIGIT * this.carries.countAt(index);
  }

  /** The lowest bucket index at which the running count, in ascending index order, reaches `wanted`; -1 if it never does. */
  indexAtRank(wanted: number): number {
    let total = 0;
    const carries = this.carries;
    let at = SPAN_WORDS * this.spans;
    for (let span = 0; span < this.spans; span++) {
      // A bucket with a carry always has its chunk here (its low digit was counted first).
      for (let map = this.words[SPAN_WORDS * span]; map !== 0; map &= map - 1) {
        const first = ((((this.firstSpan + span) << SPAN_BITS) | (31 - Math.clz32(map & -map))) << CHUNK_BITS);
        const word = this.words[at++];
        for (let i = 0; i < 1 << CHUNK_BITS; i++) {
          total += (word >>> (i * DIGIT_BITS)) & DIGIT_MASK;
          if (carries !== null) total += DIGIT * carries.countAt(first + i);
          if (total >= wanted) return first + i;
        }
      }
    }
    return -1;
  }

  storageBytes(): number {
    return this.words.byteLength + (this.carries?.storageBytes() ?? 0);
  }

  /** Widen the directory to include span `wanted` (and a quarter of the range more that way: each widening copies the whole array); its slot. */
  private cover(wanted: number): number {
    const old = this.words;
    const oldFirst = this.firstSpan;
    const oldSpans = this.spans;
    let first = wanted;
    let spans = 1;
    if (oldSpans !== 0) {
      const slack = Math.max(1, (Math.max(wanted, oldFirst + oldSpans - 1) - Math.min(wanted, oldFirst) + 1) >> 2);
      first = wanted < oldFirst ? Math.max(0, wanted - slack) : oldFirst;
      const last = wanted < oldFirst ? oldFirst + oldSpans - 1 : Math.max(wanted, Math.min(SPAN_LIMIT - 1, wanted + slack));
      spans = last - first + 1;
    }
    const room = old.length - SPAN_WORDS * oldSpans;
    const words = new Int32Array(SPAN_WORDS * spans + (room > 0 ? room : grown(0, 1)));
    const shift = oldFirst - first;
    for (let span = 0; span < spans; span++) {
      const from = span - shift;
      if (from >= 0 && from < oldSpans) {
        words[SPAN_WORDS * span] = old[SPAN_WORDS * from];
        words[SPAN_WORDS * span + 1] = old[SPAN_WORDS * from + 1];
      } else if (from >= oldSpans) {
        words[SPAN_WORDS * span + 1] = this.chunksUsed;
      }
    }
    words.set(old.subarray(SPAN_WORDS * oldSpans, SPAN_WORDS * oldSpans + this.chunksUsed), SPAN_WORDS * spans);
    this.words = words;
    this.firstSpan = first;
    this.spans = spans;
    return wanted - first;
  }

  /** Make room for a zeroed chunk at pool position `at` (absolute), marked present by `bit` of span slot `span`. */
  private insertChunk(span: number, bit: number, at: number): void {
    let words = this.words;
    const end = SPAN_WORDS * this.spans + this.chunksUsed;
    if (end === words.length) {
      words = new Int32Array(SPAN_WORDS * this.spans + grown(this.chunksUsed, this.chunksUsed + 1));
      words.set(this.words.subarray(0, at));
      words.set(this.words.subarray(at, end), at + 1);
      this.words = words;
    } else {
      words.copyWithin(at + 1, at, end);
      words[at] = 0;
    }
    words[SPAN_WORDS * span] |= bit;
    for (let later = span + 1; later < this.spans; later++) words[SPAN_WORDS * later + 1]++;
    this.chunksUsed++;
  }
}
