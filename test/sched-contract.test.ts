// The scheduling-class protocol (src/engine/policy.ts) and its checker (src/engine/checked-class.ts).
// Every other suite runs its simulations with the checker on (vitest.config.ts sets
// HVSIM_CHECK_PROTOCOL=1), so each class's own tests also hold it to the contract; here the checker
// itself is shown to catch each kind of violation, and every registered model keeps the contract
// on random loads without the checks changing a single result.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckedClass, ProtocolGuard } from '../src/engine/checked-class.js';
import { HostEntity } from '../src/engine/entities.js';
import type { HypervisorModel } from '../src/engine/model.js';
import type { PolicyContext, SchedClass, TaskSlice } from '../src/engine/policy.js';
import { Simulator } from '../src/engine/simulator.js';
import { collectRun } from '../src/metrics/results.js';
import { MODELS } from '../models/index.js';
import { InputError } from '../src/errors.js';
import { host, hostThread, ms, scenario, task, vmu } from './helpers/scenario.js';

// ---- a well-behaved class and ways to break it ------------------------------------------------

/** Per-CPU FIFO: the smallest correct class. */
class Fifo implements SchedClass<undefined> {
  readonly name: string = 'fifo';
  readonly queued: HostEntity[] = [];
  admit(e: HostEntity): void {
    e.schedClass = this;
  }
  enqueue(e: HostEntity): void {
    e.cpu = e.affinity[0];
    this.queued.push(e);
  }
  dequeue(e: HostEntity): void {
    this.queued.splice(this.queued.indexOf(e), 1);
  }
  pickNext(cpu: number): HostEntity | null {
    return this.queued.find((e) => e.cpu === cpu) ?? null;
  }
  charge(): void {}
  started(): void {}
  stopped(): void {}
}

function thread(id: string, affinity = [0, 1]): HostEntity {
  const e = new HostEntity(id, { kind: 'thread', spec: hostThread(task(id, ms(1), ms(10))) }, affinity, 0);
  e.runnable = true;
  return e;
}

/** A checked `cls` at a settable time, with `a` admitted. */
function checked<C extends SchedClass<undefined>>(cls: C) {
  const clock = { now: 0 };
  const guard = new ProtocolGuard('ph1', () => clock.now);
  const wrapped = guard.wrap(cls);
  const a = thread('a');
  cls.admit(a, undefined);
  return { clock, guard, wrapped, a };
}

describe('the protocol checker', () => {
  it('lets a correct class run: enqueue, pick, start, charge what ran, stop, dequeue', () => {
    const { clock, wrapped, a } = checked(new Fifo());
    wrapped.enqueue(a);
    expect(wrapped.pickNext(0)).toBe(a);
    wrapped.started(a, 0);
    clock.now = 5;
    wrapped.charge(a, 0, 3);
    wrapped.charge(a, 0, 2);
    wrapped.stopped(a, 0);
    a.runnable = false;
    wrapped.dequeue(a);
  });

  it('catches a pickNext with side effects (it pops its choice)', () => {
    class Popping extends Fifo {
      override pickNext(cpu: number): HostEntity | null {
        const i = this.queued.findIndex((e) => e.cpu === cpu);
        return i < 0 ? null : this.queued.splice(i, 1)[0];
      }
    }
    const { wrapped, a } = checked(new Popping());
    wrapped.enqueue(a);
    expect(() => wrapped.pickNext(0)).toThrow(/pickNext\(pCPU 0\) answered a, then idle: it has side effects/);
  });

  it('catches a pickNext that asks for a re-pick or arms a timer', () => {
    const clock = { now: 0 };
    const guard = new ProtocolGuard('ph1', () => clock.now);
    const engine: PolicyContext = {
      now: 0, cpuCount: 2, tickNs: ms(1),
      timer: () => ({ arm() {}, cancel() {} }) as never,
      resched() {}, settle() {}, current: () => null, note() {},
    };
    const ctx = guard.context(engine);
    class Noisy extends Fifo {
      readonly timer = ctx.timer(1 as never, () => {});
      override pickNext(cpu: number): HostEntity | null {
        if (cpu === 0) ctx.resched(1);
        else this.timer.arm(10);
        return null;
      }
    }
    const wrapped = guard.wrap(new Noisy());
    expect(() => wrapped.pickNext(0)).toThrow(/no side effects, but it tried to ask for a re-pick of pCPU 1/);
    expect(() => wrapped.pickNext(1)).toThrow(/no side effects, but it tried to arm a timer/);
  });

  it('catches a schedule() whose choice pickNext does not report, and a negative slice', () => {
    class Forgetful extends Fifo {
      schedule(cpu: number): TaskSlice {
        return { next: this.pickNext(cpu), sliceNs: cpu === 0 ? 5 : -1 };
      }
      override pickNext(cpu: number): HostEntity | null {
        return cpu === 0 ? null : super.pickNext(cpu);
      }
    }
    const { wrapped, a } = checked(new Forgetful());
    wrapped.enqueue(a);
    a.cpu = 0;
    expect(() => wrapped.schedule!(1, 0)).toThrow(/slice of -1 ns/);
    expect(wrapped.schedule!(0, 0)).toEqual({ next: null, sliceNs: 5 });
  });

  it('catches an enqueue twice and a dequeue of an entity never enqueued', () => {
    const { wrapped, a } = checked(new Fifo());
    const b = thread('b');
    expect(() => wrapped.dequeue(b)).toThrow(/dequeue\(b\) of an entity that was not enqueued/);
    wrapped.enqueue(a);
    expect(() => wrapped.enqueue(a)).toThrow(/enqueue\(a\) twice/);
  });

  it('catches a dequeue of a running entity, and a pick of a blocked one', () => {
    const { wrapped, a } = checked(new Fifo());
    wrapped.enqueue(a);
    wrapped.started(a, 0);
    expect(() => wrapped.dequeue(a)).toThrow(/while it runs/);
    a.runnable = false;
    expect(() => wrapped.pickNext(0)).toThrow(/chose a, which is not runnable/);
  });

  it('catches charges beyond the time run', () => {
    const { clock, wrapped, a } = checked(new Fifo());
    wrapped.enqueue(a);
    clock.now = 10;
    wrapped.started(a, 0);
    clock.now = 13;
    wrapped.charge(a, 0, 2);
    expect(() => wrapped.charge(a, 0, 2)).toThrow(/add up to 4 ns, but it has run 3 ns/);
  });

  it('catches an entity started on a second CPU, and two entities on one CPU', () => {
    const { wrapped, a } = checked(new Fifo());
    const b = thread('b');
    wrapped.admit(b, undefined);
    wrapped.enqueue(a);
    wrapped.enqueue(b);
    wrapped.started(a, 0);
    expect(() => wrapped.started(a, 1)).toThrow(/started\(a, pCPU 1\) while it still runs on pCPU 0/);
    expect(() => wrapped.started(b, 0)).toThrow(/started\(b, pCPU 0\) while a still runs there/);
  });

  it('forwards exactly the optional hooks the class defines', () => {
    const plain = new CheckedClass(new Fifo(), new ProtocolGuard('ph1', () => 0));
    expect([plain.schedule, plain.balance, plain.tick, plain.idleTime, plain.yield, plain.needs, plain.init]).toEqual(Array(7).fill(undefined));
  });
});

