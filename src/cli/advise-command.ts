// `hvsim advise <scenario> [budget|fit|place|stack …]`: decision support (src/advise), every
// question by default. Writes advise.json, advise.md, advise.html and the budget chart into
// --out (default reports/<scenario name>/), and the placed scenario (`place`) as a YAML file that
// `hvsim run` loads; all written together through temporary files renamed into place, after every
// computation, so a refusal or a crash writes nothing. main.ts only registers the command.

import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { advise, QUESTIONS, type Question } from '../advise/advise.js';
import { adviseDoc, BUDGET_CHART, budgetChart, describeAdvice } from '../advise/render.js';
import { InputError, describeValue } from '../errors.js';
import type { Aggressor } from '../isolation/matrix.js';
import { markedAggressors } from '../isolation/matrix.js';
import { writeFilesAtomic } from '../report/atomic.js';
import { renderMarkdown } from '../report/doc.js';
import { renderHtml } from '../report/html.js';
import { serializeScenario } from '../scenario/serialize.js';
import { yaml } from '../scenario/source.js';
import { didYouMean } from '../scenario/suggest.js';
import type { Ns, Scenario } from '../scenario/types.js';
import { parseDuration } from '../scenario/units.js';
import { loadForCli, resolveModels } from './commands.js';
import { checkOutputFile, checkOutputFolder, seedOf } from './flags.js';
import { chooseAggressors } from './isolation-command.js';
import { machineFlagsOf, machineOptions, type MachineArgs } from './machine-flags.js';

const FLAGS = '<command line>';
const MAX_PERIODS = 200;

interface AdviseArgs extends MachineArgs {
  scenario: string;
  questions?: string[];
  models?: string;
  vmu?: string;
  granularity: string;
  hyperperiods: number;
  minHorizon: string;
  maxHorizon: string;
  periods?: string;
  placeBound: number;
  aggressors?: string;
  analysisOnly: boolean;
  seed?: string;
  out?: string;
  placeOut?: string;
  png: boolean;
  json: boolean;
}

export const adviseCommand: CommandModule<object, AdviseArgs> = {
  command: 'advise <scenario> [questions..]',
  describe: 'decision support: minimum budgets (analysis + simulation), copies per PH, placement onto PHs, and which stack to choose',
  builder: (y: Argv) =>
    machineOptions(y)
      .positional('scenario', { type: 'string', demandOption: true })
      .positional('questions', { type: 'string', array: true, describe: `any of ${QUESTIONS.join(', ')} (default: all)` })
      .option('models', { type: 'string', describe: 'comma-separated model names (default: the scenario\'s list, else the standard set)' })
      .option('vmu', { type: 'string', describe: 'comma-separated VMU ids for budget and fit (default: every VMU with an SLA)' })
      .option('granularity', { type: 'string', default: '100us', describe: 'budget step of both searches' })
      .option('hyperperiods', { type: 'number', default: 4, describe: 'simulated horizon in hyperperiods of the tasks\' and the server\'s periods' })
      .option('min-horizon', { type: 'string', default: '1s', describe: 'shortest simulated horizon (Credit\'s caps act at 30 ms accounting)' })
      .option('max-horizon', { type: 'string', default: '10s', describe: 'longest simulated horizon' })
      .option('periods', { type: 'string', describe: 'also find the best (Q, P) over these periods: "5ms,10ms,20ms" or "1ms..20ms:1ms"' })
      .option('place-bound', { type: 'number', default: 0.95, describe: 'per-CPU admission bound Σ Q/P of the placement (IRMOS: 0.95)' })
      .option('aggressors', { type: 'string', describe: 'VMUs that misbehave for the isolation verdict (default: those marked `aggressor:`)' })
      .option('analysis-only', { type: 'boolean', default: false, describe: 'skip the confirming simulations' })
      .option('seed', { type: 'string', describe: 'override the scenario seed (0..4294967295)' })
      .option('out', { type: 'string', describe: 'output folder (default reports/<scenario name>)' })
      .option('place-out', { type: 'string', describe: 'where to write the placed scenario (default <out>/<name>-placed.yaml)' })
      .option('png', { type: 'boolean', default: true, describe: 'also draw the budget chart (--no-png to skip)' })
      .option('json', { type: 'boolean', default: false, describe: 'print advise.json to stdout instead of a summary' }) as unknown as Argv<AdviseArgs>,
  handler: async (args) => {
    const questions = questionsOf(args.questions);
    const seed = seedOf(args.seed);
    const granularityNs = positiveDuration(args.granularity, '/granularity');
    const minHorizonNs = positiveDuration(args.minHorizon, '/min-horizon');
    const maxHorizonNs = positiveDuration(args.maxHorizon, '/max-horizon');
    if (!(Number.isInteger(args.hyperperiods) && args.hyperperiods >= 1 && args.hyperperiods <= 1000)) bad('/hyperperiods', 'an integer 1..1000', args.hyperperiods);
    if (!(args.placeBound > 0 && args.placeBound <= 1)) bad('/place-bound', 'a number in (0, 1]', args.placeBound);
    const periods = args.periods === undefined ? undefined : periodsOf(args.periods);
    if (args.out !== undefined) checkOutputFolder(args.out, 'out');
    if (args.placeOut !== undefined) checkOutputFile(args.placeOut, 'place-out');

    const scenario = loadForCli(args.scenario, machineFlagsOf(args));
    const choices = resolveModels(scenario, args.models);
    const vmus = vmusOf(scenario, args.vmu);
    const smallest = Math.min(...scenario.vmus.filter((v) => v.sla && (vmus === undefined || vmus.includes(v.id))).map((v) => v.sla!.period), ...(periods ?? []));
    if (granularityNs > smallest) bad('/granularity', `a step no longer than the shortest period (${args.granularity} > ${smallest} ns)`, args.granularity);
    if (!scenario.vmus.some((v) => v.sla)) {
      throw new InputError({ file: scenario.file, pointer: '/vmus', expected: 'at least one VMU with an `sla:` (budget, period) to advise on', found: 'none' });
    }
    const aggressors: Aggressor[] = args.aggressors !== undefined ? chooseAggressors(scenario, args.aggressors, undefined) : markedAggressors(scenario);
    const out = args.out ?? join('reports', scenario.name);
    checkOutputFolder(out, 'out');
    const placeOut = args.placeOut ?? join(out, `${scenario.name}-placed.yaml`);
    if (questions.includes('place')) checkOutputFile(placeOut, 'place-out');

    const { results, placed } = advise(scenario, choices, {
      questions,
      vmus,
      granularityNs,
      hyperperiods: args.hyperperiods,
      minHorizonNs,
      maxHorizonNs,
      periods,
      seed,
      analysisOnly: args.analysisOnly,
      placeBound: args.placeBound,
      aggressors,
      // Progress on a terminal only: piped stderr stays clean for scripts.
      onStep: process.stderr.isTTY ? (what) => process.stderr.write(`advise ${scenario.name}: ${what}\n`) : undefined,
    });
    const files: Record<string, string | Uint8Array> = {};
    const spec = args.png ? budgetChart(results) : undefined;
    // Loaded only here: the chart renderer (canvas) costs every other command's start-up.
    const png = spec ? (await import('../report/charts.js')).renderChart(spec) : undefined;
    if (png) files[join(out, BUDGET_CHART)] = png;
    const doc = adviseDoc(results, png);
    files[join(out, 'advise.json')] = JSON.stringify(results, null, 2) + '\n';
    files[join(out, 'advise.md')] = renderMarkdown(doc);
    files[join(out, 'advise.html')] = renderHtml(doc);
    if (placed) files[placeOut] = placedYaml(placed);
    writeFilesAtomic(files);
    process.stdout.write(args.json ? JSON.stringify(results, null, 2) + '\n' : `${describeAdvice(results)}wrote ${Object.keys(files).sort().join(', ')}\n`);
  },
};

