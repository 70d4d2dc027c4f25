// A VSN's request chains in a report: a table per model — requests, how many completed, how many a
// lost packet ended, how many failed because a stage's VMU was not running (issue 13), the misses
// (late completions and failures alike: a failed request never meets its deadline) and the
// end-to-end latency of the completed ones.

import type { ModelRun } from '../metrics/results.js';
import type { Block, Cell } from './doc.js';
import { fmtNs, fmtPct } from './format.js';

const num = (text: string, sort: number): Cell => ({ text, sort });

/** The chains table of one model's results. */
export function chainTable(run: ModelRun): Block[] {
  if (!run.chains || run.chains.length === 0) return [];
  return [
    {
      kind: 'table',
      caption: 'Request chains (end to end; a failed request — a stage\'s VMU not running — counts as a miss; latencies of completed requests only)',
      header: ['chain', 'requests', 'completed', 'lost (packet)', 'failed: destination absent', 'missed', 'miss ratio', 'latency p50', 'p99', 'max'],
      rows: run.chains.map((c) => {
        const ns = (x: number) => (c.completed > 0 ? num(fmtNs(x), x) : num('—', -1));
        return [
          c.id,
          num(String(c.requests), c.requests),
          num(String(c.completed), c.completed),
          num(String(c.lost), c.lost),
          num(String(c.failed.destinationAbsent), c.failed.destinationAbsent),
          num(String(c.missed), c.missed),
          num(fmtPct(c.missRatio, 2), c.missRatio),
          ns(c.latency.p50Ns),
          ns(c.latency.p99Ns),
          ns(c.latency.maxNs),
        ];
      }),
    },
  ];
}
