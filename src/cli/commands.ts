// The pieces the CLI commands share: loading and running with the command's flags, summarising.
// Loading, choosing models and finding scenario files live in src/experiments/load.ts (below the
// CLI, shared with the library API); the report folders (`report`, `compare`, `run --out`) are
// written by report-command.ts.

import type { Results } from '../metrics/results.js';
import { fmtNs, fmtPct } from '../report/format.js';
import { loadExperiment, resolveModels, type ExperimentFlags } from '../experiments/load.js';
import { admissionError, compare, expectsEveryRefusal, refusedModel, type ModelChoice } from '../experiments/simulate.js';
import { describeExpectation } from '../metrics/expectations.js';
import { InputError } from '../errors.js';
import { withLine } from '../scenario/load.js';
import { assumptionLines } from '../scenario/machine.js';
import type { Scenario } from '../scenario/types.js';
import { runWatcher, wallLimit } from './watch.js';

export { collectScenarioFiles, resolveModels, resolveSingleModel } from '../experiments/load.js';

/** A scenario or rt-app file, under the machine flags (src/experiments/load.ts). */
export function loadForCli(file: string, flags: ExperimentFlags = {}): Scenario {
  return loadExperiment(file, flags);
}

/** Every chosen model accepts the configuration (its limits, its admission test); the first refusal is thrown. */
export function admitAll(scenario: Scenario): ModelChoice[] {
  const choices = resolveModels(scenario, undefined);
  for (const c of choices) {
    const error = admissionError(scenario, c);
    if (error) throw error;
  }
  return choices;
}

/**
 * `validate <files..>`: every file is checked and reported, a bad one does not hide the next. A
 * file is bad when it does not load (schema, units, references) or when a model refuses it (its
 * limits, its admission test) and no `expect: { model, refused: true }` says it should — `compare`
 * would show that refusal as the model's result, `validate` points at it. Returns the exit code:
 * 0 when every file holds, 2 when any is bad.
 */
export function validateFiles(files: string[], flags: ExperimentFlags, out: (line: string) => void, err: (line: string) => void): number {
  let bad = 0;
  for (const file of files) {
    try {
      const scenario = loadForCli(file, flags);
      const choices = resolveModels(scenario, undefined);
      const verdicts = choices.map((c) => ({ choice: c, error: admissionError(scenario, c) }));
      const refused = verdicts.flatMap((v) => (v.error ? [{ ...refusedModel(v.choice, v.error), error: v.error }] : []));
      const unexpected = refused.filter((r) => !expectsEveryRefusal(scenario, [r]));
      const tasks = scenario.vmus.reduce((a, v) => a + v.tasks.length, 0) + scenario.hostThreads.length;
      if (unexpected.length > 0) {
        bad++;
        for (const r of unexpected) err(`${withLine(r.error).message}\n  (${r.model} refuses this configuration; add \`expect: [{ model: ${r.model}, refused: true }]\` if that is the point)`);
        continue;
      }
      const admitted = verdicts.filter((v) => !v.error).map((v) => v.choice.model.name);
      out(
        `ok ${file}: ${scenario.hosts.length} host(s), ${scenario.vmus.length} VMU(s), ${tasks} task(s); models ${admitted.join(', ')}` +
          (refused.length > 0 ? `; refused by admission as expected: ${refused.map((r) => r.model).join(', ')}` : ''),
      );
      if (scenario.assumptions) for (const l of assumptionLines(scenario.assumptions)) out(`  assumed ${l}`);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      bad++;
      err(withLine(error).message);
    }
  }
  if (bad > 0 && files.length > 1) err(`${bad} of ${files.length} file(s) invalid`);
  return bad > 0 ? 2 : 0;
}

/** The runs of `run` without --out, in this thread: progress on a terminal, stopped at --max-wall. */
export function compareScenario(scenario: Scenario, choices: ModelChoice[], seed?: number, maxWallNs?: number): Results {
  const limit = wallLimit(maxWallNs);
  const watchers = new Map(choices.map((c) => [c.model.name, runWatcher(`${scenario.name} under ${c.model.name}`, scenario.durationNs, limit)]));
  try {
    return compare(scenario, choices, { seed, onProgress: (model, now) => watchers.get(model)?.onProgress(now) });
  } finally {
    for (const w of watchers.values()) w.done();
  }
}

/** A terminal summary: per task and model, misses and worst response. */
export function describeRun(results: Results): string {
  const lines: string[] = [`${results.scenario.name}: ${fmtNs(results.scenario.durationNs)} simulated, seed ${results.scenario.seed}`];
  if (results.scenario.assumptions) lines.push(...assumptionLines(results.scenario.assumptions).map((l) => `  assumed ${l}`));
  for (const run of results.runs) {
    lines.push(`  ${run.model}`);
    for (const t of run.tasks) {
      if (t.completed === 0 && t.judged === 0) {
        lines.push(`    ${t.id.padEnd(16)} no job finished (a busy loop or idle)  cpu ${fmtPct(t.cpuShare, 1)}`);
        continue;
      }
      lines.push(
        `    ${t.id.padEnd(16)} misses ${fmtPct(t.missRatio, 2).padStart(8)}  resp p99 ${fmtNs(t.response.p99Ns).padStart(9)}  max ${fmtNs(t.response.maxNs).padStart(9)}  wake max ${fmtNs(t.wakeup.maxNs).padStart(9)}  cpu ${fmtPct(t.cpuShare, 1)}`,
      );
    }
    for (const l of run.io) {
      lines.push(
        `    I/O ${l.id.padEnd(12)} ${l.kind} ${l.completed}/${l.requests} requests  latency p50 ${fmtNs(l.latency.p50Ns)}  p99 ${fmtNs(l.latency.p99Ns)}  max ${fmtNs(l.latency.maxNs)}  via ${l.path.join(' → ')}`,
      );
    }
  }
  for (const r of results.refused ?? []) lines.push(`  ${r.model}`, `    ${r.reason.split('\n').join('\n    ')}`);
  for (const e of results.expectations.filter((x) => !x.ok)) lines.push(`  FAILED expectation: ${describeExpectation(e)}`);
  return lines.join('\n') + '\n';
}
