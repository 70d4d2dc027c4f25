// Long runs: progress with an estimate of the time left on a terminal, and `--max-wall` — a limit
// on wall-clock time after which the run stops with a message (exit 2) instead of running for
// hours (issue 15, item 10). Nothing here reaches results: wall time goes to stderr only.

import type { Ns } from '../scenario/types.js';
import { InputError } from '../errors.js';
import { formatDuration } from '../scenario/units.js';

/**
 * Wall-clock milliseconds from an arbitrary origin. Not `performance.now()`: the `performance`
 * global loads Node's perf_hooks modules on first use (start-up, issue 14; src/cli/write-stdout.ts).
 */
const wallMs = () => Number(process.hrtime.bigint()) / 1e6;

/** A wall-clock limit for the simulations of one command. */
export interface WallLimit {
  maxWallNs: number;
  startedMs: number;
}

export function wallLimit(maxWallNs: number | undefined): WallLimit | undefined {
  return maxWallNs === undefined ? undefined : { maxWallNs, startedMs: wallMs() };
}

export function wallExceeded(limit: WallLimit, done: string): InputError {
  return new InputError({
    file: '<command line>',
    pointer: '/max-wall',
    expected: `simulations that finish within --max-wall ${formatDuration(limit.maxWallNs)}`,
    found: `stopped after ${formatDuration(Math.round((wallMs() - limit.startedMs) * 1e6))} of wall time, ${done}`,
    hint: 'shorten the scenario\'s duration, or raise --max-wall',
  });
}

/** Remaining milliseconds of the limit (never below 0). */
export function wallLeftMs(limit: WallLimit): number {
  return Math.max(0, limit.maxWallNs / 1e6 - (wallMs() - limit.startedMs));
}

/**
 * The simulator's progress hook for one in-process run: throws at the wall limit, and on a terminal
 * redraws one line "model: 12.3 s of 100 s simulated (12 %), about 40 s left" at most every 0.5 s.
 */
export function runWatcher(label: string, endNs: Ns, limit: WallLimit | undefined, stream?: NodeJS.WriteStream): { onProgress(now: Ns): void; done(): void } {
  const started = wallMs();
  let shownAt = started;
  let shown = false;
  return {
    onProgress(now) {
      const t = wallMs();
      if (limit && t - limit.startedMs > limit.maxWallNs / 1e6) {
        if (shown) stream?.write('\n');
        throw wallExceeded(limit, `${label}: ${formatDuration(now)} of ${formatDuration(endNs)} simulated`);
      }
      if (t - shownAt < 500 || now <= 0) return;
      // Standard error's stream is built only now, for a run that lasts (as for stdout, write-stdout.ts).
      stream ??= process.stderr;
      if (!stream.isTTY) return;
      shownAt = t;
      shown = true;
      const leftS = ((t - started) / 1000) * ((endNs - now) / now);
      stream.write(`\r${label}: ${formatDuration(now)} of ${formatDuration(endNs)} simulated (${Math.floor((100 * now) / endNs)} %), about ${leftS < 90 ? `${Math.ceil(leftS)} s` : `${Math.ceil(leftS / 60)} min`} left\u001b[K`);
    },
    done() {
      if (shown) stream?.write('\r\u001b[K');
    },
  };
}
