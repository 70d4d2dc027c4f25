// A scenario's VSNs in a report's setup (their VMUs and the span they share: issue 13), and a VSN's
// request chains: a table per model — requests, how many completed, how many a
// lost packet ended, how many failed because a stage's VMU was not running (issue 13), the misses
// (late completions and failures alike: a failed request never meets its deadline) and the
// end-to-end latency of the completed ones.

import type { ModelRun } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
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

/** The setup's VSNs: their VMUs and when they are deployed and torn down. */
export function vsnSetupBlocks(scenario: Scenario): Block[] {
  if (!scenario.vsns || scenario.vsns.length === 0) return [];
  return [
    {
      kind: 'table',
      caption: 'VSNs (their VMUs start and stop with them unless a VMU sets its own times inside the span)',
      header: ['VSN', 'VMUs', 'start', 'stop'],
      rows: scenario.vsns.map((v) => [v.id, v.vmus.join(', '), num(fmtNs(v.startNs ?? 0), v.startNs ?? 0), v.stopNs === undefined ? num('the end', Number.MAX_SAFE_INTEGER) : num(fmtNs(v.stopNs), v.stopNs)]),
    },
  ];
}
