// `hvsim report <dir>` (npm start): every scenario of a folder through its models, on worker
// threads, then one folder of outputs per scenario (results.json, report.md, report.html, charts)
// and the comparison document reports/index.md + reports/index.html.
//
// Three phases: simulate (each scenario × model, plus the points of the figure sweeps the
// scenarios ask for), render (every chart), write. Results are merged in job order, never in
// completion order, so the outputs are byte-identical whatever the timing or the number of cores.
// Nothing written depends on the wall clock; timings go to stderr only.

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFilesAtomic } from '../report/atomic.js';
import { renderMarkdown } from '../report/doc.js';
import { indexDoc, scenarioDoc, type Experiment, type RenderedFigure } from '../report/experiment.js';
import { figureOutputs, figurePointCount, type FigureOutput, type FigurePoint, type ModelPick } from '../report/figures.js';
import type { GanttTrace } from '../report/gantt.js';
import { renderHtml } from '../report/html.js';
import type { Job } from '../report/jobs.js';
import { createPool } from '../report/pool.js';
import { createProgress, type Progress } from '../report/progress.js';
import { cdfCharts, ioChart, scheduleChart, shareChart } from '../report/scenario-charts.js';
import { checkExpectations, RESULTS_SCHEMA, type ModelRun, type Results } from '../metrics/results.js';
import { loadForCli, resolveModels } from './commands.js';

export interface ReportOptions {
  /** Worker threads; 0 runs in this thread. Default: HVSIM_WORKERS, else one per core. */
  workers?: number;
  progress?: Progress;
}

export interface ReportOutcome {
  /** False when an expectation of some scenario failed. */
  ok: boolean;
  timing: { simulateMs: number; renderMs: number; writeMs: number; workers: number; runs: number; figurePoints: number; charts: number };
}

