// V8 tuning for hvsim's processes, applied before any simulation code is optimised (import this
// module first). V8's optimising compiler inlines up to 920 bytes of bytecode into each function
// by default; the engine's hot paths (run loop → event callbacks → scheduling classes → accounting)
// are deep chains of small methods, so the run loop and the reschedule pass were each compiled as
// one huge function, recompiled after every deoptimisation, and most of a short run's CPU time went
// to compiling them. A smaller inlining budget keeps the inlined functions small: measured on the
// issue 14 EDF set (bench/RESULTS.md), whole 100 s runs take 1.2× less CPU and warmed-up runs
// up to 1.5× less. It changes only how V8 compiles, never what the code computes.

import { setFlagsFromString } from 'node:v8';

/** Bytes of bytecode V8 may inline into one optimised function (V8's default: 920). */
export const INLINED_BYTECODE_BUDGET = 230;

setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINED_BYTECODE_BUDGET}`);
