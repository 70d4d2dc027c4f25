// sched_yield end to end (rt-app `yield`): where a program's yield happens (src/engine/program.ts),
// then each Linux host class against its kernel's yield_task_* rule, through the rt-app import and
// the stock-kernel and IRMOS models on one CPU.
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { kernelFeatures } from '../models/kvm/kernel.js';
import { ProgramClock } from '../src/engine/program.js';
import { parseRtapp } from '../src/rtapp/grammar.js';
import { importRtapp } from '../src/rtapp/import.js';
import type { JobProgram, ProgramStep } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { ms, us } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';

const run = (ns: number): ProgramStep => ({ kind: 'run', ns, wall: false });
const sleep = (ns: number): ProgramStep => ({ kind: 'sleep', ns });
const yieldStep: ProgramStep = { kind: 'yield' };
const program = (steps: ProgramStep[], loop = -1): JobProgram => ({ offset: 0, loop, phases: [{ loop: 1, steps }], timers: 1, wakeDelayNs: 0 });

/** An rt-app workload (thread name → properties and events, µs) on one CPU under `model`; its service log. */
function runRtapp(tasks: Record<string, object>, durationNs: number, kernel = '6.18', model = 'kvm-linux'): ServiceLog {
  const doc = { global: { duration: 1, calibration: 10 }, tasks };
  const imp = importRtapp(parseRtapp(JSON.stringify(doc), 'yield.json'), { cpus: 1, hz: 1000, kernel, durationNs });
  const request = imp.scenario.models.find((m) => m.name === model) ?? { params: {}, pointer: '' };
  const log = new ServiceLog();
  simulate(imp.scenario, findModel(model, '', ''), request, { observer: log.observer });
  return log.close(durationNs);
}

/** Merged runs of `ids`, in time order, as [id, start, end]. */
function timeline(log: ServiceLog, ids: string[]): [string, number, number][] {
  return ids.flatMap((id) => (log.runs.get(id) ?? []).map(([a, b]): [string, number, number] => [id, a, b])).sort((x, y) => x[1] - y[1]);
}

describe('ProgramClock: where a yield happens', () => {
  it('right after a run the thread still holds its CPU: the yield happens there and the next run is released at once', () => {
    const clock = new ProgramClock(program([run(1), yieldStep, run(2)]), 1e9);
    expect(clock.start()).toMatchObject({ release: 0, yields: 0 });
    expect(clock.completed(1)).toMatchObject({ release: 1, yields: 0 });
    expect(clock.yieldedOnCpu).toBe(true);
    expect(clock.completed(3)).toMatchObject({ release: 3, yields: 0 });
    expect(clock.yieldedOnCpu).toBe(false);
  });

  it('a yield followed by a wait still happens on the CPU, before the thread blocks', () => {
    const clock = new ProgramClock(program([run(1), yieldStep, sleep(5)]), 1e9);
    clock.start();
    expect(clock.completed(1)).toMatchObject({ release: 6, yields: 0 });
    expect(clock.yieldedOnCpu).toBe(true);
  });

  it('at the start or after a wake-up the thread needs a CPU first: the yield goes with the job released then', () => {
    const clock = new ProgramClock(program([sleep(5), yieldStep, run(1)]), 1e9);
    expect(clock.start()).toMatchObject({ release: 5, yields: 1 });
    expect(clock.completed(6)).toMatchObject({ release: 11, yields: 1 });
    expect(clock.yieldedOnCpu).toBe(false);
  });

  it('a second yield in a row waits for the next dispatch; a yield between two waits is dropped', () => {
    const twice = new ProgramClock(program([run(1), yieldStep, yieldStep, run(1)]), 1e9);
    twice.start();
    expect(twice.completed(1)).toMatchObject({ release: 1, yields: 1 });
    expect(twice.yieldedOnCpu).toBe(true);
    const between = new ProgramClock(program([run(1), sleep(5), yieldStep, sleep(5), run(1)]), 1e9);
    between.start();
    expect(between.completed(1)).toMatchObject({ release: 11, yields: 0 });
    expect(between.yieldedOnCpu).toBe(false);
  });

  it('a yield takes no time: an iteration ending with one ends with its last run or wait', () => {
    const afterRun = new ProgramClock(program([run(1), yieldStep], 2), 1e9, true);
    afterRun.start();
    afterRun.completed(1);
    expect(afterRun.iterations[0]).toMatchObject({ end: 1, endsWithWait: false });
    const afterWait = new ProgramClock(program([run(1), sleep(5), yieldStep], 2), 1e9, true);
    afterWait.start();
    afterWait.completed(1);
    expect(afterWait.iterations[0]).toMatchObject({ end: 6, endsWithWait: true });
  });
});

