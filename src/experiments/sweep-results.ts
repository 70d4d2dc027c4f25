// What a sweep writes: sweep.json (every point, every model's full results.json run entry or its
// refusal) and sweep.csv (a row per point, model and task), and the partial results of one shard
// (`--shard i/n`) that `hvsim merge` joins. Everything is built from the plan's header and the
// outcomes in job order — never in the order they finished, nor from where they ran (threads, the
// queue, the cache, shards) — and each outcome is taken as its JSON text would read back, so the
// bytes are the same however the points were computed.

import { InputError, describeValue } from '../errors.js';
import { SWEEP_METRICS } from '../metrics/task-metrics.js';
import { hvsimVersion } from './fingerprint.js';
import type { SweepParameter, SweepValue } from './sweep-grid.js';
import type { SweepOutcome } from './sweep-job.js';
import type { SweepPlan } from './sweep-plan.js';

export const SWEEP_SCHEMA = 'hvsim-sweep/1';
export const PARTIAL_SCHEMA = 'hvsim-sweep-partial/1';

/** What the outputs need of the plan: enough for `merge`, which has no scenario file. */
export interface SweepHeader {
  id: string;
  fingerprint: string;
  scenario: SweepPlan['scenario'];
  parameters: SweepParameter[];
  models: string[];
  points: SweepValue[][];
  keys: string[];
}

export interface SweepResults {
  schema: typeof SWEEP_SCHEMA;
  hvsim: string;
  scenario: SweepPlan['scenario'];
  parameters: SweepParameter[];
  models: string[];
  points: { index: number; set: Record<string, SweepValue>; runs: SweepOutcome[] }[];
}

export interface SweepPartial {
  schema: typeof PARTIAL_SCHEMA;
  shard: { index: number; count: number };
  header: SweepHeader;
  /** The shard's jobs, in job order. */
  outcomes: { job: number; outcome: SweepOutcome }[];
}

export function headerOf(plan: SweepPlan): SweepHeader {
  return { id: plan.id, fingerprint: plan.fingerprint, scenario: plan.scenario, parameters: plan.parameters, models: plan.models, points: plan.points, keys: plan.jobs.map((j) => j.key) };
}

/** An outcome as its JSON text reads back (no undefined fields, no -0): one form wherever it came from. */
export function asStored(outcome: SweepOutcome): SweepOutcome {
  return JSON.parse(JSON.stringify(outcome)) as SweepOutcome;
}

/** sweep.json: `outcomes[i]` is job i (point-major, model-minor). */
export function assembleSweep(header: SweepHeader, outcomes: readonly SweepOutcome[]): SweepResults {
  const m = header.models.length;
  return {
    schema: SWEEP_SCHEMA,
    hvsim: header.fingerprint.split('+')[0] ?? hvsimVersion(),
    scenario: header.scenario,
    parameters: header.parameters,
    models: header.models,
    points: header.points.map((values, index) => ({
      index,
      set: Object.fromEntries(header.parameters.map((p, i) => [p.pointer, values[i]])),
      runs: outcomes.slice(index * m, index * m + m).map(asStored),
    })),
  };
}

/** `--shard i/n`: 1 ≤ i ≤ n. Job j belongs to shard (j mod n) + 1, so every shard gets a share of every part of the grid. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^([1-9][0-9]*)\/([1-9][0-9]*)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(index <= count && count <= 100_000)) {
    throw new InputError({ file: '<command line>', pointer: '/shard', expected: 'i/n with 1 <= i <= n (the i-th of n slices), e.g. 3/8', found: describeValue(text) });
  }
  return { index, count };
}

export function shardJobs(jobCount: number, shard: { index: number; count: number }): number[] {
  return Array.from({ length: jobCount }, (_, j) => j).filter((j) => j % shard.count === shard.index - 1);
}

export function partialOf(header: SweepHeader, shard: { index: number; count: number }, outcomes: ReadonlyMap<number, SweepOutcome>): SweepPartial {
  return { schema: PARTIAL_SCHEMA, shard, header, outcomes: [...outcomes.entries()].sort((a, b) => a[0] - b[0]).map(([job, outcome]) => ({ job, outcome: asStored(outcome) })) };
}

/**
 * `hvsim merge`: partial results of one plan (same id: same scenario, grid, models and simulator)
 * covering every job, in any order and any shard count; a job given twice must agree.
 */
