// `expect:` and `regress:` after schema validation: each entry's subject resolved (a task, VMU or
// I/O load of this scenario), its metric checked against the subject's kind, bounds and absolute
// tolerances read in the metric's unit (a duration for nanoseconds), percentages parsed. Every
// refusal names the field (JSON pointer), what was expected and what was found.

import { describeValue } from '../errors.js';
import type { Checker } from './checks.js';
import { METRICS, metricApplies, metricsFor, type MetricName, type MetricSubject } from './metric-names.js';
import type { RawScenario } from './schema.js';
import { didYouMean } from './suggest.js';
import type { Expectation, MetricSubjectRef, Ns, Tolerance, VmuSpec } from './types.js';
import { formatDuration } from './units.js';

type RawExpectation = NonNullable<RawScenario['expect']>[number];
type RawTolerance = NonNullable<NonNullable<RawScenario['regress']>['tolerances']>[number];
type RawSubject = { task?: string; vmu?: string; io?: string; flow?: string; chain?: string };

/** What the entries may refer to. */
export interface ExpectationContext {
  taskIds: readonly string[];
  /** Packet flows' ids (they share the task namespace). */
  flowIds: readonly string[];
  /** Request chains' ids (they share the task namespace too). */
  chainIds: readonly string[];
  vmus: readonly VmuSpec[];
  checkModel(name: string, pointer: string): void;
  check: Checker;
}

export function normalizeExpectation(raw: RawExpectation, pointer: string, ctx: ExpectationContext): Expectation {
  const check: Checker = ctx.check;
  if (raw.model !== undefined) ctx.checkModel(raw.model, `${pointer}/model`);
  if (raw.refused !== undefined) {
    // An admission verdict concerns the model alone: nothing to measure.
    const extra = (['task', 'io', 'flow', 'chain', 'metric', 'min', 'max', 'below', 'above', 'factor'] as const).find((f) => raw[f] !== undefined);
    if (extra !== undefined) check.fail(`${pointer}/${extra}`, 'no metric fields beside "refused" (an admission verdict has nothing to measure)', describeValue(raw[extra]));
    if (raw.model === undefined) check.fail(`${pointer}/model`, 'the model whose admission control is expected to refuse (or admit) the configuration', 'nothing');
    return { kind: 'admission', model: raw.model, refused: raw.refused, ...vmuVerdict(raw, pointer, ctx), pointer };
  }
  if (raw.metric === undefined) check.fail(`${pointer}/metric`, `the metric to check (${metricsFor('task').join(', ')}, …) or "refused: true|false"`, 'nothing');
  const metric = raw.metric;
  const subject = resolveSubject(raw, metric, pointer, ctx, true)!;
  const than = comparison(raw, pointer, ctx);
  if (raw.min === undefined && raw.max === undefined && than === undefined) {
    check.fail(pointer, 'at least one of the fields min, max, below, above', 'none');
  }
  const min = raw.min === undefined ? undefined : inUnit(raw.min, metric, `${pointer}/min`, check);
  const max = raw.max === undefined ? undefined : inUnit(raw.max, metric, `${pointer}/max`, check);
  if (min !== undefined && max !== undefined && min > max) check.fail(`${pointer}/max`, `a bound >= min (${describeValue(raw.min)})`, describeValue(raw.max));
  if (raw.factor !== undefined && than === undefined) check.fail(`${pointer}/factor`, 'a factor only with below or above', describeValue(raw.factor));
  return {
    kind: 'metric',
    ...(raw.model !== undefined && { model: raw.model }),
    subject,
    metric,
    ...(min !== undefined && { min }),
    ...(max !== undefined && { max }),
    ...(than !== undefined && { than }),
    pointer,
  };
}

