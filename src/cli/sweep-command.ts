// `hvsim sweep <scenario> --set <pointer>=<values> …`, `hvsim merge <partials…>` and
// `hvsim worker redis://…`. A sweep plans every point first (bad pointer, value or unit: exit 2,
// nothing run or written), takes what the cache holds, runs the rest on worker threads (the code
// loaded once per thread, src/experiments/pool.ts) or on a BullMQ queue served by `hvsim worker`s,
// and writes sweep.json, sweep.csv and the charts (or, with --shard, one partial result). main.ts
// only registers the commands.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { InputError, describeValue } from '../errors.js';
import type { TaskResult } from '../metrics/results.js';
import { checkMetric, SWEEP_METRICS } from '../metrics/task-metrics.js';
import { fmtNs } from '../report/format.js';
import { writeFilesAtomic } from '../report/atomic.js';
import { createProgress, type Progress } from '../report/progress.js';
import { createPool, defaultWorkers } from '../experiments/pool.js';
import { defaultCacheDir, NO_CACHE, openCache } from '../experiments/sweep-cache.js';
import { sweepJobRunner, type SweepOutcome } from '../experiments/sweep-job.js';
import { planSweep, type SweepPlan } from '../experiments/sweep-plan.js';
import { assembleSweep, headerOf, mergePartials, parseShard, partialOf, shardJobs, sweepCsv, type SweepResults } from '../experiments/sweep-results.js';
import { readInputText } from '../scenario/load.js';
import { parseDuration } from '../scenario/units.js';
import { checkOutputFolder } from './flags.js';
import { machineFlagsOf, machineOptions, type MachineArgs } from './machine-flags.js';

interface OutputArgs {
  out?: string;
  metric: string;
  task?: string;
  x?: string;
  png: boolean;
  json: boolean;
}

interface SweepArgs extends MachineArgs, OutputArgs {
  scenario: string;
  /** One --set is a string, several an array (not `array: true`, which would swallow the scenario after it). */
  set?: string | string[];
  models?: string;
  cache?: string;
  useCache: boolean;
  shard?: string;
  queue?: string;
}

const outputOptions = <T>(y: Argv<T>) =>
  y
    .option('out', { type: 'string', describe: 'output folder (default sweeps/<scenario name>)' })
    .option('metric', { type: 'string', default: 'response.max', describe: 'per-task metric charted against the parameter: response.p50|p99|max, wakeup.p99|max, tardiness.max, missRatio, missed, cpuShare' })
    .option('task', { type: 'string', describe: 'chart this task\'s metric (default: the largest over the tasks)' })
    .option('x', { type: 'string', describe: 'the --set pointer on the charts\' x axis (default the first)' })
    .option('png', { type: 'boolean', default: true, describe: 'draw the charts (--no-png to skip)' })
    .option('json', { type: 'boolean', default: false, describe: 'print sweep.json to stdout instead of a summary' });

