// The first sentence of a reading: the answer to the scenario's question, computed from the results
// for the metric its `answer` names (src/scenario/answer.ts), and why — each model's own rule for the
// phenomenon the answer names (ModelRun.causes, from the model's HostBuild.explain). No number is
// written by hand, so the sentence flips when the results do.

import { flowLost } from '../metrics/flow-results.js';
import type { ModelRun } from '../metrics/results.js';
import type { Answer, AnswerTarget, Scenario } from '../scenario/types.js';
import { fmtNs, fmtPct, listText } from './format.js';

/** One target's value under one model, and whether it held its bound. */
interface Measure {
  /** The number shown (ns, a ratio or a share); null when nothing completed. */
  value: number | null;
  holds: boolean;
  /** How far from holding, comparable across targets (value / bound, miss ratio, share deficit). */
  badness: number;
}

function measure(run: ModelRun, answer: Answer, target: AnswerTarget): Measure {
  const { metric } = answer;
  if (target.subject === 'vmu') {
    const v = run.vmus.find((x) => x.id === target.id);
    if (!v) return { value: null, holds: false, badness: Infinity };
    const reserved = v.reservedShare ?? 0;
    // Half a percent of a CPU: the accounting of a window's edges, not a shortfall.
    const deficit = reserved - v.cpuShare;
    return { value: v.cpuShare, holds: deficit <= 0.005, badness: deficit };
  }
  if (target.subject === 'flow') {
    const f = run.flows?.find((x) => x.id === target.id);
    if (!f) return { value: null, holds: false, badness: Infinity };
    // A packet lost on the way never meets its deadline: losses count with late deliveries.
    const lost = flowLost(f);
    if (metric === 'misses') {
      const ratio = f.sent === 0 ? 0 : (lost + f.missRatio * f.delivered) / f.sent;
      return { value: ratio, holds: ratio === 0, badness: ratio };
    }
    if (f.delivered === 0) return { value: null, holds: f.sent === 0, badness: f.sent === 0 ? 0 : Infinity };
    return bounded(metric === 'p99' ? f.latency.p99Ns : f.latency.maxNs, target.boundNs);
  }
  if (target.subject === 'chain') {
    const c = run.chains?.find((x) => x.id === target.id);
    if (!c) return { value: null, holds: false, badness: Infinity };
    // A request whose packet was lost never ends: it misses with the late ones. A failed request
    // (a stage's VMU not running) is already among `missed` (chain-results.ts).
    if (metric === 'misses') {
      const ratio = c.requests === 0 ? 0 : (c.lost + c.missed) / c.requests;
      return { value: ratio, holds: ratio === 0, badness: ratio };
    }
    if (c.completed === 0) return { value: null, holds: c.requests === 0, badness: c.requests === 0 ? 0 : Infinity };
    return bounded(metric === 'p99' ? c.latency.p99Ns : c.latency.maxNs, target.boundNs);
  }
  if (target.subject === 'io') {
    const io = run.io.find((x) => x.id === target.id);
    if (!io) return { value: null, holds: false, badness: Infinity };
    if (io.completed === 0) return { value: null, holds: io.requests === 0, badness: io.requests === 0 ? 0 : Infinity };
    if (metric === 'misses') return { value: io.missRatio, holds: io.missed === 0, badness: io.missRatio };
    return bounded(metric === 'p99' ? io.latency.p99Ns : io.latency.maxNs, target.boundNs);
  }
  const t = run.tasks.find((x) => x.id === target.id);
  if (!t) return { value: null, holds: false, badness: Infinity };
  if (metric === 'misses') return { value: t.missRatio, holds: t.missed === 0, badness: t.missRatio };
  if (metric === 'wakeup-max') return t.wakeup.count === 0 ? { value: null, holds: false, badness: Infinity } : bounded(t.wakeup.maxNs, target.boundNs);
  if (t.response.count === 0) return { value: null, holds: t.judged === 0, badness: t.judged === 0 ? 0 : Infinity };
  return bounded(metric === 'p99' ? t.response.p99Ns : t.response.maxNs, target.boundNs);
}

