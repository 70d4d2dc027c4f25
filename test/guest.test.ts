// The guest scheduler's placement of tasks on vCPUs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Guest, type GuestHost } from '../src/engine/guest.js';
import { GUEST_POLICIES } from '../src/engine/guest-policy.js';
import { HostEntity, Task } from '../src/engine/entities.js';
import type { VmuSpec } from '../src/scenario/types.js';
import { ms, task, vmu } from './helpers/scenario.js';

function guestWith(vcpuCount: number, specs: { prio: number; affinity: number[] }[]) {
  const spec: VmuSpec = vmu('g', [], { vcpus: vcpuCount });
  const vcpus = Array.from({ length: vcpuCount }, (_, i) => new HostEntity(`g/vcpu${i}`, { kind: 'vcpu', vmu: spec, index: i }, [0], i));
  const host: GuestHost = {
    now: 0,
    settleVcpu() {},
    guestDirty() {},
    assign(v, t) {
      if (t !== null && t.runner !== null && t.runner !== v && t.runner.task === t) t.runner.task = null;
      v.task = t;
      if (t) t.runner = v;
    },
  };
  const guest = new Guest(GUEST_POLICIES.fifo.create([], ms(4)), vcpus, ms(4), host);
  const tasks = specs.map((x, i) => {
    const t = new Task(task(`t${i}`, ms(1), ms(10), { policy: { class: 'fifo', priority: x.prio }, affinity: x.affinity }), spec);
    t.pushJob({ release: 0, deadline: ms(10), demand: ms(1), remaining: ms(1), started: false, measured: true });
    return t;
  });
  return { guest, vcpus, tasks };
}

describe('guest placement', () => {
  it('a pinned higher-priority task gets its vCPU even when a lower-priority task is running there', () => {
    const { guest, vcpus, tasks } = guestWith(2, [{ prio: 0, affinity: [0, 1] }, { prio: 50, affinity: [0] }]);
    guest.wake(tasks[0]);
    guest.reassign();
    expect(vcpus[0].task).toBe(tasks[0]);
    guest.wake(tasks[1]);
    guest.reassign();
    expect(vcpus[0].task).toBe(tasks[1]);
    expect(vcpus[1].task).toBe(tasks[0]);
  });

  it('runs the highest-priority set that can be placed, with each task on an allowed vCPU and none twice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.record({ prio: fc.integer({ min: 1, max: 99 }), affinity: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: n }) }), { minLength: 1, maxLength: 6 }),
          ),
        ),
        ([n, specs]) => {
          const { guest, vcpus, tasks } = guestWith(n, specs);
          tasks.forEach((t) => guest.wake(t));
          guest.reassign();
          const running = vcpus.map((v) => v.task).filter((t): t is Task => t !== null);
          expect(new Set(running).size).toBe(running.length);
          for (const v of vcpus) if (v.task) expect(v.task.spec.affinity).toContain(vcpus.indexOf(v));
          // Greedy-by-priority maximality: a waiting task could not be added without displacing a
          // higher-priority one, so at least it has no free allowed vCPU.
          for (const t of tasks.filter((x) => !running.includes(x))) {
            expect(t.spec.affinity.every((i) => vcpus[i].task !== null)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
