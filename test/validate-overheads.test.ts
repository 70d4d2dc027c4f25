// validate:linux feeds each case the wake-up distribution of its calibration run (validate/overheads.ts):
// a SCHED_FIFO thread pre-empting a fair loop wakes timerInterrupt + wakeup + contextSwitch after its
// timer, so the timer interrupt gets the calibration's p50/p99/max less the two constants, and the
// case's FIFO thread, which also outranks everything on its CPU, must then show that distribution
// again. Everything here runs without root: the kernel side is a list of wu_lat values.
import { describe, expect, it } from 'vitest';
import { quantileOf } from '../src/engine/overhead-delay.js';
import { CASES } from '../validate/cases.js';
import { explain } from '../validate/explanations.js';
import { figure, metricValue } from '../validate/metrics.js';
import { hostOverheadsParts, overheadsOf, wakeDelayOf, wakeQuantilesOf } from '../validate/overheads.js';
import { runOnHvsim } from '../validate/runs.js';

/** A calibration's wu_lat values (µs): a body at 22–30 µs, a tail to 66 µs, a few slow ones up to 422 µs. */
const CALIBRATION_WAKEUPS = [
  ...Array.from({ length: 250 }, (_, i) => 22 + (i % 9)),
  ...Array.from({ length: 35 }, (_, i) => 31 + i),
  ...[80, 100, 150, 300, 422],
];

describe('validate:linux overheads from a calibration', () => {
  const wake = wakeQuantilesOf(CALIBRATION_WAKEUPS);
  const o = overheadsOf(wake, wake.p50 + 50, { pipeRoundTripUs: 14.4, syscallUs: 1.06 });

  it('splits the wake-up latency: the timer interrupt carries its distribution less the constant path', () => {
    expect(wake.max).toBe(422);
    expect(wake.p50).toBeLessThan(wake.p99);
    expect(o.wakeup).toBe(o.contextSwitch);
    for (const k of ['p50', 'p99', 'max'] as const) expect(o.timerInterrupt[k]).toBeCloseTo(wake[k] - o.wakeup - o.contextSwitch, 6);
    expect(o.vmExit).toBe(50);
  });

  it("fifo-periodic's FIFO thread predicted with them wakes with the calibration's p50 and p99, its run column its work alone", () => {
    const c = CASES.find((x) => x.id === 'fifo-periodic')!;
    const long = { ...c, durationS: 40 }; // ~4000 wake-ups instead of ~350: a tight sampling band at p99
    const sample = runOnHvsim(long, { kernel: '6.18.44', cpus: 2, hz: 250, workScale: 1, ...hostOverheadsParts(o) });
    const rows = sample.rows.get('rtp')!.filter((r) => r.rel_st >= c.warmupUs && r.slack > 0);
    const n = rows.length;
    expect(n).toBeGreaterThan(3500);
    const measured = wakeDelayOf(wake);
    for (const p of [50, 99]) {
      const q = p / 100;
      const sigma = 6 * Math.sqrt((q * (1 - q)) / n);
      const got = metricValue({ kind: 'wakeup', thread: 'rtp', p }, sample, c.warmupUs);
      // wu_lat is whole µs (rt-app truncates): 1 µs beside the sampling band.
      expect(got).toBeGreaterThanOrEqual(quantileOf(measured, q - sigma) / 1000 - 1);
      expect(got).toBeLessThanOrEqual(quantileOf(measured, q + sigma) / 1000 + 1);
    }
    expect(Math.max(...rows.map((r) => r.wu_lat))).toBeLessThanOrEqual(wake.max);
    // Nothing outranks it: its run column is its 2 ms of work, whatever its wake-up took.
    for (const r of rows) expect(r.run).toBeGreaterThanOrEqual(2000);
  });

  it('the explanation of a wake-up figure names the calibration distribution hvsim drew from', () => {
    const c = CASES.find((x) => x.id === 'fifo-periodic')!;
    const sample = runOnHvsim(c, { kernel: '6.18.44', cpus: 2, hz: 250, workScale: 1, ...hostOverheadsParts(o) });
    const f = figure({ kind: 'wakeup', thread: 'rtp', p: 99 }, [sample], sample, c.warmupUs);
    const text = explain({ caseId: c.id, f, real: sample, model: sample, runs: [sample], runModels: [[sample]], phasesNs: null, pre612: null, warmupUs: c.warmupUs, wake, calibrationWakeups: CALIBRATION_WAKEUPS.length, workScale: 1, foreignLoad: 0 });
    expect(text).toMatch(new RegExp(`p50 ${Math.round(wake.p50)} µs, p99 ${Math.round(wake.p99)} µs, max 422 µs over its 290 wake-ups`));
    expect(text).not.toMatch(/no distribution/);
  });
  it("rr-observer's response figure is explained by the halted-vCPU wake, with the case's own wake-up numbers", () => {
    const c = CASES.find((x) => x.id === 'rr-observer')!;
    const sample = runOnHvsim(c, { kernel: '6.18.44', cpus: 2, hz: 250, workScale: 1, ...hostOverheadsParts(o) });
    const f = figure({ kind: 'response', thread: 'obs', p: 50 }, [sample], sample, c.warmupUs);
    const text = explain({ caseId: c.id, f, real: sample, model: sample, runs: [sample], runModels: [[sample]], phasesNs: null, pre612: null, warmupUs: c.warmupUs, wake, calibrationWakeups: CALIBRATION_WAKEUPS.length, workScale: 1, foreignLoad: 0 });
    expect(text).toMatch(/^MACHINE \(waking a halted vCPU\)/);
    const wu = sample.rows.get('obs')!.filter((r) => r.rel_st >= c.warmupUs && r.slack > 0).map((r) => r.wu_lat).sort((a, b) => a - b);
    expect(text).toContain(`wake-up latency p50 ${Math.round(wu[Math.ceil(wu.length / 2) - 1])} µs`);
  });
  it("fifo-hog-1cpu's jobs-between-starvations figure is explained by the fair_server / throttling split, like its share and misses", () => {
    const c = CASES.find((x) => x.id === 'fifo-hog-1cpu')!;
    const sample = { ...runOnHvsim({ ...c, durationS: 2 }, { kernel: '6.18.44', cpus: 2, hz: 250, workScale: 1, ...hostOverheadsParts(o) }) };
    const ctx = (f: ReturnType<typeof figure>) => explain({ caseId: c.id, f, real: sample, model: sample, runs: [sample], runModels: [[sample]], phasesNs: null, pre612: null, warmupUs: c.warmupUs, wake, calibrationWakeups: CALIBRATION_WAKEUPS.length, workScale: 1, foreignLoad: 0 });
    const bursts = ctx(figure({ kind: 'bursts', thread: 'fp1', gapUs: 100_000 }, [sample], sample, c.warmupUs));
    const share = ctx(figure({ kind: 'cpuShare', thread: 'fp1' }, [sample], sample, c.warmupUs));
    expect(bursts).toMatch(/^MODEL \(fair_server against root RT throttling/);
    expect(bursts).toMatch(/45 jobs between two starvations/);
    expect(share.slice(0, 200)).toBe(bursts.slice(0, 200));
  });
});
