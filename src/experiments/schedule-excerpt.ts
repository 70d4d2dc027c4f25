// Schedule excerpt: what ran on each pCPU during a short window after the warm-up, recorded through
// the simulator's observer during the normal run (no extra run); src/report/gantt.ts draws it.
// Outside the window each dispatch costs one comparison; inside it a segment is a few numbers.

import type { SimObserver } from '../engine/simulator.js';
import type { Ns, Scenario } from '../scenario/types.js';

/** What one pCPU ran in the window: [entity index in `entities`, start, end] (ns), in time order. */
export interface GanttTrace {
  from: Ns;
  to: Ns;
  /** `host/cpuN`, in host then CPU order. */
  cpus: string[];
  entities: string[];
  segments: [cpu: number, entity: number, start: Ns, end: Ns][];
}

/**
 * The excerpt window: from the end of the warm-up, four times the longest period in the scenario
 * (reservation or task), clamped to [50 ms, 200 ms] and to the end of the run, so a few periods of
 * the slowest activity are visible and the bars stay readable.
 */
export function scheduleExcerptWindow(scenario: Scenario): { from: Ns; to: Ns } {
  const periods: number[] = [];
  for (const v of scenario.vmus) {
    if (v.sla) periods.push(v.sla.period);
    for (const t of v.tasks) if (t.arrival.kind === 'periodic') periods.push(t.arrival.period);
  }
  for (const t of scenario.hostThreads) if (t.arrival.kind === 'periodic') periods.push(t.arrival.period);
  const ms = 1_000_000;
  const longest = periods.length ? Math.max(...periods) : 50 * ms;
  const length = Math.min(200 * ms, Math.max(50 * ms, 4 * longest));
  const from = scenario.warmupNs;
  return { from, to: Math.min(scenario.durationNs, from + length) };
}

/** An observer that records the window's dispatches; `finish()` closes the open segments. */
export function scheduleExcerptRecorder(scenario: Scenario, window = scheduleExcerptWindow(scenario)): { observer: SimObserver; finish(): GanttTrace } {
  const { from, to } = window;
  const cpus: string[] = [];
  const cpuIndex = new Map<string, number>();
  for (const h of scenario.hosts) {
    for (let c = 0; c < h.cpus; c++) {
      cpuIndex.set(`${h.id}\u0000${c}`, cpus.length);
      cpus.push(`${h.id}/cpu${c}`);
    }
  }
  const entities: string[] = [];
  const entityIndex = new Map<string, number>();
  const running: { entity: number; since: Ns }[] = cpus.map(() => ({ entity: -1, since: 0 }));
  const segments: GanttTrace['segments'] = [];
  const close = (cpu: number, now: Ns) => {
    const r = running[cpu];
    if (r.entity < 0) return;
    const start = Math.max(r.since, from);
    const end = Math.min(now, to);
    if (end > start) segments.push([cpu, r.entity, start, end]);
    r.entity = -1;
  };
  return {
    observer: {
      dispatch(now, host, cpu, entity) {
        if (now > to) return;
        const i = cpuIndex.get(`${host}\u0000${cpu}`)!;
        close(i, now);
        if (entity === null) return;
        let e = entityIndex.get(entity.id);
        if (e === undefined) {
          e = entities.length;
          entityIndex.set(entity.id, e);
          entities.push(entity.id);
        }
        running[i] = { entity: e, since: now };
      },
    },
    finish() {
      running.forEach((_, i) => close(i, to));
      // Entities in name order (first-dispatch order depends on the model); re-index the segments.
      const order = entities.map((id, i) => ({ id, i })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const renumber = new Map(order.map((o, k) => [o.i, k]));
      return {
        from,
        to,
        cpus,
        entities: order.map((o) => o.id),
        segments: segments.map(([c, e, s, t]) => [c, renumber.get(e)!, s, t]),
      };
    },
  };
}
