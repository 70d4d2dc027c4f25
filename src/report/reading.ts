// The one-paragraph reading of an experiment, written from its numbers: which stack met each task's
// deadlines and by what margin, which missed and by how much, whom the misses can be blamed on
// (a reserved VMU that received less than its reservation), the expectations' verdict, and what
// the extra figures found.

import type { ModelRun, Results, TaskResult } from '../metrics/results.js';
import { describeExpectation } from '../metrics/expectations.js';
import type { Scenario } from '../scenario/types.js';
import { fmtNs, fmtPct, listText } from './format.js';

export { listText };
import { flowSentences } from './flows.js';
import { bootSentences } from './boot-reading.js';

import { answerSentence } from './answer.js';

const times = (x: number) => `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`;

/** What a model's misses look like; models with the same text are reported together. */
function missDetail(t: TaskResult, deadline: number): string {
  const share = `${fmtPct(t.missRatio, t.missRatio >= 0.1 ? 0 : 2)} of ${t.judged} jobs`;
  if (t.response.count === 0) return `${share} and completed none`;
  const useP99 = t.response.p99Ns > deadline;
  const value = useP99 ? t.response.p99Ns : t.response.maxNs;
  return `${share}, with ${useP99 ? 'p99' : 'worst'} response ${fmtNs(value)}, ${times(value / deadline)} the deadline`;
}

function taskSentence(id: string, deadline: number, runs: ModelRun[]): string | null {
  const per = runs.map((r) => ({ model: r.model, t: r.tasks.find((x) => x.id === id)! })).filter((x) => x.t && x.t.judged > 0);
  if (per.length === 0) return null;
  const met = per.filter((x) => x.t.missed === 0);
  // Worst first; equal outcomes grouped, models in their run order.
  const missed = per.filter((x) => x.t.missed > 0).sort((a, b) => b.t.missRatio - a.t.missRatio);
  const parts: string[] = [];
  if (met.length > 0) {
    const worst = Math.max(...met.map((x) => x.t.response.maxNs));
    const best = Math.min(...met.map((x) => x.t.response.maxNs));
    const range = worst === best ? fmtNs(worst) : `${fmtNs(best)}–${fmtNs(worst)}`;
    const margin = 1 - worst / deadline;
    const who = met.length === per.length ? (per.length > 2 ? 'every model' : listText(met.map((x) => x.model))) : listText(met.map((x) => x.model));
    parts.push(`${who} met every deadline of ${id} (worst response ${range} against ${fmtNs(deadline)}, a margin of ${fmtPct(margin, 0)} at least)`);
  }
  const groups = new Map<string, string[]>();
  for (const m of missed) {
    const detail = missDetail(m.t, deadline);
    groups.set(detail, [...(groups.get(detail) ?? []), m.model]);
  }
  for (const [detail, models] of groups) parts.push(`${listText(models)} ${models.length > 1 ? 'each ' : ''}missed ${detail}`);
  const sentence = parts.join('; ');
  return met.length === 0 ? `No model met every deadline of ${id}: ${sentence}` : sentence;
}

/**
 * Reserved VMUs short of CPU: under a model where one of its tasks missed, the VMU received less
 * than its reservation and less than under a model where its tasks met every deadline — so the
 * misses come with CPU time withheld, not only with latency.
 */
