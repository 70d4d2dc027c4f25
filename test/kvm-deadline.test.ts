// SCHED_DEADLINE class (models/kvm/deadline.ts) against linux-irmos.md §4.2, §4.4 and §4.6.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostEntity } from '../src/engine/entities.js';
import { EventPhase } from '../src/engine/event-queue.js';
import type { HypervisorModel } from '../src/engine/model.js';
import type { PolicyContext, SchedClass, ServedClass } from '../src/engine/policy.js';
import { simulate } from '../src/experiments/simulate.js';
import { CbsState } from '../models/kvm/cbs.js';
import { DeadlineClass, type DeadlineAdmitConfig } from '../models/kvm/deadline.js';
import { kernelFeatures } from '../models/kvm/kernel.js';
import { kvmLinux } from '../models/kvm/kvm-linux.js';
import { busyTask, host, hostThread, ms, s, scenario, task, us } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';

// ---- harness --------------------------------------------------------------------------------

/** Partitioned fixed-priority class (stands for SCHED_FIFO between DL and fair). */
function fifoClass(ctx: PolicyContext, name = 'rt'): SchedClass {
  const queued: HostEntity[] = [];
  return {
    name,
    admit(e) { e.schedClass = this; },
    enqueue(e) { e.cpu = e.affinity[0]; queued.push(e); ctx.resched(e.cpu); },
    dequeue(e) { queued.splice(queued.indexOf(e), 1); ctx.resched(e.cpu); },
    pickNext(cpu) { for (const e of queued) if (e.cpu === cpu) return e; return null; },
    charge() {}, started() {}, stopped() {},
  };
}

/** Minimal fair class that can be served by the fair_server: FIFO per CPU, reports every delta it runs. */
class StubFair implements SchedClass, ServedClass {
  readonly name = 'fair';
  private readonly queued: HostEntity[] = [];
  private run: ((cpu: number, deltaNs: number) => void) | null = null;
  private active: ((cpu: number, active: boolean) => void) | null = null;

  constructor(private readonly ctx: PolicyContext) {}

  admit(e: HostEntity): void { e.schedClass = this; }
  setRunListener(l: (cpu: number, deltaNs: number) => void): void { this.run = l; }
  setActivityListener(l: (cpu: number, active: boolean) => void): void { this.active = l; }
  hasRunnable(cpu: number): boolean { return this.queued.some((e) => e.cpu === cpu); }
  enqueue(e: HostEntity): void {
    e.cpu = e.affinity[0];
    const first = !this.hasRunnable(e.cpu);
    this.queued.push(e);
    if (first) this.active?.(e.cpu, true);
    this.ctx.resched(e.cpu);
  }
  dequeue(e: HostEntity): void {
    this.queued.splice(this.queued.indexOf(e), 1);
    if (!this.hasRunnable(e.cpu)) this.active?.(e.cpu, false);
    this.ctx.resched(e.cpu);
  }
  pickNext(cpu: number): HostEntity | null { for (const e of this.queued) if (e.cpu === cpu) return e; return null; }
  charge(_e: HostEntity, cpu: number, deltaNs: number): void { this.run?.(cpu, deltaNs); }
  started(): void {}
  stopped(): void {}
}

interface DlHarness {
  model: HypervisorModel;
  dl?: DeadlineClass;
  ctx?: PolicyContext;
  entities: Map<string, HostEntity>;
}

function dlModel(
  params: Record<string, DeadlineAdmitConfig>,
  opts: {
    fairServer?: { runtimeNs: number; periodNs: number; idleCharge?: boolean; stuckFix?: boolean; enforceAtTickNs?: number };
    fair?: string[];
    onBuild?: (h: DlHarness) => void;
  } = {},
): DlHarness {
  const h: DlHarness = { entities: new Map(), model: undefined as unknown as HypervisorModel };
  h.model = {
    name: 'test-deadline',
    family: 'kvm',
    summary: 'deadline > fifo > fair',
    build({ entities, ctx }) {
      const fair = new StubFair(ctx);
      const dl = new DeadlineClass(ctx, opts.fairServer ? { fairServer: { served: fair, ...opts.fairServer } } : {});
      const rt = fifoClass(ctx);
      for (const e of entities) {
        h.entities.set(e.id, e);
        if (params[e.id]) dl.admit(e, params[e.id]);
        else if (opts.fair?.includes(e.id)) e.schedClass = fair;
        else e.schedClass = rt;
      }
      h.dl = dl;
      h.ctx = ctx;
      opts.onBuild?.(h);
      return { classes: [dl, rt, fair], mapping: [], settings: {} };
    },
  };
  return h;
}

