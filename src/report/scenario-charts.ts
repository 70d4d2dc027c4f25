// The charts every experiment gets, built from its results (and the schedule excerpt recorded
// during its runs): response-time CDF per task and model, CPU share received vs reserved per VMU,
// the schedule excerpt, and guest I/O latency per stack where the scenario has I/O loads.

import { RESPONSE_CDF_PERCENTILES, taskIdsOf, type Results } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import { modelColour, type ChartSpec, type XySeries } from './charts.js';
import type { FigureOutput } from './figures.js';
import { fmtNs } from './format.js';
import type { GanttTrace } from '../experiments/schedule-excerpt.js';
import { ganttChart } from './gantt.js';
import { listText } from './format.js';

const toMs = (ns: number) => ns / 1e6;

/** File names keep ids as they are (the schema limits them to [A-Za-z0-9._-]). */
export function cdfCharts(scenario: Scenario, results: Results): FigureOutput[] {
  const ids = taskIdsOf(results.runs);
  const deadlines = new Map([...scenario.vmus.flatMap((v) => v.tasks), ...scenario.hostThreads].map((t) => [t.id, t.deadline]));
  // An I/O load's guest handler task carries the load's id: its CDF is the guest's part of each
  // request only, and must not pass for the request's end-to-end latency (io-latency.png).
  const handlers = new Set(scenario.vmus.flatMap((v) => v.io.map((l) => l.id)));
  // A storage stream's requests have their own latency CDF, device included (storage-cdf-<id>.png,
  // storage-charts.ts); its guest handler's chart would only repeat the guest's small part of it.
  const storageStreams = new Set(scenario.vmus.flatMap((v) => v.io.filter((l) => l.storage !== undefined).map((l) => l.id)));
  const out: FigureOutput[] = [];
  for (const id of ids) {
    if (storageStreams.has(id)) continue;
    const per = results.runs
      .map((r, i) => ({ model: r.model, i, t: r.tasks.find((x) => x.id === id) }))
      .filter((p): p is { model: string; i: number; t: NonNullable<typeof p.t> } => p.t !== undefined);
    if (!per.some((p) => p.t.response.count > 0)) continue;
    const series: XySeries[] = per
      .filter((p) => p.t.responseCdfNs.length > 0)
      .map((p) => ({
        label: p.model,
        color: modelColour(p.model, p.i),
        points: p.t.responseCdfNs.map((ns, k) => [toMs(ns), RESPONSE_CDF_PERCENTILES[k]] as [number, number]),
      }));
    const deadline = deadlines.get(id);
    const hasDeadline = deadline !== undefined && Number.isFinite(deadline);
    if (hasDeadline) series.push({ label: `deadline ${fmtNs(deadline)}`, color: '#777777', dash: true, points: [[toMs(deadline), 0], [toMs(deadline), 100]] });
    const none = per.filter((p) => p.t.responseCdfNs.length === 0).map((p) => p.model);
    // One pathological stack can stretch a linear axis until every other curve is a vertical line
    // at 0: when the responses span two decades or more, the axis is logarithmic.
    const log = spansDecades(per.flatMap((p) => p.t.responseCdfNs));
    const same = coinciding(per.filter((p) => p.t.responseCdfNs.length > 0).map((p) => ({ model: p.model, key: p.t.responseCdfNs.join(',') })));
    out.push({
      file: `cdf-${id}.png`,
      spec: {
        kind: 'xy',
        title: handlers.has(id) ? `Guest-handler response-time CDF of ${id}` : `Response-time CDF of ${id}`,
        width: 800,
        height: 440,
        x: log ? { title: 'response time, release to completion (ms, log scale)', log: true } : { title: 'response time, release to completion (ms)', min: 0 },
        y: { title: 'jobs completed within (%)', min: 0, max: 100 },
        series,
      },
      caption: `${handlers.has(id) ? `Response-time distribution of the guest handler of I/O load ${id} (the guest's part of each request only; the request's end-to-end latency, backend and device included, is in the I/O latency chart)` : `Response-time distribution of ${id}`} under each model: share of its jobs completed within a given time after their release (${jobCount(per.map((p) => p.t.response.count))} completed jobs per model${hasDeadline ? `; dashed: its ${fmtNs(deadline)} deadline` : ''}).${same}${none.length ? ` No job of ${id} completed under ${listText(none)}.` : ''}`,
    });
  }
  return out;
}

/** True when the positive values span a factor of 100 or more. */
export function spansDecades(values: readonly number[]): boolean {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return false;
  return Math.max(...positive) >= 100 * Math.min(...positive);
}

