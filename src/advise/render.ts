// The advice as a document (Markdown and self-contained HTML through src/report/doc.ts and html.ts,
// so both say the same), and the chart of the minimum budgets as a ChartSpec (rendered lazily by the
// CLI: canvas costs start-up).

import type { Block, Cell, Doc } from '../report/doc.js';
import type { ChartSpec } from '../report/charts.js';
import { fmtNs } from '../report/format.js';
import type { AdviseResults } from './advise.js';

export const BUDGET_CHART = 'advise-budget.png';

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;
const q = (ns: number | null | undefined) => (ns === null || ns === undefined ? '–' : fmtNs(ns));
const num = (x: number | null, text: string = x === null ? '–' : String(x)): Cell => ({ text, sort: x ?? -Infinity });

/** Analytic, simulated and configured budget per VMU and model, in ms (null: none found). */
export function budgetChart(results: AdviseResults): ChartSpec | undefined {
  const rows = results.budget ?? [];
  if (rows.length === 0) return undefined;
  return {
    kind: 'bar',
    title: 'Minimum budget per VMU and stack (ms, at the VMU\'s period)',
    width: 900,
    height: 420,
    categories: rows.map((b) => `${b.vmu} · ${b.model}`),
    y: { title: 'budget (ms)', min: 0 },
    series: [
      { label: 'analytic (supply bound)', color: '#1f63b4', values: rows.map((b) => (b.analytic.budgetNs === null ? null : ms(b.analytic.budgetNs))) },
      { label: 'simulated (bisection)', color: '#e07b00', values: rows.map((b) => (b.simulated?.budgetNs == null ? null : ms(b.simulated.budgetNs))) },
      { label: 'configured', color: '#6f6f6f', values: rows.map((b) => ms(b.configuredBudgetNs)) },
    ],
  };
}

export function adviseDoc(r: AdviseResults, chart?: Uint8Array): Doc {
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: `Advice for ${r.scenario.name}` }];
  const s = r.settings;
  blocks.push({
    kind: 'paragraph',
    text: `Models: ${r.models.join(', ')}. Budgets at a granularity of ${fmtNs(s.granularityNs)}; simulations over ${s.hyperperiods} hyperperiods of the tasks' and the server's periods, at least ${fmtNs(s.minHorizonNs)} and at most ${fmtNs(s.maxHorizonNs)}; seed ${r.scenario.seed}.${s.analysisOnly ? ' Analysis only: no simulation.' : ''}`,
  });
  if (r.budget) blocks.push(...budgetBlocks(r, chart));
  if (r.fit) blocks.push(...fitBlocks(r));
  if (r.place) blocks.push(...placeBlocks(r));
  if (r.stack) blocks.push(...stackBlocks(r));
  return { title: `hvsim advise — ${r.scenario.name}`, blocks };
}

function budgetBlocks(r: AdviseResults, chart?: Uint8Array): Block[] {
  const out: Block[] = [
    { kind: 'heading', level: 2, text: 'Minimum budget' },
    {
      kind: 'paragraph',
      text: 'Analytic: the least budget whose supply-bound function meets the guest task set\'s demand (EDF dbf or fixed-priority response times). Simulated: the least budget with no deadline miss on the VMU\'s host, by bisection; "below" is one granularity step less. A sound bound is a proven lower bound of the supply, so the simulated budget never exceeds its analytic one.',
    },
    {
      kind: 'table',
      header: ['VMU', 'model', 'period', 'configured Q', 'bound', 'test', 'analytic Q', 'simulated Q', 'at Q / below', 'why none'],
      rows: (r.budget ?? []).map((b) => [
        b.vmu,
        b.model,
        fmtNs(b.periodNs),
        num(b.configuredBudgetNs, fmtNs(b.configuredBudgetNs)),
        b.bound ? `${b.bound.label}${b.bound.sound ? ' — sound' : ` — heuristic: ${b.bound.caveat ?? ''}`}` : '–',
        b.test ?? '–',
        num(b.analytic.budgetNs, q(b.analytic.budgetNs)),
        num(b.simulated?.budgetNs ?? null, q(b.simulated?.budgetNs)),
        b.simulated?.at ? `${b.simulated.at} / ${b.simulated.below}` : '–',
        [b.analytic.failed, b.simulated?.failed].filter((x) => x !== undefined).join('; ') || '–',
      ]),
    },
  ];
  const ranged = (r.budget ?? []).filter((b) => b.periodRange);
  if (ranged.length > 0) {
    out.push({ kind: 'heading', level: 3, text: 'Best (Q, P) over the periods' });
    out.push({
      kind: 'table',
      header: ['VMU', 'model', 'analytic Q per period', 'best P', 'best Q', 'bandwidth', 'simulated Q at best P'],
      rows: ranged.map((b) => [
        b.vmu,
        b.model,
        b.periodRange!.map((o) => `${fmtNs(o.periodNs)}: ${q(o.budgetNs)}`).join(', '),
        b.best ? fmtNs(b.best.periodNs) : '–',
        b.best ? fmtNs(b.best.budgetNs) : 'none',
        b.best ? String(b.best.bandwidth) : '–',
        b.best?.simulated ? q(b.best.simulated.budgetNs) : '–',
      ]),
    });
  }
  if (chart) out.push({ kind: 'figure', src: BUDGET_CHART, png: chart, width: 900, height: 420, alt: 'minimum budgets', caption: 'Analytic and simulated minimum budget beside the configured one, per VMU and stack.' });
  return out;
}