const dlParams = (runtime: number, deadline: number, period: number): DeadlineAdmitConfig => ({ runtimeNs: runtime, deadlineNs: deadline, periodNs: period });
const dlPolicy = (runtime: number, deadline: number, period: number) => ({ class: 'deadline' as const, runtime, deadline, period });

// ---- §4.2: CBS rules on one CPU ---------------------------------------------------------------

describe('SCHED_DEADLINE on one CPU (§4.2)', () => {
  it('meets the sched-deadline.rst example: T1 = (50, 50, 100) ms and T2 = (10, 100, 100) ms are both met and T2 responds within 60 ms', () => {
    const h = dlModel({ t1: dlParams(ms(50), ms(50), ms(100)), t2: dlParams(ms(10), ms(100), ms(100)) });
    const sc = scenario({
      durationNs: ms(2000),
      hostThreads: [
        hostThread(task('t1', ms(50), ms(100), { deadline: ms(50), policy: dlPolicy(ms(50), ms(50), ms(100)) })),
        hostThread(task('t2', ms(10), ms(100), { policy: dlPolicy(ms(10), ms(100), ms(100)) })),
      ],
    });
    const run = simulate(sc, h.model);
    const t1 = run.tasks.find((t) => t.id === 't1')!;
    const t2 = run.tasks.find((t) => t.id === 't2')!;
    expect(t1.completed).toBe(20);
    expect(t2.completed).toBe(20);
    expect(t1.missed + t2.missed).toBe(0);
    expect(t1.response.maxNs).toBe(ms(50));
    expect(t2.response.maxNs).toBeLessThanOrEqual(ms(60));
    expect(t2.response.maxNs).toBe(ms(60)); // tight: T1's earlier deadline goes first every period
  });

  it('a constrained task woken after its deadline but before its next period start waits for that period (§4.2)', () => {
    // (2, 4, 10) ms; jobs of 1 ms at 0 and at 5 ms: the second wake is after d = 4 and before 10.
    const h = dlModel({ c: dlParams(ms(2), ms(4), ms(10)) });
    const sc = scenario({
      durationNs: ms(20),
      hostThreads: [
        hostThread(task('c', ms(1), ms(10), {
          arrival: { kind: 'trace', times: [0, ms(5)] }, deadline: ms(10), policy: dlPolicy(ms(2), ms(4), ms(10)),
        })),
      ],
    });
    const log = new ServiceLog();
    simulate(sc, h.model, undefined, { observer: log });
    log.close(ms(20));
    expect(log.of('c')).toEqual([[0, ms(1)], [ms(10), ms(11)]]);
  });

  it('revised CBS: a constrained task waking before its deadline with too much budget left keeps d and gets only density × (d − now)', () => {
    // (2, 4, 10) ms: job 1 (1 ms) at 0 leaves c = 1 ms, d = 4 ms; job 2 (2 ms) wakes at 3 ms, where
    // 1/(4 − 3) > 2/4: the budget is clipped to 2/4 × 1 ms = 0.5 ms, then it waits for the period at 10 ms.
    const h = dlModel({ c: dlParams(ms(2), ms(4), ms(10)) });
    const sc = scenario({
      durationNs: ms(20),
      hostThreads: [
        hostThread(task('c', 1, ms(10), {
          arrival: { kind: 'trace', times: [0, ms(3)] }, exec: { kind: 'trace', values: [ms(1), ms(2)] },
          deadline: ms(10), policy: dlPolicy(ms(2), ms(4), ms(10)),
        })),
      ],
    });
    const log = new ServiceLog();
    simulate(sc, h.model, undefined, { observer: log });
    log.close(ms(20));
    expect(log.of('c')).toEqual([[0, ms(1)], [ms(3), ms(3.5)], [ms(10), ms(11.5)]]);
  });
});

