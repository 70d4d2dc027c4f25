// `hvsim regress`: the verdict of one scenario's runs against its `expect:` and its golden results,
// one case per scenario × model. Pure: the runs come in (the CLI runs them on the worker pool), the
// goldens are read here, nothing is written (the CLI writes the updated goldens, all or nothing).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkExpectations, type ExpectationResult } from '../metrics/expectations.js';
import type { ModelRun, RefusedModel } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import { diffGolden, goldenFolder, goldenOfRefusal, goldenOfRun, goldenPath, readGolden, renderGolden, type Golden, type MetricChange } from './golden.js';

export type CaseFailure =
  /** A metric outside its tolerance, or a subject gone. */
  | { kind: 'metric'; change: MetricChange }
  | { kind: 'expectation'; result: ExpectationResult }
  /** The model refused where the golden ran, or ran where the golden was refused. */
  | { kind: 'admission'; golden: 'refused' | 'ran'; now: 'refused' | 'ran'; reason?: string }
  | { kind: 'no-golden' };

export interface RegressCase {
  scenario: string;
  /** The scenario file, as given. */
  file: string;
  model: string;
  /** Present when the model refused the configuration: why. */
  refused?: string;
  expectations: ExpectationResult[];
  /** Every difference from the golden, regressions or not (what --update would record). */
  changes: MetricChange[];
  failures: CaseFailure[];
  goldenFile: string;
  /** The golden this run gives, as bytes; `goldenChanged` when it differs from the stored one. */
  golden: string;
  goldenChanged: boolean;
}

export interface ScenarioVerdict {
  scenario: string;
  file: string;
  cases: RegressCase[];
  /** Golden files of models this run did not include (removed by --update). */
  stale: string[];
}

export function judgeScenario(scenario: Scenario, file: string, seed: number, runs: readonly ModelRun[], refused: readonly RefusedModel[]): ScenarioVerdict {
  const expectations = checkExpectations(scenario, runs, refused);
  const models = [...runs.map((r) => r.model), ...refused.map((r) => r.model)];
  const cases = models.map((model): RegressCase => {
    const run = runs.find((r) => r.model === model);
    const refusal = refused.find((r) => r.model === model);
    const now: Golden = run ? goldenOfRun(scenario.name, seed, run) : goldenOfRefusal(scenario.name, seed, model);
    const path = goldenPath(file, model);
    const stored = readGolden(path);
    const mine = expectations.filter((e) => e.model === model);
    const failures: CaseFailure[] = mine.filter((e) => !e.ok).map((result) => ({ kind: 'expectation', result }));
    let changes: MetricChange[] = [];
    if (stored === undefined) failures.push({ kind: 'no-golden' });
    else if (Boolean(stored.refused) !== Boolean(now.refused)) {
      failures.push({ kind: 'admission', golden: stored.refused ? 'refused' : 'ran', now: now.refused ? 'refused' : 'ran', ...(refusal && { reason: refusal.reason }) });
    } else {
      changes = diffGolden(stored, now, scenario.tolerances ?? []);
      failures.push(...changes.filter((c) => c.regression).map((change) => ({ kind: 'metric' as const, change })));
    }
    const golden = renderGolden(now);
    return {
      scenario: scenario.name,
      file,
      model,
      ...(refusal && { refused: refusal.reason }),
      expectations: mine,
      changes,
      failures,
      goldenFile: path,
      golden,
      goldenChanged: stored === undefined || renderGolden(stored) !== golden,
    };
  });
  return { scenario: scenario.name, file, cases, stale: staleGoldens(file, models) };
}

function staleGoldens(file: string, models: readonly string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(goldenFolder(file));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json') && !models.includes(n.slice(0, -'.json'.length)))
    .sort()
    .map((n) => join(goldenFolder(file), n));
}

export function caseHolds(c: RegressCase): boolean {
  return c.failures.length === 0;
}
