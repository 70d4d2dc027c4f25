// V8 tuning for hvsim's processes: NODE_FLAGS, the node command-line flags bin/hvsim.js's shebang,
// package.json's scripts, the bench's children and the tests that spawn the CLI start node with
// (test/node-flags.test.ts checks each against this list). Neither flag changes what the code
// computes, only how V8 compiles it and sizes its heap.
//
// - The inlining budget. V8's optimising compiler inlines up to 920 bytes of bytecode into each
//   function by default; the engine's hot paths (run loop → event callbacks → scheduling classes →
//   accounting) are deep chains of small methods, so the run loop and the reschedule pass were each
//   compiled as one huge function, recompiled after every deoptimisation, and most of a short run's
//   CPU time went to compiling them. A smaller budget keeps the inlined functions small: measured on
//   the issue 14 EDF set (bench/RESULTS.md), whole 100 s runs take 1.2× less CPU and warmed-up runs up
//   to 1.5× less. V8 honours it at run time too, so a process started without it (`node
//   bin/hvsim.js`, a library user importing this module first) gets it set here, before any
//   simulation code is optimised; on the command line it costs no node:v8 load at start (~5 ms).
// - The young generation's cap, which V8 reads only at start (the heap is sized then).

/** Bytes of bytecode V8 may inline into one optimised function (V8's default: 920). */
export const INLINED_BYTECODE_BUDGET = 230;

const INLINING_FLAG = `--max-inlined-bytecode-size-cumulative=${INLINED_BYTECODE_BUDGET}`;

/**
 * Node command-line flags of every hvsim CLI process. `--max-semi-space-size=8` caps V8's young
 * generation at 16 MiB (two 8 MiB semi-spaces; by default it doubles to 32 MiB once enough survives
 * scavenges, which a big host does within seconds): peak RSS of 4096 tasks for 10 s 105 → 89 MiB, the
 * same CPU within noise; a small run never reaches the cap. Measured and left out (bench/RESULTS.md):
 * `--interrupt-budget` (earlier tier-up) speeds the bench's cold engine child but not the CLI — a
 * `hvsim run`'s simulation took the same CPU and its start-up more. A re-exec to add flags would
 * cost a second node start (~40 ms).
 */
export const NODE_FLAGS: readonly string[] = [INLINING_FLAG, '--max-semi-space-size=8'];

if (!process.execArgv.includes(INLINING_FLAG)) (process.getBuiltinModule('node:v8') as typeof import('node:v8')).setFlagsFromString(INLINING_FLAG);
