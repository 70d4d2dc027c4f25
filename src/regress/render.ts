// What `hvsim regress` prints and writes: the terminal summary, a Markdown table (for a CI job
// summary or a pull request), and JUnit XML — one <testsuite> per scenario, one <testcase> per
// scenario × model, a <failure> per case that regressed — which Jenkins, GitLab, GitHub Actions'
// test reporters and Azure Pipelines read. No timestamps or durations: equal verdicts, equal bytes.

import { describeExpectation } from '../metrics/expectations.js';
import { formatMetric, type MetricChange } from './golden.js';
import type { CaseFailure, RegressCase, ScenarioVerdict } from './suite.js';

/** With --update the goldens are re-baselined: only failed expectations remain failures. */
export function failuresOf(c: RegressCase, updating: boolean): CaseFailure[] {
  return updating ? c.failures.filter((f) => f.kind === 'expectation') : c.failures;
}

/** One line naming what failed: the metric with its golden and current values, the expectation, the admission change. */
export function describeFailure(f: CaseFailure): string {
  switch (f.kind) {
    case 'metric':
      return describeChange(f.change);
    case 'expectation':
      return `expectation failed: ${describeExpectation(f.result)}`;
    case 'admission':
      return f.now === 'refused' ? `refused by admission, where the golden ran: ${(f.reason ?? '').split('\n')[0]}` : 'admitted and ran, where the golden was refused by admission';
    case 'no-golden':
      return 'no golden result yet (`hvsim regress --update` records one)';
  }
}

export function describeChange(c: MetricChange): string {
  const where = `${c.subject} ${c.metric}`;
  if (c.now === null) return `${where}: golden ${formatMetric(c.metric, c.golden)}, now absent`;
  if (c.golden === null) return `${where}: new, now ${formatMetric(c.metric, c.now)}`;
  const tolerance = c.allowed === 0 ? 'exact' : `± ${formatMetric(c.metric, c.allowed)}`;
  return `${where}: golden ${formatMetric(c.metric, c.golden)}, now ${formatMetric(c.metric, c.now)} (tolerance ${tolerance})`;
}

export interface Totals {
  cases: number;
  failed: number;
}

export function totals(verdicts: readonly ScenarioVerdict[], updating: boolean): Totals {
  const cases = verdicts.flatMap((v) => v.cases);
  return { cases: cases.length, failed: cases.filter((c) => failuresOf(c, updating).length > 0).length };
}

/** The terminal summary: a line per case, failures indented under it. */
export function terminalSummary(verdicts: readonly ScenarioVerdict[], updating: boolean): string {
  const lines: string[] = [];
  for (const v of verdicts) {
    lines.push(`${v.scenario} (${v.file})`);
    for (const c of v.cases) {
      const failures = failuresOf(c, updating);
      const state = failures.length > 0 ? 'FAIL' : 'ok  ';
      const what = `${c.refused ? 'refused by admission; ' : ''}${c.expectations.length} expectation(s), ${goldenState(c, updating)}`;
      lines.push(`  ${state} ${c.model.padEnd(14)} ${what}`);
      if (c.refused) lines.push(`       ${c.refused.split('\n')[0]}`);
      for (const f of failures) lines.push(`       ${describeFailure(f)}`);
    }
    for (const s of v.stale) lines.push(`  note: ${s} is the golden of a model this run did not include${updating ? ' (removed)' : ''}`);
  }
  const t = totals(verdicts, updating);
  lines.push(t.failed === 0 ? `regress: all ${t.cases} case(s) hold` : `regress: ${t.failed} of ${t.cases} case(s) FAILED`);
  return lines.join('\n') + '\n';
}

function goldenState(c: RegressCase, updating: boolean): string {
  if (updating && c.goldenChanged) return c.failures.some((f) => f.kind === 'no-golden') ? 'golden recorded' : 'golden updated';
  if (c.failures.some((f) => f.kind === 'no-golden')) return 'no golden';
  if (c.failures.some((f) => f.kind === 'admission')) return 'admission differs from golden';
  const outside = c.changes.filter((x) => x.regression).length;
  if (c.changes.length === 0) return 'golden matched';
  return outside === 0 ? `within tolerance of golden (${c.changes.length} change(s))` : `${outside} metric(s) outside tolerance`;
}