export async function runReport(files: string[], outDir: string, options: ReportOptions = {}): Promise<ReportOutcome> {
  // Load everything first: a bad scenario stops the job before any output is written.
  const scenarios = files.map((f) => loadForCli(f));
  const models: ModelPick[][] = scenarios.map((s) =>
    resolveModels(s, undefined).map((c) => ({ name: c.model.name, ...(c.request ? { request: { params: c.request.params, pointer: c.request.pointer } } : {}) })),
  );
  const progress = options.progress ?? createProgress();
  const pool = createPool({ scenarios, models }, options.workers);
  try {
    // ---- simulate ----
    const t0 = performance.now();
    const jobs: Job[] = [];
    const jobName: string[] = [];
    scenarios.forEach((s, si) => {
      models[si].forEach((m, mi) => {
        jobs.push({ kind: 'run', scenario: si, model: mi });
        jobName.push(`${s.name} ${m.name}`);
      });
      (s.figures ?? []).forEach((f, fi) => {
        for (let p = 0; p < figurePointCount(f); p++) {
          jobs.push({ kind: 'figure', scenario: si, figure: fi, point: p });
          jobName.push(`${s.name} figure ${fi + 1}`);
        }
      });
    });
    progress.phase('simulate', jobs.length);
    const simulated = await pool.run(jobs, (i) => progress.step(jobName[i]));
    const simulateMs = performance.now() - t0;
    const runCount = jobs.filter((j) => j.kind === 'run').length;
    progress.end(`simulated ${runCount} scenario run(s) and ${jobs.length - runCount} figure point(s) in ${(simulateMs / 1000).toFixed(1)} s on ${pool.size || 'no'} worker thread(s)`);

    // ---- assemble results and chart specs, in scenario order ----
    const t1 = performance.now();
    let k = 0;
    const pending = scenarios.map((scenario, si) => {
      const runs: ModelRun[] = [];
      const traces: { model: string; trace: GanttTrace }[] = [];
      for (const m of models[si]) {
        const r = simulated[k++];
        if (r.kind !== 'run') throw new Error('report: job results out of order');
        runs.push(r.run);
        traces.push({ model: m.name, trace: r.gantt });
      }
      const results: Results = {
        schema: RESULTS_SCHEMA,
        scenario: { name: scenario.name, description: scenario.description, durationNs: scenario.durationNs, warmupNs: scenario.warmupNs, seed: scenario.seed },
        runs,
        expectations: checkExpectations(scenario, runs),
      };
      const charts: FigureOutput[] = [...cdfCharts(scenario, results)];
      const share = shareChart(scenario, results);
      if (share) charts.push(share);
      charts.push(scheduleChart(scenario, traces));
      const io = ioChart(results);
      if (io) charts.push(io);
      const findings: string[] = [];
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
      });
      return { scenario, results, charts, findings };
    });

    // ---- render ----
    const renderJobs: Job[] = pending.flatMap((p) => p.charts.map((c) => ({ kind: 'render' as const, spec: c.spec })));
    const renderNames = pending.flatMap((p) => p.charts.map((c) => `${p.scenario.name}/${c.file}`));
    progress.phase('render', renderJobs.length);
    const rendered = await pool.run(renderJobs, (i) => progress.step(renderNames[i]));
    let r = 0;
    const experiments: Experiment[] = pending.map((p) => ({
      scenario: p.scenario,
      results: p.results,
      findings: p.findings,
      figures: p.charts.map((c): RenderedFigure => {
        const out = rendered[r++];
        if (out.kind !== 'render') throw new Error('report: job results out of order');
        return { file: c.file, png: out.png, width: c.spec.width, height: c.spec.height, alt: c.spec.title, caption: c.caption };
      }),
    }));
    const files: Record<string, string | Uint8Array> = {};
    for (const e of experiments) {
      const dir = join(outDir, e.scenario.name);
      const doc = scenarioDoc(e);
      files[join(dir, 'results.json')] = JSON.stringify(e.results, null, 2) + '\n';
      files[join(dir, 'report.md')] = renderMarkdown(doc);
      files[join(dir, 'report.html')] = renderHtml(doc);
      for (const f of e.figures) files[join(dir, f.file)] = f.png;
    }
    const index = indexDoc(experiments);
    files[join(outDir, 'index.md')] = renderMarkdown(index);
    files[join(outDir, 'index.html')] = renderHtml(index);
    const renderMs = performance.now() - t1;
    progress.end(`rendered ${renderJobs.length} chart(s) and ${experiments.length * 2 + 2} document(s) in ${(renderMs / 1000).toFixed(1)} s`);

    // ---- write ----
    const t2 = performance.now();
    for (const e of experiments) removeStaleCharts(join(outDir, e.scenario.name), e.scenario.name, new Set(e.figures.map((f) => f.file)));
    writeFilesAtomic(files);
    const writeMs = performance.now() - t2;

    const failed = experiments.flatMap(({ results }) => results.expectations.filter((e) => !e.ok).map((e) => `${results.scenario.name}: ${e.model} ${e.task} ${e.metric}`));
    for (const f of failed) progress.log(`FAILED expectation ${f}`);
    progress.log(`wrote ${join(outDir, 'index.md')}, ${join(outDir, 'index.html')} and ${experiments.length} scenario folder(s)`);
    return {
      ok: failed.length === 0,
      timing: { simulateMs, renderMs, writeMs, workers: pool.size, runs: runCount, figurePoints: jobs.length - runCount, charts: renderJobs.length },
    };
  } finally {
    await pool.close();
  }
}

/**
 * Charts of a scenario folder that a previous report wrote and this one did not (a task renamed, a
 * figure dropped). Only names this command produces: other commands (isolation) share the folder.
 */
function removeStaleCharts(dir: string, name: string, keep: Set<string>): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const ours = (n: string) => /^cdf-.+\.png$/.test(n) || ['cpu-share.png', 'schedule.png', 'io-latency.png'].includes(n) || (n.startsWith(`${name}-fig`) && n.endsWith('.png'));
  for (const n of names) if (ours(n) && !keep.has(n)) rmSync(join(dir, n), { force: true });
}
