// The report's view of live migrations (issue 13, results.json `migrations`): a table per migration
// with each model's outcome, rounds, bytes, total time and downtime and who missed deadlines while it
// ran; a chart of each model's migration time split into pre-copy and downtime; a chart of the misses
// per VMU during the migration, per model.

import type { MigrationResult } from '../metrics/migration-results.js';
import type { Results } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import { PALETTE, type BarSeries } from './charts.js';
import type { Block, Cell } from './doc.js';
import type { FigureOutput } from './figures.js';
import { fmtNs } from './format.js';

const num = (text: string, sort: number): Cell => ({ text, sort });
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const toMs = (ns: number) => ns / 1e6;

function outcomeText(m: MigrationResult): string {
  switch (m.outcome) {
    case 'refused':
      return 'refused by the destination';
    case 'precopy':
      return 'still in pre-copy at the end';
    case 'stop-and-copy':
      return 'stopped, not resumed by the end';
    case 'done':
      return `resumed on ${m.to} at ${fmtNs(m.resumedAtNs!)}`;
  }
}

/** Per migration: one row per model, then the refusals' reasons. */
export function migrationBlocks(results: Results): Block[] {
  const ids = [...new Set(results.runs.flatMap((r) => (r.migrations ?? []).map((m) => m.id)))];
  if (ids.length === 0) return [];
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Live migrations' }];
  for (const id of ids) {
    const per = results.runs.flatMap((r) => (r.migrations ?? []).filter((m) => m.id === id).map((m) => ({ model: r.model, m })));
    const first = per[0].m;
    blocks.push({ kind: 'heading', level: 3, text: `${first.vmu}: ${first.from} → ${first.to} from ${fmtNs(first.startNs)}` });
    const neighbours = [...new Set(per.flatMap((p) => p.m.interference.slice(1).map((x) => x.vmu)))];
    blocks.push({
      kind: 'table',
      header: ['model', 'outcome', 'live rounds', 'bytes sent', 'total time', 'downtime', `${first.vmu} misses during`, ...neighbours.map((v) => `${v} misses during`)],
      rows: per.map(({ model, m }) => [
        model,
        outcomeText(m),
        num(String(m.rounds), m.rounds),
        num(mib(m.bytesSent), m.bytesSent),
        m.totalTimeNs === null ? num('—', -1) : num(fmtNs(m.totalTimeNs), m.totalTimeNs),
        m.downtimeNs === null ? num('—', -1) : num(fmtNs(m.downtimeNs), m.downtimeNs),
        ...[first.vmu, ...neighbours].map((v) => {
          const row = m.interference.find((x) => x.vmu === v);
          return row === undefined ? num('—', -1) : num(`${row.missedDuring} of ${row.completedDuring}`, row.missedDuring);
        }),
      ]),
      caption: 'Misses count jobs released from the migration\'s start to the VMU\'s resume (or the end of the run), late whenever they completed; the migrated VMU\'s jobs on the destination count as its own.',
    });
    for (const { model, m } of per) if (m.outcome === 'refused') blocks.push({ kind: 'paragraph', text: [{ strong: `${model}: migration refused.` }, ` ${m.reason ?? ''}`] });
  }
  return blocks;
}

/** Per migration: pre-copy time and downtime per model (stacked), and misses during it per VMU per model. */
export function migrationCharts(scenario: Scenario, results: Results): FigureOutput[] {
  const out: FigureOutput[] = [];
  for (const spec of scenario.migrations ?? []) {
    const per = results.runs.map((r) => ({ model: r.model, m: r.migrations?.find((x) => x.id === spec.id) })).filter((p): p is { model: string; m: MigrationResult } => p.m !== undefined);
    if (per.length === 0) continue;
    const safe = spec.vmu.replace(/[^A-Za-z0-9_-]/g, '_');
    const precopy = (m: MigrationResult) => (m.pausedAtNs === null ? (m.outcome === 'refused' ? 0 : results.scenario.durationNs - m.startNs) : m.pausedAtNs - m.startNs);
    out.push({
      file: `migration-time-${safe}.png`,
      spec: {
        kind: 'bar',
        stacked: true,
        title: `Live migration of ${spec.vmu}: pre-copy and downtime`,
        width: 800,
        height: 420,
        categories: per.map((p) => `${p.model} (${p.m.rounds} r.)`),
        y: { title: 'time (ms)', min: 0 },
        series: [
          { label: 'pre-copy (VMU runs)', color: PALETTE[0], values: per.map((p) => toMs(precopy(p.m))) },
          { label: 'downtime (VMU stopped)', color: PALETTE[3], values: per.map((p) => (p.m.downtimeNs === null ? 0 : toMs(p.m.downtimeNs))) },
        ],
      },
      caption: `Migration of ${spec.vmu} from ${spec.from} to ${spec.to} per model ("r." = live rounds): pre-copy from its start to the stop (to the end of the run if it never converged), then the downtime to its resume. A refused migration has no bar.`,
    });
    const vmus = [...new Set(per.flatMap((p) => p.m.interference.map((x) => x.vmu)))];
    const series: BarSeries[] = vmus.map((v, i) => ({ label: v, color: PALETTE[i % PALETTE.length], values: per.map((p) => p.m.interference.find((x) => x.vmu === v)?.missedDuring ?? null) }));
    out.push({
      file: `migration-misses-${safe}.png`,
      spec: { kind: 'bar', title: `Deadline misses while ${spec.vmu} migrated`, width: 800, height: 420, categories: per.map((p) => p.model), y: { title: 'jobs missed', min: 0 }, series },
      caption: `Jobs released while ${spec.vmu} migrated (start to resume) that missed their deadline, per VMU of ${spec.from} and ${spec.to} and per model.`,
    });
  }
  return out;
}
