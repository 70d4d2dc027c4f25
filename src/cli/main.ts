// hvsim command line. Exit codes: 0 ok, 1 an expectation failed, 2 bad input (scenario, flags,
// infeasible configuration), 3 an internal error (a bug: one line, the stack only with --debug).
// Bad input never prints a stack trace, and a crash never looks like a failed expectation.

import { join } from 'node:path';
import yargs from 'yargs';
import { InputError, describeValue, escapeControl } from '../errors.js';
import { checkOutputFile, checkOutputFolder, maxWallOf, refuseRepeatedFlags, seedOf } from './flags.js';
import { installCleanup } from '../report/atomic.js';
import { withLine } from '../scenario/load.js';
import { validateFiles, collectScenarioFiles, compareScenario, describeRun, loadForCli, resolveModels, resolveSingleModel } from './commands.js';
import { machineFlagsOf, machineOptions } from './machine-flags.js';
import type { ScenarioReportOutcome } from './report-command.js';
import { importCommand, writeRunRtappLogs } from './rtapp-command.js'; // rt-app bridge
import { assumptionLines } from '../scenario/machine.js';
import { runTraced, traceCommand } from './trace-command.js'; // schedule traces
import { isolationCommand } from './isolation-command.js'; // isolation matrix
import { adviseCommand } from './advise-command.js'; // decision support (src/advise)
import { mergeCommand, sweepCommand, workerCommand } from './sweep-command.js'; // sweeps, local and distributed
import type { RegressArgs } from './regress-command.js'; // regression suite (loaded when used: it runs on the report pool)
import { MODELS } from '../../models/index.js';

const EXIT_OK = 0;
const EXIT_EXPECTATION = 1;
const EXIT_BAD_INPUT = 2;
const EXIT_INTERNAL = 3;
const ISSUES_URL = 'https://github.com/hvsim/hvsim/issues';

class UsageError extends Error {}

/** The report pipeline (charts on canvas, worker pool), loaded only by the commands that write reports. */
const reportCommand = () => import('./report-command.js');