function comparison(raw: RawExpectation, pointer: string, ctx: ExpectationContext): Extract<Expectation, { kind: 'metric' }>['than'] {
  if (raw.below !== undefined && raw.above !== undefined) ctx.check.fail(pointer, 'only one of the fields below and above', 'both');
  const other = raw.below ?? raw.above;
  if (other === undefined) return undefined;
  const field = raw.below !== undefined ? 'below' : 'above';
  ctx.checkModel(other, `${pointer}/${field}`);
  if (raw.model === undefined) ctx.check.fail(`${pointer}/model`, `the model compared with ${other} (a comparison is between two named models)`, 'nothing');
  if (raw.model === other) ctx.check.fail(`${pointer}/${field}`, `a model other than ${raw.model} itself`, describeValue(other));
  return { model: other, relation: field, factor: raw.factor ?? 1 };
}

/**
 * `{ vmu, at? }` beside `refused`: a VMU's own admission verdict (issue 13) — at its start (it must
 * have a lifetime) or, with `at`, of its SLA change at that instant (it must ask for one then).
 */
function vmuVerdict(raw: RawExpectation, pointer: string, ctx: ExpectationContext): { vmu?: string; atNs?: Ns } {
  const check = ctx.check;
  if (raw.vmu === undefined) {
    if (raw.at !== undefined) check.fail(`${pointer}/vmu`, 'the VMU whose SLA change at `at` is judged', 'nothing');
    return {};
  }
  const ids = ctx.vmus.map((v) => v.id);
  const vmu = ctx.vmus.find((v) => v.id === raw.vmu) ?? check.fail(`${pointer}/vmu`, 'the id of a VMU', describeValue(raw.vmu), didYouMean(raw.vmu, ids));
  if (raw.at === undefined) {
    if (vmu.startNs === undefined && vmu.stopNs === undefined && vmu.bootNs === undefined) {
      check.fail(`${pointer}/at`, `the instant of an SLA change of VMU ${vmu.id} (it has no start of its own to be admitted at)`, 'nothing');
    }
    return { vmu: vmu.id };
  }
  const atNs = check.duration(raw.at, `${pointer}/at`);
  const changes = vmu.slaChanges ?? [];
  if (!changes.some((c) => c.atNs === atNs)) {
    check.fail(`${pointer}/at`, `the instant of one of VMU ${vmu.id}'s SLA changes (${changes.length === 0 ? 'it has none' : changes.map((c) => formatDuration(c.atNs)).join(', ')})`, describeValue(raw.at));
  }
  return { vmu: vmu.id, atNs };
}

export function normalizeTolerance(raw: RawTolerance, pointer: string, ctx: ExpectationContext): Tolerance {
  const check: Checker = ctx.check;
  if (raw.model !== undefined) ctx.checkModel(raw.model, `${pointer}/model`);
  const subject = resolveSubject(raw, raw.metric, pointer, ctx, false);
  if (raw.relative === undefined && raw.absolute === undefined) check.fail(pointer, 'at least one of the fields relative ("5%") and absolute', 'neither');
  const tolerance: Tolerance = { metric: raw.metric, pointer };
  if (raw.model !== undefined) tolerance.model = raw.model;
  if (subject !== undefined) tolerance.subject = subject;
  if (raw.relative !== undefined) tolerance.relative = Number.parseFloat(raw.relative) / 100;
  if (raw.absolute !== undefined) {
    // New in regress: a nanosecond tolerance must say its unit ("100us"), a bare number is ambiguous.
    if (METRICS[raw.metric].unit === 'ns' && typeof raw.absolute === 'number') {
      check.fail(`${pointer}/absolute`, `a duration such as "100us" (${raw.metric} is in nanoseconds)`, describeValue(raw.absolute));
    }
    const absolute = inUnit(raw.absolute, raw.metric, `${pointer}/absolute`, check);
    if (absolute < 0) check.fail(`${pointer}/absolute`, 'a tolerance >= 0', describeValue(raw.absolute));
    tolerance.absolute = absolute;
  }
  return tolerance;
}