describe('SCHED_FIFO, and FIFO inside IRMOS reservations: yield_task_rt → requeue_task_rt(rq, curr, 0)', () => {
  const RUN_US = 1000;
  const JOBS = 4;
  const fifo = (events: object) => ({ policy: 'SCHED_FIFO', priority: 50, cpus: [0], loop: JOBS, run: RUN_US, ...events });

  it.each(['kvm-linux', 'kvm-irmos'])('%s: two equal-priority threads that yield after each run alternate; without yield the first runs all its jobs first', (model) => {
    const alternating = timeline(runRtapp({ a: fifo({ yield: '' }), b: fifo({ yield: '' }) }, ms(20), '6.18', model), ['a', 'b']);
    expect(alternating).toHaveLength(2 * JOBS);
    alternating.forEach(([id, start, end], i) => {
      expect(id).toBe(i % 2 === 0 ? 'a' : 'b'); // the yielder goes behind its peer every time
      expect([start, end]).toEqual([i * us(RUN_US), (i + 1) * us(RUN_US)]);
    });
    const fifoOrder = timeline(runRtapp({ a: fifo({}), b: fifo({}) }, ms(20), '6.18', model), ['a', 'b']);
    expect(fifoOrder).toEqual([
      ['a', 0, JOBS * us(RUN_US)],
      ['b', JOBS * us(RUN_US), 2 * JOBS * us(RUN_US)],
    ]);
  });

  it('a thread woken into a yield lets an equal-priority thread woken at the same instant go first', () => {
    const wake = (events: object) => ({ policy: 'SCHED_FIFO', priority: 50, cpus: [0], loop: 1, sleep: 1000, ...events, run: RUN_US });
    const first = (log: ServiceLog, id: string) => log.runs.get(id)![0][0];
    const yielded = runRtapp({ a: wake({ yield: '' }), b: wake({}) }, ms(10));
    expect(first(yielded, 'b')).toBe(ms(1)); // a, woken first, yields as soon as it runs
    expect(first(yielded, 'a')).toBe(ms(1) + us(RUN_US));
    const plain = runRtapp({ a: wake({}), b: wake({}) }, ms(10));
    expect(first(plain, 'a')).toBe(ms(1));
    expect(first(plain, 'b')).toBe(ms(1) + us(RUN_US));
  });
});

describe('SCHED_DEADLINE: yield_task_dl (dl_yielded) gives up the runtime left until the next period', () => {
  const RUNTIME_US = 3000;
  const PERIOD_US = 10000;
  const RUN_US = 1000;
  const dl = (events: object) => ({ policy: 'SCHED_DEADLINE', 'dl-runtime': RUNTIME_US, 'dl-period': PERIOD_US, cpus: [0], ...events });
  const hog = { policy: 'SCHED_OTHER', cpus: [0], run: 1_000_000 };
  const PERIODS = 5;

  it('a DL task yielding after each short run gets that run per period and no more; without yield its whole runtime', () => {
    for (const [events, perPeriod] of [[{ run: RUN_US, yield: '' }, us(RUN_US)], [{ run: RUN_US }, us(RUNTIME_US)]] as const) {
      const log = runRtapp({ dl: dl(events), hog }, PERIODS * us(PERIOD_US));
      for (let k = 0; k < PERIODS; k++) {
        const p0 = k * us(PERIOD_US);
        expect(log.service('dl', p0, p0 + us(PERIOD_US))).toBe(perPeriod);
        expect(log.service('dl', p0, p0 + perPeriod)).toBe(perPeriod); // at the period start: its deadline is the earliest
        expect(log.service('hog', p0, p0 + us(PERIOD_US))).toBe(us(PERIOD_US) - perPeriod); // the yielded time goes to others
      }
    }
  });

  it('a DL task woken into a yield runs its job only at its next period start', () => {
    const SLEEP_US = 2000;
    const starts = (events: object) => (runRtapp({ dl: dl({ sleep: SLEEP_US, ...events, run: RUN_US }) }, ms(60)).runs.get('dl') ?? []).map(([a]) => a);
    const yielded = starts({ yield: '' });
    expect(yielded.length).toBeGreaterThan(3);
    // First activation at the first wake-up: its periods start there, and every job waits for one.
    for (const st of yielded) expect((st - us(SLEEP_US)) % us(PERIOD_US)).toBe(0);
    const plain = starts({});
    expect(plain.slice(0, 3)).toEqual([us(SLEEP_US), 2 * us(SLEEP_US) + us(RUN_US), 3 * us(SLEEP_US) + 2 * us(RUN_US)]);
  });
});

