// npm run bench (second part): the full `npm start` workload — every bundled scenario, its models
// and figure sweeps, all charts and documents — timed phase by phase, written to a scratch folder.
// The split shows where the time goes: simulation (worker threads) vs rendering (charts, HTML).

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectScenarioFiles } from '../src/experiments/load.js';
import { runReport } from '../src/cli/report-command.js';

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const files = collectScenarioFiles(join(root, 'scenarios'));
  const out = mkdtempSync(join(tmpdir(), 'hvsim-bench-report-'));
  const quiet = { phase() {}, step() {}, end() {}, log() {} };
  const started = performance.now();
  try {
    const { timing: t } = await runReport(files, out, { progress: quiet });
    const total = performance.now() - started;
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`\n## Report generation (npm start workload)\n`);
    console.log(`Machine: ${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown CPU'}; ${t.workers} worker thread(s).\n`);
    console.log('| phase | work | wall |\n|---|---|---|');
    console.log(`| simulate | ${t.runs} scenario runs + ${t.figurePoints} figure points (${files.length} scenarios) | ${s(t.simulateMs)} |`);
    console.log(`| render | ${t.charts} charts + documents | ${s(t.renderMs)} |`);
    console.log(`| write | files | ${s(t.writeMs)} |`);
    console.log(`| total | including loading and worker start-up | ${s(total)} |`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

await main();
