// The index's one-line outcome and the CDF axis choice: small rules a reader relies on.
import { describe, expect, it } from 'vitest';
import type { Results } from '../src/metrics/results.js';
import { verdict } from '../src/report/experiment.js';
import { DEADLINE_SOURCES, missesOf, type DeadlineSource } from '../src/report/deadlines.js';
import { ioChart, spansDecades } from '../src/report/scenario-charts.js';
import type { Scenario } from '../src/scenario/types.js';

function results(runs: { model: string; taskMisses: number[]; ioMisses: number[] }[]): Results {
  return {
    runs: runs.map((r) => ({ model: r.model, tasks: r.taskMisses.map((missed) => ({ missed })), io: r.ioMisses.map((missed) => ({ missed })) })),
    expectations: [],
  } as unknown as Results;
}

describe('index outcome', () => {
  it('counts every deadline: a stack whose I/O missed is not "no misses"', () => {
    const r = results([
      { model: 'a', taskMisses: [0, 0], ioMisses: [3] },
      { model: 'b', taskMisses: [0], ioMisses: [0] },
    ]);
    expect(verdict(r)).toBe('no misses under b');
  });

  it('says so when every model met every deadline, and when none did', () => {
    expect(verdict(results([{ model: 'a', taskMisses: [0], ioMisses: [] }]))).toBe('no misses under any model');
    expect(verdict(results([{ model: 'a', taskMisses: [1], ioMisses: [] }, { model: 'b', taskMisses: [0], ioMisses: [2] }]))).toBe('every model missed deadlines');
  });
});

describe('deadline sources', () => {
  it('a source added beside tasks, I/O and flows counts too: a stack whose new source missed is not "no misses"', () => {
    const r = results([
      { model: 'a', taskMisses: [0], ioMisses: [0] },
      { model: 'b', taskMisses: [0], ioMisses: [0] },
    ]);
    const flows: DeadlineSource = { name: 'stream requests', count: (run) => ({ judged: 10, missed: run.model === 'a' ? 2 : 0 }) };
    expect(verdict(r)).toBe('no misses under any model');
    expect(verdict(r, [...DEADLINE_SOURCES, flows])).toBe('no misses under b');
    expect(missesOf(r.runs[0], [...DEADLINE_SOURCES, flows])).toEqual([{ source: 'stream requests', missed: 2 }]);
  });
});

describe('response-time CDF axis', () => {
  it('is logarithmic from a factor of 100 between the smallest and largest positive response', () => {
    expect(spansDecades([0, 1_000_000, 99_000_000])).toBe(false);
    expect(spansDecades([0, 1_000_000, 100_000_000])).toBe(true);
    expect(spansDecades([0, 0])).toBe(false);
  });
});

describe('guest I/O latency chart', () => {
  const scenario = { vmus: [{ io: [{ id: 'r', deadline: 10_000_000 }] }] } as unknown as Scenario;
  const withLatencies = (...p99s: number[]) =>
    ({ runs: p99s.map((p99Ns, i) => ({ model: `m${i}`, io: [{ id: 'r', completed: 10, latency: { p50Ns: p99Ns / 2, p99Ns, maxNs: p99Ns } }] })) }) as unknown as Results;

  it('is logarithmic when one stack\'s latencies are 100 times another\'s, linear otherwise, and names the deadline', () => {
    const wide = ioChart(scenario, withLatencies(300_000, 60_000_000))!;
    expect(wide.spec.kind === 'bar' && wide.spec.y.log).toBe(true);
    expect(wide.caption).toContain('Deadlines: r 10 ms.');
    const narrow = ioChart(scenario, withLatencies(2_000_000, 6_000_000))!;
    expect(narrow.spec.kind === 'bar' && narrow.spec.y.log).toBeFalsy();
  });
});