describe('fair: yield_task_fair, by kernel', () => {
  it('kernel.ts picks the rule by version, stable backports of 79104becf42b included', () => {
    const rule = (v: string) => kernelFeatures(v, 'f', '/k').fairYield;
    expect(['2.6.33', '2.6.38', '2.6.39', '5.10', '6.5', '6.6', '6.12', '6.12.62', '6.12.63', '6.18', '6.18.1', '6.18.2', '6.19'].map(rule)).toEqual([
      'repick', 'repick', 'skip', 'skip', 'skip', 'deadline', 'deadline', 'deadline', 'forfeit', 'deadline', 'deadline', 'forfeit', 'forfeit',
    ]);
  });

  it.each(['2.6.33', '6.5', '6.18', '6.19'])('%s: a task that yields after a short run lets its equal-weight peer, which has run less, go first', (kernel) => {
    const SHORT_US = 100;
    const other = { policy: 'SCHED_OTHER', cpus: [0] };
    const y = (events: object) => ({ ...other, loop: 1, run: SHORT_US, ...events, run1: 3000 });
    const p = { ...other, loop: 1, run: 3000 };
    const peerStart = (events: object) => runRtapp({ y: y(events), p }, ms(20), kernel).runs.get('p')![0][0];
    expect(peerStart({ yield: '' })).toBe(us(SHORT_US));
    expect(peerStart({})).toBeGreaterThan(us(SHORT_US)); // nothing asks the running task to give the CPU up
  });

  it('79104becf42b: a task yielding in a tight loop gives an equal-weight busy peer most of the CPU; under the 6.6 rule it keeps half', () => {
    // 6.6: deadline += slice, and the yielder, the only eligible task, is picked again; with the
    // fix it forfeits its vruntime up to its deadline, so it gets ~run/(run + slice) of the CPU.
    const RUN_US = 10;
    const duration = ms(200);
    const share = (kernel: string) => {
      const log = runRtapp({ y: { policy: 'SCHED_OTHER', cpus: [0], run: RUN_US, yield: '' }, p: { policy: 'SCHED_OTHER', cpus: [0], run: 1_000_000 } }, duration, kernel);
      return log.service('y', 0, duration) / duration;
    };
    const slice = kernelFeatures('6.18.2', 'f', '/k').baseSliceNs; // × (1 + ilog2(1 CPU)) = × 1
    expect(share('6.18.2')).toBeLessThan((2 * us(RUN_US)) / (us(RUN_US) + slice));
    expect(Math.abs(share('6.18') - 0.5)).toBeLessThan(0.02);
  });

  it('skip buddy (2.6.39–6.5): a yielding task hands over once its lead is within wakeup_granularity; before 2.6.39 once it is no longer leftmost', () => {
    // A busy peer runs first; then the task, yielding every RUN_US, runs until the skip buddy may
    // be passed over (vruntime gap ≤ wakeup_gran = 1 ms × (1 + ilog2(1 CPU))), or before 2.6.39
    // until the peer is leftmost. Equal weights: vruntime = CPU time.
    const RUN_US = 10;
    const GRAN = ms(1);
    const catchUp = (kernel: string) => {
      const log = runRtapp({ p: { policy: 'SCHED_OTHER', cpus: [0], run: 1_000_000 }, y: { policy: 'SCHED_OTHER', cpus: [0], run: RUN_US, yield: '' } }, ms(50), kernel);
      const [p0] = log.runs.get('p')!;
      const [y0] = log.runs.get('y')!;
      expect(y0[0]).toBe(p0[1]);
      return (y0[1] - y0[0]) - (p0[1] - p0[0]); // the task's vruntime minus the peer's at the hand-over
    };
    const skip = catchUp('6.5');
    expect(skip).toBeGreaterThanOrEqual(-GRAN);
    expect(skip).toBeLessThan(-GRAN + us(RUN_US));
    const repick = catchUp('2.6.33');
    expect(repick).toBeGreaterThanOrEqual(0); // on a tie the peer, already in the tree, is leftmost
    expect(repick).toBeLessThan(us(RUN_US));
  });
});