// ---- every model keeps the contract ---------------------------------------------------------------

const PERIODS = [ms(2), ms(5), ms(10), ms(20)];

/** A random small host: VMUs of periodic tasks with an SLA, a busy best-effort VMU, a host thread. */
const loadArb = fc.record({
  cpus: fc.integer({ min: 1, max: 3 }),
  vmus: fc.array(
    fc.record({ vcpus: fc.integer({ min: 1, max: 2 }), period: fc.constantFrom(...PERIODS), share: fc.integer({ min: 5, max: 60 }), tasks: fc.integer({ min: 1, max: 3 }) }),
    { minLength: 1, maxLength: 3 },
  ),
  hog: fc.boolean(),
});

type Load = typeof loadArb extends fc.Arbitrary<infer T> ? T : never;

function hostLoad(load: Load) {
  const all = Array.from({ length: load.cpus }, (_, i) => i);
  const vmus = load.vmus.map((v, i) => {
    const budget = Math.max(ms(0.1), Math.floor((v.period * v.share) / 100));
    const tasks = Array.from({ length: v.tasks }, (_, k) =>
      task(`vm${i}-t${k}`, Math.max(1_000, Math.floor(budget / (v.tasks + 1))), v.period * (k + 1), { affinity: Array.from({ length: v.vcpus }, (_, j) => j) }),
    );
    return vmu(`vm${i}`, tasks, { vcpus: v.vcpus, affinity: all, sla: { budget, period: v.period, deadline: v.period } });
  });
  if (load.hog) vmus.push(vmu('hog', [task('hog-t', ms(50), ms(50))], { affinity: all }));
  return scenario({
    durationNs: ms(60),
    hosts: [host('ph1', load.cpus, { contextSwitchNs: 2_000 })],
    vmus,
    hostThreads: [hostThread(task('kthread', ms(0.2), ms(4)), 'ph1', all)],
  });
}

/** The run's results, or the input error of a configuration the model refuses (admission control). */
function run(model: HypervisorModel, sc: ReturnType<typeof hostLoad>, checkProtocol: boolean): string {
  try {
    const sim = new Simulator(sc, model, { checkProtocol });
    sim.run();
    return JSON.stringify(collectRun(sim));
  } catch (err) {
    if (err instanceof InputError) return `refused: ${err.message}`;
    throw err;
  }
}

describe('every registered model keeps the scheduling-class protocol', () => {
  for (const model of MODELS) {
    it(`${model.name}: random loads run through the checker, with the same results as unchecked`, () => {
      fc.assert(
        fc.property(loadArb, (load) => {
          const sc = hostLoad(load);
          expect(run(model, sc, true)).toBe(run(model, sc, false));
        }),
        { numRuns: 12, seed: 7 },
      );
    });
  }
});