/** " Identical curves (drawn over each other): a and b." for models whose CDFs are equal. */
export function coinciding(curves: { model: string; key: string }[]): string {
  const groups = new Map<string, string[]>();
  for (const c of curves) groups.set(c.key, [...(groups.get(c.key) ?? []), c.model]);
  const same = [...groups.values()].filter((g) => g.length > 1);
  if (same.length === 0) return '';
  return ` Identical curves, drawn over each other: ${same.map((g) => listText(g)).join('; ')}.`;
}

function jobCount(counts: number[]): string {
  const done = counts.filter((c) => c > 0);
  const lo = Math.min(...done);
  const hi = Math.max(...done);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

export function shareChart(scenario: Scenario, results: Results): FigureOutput | null {
  if (scenario.vmus.length === 0) return null;
  const vmus = scenario.vmus.map((v) => v.id);
  const reserved = vmus.map((id) => results.runs[0]?.vmus.find((x) => x.id === id)?.reservedShare ?? null);
  const spec: ChartSpec = {
    kind: 'bar',
    title: 'CPU share received vs reserved, per VMU',
    width: 800,
    height: 440,
    categories: vmus,
    y: { title: '% of one CPU (over the measured window)', min: 0 },
    series: [
      { label: 'reserved (SLA)', color: '#b5b5b5', values: reserved.map((r) => (r === null ? null : r * 100)) },
      ...results.runs.map((r, i) => ({
        label: r.model,
        color: modelColour(r.model, i),
        values: vmus.map((id) => {
          const v = r.vmus.find((x) => x.id === id);
          return v ? Math.round(v.cpuShare * 1e4) / 100 : null;
        }),
      })),
    ],
  };
  return {
    file: 'cpu-share.png',
    spec,
    caption: 'CPU time each VMU received, in % of one CPU over the measured window, beside what its SLA reserves (vCPUs × budget / period; none for a best-effort VMU). A VMU with less work than its reservation receives less; one that receives more got slack time.',
  };
}

export function scheduleChart(scenario: Scenario, traces: { model: string; trace: GanttTrace }[]): FigureOutput {
  const first = traces[0]?.trace;
  const span = first ? `${fmtNs(first.from)} to ${fmtNs(first.to)}` : '';
  return {
    file: 'schedule.png',
    spec: ganttChart(scenario.name, traces),
    caption: `Schedule excerpt, ${span} after the start: what each pCPU ran under each model (one row per model and pCPU; a VMU's vCPU threads share its colour). Recorded during the runs above.`,
  };
}

/** Guest I/O latency per stack: p50, p99 and worst per load, one bar group per load and model. */
export function ioChart(scenario: Scenario, results: Results): FigureOutput | null {
  const loads = [...new Set(results.runs.flatMap((r) => r.io.map((l) => l.id)))];
  if (loads.length === 0) return null;
  const categories = loads.flatMap((id) => results.runs.map((r) => `${id} ${r.model}`));
  const pick = (key: 'p50Ns' | 'p99Ns' | 'maxNs') =>
    loads.flatMap((id) =>
      results.runs.map((r) => {
        const l = r.io.find((x) => x.id === id);
        return l && l.completed > 0 ? l.latency[key] : null;
      }),
    );
  const [p50, p99, max] = [pick('p50Ns'), pick('p99Ns'), pick('maxNs')];
  // As for the CDFs: one stack's tail must not flatten the others' bars to nothing.
  const log = spansDecades([...p50, ...p99, ...max].filter((v): v is number => v !== null));
  const ms = (xs: (number | null)[]) => xs.map((v) => (v === null ? null : toMs(v)));
  const deadlines = scenario.vmus.flatMap((v) => v.io).filter((l) => loads.includes(l.id) && Number.isFinite(l.deadline));
  const deadlineText = deadlines.length === 0 ? '' : ` Deadlines: ${listText(deadlines.map((l) => `${l.id} ${fmtNs(l.deadline)}`))}.`;
  return {
    file: 'io-latency.png',
    spec: {
      kind: 'bar',
      title: 'Guest I/O latency per stack',
      width: 900,
      height: 460,
      categories,
      y: log ? { title: 'request latency (ms, log scale)', log: true } : { title: 'request latency (ms)', min: 0 },
      series: [
        { label: 'p50', color: '#7fb2e5', values: ms(p50) },
        { label: 'p99', color: '#1f63b4', values: ms(p99) },
        { label: 'max', color: '#0b2f5c', values: ms(max) },
      ],
    },
    caption: `Latency of each guest I/O load from the request's arrival to the end of its path (guest handler, backend thread, device), per model${log ? '; the axis is logarithmic, as the latencies span two decades or more' : ''}.${deadlineText}`,
  };
}
