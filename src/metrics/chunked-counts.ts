// Bucket counts of a latency histogram that has seen many distinct buckets: HdrHistogram's counts
// array cut into chunks of 8 counts, a chunk stored only once a value falls in it. A histogram logs
// its first values (histogram.ts: up to 1024, or 512 when counts of them are smaller) and moves here after. Recording is O(1), and memory grows with
// the buckets hit, not the values recorded.
//
// Counts are stored in base 16: a chunk is one 32-bit word of eight 4-bit digits, each bucket's low
// digit, and the higher digits of the buckets that reached 16 (count ÷ 16) are counts of their own:
// a sorted list of (bucket, count ÷ 16) words at the end of the same array while they are few and
// small (a few dozen modal buckets per histogram after 100 s), one level up in the same structure
// (`carries`, spanning only those buckets) beyond that. The counts stay exact whatever their
// size (HdrHistogram's packed arrays make the same trade), but a bucket costs half a byte instead of
// four: a task's response and wake-up times over a few milliseconds touch thousands of buckets at
// 3 significant digits, each a few times per 100 s (issue 14: ≤ 10 KB per task wanted).
//
// Everything lives in one Int32Array (a typed array of its own costs ~380 bytes of RSS beyond its
// data, measured on Node 20: the JSTypedArray and JSArrayBuffer objects and the backing store's
// bookkeeping; its words are bit
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

/** Carried counts kept as a list at the end of the array: a bucket (15 bits) and its count ÷ 16 (16 bits) in a word. */
const CARRIED_BITS = 16;
const CARRIED_MAX = (1 << CARRIED_BITS) - 1;
/** Beyond this many carried buckets, their counts go one level up (8 buckets a word there, 4 bytes a bucket here). */
const CARRIED_LIMIT = 128;

/** Grow room for `length` words to hold at least `needed`: by half again, so growing is amortised O(1) with a third of the slack of doubling. */
const grown = (length: number, needed: number) => Math.max(needed, 4, length + (length >> 1));