// ---- §4.4: global EDF via push/pull -------------------------------------------------------------

describe('SCHED_DEADLINE global EDF (§4.4)', () => {
  it('on 2 CPUs with 3 tasks, the running DL tasks are always the 2 earliest deadlines among the ready ones', () => {
    const gen = fc.array(
      fc.record({
        period: fc.integer({ min: 5, max: 60 }), // ms
        uFrac: fc.double({ min: 0.2, max: 0.65, noNaN: true }),
        dFrac: fc.double({ min: 0.5, max: 1, noNaN: true }),
        demandFrac: fc.double({ min: 0.3, max: 1.3, noNaN: true }),
        offset: fc.integer({ min: 0, max: 20_000 }), // µs
        busy: fc.boolean(),
      }),
      { minLength: 3, maxLength: 3 },
    );
    let totalContended = 0;
    fc.assert(
      fc.property(gen, (specs) => {
        const names = ['x', 'y', 'z'];
        const params: Record<string, DeadlineAdmitConfig> = {};
        const threads = specs.map((s, i) => {
          const P = ms(s.period);
          const Q = us(Math.max(50, Math.round((s.uFrac * P) / 1000)));
          const D = Math.max(Q, us(Math.round((s.dFrac * P) / 1000)));
          params[names[i]] = dlParams(Q, D, P);
          const policy = dlPolicy(Q, D, P);
          // Some demands overrun the runtime (throttling), some fit; a busy loop never blocks.
          return hostThread(
            s.busy
              ? { ...busyTask(names[i], { policy, affinity: [0, 1] }), arrival: { kind: 'busy', offset: us(s.offset) } }
              : task(names[i], Math.max(us(10), Math.round(s.demandFrac * Q)), P, {
                arrival: { kind: 'periodic', period: P, offset: us(s.offset), jitter: 0 }, policy, affinity: [0, 1],
              }),
          );
        });
        let checked = 0;
        let contended = 0;
        const failures: string[] = [];
        const duration = ms(300);
        const h = dlModel(params, {
          onBuild(hh) {
            const sample = hh.ctx!.timer(EventPhase.control, (now) => {
              const dl = hh.dl!;
              const ready = [...hh.entities.values()]
                .filter((e) => e.runnable && dl.reservation(e)?.state === CbsState.ready)
                .map((e) => dl.reservation(e)!.deadline)
                .sort((a, b) => a - b);
              const running = [hh.ctx!.current(0), hh.ctx!.current(1)]
                .filter((e) => e !== null)
                .map((e) => dl.reservation(e!)!.deadline)
                .sort((a, b) => a - b);
              checked++;
              if (ready.length > 2) contended++;
              if (running.join(',') !== ready.slice(0, 2).join(',')) failures.push(`t=${now}: running [${running}] ready [${ready}]`);
              if (now + us(313) < duration) sample.arm(now + us(313));
            });
            sample.arm(us(500) + 333);
          },
        });
        simulate(scenario({ durationNs: duration, hosts: [host('ph1', 2)], hostThreads: threads }), h.model);
        expect(failures.slice(0, 3)).toEqual([]);
        expect(checked).toBeGreaterThan(900);
        totalContended += contended;
      }),
      { numRuns: 60, seed: 4242 },
    );
    expect(totalContended).toBeGreaterThan(1000); // more than 2 ready at many samples: not vacuous
  });

  it('a task that cannot run on its CPU is pushed to the CPU running the latest deadline, and pulled back when a CPU frees', () => {
    // Three busy DL tasks wake on CPU 0 in deadline order; the third (latest) must wait, then runs
    // whenever one of the two earlier ones is throttled.
    const h = dlModel({
      a: dlParams(ms(2), ms(10), ms(10)),
      b: dlParams(ms(3), ms(12), ms(12)),
      c: dlParams(ms(4), ms(20), ms(20)),
    });
    const both = [0, 1];
    const sc = scenario({
      durationNs: ms(600),
      hosts: [host('ph1', 2)],
      hostThreads: ['a', 'b', 'c'].map((id) => hostThread(busyTask(id, { policy: dlPolicy(1, 1, 1), affinity: both }))),
    });
    const log = new ServiceLog();
    const run = simulate(sc, h.model, undefined, { observer: log });
    log.close(ms(600));
    // Each gets exactly its bandwidth: the CPUs have room for all (0.2 + 0.25 + 0.2 < 2).
    expect(log.service('a', 0, ms(600))).toBe(ms(120));
    expect(log.service('b', 0, ms(600))).toBe(ms(150));
    expect(log.service('c', 0, ms(600))).toBe(ms(120));
    const stats = run.hosts[0].classStats.deadline;
    expect(stats.pushes + stats.pulls).toBeGreaterThan(0);
  });
});

