// rt-app log export: byte-exact rt-app 1.0 format, and an import → run → export round trip of the
// reference sample whose logs parse with the same column layout as the real ones.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { parseRtapp } from '../src/rtapp/grammar.js';
import { importRtapp, importRtappFile } from '../src/rtapp/import.js';
import { RtappLogRecorder, formatRtappLog, logFileName, parseRtappLog, perfOfRun, type RtappLog } from '../src/rtapp/logs.js';
import type { Scenario } from '../src/scenario/types.js';
import { simulate } from '../src/experiments/simulate.js';
import { host, hostThread, ms, task } from './helpers/scenario.js';

const FIXTURES = join(__dirname, 'fixtures', 'rtapp');
const SAMPLE = join(FIXTURES, 'periodic.json');
const REAL = ['rtapp-t10ms-0.log', 'rtapp-t25ms-1.log'].map((f) => ({ file: f, text: readFileSync(join(FIXTURES, f), 'utf8') }));

function runWithLogs(scenario: Scenario, model = 'kvm-linux'): RtappLog[] {
  const recorder = new RtappLogRecorder(scenario);
  simulate(scenario, findModel(model, '', ''), scenario.models.find((m) => m.name === model), { observer: recorder.observer });
  return recorder.logs();
}

describe('rt-app log format', () => {
  it('re-formats the real sample logs byte for byte', () => {
    for (const { file, text } of REAL) expect(formatRtappLog(parseRtappLog(text, file))).toBe(text);
  });

  it('counts perf as rt-app 1.0 does (sub-second remainder only)', () => {
    expect(perfOfRun(2000, 8)).toBe(250000); // the sample: 2 ms at 8 ns per loop
    expect(perfOfRun(100000, 31)).toBe(3225806);
    expect(perfOfRun(1_500_000, 10)).toBe(50_000_000);
  });
});

describe('import → run → export round trip of rt-app-sample', () => {
  const imp = importRtappFile(SAMPLE, { cpus: 2, hz: 1000, kernel: '6.18' });
  const logs = runWithLogs(imp.scenario);

  it('writes one log per thread under rt-app\'s file names', () => {
    expect(logs.map((l) => logFileName('rtapp', l))).toEqual(REAL.map((r) => r.file));
  });

  it('parses with the real logs\' policy line, columns and column positions', () => {
    for (const [i, log] of logs.entries()) {
      const ours = formatRtappLog(log);
      const real = parseRtappLog(REAL[i].text, REAL[i].file);
      const back = parseRtappLog(ours, REAL[i].file);
      expect(back.columns).toEqual(real.columns);
      expect(back.policyLine).toBe(real.policyLine);
      expect(ours.split('\n').slice(0, 2)).toEqual(REAL[i].text.split('\n').slice(0, 2));
      // Right-aligned fixed-width fields: every column ends where the real one does.
      const ends = (line: string) => [...line.matchAll(/\S+/g)].map((m) => m.index! + m[0].length);
      expect(ends(ours.split('\n')[2])).toEqual(ends(REAL[i].text.split('\n')[2]));
      expect(back.rows).toEqual(log.rows);
    }
  });

  it('reproduces the sample\'s configured columns and its row structure', () => {
    const [t10, t25] = logs;
    const [r10, r25] = REAL.map((r) => parseRtappLog(r.text, r.file).rows);
    expect(t10.rows).toHaveLength(r10.length); // 99 rows of 10 ms in 1 s
    const cfg = (r: RtappLog['rows'][number]) => [r.idx, r.perf, r.c_duration, r.c_period];
    expect(t10.rows.map(cfg)).toEqual(r10.map(cfg));
    expect(t25.rows.slice(0, 21).map(cfg)).toEqual(r25.slice(0, 21).map(cfg)); // 20 timer rows, then p2
    expect(t25.rows[20]).toMatchObject({ c_period: 0, slack: 0, wu_lat: 0 });
    for (const log of logs) {
      log.rows.forEach((r, k) => {
        expect(r.period).toBe(r.end - r.start);
        expect(r.rel_st).toBe(r.start);
        if (k > 0) expect(r.start).toBe(log.rows[k - 1].end);
      });
    }
    // A fair thread wakes 50 µs (its hrtimer slack) after each timer expiry, as the real one does (~60 µs).
    expect(t10.rows[1]).toMatchObject({ run: 2000, period: 10000, slack: 7950, wu_lat: 50 });
    expect(r10[1].wu_lat).toBeGreaterThanOrEqual(50);
  });
});

