// `hvsim regress <files or folders>`: every scenario under its models, checked against its
// `expect:` and against the golden results stored beside it (src/regress/golden.ts), with the
// tolerances its `regress:` block allows. Exit 0 when every case holds, 1 on a regression or a
// failed expectation (each named: scenario, model, metric, golden, now), 2 on bad input — every
// file is loaded and checked first, all bad ones reported, nothing run or written.
//
// `--update` re-baselines: each golden that differs is rewritten (temp file + rename) and what
// changed is printed; goldens of models a scenario no longer runs are removed. `--markdown FILE`
// and `--junit FILE` write the verdict for CI.

import { rmSync } from 'node:fs';
import { InputError } from '../errors.js';
import { collectScenarioFiles, loadExperiment, resolveModels } from '../experiments/load.js';
import { createPool, defaultWorkers } from '../experiments/pool.js';
import { admitModels } from '../experiments/simulate.js';
import type { ModelPick } from '../experiments/sweeps.js';
import type { ModelRun } from '../metrics/results.js';
import { writeFileAtomic } from '../report/atomic.js';
import { goldenFolder } from '../regress/golden.js';
import { judgeScenario, type ScenarioVerdict } from '../regress/suite.js';
import { jsonSummary, junitXml, markdownSummary, terminalSummary, totals, updateSummary } from '../regress/render.js';
import { withLine } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { checkOutputFile } from './flags.js';
import { reportJobRunner, type ReportJob } from './report-worker.js';

export interface RegressArgs {
  /** Scenario files or folders of them. */
  scenarios: string[];
  update: boolean;
  markdown?: string;
  junit?: string;
  /** Print the verdict as JSON instead of the terminal summary. */
  json?: boolean;
}

export interface RegressOutcome {
  exitCode: 0 | 1;
  verdicts: ScenarioVerdict[];
}

/** Run the suite; `out` receives the terminal summary. Bad input throws an InputError (exit 2) before anything runs. */
export async function runRegress(args: RegressArgs, out: (text: string) => void, err: (line: string) => void, workers = defaultWorkers()): Promise<RegressOutcome> {
  if (args.markdown !== undefined) checkOutputFile(args.markdown, 'markdown');
  if (args.junit !== undefined) checkOutputFile(args.junit, 'junit');
  const entries = loadSuite(args.scenarios, err);

  // Admission first: a model that refuses is that case's result, not an abort of the others.
  const admissions = entries.map(({ scenario }) => admitModels(scenario, resolveModels(scenario, undefined)));
  const models: ModelPick[][] = admissions.map((a) => a.admitted.map((c) => ({ name: c.model.name, ...(c.request ? { request: { params: c.request.params, pointer: c.request.pointer } } : {}) })));
  const jobs: ReportJob[] = models.flatMap((picks, si) => picks.map((_, mi) => ({ kind: 'run' as const, scenario: si, model: mi })));
  const pool = createPool(reportJobRunner, { scenarios: entries.map((e) => e.scenario), models }, Math.min(workers, jobs.length));
  let results;
  try {
    results = await pool.run(jobs);
  } finally {
    await pool.close();
  }
  let k = 0;
  const verdicts = entries.map(({ scenario, file }, si) => {
    const runs: ModelRun[] = models[si].map(() => {
      const r = results[k++];
      if (r.kind !== 'run') throw new Error('regress: job results out of order');
      return r.run;
    });
    return judgeScenario(scenario, file, scenario.seed, runs, admissions[si].refused);
  });

  if (args.update) {
    // Every golden computed before the first is written; each file replaced by a rename.
    for (const c of verdicts.flatMap((v) => v.cases)) if (c.goldenChanged) writeFileAtomic(c.goldenFile, c.golden);
    for (const stale of verdicts.flatMap((v) => v.stale)) rmSync(stale, { force: true });
    if (!args.json) out(updateSummary(verdicts));
  }
  out(args.json ? jsonSummary(verdicts, args.update) : terminalSummary(verdicts, args.update));
  if (args.markdown !== undefined) writeFileAtomic(args.markdown, markdownSummary(verdicts, args.update));
  if (args.junit !== undefined) writeFileAtomic(args.junit, junitXml(verdicts, args.update));
  return { exitCode: totals(verdicts, args.update).failed > 0 ? 1 : 0, verdicts };
}

/**
 * Every scenario file under the paths, loaded and checked before anything runs. All bad files are
 * reported (each its own line: file, pointer, expected, found), so a suite with three broken files
 * says so at once, not one run at a time.
 */
function loadSuite(paths: string[], err: (line: string) => void): { scenario: Scenario; file: string }[] {
  const files = [...new Set(paths.flatMap((p) => collectScenarioFiles(p)))];
  const entries: { scenario: Scenario; file: string }[] = [];
  const bad: InputError[] = [];
  for (const file of files) {
    try {
      entries.push({ scenario: loadExperiment(file), file });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      bad.push(error);
    }
  }
  if (bad.length === 1) throw bad[0];
  if (bad.length > 1) {
    for (const e of bad) err(withLine(e).message);
    throw new InputError({ file: paths.join(' '), pointer: '', expected: 'valid scenario files', found: `${bad.length} bad files, each named above` });
  }
  if (entries.length === 0) throw new InputError({ file: paths.join(' '), pointer: '', expected: 'at least one scenario file (.json, .yaml, .yml)', found: 'none' });
  const names = new Map<string, string>();
  for (const e of entries) {
    // Goldens are keyed by file, but the suite's cases by scenario name: two of one name would be indistinguishable in JUnit.
    const other = names.get(e.scenario.name);
    if (other !== undefined) throw new InputError({ file: e.file, pointer: '/name', expected: 'a scenario name no other file of the suite has', found: `${JSON.stringify(e.scenario.name)}, also the name of ${other}` });
    names.set(e.scenario.name, e.file);
    // a.yaml and a.json would share a.golden/.
    const folder = goldenFolder(e.file);
    const sharing = entries.find((o) => o !== e && goldenFolder(o.file) === folder);
    if (sharing) throw new InputError({ file: e.file, pointer: '', expected: `a scenario file whose goldens (${folder}) no other file of the suite shares`, found: `also the goldens of ${sharing.file}`, hint: 'rename one of the files' });
  }
  return entries;
}