// ---- §4.6: fair_server ------------------------------------------------------------------------

describe('fair_server (§4.6)', () => {
  const runFairVsRt = (fairServer: boolean) => {
    const h = dlModel({}, { fair: ['cfs'], fairServer: fairServer ? { runtimeNs: ms(50), periodNs: ms(1000) } : undefined });
    const sc = scenario({
      durationNs: ms(5000),
      hostThreads: [hostThread(busyTask('rt', { policy: { class: 'fifo', priority: 99 } })), hostThread(busyTask('cfs', { policy: { class: 'fair', nice: 0 } }))],
    });
    const log = new ServiceLog();
    const run = simulate(sc, h.model, undefined, { observer: log });
    log.close(ms(5000));
    return { log, run };
  };

  it('a fair busy loop next to a SCHED_FIFO busy loop on one CPU gets at least 50 ms in every 1 s window, and the RT loop the rest', () => {
    const { log, run } = runFairVsRt(true);
    let minFair = Infinity;
    for (let start = 0; start + ms(1000) <= ms(5000); start += ms(1)) {
      minFair = Math.min(minFair, log.service('cfs', start, start + ms(1000)));
    }
    expect(minFair).toBeGreaterThanOrEqual(ms(50));
    const fairTotal = log.service('cfs', 0, ms(5000));
    const rtTotal = log.service('rt', 0, ms(5000));
    expect(fairTotal + rtTotal).toBe(ms(5000)); // the CPU never idles: RT gets everything else
    expect(fairTotal).toBeLessThanOrEqual(ms(5 * 50 + 1)); // and no more than the server's budget
    expect(run.hosts[0].classStats.deadline.fairServerActivations).toBeGreaterThan(0);
  });

  it('without a fair_server the same fair loop starves (the test above can fail)', () => {
    const { log } = runFairVsRt(false);
    expect(log.service('cfs', 0, ms(5000))).toBe(0);
  });

  it('stays out of the way without RT pressure: a lone fair loop never makes the server enter the DL band', () => {
    const h = dlModel({}, { fair: ['cfs'], fairServer: { runtimeNs: ms(50), periodNs: ms(1000) } });
    const sc = scenario({ durationNs: ms(3000), hostThreads: [hostThread(busyTask('cfs', { policy: { class: 'fair', nice: 0 } }))] });
    const run = simulate(sc, h.model);
    expect(run.hosts[0].classStats.deadline.fairServerActivations).toBe(0);
    expect(run.hosts[0].utilisation).toBe(1);
  });

  it('in the DL band the fair work still yields to an earlier-deadline SCHED_DEADLINE task', () => {
    // DL (5, 10, 10) ms + FIFO hog + fair loop on one CPU: the DL task never misses.
    const h = dlModel({ d: dlParams(ms(5), ms(10), ms(10)) }, { fair: ['cfs'], fairServer: { runtimeNs: ms(50), periodNs: ms(1000) } });
    const sc = scenario({
      durationNs: ms(3000),
      hostThreads: [
        hostThread(task('d', ms(5), ms(10), { policy: dlPolicy(ms(5), ms(10), ms(10)) })),
        hostThread(busyTask('rt', { policy: { class: 'fifo', priority: 99 } })),
        hostThread(busyTask('cfs', { policy: { class: 'fair', nice: 0 } })),
      ],
    });
    const log = new ServiceLog();
    const run = simulate(sc, h.model, undefined, { observer: log });
    log.close(ms(3000));
    expect(run.tasks.find((t) => t.id === 'd')!.missed).toBe(0);
    expect(log.service('cfs', 0, ms(3000))).toBeGreaterThanOrEqual(ms(3 * 50) - ms(50));
  });
});

