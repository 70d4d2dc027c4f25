// The isolation matrix (src/isolation) as report blocks, for a scenario with a VMU marked
// `aggressor:`: one sentence saying under which models a misbehaving aggressor changed its victims'
// misses or pushed them past their reservation bound, then the matrix as one table (a row per
// model and victim, a column per aggressor). The cells read as in `hvsim isolation` (render.ts).

import type { IsolationResults } from '../isolation/matrix.js';
import { cellText, misbehaviourText } from '../isolation/render.js';
import type { Block } from './doc.js';
import { fmtNs, fmtPct, listText } from './format.js';

/** A change of miss ratio smaller than this is noise of the window's edges, not an effect. */
const MISS_NOISE = 0.001;

export function isolationSentence(iso: IsolationResults): string {
  const hurt: string[] = [];
  const kept: string[] = [];
  for (const m of iso.models) {
    const effects = m.rows.flatMap((r) =>
      r.cells.flatMap((c) => (c !== null && (c.starved || c.deltaMissRatio > MISS_NOISE || c.withinBound === false) ? [{ task: r.task, c }] : [])),
    );
    if (effects.length === 0) {
      kept.push(m.model);
      continue;
    }
    const worst = effects.reduce((a, b) => (b.c.deltaMissRatio > a.c.deltaMissRatio ? b : a));
    const what = worst.c.starved ? `${worst.task} starved` : worst.c.deltaMissRatio > MISS_NOISE ? `${worst.task} ${fmtPct(worst.c.attacked.missRatio, 1)} missed` : `${worst.task} past its bound`;
    hurt.push(`${m.model} (${what} under ${worst.c.aggressor})`);
  }
  const who = listText(iso.aggressors.map((a) => `${a.vmu} (${misbehaviourText(a)})`));
  const parts: string[] = [];
  if (kept.length > 0) parts.push(`no victim missed more deadlines than in the baseline, nor left its reservation bound, under ${listText(kept)}`);
  if (hurt.length > 0) parts.push(`its victims suffered under ${listText(hurt)}`);
  return `With ${who} misbehaving, ${parts.join('; ')}.`;
}

export function isolationBlocks(iso: IsolationResults, level: 2 | 3 | 4, anchor: string): Block[] {
  return [
    { kind: 'heading', level, text: 'Isolation matrix', anchor },
    { kind: 'paragraph', text: isolationSentence(iso) },
    {
      kind: 'table',
      caption:
        "Each aggressor misbehaving, against the baseline where every aggressor behaves (docs/isolation.md): the victim's p99 response time and its change, its miss ratio and the change in percentage points; bound: the response time its reservation guarantees under a hard CBS, where its SLA alone gives one (✓ within, ✗ not).",
      header: ['model', 'victim', 'bound', 'baseline p99', 'baseline misses', ...iso.aggressors.map((a) => `under ${a.vmu} (${a.misbehaviour.mode})`)],
      rows: iso.models.flatMap((m) =>
        m.rows.map((r) => [
          m.model,
          r.task,
          r.boundNs === null ? '—' : fmtNs(r.boundNs),
          r.baseline.completed === 0 ? 'no job completed' : fmtNs(r.baseline.p99Ns),
          fmtPct(r.baseline.missRatio, 1),
          ...r.cells.map(cellText),
        ]),
      ),
    },
  ];
}
