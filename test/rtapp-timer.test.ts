// Timer semantics of closed-loop programs (rt-app's run_event, peers-and-rt-app.md §5a): relative
// mode rebases the grid after an overrun, absolute mode keeps it (overruns cascade); sleeps are
// relative; `runtime` is wall-clock. Unit tests of ProgramClock, then the same through the engine.
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { ProgramClock } from '../src/engine/program.js';
import { parseRtapp } from '../src/rtapp/grammar.js';
import { importRtapp } from '../src/rtapp/import.js';
import { RtappLogRecorder } from '../src/rtapp/logs.js';
import type { JobProgram, ProgramStep } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';

const run = (ns: number): ProgramStep => ({ kind: 'run', ns, wall: false });
const timer = (period: number, relative: boolean, index = 0): ProgramStep => ({ kind: 'timer', timer: index, period, relative });
const program = (phases: JobProgram['phases'], extra: Partial<JobProgram> = {}): JobProgram => ({ offset: 0, loop: -1, phases, timers: 1, wakeDelayNs: 0, ...extra });

/** Feed completions `dones` (absolute instants) and collect the releases the clock answers. */
function releases(p: JobProgram, dones: number[], horizon = 1e9): number[] {
  const clock = new ProgramClock(p, horizon);
  const out = [clock.start()!.release];
  for (const d of dones) {
    const next = clock.completed(d);
    if (next === null) break;
    out.push(next.release);
  }
  return out;
}

describe('ProgramClock timers', () => {
  it('relative mode rebases the next expiry on the overrun completion', () => {
    // Period 10; job 0 overruns to 15: job 1 starts at once, and the grid moves to 15 + 10 = 25.
    expect(releases(program([{ loop: -1, steps: [run(1), timer(10, true)] }]), [15, 16, 26])).toEqual([0, 15, 25, 35]);
  });

  it('absolute mode keeps the original grid after an overrun', () => {
    expect(releases(program([{ loop: -1, steps: [run(1), timer(10, false)] }]), [15, 16, 21])).toEqual([0, 15, 20, 30]);
  });

  it('absolute mode runs missed periods back to back until it catches up; relative drops them', () => {
    const abs = program([{ loop: -1, steps: [run(1), timer(10, false)] }]);
    expect(releases(abs, [35, 36, 37, 38])).toEqual([0, 35, 36, 37, 40]);
    const rel = program([{ loop: -1, steps: [run(1), timer(10, true)] }]);
    expect(releases(rel, [35, 36])).toEqual([0, 35, 45]);
  });

  it('records slack (t_next − now) and whether the thread slept', () => {
    const clock = new ProgramClock(program([{ loop: -1, steps: [run(1), timer(10, true)] }]), 1e9, true);
    clock.start();
    clock.completed(4);
    clock.completed(27);
    const [a, b] = clock.iterations;
    expect(a.timers).toEqual([{ step: 1, next: 10, at: 4, slept: true, wakesJob: 1 }]);
    expect(b.timers).toEqual([{ step: 1, next: 20, at: 27, slept: false, wakesJob: -1 }]);
    expect([a.begin, a.end, a.endJob]).toEqual([0, 10, 1]);
  });

  it('starts a timer\'s grid at the thread start even when first used in a later phase', () => {
    // rt-app initialises t_next to t_first on first use: after a 100 ns sleep phase the first expiry
    // (0 + 10) has long passed, so a relative timer rebases on the completion.
    const p = program([{ loop: 1, steps: [{ kind: 'sleep', ns: 100 }] }, { loop: -1, steps: [run(1), timer(10, true)] }]);
    expect(releases(p, [101, 102])).toEqual([100, 101, 111]);
  });

  it('wakes sleeps and timers late by the wake-up delay, keeps the grid nominal', () => {
    const p = program([{ loop: -1, steps: [run(1), timer(10, false)] }], { wakeDelayNs: 2 });
    expect(releases(p, [1, 13, 22])).toEqual([0, 12, 22, 32]);
    const s = program([{ loop: -1, steps: [run(1), { kind: 'sleep', ns: 5 }] }], { wakeDelayNs: 2 });
    expect(releases(s, [1, 9])).toEqual([0, 8, 16]);
  });

  it('honours phase loops, the thread loop and the horizon', () => {
    const p = program([{ loop: 2, steps: [run(1), { kind: 'sleep', ns: 10 }] }, { loop: 1, steps: [run(2)] }], { loop: 2 });
    // p1 twice (run 1, sleep 10), p2 once (run 2), all of it twice, then nothing.
    expect(releases(p, [1, 12, 24, 25, 36, 47, 49])).toEqual([0, 11, 22, 24, 35, 46]);
    expect(releases(program([{ loop: -1, steps: [run(1), { kind: 'sleep', ns: 10 }] }]), [1, 12, 23], 20)).toEqual([0, 11]);
  });
});