// ---- 6.17+ fair_server: idle time charged, no stop on the last fair dequeue ---------------------

describe('fair_server idle charging (6.17+, cccb45d7c4295 / 2dcbcce9bfac)', () => {
  // The validation case fifo-hog-1cpu: a SCHED_FIFO busy loop and a fair 1 ms / 10 ms task on one CPU.
  const runHog = (kernel: string) => {
    const sc = scenario({
      durationNs: ms(6000),
      hostThreads: [
        hostThread(busyTask('hog', { policy: { class: 'fifo', priority: 50 } })),
        // rt-app style: run 1 ms, then wait for a relative 10 ms timer (the job sleeps between runs).
        hostThread({
          ...task('fp', ms(1), ms(10), { policy: { class: 'fair', nice: 0 } }),
          arrival: {
            kind: 'program',
            program: {
              offset: 0, loop: -1, timers: 1, wakeDelayNs: 0,
              phases: [{ loop: 1, steps: [{ kind: 'run', ns: ms(1), wall: false }, { kind: 'timer', timer: 0, period: ms(10), relative: true }] }],
            },
          },
        }),
      ],
    });
    const r = simulate(sc, kvmLinux, { params: { kernel }, pointer: '/models/0' });
    return r.tasks.find((t) => t.id === 'fp')!;
  };

  it('kernel features: on from 6.17, off for 6.12–6.16', () => {
    expect(kernelFeatures('6.16', 'f', '/k').fairServerIdleCharge).toBe(false);
    expect(kernelFeatures('6.12', 'f', '/k').fairServerIdleCharge).toBe(false);
    expect(kernelFeatures('6.17', 'f', '/k').fairServerIdleCharge).toBe(true);
    expect(kernelFeatures('6.18.2', 'f', '/k').fairServerIdleCharge).toBe(true);
  });

  it('a fair 1 ms / 10 ms task next to a FIFO busy loop gets less CPU when idle time eats the server budget', () => {
    const old = runHog('6.12');
    const idleCharged = runHog('6.18');
    // 6.12 behaviour unchanged: the server still hands out most of its 50 ms per second.
    expect(old.cpuShare).toBeGreaterThan(0.04);
    expect(runHog('6.16').cpuShare).toBe(old.cpuShare);
    // 6.17+: the idle gaps between its jobs (RT-throttled window, server stopped or deferred) are
    // charged to the server too, so it is rarely left with budget to protect the task: clearly less.
    expect(idleCharged.cpuShare).toBeLessThan(old.cpuShare * 0.5);
    expect(idleCharged.cpuShare).toBeGreaterThan(0);
  });
});

// ---- fair_server rules of 6.17–6.18 (deadline.c read against the validation machine's 6.18.44) -------

