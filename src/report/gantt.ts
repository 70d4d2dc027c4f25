// The schedule excerpt (src/experiments/schedule-excerpt.ts) drawn as one Gantt chart.

import type { GanttTrace } from '../experiments/schedule-excerpt.js';
import { PALETTE, type ChartSpec, type GanttBar } from './charts.js';

/**
 * One chart for all models: a row per (model, pCPU), a colour per VMU (its vCPUs share it, a host
 * thread has its own). Times in ms from the start of the run.
 */
export function ganttChart(scenarioName: string, traces: { model: string; trace: GanttTrace }[]): ChartSpec {
  const owner = (entity: string) => entity.replace(/\/vcpu\d+$/, '');
  const owners = [...new Set(traces.flatMap((t) => t.trace.entities.map(owner)))].sort();
  const rows: string[] = [];
  const bars = new Map<string, GanttBar[]>(owners.map((o) => [o, []]));
  for (const { model, trace } of traces) {
    const base = rows.length;
    rows.push(...trace.cpus.map((c) => `${model} ${c}`));
    for (const [cpu, e, start, end] of trace.segments) bars.get(owner(trace.entities[e]))!.push([base + cpu, start / 1e6, end / 1e6]);
  }
  const first = traces[0]?.trace;
  return {
    kind: 'gantt',
    title: `${scenarioName}: schedule excerpt per pCPU`,
    width: 1000,
    height: Math.max(260, 120 + rows.length * 34 + Math.ceil(owners.length / 5) * 22),
    x: { title: 'time since start (ms)', min: (first?.from ?? 0) / 1e6, max: (first?.to ?? 0) / 1e6 },
    rows,
    entities: owners.map((o, i) => ({ label: o, color: PALETTE[i % PALETTE.length], bars: bars.get(o)! })),
  };
}
