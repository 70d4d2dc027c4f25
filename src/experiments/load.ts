// One way in for every command that takes a scenario (validate, run, compare, trace, isolation,
// report) and for the library API (src/index.ts): an hvsim scenario file (JSON/YAML) or an rt-app
// JSON workload, checked against the model registry, with the machine flags (--cpus, --kernel,
// --hz, --work-scale, --overheads) applied the same way whatever the command. The scenario comes back with
// `assumptions`: what was taken for the machine and from where. Also: the models to run it under,
// and the scenario files of a folder.

import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, describeValue, escapeControl } from '../errors.js';
import { DEFAULT_COMPARE, findModel, modelNames, STOCK_LINUX_MODELS, SWEEP_DEFAULT_MODEL } from '../../models/index.js';
import { DEFAULT_KERNEL } from '../../models/kvm/kernel.js';
import { looksLikeRtapp } from '../rtapp/grammar.js';
import { importRtappFile, type RtappImport } from '../rtapp/import.js';
import { loadScenario, parseScenarioText, readInputText, scenarioFromData, type LoadOptions } from '../scenario/load.js';
import type { MachineFlags, MachineProbe } from '../scenario/machine.js';
import type { Scenario } from '../scenario/types.js';
import type { ModelChoice } from './simulate.js';

/** The machine flags, and for rt-app files the machine's own ns per calibration loop (`--ns-per-loop`). */
export interface ExperimentFlags extends MachineFlags {
  nsPerLoop?: number;
  /** rt-app files: run length when global.duration is -1 (`--duration`). */
  durationNs?: number;
}

export interface ExperimentLoadOptions {
  /** Where an rt-app file's machine facts come from when no flag gives them; default this machine. */
  probe?: MachineProbe;
}

/** Load `file` (scenario or rt-app workload) for a command, the flags overriding what it says. */
export function loadExperiment(file: string, flags: ExperimentFlags = {}, options: ExperimentLoadOptions = {}): Scenario {
  if (isRtappFile(file)) return importRtappExperiment(file, flags, options).scenario;
  if (flags.nsPerLoop !== undefined) {
    throw new InputError({ file: '<command line>', pointer: '/ns-per-loop', expected: '--ns-per-loop with an rt-app file (it scales rt-app\'s calibration loops)', found: `the scenario file ${file}`, hint: 'use --work-scale to scale a scenario\'s demands' });
  }
  return loadScenario(file, scenarioLoadOptions(flags));
}

/** What the registry and the machine flags tell the scenario loader. */
function scenarioLoadOptions(flags: MachineFlags): LoadOptions {
  return { knownModels: modelNames(), sweepModel: SWEEP_DEFAULT_MODEL, machine: flags, kernelModels: { names: STOCK_LINUX_MODELS, defaultKernel: DEFAULT_KERNEL } };
}

/** A scenario file's parsed data (parseScenarioData), resolved exactly as loadExperiment resolves the file. */
export function experimentFromData(data: unknown, file: string, flags: MachineFlags = {}): Scenario {
  return scenarioFromData(data, file, scenarioLoadOptions(flags));
}

/** An rt-app file under the flags (`hvsim import rtapp` and every command given one). */
export function importRtappExperiment(file: string, flags: ExperimentFlags = {}, options: ExperimentLoadOptions = {}): RtappImport {
  return importRtappFile(file, {
    cpus: flags.cpus,
    kernel: flags.kernel,
    hz: flags.hz,
    workScale: flags.workScale,
    overheadsName: flags.overheads,
    machineNsPerLoop: flags.nsPerLoop,
    durationNs: flags.durationNs,
    probe: options.probe,
  });
}

/** A `.json` file holding a `tasks` object and no `hosts`: rt-app's format (peers-and-rt-app.md §5a). */
export function isRtappFile(file: string): boolean {
  if (!file.toLowerCase().endsWith('.json')) return false;
  try {
    // Read as every input is (a regular file of bounded size: a FIFO or /dev/zero is refused, not read).
    return looksLikeRtapp(JSON.parse(readInputText(file, 'a readable scenario or rt-app file')));
  } catch {
    return false; // unreadable or malformed: the scenario loader says why
  }
}

/** What the registry tells the scenario loader: the model names and the utilisation sweep's default. */
function registryOptions(): LoadOptions {
  return { knownModels: modelNames(), sweepModel: SWEEP_DEFAULT_MODEL };
}

/** A scenario from text already read (no machine flags); `file` names it in error messages and, unless `format`, decides JSON or YAML by extension. */
export function parseScenarioFile(text: string, file: string, format?: LoadOptions['format']): Scenario {
  return parseScenarioText(text, file, { ...registryOptions(), ...(format ? { format } : {}) });
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
      if (name.endsWith('.golden')) continue; // `hvsim regress`'s golden results beside a scenario, not scenarios
      if (seen.has(realpathSync(path))) continue; // a loop, or a folder already walked through another link
      files.push(...collectScenarioFiles(path, seen));
    } else if (/\.(json|ya?ml)$/.test(name)) files.push(path);
  }
  return files;
}
