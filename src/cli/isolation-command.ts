// `hvsim isolation <scenario> [--models …] [--aggressors vmA,vmB] [--mode busy|scale:k] [--out dir]
// [--no-png] [--json] [--seed n]`: the isolation matrix, written as reports/<scenario>/isolation.json,
// isolation.md and isolation-<model>.png. main.ts only registers the command.

import { checkOutputFolder, seedOf } from '../cli/flags.js';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { InputError, describeValue } from '../errors.js';
import { loadForCli, resolveModels } from './commands.js';
import { machineFlagsOf, machineOptions, type MachineArgs } from '../cli/machine-flags.js';
import { writeFilesAtomic } from '../report/atomic.js';
import type { Misbehaviour, Scenario } from '../scenario/types.js';
import { didYouMean } from '../scenario/suggest.js';
import { isolationMatrix, markedAggressors, type Aggressor, type IsolationResults } from '../isolation/matrix.js';
import { describeIsolation, renderIsolationMarkdown } from '../isolation/render.js';

const FLAGS = '<command line>';

interface IsolationArgs extends MachineArgs {
  scenario: string;
  models?: string;
  aggressors?: string;
  mode?: string;
  seed?: string;
  out?: string;
  png: boolean;
  json: boolean;
}

export const isolationCommand: CommandModule<object, IsolationArgs> = {
  command: 'isolation <scenario>',
  describe: 'isolation matrix: each aggressor VMU misbehaving vs. behaving, and what it does to every other task, per model',
  builder: (y: Argv) =>
    machineOptions(y)
      .positional('scenario', { type: 'string', demandOption: true })
      .option('models', { type: 'string', describe: 'comma-separated model names (default: the scenario\'s list, else the standard set)' })
      .option('aggressors', { type: 'string', describe: 'comma-separated VMU ids (default: the VMUs marked `aggressor:` in the scenario)' })
      .option('mode', { type: 'string', describe: 'misbehaviour of every aggressor: busy, or scale:<k> (default: each VMU\'s `aggressor.mode`, else busy)' })
      .option('seed', { type: 'string', describe: 'override the scenario seed (0..4294967295)' })
      .option('out', { type: 'string', describe: 'output folder (default reports/<scenario name>)' })
      .option('png', { type: 'boolean', default: true, describe: 'also render a heat map PNG per model (--no-png to skip)' })
      .option('json', { type: 'boolean', default: false, describe: 'print isolation.json to stdout instead of a summary' }) as unknown as Argv<IsolationArgs>,
  handler: async (args) => {
    const scenario = loadForCli(args.scenario, machineFlagsOf(args));
    const aggressors = chooseAggressors(scenario, args.aggressors, args.mode);
    const out = args.out ?? join('reports', scenario.name);
    checkOutputFolder(out, 'out');
    const results = isolationMatrix(scenario, resolveModels(scenario, args.models), aggressors, { seed: seedOf(args.seed) });
    const written = await writeIsolationOutputs(results, out, args.png);
    process.stdout.write(args.json ? JSON.stringify(results, null, 2) + '\n' : `${describeIsolation(results)}wrote ${written.join(', ')}\n`);
  },
};

/** isolation.json, isolation.md and (with `png`) isolation-<model>.png, all computed before the first write. */
export async function writeIsolationOutputs(results: IsolationResults, outDir: string, png: boolean): Promise<string[]> {
  const files: Record<string, string | Uint8Array> = {};
  const pngName = (model: string) => `isolation-${model}.png`;
  if (png) {
    // Loaded only here: the chart renderer (canvas) costs every other command's start-up.
    const { renderIsolationHeatmap } = await import('../isolation/heatmap.js');
    for (const m of results.models) files[join(outDir, pngName(m.model))] = renderIsolationHeatmap(results, m);
  }
  files[join(outDir, 'isolation.json')] = JSON.stringify(results, null, 2) + '\n';
  files[join(outDir, 'isolation.md')] = renderIsolationMarkdown(results, png ? pngName : undefined);
  writeFilesAtomic(files);
  return Object.keys(files).sort();
}

/** Aggressors from the flags, else from the scenario's marks; errors name the flag or the scenario. */
export function chooseAggressors(scenario: Scenario, flag: string | undefined, mode: string | undefined): Aggressor[] {
  const forced = mode === undefined ? undefined : parseMode(mode);
  if (flag !== undefined) {
    const ids = flag.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (ids.length === 0) throw new InputError({ file: FLAGS, pointer: '/aggressors', expected: 'one or more VMU ids', found: describeValue(flag) });
    const known = scenario.vmus.map((v) => v.id);
    return [...new Set(ids)].map((id) => {
      const vmu = scenario.vmus.find((v) => v.id === id);
      if (vmu === undefined) {
        throw new InputError({ file: FLAGS, pointer: '/aggressors', expected: `VMU ids of ${scenario.name} (${known.join(', ')})`, found: describeValue(id), hint: didYouMean(id, known) });
      }
      return { vmu: id, misbehaviour: forced ?? vmu.aggressor ?? { mode: 'busy' } };
    });
  }
  const marked = markedAggressors(scenario);
  if (marked.length === 0) {
    throw new InputError({
      file: scenario.file,
      pointer: '/vmus',
      expected: 'at least one VMU marked as aggressor, e.g. `aggressor: { mode: busy }`',
      found: 'none',
      hint: 'or name them with --aggressors vmA,vmB',
    });
  }
  return forced === undefined ? marked : marked.map((a) => ({ ...a, misbehaviour: forced }));
}

export function parseMode(text: string): Misbehaviour {
  const t = text.trim();
  if (t === 'busy') return { mode: 'busy' };
  const m = /^scale:([0-9]+(?:\.[0-9]+)?)$/.exec(t);
  const k = m ? Number(m[1]) : NaN;
  if (!(k >= 0.001 && k <= 1000)) {
    throw new InputError({ file: FLAGS, pointer: '/mode', expected: '"busy" or "scale:<k>" with 0.001 <= k <= 1000, e.g. "scale:3"', found: describeValue(text) });
  }
  return { mode: 'scale', factor: k };
}
