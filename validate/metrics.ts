// Figures compared between the kernel and hvsim, computed by the same code from rt-app log rows
// (real logs, or the ones hvsim exports) and from CPU-time samples.
//
// Per row k of a timer-driven thread (µs):
//   response_k = run_k + wu_lat_{k−1}: from the timer expiry that released job k to its completion
//                (row k−1's wu_lat is the wake-up that started row k; after an overrun it is 0 and
//                the job was released at the previous completion). Row 0: rel_st_0 + run_0.
//   miss       = slack_k < 0 (the job ended after the next expiry; rt-app's own overrun signal).
//   wake-up    = wu_lat_k over rows that slept (slack > 0).

import type { RtappLogRow } from '../src/rtapp/logs.js';
import type { Metric } from './cases.js';

export interface Sample {
  rows: Map<string, RtappLogRow[]>;
  /** CPU time share of one CPU over the sampling window, per thread name. */
  cpuShare: Map<string, number>;
}

export interface Figure {
  metric: Metric;
  label: string;
  unit: '%' | 'µs' | 'ratio' | 'count';
  /** Median over the kernel runs, and their range. */
  measured: number;
  measuredMin: number;
  measuredMax: number;
  predicted: number;
  /** Range of the predictions when hvsim ran once per kernel run (a case with `rtPhaseFromKernel`); else = predicted. */
  predictedMin: number;
  predictedMax: number;
  /** (predicted − measured) / measured; null when measured is 0. */
  error: number | null;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function responses(rows: RtappLogRow[], warmupUs: number): number[] {
  const out: number[] = [];
  rows.forEach((r, k) => {
    if (r.rel_st < warmupUs) return;
    out.push(k === 0 ? r.rel_st + r.run : r.run + rows[k - 1].wu_lat);
  });
  return out;
}

/** Percentile of the `run` column (real time of the run events) after warm-up: the execution-time noise. */
export function runPercentile(rows: RtappLogRow[], warmupUs: number, p: number): number {
  return percentile(rows.filter((r) => r.rel_st >= warmupUs).map((r) => r.run), p);
}

export function metricValue(m: Metric, s: Sample, warmupUs: number): number {
  const all = 'thread' in m ? (s.rows.get(m.thread) ?? []) : [];
  const rows = all.filter((r) => r.rel_st >= warmupUs);
  switch (m.kind) {
    case 'cpuShare':
      return s.cpuShare.get(m.thread) ?? NaN;
    case 'cpuShareSum':
      return m.threads.reduce((sum, t) => sum + (s.cpuShare.get(t) ?? NaN), 0);
    case 'missRatio':
      return rows.length === 0 ? NaN : rows.filter((r) => r.slack < 0).length / rows.length;
    case 'wakeup':
      return percentile(rows.filter((r) => r.slack > 0).map((r) => r.wu_lat), m.p);
    case 'response':
      return percentile(responses(all, warmupUs), m.p);
    case 'responseMax':
      return Math.max(...responses(all, warmupUs));
    case 'bursts':
      return percentile(burstSizes(rows, m.gapUs), 50);
  }
}

/**
 * Jobs started between two starvations: the rows split where consecutive starts are more than
 * `gapUs` apart; the first and last bursts (cut by the window) are left out.
 */
export function burstSizes(rows: RtappLogRow[], gapUs: number): number[] {
  const sizes: number[] = [];
  let size = 0;
  rows.forEach((r, k) => {
    if (k > 0 && r.start - rows[k - 1].start > gapUs) {
      sizes.push(size);
      size = 0;
    }
    size++;
  });
  return sizes.slice(1);
}

export function metricLabel(m: Metric): { label: string; unit: Figure['unit'] } {
  switch (m.kind) {
    case 'cpuShare':
      return { label: `${m.thread} CPU share`, unit: '%' };
    case 'cpuShareSum':
      return { label: `${m.threads.join(' + ')} CPU share`, unit: '%' };
    case 'missRatio':
      return { label: `${m.thread} misses (slack < 0)`, unit: 'ratio' };
    case 'wakeup':
      return { label: `${m.thread} wake-up latency p${m.p}`, unit: 'µs' };
    case 'response':
      return { label: `${m.thread} response p${m.p}`, unit: 'µs' };
    case 'responseMax':
      return { label: `${m.thread} response max (worst starvation)`, unit: 'µs' };
    case 'bursts':
      return { label: `${m.thread} jobs between starvations (> ${m.gapUs / 1000} ms gaps), median`, unit: 'count' };
  }
}

/**
 * Compare the median of the kernel runs with hvsim's (deterministic) prediction; given one
 * prediction per kernel run (each under that run's measured conditions), with their median.
 */
export function figure(m: Metric, runs: Sample[], predicted: Sample | Sample[], warmupUs: number): Figure {
  const values = runs.map((r) => metricValue(m, r, warmupUs)).filter((v) => !Number.isNaN(v));
  const a = percentile(values, 50);
  const predictions = (Array.isArray(predicted) ? predicted : [predicted]).map((p) => metricValue(m, p, warmupUs));
  const b = medianOf(predictions);
  const { label, unit } = metricLabel(m);
  return {
    metric: m,
    label,
    unit,
    measured: a,
    measuredMin: Math.min(...values),
    measuredMax: Math.max(...values),
    predicted: b,
    predictedMin: Math.min(...predictions),
    predictedMax: Math.max(...predictions),
    error: a === 0 ? (b === 0 ? 0 : null) : (b - a) / a,
  };
}

/** Median (mean of the two middle values for an even count, as the measured side's 3 runs never need). */
function medianOf(values: number[]): number {
  const v = [...values].sort((x, y) => x - y);
  const k = v.length >> 1;
  return v.length % 2 === 1 ? v[k] : (v[k - 1] + v[k]) / 2;
}

/** All runs' rows in one sample (for distributions quoted in explanations). */
export function pooled(runs: Sample[]): Sample {
  const rows = new Map<string, RtappLogRow[]>();
  for (const r of runs) for (const [k, v] of r.rows) rows.set(k, [...(rows.get(k) ?? []), ...v]);
  return { rows, cpuShare: runs[0]?.cpuShare ?? new Map() };
}

export function formatValue(v: number, unit: Figure['unit']): string {
  if (!Number.isFinite(v)) return '—';
  if (unit === '%') return `${(v * 100).toFixed(1)} %`;
  if (unit === 'ratio') return `${(v * 100).toFixed(2)} %`;
  if (unit === 'count') return `${Math.round(v * 10) / 10}`;
  return `${Math.round(v)} µs`;
}

export function formatError(f: Figure): string {
  const abs = f.predicted - f.measured;
  const absText = f.unit === 'count' ? `${abs >= 0 ? '+' : ''}${Math.round(abs * 10) / 10}` : f.unit === 'µs' ? `${abs >= 0 ? '+' : ''}${Math.round(abs)} µs` : `${abs >= 0 ? '+' : ''}${(abs * 100).toFixed(2)} pt`;
  if (f.error === null) return `n/a (${absText})`;
  return `${f.error >= 0 ? '+' : ''}${(f.error * 100).toFixed(1)} % (${absText})`;
}