function shortchanged(scenario: Scenario, runs: ModelRun[]): string[] {
  const out: string[] = [];
  const missedIn = (run: ModelRun, v: Scenario['vmus'][number]) => v.tasks.some((t) => (run.tasks.find((x) => x.id === t.id)?.missed ?? 0) > 0);
  for (const v of scenario.vmus) {
    const good = runs.filter((run) => !missedIn(run, v)).map((run) => ({ model: run.model, share: run.vmus.find((x) => x.id === v.id)?.cpuShare ?? 0 }));
    if (good.length === 0) continue;
    const ref = good.reduce((a, b) => (b.share > a.share ? b : a));
    for (const run of runs) {
      const r = run.vmus.find((x) => x.id === v.id);
      if (!r || r.reservedShare === null || !missedIn(run, v)) continue;
      if (r.cpuShare < r.reservedShare - 0.01 && r.cpuShare < ref.share - 0.01) {
        out.push(`${run.model} gave ${v.id} ${fmtPct(r.cpuShare, 1)} of a CPU (${fmtPct(r.reservedShare, 1)} reserved; ${fmtPct(ref.share, 1)} under ${ref.model}, which met its deadlines)`);
      }
    }
  }
  return out;
}

export function readingText(scenario: Scenario, results: Results, findings: string[], figureAnswer?: string): string {
  const runs = results.runs;
  const tasks = [...scenario.vmus.flatMap((v) => v.tasks), ...scenario.hostThreads];
  const sentences: string[] = [];
  const allMet: string[] = [];
  // Flows come first: a scenario with flows asks about its packets (src/report/flows.ts).
  const flows = flowSentences(scenario, runs);
  for (const t of tasks) {
    const judged = runs.some((r) => (r.tasks.find((x) => x.id === t.id)?.judged ?? 0) > 0);
    if (!judged || !Number.isFinite(t.deadline)) continue;
    const everyoneMet = runs.every((r) => (r.tasks.find((x) => x.id === t.id)?.missed ?? 0) === 0);
    if (everyoneMet && runs.length > 1) {
      allMet.push(t.id);
      continue;
    }
    const s = taskSentence(t.id, t.deadline, runs);
    if (s) sentences.push(capitalise(s) + '.'); // ids keep their case: only our own words are capitalised
  }
  if (allMet.length > 0) {
    const tight = tightest(allMet, tasks, runs);
    const lead = sentences.length === 0 ? 'Every model met every deadline of every task' : `Every model met every deadline of ${listText(allMet)}`;
    sentences.unshift(`${lead}${tight ? ` (tightest: ${tight})` : ''}.`);
  }
  const short = shortchanged(scenario, runs);
  if (short.length > 0) sentences.push(`${listText(short)}.`);
  const failed = results.expectations.filter((e) => !e.ok);
  if (results.expectations.length > 0) {
    sentences.push(
      failed.length === 0
        ? `${results.expectations.length === 1 ? 'The expectation' : results.expectations.length === 2 ? 'Both expectations' : `All ${results.expectations.length} expectations`} of the scenario held.`
        : `${failed.length} of ${results.expectations.length} expectations FAILED: ${failed.map(describeExpectation).join('; ')}.`,
    );
  }
  sentences.push(...findings);
  sentences.unshift(...flows, ...bootSentences(scenario, runs));
  // The answer to the question comes first, then the flows and the boots, then the per-task detail.
  const answer = answerSentence(scenario, runs, figureAnswer);
  if (answer) sentences.unshift(answer);
  if (sentences.length === 0) return 'No task of this scenario has deadlines to judge.';
  return sentences.join(' ');
}

/** The smallest deadline margin among the given tasks over all models, as text. */
function tightest(ids: string[], tasks: { id: string; deadline: number }[], runs: ModelRun[]): string | null {
  let best: { margin: number; text: string } | null = null;
  for (const id of ids) {
    const deadline = tasks.find((t) => t.id === id)!.deadline;
    for (const r of runs) {
      const t = r.tasks.find((x) => x.id === id);
      if (!t || t.response.count === 0) continue;
      const margin = 1 - t.response.maxNs / deadline;
      if (best === null || margin < best.margin) {
        best = { margin, text: `${id} under ${r.model}, worst response ${fmtNs(t.response.maxNs)} against ${fmtNs(deadline)}` };
      }
    }
  }
  return best?.text ?? null;
}

function capitalise(s: string): string {
  return /^(every|no) /.test(s) ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}
