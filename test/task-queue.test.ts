// A task's pending jobs: a FIFO (a late periodic task queues its next releases, oldest first, like
// rt-app), kept in a ring that holds no finished job (issue 14: memory per task). hasJob and
// currentJob are fields the queue keeps up to date (issue 14: no getters): checked after every step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Task, type Job } from '../src/engine/entities.js';
import { ms, task } from './helpers/scenario.js';

const job = (release: number): Job => ({ release, deadline: release + ms(10), demand: ms(1), remaining: ms(1), started: false, measured: true });

describe('Task pending-job queue', () => {
  it('serves jobs oldest first through any mix of releases and completions', () => {
    // Model: a plain array. Op true: release a job; false: complete the head job (if any).
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 300, size: 'max' }), (ops) => {
        const t = new Task(task('t', ms(1), ms(10)), null);
        const model: Job[] = [];
        let released = 0;
        for (const release of ops) {
          if (release) {
            const j = job(released++);
            t.pushJob(j);
            model.push(j);
          } else if (model.length > 0) {
            expect(t.currentJob).toBe(model[0]);
            t.shiftJob();
            model.shift();
          }
          expect(t.hasJob).toBe(model.length > 0);
          expect(t.currentJob).toBe(model[0]);
          expect(t.pendingJobs()).toEqual(model);
        }
        t.dropPendingJobs();
        expect(t.hasJob).toBe(false);
        expect(t.currentJob).toBeUndefined();
        expect(t.pendingJobs()).toEqual([]);
      }),
      { numRuns: 200, seed: 14 },
    );
  });

  it('keeps no finished job reachable from the task', () => {
    const t = new Task(task('t', ms(1), ms(10)), null);
    const finished = Array.from({ length: 5 }, (_, k) => job(k));
    for (const j of finished) t.pushJob(j);
    for (let k = 0; k < 5; k++) t.shiftJob();
    t.pushJob(job(99));
    // Whatever the ring's layout, none of its slots may still point at a completed job.
    const slots = Object.values(t).flatMap((v) => (Array.isArray(v) ? v : []));
    for (const j of finished) expect(slots).not.toContain(j);
  });
});