export async function main(argv: string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const debug = argv.includes('--debug');
  const parser = yargs(argv)
    .scriptName('hvsim')
    .usage('$0 <command> [options]\n\nCompare hypervisor scheduling stacks on one scenario of virtualised real-time services.')
    .command(
      'validate <scenarios..>',
      'check scenario files or rt-app files (schema, units, references, each model\'s admission control)',
      (y) => machineOptions(y.positional('scenarios', { type: 'string', array: true, demandOption: true })),
      (args) => {
        // Every file is checked and reported; a bad one makes the exit 2 without hiding the others.
        exitCode = validateFiles(args.scenarios as string[], machineFlagsOf(args), (l) => process.stdout.write(`${l}\n`), (l) => process.stderr.write(`hvsim: ${l}\n`));
      },
    )
    .command(
      'run <scenario>',
      'run one scenario (or rt-app file) under one model and print a summary; --out also writes its report folder',
      (y) =>
        machineOptions(y)
          .positional('scenario', { type: 'string', demandOption: true })
          .option('model', { alias: 'm', type: 'string', describe: 'model name (see `hvsim models`); default: the scenario\'s one model' })
          .option('seed', { type: 'string', describe: 'override the scenario seed (0..4294967295)' })
          .option('max-wall', { type: 'string', describe: 'stop (exit 2) if the simulation takes longer than this wall-clock time, e.g. "10min"' })
          .option('out', { type: 'string', describe: 'also write the report folder here, as `hvsim report` does: results.json, report.md, report.html, the charts and the scenario\'s figures' })
          .option('json', { type: 'boolean', default: false, describe: 'print results.json to stdout' })
          .option('rtapp-logs', { type: 'string', describe: 'also write one rt-app log per task into this folder' })
          .option('trace', { type: 'string', describe: 'also write the schedule as Chrome trace-event JSON to this file (see `hvsim trace`)' }),
      async (args) => {
        const seed = seedOf(args.seed);
        const maxWallNs = maxWallOf(args.maxWall);
        // Every output target is checked before the first simulation: a refusal writes nothing.
        if (args.out !== undefined) checkOutputFolder(args.out, 'out');
        if (args.trace !== undefined) checkOutputFile(args.trace, 'trace');
        if (args.rtappLogs !== undefined) checkOutputFolder(args.rtappLogs, 'rtapp-logs');
        const scenario = loadForCli(args.scenario, machineFlagsOf(args)); // a scenario file, or an rt-app JSON file
        const choices = resolveSingleModel(scenario, args.model);
        const out = args.out;
        let results = args.trace !== undefined ? runTraced(scenario, choices, seed, args.trace) : undefined; // schedule trace (src/trace)
        if (args.rtappLogs !== undefined) writeRunRtappLogs(scenario, choices, seed, args.rtappLogs);
        // --out: the same folder `hvsim report` writes for a scenario (its runs give the summary too).
        const report = out !== undefined ? await (await reportCommand()).reportScenario(scenario, choices, out, { seed, maxWallNs }) : undefined;
        results = report?.results ?? results ?? compareScenario(scenario, choices, seed, maxWallNs);
        process.stdout.write(args.json ? JSON.stringify(results, null, 2) + '\n' : describeRun(results) + (report && out !== undefined ? wrote(out, report) : ''));
        if (results.expectations.some((e) => !e.ok)) exitCode = EXIT_EXPECTATION;
      },
    )
    .command(
      'compare <scenario>',
      'run one scenario under several models; writes its report folder reports/<name>/ as `hvsim report` does (results.json, report.md, report.html, charts, figures)',
      (y) =>
        machineOptions(y)
          .positional('scenario', { type: 'string', demandOption: true })
          .option('models', { type: 'string', describe: 'comma-separated model names (default: the scenario\'s list, else the standard set)' })
          .option('seed', { type: 'string', describe: 'override the scenario seed (0..4294967295)' })
          .option('max-wall', { type: 'string', describe: 'stop (exit 2) if the simulations take longer than this wall-clock time, e.g. "10min"' })
          .option('out', { type: 'string', describe: 'output folder (default reports/<scenario name>)' })
          .option('json', { type: 'boolean', default: false, describe: 'print results.json to stdout instead of a summary' }),
      async (args) => {
        const seed = seedOf(args.seed);
        const maxWallNs = maxWallOf(args.maxWall);
        if (args.out !== undefined) checkOutputFolder(args.out, 'out');
        const scenario = loadForCli(args.scenario, machineFlagsOf(args));
        const choices = resolveModels(scenario, args.models);
        const out = args.out ?? join('reports', scenario.name);
        checkOutputFolder(out, 'out');
        const report = await (await reportCommand()).reportScenario(scenario, choices, out, { seed, maxWallNs });
        process.stdout.write(args.json ? JSON.stringify(report.results, null, 2) + '\n' : describeRun(report.results) + wrote(out, report));
        if (!report.ok) exitCode = EXIT_EXPECTATION;
      },
    )
    .command(
      'report [dir]',
      'run every scenario in a folder under its models and regenerate reports/ (what `npm start` does)',
      (y) =>
        y
          .positional('dir', { type: 'string', default: 'scenarios' })
          .option('out', { type: 'string', default: 'reports', describe: 'output folder' }),
      async (args) => {
        checkOutputFolder(args.out, 'out');
        const files = collectScenarioFiles(args.dir);
        exitCode = (await (await reportCommand()).runReport(files, args.out)).ok ? EXIT_OK : EXIT_EXPECTATION;
      },
    )
    .command(
      'regress <scenarios..>',
      'check scenarios against their expect: and the golden results beside them (exit 1 on a regression); --update re-baselines',
      (y) =>
        y
          .positional('scenarios', { type: 'string', array: true, demandOption: true, describe: 'scenario files or folders of them' })
          .option('update', { type: 'boolean', default: false, describe: 'rewrite the golden results from this run and print what changed' })
          .option('markdown', { type: 'string', describe: 'also write the verdict as a Markdown table to this file' })
          .option('junit', { type: 'string', describe: 'also write the verdict as JUnit XML (one testcase per scenario × model) to this file' })
          .option('json', { type: 'boolean', default: false, describe: 'print the verdict as JSON (per case: failures and changes from the golden)' }),
      async (args) => {
        const { runRegress } = await import('./regress-command.js');
        const outcome = await runRegress(args as unknown as RegressArgs, (t) => process.stdout.write(t), (l) => process.stderr.write(`hvsim: ${l}\n`));
        exitCode = outcome.exitCode;
      },
    )
    .command(importCommand) // `hvsim import rtapp <file>` (src/cli/rtapp-command.ts)
    .command(traceCommand) // `hvsim trace <scenario> --model m` (src/cli/trace-command.ts)
    .command(isolationCommand) // `hvsim isolation <scenario>` (src/cli/isolation-command.ts)
    .command(adviseCommand) // `hvsim advise <scenario> [budget|fit|place|stack]` (src/cli/advise-command.ts)
    .command(sweepCommand) // `hvsim sweep <scenario> --set …` (src/cli/sweep-command.ts)
    .command(mergeCommand) // `hvsim merge <partials…>`
    .command(workerCommand) // `hvsim worker redis://…`
    .command(
      'models',
      'list the hypervisor models',
      (y) => y.option('json', { type: 'boolean', default: false }),
      (args) => {
        if (args.json) {
          process.stdout.write(JSON.stringify(MODELS.map((m) => ({ name: m.name, family: m.family, summary: m.summary })), null, 2) + '\n');
        } else {
          const width = Math.max(...MODELS.map((m) => m.name.length));
          for (const m of MODELS) process.stdout.write(`${m.name.padEnd(width)}  ${m.summary}\n`);
        }
      },
    )
    .option('debug', { type: 'boolean', default: false, describe: 'on an internal error, print its stack trace' })
    .middleware((args) => refuseRepeatedFlags(args as Record<string, unknown>), true)
    .demandCommand(1, 'name a command: validate, run, compare, report, regress, import, trace, isolation, advise, sweep, merge, worker or models')
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });

  const uninstall = installCleanup();
  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`hvsim: ${withLine(err).message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`hvsim: ${escapeControl(err.message)}\nRun \`hvsim --help\` for usage.\n`);
      return EXIT_BAD_INPUT;
    }
    return internalError(err, debug);
  } finally {
    uninstall();
  }
  return exitCode;
}

/** Not bad input: a bug. One line (where to report it), the stack only with --debug; never exit 1. */
function internalError(err: unknown, debug: boolean): number {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const firstLine = escapeControl(what.split('\n')[0]);
  process.stderr.write(`hvsim: internal error (a bug, please report it at ${ISSUES_URL} with the command and scenario): ${firstLine}${debug ? '' : ' (--debug shows the stack)'}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_INTERNAL;
}

/** The summary's last line: what a report folder received. */
function wrote(dir: string, report: ScenarioReportOutcome): string {
  const charts = report.files.filter((f) => f.endsWith('.png')).length;
  return `wrote ${dir}: results.json, report.md, report.html and ${charts} chart(s)\n`;
}
