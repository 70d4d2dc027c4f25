// Worker-thread entry of the report pipeline (`report`, `compare`, `run --out`): the simulation jobs
// of src/experiments and the chart rendering of src/report on one pool, so one set of threads
// serves both phases. It sits in the CLI layer because it is the one module that needs both.

import { runExperimentJob, type ExperimentInput, type ExperimentJob, type ExperimentResult } from '../experiments/jobs.js';
import { serveJobs, type JobRunner } from '../experiments/pool.js';
import { codeUrl } from '../code-root.js';
import { renderChart, type ChartSpec } from '../report/charts.js';

export type ReportJob = ExperimentJob | { kind: 'render'; spec: ChartSpec };
export type ReportJobResult = ExperimentResult | { kind: 'render'; png: Uint8Array };

export function runReportJob(input: ExperimentInput, job: ReportJob): ReportJobResult {
  return job.kind === 'render' ? { kind: 'render', png: renderChart(job.spec) } : runExperimentJob(input, job);
}

export const reportJobRunner: JobRunner<ExperimentInput, ReportJob, ReportJobResult> = {
  workerUrl: codeUrl('src/cli/report-worker.js'), // this module, compiled (src/code-root.ts: also from the bundle)
  runHere: runReportJob,
};

// PNG bytes are moved, not copied.
serveJobs(runReportJob, (result) => (result.kind === 'render' ? [result.png.buffer as ArrayBuffer] : []));