/** Bits set in a 32-bit word. */
function bitsSet(word: number): number {
  let x = word - ((word >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export class ChunkedCounts {
  /**
   * The directory (SPAN_WORDS words per span, from `firstSpan`), then `chunksUsed` chunks, then free
   * room, then `carriedUsed` carried counts (ascending buckets) ending the array.
   */
  private words = new Int32Array(0);
  private firstSpan = 0;
  private spans = 0;
  private chunksUsed = 0;
  private carriedUsed = 0;
  /** count ÷ 16 (rounded down) of each bucket that reached 16, once the list at the end outgrew itself; null before. */
  private carries: ChunkedCounts | null = null;

  /**
   * The counts of bucket indices logged in any order (a histogram pouring its log in; sorted here in
   * place), sized at once: the chunks hit are marked first, so every chunk is in place before the
   * counts go in, and no outgrown array is left for the garbage collector.
   */
  static ofIndices(indices: Uint16Array): ChunkedCounts {
    const counts = new ChunkedCounts();
    if (indices.length === 0) return counts;
    const shape = markChunks(indices.sort());
    const words = new Int32Array(SPAN_WORDS * shape.spans + roomFor(shape.chunks));
    let before = 0;
    for (let span = 0; span < shape.spans; span++) {
      const map = chunkMarks[shape.firstSpan + span];
      chunkMarks[shape.firstSpan + span] = 0;
      words[SPAN_WORDS * span] = map;
      words[SPAN_WORDS * span + 1] = before;
      before += bitsSet(map);
    }
    counts.words = words;
    counts.firstSpan = shape.firstSpan;
    counts.spans = shape.spans;
    counts.chunksUsed = shape.chunks;
    // Each run of equal indices counted at once.
    for (let k = 0; k < indices.length; ) {
      const end = runEnd(indices, k);
      counts.add(indices[k], end - k);
      k = end;
    }
    return counts;
  }

  /** Bytes ofIndices(indices) would hold at first (a histogram weighing its log against chunked counts; `indices` sorted here in place). */
  static bytesOf(indices: Uint16Array): number {
    if (indices.length === 0) return 0;
    const shape = markChunks(indices.sort());
    chunkMarks.fill(0, shape.firstSpan, shape.firstSpan + shape.spans);
    return Int32Array.BYTES_PER_ELEMENT * (SPAN_WORDS * shape.spans + roomFor(shape.chunks));
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
    // Shifts, not % and Math.floor(÷): a count poured in at once (ofIndices) makes the quotient
    // fractional, which code optimised for the ones of record() took as a lost precision (a
    // deoptimisation); counts stay far below 2³¹.
    words[at] = (word & ~(DIGIT_MASK << shift)) | ((sum & DIGIT_MASK) << shift);
    this.carry(index, sum >>> DIGIT_BITS);
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
    if (this.carries !== null) return low + DIGIT * this.carries.countAt(index);
    const k = this.carriedAt(index);
    return k < this.words.length && this.words[k] >>> CARRIED_BITS === index ? low + DIGIT * (this.words[k] & CARRIED_MAX) : low;
  }

  /** The lowest bucket index at which the running count, in ascending index order, reaches `wanted`; -1 if it never does. */
  indexAtRank(wanted: number): number {
    let total = 0;
    const words = this.words;
    const carries = this.carries;
    // Carried counts at the end come in ascending buckets, as the walk does; each has its chunk here
    // (its low digit was counted first).
    let carried = words.length - this.carriedUsed;
    let at = SPAN_WORDS * this.spans;
    for (let span = 0; span < this.spans; span++) {
      for (let map = words[SPAN_WORDS * span]; map !== 0; map &= map - 1) {
        const first = (((this.firstSpan + span) << SPAN_BITS) | (31 - Math.clz32(map & -map))) << CHUNK_BITS;
        const word = words[at++];
        for (let i = 0; i < 1 << CHUNK_BITS; i++) {
          total += (word >>> (i * DIGIT_BITS)) & DIGIT_MASK;
          if (carries !== null) total += DIGIT * carries.countAt(first + i);
          else if (carried < words.length && words[carried] >>> CARRIED_BITS === first + i) total += DIGIT * (words[carried++] & CARRIED_MAX);
          if (total >= wanted) return first + i;
        }
      }
    }
    return -1;
  }

  storageBytes(): number {
    return this.words.byteLength + (this.carries?.storageBytes() ?? 0);
  }

  /** Add `n` to bucket `index`'s count ÷ 16. */
  private carry(index: number, n: number): void {
    if (this.carries !== null) return this.carries.add(index, n);
    const k = this.carriedAt(index);
    if (k < this.words.length && this.words[k] >>> CARRIED_BITS === index && (this.words[k] & CARRIED_MAX) + n <= CARRIED_MAX) {
      this.words[k] += n;
      return;
    }
    // The rarer rest in a method of its own: the common case above is what V8 compiles hot (issue 14,
    // a smaller optimised carry in every cold run).
    this.carryBeyondList(index, n, k);
  }

  /** carry() of a bucket not in the list at the end (its place there is `k`), or whose entry would overflow. */
  private carryBeyondList(index: number, n: number, k: number): void {
    if (k < this.words.length && this.words[k] >>> CARRIED_BITS === index) return this.moveCarriesUp().add(index, n);
    if (this.carriedUsed === CARRIED_LIMIT || n > CARRIED_MAX) return this.moveCarriesUp().add(index, n);
    if (SPAN_WORDS * this.spans + this.chunksUsed + this.carriedUsed === this.words.length) {
      const fromEnd = this.words.length - k;
      this.reallocate(this.firstSpan, this.spans, this.grownRoom());
      k = this.words.length - fromEnd;
    }
    // The entries below bucket `index` move down a word; it takes the freed place.
    const start = this.words.length - this.carriedUsed;
    this.words.copyWithin(start - 1, start, k);
    this.words[k - 1] = (index << CARRIED_BITS) | n;
    this.carriedUsed++;
  }

  /** Position of the first carried entry at or after bucket `index` (the array's length if none). */
  private carriedAt(index: number): number {
    let low = this.words.length - this.carriedUsed;
    let high = this.words.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.words[middle] >>> CARRIED_BITS < index) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Move the carried list to a level of its own (its room here is free for chunks after). */
  private moveCarriesUp(): ChunkedCounts {
    const carries = new ChunkedCounts();
    for (let k = this.words.length - this.carriedUsed; k < this.words.length; k++) carries.add(this.words[k] >>> CARRIED_BITS, this.words[k] & CARRIED_MAX);
    this.carriedUsed = 0;
    this.carries = carries;
    return carries;
  }

  /** Room for chunks and carried counts after one more is added. */
  private grownRoom(): number {
    const used = this.chunksUsed + this.carriedUsed;
    return grown(used, used + 1);
  }

  /** Widen the directory to include span `wanted` (and a quarter of the range more that way: each widening copies the whole array); its slot. */
  private cover(wanted: number): number {
    let first = wanted;
    let spans = 1;
    if (this.spans !== 0) {
      const oldLast = this.firstSpan + this.spans - 1;
      const slack = Math.max(1, (Math.max(wanted, oldLast) - Math.min(wanted, this.firstSpan) + 1) >> 2);
      first = wanted < this.firstSpan ? Math.max(0, wanted - slack) : this.firstSpan;
      const last = wanted < this.firstSpan ? oldLast : Math.max(wanted, Math.min(SPAN_LIMIT - 1, wanted + slack));
      spans = last - first + 1;
    }
    const room = this.words.length - SPAN_WORDS * this.spans;
    this.reallocate(first, spans, room > 0 ? room : grown(0, 1));
    return wanted - first;
  }

  /** A new array for spans `first` … `first + spans − 1` and `room` words of chunks and carried counts, holding what this one holds. */
  private reallocate(first: number, spans: number, room: number): void {
    const old = this.words;
    const words = new Int32Array(SPAN_WORDS * spans + room);
    const shift = this.firstSpan - first;
    for (let span = 0; span < spans; span++) {
      const from = span - shift;
      if (from >= 0 && from < this.spans) {
        words[SPAN_WORDS * span] = old[SPAN_WORDS * from];
        words[SPAN_WORDS * span + 1] = old[SPAN_WORDS * from + 1];
      } else if (from >= this.spans) {
        words[SPAN_WORDS * span + 1] = this.chunksUsed;
      }
    }
    // Element by element: a subarray of a small typed array would move its data off the V8 heap.
    const chunks = SPAN_WORDS * this.spans;
    for (let k = 0; k < this.chunksUsed; k++) words[SPAN_WORDS * spans + k] = old[chunks + k];
    for (let k = 1; k <= this.carriedUsed; k++) words[words.length - k] = old[old.length - k];
    this.words = words;
    this.firstSpan = first;
    this.spans = spans;
  }

  /** Make room for a zeroed chunk at array position `at`, marked present by `bit` of span slot `span`. */
  private insertChunk(span: number, bit: number, at: number): void {
    if (SPAN_WORDS * this.spans + this.chunksUsed + this.carriedUsed === this.words.length) this.reallocate(this.firstSpan, this.spans, this.grownRoom());
    const words = this.words;
    words.copyWithin(at + 1, at, SPAN_WORDS * this.spans + this.chunksUsed);
    words[at] = 0;
    words[SPAN_WORDS * span] |= bit;
    for (let later = span + 1; later < this.spans; later++) words[SPAN_WORDS * later + 1]++;
    this.chunksUsed++;
  }
}

/** Scratch directory bitmaps over every span, all zero between uses (ofIndices, bytesOf). */
const chunkMarks = new Int32Array(SPAN_LIMIT);

/** Mark the chunks the ascending `indices` hit in chunkMarks; the spans they cover and how many chunks. */
function markChunks(indices: Uint16Array): { firstSpan: number; spans: number; chunks: number } {
  for (let k = 0; k < indices.length; k = runEnd(indices, k)) {
    const chunk = indices[k] >>> CHUNK_BITS;
    chunkMarks[chunk >>> SPAN_BITS] |= 1 << (chunk & ((1 << SPAN_BITS) - 1));
  }
  const firstSpan = indices[0] >>> (CHUNK_BITS + SPAN_BITS);
  const spans = (indices[indices.length - 1] >>> (CHUNK_BITS + SPAN_BITS)) - firstSpan + 1;
  let chunks = 0;
  for (let span = firstSpan; span < firstSpan + spans; span++) chunks += bitsSet(chunkMarks[span]);
  return { firstSpan, spans, chunks };
}

/** Room for `chunks` chunks and a quarter more (the counts go on: new chunks, carried counts). */
const roomFor = (chunks: number) => grown(0, chunks + (chunks >> 2));

/**
 * The position after the run of equal values starting at `k` in the ascending `indices`: steps
 * doubling from k, then halving back, so a run of r equal values takes about 2·log₂ r reads and a
 * lone value two. A histogram's log of 512 latencies often holds a handful of distinct values (the
 * issue 14 EDF set: 1–19): pouring it run by run instead of value by value keeps these loops too
 * short for V8 to compile them with its optimising compiler in every cold run (≈ 7 ms of TurboFan
 * for ofIndices and markChunks, --trace-opt), and is no slower for a log of distinct values.
 */
function runEnd(indices: Uint16Array, k: number): number {
  const value = indices[k];
  const n = indices.length;
  let low = k + 1; // indices[k … low − 1] all equal `value`
  let step = 1;
  while (low + step - 1 < n && indices[low + step - 1] === value) {
    low += step;
    step *= 2;
  }
  let high = Math.min(n, low + step - 1); // indices[high] differs, or high = n
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (indices[middle] === value) low = middle + 1;
    else high = middle;
  }
  return low;
}