describe('fair_server: deferral, idle charging and in-band exhaustion (6.18 rules)', () => {
  const Q = ms(50);
  const P = ms(1000);
  const fair = { class: 'fair' as const, nice: 0 };
  const hog = () => hostThread(busyTask('rt', { policy: { class: 'fifo', priority: 99 } }));
  /** A fair thread that runs `runNs` and then sleeps `sleepNs`, forever (rt-app run + sleep). */
  const runSleep = (id: string, runNs: number, sleepNs: number) =>
    hostThread({
      ...task(id, runNs, runNs + sleepNs, { policy: fair }),
      arrival: {
        kind: 'program',
        program: { offset: 0, loop: -1, timers: 0, wakeDelayNs: 0, phases: [{ loop: 1, steps: [{ kind: 'run', ns: runNs, wall: false }, { kind: 'sleep', ns: sleepNs }] }] },
      },
    });

  it('idle time that uses up a deferred server\'s budget leaves its defer timer armed: at its deadline d it enters the DL band with (Q, d + P) (dl_server_update_idle_time, dl_server_timer)', () => {
    const h = dlModel({}, { fair: ['f'], fairServer: { runtimeNs: Q, periodNs: P, idleCharge: true } });
    // One 1 ms fair job at 0 on an otherwise idle CPU (the next one is far away): idle eats the budget.
    const sc = scenario({ durationNs: P + ms(100), hostThreads: [hostThread(task('f', ms(1), s(10), { policy: fair }))] });
    const run = simulate(sc, h.model);
    const fs = h.dl!.fairServer(0)!;
    expect(run.hosts[0].classStats.deadline.fairServerActivations).toBe(1); // the timer still fired …
    expect(fs.deadline).toBe(P + P); // … at the deadline P of the period started at 0, and replenished to (Q, P + P)
    expect(fs.state).toBe(CbsState.idle); // then, picked with no fair task, it stopped
  });

  it('a tick that finds the budget gone while its fair task still runs throttles the server and starts a new deferred period at that tick (update_curr_dl_se)', () => {
    const tick = ms(3);
    const h = dlModel({}, { fair: ['cfs'], fairServer: { runtimeNs: Q, periodNs: P, idleCharge: true, enforceAtTickNs: tick } });
    const sc = scenario({ durationNs: ms(2600), hostThreads: [hog(), hostThread(busyTask('cfs', { policy: fair }))] });
    const log = new ServiceLog();
    simulate(sc, h.model, undefined, { observer: log });
    log.close(sc.durationNs);
    const first = P - Q; // 0-laxity instant of the period started at 0
    const seen = Math.ceil((first + Q) / tick) * tick; // first tick at or after the budget ran out
    const next = seen + P - Q; // 0-laxity instant of the period started at that tick
    expect(log.service('cfs', 0, first)).toBe(0);
    expect(log.service('cfs', first, seen)).toBe(seen - first); // runs on past its budget until the tick
    expect(log.service('cfs', seen, next)).toBe(0);
    expect(log.service('cfs', next, next + Q)).toBe(Q);
  });

  it('a fair task that blocks as the budget runs out leaves the server throttled until d, and a waiting task is served at d without deferral (dl_defer_running kept)', () => {
    const h = dlModel({}, { fair: ['f'], fairServer: { runtimeNs: Q, periodNs: P, idleCharge: true, enforceAtTickNs: ms(3) } });
    // Jobs of exactly Q: the first is served from the 0-laxity instant P − Q and ends with the budget.
    const sc = scenario({ durationNs: ms(2600), hostThreads: [hog(), hostThread(task('f', Q, ms(1500), { policy: fair }))] });
    const log = new ServiceLog();
    simulate(sc, h.model, undefined, { observer: log });
    log.close(sc.durationNs);
    const first = P - Q;
    const d = first + P; // deadline given when it entered the band
    expect(log.service('f', first, first + Q)).toBe(Q);
    expect(log.service('f', first + Q, d)).toBe(0); // the job released at 1.5 s waits for the replenishment …
    expect(log.service('f', d, d + Q)).toBe(Q); // … and runs at d, not at a later 0-laxity instant
  });

  it('kernel features: the \'stuck\' fix from 6.19 and the stable releases 6.18.9 and 6.12.69', () => {
    const fix = (v: string) => kernelFeatures(v, 'f', '/k').fairServerStuckFix;
    expect([fix('6.12'), fix('6.12.68'), fix('6.12.69'), fix('6.17.9'), fix('6.18'), fix('6.18.8'), fix('6.18.9'), fix('6.18.44-fc-v769'), fix('6.19')]).toEqual([
      false, false, true, false, false, false, true, true, true,
    ]);
  });

  it('a start that has to begin a new period defers again even after the server ran in the band (115135422562 "Fix \'stuck\' dl_server")', () => {
    const sleep = ms(2000);
    const run = (stuckFix: boolean) => {
      const h = dlModel({}, { fair: ['f'], fairServer: { runtimeNs: Q, periodNs: P, idleCharge: true, stuckFix } });
      const sc = scenario({ durationNs: s(5), hostThreads: [hog(), runSleep('f', ms(1), sleep)] });
      const log = new ServiceLog();
      simulate(sc, h.model, undefined, { observer: log });
      return log.close(sc.durationNs);
    };
    const first = P - Q; // starved until the 0-laxity instant, served in the band, then stopped when it sleeps
    const wake = first + ms(1) + sleep; // after the deadline first + P: the start begins a new period
    const fixed = run(true);
    expect(fixed.service('f', first, first + ms(1))).toBe(ms(1));
    expect(fixed.service('f', wake, wake + P - Q)).toBe(0); // deferred to the new period's 0-laxity instant
    expect(fixed.service('f', wake + P - Q, wake + P - Q + ms(1))).toBe(ms(1));
    // Before the fix, dl_defer_running survived the stop and the new period went straight to the band.
    expect(run(false).service('f', wake, wake + ms(1))).toBe(ms(1));
  });
});

