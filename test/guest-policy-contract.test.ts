// The guest-policy protocol, checked around every registered policy while whole scenarios run:
// the order is antisymmetric, wake/charge/head only concern tasks the guest holds as runnable, and
// time charged is never negative nor more than elapsed. A new policy in GUEST_POLICIES is checked
// here without a line of this file changing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../src/engine/entities.js';
import { GUEST_POLICIES, GUEST_POLICY_NAMES, type GuestPolicy, type GuestPolicyFactory } from '../src/engine/guest-policy.js';
import type { GuestSchedulerKind, Policy } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { findModel } from '../models/index.js';
import { host, ms, scenario, task, us, vmu } from './helpers/scenario.js';

const violations: string[] = [];
const runnable = new Set<Task>();

function checked(inner: GuestPolicy, name: string): GuestPolicy {
  const fail = (what: string) => violations.push(`${name}: ${what}`);
  return {
    compare(a, b) {
      const ab = inner.compare(a, b);
      const ba = inner.compare(b, a);
      if (Math.sign(ab) !== -Math.sign(ba)) fail(`compare(${a.id}, ${b.id}) = ${ab} but compare(${b.id}, ${a.id}) = ${ba}`);
      return ab;
    },
    wake(t) {
      if (runnable.has(t)) fail(`wake of ${t.id}, already runnable`);
      runnable.add(t);
      inner.wake?.(t);
    },
    charge(t, delta) {
      if (!(delta > 0) || !Number.isFinite(delta)) fail(`charge of ${delta} ns to ${t.id}`);
      inner.charge?.(t, delta);
    },
    tick: inner.tick && ((tasks, queue) => inner.tick!(tasks, queue)),
    headChosen(t) {
      if (!runnable.has(t)) fail(`head ${t.id} is not runnable`);
      inner.headChosen?.(t);
    },
    requeueOnNextJob: inner.requeueOnNextJob,
    ticks: inner.ticks,
  };
}

const originals = new Map<string, GuestPolicyFactory>();
beforeAll(() => {
  for (const name of GUEST_POLICY_NAMES) {
    const factory = GUEST_POLICIES[name] as GuestPolicyFactory;
    originals.set(name, factory);
    (GUEST_POLICIES as Record<string, GuestPolicyFactory>)[name] = {
      summary: factory.summary,
      create: (tasks, tickNs) => checked(factory.create(tasks, tickNs), name),
    };
  }
});
afterAll(() => {
  for (const [name, factory] of originals) (GUEST_POLICIES as Record<string, GuestPolicyFactory>)[name] = factory;
});

const policyArb: fc.Arbitrary<Policy> = fc.oneof(
  fc.integer({ min: 1, max: 99 }).map((priority) => ({ class: 'fifo', priority }) as const),
  fc.integer({ min: 1, max: 99 }).map((priority) => ({ class: 'rr', priority }) as const),
  fc.integer({ min: -5, max: 5 }).map((nice) => ({ class: 'fair', nice }) as const),
);

describe.each(GUEST_POLICY_NAMES)('guest policy %s keeps the protocol', (name) => {
  it('over random task sets on 1–3 vCPUs beside a busy neighbour', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.record({ periodMs: fc.integer({ min: 2, max: 20 }), share: fc.double({ min: 0.05, max: 0.6, noNaN: true }), policy: policyArb }), { minLength: 1, maxLength: 6 }),
        (vcpus, specs) => {
          violations.length = 0;
          runnable.clear();
          const tasks = specs.map((s, i) =>
            task(`t${i}`, Math.max(us(10), Math.round(ms(s.periodMs) * s.share)), ms(s.periodMs), { policy: s.policy, affinity: [0, 1, 2] }),
          );
          const sc = scenario({
            durationNs: ms(150) + us(123),
            hosts: [host('ph1', 2)],
            vmus: [
              { ...vmu('vm', tasks, { vcpus, affinity: [0, 1] }), sla: { budget: ms(6), period: ms(10), deadline: ms(10) }, guest: { scheduler: name as GuestSchedulerKind, tickNs: ms(4) } },
              vmu('hog', [{ ...task('spin', 1, ms(1)), arrival: { kind: 'busy', offset: 0 }, deadline: Infinity }], { affinity: [0, 1] }),
            ],
          });
          // A blocked task leaves the checker's runnable set when its guest drops it: track blocks
          // through completions (a task with no pending job is not runnable).
          simulate(sc, findModel('kvm-irmos', '<test>', '/models/0'), undefined, {
            observer: {
              complete: (_now, t) => {
                if (t.jobs.length === 0 || t.pendingJobs().length === 0) runnable.delete(t);
              },
            },
          });
          expect(violations).toEqual([]);
        },
      ),
      { numRuns: 25, seed: 20261207 },
    );
  });
});
