// A guest whose policy's order is stable (EDF, FIFO/RR: GuestPolicy.stableOrder) keeps its runnable
// tasks in order as they change, places tasks that may all run anywhere without the general
// matching, and — where a settle is only a split — settles only the vCPUs a placement changes
// (Guest, GuestOptions.incremental; issue 14). The claim is that placements are exactly those of the
// general path, which sorts and matches from scratch and settles every vCPU first: checked here over
// random multi-vCPU guests under several host models, comparing every placement the engine makes
// (the observer's assign calls) and the whole results, with the shortcuts on and off; a one-vCPU
// guest's wake-up behind the head it runs asks for no placement at all, and a FIFO guest without RR
// tasks is charged nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Simulator, type SimObserver } from '../src/engine/simulator.js';
import { Guest } from '../src/engine/guest.js';
import { collectRun } from '../src/metrics/results.js';
import type { Policy, Scenario, TaskSpec, VmuSpec } from '../src/scenario/types.js';
import { findModel } from '../models/index.js';
import { host, ms, scenario, us } from './helpers/scenario.js';

const PERIODS_MS = [2, 4, 5, 8, 10, 20];
const POLICIES = ['edf', 'fifo', 'fair'] as const;

interface TaskShape {
  p: number;
  share: number;
  /** Affinity over the VMU's vCPUs as a bit mask; 0 = every vCPU in order. */
  mask: number;
  priority: number;
  rr: boolean;
  offsetUs: number;
  jitter: boolean;
}

const taskShape = fc.record({
  p: fc.integer({ min: 0, max: PERIODS_MS.length - 1 }),
  share: fc.integer({ min: 30, max: 400 }),
  mask: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 15 })),
  priority: fc.constantFrom(10, 20, 20, 30),
  rr: fc.boolean(),
  offsetUs: fc.constantFrom(0, 0, 0, 500, 1250),
  jitter: fc.boolean(),
});

const vmuShape = fc.record({
  vcpus: fc.integer({ min: 1, max: 4 }),
  pin: fc.boolean(),
  guest: fc.constantFrom(...POLICIES),
  budgetMs: fc.integer({ min: 3, max: 10 }),
  tasks: fc.array(taskShape, { minLength: 1, maxLength: 7 }),
});

const hostShape = fc.record({
  cpus: fc.integer({ min: 1, max: 4 }),
  switchUs: fc.constantFrom(0, 0, 3),
  seed: fc.integer({ min: 1, max: 1000 }),
  vmus: fc.array(vmuShape, { minLength: 1, maxLength: 2 }),
  model: fc.constantFrom('kvm-irmos', 'kvm-irmos', 'kvm-irmos', 'xen-credit', 'xen-rtds', 'kvm-linux-cfs'),
});

type HostShape = typeof hostShape extends fc.Arbitrary<infer T> ? T : never;

function taskSpec(vmuId: string, i: number, t: TaskShape, vcpus: number): TaskSpec {
  const period = ms(PERIODS_MS[t.p]);
  const runtime = Math.max(us(20), Math.round((period * t.share) / 1000));
  const all = Array.from({ length: vcpus }, (_, c) => c);
  const masked = all.filter((c) => (t.mask & (1 << c)) !== 0);
  // A mask can also list every vCPU out of order (reversed), which the known matching must not take for "in order".
  const affinity = t.mask === 0 ? all : masked.length === vcpus && vcpus > 1 && t.mask === 15 ? [...all].reverse() : masked.length > 0 ? masked : [0];
  const policy: Policy = t.rr ? { class: 'rr', priority: t.priority } : { class: 'fifo', priority: t.priority };
  return {
    id: `${vmuId}-t${i}`,
    arrival: { kind: 'periodic', period, offset: us(t.offsetUs), jitter: 0 },
    exec: t.jitter ? { kind: 'uniform', min: Math.max(1, Math.round(runtime / 3)), max: runtime } : { kind: 'constant', value: runtime },
    deadline: period,
    policy,
    affinity,
  };
}

function build(shape: HostShape): Scenario {
  const vmus = shape.vmus.map((v, k): VmuSpec => {
    const id = `vm${k}`;
    const vcpus = v.vcpus;
    return {
      id,
      host: 'ph1',
      vcpus,
      affinity: Array.from({ length: shape.cpus }, (_, c) => c),
      // Pinned only where the vCPUs cover the pCPUs: kvm-irmos picks a smaller VMU's cpuset least
      // reserved first, which a vCPU pinned to affinity[i] need not meet (refused at build).
      pinVcpus: v.pin && vcpus >= shape.cpus,
      sla: { budget: ms(v.budgetMs / shape.vmus.length), period: ms(10), deadline: ms(10) },
      guest: { scheduler: v.guest, tickNs: ms(4) },
      weight: 1024,
      tasks: v.tasks.map((t, i) => taskSpec(id, i, t, vcpus)),
      io: [],
    };
  });
  return scenario({ durationNs: ms(200), seed: shape.seed, hosts: [host('ph1', shape.cpus, { tickNs: ms(4), contextSwitchNs: us(shape.switchUs) })], vmus });
}

