// Schedule traces on the command line: `hvsim trace <scenario> --model m [--from t] [--to t]
// [--max-events n] [--out file]` and `hvsim run … --trace <file>`. main.ts only registers these.

import { checkOutputFile, seedOf } from '../cli/flags.js';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { InputError, describeValue } from '../errors.js';
import { loadForCli, resolveModels } from './commands.js';
import { machineFlagsOf, machineOptions, type MachineArgs } from '../cli/machine-flags.js';
import type { Results } from '../metrics/results.js';
import { writeFileAtomic } from '../report/atomic.js';
import { formatDuration, parseDuration } from '../scenario/units.js';
import type { Ns, Scenario } from '../scenario/types.js';
import { compare, type ModelChoice } from '../experiments/simulate.js';
import { observeAll } from '../experiments/observe-all.js';
import { scheduleExcerptRecorder } from '../experiments/schedule-excerpt.js';
import type { SimObserver } from '../engine/simulator.js';
import type { SimulatedRuns } from './report-command.js';
import { DEFAULT_MAX_EVENTS, serializeTrace, TraceRecorder, type TraceDocument, type TraceOptions } from '../trace/recorder.js';
import { traceScenario } from '../trace/run.js';

const FLAGS = '<command line>';

interface TraceArgs extends MachineArgs {
  scenario: string;
  model: string;
  from?: string;
  to?: string;
  'max-events'?: number;
  seed?: string;
  out?: string;
}

export const traceCommand: CommandModule<object, TraceArgs> = {
  command: 'trace <scenario>',
  describe: 'run one scenario under one model and write its schedule as Chrome trace-event JSON (Perfetto, chrome://tracing)',
  builder: (y: Argv) =>
    machineOptions(y)
      .positional('scenario', { type: 'string', demandOption: true })
      .option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'model name (see `hvsim models`)' })
      .option('from', { type: 'string', describe: 'start of the window, e.g. "2s" (default 0s)' })
      .option('to', { type: 'string', describe: 'end of the window, e.g. "2.5s" (default: the end of the run; the run stops there)' })
      .option('max-events', { type: 'number', describe: `cap on recorded events (default ${DEFAULT_MAX_EVENTS}); past it the trace is cut and says so` })
      .option('seed', { type: 'string', describe: 'override the scenario seed (0..4294967295)' })
      .option('out', { type: 'string', describe: 'output file (default reports/<scenario name>/trace-<model>.json)' }) as unknown as Argv<TraceArgs>,
  handler: (args) => {
    const scenario = loadForCli(args.scenario, machineFlagsOf(args));
    const choice = singleModel(resolveModels(scenario, args.model), '/model');
    const options = traceOptions(scenario, args);
    const out = args.out ?? join('reports', scenario.name, `trace-${choice.model.name}.json`);
    checkOutputFile(out, 'out');
    const { trace } = traceScenario(scenario, choice, { ...options, seed: seedOf(args.seed) });
    writeFileAtomic(out, serializeTrace(trace));
    const info = trace.otherData;
    process.stdout.write(`wrote ${out}: ${info.events} events, ${formatDuration(info.fromNs)}..${formatDuration(info.toNs)} of ${scenario.name} under ${info.model} (open it in https://ui.perfetto.dev or chrome://tracing)\n`);
    warnIfCut(trace);
  },
};

/**
 * `hvsim run --trace <file>`: the run as usual, with its schedule recorded (whole run, default cap).
 * Messages go to stderr so `--json` output stays clean.
 */
export function runTraced(scenario: Scenario, choices: ModelChoice[], seed: number | undefined, file: string, alsoObserve?: SimObserver): Results {
  const choice = singleModel(choices, '/model');
  const recorder = new TraceRecorder(scenario, choice.model.name, seed ?? scenario.seed);
  const results = compare(scenario, [choice], { seed, observer: alsoObserve ? observeAll(recorder, alsoObserve) : recorder });
  recorder.finish(scenario.durationNs);
  const trace = recorder.document();
  writeFileAtomic(file, serializeTrace(trace));
  process.stderr.write(`hvsim: wrote trace ${file} (${trace.otherData.events} events)\n`);
  warnIfCut(trace);
  return results;
}

/**
 * `hvsim run --trace <file> --out <dir>`: the traced run also records the report's schedule excerpt,
 * so the report takes it as its run of that model (`simulated`) instead of simulating it again.
 * The run is the report's own (same scenario, model and seed; observers do not change a run), so
 * results and trace are byte-identical to `run --out` and `trace` apart.
 */
export function runTracedForReport(scenario: Scenario, choices: ModelChoice[], seed: number | undefined, file: string): { results: Results; simulated: SimulatedRuns } {
  const excerpt = scheduleExcerptRecorder(scenario);
  const results = runTraced(scenario, choices, seed, file, excerpt.observer);
  const gantt = excerpt.finish();
  // A model its admission control refused did not run: the report records the refusal itself.
  return { results, simulated: Object.fromEntries(results.runs.map((run) => [run.model, { run, gantt }])) };
}

/** Resolve --from/--to/--max-events against the scenario; errors name the flag. */
export function traceOptions(scenario: Scenario, args: { from?: string; to?: string; 'max-events'?: number }): TraceOptions {
  const end = scenario.durationNs;
  const o: TraceOptions = {};
  let from: Ns = 0;
  if (args.from !== undefined) {
    from = parseDuration(args.from, FLAGS, '/from');
    if (from >= end) throw new InputError({ file: FLAGS, pointer: '/from', expected: `a time before the end of the run (${formatDuration(end)})`, found: describeValue(args.from) });
    o.fromNs = from;
  }
  if (args.to !== undefined) {
    const to = parseDuration(args.to, FLAGS, '/to');
    if (to <= from) throw new InputError({ file: FLAGS, pointer: '/to', expected: `a time after --from (${formatDuration(from)})`, found: describeValue(args.to) });
    o.toNs = Math.min(to, end);
  }
  const max = args['max-events'];
  if (max !== undefined) {
    if (!Number.isInteger(max) || max < 1) throw new InputError({ file: FLAGS, pointer: '/max-events', expected: 'a whole number >= 1', found: String(max) });
    o.maxEvents = max;
  }
  return o;
}

function singleModel(choices: ModelChoice[], pointer: string): ModelChoice {
  if (choices.length !== 1) {
    throw new InputError({ file: FLAGS, pointer, expected: 'exactly one model for a trace', found: describeValue(choices.map((c) => c.model.name).join(',')) });
  }
  return choices[0];
}

function warnIfCut(trace: TraceDocument): void {
  if (trace.otherData.truncated) process.stderr.write(`hvsim: trace ${trace.otherData.note}\n`);
}
