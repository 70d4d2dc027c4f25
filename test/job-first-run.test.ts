// A job's first run (Job.firstRunAt) is stored only where something reads it (issue 14: a heap
// number per job otherwise): for a wall-clock job, and for an observer that is handed jobs (rt-app
// logs read it from `complete`). These check that such an observer still sees it, and right.
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { Simulator } from '../src/engine/simulator.js';
import type { Job } from '../src/engine/entities.js';
import { hostThread, host, ms, scenario, task, vmu } from './helpers/scenario.js';

interface Seen {
  task: string;
  release: number;
  firstRunAt: number | undefined;
  completion: number;
  demand: number;
}

function completions(sc: ReturnType<typeof scenario>, model: string): Seen[] {
  const seen: Seen[] = [];
  const sim = new Simulator(sc, findModel(model, sc.file, ''), {
    observer: {
      complete: (now: number, t: { id: string }, job: Job) => seen.push({ task: t.id, release: job.release, firstRunAt: job.firstRunAt, completion: now, demand: job.demand }),
    },
  });
  sim.run();
  return seen;
}

/** A job runs first at or after its release, and executes its whole demand after that (switch overheads only add to it). */
function expectFirstRunWithinBounds(s: Seen): void {
  expect(typeof s.firstRunAt).toBe('number');
  expect(s.firstRunAt!).toBeGreaterThanOrEqual(s.release);
  expect(s.firstRunAt! + s.demand).toBeLessThanOrEqual(s.completion);
}

describe("a completing job's first run, as an observer sees it", () => {
  it('host threads under FIFO: between release and completion − demand; the top priority starts at its release plus a switch', () => {
    const switchNs = 3_000;
    const threads = [0, 1, 2].map((i) => hostThread(task(`t${i}`, ms(1 + i), ms(5 + 2 * i), { policy: { class: 'fifo', priority: 30 - 10 * i }, affinity: [0] })));
    const sc = scenario({ durationNs: ms(200), hosts: [host('ph1', 1, { contextSwitchNs: switchNs })], hostThreads: threads });
    const seen = completions(sc, 'kvm-linux');
    expect(seen.length).toBeGreaterThan(50);
    for (const s of seen) {
      expectFirstRunWithinBounds(s);
      // The highest priority pre-empts at once: only the switch to it delays its start.
      if (s.task === 't0') expect(s.firstRunAt! - s.release).toBeLessThanOrEqual(switchNs);
    }
    expect(seen.some((s) => s.task === 't2' && s.firstRunAt! > s.release + switchNs)).toBe(true); // a delayed start was seen too
  });

  it('guest tasks under kvm-irmos: the same bounds', () => {
    const tasks = [0, 1].map((i) => task(`g${i}`, ms(1 + i), ms(10 + 5 * i), { policy: { class: 'fifo', priority: 20 - i }, affinity: [0] }));
    const sc = scenario({ durationNs: ms(200), hosts: [host('ph1', 1)], vmus: [vmu('vm0', tasks)] });
    const seen = completions(sc, 'kvm-irmos');
    expect(seen.length).toBeGreaterThan(20);
    for (const s of seen) expectFirstRunWithinBounds(s);
  });
});