/** One FIFO thread alone on a CPU: p1 overruns its 10 ms timer once (25 ms of work), p2 then runs 1 ms per period. */
function overrunThread(mode: 'relative' | 'absolute') {
  const t = { ref: 'unique', period: 10000, mode };
  const doc = {
    global: { duration: 1, calibration: 10 },
    tasks: { th: { policy: 'SCHED_FIFO', priority: 50, cpus: [0], phases: { p1: { run: 25000, timer: t }, p2: { loop: -1, run: 1000, timer: t } } } },
  };
  const imp = importRtapp(parseRtapp(JSON.stringify(doc), 'overrun.json'), { cpus: 1, hz: 1000, kernel: '6.18', durationNs: 100e6 });
  const recorder = new RtappLogRecorder(imp.scenario);
  simulate(imp.scenario, findModel('kvm-linux', '', ''), imp.scenario.models[0], { observer: recorder.observer });
  return recorder.logs()[0].rows.map((r) => [r.start, r.end, r.slack]);
}

describe('timer modes through the engine and the logs', () => {
  it('relative: after the overrun the next periods start from the overrun completion', () => {
    expect(overrunThread('relative').slice(0, 4)).toEqual([
      [0, 25000, -15000], // t_next 10 ms, done at 25 ms: overrun, rebased to 25 ms
      [25000, 35000, 9000], // grid 35, 45, …
      [35000, 45000, 9000],
      [45000, 55000, 9000],
    ]);
  });

  it('absolute: the missed expiry runs at once, then the 10 ms grid resumes', () => {
    expect(overrunThread('absolute').slice(0, 4)).toEqual([
      [0, 25000, -15000],
      [25000, 26000, -6000], // t_next 20 ms already past: no sleep
      [26000, 30000, 3000], // done at 27 ms, t_next 30 ms: back on the original grid
      [30000, 40000, 9000],
    ]);
  });
});

describe('runtime events are wall-clock busy loops', () => {
  it('end when their wall time has passed, however long they were pre-empted', () => {
    const make = (kind: 'run' | 'runtime') => ({
      global: { duration: 1, calibration: 10 },
      tasks: {
        lo: { policy: 'SCHED_FIFO', priority: 10, cpus: [0], [kind]: 5000, sleep: 20000 },
        hi: { policy: 'SCHED_FIFO', priority: 50, cpus: [0], delay: 1000, run: 2000, sleep: 100000 },
      },
    });
    const runOf = (kind: 'run' | 'runtime') => {
      const imp = importRtapp(parseRtapp(JSON.stringify(make(kind)), 'w.json'), { cpus: 1, hz: 1000, kernel: '6.18', durationNs: 50e6 });
      const recorder = new RtappLogRecorder(imp.scenario);
      simulate(imp.scenario, findModel('kvm-linux', '', ''), imp.scenario.models[0], { observer: recorder.observer });
      return recorder.logs()[0].rows[0].run;
    };
    expect(runOf('runtime')).toBe(5000); // 3 ms of work in 5 ms of wall time
    expect(runOf('run')).toBe(7000); // 5 ms of work, 2 ms pre-empted
  });
});
