// `hvsim report <dir>` (npm start), `hvsim compare <scenario>` and `hvsim run … --out <dir>`: one
// pipeline. Each scenario runs through its models on worker threads and gets one folder of outputs
// (results.json, report.md, report.html, charts and the figures its `figures:` ask for); `report`
// adds the comparison document reports/index.md + reports/index.html over all of them.
//
// Three phases: simulate (each scenario × model, plus the points of the figure sweeps the
// scenarios ask for), render (every chart), write. Results are merged in job order, never in
// completion order, so the outputs are byte-identical whatever the timing or the number of cores.
// Nothing written depends on the wall clock; timings go to stderr only.

import { storageIopsChart, storageLatencyCdfCharts } from '../report/storage-charts.js';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { writeFilesAtomic, writeFolderAtomic } from '../report/atomic.js';
import { renderMarkdown } from '../report/doc.js';
import { indexDoc, scenarioDoc, type Experiment, type RenderedFigure } from '../report/experiment.js';
import { figureOutputs, type FigureOutput } from '../report/figures.js';
import { flowTimeCharts } from '../report/flow-time-charts.js';
import type { GanttTrace } from '../experiments/schedule-excerpt.js';
import { renderHtml } from '../report/html.js';
import { createProgress, type Progress } from '../report/progress.js';
import { cdfCharts, ioChart, scheduleChart, shareChart } from '../report/scenario-charts.js';
import { flowCdfCharts, flowLossChart } from '../report/flow-charts.js';
import { chainCharts } from '../report/chain-charts.js';
import { migrationCharts } from '../report/migration-report.js';
import { checkExpectations, resultsScenario, RESULTS_SCHEMA, type ModelRun, type Results } from '../metrics/results.js';
import { withLine } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { createPool, defaultWorkers } from '../experiments/pool.js';
import { admitModels, type ModelChoice } from '../experiments/simulate.js';
import { figurePointCount, type FigurePoint, type ModelPick } from '../experiments/sweeps.js';
import { loadExperiment, resolveModels, type ExperimentFlags } from '../experiments/load.js';
import { markedAggressors } from '../experiments/isolation-variants.js';
import { assembleIsolation, type IsolationRuns } from '../isolation/matrix.js';
import { reportJobRunner, type ReportJob } from './report-worker.js';
import { wallExceeded, wallLeftMs, wallLimit, type WallLimit } from './watch.js';

export interface ReportOptions {
  /** Worker threads; 0 runs in this thread. Default: HVSIM_WORKERS, else one per core (never more than there are jobs). */
  workers?: number;
  progress?: Progress;
  /** --max-wall: stop (InputError at /max-wall) when the simulations take longer (ns of wall time). */
  maxWallNs?: number;
  /** Machine flags applied to every scenario (`--overheads`). */
  machine?: ExperimentFlags;
}

export interface ReportOutcome {
  /** False when an expectation of some scenario failed. */
  ok: boolean;
  timing: { simulateMs: number; renderMs: number; writeMs: number; workers: number; runs: number; figurePoints: number; charts: number };
}

/** One scenario's folder as written by `compare` and `run --out`. */
export interface ScenarioReportOutcome extends ReportOutcome {
  results: Results;
  /** The files written, relative to the folder, in the order the report shows the charts. */
  files: string[];
}

/** Runs already simulated for a report (with their schedule excerpts), by model name: the report does not run them again. */
export type SimulatedRuns = Record<string, { run: ModelRun; gantt: GanttTrace }>;

/** A scenario to report on and the models to run it under. */
interface ReportEntry {
  scenario: Scenario;
  choices: ModelChoice[];
  simulated?: SimulatedRuns;
}

type Files = Record<string, string | Uint8Array>;

/** Names `report` writes beside the scenario folders: a scenario may not take them. */
const INDEX_FILES = ['index.md', 'index.html'];

/**
 * Each scenario gets the folder its name says: two scenarios of one name would share it (the
 * second silently replacing the first's results), and one named like an index file would collide.
 */
function refuseFolderCollisions(scenarios: Scenario[]): void {
  const seen = new Map<string, Scenario>();
  for (const s of scenarios) {
    // Case-insensitive: on macOS and Windows "A" and "a" are one folder.
    const key = s.name.toLowerCase();
    const first = seen.get(key);
    if (first) {
      throw new InputError({ file: s.file, pointer: '/name', expected: `a scenario name no other scenario of the folder has (it names the report folder)`, found: `${JSON.stringify(s.name)}, also the name of ${first.file}` });
    }
    if (INDEX_FILES.includes(key)) {
      throw new InputError({ file: s.file, pointer: '/name', expected: `a scenario name other than ${INDEX_FILES.join(' and ')} (the report writes those beside the scenario folders)`, found: JSON.stringify(s.name) });
    }
    seen.set(key, s);
  }
}