describe('logs of scenario tasks (not from rt-app)', () => {
  it('give one row per job, like `run C; timer T` in absolute mode', () => {
    const scenario: Scenario = {
      name: 'plain', description: '', file: '<memory>', durationNs: ms(100), warmupNs: 0, seed: 1,
      hosts: [host('ph1', 1)], vmus: [], models: [], expectations: [],
      hostThreads: [
        hostThread(task('hi', ms(3), ms(20), { policy: { class: 'fifo', priority: 50 } })),
        hostThread(task('lo', ms(2), ms(10), { policy: { class: 'fifo', priority: 10 } })),
      ],
    };
    const [hi, lo] = runWithLogs(scenario);
    expect(hi.policyLine).toBe('Policy : SCHED_FIFO priority : 50');
    expect(hi.rows[0]).toMatchObject({ idx: 0, run: 3000, start: 0, end: 20000, slack: 17000, c_duration: 3000, c_period: 20000, wu_lat: 0 });
    // lo waits 3 ms behind hi at every 20 ms boundary. A row's wu_lat is the wake-up that ends it.
    expect(lo.rows[0]).toMatchObject({ start: 3000, run: 2000, slack: 5000, c_period: 10000, end: 10000, wu_lat: 0 });
    expect(lo.rows[1]).toMatchObject({ start: 10000, run: 2000, slack: 8000, end: 23000, wu_lat: 3000 });
  });
});

describe('hvsim run of a DL reservation holding a busy loop', () => {
  it('gives it runtime/period of a CPU and logs a row per run', () => {
    const imp = importRtapp(
      parseRtapp(JSON.stringify({ global: { duration: 2, calibration: 10 }, tasks: { d: { policy: 'SCHED_DEADLINE', 'dl-runtime': 3000, 'dl-period': 10000, 'dl-deadline': 10000, run: 100000 } } }), 'dl.json'),
      { cpus: 2, hz: 1000, kernel: '6.18' },
    );
    const recorder = new RtappLogRecorder(imp.scenario);
    const run = simulate(imp.scenario, findModel('kvm-linux', '', ''), imp.scenario.models[0], { observer: recorder.observer });
    expect(run.tasks[0].cpuShare).toBeCloseTo(0.3, 2);
    const rows = recorder.logs()[0].rows;
    expect(recorder.logs()[0].policyLine).toBe('Policy : SCHED_DEADLINE');
    expect(rows[0]).toMatchObject({ perf: 10_000_000, c_duration: 100000, c_period: 0, slack: 0 });
    expect(rows[1].run).toBeGreaterThan(320_000); // 100 ms of work at 3 ms per 10 ms ≈ 333 ms
    expect(rows[1].run).toBeLessThan(340_000);
  });
});

describe('an iteration with several runs and waits', () => {
  it('is one row: runs summed, slack at its timer, end at the wake-up', () => {
    const doc = { global: { duration: 1, calibration: 10 }, tasks: { m: { policy: 'SCHED_FIFO', priority: 50, cpus: [0], run0: 1000, sleep: 2000, run1: 1000, timer: { ref: 'unique', period: 10000 } } } };
    const imp = importRtapp(parseRtapp(JSON.stringify(doc), 'multi.json'), { cpus: 1, hz: 1000, kernel: '6.18', durationNs: ms(50) });
    const [log] = runWithLogs(imp.scenario);
    expect(log.rows.slice(0, 2)).toEqual([
      { idx: 0, perf: 200000, run: 2000, period: 10000, start: 0, end: 10000, rel_st: 0, slack: 6000, c_duration: 2000, c_period: 10000, wu_lat: 0 },
      { idx: 0, perf: 200000, run: 2000, period: 10000, start: 10000, end: 20000, rel_st: 10000, slack: 6000, c_duration: 2000, c_period: 10000, wu_lat: 0 },
    ]);
  });
});

describe('rt-app log cells', () => {
  it('reads a negative difference printed as unsigned 64-bit (a shared timer\'s wu_lat) as the signed value', () => {
    const text = [
      '# Policy : SCHED_FIFO priority : 50',
      '#idx     perf      run   period           start             end          rel_st      slack c_duration   c_period     wu_lat',
      '   0   160000     2008    19635     17588787154     17588806788            1956      17593       2000      10000 18446744073709541648',
    ].join('\n');
    const [row] = parseRtappLog(text, 'shared-timer-run1-sta-0.log').rows;
    expect(row.wu_lat).toBe(-9968);
    expect(row.start).toBe(17588787154);
  });
});

