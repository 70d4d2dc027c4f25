// `hvsim advise`: the four questions answered together, as one JSON document (schema
// hvsim-advise/1) that render.ts turns into Markdown/HTML and the CLI prints with --json.

import type { ModelChoice } from '../experiments/simulate.js';
import type { Aggressor } from '../isolation/matrix.js';
import type { Ns, Scenario } from '../scenario/types.js';
import { adviseBudget, type BudgetAdvice, type BudgetOptions } from './budget.js';
import { adviseFit, type FitAdvice } from './fit.js';
import { advisePlace, placedScenario, type PlaceAdvice } from './place.js';
import { adviseStack, type StackAdvice } from './stack.js';

export const ADVISE_SCHEMA = 'hvsim-advise/1';
export type Question = 'budget' | 'fit' | 'place' | 'stack';
export const QUESTIONS: readonly Question[] = ['budget', 'fit', 'place', 'stack'];

export interface AdviseOptions extends BudgetOptions {
  questions: readonly Question[];
  /** VMUs the budget and fit questions are about (default: every reserved VMU). */
  vmus?: string[];
  /** Per-CPU admission bound of the placement. */
  placeBound: number;
  aggressors: Aggressor[];
  /** Called before each step (progress on a terminal). */
  onStep?: (what: string) => void;
}

export interface AdviseResults {
  schema: typeof ADVISE_SCHEMA;
  scenario: { name: string; file: string; seed: number };
  settings: { granularityNs: Ns; hyperperiods: number; minHorizonNs: Ns; maxHorizonNs: Ns; periods: Ns[] | null; analysisOnly: boolean };
  models: string[];
  budget?: BudgetAdvice[];
  fit?: FitAdvice[];
  place?: PlaceAdvice;
  stack?: StackAdvice;
}

export function advise(scenario: Scenario, choices: ModelChoice[], opts: AdviseOptions): { results: AdviseResults; placed?: Scenario } {
  const asked = new Set(opts.questions);
  // A VMU whose tasks have no deadline (an aggressor's busy loop) has no minimum budget to find.
  const hasDeadlines = (v: Scenario['vmus'][number]) => v.tasks.some((t) => Number.isFinite(t.deadline));
  const vmus = scenario.vmus.filter((v) => v.sla !== undefined && (opts.vmus === undefined ? hasDeadlines(v) : opts.vmus.includes(v.id)));
  const results: AdviseResults = {
    schema: ADVISE_SCHEMA,
    scenario: { name: scenario.name, file: scenario.file, seed: opts.seed ?? scenario.seed },
    settings: {
      granularityNs: opts.granularityNs,
      hyperperiods: opts.hyperperiods,
      minHorizonNs: opts.minHorizonNs ?? 0,
      maxHorizonNs: opts.maxHorizonNs,
      periods: opts.periods ?? null,
      analysisOnly: opts.analysisOnly === true,
    },
    models: choices.map((c) => c.model.name),
  };
  // The stack table needs the budgets (bandwidth needed), so they are computed for it too.
  if (asked.has('budget') || asked.has('stack')) {
    const all = scenario.vmus.filter((v) => v.sla !== undefined && (asked.has('stack') ? hasDeadlines(v) || vmus.includes(v) : vmus.includes(v)));
    results.budget = choices.flatMap((c) => all.map((v) => (opts.onStep?.(`budget of ${v.id} under ${c.model.name}`), adviseBudget(scenario, v, c, opts))));
  }
  if (asked.has('fit')) results.fit = choices.flatMap((c) => vmus.map((v) => (opts.onStep?.(`copies of ${v.id} under ${c.model.name}`), adviseFit(scenario, v, c, opts))));
  let placed: Scenario | undefined;
  if (asked.has('place')) {
    results.place = advisePlace(scenario, opts.placeBound);
    placed = placedScenario(scenario, results.place.packings.find((p) => p.strategy === results.place!.best)!);
  }
  if (asked.has('stack')) {
    opts.onStep?.('which stack');
    results.stack = adviseStack(scenario, choices, results.budget!, opts.aggressors, opts.seed);
  }
  return { results, placed };
}
