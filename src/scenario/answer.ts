// The scenario's `answer`: which metric of which tasks, I/O loads or VMUs answers its question, and
// the phenomenon whose rule each model explains. Resolved here against the scenario so a report
// never meets an id it cannot find or a bound it cannot judge: each mistake is one pointed error.

import { describeValue } from '../errors.js';
import type { Checker } from './checks.js';
import { didYouMean } from './suggest.js';
import type { Answer, AnswerMetric, AnswerTarget, FigureRequest, HostThreadSpec, Ns, VmuSpec } from './types.js';
import type { ChainSpec, FlowSpec } from '../engine/system.js';
import type { RawScenario } from './schema.js';

type RawAnswer = NonNullable<RawScenario['answer']>;

/** What each metric can be measured on. */
const SUBJECTS: Record<AnswerMetric, readonly AnswerTarget['subject'][]> = {
  misses: ['flow', 'chain', 'io', 'task'],
  p99: ['flow', 'chain', 'io', 'task'],
  max: ['flow', 'chain', 'io', 'task'],
  'wakeup-max': ['task'],
  share: ['vmu'],
};

const SUBJECT_WORDS: Record<AnswerTarget['subject'], string> = { flow: 'a flow', chain: 'a request chain', io: 'an I/O load', task: 'a task or host thread', vmu: 'a VMU' };

export function normalizeAnswer(raw: RawAnswer, vmus: readonly VmuSpec[], hostThreads: readonly HostThreadSpec[], flowSpecs: readonly FlowSpec[], chainSpecs: readonly ChainSpec[], figures: readonly FigureRequest[], check: Checker): Answer {
  const pointer = '/answer';
  const kind = raw.kind ?? 'holds';
  const metric = raw.metric;
  const bound = raw.bound === undefined ? null : check.positiveDuration(raw.bound, `${pointer}/bound`);
  if (bound !== null && (metric === 'misses' || metric === 'share')) {
    check.fail(`${pointer}/bound`, `no bound for ${metric} (a miss is judged against each deadline; a share against the VMU's reservation)`, describeValue(raw.bound));
  }
  if (kind === 'compares' && raw.of.length !== 2) {
    check.fail(`${pointer}/of`, 'exactly two targets for kind "compares" (the first compared with the second)', `${raw.of.length}`);
  }

  if (kind === 'breaks') checkBreaks(raw, figures, check);
  const flows = new Map(flowSpecs.map((f) => [f.id, f.deadline] as const));
  const chains = new Map(chainSpecs.map((c) => [c.id, c.deadline] as const));
  const io = new Map(vmus.flatMap((v) => v.io.map((l) => [l.id, l.deadline] as const)));
  const tasks = new Map([...vmus.flatMap((v) => v.tasks), ...hostThreads].map((t) => [t.id, t.deadline] as const));
  const reserved = new Map(vmus.map((v) => [v.id, v.sla !== undefined] as const));
  const allowed = SUBJECTS[metric];
  const known = [...(allowed.includes('flow') ? flows.keys() : []), ...(allowed.includes('chain') ? chains.keys() : []), ...(allowed.includes('io') ? io.keys() : []), ...(allowed.includes('task') ? tasks.keys() : []), ...(allowed.includes('vmu') ? reserved.keys() : [])];

  const of = raw.of.map((id, i): AnswerTarget => {
    const at = `${pointer}/of/${i}`;
    // An I/O load's guest handler task carries the load's id: the load (end to end) is what is meant.
    const subject = allowed.find((s) => (s === 'flow' ? flows.has(id) : s === 'chain' ? chains.has(id) : s === 'io' ? io.has(id) : s === 'task' ? tasks.has(id) : reserved.has(id)));
    if (subject === undefined) {
      check.fail(at, `the id of ${allowed.map((s) => SUBJECT_WORDS[s]).join(' or ')} (metric ${metric})`, describeValue(id), didYouMean(id, known));
    }
    const deadline: Ns = subject === 'flow' ? flows.get(id)! : subject === 'chain' ? chains.get(id)! : subject === 'io' ? io.get(id)! : subject === 'task' ? tasks.get(id)! : Infinity;
    if (subject === 'vmu') {
      if (kind === 'holds' && !reserved.get(id)) check.fail(at, 'a VMU with an SLA (its share is judged against its reservation)', `${describeValue(id)}, best effort`);
      return { id, subject, boundNs: null };
    }
    if (metric === 'misses') {
      if (!Number.isFinite(deadline)) check.fail(at, `a target with a deadline (metric misses)`, `${describeValue(id)}, without one`);
      return { id, subject, boundNs: null };
    }
    const boundNs = bound ?? (Number.isFinite(deadline) && metric !== 'wakeup-max' ? deadline : null);
    if (kind === 'holds' && boundNs === null) {
      check.fail(`${pointer}/bound`, `a bound for ${metric} of ${id} (it has no deadline to judge by${metric === 'wakeup-max' ? '; a wake-up is never judged by the deadline' : ''})`, 'none');
    }
    return { id, subject, boundNs };
  });
  return { kind, metric, of, bound, because: raw.because, pointer };
}

/**
 * kind breaks: the answer is read off a throughput-sweep figure (src/report/throughput-figure.ts),
 * so its metric is misses (a guarantee holds or not) and its targets are flows that figure sweeps.
 */
function checkBreaks(raw: RawAnswer, figures: readonly FigureRequest[], check: Checker): void {
  if (raw.metric !== 'misses') check.fail('/answer/metric', 'misses for kind "breaks" (a guarantee either holds at a throughput or not)', describeValue(raw.metric));
  const sweep = figures.find((f) => f.kind === 'throughput-sweep');
  if (sweep === undefined) check.fail('/answer/kind', 'a scenario with a throughput-sweep figure for kind "breaks" (the throughputs it judges at)', 'no such figure', 'add figures: [{ kind: throughput-sweep, flows, throughputs }] or use kind holds');
  raw.of.forEach((id, i) => {
    if (!sweep.flows.includes(id)) check.fail(`/answer/of/${i}`, `a flow the throughput-sweep figure sweeps (${sweep.flows.join(', ')})`, describeValue(id), didYouMean(id, sweep.flows));
  });
}
