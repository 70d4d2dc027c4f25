// The one write of a command's output, without Node's stdout stream (start-up, issue 14). The first
// touch of `process.stdout` builds a stream (for a file, a pipe or a terminal) from some twenty of
// Node's internal modules; a process started with V8 flags (NODE_FLAGS, the CLI's shebang) finds
// Node's own code cache for them refused and compiles them from source: ~30 M instructions, a tenth
// of a short `hvsim run`. A synchronous write to descriptor 1 is what that stream does on Linux for
// files, pipes and terminals (Node's "A note on process I/O"); where the descriptor refuses it (a
// non-blocking pipe that is full, a closed pipe), the rest goes through the stream as before, so
// the same errors reach the user. Only for a command's single output, written last: a write here
// cannot overtake earlier ones of the stream, because there are none. And only in a process that is
// the CLI (runCli, src/cli/main.ts, claims descriptor 1): code that calls the CLI's main() in its
// own process — the tests, a library user — gets the stream, which it may have redirected.

import { writeSync } from 'node:fs';

let ownsDescriptor = false;

/** Declares this process the CLI: its output may go straight to descriptor 1. */
export function claimStdout(): void {
  ownsDescriptor = true;
}

export function writeStdout(text: string): void {
  if (!ownsDescriptor) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written, bytes.length - written);
  } catch {
    process.stdout.write(bytes.subarray(written));
  }
}
