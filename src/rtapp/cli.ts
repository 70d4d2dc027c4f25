// The rt-app bridge on the command line: `hvsim import rtapp <file>`, rt-app files accepted by
// `hvsim run`, and `hvsim run --rtapp-logs <dir>`. main.ts only registers these.

import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { InputError, describeValue } from '../errors.js';
import { admitAll, loadForCli } from '../cli/commands.js';
import { parseScenarioText, readInputText } from '../scenario/load.js';
import { modelNames } from '../../models/index.js';

/** The scenario schema's pCPU limit per host (schema.ts hosts[].cpus). */
const MAX_HOST_CPUS = 256;
import { policyText } from '../../models/kvm/common.js';
import { formatDuration, parseDuration } from '../scenario/units.js';
import { serializeScenario } from '../scenario/serialize.js';
import type { JobProgram, ProgramStep, Scenario } from '../scenario/types.js';
import { timerRef } from '../scenario/program.js';
import { simulate, type ModelChoice } from '../simulate.js';
import { looksLikeRtapp } from './grammar.js';
import { importRtappFile, type RtappImport, type RtappImportOptions } from './import.js';
import { RtappLogRecorder, writeRtappLogs } from './logs.js';

const FLAGS = '<command line>';

interface ImportArgs {
  format: string;
  file: string;
  cpus?: number;
  kernel?: string;
  tick?: string;
  duration?: string;
  'work-scale'?: number;
  json: boolean;
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import <format> <file>',
  describe: 'turn another tool\'s workload into a scenario and show it (format: rtapp)',
  builder: (y: Argv) =>
    y
      .positional('format', { type: 'string', choices: ['rtapp'], demandOption: true })
      .positional('file', { type: 'string', demandOption: true, describe: 'rt-app JSON workload' })
      .option('cpus', { type: 'number', describe: 'host CPU count (default: this machine\'s)' })
      .option('kernel', { type: 'string', describe: 'Linux version for the stock-Linux models (default: this machine\'s)' })
      .option('tick', { type: 'string', describe: 'host tick 1/HZ, e.g. "4ms" (default 1ms)' })
      .option('duration', { type: 'string', describe: 'run length, e.g. "5s" (default: global.duration)' })
      .option('work-scale', { type: 'number', describe: 'real ns per configured ns of `run` work (default 1)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the scenario as a scenario file (JSON) that run and validate load' }) as unknown as Argv<ImportArgs>,
  handler: (args) => {
    const imported = importRtappFile(args.file, importOptions(args));
    // The file form, not the in-memory one (which has Infinity, timer indices, ns): it loads back as is.
    const text = args.json ? JSON.stringify(serializeScenario(imported.scenario), null, 2) + '\n' : describeImport(imported);
    // Printed only if `validate` would accept it: the scenario file it is, loaded back, and every model's admission.
    admitAll(parseScenarioText(JSON.stringify(serializeScenario(imported.scenario)), `${args.file} (imported as a scenario)`, { knownModels: modelNames(), format: 'json' }));
    process.stdout.write(text);
  },
};

function importOptions(args: ImportArgs): RtappImportOptions {
  const o: RtappImportOptions = {};
  if (args.cpus !== undefined) {
    // The schema's host limit, checked before the importer allocates anything per CPU.
    if (!Number.isInteger(args.cpus) || args.cpus < 1 || args.cpus > MAX_HOST_CPUS) throw new InputError({ file: FLAGS, pointer: '/cpus', expected: `a whole number in 1..${MAX_HOST_CPUS}`, found: String(args.cpus) });
    o.cpus = args.cpus;
  }
  if (args.kernel !== undefined) o.kernel = args.kernel;
  if (args.tick !== undefined) {
    o.tickNs = parseDuration(args.tick, FLAGS, '/tick');
    if (o.tickNs <= 0) throw new InputError({ file: FLAGS, pointer: '/tick', expected: 'a tick > 0 such as "4ms"', found: describeValue(args.tick) });
  }
  if (args.duration !== undefined) o.durationNs = parseDuration(args.duration, FLAGS, '/duration');
  const scale = args['work-scale'];
  if (scale !== undefined) {
    if (!(scale > 0)) throw new InputError({ file: FLAGS, pointer: '/work-scale', expected: 'a number > 0', found: String(scale) });
    o.workScale = scale;
  }
  return o;
}