function bounded(value: number, bound: number | null): Measure {
  if (bound === null) return { value, holds: true, badness: 0 };
  return { value, holds: value <= bound, badness: value / bound };
}

/** "p99 latency of requests", "worst wake-up latency of task-coarse", "CPU share of web". */
function metricNoun(answer: Answer, targets: AnswerTarget[]): string {
  const io = targets.every((t) => t.subject === 'io' || t.subject === 'flow' || t.subject === 'chain');
  const noun: Record<Answer['metric'], string> = {
    misses: 'deadlines',
    p99: io ? 'p99 latency' : 'p99 response time',
    max: io ? 'worst latency' : 'worst response time',
    'wakeup-max': 'worst wake-up latency',
    share: 'CPU share',
  };
  return `${noun[answer.metric]} of ${listText(targets.map((t) => t.id))}`;
}

function valueText(answer: Answer, value: number | null): string {
  if (value === null) return 'none completed';
  if (answer.metric === 'misses') return fmtPct(value, value >= 0.1 || value === 0 ? 0 : 2);
  if (answer.metric === 'share') return fmtPct(value, 1);
  return fmtNs(value);
}

function rangeText(answer: Answer, values: (number | null)[]): string {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return valueText(answer, null);
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  const span = lo === hi ? valueText(answer, lo) : `${valueText(answer, lo)}–${valueText(answer, hi)}`;
  return known.length < values.length ? `${span}; under some none completed` : span;
}

/** The bound as words: "its 10 ms deadline", "their deadlines", "7.5 ms". */
function boundText(answer: Answer): string {
  const bounds = [...new Set(answer.of.map((t) => t.boundNs))];
  if (answer.bound !== null) return fmtNs(answer.bound);
  if (bounds.length === 1 && bounds[0] !== null) return `${answer.of.length === 1 ? 'its' : 'their'} ${fmtNs(bounds[0])} deadline`;
  return 'their deadlines';
}

const modelsText = (xs: { run: ModelRun }[], all: number) => (xs.length === all && all > 2 ? 'every model' : listText(xs.map((x) => x.run.model)));

/** "under a, rule (ref); under b and c, rule (ref)": models with the same rule cited together. */
export function causesText(runs: ModelRun[], answer: Answer): string {
  const groups = new Map<string, string[]>();
  for (const run of runs) {
    const cause = run.causes?.[answer.because];
    const text = cause ? `${cause.rule} (${cause.ref})` : `no rule recorded for ${answer.because}`;
    groups.set(text, [...(groups.get(text) ?? []), run.model]);
  }
  return [...groups].map(([text, models]) => `under ${listText(models)}, ${text}`).join('; ');
}

/**
 * device-scheduling: the rule is the device scheduler's, which belongs to the target's host, not to
 * the model — "under the fifo device scheduler (video-fifo), rule (ref); …", schedulers in the
 * order of the targets. Null when a target is no storage stream (the models' own rules serve then).
 */
function deviceCausesText(scenario: Scenario, answer: Answer, runs: ModelRun[]): string | null {
  const groups = new Map<string, { scheduler: string; targets: string[]; text: string }>();
  for (const t of answer.of) {
    const vmu = scenario.vmus.find((v) => v.io.some((l) => l.id === t.id && l.storage !== undefined));
    const storage = vmu && scenario.hosts.find((h) => h.id === vmu.host)?.storage;
    // The host's rule, recorded by every run alike (results.ts deviceCauses).
    const cause = vmu && runs[0]?.deviceCauses?.[vmu.host];
    if (!storage || !cause) return null;
    const text = `${cause.rule} (${cause.ref})`;
    const key = `${storage.scheduler}\n${text}`;
    const g = groups.get(key) ?? { scheduler: storage.scheduler, targets: [], text };
    g.targets.push(t.id);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => `under the ${g.scheduler} device scheduler (${listText(g.targets)}), ${g.text}`).join('; ');
}

/** Why, after the answer: each model's rule for the phenomenon, or the device schedulers' for device-scheduling. */
function whyText(scenario: Scenario, answer: Answer, runs: ModelRun[]): string {
  return (answer.because === 'device-scheduling' ? deviceCausesText(scenario, answer, runs) : null) ?? causesText(runs, answer);
}