/** What --update changed, per golden file. */
export function updateSummary(verdicts: readonly ScenarioVerdict[]): string {
  const lines: string[] = [];
  for (const c of verdicts.flatMap((v) => v.cases)) {
    if (!c.goldenChanged) continue;
    const admission = c.failures.find((f) => f.kind === 'admission');
    if (c.failures.some((f) => f.kind === 'no-golden')) lines.push(`new     ${c.goldenFile}`);
    else {
      lines.push(`updated ${c.goldenFile}`);
      if (admission) lines.push(`  ${describeFailure(admission)}`);
      for (const ch of c.changes) lines.push(`  ${describeChange(ch)}`);
    }
  }
  for (const s of verdicts.flatMap((v) => v.stale)) lines.push(`removed ${s}`);
  return lines.length === 0 ? 'regress --update: every golden already matches\n' : lines.join('\n') + '\n';
}

const mdCell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownSummary(verdicts: readonly ScenarioVerdict[], updating: boolean): string {
  const t = totals(verdicts, updating);
  const lines = [
    '# hvsim regress',
    '',
    t.failed === 0 ? `All ${t.cases} case(s) hold.` : `**${t.failed} of ${t.cases} case(s) failed.**`,
    '',
    '| scenario | model | verdict | details |',
    '|---|---|---|---|',
  ];
  for (const c of verdicts.flatMap((v) => v.cases)) {
    const failures = failuresOf(c, updating);
    const details = failures.length > 0 ? failures.map(describeFailure).join('<br>') : `${c.refused ? 'refused by admission; ' : ''}${c.expectations.length} expectation(s) held; ${goldenState(c, updating)}`;
    lines.push(`| ${mdCell(c.scenario)} | ${mdCell(c.model)} | ${failures.length > 0 ? '**FAIL**' : 'ok'} | ${mdCell(details)} |`);
  }
  return lines.join('\n') + '\n';
}

/** `--json`: the verdict for tools — per case its failures (as the terminal words them) and every change from the golden. */
export function jsonSummary(verdicts: readonly ScenarioVerdict[], updating: boolean): string {
  const t = totals(verdicts, updating);
  const cases = verdicts.flatMap((v) =>
    v.cases.map((c) => ({
      scenario: c.scenario,
      file: c.file,
      model: c.model,
      ok: failuresOf(c, updating).length === 0,
      ...(c.refused !== undefined && { refused: c.refused }),
      failures: failuresOf(c, updating).map(describeFailure),
      changes: c.changes,
      golden: c.goldenFile,
    })),
  );
  return JSON.stringify({ ok: t.failed === 0, cases }, null, 2) + '\n';
}

/** XML 1.0 text: the five entities escaped, characters XML cannot carry (C0 controls but tab, LF, CR) dropped. */
export function xmlEscape(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** JUnit XML: <testsuites> / <testsuite> per scenario / <testcase> per model, classname hvsim.regress.<scenario>. */
export function junitXml(verdicts: readonly ScenarioVerdict[], updating: boolean): string {
  const t = totals(verdicts, updating);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="hvsim regress" tests="${t.cases}" failures="${t.failed}" errors="0">`];
  for (const v of verdicts) {
    const failed = v.cases.filter((c) => failuresOf(c, updating).length > 0).length;
    out.push(`  <testsuite name="${xmlEscape(v.scenario)}" tests="${v.cases.length}" failures="${failed}" errors="0" skipped="0">`);
    for (const c of v.cases) {
      const attrs = `classname="hvsim.regress.${xmlEscape(c.scenario)}" name="${xmlEscape(c.model)}" file="${xmlEscape(c.file)}"`;
      const failures = failuresOf(c, updating);
      if (failures.length === 0) {
        out.push(`    <testcase ${attrs}/>`);
        continue;
      }
      const lines = failures.map(describeFailure);
      const type = failures.some((f) => f.kind === 'metric' || f.kind === 'admission') ? 'regression' : failures[0].kind;
      out.push(`    <testcase ${attrs}>`, `      <failure message="${xmlEscape(`${c.scenario} ${c.model}: ${lines[0]}`)}" type="${type}">${xmlEscape(lines.join('\n'))}</failure>`, '    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