function placedYaml(s: Scenario): string {
  return `# Written by hvsim advise: ${s.name}, each reserved VMU on the PH and pCPUs its placement gave it.\n${yaml().stringify(serializeScenario(s))}`;
}

function bad(pointer: string, expected: string, found: unknown): never {
  throw new InputError({ file: FLAGS, pointer, expected, found: describeValue(found) });
}

function positiveDuration(text: string, pointer: string): Ns {
  const ns = parseDuration(text, FLAGS, pointer);
  if (!(ns > 0)) bad(pointer, 'a duration > 0 such as "100us"', text);
  return ns;
}

function questionsOf(raw: string[] | undefined): Question[] {
  if (raw === undefined || raw.length === 0) return [...QUESTIONS];
  for (const q of raw) if (!(QUESTIONS as readonly string[]).includes(q)) {
    throw new InputError({ file: FLAGS, pointer: '/questions', expected: `any of ${QUESTIONS.join(', ')}`, found: describeValue(q), hint: didYouMean(q, [...QUESTIONS]) });
  }
  return QUESTIONS.filter((q) => raw.includes(q));
}

/** "5ms,10ms" or "1ms..20ms:1ms". */
function periodsOf(text: string): Ns[] {
  const range = /^\s*([^.,]+)\.\.([^:,]+):(.+)$/.exec(text);
  let out: Ns[];
  if (range) {
    const [from, to, step] = [1, 2, 3].map((i) => positiveDuration(range[i].trim(), '/periods'));
    if (to < from || (to - from) / step + 1 > MAX_PERIODS) bad('/periods', `a range from..to:step with from ≤ to and at most ${MAX_PERIODS} values`, text);
    out = [];
    for (let p = from; p <= to; p += step) out.push(p);
  } else {
    out = text.split(',').map((t) => positiveDuration(t.trim(), '/periods'));
  }
  if (out.length === 0 || out.length > MAX_PERIODS) bad('/periods', `1..${MAX_PERIODS} periods`, text);
  return [...new Set(out)].sort((a, b) => a - b);
}

function vmusOf(scenario: Scenario, flag: string | undefined): string[] | undefined {
  if (flag === undefined) return undefined;
  const reserved = scenario.vmus.filter((v) => v.sla).map((v) => v.id);
  const ids = flag.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0) bad('/vmu', 'one or more VMU ids', flag);
  for (const id of ids) {
    if (!reserved.includes(id)) {
      throw new InputError({ file: FLAGS, pointer: '/vmu', expected: `a VMU with an SLA in ${scenario.name} (${reserved.join(', ')})`, found: describeValue(id), hint: didYouMean(id, reserved) });
    }
  }
  return ids;
}
