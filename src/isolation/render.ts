// Text renderings of the isolation matrix: isolation.md (a table per model) and the terminal summary.

import { fmtNs, mdTable } from '../report/format.js';
import type { Aggressor, IsolationCell, IsolationResults, ModelMatrix } from './matrix.js';

export function misbehaviourText(a: Aggressor): string {
  return a.misbehaviour.mode === 'busy' ? 'busy: an infinite loop on each vCPU' : `scale: every demand × ${a.misbehaviour.factor}`;
}

export function fmtDeltaPct(x: number | null): string {
  if (x === null) return 'n/a';
  return `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(1)} %`;
}

/** A change of a ratio, in percentage points. */
export function fmtDeltaPp(x: number): string {
  const pp = x * 100;
  return `${pp > 0 ? '+' : pp < 0 ? '−' : '±'}${Math.abs(pp).toFixed(1)} pp`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function cellText(c: IsolationCell | null): string {
  if (c === null) return '— (its own VMU)';
  const mark = c.withinBound === undefined ? '' : c.withinBound ? ' ✓' : ' ✗';
  if (c.starved) return `starved: no job completed · misses ${pct(c.attacked.missRatio)} (${fmtDeltaPp(c.deltaMissRatio)})${mark}`;
  return `p99 ${fmtNs(c.attacked.p99Ns)} (${fmtDeltaPct(c.deltaP99Pct)}) · misses ${pct(c.attacked.missRatio)} (${fmtDeltaPp(c.deltaMissRatio)})${mark}`;
}

export function renderIsolationMarkdown(results: IsolationResults, heatmapFile?: (model: string) => string | undefined): string {
  const sc = results.scenario;
  const out: string[] = [`# Isolation matrix: ${sc.name}`, ''];
  if (sc.description.trim() !== '') out.push(sc.description.trim(), '');
  out.push(
    `${fmtNs(sc.durationNs)} simulated (warm-up ${fmtNs(sc.warmupNs)}), seed ${sc.seed}. ` +
      `Aggressors: ${results.aggressors.map((a) => `\`${a.vmu}\` (${misbehaviourText(a)})`).join(', ')}.`,
    '',
    'The baseline runs every aggressor behaving (without its own busy loops); each column runs the baseline with that one ' +
      'aggressor misbehaving. A cell gives the victim\'s p99 response time under that aggressor with its change against ' +
      'the baseline, and its miss ratio with the change in percentage points. *Bound*: the response-time bound the ' +
      'victim\'s reservation guarantees under a hard CBS, where its SLA alone gives one (docs/isolation.md); ✓ the p99 ' +
      'stayed within it, ✗ it did not.',
    '',
  );
  for (const m of results.models) {
    out.push(`## ${m.model}`, '', modelTable(results, m), '');
    const png = heatmapFile?.(m.model);
    if (png !== undefined) out.push(`![isolation heat map under ${m.model}](${png})`, '');
  }
  return out.join('\n');
}

function modelTable(results: IsolationResults, m: ModelMatrix): string {
  const header = ['victim', 'VMU', 'bound', 'baseline p99', 'baseline misses', ...results.aggressors.map((a) => `under ${a.vmu} (${a.misbehaviour.mode})`)];
  const rows = m.rows.map((r) => [
    r.task,
    r.vmu ?? '(host)',
    r.boundNs === null ? '—' : fmtNs(r.boundNs),
    r.baseline.completed === 0 ? 'no job completed' : fmtNs(r.baseline.p99Ns),
    pct(r.baseline.missRatio),
    ...r.cells.map(cellText),
  ]);
  return mdTable(header, rows);
}

/** Terminal summary: one line per model, victim and aggressor. */
export function describeIsolation(results: IsolationResults): string {
  const lines = [`${results.scenario.name}: isolation matrix, ${results.aggressors.length} aggressor(s), seed ${results.scenario.seed}`];
  for (const m of results.models) {
    lines.push(`  ${m.model}`);
    for (const r of m.rows) {
      r.cells.forEach((c, i) => {
        if (c === null) return;
        const who = `${r.task} ← ${results.aggressors[i].vmu}`;
        const p99 = c.starved ? 'starved' : `p99 ${fmtNs(r.baseline.p99Ns)} → ${fmtNs(c.attacked.p99Ns)} (${fmtDeltaPct(c.deltaP99Pct)})`;
        const bound = r.boundNs === null ? '' : `  ${c.withinBound ? 'within' : 'beyond'} bound ${fmtNs(r.boundNs)}`;
        lines.push(`    ${who.padEnd(28)} ${p99.padEnd(44)} misses ${pct(r.baseline.missRatio)} → ${pct(c.attacked.missRatio)}${bound}`);
      });
    }
  }
  return lines.join('\n') + '\n';
}
