// Golden results of `hvsim regress`: what a scenario gave under one model when it was last
// accepted, stored beside the scenario as `<scenario>.golden/<model>.json`.
//
// One small file per scenario and model, not one per scenario: a re-baseline of one stack (a model
// fix) touches only that stack's file, a review diff says which stack moved, and adding or dropping
// a model adds or removes a file instead of rewriting the others. A golden holds the metrics of the
// catalogue (src/scenario/metric-names.ts) for every task, VMU and I/O load — a few KB — never
// traces or histograms; it is 2-space JSON in run and catalogue order with a final newline, so equal
// results are equal bytes (runs are deterministic: same scenario and seed, same numbers).

import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { InputError, describeValue } from '../errors.js';
import { runMetrics } from '../metrics/metric-accessors.js';
import type { ModelRun } from '../metrics/results.js';
import { METRICS } from '../scenario/metric-names.js';
import type { Tolerance } from '../scenario/types.js';
import { formatDuration } from '../scenario/units.js';

export const GOLDEN_SCHEMA = 'hvsim-golden/1';

export interface Golden {
  schema: typeof GOLDEN_SCHEMA;
  scenario: string;
  model: string;
  seed: number;
  /** The model refused the configuration (admission, limits): that is its result, and it has no metrics. */
  refused?: true;
  /** "task:<id>" / "vmu:<id>" / "io:<id>" → metric → value (ns, ratios, shares, counts as in results.json). */
  metrics: Record<string, Record<string, number>>;
}

/** The folder of a scenario file's goldens: `scenarios/rm-vs-edf.yaml` → `scenarios/rm-vs-edf.golden`. */
export function goldenFolder(scenarioFile: string): string {
  return join(dirname(scenarioFile), `${basename(scenarioFile, extname(scenarioFile))}.golden`);
}

export function goldenPath(scenarioFile: string, model: string): string {
  return join(goldenFolder(scenarioFile), `${model}.json`);
}

export function goldenOfRun(scenario: string, seed: number, run: ModelRun): Golden {
  return { schema: GOLDEN_SCHEMA, scenario, model: run.model, seed, metrics: runMetrics(run) };
}

export function goldenOfRefusal(scenario: string, seed: number, model: string): Golden {
  return { schema: GOLDEN_SCHEMA, scenario, model, seed, refused: true, metrics: {} };
}

export function renderGolden(g: Golden): string {
  return JSON.stringify(g, null, 2) + '\n';
}

/** The stored golden, or undefined when there is none yet. A file that is not a golden is bad input. */
export function readGolden(path: string): Golden | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError({ file: path, pointer: '', expected: 'a readable golden result', found: String((error as Error).message) });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InputError({ file: path, pointer: '', expected: `a golden result (JSON, schema ${GOLDEN_SCHEMA})`, found: 'malformed JSON', hint: '`hvsim regress --update` writes it again' });
  }
  const g = data as Partial<Golden>;
  if (typeof g !== 'object' || g === null || g.schema !== GOLDEN_SCHEMA) {
    throw new InputError({ file: path, pointer: '/schema', expected: JSON.stringify(GOLDEN_SCHEMA), found: describeValue(g?.schema), hint: '`hvsim regress --update` writes it again' });
  }
  if (typeof g.metrics !== 'object' || g.metrics === null) throw new InputError({ file: path, pointer: '/metrics', expected: 'an object of subjects and their metrics', found: describeValue(g.metrics) });
  for (const [subject, values] of Object.entries(g.metrics)) {
    for (const [metric, value] of Object.entries(values)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InputError({ file: path, pointer: `/metrics/${subject}/${metric}`, expected: 'a finite number', found: describeValue(value) });
      }
    }
  }
  return g as Golden;
}

/** One metric that moved: where, from what to what, and what the tolerance allowed. */
export interface MetricChange {
  subject: string;
  metric: string;
  /** null: the subject or metric is new (no golden value) or gone (no value now). */
  golden: number | null;
  now: number | null;
  /** Largest change accepted (0 = exact). */
  allowed: number;
  /** Outside the tolerance, or a subject that disappeared: a regression. */
  regression: boolean;
}

/**
 * Every difference between the golden and this run's metrics. A metric the golden lacks (the
 * catalogue grew) is a change, not a regression; one this run lacks is a regression.
 */
export function diffGolden(golden: Golden, now: Golden, tolerances: readonly Tolerance[]): MetricChange[] {
  const changes: MetricChange[] = [];
  const subjects = [...new Set([...Object.keys(golden.metrics), ...Object.keys(now.metrics)])];
  for (const subject of subjects) {
    const before = golden.metrics[subject] ?? {};
    const after = now.metrics[subject] ?? {};
    for (const metric of [...new Set([...Object.keys(before), ...Object.keys(after)])]) {
      const g = before[metric];
      const n = after[metric];
      if (g === n) continue;
      const allowed = g === undefined ? 0 : allowance(g, toleranceFor(tolerances, now.model, subject, metric));
      const regression = n === undefined || (g !== undefined && Math.abs(n - g) > allowed);
      changes.push({ subject, metric, golden: g ?? null, now: n ?? null, allowed, regression });
    }
  }
  return changes;
}

/** The most specific tolerance for this model, subject and metric (subject beats model beats neither; a later entry beats an earlier one of equal rank). */
export function toleranceFor(tolerances: readonly Tolerance[], model: string, subject: string, metric: string): Tolerance | undefined {
  let best: Tolerance | undefined;
  let bestRank = -1;
  for (const t of tolerances) {
    if (t.metric !== metric) continue;
    if (t.model !== undefined && t.model !== model) continue;
    if (t.subject !== undefined && `${t.subject.kind}:${t.subject.id}` !== subject) continue;
    const rank = (t.subject ? 2 : 0) + (t.model ? 1 : 0);
    if (rank >= bestRank) [best, bestRank] = [t, rank];
  }
  return best;
}

/** The change accepted around `golden`: the larger of the absolute and the relative allowance (both given: either suffices). */
export function allowance(golden: number, t: Tolerance | undefined): number {
  if (!t) return 0;
  return Math.max(t.absolute ?? 0, (t.relative ?? 0) * Math.abs(golden));
}

/** A value in its metric's unit for people: "3.2 ms" for nanoseconds, the number otherwise. */
export function formatMetric(metric: string, value: number | null): string {
  if (value === null) return '—';
  return (METRICS as Record<string, { unit: string }>)[metric]?.unit === 'ns' ? `${formatDuration(value)} (${value} ns)` : String(value);
}
