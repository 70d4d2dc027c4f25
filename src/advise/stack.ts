// `advise stack`: which stack to choose for this scenario. Per model: does every task meet its
// deadlines in a run of the scenario as written (an admission refusal is that model's answer, not an
// abort), the worst margin (D − worst response) / D over the tasks, the bandwidth the reserved VMUs
// need (Σ vcpus·Q_min/P from `advise budget`: analytic where the analysis answered, else simulated),
// whether that bandwidth rests on a proven supply bound, and the isolation verdict when an aggressor
// misbehaves (src/isolation: any victim that misses more, starves or leaves its reservation bound).
// The recommendation, among the stacks that meet every SLA and are not shown to break isolation:
// a proven bound first (a guarantee beats an observation), then the least bandwidth needed (more
// room for other VMUs), then the widest margin, then the order of the models.

import { InputError } from '../errors.js';
import { simulate, type ModelChoice } from '../experiments/simulate.js';
import { isolationMatrix, type Aggressor, type ModelMatrix } from '../isolation/matrix.js';
import type { Ns, Scenario } from '../scenario/types.js';
import type { BudgetAdvice } from './budget.js';

export interface StackRow {
  model: string;
  refused?: string;
  /** Every task with a deadline met it (null: refused). */
  slaMet: boolean | null;
  missed: number;
  judged: number;
  /** min over tasks of (D − worst response)/D, in %; negative = the worst job was late. */
  worstMarginPct: number | null;
  worstMarginTask: string | null;
  configuredBandwidth: number;
  neededBandwidth: number | null;
  /** Where the budgets came from: analysis, simulation, configured (joined with +). */
  neededFrom: string | null;
  /** The supply bound of every VMU with deadlines is proven under this model. */
  soundBound: boolean;
  isolation: { verdict: 'isolated' | 'not isolated' | 'not measured'; detail: string };
}

export interface StackAdvice {
  rows: StackRow[];
  recommended: string | null;
  reason: string;
}

export function adviseStack(scenario: Scenario, choices: ModelChoice[], budgets: BudgetAdvice[], aggressors: Aggressor[], seed?: number): StackAdvice {
  const deadlines = new Map<string, Ns>([...scenario.vmus.flatMap((v) => v.tasks), ...scenario.hostThreads].map((t) => [t.id, t.deadline]));
  const reserved = scenario.vmus.filter((v) => v.sla !== undefined);
  const configuredBandwidth = round4(reserved.reduce((a, v) => a + (v.vcpus * v.sla!.budget) / v.sla!.period, 0));
  const rows = choices.map((choice): StackRow => {
    const mine = budgets.filter((b) => b.model === choice.model.name);
    const needed = neededBandwidth(scenario, mine);
    const soundBound = mine.length > 0 && mine.every((b) => b.bound?.sound === true);
    const base = { model: choice.model.name, configuredBandwidth, ...needed, soundBound };
    let run;
    try {
      run = simulate(scenario, choice.model, choice.request, { seed });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return { ...base, refused: err.expected, slaMet: null, missed: 0, judged: 0, worstMarginPct: null, worstMarginTask: null, isolation: { verdict: 'not measured', detail: 'refused by admission' } };
    }
    let worst: { pct: number; task: string } | null = null;
    for (const t of run.tasks) {
      const d = deadlines.get(t.id);
      if (d === undefined || !Number.isFinite(d) || t.completed === 0) continue;
      const pct = round2(((d - t.response.maxNs) / d) * 100);
      if (worst === null || pct < worst.pct) worst = { pct, task: t.id };
    }
    const missed = run.tasks.reduce((a, t) => a + t.missed, 0);
    const judged = run.tasks.reduce((a, t) => a + t.judged, 0);
    const isolation = aggressors.length === 0 ? { verdict: 'not measured' as const, detail: 'no aggressor marked in the scenario (aggressor: { mode: busy })' } : isolationVerdict(isolationMatrix(scenario, [choice], aggressors, { seed }).models[0]);
    return { ...base, slaMet: missed === 0, missed, judged, worstMarginPct: worst?.pct ?? null, worstMarginTask: worst?.task ?? null, isolation };
  });
  return { rows, ...recommend(rows) };
}