// ---- fair_server beside RT throttling (RT_GROUP_SCHED kernels, 6.18): the RT period boundary -------

describe('fair_server beside root RT throttling (6.18 with RT_GROUP_SCHED): the throttling gap at an RT period boundary', () => {
  const P = s(1);
  const Q = ms(50);
  const job = us(1070); // a job slightly over 1 ms: 46 jobs use 49.2 ms, so the server ends a period
  //                       less than Q into its budget of the next, and the hog reaches 950 ms of an RT period
  //                       just before it ends: a throttling gap, seen at the last tick before the boundary.
  const rtPhase = ms(942) + us(600); // RT period boundaries at 942.6 ms + k·1 s
  /** A FIFO busy loop and a fair task (`job` every 10 ms, rt-app timer) on one CPU, tick 4 ms at `tickPhase`. */
  const run = (tickPhase: number) => {
    const sc = scenario({
      durationNs: s(6),
      hosts: [host('ph1', 1, { tickNs: ms(4), tickPhase })],
      hostThreads: [
        hostThread(busyTask('hog', { policy: { class: 'fifo', priority: 50 } })),
        hostThread({
          ...task('fp', job, ms(10), { policy: { class: 'fair', nice: 0 } }),
          arrival: {
            kind: 'program',
            program: { offset: 0, loop: -1, timers: 1, wakeDelayNs: 0, phases: [{ loop: 1, steps: [{ kind: 'run', ns: job, wall: false }, { kind: 'timer', timer: 0, period: ms(10), relative: true }] }] },
          },
        }),
      ],
    });
    const log = new ServiceLog();
    const r = simulate(sc, kvmLinux, { params: { kernel: '6.18.44', rtPeriodPhase: `${rtPhase}ns` }, pointer: '/models/0' }, { observer: log });
    log.close(sc.durationNs);
    return { fp: r.tasks.find((t) => t.id === 'fp')!, log };
  };
  /** The gap: from the last tick before an RT boundary to the boundary (every boundary alike: P is a multiple of the tick). */
  const gapOf = (tickPhase: number) => (((rtPhase - tickPhase) % ms(4)) + ms(4)) % ms(4);

  it('whatever the tick phase, the server gives the fair task Q (less the overrun debt, under one job) in every window of 2P', () => {
    // Not per RT period: a restart (below) defers the next service by P − Q from where it happens.
    for (const tickPhase of [rtPhase + ms(2), rtPhase + ms(3) + us(500)]) {
      const { log } = run(tickPhase);
      for (let t = 0; t + 2 * P <= s(6); t += ms(10)) expect(log.service('fp', t, t + 2 * P)).toBeGreaterThanOrEqual(Q - job);
    }
  });

  it('a gap at least one job long: the job caught in it finishes there, and no job waits longer than the server\'s deferral P − Q plus two jobs', () => {
    const tickPhase = rtPhase + ms(2);
    expect(gapOf(tickPhase)).toBeGreaterThanOrEqual(job);
    const { fp } = run(tickPhase);
    expect(fp.response.maxNs).toBeLessThanOrEqual(P - Q + 2 * job + ms(1));
  });

  it('a gap shorter than a job: the fair time run in it restarts the exhausted, throttled server on a new deferred period (update_curr_dl_se), so the job caught there waits P − Q more', () => {
    const tickPhase = rtPhase + ms(3) + us(500);
    expect(gapOf(tickPhase)).toBeLessThan(job);
    const { fp } = run(tickPhase);
    // The job woken after the server's budget ran out waits for the gap, gets less than its run there,
    // and then the whole deferral of the restarted server.
    expect(fp.response.maxNs).toBeGreaterThan(P - Q + ms(100));
  });
});