function fitBlocks(r: AdviseResults): Block[] {
  return [
    { kind: 'heading', level: 2, text: 'Copies per PH' },
    { kind: 'paragraph', text: 'Copies of each VMU alone on a PH like its host, free to use any of its pCPUs. Admission: what the model\'s admission control accepts (– when it has none). Analytic: the stack\'s schedulability rule at the copy\'s reservation. Simulated: the most copies with no miss, and what one more did.' },
    {
      kind: 'table',
      header: ['VMU', 'model', 'PH', 'per copy', 'admission', 'analytic', 'simulated', 'one more'],
      rows: (r.fit ?? []).map((f) => [
        f.vmu,
        f.model,
        `${f.host.id} (${f.host.cpus} pCPUs)`,
        `${f.copyBandwidth} CPU`,
        num(f.admission.count, f.admission.count === null ? 'no admission control' : String(f.admission.count)),
        num(f.analytic.count, `${f.analytic.count} (${f.analytic.rule})`),
        num(f.simulated?.count ?? null, f.simulated ? `${f.simulated.count} (${f.simulated.at})` : '–'),
        f.simulated?.above ?? '–',
      ]),
    },
  ];
}

function placeBlocks(r: AdviseResults): Block[] {
  const p = r.place!;
  const best = p.packings.find((x) => x.strategy === p.best)!;
  return [
    { kind: 'heading', level: 2, text: 'Placement' },
    { kind: 'paragraph', text: `Reserved VMUs packed onto PHs with per-CPU admission Σ Q/P ≤ ${p.bound}, largest bandwidth first. No packing can use fewer than ${p.lowerBound} PH(s). Chosen: ${p.best} decreasing (${best.hosts.length} PH(s)).` },
    {
      kind: 'table',
      header: ['strategy', 'PHs', 'unplaceable'],
      rows: p.packings.map((k) => [`${k.strategy} decreasing`, num(k.hosts.length, `${k.hosts.length} (${k.hosts.join(', ')})`), k.unplaceable.map((u) => `${u.vmu}: ${u.reason}`).join('; ') || '–']),
    },
    {
      kind: 'table',
      caption: `Placement by ${p.best} decreasing`,
      header: ['VMU', 'PH', 'pCPUs', 'bandwidth', 'PH load per pCPU'],
      rows: best.placed.map((x) => [x.vmu, x.host, x.cpus.join(', '), String(x.bandwidth), best.load[x.host].join(' / ')]),
    },
  ];
}

function stackBlocks(r: AdviseResults): Block[] {
  const st = r.stack!;
  return [
    { kind: 'heading', level: 2, text: 'Which stack' },
    {
      kind: 'table',
      header: ['model', 'every SLA met', 'jobs missed', 'worst margin', 'reserved (configured)', 'reserved needed', 'bound', 'isolation'],
      rows: st.rows.map((x) => [
        x.model,
        x.refused !== undefined ? `refused: ${x.refused}` : x.slaMet ? 'yes' : 'no',
        num(x.missed, x.refused !== undefined ? '–' : `${x.missed} / ${x.judged}`),
        num(x.worstMarginPct, x.worstMarginPct === null ? '–' : `${x.worstMarginPct} % (${x.worstMarginTask})`),
        num(x.configuredBandwidth),
        num(x.neededBandwidth, x.neededBandwidth === null ? '–' : `${x.neededBandwidth} (${x.neededFrom})`),
        x.soundBound ? 'proven' : 'heuristic',
        `${x.isolation.verdict}: ${x.isolation.detail}`,
      ]),
    },
    { kind: 'paragraph', text: [{ strong: st.recommended ? `Recommended: ${st.recommended}.` : 'No recommendation.' }, ` ${st.reason}`] },
  ];
}

/** A few lines for the terminal. */
export function describeAdvice(r: AdviseResults): string {
  const lines: string[] = [];
  for (const b of r.budget ?? []) {
    lines.push(`budget ${b.vmu} under ${b.model} (P ${fmtNs(b.periodNs)}): analytic ${q(b.analytic.budgetNs)}${b.analytic.failed ? ` (${b.analytic.failed})` : ''}, simulated ${q(b.simulated?.budgetNs)}${b.simulated?.failed ? ` (${b.simulated.failed})` : ''}`);
  }
  for (const f of r.fit ?? []) lines.push(`fit ${f.vmu} under ${f.model} on ${f.host.id}: admission ${f.admission.count ?? 'unlimited'}, analytic ${f.analytic.count}, simulated ${f.simulated?.count ?? '–'}`);
  if (r.place) lines.push(`place: ${r.place.best} decreasing uses ${r.place.packings.find((p) => p.strategy === r.place!.best)!.hosts.length} PH(s) (lower bound ${r.place.lowerBound})`);
  if (r.stack) lines.push(r.stack.recommended ? `recommended: ${r.stack.reason}` : r.stack.reason);
  return lines.map((l) => l + '\n').join('');
}
