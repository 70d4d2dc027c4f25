// `hvsim run <scenario>`: one scenario (or rt-app file) under one model, a summary or results.json
// on stdout. Shared by the yargs parser (yargs-cli.ts) and the light path for plain invocations
// (light-run.ts), so both run the same checks in the same order. What only some flags need —
// schedule traces, rt-app logs, the report pipeline — is imported when the flag is given.

import { checkOutputFile, checkOutputFolder, maxWallOf, seedOf } from './flags.js';
import { compareScenario, describeRun, loadForCli, resolveSingleModel } from './commands.js';
import { machineFlagsOf, type MachineArgs } from './machine-flags.js';
import { markStart, printPhases, timed } from './phase-timing.js';
import { writeStdout } from './write-stdout.js';
import type { ScenarioReportOutcome, SimulatedRuns } from './report-command.js';
import type { ModelChoice } from '../experiments/simulate.js';
import type { Results } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';

export const EXIT_OK = 0;
export const EXIT_EXPECTATION = 1;

/** The flags of `run` as yargs names them (camel case for the command's own, kebab case for the machine flags). */
export interface RunArgs extends MachineArgs {
  scenario: string;
  model?: string;
  seed?: string;
  maxWall?: string;
  out?: string;
  json?: boolean;
  rtappLogs?: string;
  trace?: string;
}

/** The report pipeline (charts on canvas, worker pool), loaded only by the commands that write reports. */
export const reportCommand = () => import('./report-command.js');

/** Runs `hvsim run`; the exit code (0, or 1 when an expectation failed). Bad input throws InputError. */
export async function runCommand(args: RunArgs): Promise<number> {
  const seed = seedOf(args.seed);
  const maxWallNs = maxWallOf(args.maxWall);
  // Every output target is checked before the first simulation: a refusal writes nothing.
  if (args.out !== undefined) checkOutputFolder(args.out, 'out');
  if (args.trace !== undefined) checkOutputFile(args.trace, 'trace');
  if (args.rtappLogs !== undefined) checkOutputFolder(args.rtappLogs, 'rtapp-logs');
  markStart();
  const scenario = timed('scenario', () => loadForCli(args.scenario, machineFlagsOf(args))); // a scenario file, or an rt-app JSON file
  const choices = resolveSingleModel(scenario, args.model);
  const out = args.out;
  // --trace (src/trace): with --out too, the traced run is also the report's run of that model (one simulation, not two).
  const traced = args.trace === undefined ? undefined : await tracedRun(scenario, choices, seed, args.trace, out !== undefined);
  let results = traced?.results;
  if (args.rtappLogs !== undefined) (await import('./rtapp-command.js')).writeRunRtappLogs(scenario, choices, seed, args.rtappLogs);
  // --out: the same folder `hvsim report` writes for a scenario (its runs give the summary too).
  const report = out !== undefined ? await (await reportCommand()).reportScenario(scenario, choices, out, { seed, maxWallNs, simulated: traced?.simulated }) : undefined;
  results = report?.results ?? results ?? timed('simulation', () => compareScenario(scenario, choices, seed, maxWallNs));
  const summary = timed('summary', () => (args.json ? JSON.stringify(results, null, 2) + '\n' : describeRun(results) + (report && out !== undefined ? wrote(out, report) : '')));
  writeStdout(summary);
  printPhases();
  return results.expectations.some((e) => !e.ok) ? EXIT_EXPECTATION : EXIT_OK;
}

async function tracedRun(scenario: Scenario, choices: ModelChoice[], seed: number | undefined, file: string, forReport: boolean): Promise<{ results: Results; simulated?: SimulatedRuns }> {
  const traces = await import('./trace-command.js');
  return forReport ? traces.runTracedForReport(scenario, choices, seed, file) : { results: traces.runTraced(scenario, choices, seed, file) };
}

/** The summary's last line: what a report folder received. */
export function wrote(dir: string, report: ScenarioReportOutcome): string {
  const charts = report.files.filter((f) => f.endsWith('.png')).length;
  return `wrote ${dir}: results.json, report.md, report.html and ${charts} chart(s)\n`;
}