/** `hvsim report`: every scenario file under its own models, a folder each under `outDir`, and the index. */
export async function runReport(files: string[], outDir: string, options: ReportOptions = {}): Promise<ReportOutcome> {
  // Load everything first: a bad scenario stops the job before any output is written.
  const entries = files.map((f) => {
    const scenario = loadExperiment(f, options.machine);
    return { scenario, choices: resolveModels(scenario, undefined) };
  });
  refuseFolderCollisions(entries.map((e) => e.scenario));
  const progress = options.progress ?? createProgress();
  const { experiments, timing } = await reportPipeline(entries, (s) => join(outDir, s.name), { ...options, progress }, (all) => {
    const index = indexDoc(all);
    return { [join(outDir, 'index.md')]: renderMarkdown(index), [join(outDir, 'index.html')]: renderHtml(index, 'linked') };
  });
  const failed = experiments.flatMap(({ results }) => results.expectations.filter((e) => !e.ok).map((e) => `${results.scenario.name}: ${e.model} ${e.task} ${e.metric}`));
  for (const f of failed) progress.log(`FAILED expectation ${f}`);
  for (const { results } of experiments) for (const r of results.refused ?? []) progress.log(`${results.scenario.name}: ${r.model} ${r.reason}`);
  progress.log(`wrote ${join(outDir, 'index.md')}, ${join(outDir, 'index.html')} and ${experiments.length} scenario folder(s)`);
  return { ok: failed.length === 0, timing };
}

/**
 * `hvsim compare` and `hvsim run --out`: one scenario under the chosen models (`seed` overrides the
 * scenario's, for the figure sweeps too), written to `outDir` exactly as `hvsim report` writes that
 * scenario's folder. The caller prints the summary; progress goes to `options.progress` (stderr).
 */
export async function reportScenario(
  scenario: Scenario,
  choices: ModelChoice[],
  outDir: string,
  options: ReportOptions & { seed?: number; simulated?: SimulatedRuns } = {},
): Promise<ScenarioReportOutcome> {
  const seeded = options.seed === undefined ? scenario : { ...scenario, seed: options.seed };
  const { experiments, timing } = await reportPipeline([{ scenario: seeded, choices, simulated: options.simulated }], () => outDir, options);
  const [{ results, figures }] = experiments;
  return {
    ok: results.expectations.every((e) => e.ok),
    timing,
    results,
    files: ['results.json', 'report.md', 'report.html', ...figures.map((f) => f.file)],
  };
}

/**
 * Simulate, render and write: one folder per entry (`folderOf`), plus the documents `extra` makes
 * over all the experiments. Every byte is computed before the first file is written.
 */