export const sweepCommand: CommandModule<object, SweepArgs> = {
  command: 'sweep <scenario>',
  describe: 'run a scenario over a grid of values of its fields (--set /json/pointer=values) under each model; CSV, JSON and charts',
  builder: (y: Argv) =>
    outputOptions(machineOptions(y))
      .positional('scenario', { type: 'string', demandOption: true })
      .option('set', { type: 'string', describe: 'a field and its values: /vmus/0/sla/budget=1ms..5ms:0.5ms, /seed=1,2,3, /x=["a",{"b":1}]; several give a grid' })
      .option('models', { type: 'string', describe: 'comma-separated model names (default: the scenario\'s list, else the standard set)' })
      .option('cache', { type: 'string', describe: `cache folder of finished points (default ${defaultCacheDir()})` })
      .option('use-cache', { type: 'boolean', default: true, describe: 'reuse and keep finished points (--no-use-cache: run every point)' })
      .option('shard', { type: 'string', describe: 'run only the i-th of n slices of the jobs (i/n) and write a partial result for `hvsim merge`' })
      .option('queue', { type: 'string', describe: 'run the points on a BullMQ queue on this Redis (redis://host:port) served by `hvsim worker`s' }) as unknown as Argv<SweepArgs>,
  handler: async (args) => {
    const metric = checkMetric(args.metric);
    const shard = args.shard === undefined ? undefined : parseShard(args.shard);
    const plan = planSweep(args.scenario, [args.set ?? []].flat(), { models: args.models, machine: machineFlagsOf(args) });
    checkChartAxis(plan.parameters.map((p) => p.pointer), args.x);
    checkTask(plan.taskIds, args.task);
    const out = args.out ?? join('sweeps', plan.scenario.name);
    checkOutputFolder(out, 'out');
    const queueUrl = args.queue === undefined ? undefined : await (await import('../experiments/queue.js')).checkRedisUrl(args.queue);
    const cache = args.useCache ? openCache(args.cache ?? defaultCacheDir()) : NO_CACHE;
    const wanted = shard === undefined ? plan.jobs.map((_, j) => j) : shardJobs(plan.jobs.length, shard);
    const outcomes = new Map<number, SweepOutcome>();
    for (const j of wanted) {
      const hit = cache.get(plan.jobs[j].key);
      if (hit !== undefined) outcomes.set(j, hit);
    }
    const todo = wanted.filter((j) => !outcomes.has(j));
    const started = performance.now();
    const progress = process.stderr.isTTY ? createProgress() : undefined;
    const ran = await runJobs(plan, todo, queueUrl, progress, (j, outcome) => {
      cache.put(plan.jobs[j].key, outcome);
      outcomes.set(j, outcome);
    });
    // Wall time on stderr only: nothing written depends on it.
    const timing = todo.length === 0 ? 'every job from the cache' : `simulated ${todo.length} job(s) ${ran} in ${((performance.now() - started) / 1000).toFixed(1)} s`;
    if (progress) progress.end(timing);
    else process.stderr.write(`${timing}\n`);
    const summary = `sweep ${plan.scenario.name}: ${plan.points.length} point(s) × ${plan.models.length} model(s)${shard ? `, shard ${shard.index}/${shard.count}: ${wanted.length} job(s)` : ''}; ${wanted.length - todo.length} from the cache, ${todo.length} simulated`;
    if (shard !== undefined) {
      const file = join(out, `part-${shard.index}-of-${shard.count}.json`);
      writeFilesAtomic({ [file]: JSON.stringify(partialOf(headerOf(plan), shard, outcomes)) + '\n' });
      process.stdout.write(`${summary}\nwrote ${file}\n`);
      return;
    }
    const results = assembleSweep(headerOf(plan), plan.jobs.map((_, j) => outcomes.get(j)!));
    await writeSweepOutputs(results, out, { ...args, metric }, summary);
  },
};

interface MergeArgs extends OutputArgs {
  partials: string[];
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <partials..>',
  describe: 'join the partial results of `hvsim sweep --shard i/n` into the outputs of the whole sweep',
  builder: (y: Argv) => outputOptions(y).positional('partials', { type: 'string', array: true, demandOption: true }) as unknown as Argv<MergeArgs>,
  handler: async (args) => {
    const metric = checkMetric(args.metric);
    const partials = args.partials.map((file) => {
      const text = readInputText(file, 'a partial sweep result (JSON)');
      try {
        return { file, data: JSON.parse(text) as unknown };
      } catch (error) {
        throw new InputError({ file, pointer: '', expected: 'valid JSON', found: (error as Error).message.split('\n')[0] });
      }
    });
    const results = mergePartials(partials);
    checkChartAxis(results.parameters.map((p) => p.pointer), args.x);
    const out = args.out ?? join('sweeps', results.scenario.name);
    checkOutputFolder(out, 'out');
    await writeSweepOutputs(results, out, { ...args, metric }, `merged ${partials.length} partial result(s) of sweep ${results.scenario.name}: ${results.points.length} point(s) × ${results.models.length} model(s)`);
  },
};

function checkTask(tasks: string[], task: string | undefined): void {
  if (task !== undefined && !tasks.includes(task)) {
    throw new InputError({ file: '<command line>', pointer: '/task', expected: `a task of the sweep (${tasks.join(', ') || 'none ran'})`, found: describeValue(task) });
  }
}

function checkChartAxis(pointers: string[], x: string | undefined): void {
  if (x !== undefined && !pointers.includes(x)) {
    throw new InputError({ file: '<command line>', pointer: '/x', expected: `one of the --set pointers (${pointers.join(', ')})`, found: describeValue(x) });
  }
}

