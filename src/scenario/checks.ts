// Small helpers shared by the normalisation steps: unit parsing bound to a file, range checks on
// durations, CPU index lists and id uniqueness, all failing with an InputError.

import { InputError, describeValue } from '../errors.js';
import type { Ns } from './types.js';
import { formatDuration, parseBandwidth, parseDuration, parseRate } from './units.js';

export class Checker {
  constructor(readonly file: string) {}

  fail(pointer: string, expected: string, found: string, hint?: string): never {
    throw new InputError({ file: this.file, pointer, expected, found, hint });
  }

  duration(text: unknown, pointer: string): Ns {
    return parseDuration(text, this.file, pointer);
  }

  rate(text: unknown, pointer: string): number {
    return parseRate(text, this.file, pointer);
  }

  /** Bits per second, > 0. */
  bandwidth(text: unknown, pointer: string): number {
    return parseBandwidth(text, this.file, pointer);
  }

  /** A duration that must be > 0 (periods, budgets, demands, ticks). */
  positiveDuration(text: unknown, pointer: string): Ns {
    const ns = this.duration(text, pointer);
    if (ns <= 0) this.fail(pointer, 'a duration > 0', describeValue(text));
    return ns;
  }

  /** Fail unless `ns` <= `limit`; `what` names the limit, e.g. 'the period'. */
  atMost(ns: Ns, limit: Ns, pointer: string, text: unknown, what: string): void {
    if (ns > limit) this.fail(pointer, `a duration <= ${what} (${formatDuration(limit)})`, describeValue(text));
  }

  /**
   * Resolve an affinity list against `count` processors: default all, each index in range.
   * `unit` is 'pCPU' or 'vCPU'; `owner` names what the processors belong to ('host ph1').
   */
  processors(list: readonly number[] | undefined, count: number, pointer: string, unit: string, owner: string): number[] {
    if (list === undefined) return Array.from({ length: count }, (_, i) => i);
    list.forEach((index, i) => {
      if (index >= count) {
        const range = count === 1 ? '0' : `0..${count - 1}`;
        this.fail(`${pointer}/${i}`, `${unit} indices ${range} of ${owner}`, `${unit} ${index}`);
      }
    });
    return [...list];
  }
}

/** Remembers where each id was defined, to report duplicates with both places. */
export class IdRegistry {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly checker: Checker,
    /** For messages: 'host', 'VMU', 'task or host thread'. */
    private readonly kind: string,
  ) {}

  add(id: string, pointer: string): void {
    const previous = this.seen.get(id);
    if (previous !== undefined) {
      this.checker.fail(pointer, `a ${this.kind} id not used before`, `${JSON.stringify(id)}, already used at ${previous}`);
    }
    this.seen.set(id, pointer);
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }

  ids(): string[] {
    return [...this.seen.keys()];
  }
}
