// Timers shared between threads, as rt-app has them (rt-app.c run_event, case rtapp_timer; the
// resource table of rt-app_parse_config.c; docs/rtapp.md "Shared timers"): a timer named by several
// threads is one t_next; the first use starts it at that thread's t_first, every use adds its period,
// a relative overrun rebases it for everyone, and uses happen in time order across threads.
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { ProgramClock, type SharedTimers } from '../src/engine/program.js';
import { simulate } from '../src/experiments/simulate.js';
import { parseRtapp } from '../src/rtapp/grammar.js';
import { importRtapp } from '../src/rtapp/import.js';
import { RtappLogRecorder } from '../src/rtapp/logs.js';
import { parseScenarioText } from '../src/scenario/index.js';
import type { JobProgram, ProgramStep } from '../src/scenario/types.js';
import { CASES, sharedTimerThreads } from '../validate/cases.js';
import { runOnHvsim, threadStarts } from '../validate/runs.js';

const MS = 1_000_000;

/** Release instants of every job of each thread, through the engine (kvm-linux, SCHED_FIFO, no overheads). */
function releasesOf(tasks: Record<string, unknown>, cpus: number, durationMs: number): Record<string, number[]> {
  const imp = importRtapp(parseRtapp(JSON.stringify({ global: { duration: 1, calibration: 10 }, tasks }), 'shared.json'), { cpus, hz: 1000, kernel: '6.18', durationNs: durationMs * MS });
  const out: Record<string, number[]> = {};
  simulate(imp.scenario, findModel('kvm-linux', '', ''), imp.scenario.models[0], {
    observer: { release: (now, task) => void (out[task.id] ??= []).push(now / MS) },
  });
  return out;
}

const fifo = (cpu: number, extra: Record<string, unknown>) => ({ policy: 'SCHED_FIFO', priority: 50, cpus: [cpu], ...extra });

