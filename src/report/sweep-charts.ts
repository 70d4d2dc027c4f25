// Charts of `hvsim sweep`: a chosen per-task metric against one swept parameter, a series per
// model (the report's chart code: src/report/charts.ts). With several parameters, one chart per
// combination of the others' values. Durations are drawn in ms, numbers as they are, any other
// values as categories (bars). A model that refused a point leaves a gap there.

import type { SweepResults } from '../experiments/sweep-results.js';
import type { SweepValue } from '../experiments/sweep-grid.js';
import { SWEEP_METRICS } from '../metrics/task-metrics.js';
import { DURATION_PATTERN } from '../scenario/units.js';
import { chartText, modelColour, type ChartSpec } from './charts.js';
import type { FigureOutput } from './figures.js';

/** Most charts one sweep draws (one per combination of the parameters not on the x axis). */
export const MAX_SWEEP_CHARTS = 24;

const DURATION_RE = new RegExp(DURATION_PATTERN, 'u');
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, min: 6e10 };

function durationMs(v: SweepValue): number | undefined {
  const m = typeof v === 'string' ? DURATION_RE.exec(v) : null;
  return m ? (Number(`${m[1]}.${m[2] ?? '0'}`) * UNIT_NS[m[3]]) / 1e6 : undefined;
}

export interface SweepChartOptions {
  metric: string;
  /** One task's metric; default the largest over the tasks. */
  task?: string;
  /** The parameter on the x axis; default the first. */
  x?: string;
}

export function sweepCharts(results: SweepResults, options: SweepChartOptions): FigureOutput[] {
  const metric = SWEEP_METRICS[options.metric];
  const xIndex = Math.max(0, results.parameters.findIndex((p) => p.pointer === (options.x ?? results.parameters[0].pointer)));
  const x = results.parameters[xIndex];
  const others = results.parameters.filter((_, i) => i !== xIndex);
  const groups = new Map<string, SweepResults['points']>();
  for (const point of results.points) {
    const label = others.map((p) => `${p.pointer} = ${JSON.stringify(point.set[p.pointer])}`).join(', ');
    groups.set(label, [...(groups.get(label) ?? []), point]);
  }
  if (groups.size > MAX_SWEEP_CHARTS) return [];
  const asMs = x.values.map(durationMs);
  const kind = asMs.every((v) => v !== undefined) ? 'duration' : x.values.every((v) => typeof v === 'number') ? 'number' : 'category';
  const xOf = (v: SweepValue) => (kind === 'duration' ? durationMs(v)! : (v as number));
  const yOf = (run: SweepResults['points'][number]['runs'][number]): number | null => {
    if ('refused' in run) return null;
    const tasks = options.task === undefined ? run.run.tasks : run.run.tasks.filter((t) => t.id === options.task);
    if (tasks.length === 0) return null;
    const value = Math.max(...tasks.map((t) => metric.of(t)));
    return metric.ns ? value / 1e6 : value;
  };
  const of = options.task === undefined ? 'largest over the tasks' : `task ${options.task}`;
  const yTitle = `${metric.title} (${of})${metric.ns ? ' (ms)' : ''}`;
  const xTitle = `${x.pointer}${kind === 'duration' ? ' (ms)' : ''}`;
  const safeMetric = options.metric.replace(/[^A-Za-z0-9.-]/g, '_');
  return [...groups.entries()].map(([label, points], k): FigureOutput => {
    const title = chartText(`${results.scenario.name}: ${metric.title} vs ${x.pointer}${label ? ` (${label})` : ''}`);
    const series = results.models.map((model, m) => ({ model, color: modelColour(model, m), ys: points.map((p) => yOf(p.runs[m])) }));
    const spec: ChartSpec =
      kind === 'category'
        ? { kind: 'bar', title, width: 900, height: 480, categories: points.map((p) => chartText(String(typeof p.set[x.pointer] === 'string' ? p.set[x.pointer] : JSON.stringify(p.set[x.pointer])))), y: { title: yTitle, min: 0 }, series: series.map((s) => ({ label: s.model, color: s.color, values: s.ys })) }
        : {
            kind: 'xy',
            title,
            width: 900,
            height: 480,
            x: { title: xTitle },
            y: { title: yTitle, min: 0 },
            series: series.map((s) => ({ label: s.model, color: s.color, markers: true, points: points.flatMap((p, i) => (s.ys[i] === null ? [] : [[xOf(p.set[x.pointer]), s.ys[i]] as [number, number]])) })),
          };
    return {
      file: groups.size === 1 ? `sweep-${safeMetric}.png` : `sweep-${safeMetric}-${k + 1}.png`,
      spec,
      caption: `${metric.title} (${of}) of ${results.scenario.name} against ${x.pointer}${label ? `, ${label}` : ''}, per model.`,
    };
  });
}
