// The pieces the CLI commands share: loading with the model registry's names, choosing models,
// running and summarising. The report folders (`report`, `compare`, `run --out`) are written by
// report-command.ts.

import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, describeValue, escapeControl } from '../errors.js';
import { findModel, modelNames, DEFAULT_COMPARE } from '../../models/index.js';
import type { Results } from '../metrics/results.js';
import { fmtNs, fmtPct } from '../report/format.js';
import { Simulator } from '../engine/simulator.js';
import { loadExperiment, type ExperimentFlags } from '../experiments/load.js';
import { assumptionLines } from '../scenario/machine.js';
import type { Scenario } from '../scenario/types.js';
import { STOCK_LINUX_MODELS } from '../rtapp/import.js';
import { compare, type ModelChoice } from '../simulate.js';
import { runWatcher, wallLimit } from './watch.js';

/** A scenario or rt-app file, under the machine flags (src/experiments/load.ts). */
export function loadForCli(file: string, flags: ExperimentFlags = {}): Scenario {
  return loadExperiment(file, flags);
}

/** What `validate` checks beyond loading: every chosen model accepts the configuration (its limits, its admission test). */
export function admitAll(scenario: Scenario): ModelChoice[] {
  const choices = resolveModels(scenario, undefined);
  for (const c of choices) new Simulator(scenario, c.model, { params: c.request?.params, paramsPointer: c.request ? `${c.request.pointer}/params` : '' });
  return choices;
}

/**
 * Models to run: the `--models`/`--model` flag if given (keeping the scenario's parameter overrides
 * for those it also lists), else the scenario's own list, else the standard comparison set.
 */
export function resolveModels(scenario: Scenario, flag: string | undefined): ModelChoice[] {
  return withKernelFlag(scenario, chooseModels(scenario, flag));
}

/**
 * `run` without -m: the scenario's one model. Several (or none listed, so the standard set) is
 * bad input naming them: which to run is the user's choice.
 */
export function resolveSingleModel(scenario: Scenario, flag: string | undefined): ModelChoice[] {
  const choices = resolveModels(scenario, flag);
  if (flag === undefined && choices.length !== 1) {
    const names = choices.map((c) => c.model.name).join(', ');
    throw new InputError({
      file: '<command line>',
      pointer: '/model',
      expected: `-m <model>: ${scenario.models.length > 0 ? `the scenario lists ${names}` : `the scenario lists no model; choose one, e.g. ${names}`}`,
      found: 'no -m',
      hint: '`hvsim compare` runs them all',
    });
  }
  return choices;
}

/** `--kernel` reaches every stock-Linux model run, listed in the scenario or chosen by flag. */
function withKernelFlag(scenario: Scenario, choices: ModelChoice[]): ModelChoice[] {
  const kernel = scenario.assumptions?.kernel;
  if (kernel?.source !== 'flag' || kernel.value === null) return choices;
  return choices.map((c) =>
    STOCK_LINUX_MODELS.includes(c.model.name) ? { ...c, request: { params: { ...c.request?.params, kernel: kernel.value }, pointer: c.request?.pointer ?? '' } } : c,
  );
}

function chooseModels(scenario: Scenario, flag: string | undefined): ModelChoice[] {
  const fromScenario = (name: string) => scenario.models.find((m) => m.name === name);
  if (flag !== undefined) {
    const names = flag.split(',').map((n) => n.trim()).filter((n) => n !== '');
    if (names.length === 0) throw new InputError({ file: '<command line>', pointer: '/models', expected: 'one or more model names', found: describeValue(flag) });
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw new InputError({ file: '<command line>', pointer: '/models', expected: 'each model named once', found: `${JSON.stringify(twice)} twice in ${describeValue(flag)}` });
    return names.map((name) => ({ model: findModel(name, '<command line>', '/models'), request: fromScenario(name) }));
  }
  if (scenario.models.length > 0) {
    return scenario.models.map((m) => ({ model: findModel(m.name, scenario.file, m.pointer), request: m }));
  }
  return DEFAULT_COMPARE.map((name) => ({ model: findModel(name, '<defaults>', ''), request: undefined }));
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
  for (const e of results.expectations.filter((x) => !x.ok)) {
    lines.push(`  FAILED expectation: ${e.model} ${e.task} ${e.metric} = ${e.value} (bound ${e.min ?? ''}..${e.max ?? ''})`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Scenario files under a folder (recursively), sorted for a stable order. Symbolic links are
 * followed once: a dangling link is skipped with a warning, a link back up the tree (a loop) is
 * not entered twice (issue 15, item 10).
 */
export function collectScenarioFiles(dir: string, seen = new Set<string>()): string[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return [dir];
    seen.add(realpathSync(dir));
    entries = readdirSync(dir).sort();
  } catch {
    throw new InputError({ file: dir, pointer: '', expected: 'a folder of scenario files (.json, .yaml, .yml)', found: 'no such folder' });
  }
  const files: string[] = [];
  for (const name of entries) {
    const path = join(dir, name);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      process.stderr.write(`hvsim: skipped ${escapeControl(path)}: ${(error as NodeJS.ErrnoException).code === 'ELOOP' ? 'a symbolic link loop' : 'a dangling symbolic link or unreadable entry'}\n`);
      continue;
    }
    if (isDirectory) {
      if (seen.has(realpathSync(path))) continue; // a loop, or a folder already walked through another link
      files.push(...collectScenarioFiles(path, seen));
    } else if (/\.(json|ya?ml)$/.test(name)) files.push(path);
  }
  return files;
}
