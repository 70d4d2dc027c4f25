// The rt-app bridge on the command line: `hvsim import rtapp <file>` and `hvsim run --rtapp-logs
// <dir>`. Every command loads rt-app files through src/experiments/load.ts. main.ts only
// registers these.

import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { InputError, describeValue } from '../errors.js';
import { admitAll } from './commands.js';
import { machineFlagsOf, machineOptions, type MachineArgs } from './machine-flags.js';
import { importRtappExperiment, parseScenarioFile } from '../experiments/load.js';
import { policyText } from '../../models/describe.js';
import { assumptionLines } from '../scenario/machine.js';
import { formatDuration, parseDuration } from '../scenario/units.js';
import { serializeScenario } from '../scenario/serialize.js';
import type { JobProgram, ProgramStep, Scenario } from '../scenario/types.js';
import { timerRef } from '../scenario/program.js';
import { simulate, type ModelChoice } from '../experiments/simulate.js';
import type { RtappImport } from '../rtapp/import.js';
import { RtappLogRecorder, writeRtappLogs } from '../rtapp/logs.js';

const FLAGS = '<command line>';

interface ImportArgs extends MachineArgs {
  format: string;
  file: string;
  duration?: string;
  json: boolean;
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import <format> <file>',
  describe: 'turn another tool\'s workload into a scenario and show it (format: rtapp)',
  builder: (y: Argv) =>
    machineOptions(y)
      .positional('format', { type: 'string', choices: ['rtapp'], demandOption: true })
      .positional('file', { type: 'string', demandOption: true, describe: 'rt-app JSON workload' })
      .option('duration', { type: 'string', describe: 'run length, e.g. "5s" (default: global.duration)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the scenario as a scenario file (JSON) that run and validate load' }) as unknown as Argv<ImportArgs>,
  handler: (args) => {
    const duration = args.duration === undefined ? undefined : parseDuration(args.duration, FLAGS, '/duration');
    const imported = importRtappExperiment(args.file, { ...machineFlagsOf(args), durationNs: duration });
    // The file form, not the in-memory one (which has Infinity, timer indices, ns): it loads back as is.
    const text = args.json ? JSON.stringify(serializeScenario(imported.scenario), null, 2) + '\n' : describeImport(imported);
    // Printed only if `validate` would accept it: the scenario file it is, loaded back, and every model's admission.
    admitAll(parseScenarioFile(JSON.stringify(serializeScenario(imported.scenario)), `${args.file} (imported as a scenario)`, 'json'));
    process.stdout.write(text);
  },
};

export function describeImport(imp: RtappImport): string {
  const s = imp.scenario;
  const host = s.hosts[0];
  const lines = [
    `${s.file}: ${imp.threads.length} rt-app thread(s) → host threads on host "${host.id}" (${host.cpus} CPUs, tick ${formatDuration(host.tickNs)}), ${formatDuration(s.durationNs)}`,
  ];
  if (s.assumptions) lines.push(...assumptionLines(s.assumptions).map((l) => `  assumed ${l}`));
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