async function reportPipeline(
  given: ReportEntry[],
  folderOf: (scenario: Scenario) => string,
  options: ReportOptions,
  extra?: (experiments: Experiment[]) => Files,
): Promise<{ experiments: Experiment[]; timing: ReportOutcome['timing'] }> {
  let entries = given;
  const scenarios = entries.map((e) => e.scenario);
  // Admission control and limits of every model before anything starts. A configuration one model
  // cannot express is that model's result (DESIGN.md "Interfaces"); the others run.
  const refusals = entries.map((e) => admitModels(e.scenario, e.choices).refused);
  entries = entries.map((e, i) => ({ ...e, choices: e.choices.filter((c) => !refusals[i].some((r) => r.model === c.model.name)) }));
  const models: ModelPick[][] = entries.map((e) =>
    e.choices.map((c) => ({ name: c.model.name, ...(c.request ? { request: { params: c.request.params, pointer: c.request.pointer } } : {}) })),
  );
  const jobs: ReportJob[] = [];
  const jobName: string[] = [];
  scenarios.forEach((s, si) => {
    models[si].forEach((m, mi) => {
      if (entries[si].simulated?.[m.name] !== undefined) return; // run already (run --trace --out)
      jobs.push({ kind: 'run', scenario: si, model: mi });
      jobName.push(`${s.name} ${m.name}`);
    });
    (s.figures ?? []).forEach((f, fi) => {
      for (let p = 0; p < figurePointCount(f); p++) {
        jobs.push({ kind: 'figure', scenario: si, figure: fi, point: p });
        jobName.push(`${s.name} figure ${fi + 1}`);
      }
    });
    // A scenario with a VMU marked `aggressor:` gets its isolation matrix: a baseline and one run per aggressor, per model.
    const aggressors = markedAggressors(s);
    if (aggressors.length > 0) {
      models[si].forEach((m, mi) => {
        for (let variant = 0; variant <= aggressors.length; variant++) {
          jobs.push({ kind: 'isolation', scenario: si, model: mi, variant });
          jobName.push(`${s.name} isolation ${m.name} ${variant === 0 ? 'baseline' : aggressors[variant - 1].vmu}`);
        }
      });
    }
  });
  const progress = options.progress ?? createProgress();
  // No more threads than jobs (one scenario under two models needs a few, not one per core); the
  // charts are estimated (a CDF per task, three more, two per figure) as they are known only later.
  const chartEstimate = scenarios.reduce((a, s) => a + s.vmus.reduce((b, v) => b + v.tasks.length, 0) + s.hostThreads.length + 3 + 2 * (s.figures ?? []).length, 0);
  const pool = createPool(reportJobRunner, { scenarios, models }, Math.min(options.workers ?? defaultWorkers(), Math.max(jobs.length, chartEstimate)));
  try {
    // ---- simulate ----
    const t0 = performance.now();
    progress.phase('simulate', jobs.length);
    let done = 0;
    const simulated = await withinWall(pool.run(jobs, (i) => (done++, progress.step(jobName[i]))), wallLimit(options.maxWallNs), () => `${done} of ${jobs.length} run(s) done`);
    const simulateMs = performance.now() - t0;
    const runCount = jobs.filter((j) => j.kind === 'run').length;
    const isolationCount = jobs.filter((j) => j.kind === 'isolation').length;
    const alreadyRun = entries.reduce((n, e) => n + Object.keys(e.simulated ?? {}).length, 0);
    progress.end(`simulated ${runCount} scenario run(s)${alreadyRun > 0 ? ` (and took ${alreadyRun} already run with the trace)` : ''}, ${isolationCount} isolation run(s) and ${jobs.length - runCount - isolationCount} figure point(s) in ${(simulateMs / 1000).toFixed(1)} s on ${pool.size || 'no'} worker thread(s)`);

    // ---- assemble results and chart specs, in scenario order ----
    const t1 = performance.now();
    let k = 0;
    const pending = scenarios.map((scenario, si) => {
      const runs: ModelRun[] = [];
      const traces: { model: string; trace: GanttTrace }[] = [];
      for (const m of models[si]) {
        const r = entries[si].simulated?.[m.name] ?? simulated[k++];
        if (!('gantt' in r)) throw new Error('report: job results out of order');
        runs.push(r.run);
        traces.push({ model: m.name, trace: r.gantt });
      }
      const results: Results = {
        schema: RESULTS_SCHEMA,
        scenario: resultsScenario(scenario, scenario.seed),
        runs,
        expectations: checkExpectations(scenario, runs, refusals[si]),
        ...(refusals[si].length > 0 ? { refused: refusals[si] } : {}),
      };
      const charts: FigureOutput[] = [...cdfCharts(scenario, results)];
      const share = shareChart(scenario, results);
      if (share) charts.push(share);
      charts.push(scheduleChart(scenario, traces));
      const io = ioChart(scenario, results);
      if (io) charts.push(io);
      const iops = storageIopsChart(scenario, results);
      if (iops) charts.push(iops);
      charts.push(...storageLatencyCdfCharts(scenario, results));
      charts.push(...flowCdfCharts(scenario, results));
      const losses = flowLossChart(results);
      if (losses) charts.push(losses);
      charts.push(...flowTimeCharts(scenario, results));
      charts.push(...chainCharts(scenario, results));
      charts.push(...migrationCharts(scenario, results));
      const findings: string[] = [];
      let figureAnswer: string | undefined;
      (scenario.figures ?? []).forEach((f, fi) => {
        const points: FigurePoint[] = [];
        for (let p = 0; p < figurePointCount(f); p++) {
          const r = simulated[k++];
          if (r.kind !== 'figure') throw new Error('report: job results out of order');
          points.push(r.point);
        }
        const out = figureOutputs(scenario, fi, points);
        charts.push(...out.figures);
        findings.push(...out.findings);
        figureAnswer ??= out.answer;
      });
      const aggressors = markedAggressors(scenario);
      const isolationRuns: IsolationRuns[] = [];
      if (aggressors.length > 0) {
        for (const m of models[si]) {
          const [baseline, ...attacked] = Array.from({ length: aggressors.length + 1 }, () => {
            const r = simulated[k++];
            if (r.kind !== 'isolation') throw new Error('report: job results out of order');
            return r.run;
          });
          isolationRuns.push({ model: m.name, baseline, attacked });
        }
      }
      const isolation = aggressors.length > 0 ? assembleIsolation(scenario, aggressors, scenario.seed, isolationRuns) : undefined;
      return { scenario, results, charts, findings, figureAnswer, isolation };
    });

    // ---- render ----
    const renderJobs: ReportJob[] = pending.flatMap((p) => p.charts.map((c) => ({ kind: 'render' as const, spec: c.spec })));
    const renderNames = pending.flatMap((p) => p.charts.map((c) => `${p.scenario.name}/${c.file}`));
    progress.phase('render', renderJobs.length);
    const rendered = await pool.run(renderJobs, (i) => progress.step(renderNames[i]));
    let r = 0;
    const experiments: Experiment[] = pending.map((p) => ({
      scenario: p.scenario,
      results: p.results,
      findings: p.findings,
      ...(p.figureAnswer !== undefined && { figureAnswer: p.figureAnswer }),
      ...(p.isolation && { isolation: p.isolation }),
      figures: p.charts.map((c): RenderedFigure => {
        const out = rendered[r++];
        if (out.kind !== 'render') throw new Error('report: job results out of order');
        return { file: c.file, png: out.png, width: c.spec.width, height: c.spec.height, alt: c.spec.title, caption: c.caption };
      }),
    }));
    const folders = experiments.map((e) => ({ dir: folderOf(e.scenario), files: scenarioFiles(e), drop: ourStaleChart(e) }));
    const others: Files = extra ? extra(experiments) : {};
    const documents = [...folders.flatMap((f) => Object.keys(f.files)), ...Object.keys(others)].filter((f) => /\.(md|html)$/.test(f)).length;
    const renderMs = performance.now() - t1;
    progress.end(`rendered ${renderJobs.length} chart(s) and ${documents} document(s) in ${(renderMs / 1000).toFixed(1)} s`);

    // ---- write ----
    const t2 = performance.now();
    for (const f of folders) writeFolderAtomic(f.dir, f.files, f.drop);
    writeFilesAtomic(others);
    const writeMs = performance.now() - t2;
    return {
      experiments,
      timing: { simulateMs, renderMs, writeMs, workers: pool.size, runs: runCount, figurePoints: jobs.length - runCount - isolationCount, charts: renderJobs.length },
    };
  } finally {
    await pool.close();
  }
}

