// The guest EDF policy's order (guest-policies/edf.ts) is the earliest absolute deadline of each
// task's current job, a task without a job (or a job without a deadline) last, ties left to queue
// order. Its comparison is written to read two deadlines without boxing them (issue 14); this checks
// it against that rule written plainly, over tasks with and without jobs and with finite, equal and
// infinite deadlines.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Task, type Job } from '../src/engine/entities.js';
import { GUEST_POLICIES } from '../src/engine/guest-policy.js';
import type { TaskSpec } from '../src/scenario/types.js';

function taskWith(deadline: number | null): Task {
  const task = new Task({ id: 't', deadline: 10 } as TaskSpec, null);
  if (deadline !== null) {
    const job: Job = { release: 0, deadline, demand: 1, remaining: 1, started: false, measured: false, firstRunAt: undefined, wallNs: undefined, yields: undefined, onDone: undefined };
    task.pushJob(job);
  }
  return task;
}

/** The rule: earliest deadline first; no job counts as an infinite deadline; equal is 0 (queue order decides). */
function ruleSign(a: number | null, b: number | null): number {
  const da = a ?? Infinity;
  const db = b ?? Infinity;
  return da < db ? -1 : da > db ? 1 : 0;
}

describe('guest EDF order', () => {
  it('is the sign of the deadlines compared, a task without a job counting as an infinite deadline', () => {
    const policy = GUEST_POLICIES.edf.create([], 0);
    const deadline = fc.oneof(fc.constant(null), fc.constant(Infinity), fc.constantFrom(0, 5, 5, 2 ** 31 + 1), fc.integer({ min: 0, max: 1e12 }));
    fc.assert(
      fc.property(deadline, deadline, (a, b) => {
        expect(Math.sign(policy.compare(taskWith(a), taskWith(b)))).toBe(ruleSign(a, b));
      }),
      { numRuns: 500 },
    );
  });
});