/** The jobs not in the cache: on the queue, else on worker threads. Says where they ran. */
async function runJobs(plan: SweepPlan, todo: number[], queueUrl: string | undefined, progress: Progress | undefined, done: (job: number, outcome: SweepOutcome) => void): Promise<string> {
  if (todo.length === 0) return 'nothing to run';
  const name = (j: number) => `point ${plan.jobs[j].point + 1} ${plan.models[plan.jobs[j].model]}`;
  progress?.phase('sweep', todo.length);
  try {
    if (queueUrl !== undefined) {
      const { runOnQueue } = await import('../experiments/queue.js');
      await runOnQueue(queueUrl, plan, todo, (j, outcome) => {
        done(j, outcome);
        progress?.step(name(j));
      }, (line) => (progress ? progress.log(line) : process.stderr.write(`${line}\n`)));
      return `on the queue ${queueUrl}`;
    }
    const pool = createPool(sweepJobRunner, undefined, Math.min(defaultWorkers(), todo.length));
    try {
      // One lane per thread, each result kept (cached) as it arrives: an interrupted sweep loses
      // only the points in flight. A failure (a bug: refusals are results) stops every lane.
      let next = 0;
      let failed = false;
      const lane = async () => {
        while (next < todo.length && !failed) {
          const j = todo[next++];
          try {
            done(j, await pool.submit(plan.jobs[j].job));
          } catch (error) {
            failed = true;
            throw error;
          }
          progress?.step(name(j));
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, pool.size) }, lane));
      return `on ${pool.size || 'no'} worker thread(s)`;
    } finally {
      await pool.close();
    }
  } catch (error) {
    progress?.end('sweep stopped');
    throw error;
  }
}

/** sweep.json, sweep.csv and the charts, every byte computed before the first file is written. */
async function writeSweepOutputs(results: SweepResults, out: string, args: OutputArgs, summary: string): Promise<void> {
  checkTask([...new Set(results.points.flatMap((p) => p.runs.flatMap((r) => ('run' in r ? r.run.tasks.map((t) => t.id) : []))))], args.task);
  const files: Record<string, string | Uint8Array> = {
    [join(out, 'sweep.json')]: JSON.stringify(results, null, 2) + '\n',
    [join(out, 'sweep.csv')]: sweepCsv(results),
  };
  if (args.png) {
    // Loaded only here: the chart renderer (canvas) costs every other command's start-up.
    const [{ sweepCharts }, { renderChart }] = await Promise.all([import('../report/sweep-charts.js'), import('../report/charts.js')]);
    for (const chart of sweepCharts(results, { metric: args.metric, task: args.task, x: args.x })) files[join(out, chart.file)] = renderChart(chart.spec);
  }
  writeFilesAtomic(files);
  process.stdout.write(args.json ? files[join(out, 'sweep.json')] as string : `${summary}\n${describeSweep(results, args.metric)}wrote ${Object.keys(files).sort().join(', ')}\n`);
}

/** A table on the terminal: per point, the charted metric (largest over the tasks) per model. */
function describeSweep(results: SweepResults, metric: string): string {
  const rows = results.points.slice(0, 40).map((p) => {
    const set = results.parameters.map((q) => `${q.pointer}=${typeof p.set[q.pointer] === 'string' ? p.set[q.pointer] : JSON.stringify(p.set[q.pointer])}`).join(' ');
    const cells = p.runs.map((r) => ('refused' in r ? `${r.model} refused` : `${r.model} ${metricText(r.run.tasks, metric)}`));
    return `  ${set}: ${cells.join(', ')}\n`;
  });
  return `${metric} (largest over the tasks):\n${rows.join('')}${results.points.length > 40 ? `  … ${results.points.length - 40} more in sweep.csv\n` : ''}`;
}

function metricText(tasks: TaskResult[], metric: string): string {
  if (tasks.length === 0) return '-';
  const m = SWEEP_METRICS[metric];
  const value = Math.max(...tasks.map((t) => m.of(t)));
  return m.ns ? fmtNs(value) : String(Number(value.toPrecision(4)));
}

interface WorkerArgs {
  redis: string;
  stallTimeout: string;
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker <redis>',
  describe: 'run the points of `hvsim sweep --queue <redis>` from that BullMQ queue on this machine\'s cores until stopped',
  builder: (y: Argv) =>
    y
      .positional('redis', { type: 'string', demandOption: true, describe: 'redis://host:port' })
      .option('stall-timeout', { type: 'string', default: '30s', describe: 'how soon a job of a worker that died runs elsewhere (lock duration and stalled-job check)' }) as unknown as Argv<WorkerArgs>,
  handler: async (args) => {
    const stallNs = parseDuration(args.stallTimeout, '<command line>', '/stall-timeout');
    if (!(stallNs >= 100e6)) throw new InputError({ file: '<command line>', pointer: '/stall-timeout', expected: 'a duration of at least 100ms', found: describeValue(args.stallTimeout) });
    const { checkRedisUrl, serveQueue } = await import('../experiments/queue.js');
    const url = await checkRedisUrl(args.redis, '/redis');
    await serveQueue(url, { stallMs: Math.round(stallNs / 1e6), log: (line) => process.stderr.write(`hvsim worker: ${line}\n`) });
    // Until SIGINT/SIGTERM (installCleanup exits): a killed worker's jobs are retried by the others.
    await new Promise<never>(() => {});
  },
};
