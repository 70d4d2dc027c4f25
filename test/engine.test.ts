import { describe, expect, it } from 'vitest';
import { EventPhase, EventQueue } from '../src/engine/event-queue.js';
import type { HostEntity } from '../src/engine/entities.js';
import type { HypervisorModel } from '../src/engine/model.js';
import type { SchedClass } from '../src/engine/policy.js';
import { simulate } from '../src/experiments/simulate.js';
import { hostThread, ms, scenario, task } from './helpers/scenario.js';

/** A minimal partitioned fixed-priority class: just enough to exercise the engine. */
function fixedPriorityModel(): HypervisorModel {
  return {
    name: 'test-fp',
    family: 'kvm',
    summary: 'test',
    build({ entities, ctx }) {
      const queued: HostEntity[] = [];
      const prio = (e: HostEntity) => (e.origin.kind === 'thread' && 'priority' in e.origin.spec.policy ? e.origin.spec.policy.priority : 0);
      const cls: SchedClass = {
        name: 'fp',
        admit(e) { e.schedClass = this; },
        enqueue(e) { e.cpu = e.affinity[0]; queued.push(e); ctx.resched(e.cpu); },
        dequeue(e) { queued.splice(queued.indexOf(e), 1); ctx.resched(e.cpu); },
        pickNext(cpu) {
          let best: HostEntity | null = null;
          for (const e of queued) if (e.cpu === cpu && (best === null || prio(e) > prio(best))) best = e;
          return best;
        },
        charge() {}, started() {}, stopped() {},
      };
      for (const e of entities) cls.admit(e, undefined);
      return { classes: [cls], mapping: [], settings: {} };
    },
  };
}

describe('event queue', () => {
  it('fires in (time, phase, insertion) order and skips cancelled timers', () => {
    const q = new EventQueue(2);
    const fired: string[] = [];
    const mk = (name: string, phase: number) => q.timer(phase as never, () => fired.push(name));
    mk('c', EventPhase.release).arm(10);
    mk('a', EventPhase.completion).arm(10);
    mk('b', EventPhase.completion).arm(10);
    const cancelled = mk('x', EventPhase.completion);
    cancelled.arm(5);
    cancelled.cancel();
    const rearmed = mk('r', EventPhase.completion);
    rearmed.arm(1);
    rearmed.arm(20);
    mk('first', EventPhase.tick).arm(3);
    while (q.peekTime() !== Infinity) q.fireNext();
    expect(fired).toEqual(['first', 'a', 'b', 'c', 'r']);
  });
});

describe('engine with a fixed-priority host class', () => {
  it('runs two host threads and matches hand-computed response times', () => {
    // (C, T) = (1 ms, 4 ms) high and (2 ms, 6 ms) low on one CPU.
    const sc = scenario({
      durationNs: ms(12),
      hostThreads: [
        hostThread(task('hi', ms(1), ms(4), { policy: { class: 'fifo', priority: 90 } })),
        hostThread(task('lo', ms(2), ms(6), { policy: { class: 'fifo', priority: 10 } })),
      ],
    });
    const run = simulate(sc, fixedPriorityModel());
    const hi = run.tasks.find((t) => t.id === 'hi')!;
    const lo = run.tasks.find((t) => t.id === 'lo')!;
    expect(hi.response.maxNs).toBe(ms(1));
    // lo: released 0, runs 1..3 → 3 ms; second job released 6, hi at 8 is later → runs 6..8 → 2 ms.
    expect(lo.response.maxNs).toBe(ms(3));
    expect(lo.missed).toBe(0);
    expect(hi.completed).toBe(3);
    expect(lo.completed).toBe(2);
    expect(run.hosts[0].utilisation).toBeCloseTo((3 + 4) / 12, 6);
  });
});