/**
 * Σ vcpus·Q/P with, per reserved VMU, its analytic minimum budget, else its simulated one, else
 * its configured budget (a VMU without deadlines, such as an aggressor, needs what it is given).
 */
function neededBandwidth(scenario: Scenario, budgets: BudgetAdvice[]): Pick<StackRow, 'neededBandwidth' | 'neededFrom'> {
  const from = new Set<string>();
  let sum = 0;
  for (const v of scenario.vmus.filter((x) => x.sla !== undefined)) {
    const b = budgets.find((x) => x.vmu === v.id);
    const [q, source] =
      b?.analytic.budgetNs != null ? [b.analytic.budgetNs, 'analysis'] : b?.simulated?.budgetNs != null ? [b.simulated.budgetNs, 'simulation'] : [v.sla!.budget, 'configured'];
    from.add(source);
    sum += (v.vcpus * q) / v.sla!.period;
  }
  return { neededBandwidth: round4(sum), neededFrom: from.size === 0 ? null : [...from].join(' + ') };
}

function isolationVerdict(m: ModelMatrix): StackRow['isolation'] {
  for (const row of m.rows) {
    for (const c of row.cells) {
      if (c === null) continue;
      if (c.starved) return { verdict: 'not isolated', detail: `${row.task} starved while ${c.aggressor} misbehaved` };
      if (c.deltaMissRatio > 0) return { verdict: 'not isolated', detail: `${row.task} missed ${round2(c.deltaMissRatio * 100)} pp more while ${c.aggressor} misbehaved` };
      if (c.withinBound === false) return { verdict: 'not isolated', detail: `${row.task} left its reservation bound while ${c.aggressor} misbehaved` };
    }
  }
  return { verdict: 'isolated', detail: 'no victim missed more, starved or left its reservation bound' };
}

function recommend(rows: StackRow[]): Pick<StackAdvice, 'recommended' | 'reason'> {
  const ok = rows.filter((r) => r.slaMet === true && r.isolation.verdict !== 'not isolated');
  if (ok.length === 0) {
    const why = rows.map((r) => `${r.model}: ${r.refused !== undefined ? 'refused by admission' : r.slaMet === false ? `${r.missed} of ${r.judged} jobs missed` : r.isolation.detail}`);
    return { recommended: null, reason: `no stack meets every SLA with isolation (${why.join('; ')})` };
  }
  const ranked = [...ok].sort(
    (a, b) =>
      Number(b.soundBound) - Number(a.soundBound) ||
      (a.neededBandwidth ?? Infinity) - (b.neededBandwidth ?? Infinity) ||
      (b.worstMarginPct ?? -Infinity) - (a.worstMarginPct ?? -Infinity) ||
      rows.indexOf(a) - rows.indexOf(b),
  );
  const best = ranked[0];
  const parts = [`meets every SLA (worst margin ${best.worstMarginPct ?? '–'} %${best.worstMarginTask ? ` on ${best.worstMarginTask}` : ''})`];
  if (best.isolation.verdict === 'isolated') parts.push('keeps its victims isolated from the aggressor');
  parts.push(best.soundBound ? 'its budgets rest on a proven supply bound' : 'no stack that meets every SLA has a proven supply bound here');
  if (best.neededBandwidth !== null) parts.push(`needs ${best.neededBandwidth} CPU reserved (${best.neededFrom})`);
  const others = rows.filter((r) => r !== best).map((r) => `${r.model} ${r.refused !== undefined ? 'is refused by admission' : r.slaMet === false ? `misses ${r.missed} of ${r.judged} jobs` : r.isolation.verdict === 'not isolated' ? `is not isolated (${r.isolation.detail})` : r.soundBound !== best.soundBound ? 'has no proven bound' : `needs ${r.neededBandwidth ?? '?'} CPU, margin ${r.worstMarginPct ?? '–'} %`}`);
  return { recommended: best.model, reason: `${best.model}: ${parts.join('; ')}.${others.length > 0 ? ` Beside it: ${others.join('; ')}.` : ''}` };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
