// Every kind of deadline a run judges, for the index's outcome: a stack has "no misses" only when
// no source reports one. A new kind of deadline (a network flow's latency bound, a storage stream's
// SLA) is one entry in DEADLINE_SOURCES reading its part of a ModelRun (docs/extending.md).

import type { ModelRun } from '../metrics/results.js';

export interface DeadlineSource {
  /** What its deadlines belong to, plural, as the outcome names them: "task jobs", "I/O requests". */
  name: string;
  /** Deadlines judged in one run and how many of them were missed. */
  count(run: ModelRun): { judged: number; missed: number };
}

const sum = <T>(items: readonly T[], judged: (x: T) => number, missed: (x: T) => number) =>
  items.reduce((a, x) => ({ judged: a.judged + judged(x), missed: a.missed + missed(x) }), { judged: 0, missed: 0 });

export const DEADLINE_SOURCES: readonly DeadlineSource[] = [
  { name: 'task jobs', count: (run) => sum(run.tasks, (t) => t.judged, (t) => t.missed) },
  // Guest I/O and storage streams alike (a stream's max latency is its deadline): each completed request is judged.
  { name: 'I/O requests', count: (run) => sum(run.io, (l) => l.completed, (l) => l.missed) },
  // Network flows: each delivered packet is judged against the flow's deadline (missRatio = late / delivered).
  { name: 'flow packets', count: (run) => sum(run.flows ?? [], (f) => f.delivered, (f) => Math.round(f.missRatio * f.delivered)) },
  // A VSN's request chains: each completed request is judged end to end against the chain's deadline,
  // and a failed one (a stage's VMU not running: issue 13) is judged a miss (`missed` includes it).
  { name: 'chain requests', count: (run) => sum(run.chains ?? [], (c) => c.completed + c.failed.destinationAbsent, (c) => c.missed) },
];

/** The sources under which `run` missed some deadline, with the count missed. */
export function missesOf(run: ModelRun, sources: readonly DeadlineSource[] = DEADLINE_SOURCES): { source: string; missed: number }[] {
  return sources.map((s) => ({ source: s.name, missed: s.count(run).missed })).filter((m) => m.missed > 0);
}