/**
 * Every placement (time, vCPU, task) and the run's results, with the guest shortcuts on or off, and
 * with the protocol checks (which make the guest keep its wake-up order to check the kept order
 * against) or without them, as runs go.
 */
function run(sc: Scenario, model: string, incremental: boolean, checkProtocol = true): { placements: string[]; json: string; sim: Simulator; reassigns: number } {
  const placements: string[] = [];
  const observer: SimObserver = { assign: (now, _host, vcpu, task) => placements.push(`${now} ${vcpu.id} ${task?.id ?? '-'}`) };
  const params = model === 'kvm-irmos' ? { admissionBound: 1 } : {};
  const sim = new Simulator(sc, findModel(model, '<test>', ''), { params, observer, guestIncremental: incremental, checkProtocol });
  // Placements computed (a wake-up behind the head of a one-vCPU guest asks for none: Guest.wake).
  let reassigns = 0;
  const reassign = Guest.prototype.reassign;
  Guest.prototype.reassign = function (this: Guest) {
    reassigns++;
    reassign.call(this);
  };
  try {
    sim.run();
  } finally {
    Guest.prototype.reassign = reassign;
  }
  return { placements, json: JSON.stringify({ run: collectRun(sim, []), events: sim.eventsFired }), sim, reassigns };
}

describe('incremental guest placement (issue 14)', () => {
  it('places every task exactly as sorting and matching from scratch does, with the same results', () => {
    let keptOrder = 0;
    let direct = 0;
    let fewerPlacements = 0;
    fc.assert(
      fc.property(hostShape, (shape) => {
        const sc = build(shape);
        let general: ReturnType<typeof run>;
        try {
          general = run(sc, shape.model, false);
        } catch (e) {
          // A host its model's admission refuses (several reserved VMUs on few pCPUs) has no placements to compare.
          if ((e as { pointer?: string }).pointer?.endsWith('/sla') === true) return;
          throw e;
        }
        const incremental = run(sc, shape.model, true);
        expect(incremental.placements).toEqual(general.placements);
        expect(incremental.json).toBe(general.json);
        const unchecked = run(sc, shape.model, true, false);
        expect(unchecked.placements).toEqual(general.placements);
        expect(unchecked.json).toBe(general.json);
        if (unchecked.reassigns < general.reassigns) fewerPlacements++;
        for (const h of incremental.sim.hosts) {
          for (const g of h.guests) {
            if (g.keepsOrder) keptOrder++;
            if (g.directMatching && g.vcpus.length > 1) direct++;
          }
        }
      }),
      { numRuns: 120, seed: 1414 },
    );
    // The shortcuts were really exercised, not only the general path twice.
    expect(keptOrder).toBeGreaterThan(40);
    expect(direct).toBeGreaterThan(10);
    expect(fewerPlacements).toBeGreaterThan(5);
  });

  it('engages where the order is stable and every task may run anywhere, and not for a fair guest or a partial affinity', () => {
    const tasks = (aff: number[]) => [0, 1, 2].map((i) => taskSpec('vm', i, { p: 2, share: 300, mask: 0, priority: 20, rr: false, offsetUs: 0, jitter: false }, 2)).map((t) => ({ ...t, affinity: aff }));
    const guestOf = (scheduler: (typeof POLICIES)[number], aff: number[]) => {
      const vm: VmuSpec = {
        id: 'vm', host: 'ph1', vcpus: 2, affinity: [0, 1], pinVcpus: true, weight: 1024, io: [],
        sla: { budget: ms(10), period: ms(10), deadline: ms(10) }, guest: { scheduler, tickNs: ms(4) }, tasks: tasks(aff),
      };
      const sim = new Simulator(scenario({ durationNs: ms(1), hosts: [host('ph1', 2)], vmus: [vm] }), findModel('kvm-irmos', '<test>', ''), { params: { admissionBound: 1 } });
      return sim.hosts[0].guests[0];
    };
    expect([guestOf('edf', [0, 1]).keepsOrder, guestOf('edf', [0, 1]).directMatching]).toEqual([true, true]);
    expect([guestOf('fifo', [1, 0]).keepsOrder, guestOf('fifo', [1, 0]).directMatching]).toEqual([true, false]);
    expect([guestOf('fair', [0, 1]).keepsOrder, guestOf('edf', [1]).directMatching]).toEqual([false, false]);
  });
});
