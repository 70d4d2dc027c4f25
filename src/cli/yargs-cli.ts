// Every command but a plain `run` (light-run.ts) is read by yargs: the help, the usage errors,
// the other commands. main.ts imports this module only when it needs it (yargs is slow to load).

import { join } from 'node:path';
import yargs from 'yargs';
import { checkOutputFolder, maxWallOf, refuseRepeatedFlags, seedOf, UsageError } from './flags.js';
import { validateFiles, collectScenarioFiles, describeRun, loadForCli, resolveModels } from './commands.js';
import { machineFlagsOf, machineOptions, overheadsOption } from './machine-flags.js';
import { importCommand } from './rtapp-command.js'; // rt-app bridge
import { traceCommand } from './trace-command.js'; // schedule traces
import { isolationCommand } from './isolation-command.js'; // isolation matrix
import { adviseCommand } from './advise-command.js'; // decision support (src/advise)
import { mergeCommand, sweepCommand, workerCommand } from './sweep-command.js'; // sweeps, local and distributed
import type { RegressArgs } from './regress-command.js'; // regression suite (loaded when used: it runs on the report pool)
import { MODELS } from '../../models/index.js';
import { EXIT_EXPECTATION, EXIT_OK, reportCommand, runCommand, wrote } from './run-command.js';

export async function parseWithYargs(argv: string[]): Promise<number> {
  let exitCode = EXIT_OK;
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
        exitCode = await runCommand(args);
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
        overheadsOption(
          y
            .positional('dir', { type: 'string', default: 'scenarios' })
            .option('out', { type: 'string', default: 'reports', describe: 'output folder' }),
        ),
      async (args) => {
        const machine = machineFlagsOf(args);
        checkOutputFolder(args.out, 'out');
        const files = collectScenarioFiles(args.dir);
        exitCode = (await (await reportCommand()).runReport(files, args.out, { machine })).ok ? EXIT_OK : EXIT_EXPECTATION;
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
  await parser.parseAsync();
  return exitCode;
}