export function describeImport(imp: RtappImport): string {
  const s = imp.scenario;
  const host = s.hosts[0];
  const lines = [
    `${s.file}: ${imp.threads.length} rt-app thread(s) → host threads on host "${host.id}" (${host.cpus} CPUs, tick ${formatDuration(host.tickNs)}), ${formatDuration(s.durationNs)}`,
  ];
  if (s.models.length > 0) lines.push(`  models: ${s.models.map((m) => m.name).join(', ')} with kernel ${String(s.models[0].params.kernel)}`);
  for (const { thread, spec } of imp.threads) {
    const program = spec.arrival.kind === 'program' ? spec.arrival.program : null;
    const noPhases = thread.phases.length === 1 && thread.phases[0].name === thread.name;
    lines.push(`  ${spec.id} (#${thread.index}): ${policyText(spec.policy)} on CPUs ${spec.affinity.join(',')}${program && program.offset > 0 ? `, delay ${formatDuration(program.offset)}` : ''}${thread.loop > 0 && !noPhases ? `, ${thread.loop} pass(es)` : ''}`);
    program?.phases.forEach((p, i) => {
      // Without "phases" the thread's own loop counts the iterations.
      const loop = noPhases ? program.loop : p.loop;
      lines.push(`    ${noPhases ? 'events' : `phase ${thread.phases[i].name}`} ×${loop < 0 ? '∞' : loop}: ${p.steps.map((st) => stepText(st, program)).join(', ') || 'nothing'}`);
    });
  }
  return lines.join('\n') + '\n';
}

function stepText(s: ProgramStep, program: JobProgram): string {
  switch (s.kind) {
    case 'run':
      return `${s.wall ? 'runtime' : 'run'} ${formatDuration(s.ns)}`;
    case 'sleep':
      return `sleep ${formatDuration(s.ns)}`;
    case 'timer':
      return `timer ${timerRef(program, s.timer)} ${formatDuration(s.period)} ${s.relative ? 'relative' : 'absolute'}`;
    case 'yield':
      return 'yield';
  }
}

/** `hvsim run` input: an rt-app file (a `tasks` object, no `hosts`) is imported, anything else loaded. */
export function loadRunInput(file: string): Scenario {
  if (file.toLowerCase().endsWith('.json')) {
    let data: unknown;
    try {
      data = JSON.parse(readInputText(file, 'a readable scenario or rt-app file'));
    } catch (error) {
      if (error instanceof InputError) throw error; // not a regular file, too large: refused before parsing
      data = undefined; // the scenario loader reports unreadable or malformed files
    }
    if (looksLikeRtapp(data)) return importRtappFile(file).scenario;
  }
  return loadForCli(file);
}

/**
 * `--rtapp-logs <dir>`: run the scenario again under each chosen model with a log recorder (runs are
 * deterministic, so these are the runs just summarised) and write one rt-app log per task; in
 * <dir>/<model>/ when several models ran.
 */
export function writeRunRtappLogs(scenario: Scenario, choices: ModelChoice[], seed: number | undefined, dir: string): void {
  if (dir.trim() === '') throw new InputError({ file: FLAGS, pointer: '/rtapp-logs', expected: 'a folder', found: describeValue(dir) });
  for (const c of choices) {
    const recorder = new RtappLogRecorder(scenario);
    simulate(scenario, c.model, c.request, { seed, observer: recorder.observer });
    const out = choices.length > 1 ? join(dir, c.model.name) : dir;
    const paths = writeRtappLogs(out, recorder.basename, recorder.logs());
    process.stderr.write(`wrote ${paths.length} rt-app log(s) to ${out}\n`);
  }
}