export function mergePartials(partials: readonly { file: string; data: unknown }[]): SweepResults {
  let header: SweepHeader | undefined;
  let first = '';
  const outcomes = new Map<number, string>();
  for (const { file, data } of partials) {
    const p = data as Partial<SweepPartial>;
    if (typeof p !== 'object' || p === null || p.schema !== PARTIAL_SCHEMA || !p.header || !Array.isArray(p.outcomes)) {
      throw new InputError({ file, pointer: '/schema', expected: `a partial sweep result (schema ${PARTIAL_SCHEMA}, written by \`hvsim sweep --shard i/n\`)`, found: describeValue(p?.schema) });
    }
    if (header === undefined) {
      header = p.header;
      first = file;
    } else if (p.header.id !== header.id) {
      const what = p.header.fingerprint !== header.fingerprint ? `hvsim ${p.header.fingerprint}, not ${header.fingerprint} as ${first}` : `another scenario, grid or model list than ${first}`;
      throw new InputError({ file, pointer: '/header/id', expected: `a shard of the sweep of ${first} (${header.id.slice(0, 12)})`, found: `${p.header.id.slice(0, 12)}: ${what}` });
    }
    for (const { job, outcome } of p.outcomes) {
      const text = JSON.stringify(outcome);
      const before = outcomes.get(job);
      if (before !== undefined && before !== text) {
        throw new InputError({ file, pointer: `/outcomes`, expected: `job ${job} to agree with the other partial results`, found: 'a different result' });
      }
      outcomes.set(job, text);
    }
  }
  if (header === undefined) throw new InputError({ file: '<command line>', pointer: '/partials', expected: 'one or more partial results', found: 'none' });
  const missing = header.keys.map((_, j) => j).filter((j) => !outcomes.has(j));
  if (missing.length > 0) {
    throw new InputError({ file: '<command line>', pointer: '/partials', expected: `partial results covering all ${header.keys.length} jobs`, found: `${missing.length} missing (jobs ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''})`, hint: 'give every shard\'s file' });
  }
  return assembleSweep(header, header.keys.map((_, j) => JSON.parse(outcomes.get(j)!) as SweepOutcome));
}

// ---- metrics and CSV ---------------------------------------------------------------------------

const CSV_METRICS = ['missed', 'missRatio', 'response.p50', 'response.p99', 'response.max', 'wakeup.p99', 'wakeup.max', 'tardiness.max', 'cpuShare'];

function csvField(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** sweep.csv: a row per point, model and task (times in ns); a refused model is one row with its reason. */
export function sweepCsv(results: SweepResults): string {
  const head = ['point', ...results.parameters.map((p) => p.pointer), 'model', 'status', 'task', 'released', 'completed', 'judged', ...CSV_METRICS.map((m) => (SWEEP_METRICS[m].ns ? `${m}Ns` : m)), 'reason'];
  const rows = [head.map(csvField).join(',')];
  for (const point of results.points) {
    const set = results.parameters.map((p) => point.set[p.pointer]);
    for (const outcome of point.runs) {
      if ('refused' in outcome) {
        rows.push([point.index, ...set, outcome.model, 'refused', '', '', '', '', ...CSV_METRICS.map(() => ''), outcome.refused].map(csvField).join(','));
        continue;
      }
      for (const t of outcome.run.tasks) {
        rows.push([point.index, ...set, outcome.model, 'ok', t.id, t.released, t.completed, t.judged, ...CSV_METRICS.map((m) => SWEEP_METRICS[m].of(t)), ''].map(csvField).join(','));
      }
    }
  }
  return rows.join('\n') + '\n';
}