function holdsSentence(answer: Answer, runs: ModelRun[], why: (runs: ModelRun[]) => string): string {
  const per = runs.map((run) => {
    const measures = answer.of.map((t) => ({ target: t, ...measure(run, answer, t) }));
    const worst = measures.reduce((a, b) => (b.badness > a.badness ? b : a));
    return { run, failing: measures.filter((m) => !m.holds), worst };
  });
  const held = per.filter((p) => p.failing.length === 0);
  const failed = per.filter((p) => p.failing.length > 0);
  const noun = metricNoun(answer, answer.of);
  const ids = listText(answer.of.map((t) => t.id));
  const values = (xs: typeof per) => rangeText(answer, xs.map((x) => x.worst.value));
  const heldWho = failed.length === 0 ? modelsText(held, runs.length) : listText(held.map((p) => p.run.model));
  const heldPart =
    answer.metric === 'misses'
      ? `every deadline of ${ids} was met under ${heldWho}`
      : answer.metric === 'share'
        ? `the ${noun} reached its reservation under ${heldWho} (${values(held)})`
        : `the ${noun} stayed within ${boundText(answer)} under ${heldWho} (${values(held)})`;
  let failedPart: string;
  if (answer.metric === 'misses') {
    // Which targets missed, per group of models with the same ones: "a and b missed deadlines under x (up to 5 % of b's jobs)".
    const groups = new Map<string, typeof failed>();
    for (const p of failed) {
      const key = listText(p.failing.map((m) => m.target.id));
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    failedPart = [...groups]
      .map(([who, ps], i) => {
        const worst = ps.flatMap((p) => p.failing).reduce((a, b) => (b.badness > a.badness ? b : a));
        const of = worst.target.subject === 'task' ? `the jobs of ${worst.target.id}` : worst.target.subject === 'flow' ? `the packets of ${worst.target.id}, lost or late` : worst.target.subject === 'chain' ? `the requests of chain ${worst.target.id}, lost, failed or late` : /requests$/.test(worst.target.id) ? worst.target.id : `the requests of ${worst.target.id}`;
        const how = worst.value === null ? `${of.replace(/^the /, '')}: none completed` : `up to ${valueText(answer, worst.value)} of ${of}`;
        return `${who} ${i === 0 ? 'missed deadlines ' : ''}under ${listText(ps.map((p) => p.run.model))} (${how})`;
      })
      .join(', and ');
  } else {
    const verb = held.length === 0 ? (answer.metric === 'share' ? `the ${noun} fell short of its reservation` : `the ${noun} exceeded ${boundText(answer)}`) : answer.metric === 'share' ? 'fell short of it' : 'exceeded it';
    failedPart = `${verb} under ${held.length === 0 ? modelsText(failed, runs.length) : listText(failed.map((p) => p.run.model))} (${values(failed)})`;
  }
  // No model held every target: say which targets every model held, so the misses read against them.
  const alwaysHeld = answer.of.filter((t) => failed.every((p) => !p.failing.some((m) => m.target.id === t.id))).map((t) => t.id);
  const noneHeld = answer.metric === 'misses' && alwaysHeld.length > 0 ? `every deadline of ${listText(alwaysHeld)} was met under ${modelsText(per, runs.length)}, and ${failedPart}` : failedPart;
  const split = answer.metric === 'misses' ? null : splitByTarget(answer, per);
  const head = split ?? (failed.length === 0 ? heldPart : held.length === 0 ? noneHeld : `${heldPart}, and ${failedPart}`);
  // Why: the failing models' rules first (what caused the misses), then the others'.
  return `${capitalise(head)}: ${why([...failed, ...held].map((p) => p.run))}.`;
}

/**
 * When the targets are the variants the question compares (one stream per device scheduler, say)
 * and every model agrees on which of them hold, the answer is per target, not per model: "the p99
 * latency of a stayed within its 150 ms deadline under every model (…), and that of b and c
 * exceeded it (…)". Null when the models disagree or every target holds (or none does).
 */
function splitByTarget(answer: Answer, per: { run: ModelRun; failing: { target: AnswerTarget }[] }[]): string | null {
  const failingKey = (p: (typeof per)[number]) => p.failing.map((m) => m.target.id).join(',');
  const first = failingKey(per[0]);
  if (per.some((p) => failingKey(p) !== first) || per[0].failing.length === 0 || per[0].failing.length === answer.of.length) return null;
  const failing = new Set(per[0].failing.map((m) => m.target.id));
  const runs = per.map((p) => p.run);
  const values = (targets: AnswerTarget[]) => rangeText(answer, runs.flatMap((run) => targets.map((t) => measure(run, answer, t).value)));
  const heldTargets = answer.of.filter((t) => !failing.has(t.id));
  const failedTargets = answer.of.filter((t) => failing.has(t.id));
  const everyModel = modelsText(runs.map((run) => ({ run })), runs.length);
  const within = answer.metric === 'share' ? 'reached its reservation' : `stayed within ${boundText({ ...answer, of: heldTargets })}`;
  const beyond = answer.metric === 'share' ? 'fell short of it' : 'exceeded it';
  return `the ${metricNoun(answer, heldTargets)} ${within} under ${everyModel} (${values(heldTargets)}), and that of ${listText(failedTargets.map((t) => t.id))} ${beyond} (${values(failedTargets)})`;
}

function comparesSentence(answer: Answer, runs: ModelRun[], why: (runs: ModelRun[]) => string): string {
  const [a, b] = answer.of;
  // Over twice, or under half: a difference the period or the rule explains, not noise.
  const classify = (x: number, y: number) => (x > 2 * y && x - y > 100_000 ? 'higher' : y > 2 * x && y - x > 100_000 ? 'lower' : 'same');
  const per = runs.map((run) => ({ run, x: measure(run, answer, a).value, y: measure(run, answer, b).value }));
  const known = per.filter((p): p is typeof p & { x: number; y: number } => p.x !== null && p.y !== null);
  const noun = metricNoun(answer, [a]);
  const parts: string[] = [];
  const order: { key: string; words: string }[] = [
    { key: 'higher', words: `over twice ${b.id}’s` },
    { key: 'same', words: `about the same as ${b.id}’s` },
    { key: 'lower', words: `under half ${b.id}’s` },
  ];
  const grouped = order.map((o) => ({ ...o, runs: known.filter((p) => classify(p.x, p.y) === o.key) })).filter((g) => g.runs.length > 0);
  for (const g of grouped) {
    const range = `${rangeText(answer, g.runs.map((p) => p.x))} against ${rangeText(answer, g.runs.map((p) => p.y))}`;
    parts.push(`${g.words} under ${modelsText(g.runs, runs.length)} (${range})`);
  }
  const missing = per.filter((p) => p.x === null || p.y === null);
  if (missing.length > 0) parts.push(`not measured under ${listText(missing.map((p) => p.run.model))} (no job completed)`);
  const ordered = grouped.flatMap((g) => g.runs.map((p) => p.run)).concat(missing.map((p) => p.run));
  return `The ${noun} was ${listText(parts)}: ${why(ordered)}.`;
}

/**
 * The reading's first sentence, or null when the scenario names no answer (or no model ran). For
 * kind breaks the head comes from the throughput sweep (`figureAnswer`, src/report/throughput-figure.ts);
 * without it (figures not drawn) there is no answer to give.
 */
export function answerSentence(scenario: Scenario, runs: ModelRun[], figureAnswer?: string): string | null {
  const answer = scenario.answer;
  if (!answer || runs.length === 0) return null;
  const why = (ordered: ModelRun[]) => whyText(scenario, answer, ordered);
  if (answer.kind === 'breaks') return figureAnswer === undefined ? null : `${figureAnswer}: ${why(runs)}.`;
  return answer.kind === 'holds' ? holdsSentence(answer, runs, why) : comparesSentence(answer, runs, why);
}

function capitalise(s: string): string {
  // Only our own words are capitalised: an id keeps its case.
  return /^(every|the) /.test(s) ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}
