// Progress of `hvsim report` (and `compare`, `run --out`) on stderr: a bar (cli-progress) when
// stderr is a terminal, plain lines otherwise (CI logs, pipes). The bar uses no colour, so
// NO_COLOR needs nothing more than plain characters; with NO_COLOR set the bar is drawn in ASCII.
// Nothing here reaches the reports.

import { createRequire } from 'node:module';
import type cliProgressTypes from 'cli-progress';

type CliProgress = typeof cliProgressTypes;
let cliProgressLibrary: CliProgress | undefined;

/** cli-progress, loaded when a bar is first drawn: every command but a plain `run` imports this module (start-up, issue 14). */
function cliProgress(): CliProgress {
  cliProgressLibrary ??= createRequire(import.meta.url)('cli-progress') as CliProgress;
  return cliProgressLibrary;
}

export interface Progress {
  /** A new phase of `total` steps. */
  phase(name: string, total: number): void;
  /** One step of the current phase done; `detail` names what finished (plain-line mode prints milestones). */
  step(detail?: string): void;
  /** End the phase with a summary line. */
  end(summary: string): void;
  /** A line outside any phase (what was written, failed expectations). */
  log(line: string): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, forcePlain = false): Progress {
  return stream.isTTY && !forcePlain ? barProgress(stream) : plainProgress(stream);
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  const ascii = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  let bar: cliProgressTypes.SingleBar | null = null;
  return {
    phase(name, total) {
      const { SingleBar, Presets } = cliProgress();
      bar = new SingleBar(
        {
          stream,
          format: `${name.padEnd(10)} [{bar}] {value}/{total} ETA {eta_formatted} {detail}`,
          barCompleteChar: ascii ? '#' : '\u2588',
          barIncompleteChar: ascii ? '-' : '\u2591',
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 20,
        },
        Presets.legacy,
      );
      bar.start(total, 0, { detail: '' });
    },
    step(detail) {
      bar?.increment(1, { detail: detail ?? '' });
    },
    end(summary) {
      bar?.stop();
      bar = null;
      stream.write(`${summary}\n`);
    },
    log(line) {
      stream.write(`${line}\n`);
    },
  };
}

/** One line at the start of a phase, at each quarter, and at its end: enough for a log, never a flood. */
function plainProgress(stream: NodeJS.WriteStream): Progress {
  let name = '';
  let total = 0;
  let done = 0;
  let nextMark = 0;
  return {
    phase(n, t) {
      name = n;
      total = t;
      done = 0;
      nextMark = Math.ceil(t / 4);
      stream.write(`${name}: ${total} job(s)\n`);
    },
    step(detail) {
      done++;
      if (done >= nextMark && done < total) {
        stream.write(`${name}: ${done}/${total}${detail ? ` (${detail})` : ''}\n`);
        nextMark = Math.min(total, nextMark + Math.ceil(total / 4));
      }
    },
    end(summary) {
      stream.write(`${summary}\n`);
    },
    log(line) {
      stream.write(`${line}\n`);
    },
  };
}