/** `work`, or an InputError at /max-wall once the limit passes (the pool's close() then stops the workers). */
async function withinWall<T>(work: Promise<T>, limit: WallLimit | undefined, done: () => string): Promise<T> {
  if (limit === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(wallExceeded(limit, done())), wallLeftMs(limit));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** One scenario's folder: results.json, report.md, report.html and its charts (names relative to it). */
function scenarioFiles(e: Experiment): Files {
  const doc = scenarioDoc(e);
  const files: Files = {
    'results.json': JSON.stringify(e.results, null, 2) + '\n',
    'report.md': renderMarkdown(doc),
    'report.html': renderHtml(doc),
  };
  // The matrix's data as `hvsim isolation` writes it (its Markdown and heat maps stay that command's).
  if (e.isolation) files['isolation.json'] = JSON.stringify(e.isolation, null, 2) + '\n';
  for (const f of e.figures) files[f.file] = f.png;
  return files;
}

/**
 * Charts of a scenario folder that a previous report wrote and this one did not (a task renamed, a
 * figure dropped). Only names this command produces: other commands (isolation) share the folder.
 */
function ourStaleChart(e: Experiment): (name: string) => boolean {
  const keep = new Set(e.figures.map((f) => f.file));
  const name = e.scenario.name;
  const ours = (n: string) => /^cdf-.+\.png$/.test(n) || ['cpu-share.png', 'schedule.png', 'io-latency.png'].includes(n) || (n.startsWith(`${name}-fig`) && n.endsWith('.png'));
  return (n) => ours(n) && !keep.has(n);
}