/**
 * The entry's subject. `task` names a task or host thread; for a VMU metric it may name a VMU and
 * for an I/O metric an I/O load (their handler tasks share the task namespace), as files written
 * before `vmu`/`io` existed do. Required for an expectation, optional (every subject) for a tolerance.
 */
function resolveSubject(raw: RawSubject, metric: MetricName, pointer: string, ctx: ExpectationContext, required: boolean): MetricSubjectRef | undefined {
  const check: Checker = ctx.check;
  const given = (['task', 'vmu', 'io', 'flow', 'chain'] as const).filter((f) => raw[f] !== undefined);
  if (given.length > 1) check.fail(pointer, 'only one of the fields task, vmu, io, flow, chain', given.join(' and '));
  const ioIds = ctx.vmus.flatMap((v) => v.io.map((l) => l.id));
  const vmuIds = ctx.vmus.map((v) => v.id);
  const kind = METRICS[metric].subject;
  if (given.length === 0) {
    if (required) check.fail(`${pointer}/${kind}`, `the ${SUBJECT_NAMES[kind]} whose ${metric} is checked`, 'nothing');
    return undefined;
  }
  const field = given[0];
  const id = raw[field]!;
  const at = `${pointer}/${field}`;
  let subject: MetricSubject = field;
  if (field === 'task') {
    // Older files: `task` naming a VMU (cpuShare) or an I/O load (its handler task).
    if (kind === 'io' && ioIds.includes(id)) subject = 'io';
    else if (kind === 'flow' && ctx.flowIds.includes(id)) subject = 'flow';
    else if (kind === 'chain' && ctx.chainIds.includes(id)) subject = 'chain';
    else if (vmuIds.includes(id) && !ctx.taskIds.includes(id)) subject = 'vmu';
  }
  const known = { task: ctx.taskIds.filter((t) => !ctx.flowIds.includes(t) && !ctx.chainIds.includes(t)), vmu: vmuIds, io: ioIds, flow: ctx.flowIds, chain: ctx.chainIds }[subject];
  const what = { task: 'a task or host thread', vmu: 'a VMU', io: 'an I/O load', flow: 'a flow', chain: 'a request chain' }[subject];
  if (!known.includes(id)) check.fail(at, `the id of ${what}${field === 'task' ? ' (or a VMU, or an I/O load or flow for their metrics)' : ''}`, describeValue(id), didYouMean(id, known));
  if (!metricApplies(metric, subject)) {
    check.fail(`${pointer}/metric`, `a metric of ${what} (${metricsFor(subject).join(', ')})`, `${describeValue(metric)}, a metric of ${SUBJECT_NAMES[METRICS[metric].subject]}s`);
  }
  if (metric === 'bootTimeNs' && ctx.vmus.find((v) => v.id === id)?.bootNs === undefined) {
    check.fail(at, 'a VMU with a boot phase (`boot:`; bootTimeNs is how long its boot took)', `VMU ${id}, which has none`);
  }
  if ((metric === 'shareOfReservation' || metric === 'reservedShare') && !ctx.vmus.find((v) => v.id === id)?.sla) {
    check.fail(at, `a VMU with an SLA (${metric} compares with its reservation)`, `VMU ${id}, which is best effort`);
  }
  return { kind: subject, id };
}

const SUBJECT_NAMES: Record<MetricSubject, string> = { task: 'task', vmu: 'VMU', io: 'I/O load', flow: 'flow', chain: 'request chain' };

/** A bound or tolerance in the metric's unit: nanoseconds as a duration (or a number of ns); other metrics a number. */
function inUnit(value: number | string, metric: MetricName, pointer: string, check: Checker): number {
  const unit = METRICS[metric].unit;
  if (typeof value === 'string') {
    if (unit !== 'ns') check.fail(pointer, `a number (${metric} is a ${unit}, not a duration)`, describeValue(value));
    return check.duration(value, pointer);
  }
  return value;
}