describe('a timer shared between threads', () => {
  it('k threads waiting on one timer of period T take turns: each wakes every k·T, together every T, no expiry used twice', () => {
    for (const k of [2, 3]) {
      const tasks = Object.fromEntries(Array.from({ length: k }, (_, i) => [`t${i}`, fifo(i, { run: 1000, timer: { ref: 'tick', period: 10000 } })]));
      const rel = releasesOf(tasks, k, 200);
      const wakes: number[] = [];
      for (const list of Object.values(rel)) {
        const after = list.slice(1); // the first job is the thread start, not a timer wake-up
        after.slice(1).forEach((t, i) => expect(t - after[i]).toBe(k * 10));
        wakes.push(...after);
      }
      wakes.sort((a, b) => a - b);
      expect(wakes).toEqual(Array.from({ length: wakes.length }, (_, i) => 10 * (i + 1)));
      expect(wakes.length).toBeGreaterThanOrEqual(19);
    }
  });

  it('a "unique" timer stays private: the same two threads each wake every T', () => {
    const rel = releasesOf({ a: fifo(0, { run: 1000, timer: { ref: 'unique', period: 10000 } }), b: fifo(1, { run: 1000, timer: { ref: 'unique', period: 10000 } }) }, 2, 50);
    expect(rel.a).toEqual([0, 10, 20, 30, 40, 50]);
    expect(rel.b).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('uses count in time order: a thread that reaches the timer after a sleep comes after one that reached it earlier', () => {
    // a: run 1 ms, sleep 8 ms, then the timer at 9 ms; b: run 3 ms, then the timer at 3 ms.
    // b's use comes first: t_next = 0 + 10 (b wakes at 10); a's at 9 ms: t_next = 20 (a wakes at 20).
    // Interpreting a's steps ahead at 1 ms would wrongly give a 10 and b 20.
    const rel = releasesOf(
      {
        a: fifo(0, { run: 1000, sleep: 8000, timer: { ref: 'tick', period: 10000 } }),
        b: fifo(1, { run: 3000, timer: { ref: 'tick', period: 10000 } }),
      },
      2,
      25,
    );
    expect(rel.b.slice(0, 2)).toEqual([0, 10]);
    expect(rel.a.slice(0, 2)).toEqual([0, 20]);
  });

  it('the first use starts the grid at that thread\'s t_first (its delay)', () => {
    // b starts 4 ms late (rt-app `delay`) and alone uses the timer first, at 4 + 1 ms: t_next = 4 + 10.
    const rel = releasesOf({ a: fifo(0, { delay: 7000, run: 1000, timer: { ref: 'tick', period: 10000 } }), b: fifo(1, { delay: 4000, run: 1000, timer: { ref: 'tick', period: 10000 } }) }, 2, 40);
    expect(rel.b.slice(0, 2)).toEqual([4, 14]); // b: t_first 4, first expiry 14
    expect(rel.a.slice(0, 2)).toEqual([7, 24]); // a's use at 8 ms adds its period to b's grid: 24
  });

  it('a relative overrun by one thread rebases t_next for the others (rt-app: clock_gettime(&res.timer.t_next) on the shared resource)', () => {
    const step = (relative: boolean): JobProgram => ({
      offset: 0,
      loop: -1,
      timers: 1,
      timerRefs: ['tick'],
      wakeDelayNs: 0,
      phases: [{ loop: -1, steps: [{ kind: 'run', ns: 25, wall: false }, { kind: 'timer', timer: 0, period: 10, relative } as ProgramStep] }],
    });
    const second = (relative: boolean) => {
      const shared: SharedTimers = new Map();
      const a = new ProgramClock(step(relative), 1e9, false, shared);
      const b = new ProgramClock(step(relative), 1e9, false, shared);
      a.start();
      b.start();
      const bNext = b.completed(25)!; // t_next 10 < 25: overrun
      const aNext = a.completed(25)!; // t_next += 10
      return [bNext.release, aNext.release];
    };
    expect(second(true)).toEqual([25, 35]); // rebased to 25, a then sleeps to 35
    expect(second(false)).toEqual([25, 25]); // absolute: t_next 20 is past too, a runs on at once
  });

  it('imported sharers get deadline k·T and rt-app logs whose slack says the same: no overrun when responses stay below k·T', () => {
    const tasks = { a: fifo(0, { run: 1000, timer: { ref: 'tick', period: 10000 } }), b: fifo(1, { run: 1000, timer: { ref: 'tick', period: 10000 } }) };
    const imp = importRtapp(parseRtapp(JSON.stringify({ global: { duration: 1, calibration: 10 }, tasks }), 'shared.json'), { cpus: 2, hz: 1000, kernel: '6.18', durationNs: 100 * MS });
    expect(imp.threads.map((t) => t.spec.deadline)).toEqual([20 * MS, 20 * MS]);
    const recorder = new RtappLogRecorder(imp.scenario);
    const run = simulate(imp.scenario, findModel('kvm-linux', '', ''), imp.scenario.models[0], { observer: recorder.observer });
    for (const log of recorder.logs()) {
      const steady = log.rows.slice(1);
      expect(steady.length).toBeGreaterThan(2);
      for (const r of steady) {
        expect(r.c_period).toBe(10000); // configured: the timer's period
        expect(r.period).toBe(20000); // measured: every other expiry is the other thread's
        expect(r.slack).toBe(19000); // next expiry (wake + 2T) − end of the 1 ms run
      }
    }
    expect(run.tasks.every((t) => t.missed === 0)).toBe(true);
  });

  it('a named timer is shared by one VMU\'s tasks (one rt-app inside the guest)', () => {
    const task = (id: string) => ({ id, kind: 'program', phases: [{ steps: [{ run: '1ms' }, { timer: { ref: 'tick', period: '10ms' } }] }] });
    const scenario = parseScenarioText(
      JSON.stringify({ name: 'g', duration: '60ms', hosts: [{ id: 'h', cpus: 2 }], vmus: [{ id: 'vm', host: 'h', vcpus: 2, guest: { scheduler: 'fifo' }, tasks: [task('a'), task('b')] }], models: [{ name: 'kvm-linux' }] }),
      'g.json',
    );
    const wakes: number[] = [];
    simulate(scenario, findModel('kvm-linux', '', ''), scenario.models[0], { observer: { release: (now, _task, job) => void (job.release > 0 && wakes.push(now / MS)) } });
    expect(wakes.sort((x, y) => x - y)).toEqual([10, 20, 30, 40, 50, 60]);
  });
});

describe('the validate:linux "shared-timer" case (hvsim side; the kernel side needs a quiet machine)', () => {
  const sharedCase = CASES.find((c) => c.id === 'shared-timer')!;

  it('is predicted as rt-app documents it: the two threads alternate, 10 % of a CPU each, rows every 20 ms', () => {
    expect(sharedTimerThreads(sharedCase)).toEqual(new Map([['sta', 'shared'], ['stb', 'shared']]));
    const sample = runOnHvsim(sharedCase, { kernel: '6.18', cpus: 2, hz: 250 });
    for (const name of ['sta', 'stb']) {
      expect(sample.cpuShare.get(name)).toBeCloseTo(0.1, 2);
      const rows = sample.rows.get(name)!.slice(1);
      expect(rows.length).toBeGreaterThan(150);
      expect(rows.every((r) => r.period === 20000 && r.slack > 0)).toBe(true);
    }
  });

  it('takes the shared grid\'s origin from the kernel logs: the earliest first expiry of its users less one period', () => {
    // Kernel-like first rows (rt-app takes `end` after the timer's sleep): sta began at 1 ms, ran
    // 2 ms and slept to expiry 10 ms (origin 0: t_zero); stb began at 3 ms and slept to 20 ms, its
    // turn after sta's. Read alone, stb's row says a grid starting at 10 ms (capped at its start).
    const row = (relSt: number, slack: number, expiry: number) => ({ idx: 0, perf: 0, run: 2000, period: expiry + 30 - relSt, start: 5e6 + relSt, end: 5e6 + expiry + 30, rel_st: relSt, slack, c_duration: 2000, c_period: 10000, wu_lat: 30 });
    const run = { rows: new Map([['sta', [row(1000, 7000, 10000)]], ['stb', [row(3000, 15000, 20000)]]]), cpuShare: new Map<string, number>() };
    expect(threadStarts(run)).toEqual(new Map([['sta', { gridUs: 0, firstEventUs: 1000 }], ['stb', { gridUs: 3000, firstEventUs: 3000 }]]));
    // Sharers start together at the origin, in the order they got going (1 µs apart).
    expect(threadStarts(run, sharedTimerThreads(sharedCase))).toEqual(new Map([['sta', { gridUs: 0, firstEventUs: 1000 }], ['stb', { gridUs: 1, firstEventUs: 3000 }]]));
  });
});
