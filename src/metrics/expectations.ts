// The scenario's `expect:` checked against the runs of `run`, `compare`, `report` and `regress`:
// bounds on any metric of the catalogue (tasks, VMUs, I/O loads and storage streams), comparisons
// between two models, and admission verdicts. A model that refused the configuration (its
// admission control or limits) is a result too: an expectation naming it fails, saying so, unless
// it expected exactly that refusal.

import type { Scenario } from '../scenario/types.js';
import { missingReason, readMetric } from './metric-accessors.js';
import type { ModelRun, RefusedModel } from './results.js';

export interface ExpectationResult {
  model: string;
  /** The subject's id (a task, VMU or I/O load; '' for an admission verdict). */
  task: string;
  /** Present when the subject is a VMU or an I/O load rather than a task. */
  subject?: 'vmu' | 'io' | 'flow' | 'chain';
  /** A metric name, or 'refused' for an admission verdict (value 1 = refused, 0 = admitted). */
  metric: string;
  /** null when the model has no value: it was refused. */
  value: number | null;
  min?: number;
  max?: number;
  /** A comparison: this model's value against factor × the other model's. */
  than?: { model: string; relation: 'below' | 'above'; factor: number; value: number | null };
  /** Why it failed beyond its numbers (a refusal), or what an admission verdict found. */
  note?: string;
  ok: boolean;
}

/** Evaluate the scenario's expectations against the runs and the refused models. */
export function checkExpectations(scenario: Scenario, runs: readonly ModelRun[], refused: readonly RefusedModel[] = []): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  const refusal = (model: string) => refused.find((r) => r.model === model);
  const modelsInOrder = [...runs.map((r) => r.model), ...refused.map((r) => r.model)];
  for (const exp of scenario.expectations) {
    if (exp.kind === 'admission') {
      if (!modelsInOrder.includes(exp.model)) continue; // not run this time (--models)
      if (exp.vmu !== undefined) {
        out.push(vmuVerdictResult(exp, runs.find((run) => run.model === exp.model), refusal(exp.model)));
        continue;
      }
      const r = refusal(exp.model);
      out.push({
        model: exp.model,
        task: '',
        metric: 'refused',
        value: r ? 1 : 0,
        ...(exp.refused ? { min: 1 } : { max: 0 }),
        ...(r && { note: r.reason }),
        ok: (r !== undefined) === exp.refused,
      });
      continue;
    }
    for (const model of modelsInOrder) {
      if (exp.model !== undefined && exp.model !== model) continue;
      // Fields in results.json's documented order: who, what, value, bounds, verdict.
      const head = { model, task: exp.subject.id, ...(exp.subject.kind !== 'task' && { subject: exp.subject.kind }), metric: exp.metric };
      const bounds = { ...(exp.min !== undefined && { min: exp.min }), ...(exp.max !== undefined && { max: exp.max }) };
      const r = refusal(model);
      if (r) {
        // Only an expectation that names the model is broken by its refusal; one for every model skips it.
        if (exp.model !== undefined) out.push({ ...head, value: null, ...bounds, note: `no value: ${model} ${r.reason}`, ok: false });
        continue;
      }
      const run = runs.find((x) => x.model === model)!;
      const value = readMetric(run, exp.subject.kind, exp.subject.id, exp.metric);
      if (value === undefined) {
        // A subject this model does not have (dom0's tasks under KVM) is skipped; a value that should be there fails.
        const why = missingReason(run, exp.subject.kind, exp.subject.id, exp.metric);
        if (why !== undefined) out.push({ ...head, value: null, ...bounds, note: why, ok: false });
        continue;
      }
      let ok = (exp.min === undefined || value >= exp.min) && (exp.max === undefined || value <= exp.max);
      let than: ExpectationResult['than'];
      let note: string | undefined;
      if (exp.than) {
        const otherRefusal = refusal(exp.than.model);
        const otherRun = runs.find((x) => x.model === exp.than!.model);
        if (!otherRefusal && !otherRun) continue; // the other model was not run (--models)
        const other = otherRun ? readMetric(otherRun, exp.subject.kind, exp.subject.id, exp.metric) : undefined;
        if (otherRun && other === undefined) continue;
        than = { model: exp.than.model, relation: exp.than.relation, factor: exp.than.factor, value: other ?? null };
        if (other === undefined) {
          ok = false;
          note = `nothing to compare with: ${exp.than.model} ${otherRefusal!.reason}`;
        } else {
          const limit = exp.than.factor * other;
          ok &&= exp.than.relation === 'below' ? value < limit : value > limit;
        }
      }
      out.push({ ...head, value, ...bounds, ...(than && { than }), ...(note !== undefined && { note }), ok });
    }
  }
  return out;
}

/** One line for a terminal or a failure message: "kvm-irmos frames responseP99Ns = 3 (bound ..3200000)". */
export function describeExpectation(e: ExpectationResult): string {
  if (e.metric === 'refused') return `${e.model} ${e.ok ? '' : 'NOT '}${e.min !== undefined ? 'refused' : 'admitted'} by admission as expected${e.note ? ` (${e.note.split('\n')[0]})` : ''}`;
  const subject = `${e.subject ?? 'task'} ${e.task}`;
  const bound = e.min !== undefined || e.max !== undefined ? ` (bound ${e.min ?? ''}..${e.max ?? ''})` : '';
  const than = e.than ? ` ${e.than.relation} ${e.than.factor === 1 ? '' : `${e.than.factor} × `}${e.than.model} (${e.than.value ?? '—'})` : '';
  return `${e.model} ${subject} ${e.metric} = ${e.value ?? '—'}${bound}${than}${e.note ? `: ${e.note.split('\n')[0]}` : ''}`;
}

/**
 * A VMU's own admission verdict (issue 13): at its start, or of its SLA change at `atNs`, from the
 * run's lifecycle records. A model refused as a whole has no verdict for it: the expectation fails.
 */
function vmuVerdictResult(exp: Extract<Scenario['expectations'][number], { kind: 'admission' }>, run: ModelRun | undefined, refused: RefusedModel | undefined): ExpectationResult {
  const head = { model: exp.model, task: exp.vmu!, subject: 'vmu' as const, metric: 'refused' };
  const bounds = exp.refused ? { min: 1 } : { max: 0 };
  const verdict =
    run === undefined
      ? undefined
      : exp.atNs === undefined
        ? run.lifecycle?.find((v) => v.vmu === exp.vmu)
        : run.slaChanges?.find((c) => c.vmu === exp.vmu && c.atNs === exp.atNs);
  if (verdict === undefined) return { ...head, value: null, ...bounds, note: `no verdict: ${exp.model} ${refused?.reason ?? 'did not judge it'}`, ok: false };
  const wasRefused = !verdict.admitted;
  return { ...head, value: wasRefused ? 1 : 0, ...bounds, ...(verdict.reason !== undefined && { note: verdict.reason }), ok: wasRefused === exp.refused };
}
