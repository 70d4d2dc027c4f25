// The content of a report, as blocks (doc.ts): for each experiment the question it answers, its
// setup (hosts, VMUs with their SLAs, tasks, and how each model mapped the SLAs), a results table
// per model, the charts and the reading. `scenarioDoc` is one scenario's report.md/report.html
// (with the detailed per-metric tables); `indexDoc` is the comparison document over all of them.

import { migrationBlocks } from './migration-report.js';
import { taskIdsOf, type ExpectationResult, type ModelRun, type Results, type SlaTerms, type TaskResult } from '../metrics/results.js';
import { assumptionFacts } from '../scenario/machine.js';
import type { Scenario } from '../scenario/types.js';
import type { Block, Cell, Doc, Text } from './doc.js';
import { slug } from './doc.js';
import { fmtNs, fmtPct } from './format.js';
import { arrivalText, execText, policyShort } from './markdown.js';
import { readingText } from './reading.js';
import { flowSetupBlocks, flowTable } from './flows.js';
import { chainTable, vsnSetupBlocks } from './chains.js';
import { isolationBlocks } from './isolation-blocks.js';
import type { IsolationResults } from '../isolation/matrix.js';
import { DEADLINE_SOURCES, missesOf, type DeadlineSource } from './deadlines.js';

/** A chart ready to place: its PNG file name (in the scenario's folder), bytes and caption. */
export interface RenderedFigure {
  file: string;
  png: Uint8Array;
  width: number;
  height: number;
  alt: string;
  caption: string;
}

export interface Experiment {
  scenario: Scenario;
  results: Results;
  /** In display order (every report command renders them: `report`, `compare`, `run --out`). */
  figures: RenderedFigure[];
  /** Sentences the figure sweeps contribute to the reading. */
  findings: string[];
  /** The answer a figure computed (a throughput sweep's breaking points, for `answer: { kind: breaks }`). */
  figureAnswer?: string;
  /** The isolation matrix, for a scenario with a VMU marked `aggressor:`. */
  isolation?: IsolationResults;
}

type Level = 1 | 2 | 3 | 4;
const deeper = (l: Level, by: number) => Math.min(4, l + by) as Level;

const num = (text: Text, sort: number): Cell => ({ text, sort });
const nsCell = (ns: number, has = true): Cell => (has ? num(fmtNs(ns), ns) : num('—', -1));

export function question(scenario: Scenario): string {
  if (scenario.question) return scenario.question.trim();
  const first = scenario.description.trim().split(/(?<=[.?!])\s/)[0] ?? '';
  return first || 'How do the models compare on this scenario?';
}

function paragraphs(text: string): Block[] {
  return text
    .trim()
    .split(/\n\s*\n/)
    .filter((p) => p.trim() !== '')
    .map((p) => ({ kind: 'paragraph', text: p.replace(/\s+/g, ' ').trim() }));
}

function runSummary(scenario: Scenario, results: Results): string {
  const warm = scenario.warmupNs > 0 ? ` (first ${fmtNs(scenario.warmupNs)} excluded as warm-up)` : '';
  return `Simulated ${fmtNs(scenario.durationNs)}${warm}, seed ${results.scenario.seed}; models: ${results.runs.map((r) => r.model).join(', ')}.`;
}

function slaText(v: Scenario['vmus'][number]): string {
  if (!v.sla) return 'best effort';
  return `${fmtNs(v.sla.budget)} / ${fmtNs(v.sla.period)}${v.sla.deadline !== v.sla.period ? ` (D ${fmtNs(v.sla.deadline)})` : ''}`;
}

/** Headings of an experiment carry its name in their anchor: the index holds several experiments. */
const anchor = (scenario: string, what: string) => `${slug(scenario)}-${slug(what)}`;

export function setupBlocks(scenario: Scenario, level: Level): Block[] {
  const out: Block[] = [{ kind: 'heading', level, text: 'Setup', anchor: anchor(scenario.name, 'setup') }];
  out.push({
    kind: 'table',
    caption: 'Physical hosts (PHs)',
    header: ['host', 'pCPUs', 'context switch', 'tick'],
    rows: scenario.hosts.map((h) => [h.id, num(String(h.cpus), h.cpus), nsCell(h.contextSwitchNs), nsCell(h.tickNs)]),
  });
  if (scenario.assumptions) {
    out.push({
      kind: 'table',
      caption: 'The machine predicted for: each fact and where it came from',
      header: ['assumed', 'value', 'from', 'how'],
      rows: assumptionFacts(scenario.assumptions).map((f) => [f.fact, f.value, f.from, f.how]),
    });
  }
  if (scenario.vmus.length > 0) {
    out.push({
      kind: 'table',
      caption: 'VMUs and their SLAs (budget / period per vCPU)',
      header: ['VMU', 'host', 'vCPUs', 'pCPUs', 'SLA', 'reserved', 'guest', 'tasks'],
      rows: scenario.vmus.map((v) => [
        v.id,
        v.host,
        num(String(v.vcpus), v.vcpus),
        v.affinity.join(','),
        slaText(v),
        v.sla ? num(fmtPct((v.vcpus * v.sla.budget) / v.sla.period, 1), (v.vcpus * v.sla.budget) / v.sla.period) : num('—', -1),
        v.guest.scheduler,
        v.tasks.map((t) => t.id).join(', '),
      ]),
    });
  }
  const all = [...scenario.vmus.flatMap((v) => v.tasks.map((t) => ({ t, where: v.id }))), ...scenario.hostThreads.map((t) => ({ t, where: `host ${t.host}` }))];
  out.push({
    kind: 'table',
    caption: 'Tasks',
    header: ['task', 'in', 'arrivals', 'demand', 'deadline', 'policy'],
    rows: all.map(({ t, where }) => [t.id, where, arrivalText(t.arrival), execText(t.exec), nsCell(t.deadline), policyShort(t.policy)]),
  });
  out.push(...flowSetupBlocks(scenario), ...vsnSetupBlocks(scenario));
  return out;
}

/** The SLA mapping as one table (entity, SLA, model, native configuration), for the index. */
export function mappingTable(results: Results, level: Level): Block[] {
  const entities = [...new Set(results.runs.flatMap((r) => r.mapping.map((m) => m.entity)))];
  const rows: Cell[][] = [];
  for (const entity of entities) {
    for (const run of results.runs) {
      for (const m of run.mapping.filter((x) => x.entity === entity)) rows.push([entity, m.requested, run.model, m.native]);
    }
  }
  return [
    { kind: 'heading', level, text: 'How each model mapped the SLAs', anchor: anchor(results.scenario.name, 'mapping') },
    { kind: 'table', header: ['entity', 'requested', 'model', 'native configuration'], rows },
  ];
}

export function mappingBlocks(results: Results, level: Level): Block[] {
  const out: Block[] = [{ kind: 'heading', level, text: 'How each model mapped the SLAs' }];
  for (const run of results.runs) {
    out.push({ kind: 'heading', level: deeper(level, 1), text: run.model, anchor: `${slug(results.scenario.name)}-mapping-${slug(run.model)}` });
    const settings = Object.entries(run.settings).map(([k, v]) => `${k} ${String(v)}`).join(', ');
    if (settings) out.push({ kind: 'paragraph', text: `Settings: ${settings}.` });
    out.push({ kind: 'table', header: ['entity', 'requested', 'native configuration'], rows: run.mapping.map((m) => [m.entity, m.requested, m.native]) });
  }
  return out;
}

function taskRow(t: TaskResult, ioLoads: ReadonlySet<string>): Cell[] {
  const has = t.response.count > 0;
  return [
    // An I/O load's guest handler carries the load's id; its misses are the I/O table's, not these.
    ioLoads.has(t.id) ? `${t.id} (guest handler)` : t.id,
    num(String(t.judged), t.judged),
    t.judged === 0 ? num('—', -1) : num(`${fmtPct(t.missRatio, 2)} (${t.missed})`, t.missRatio),
    nsCell(t.response.p50Ns, has),
    nsCell(t.response.p99Ns, has),
    nsCell(t.response.maxNs, has),
    nsCell(t.wakeup.maxNs, t.wakeup.count > 0),
    num(fmtPct(t.cpuShare, 1), t.cpuShare),
  ];
}

/** One table per model: every task's misses, response times, worst wake-up and CPU share. */
export function perModelBlocks(results: Results, level: Level): Block[] {
  const out: Block[] = [];
  for (const run of results.runs) {
    out.push({ kind: 'heading', level, text: run.model, anchor: `${slug(results.scenario.name)}-results-${slug(run.model)}` });
    out.push({
      kind: 'table',
      header: ['task', 'jobs judged', 'missed', 'response p50', 'p99', 'max', 'wake-up max', 'CPU share'],
      rows: run.tasks.map((t) => taskRow(t, new Set(run.io.map((l) => l.id)))),
    });
    if (run.io.length > 0) {
      out.push({
        kind: 'table',
        caption: 'Guest I/O (arrival to completion of the request path)',
        header: ['load', 'VMU', 'kind', 'completed', 'latency p50', 'p99', 'max', 'missed'],
        rows: run.io.map((l) => [
          l.id,
          l.vmu,
          l.kind,
          num(String(l.completed), l.completed),
          nsCell(l.latency.p50Ns, l.completed > 0),
          nsCell(l.latency.p99Ns, l.completed > 0),
          nsCell(l.latency.maxNs, l.completed > 0),
          num(fmtPct(l.missRatio, 2), l.missRatio),
        ]),
      });
    }
    out.push(...flowTable(run), ...chainTable(run));
  }
  return out;
}

/** The per-metric tables with a column per model (the scenario report's detail). */
function metricBlocks(scenario: Scenario, results: Results, level: Level): Block[] {
  const runs = results.runs;
  // A model that refused the configuration keeps its column: its result is the refusal (reason above).
  const refused = (results.refused ?? []).map((r) => r.model);
  const models = [...runs.map((r) => r.model), ...refused];
  const refusedCells = refused.map(() => num('refused by admission', -1));
  const ids = taskIdsOf(runs);
  const handlers = new Set(scenario.vmus.flatMap((v) => v.io.map((l) => l.id)));
  const out: Block[] = [];
  const metric = (title: string, cell: (t: TaskResult) => Cell) => {
    out.push({ kind: 'heading', level, text: title });
    out.push({ kind: 'table', header: ['task', ...models], rows: ids.map((id) => [handlers.has(id) ? `${id} (guest handler)` : id, ...runs.map((r) => {
      const t = r.tasks.find((x) => x.id === id);
      return t === undefined ? num('n/a', -1) : cell(t);
    }), ...refusedCells]) });
  };
  metric('Deadline misses (missed / judged jobs)', (t) => (t.judged === 0 ? num('—', -1) : num(`${fmtPct(t.missRatio, 2)} (${t.missed}/${t.judged})`, t.missRatio)));
  metric('Response time p50 / p99 / max', (t) => (t.response.count ? num(`${fmtNs(t.response.p50Ns)} / ${fmtNs(t.response.p99Ns)} / ${fmtNs(t.response.maxNs)}`, t.response.p99Ns) : num('—', -1)));
  metric('Response time p90 / p99.9', (t) => (t.response.count ? num(`${fmtNs(t.response.p90Ns)} / ${fmtNs(t.response.p999Ns)}`, t.response.p999Ns) : num('—', -1)));
  metric('Wake-up latency (release → first instruction) p99 / max', (t) => (t.wakeup.count ? num(`${fmtNs(t.wakeup.p99Ns)} / ${fmtNs(t.wakeup.maxNs)}`, t.wakeup.maxNs) : num('—', -1)));
  metric('Tardiness mean / max', (t) => (t.missed ? num(`${fmtNs(t.tardinessMeanNs)} / ${fmtNs(t.tardinessMaxNs)}`, t.tardinessMaxNs) : num('—', -1)));
  metric('CPU share received', (t) => num(fmtPct(t.cpuShare, 2), t.cpuShare));
  metric('Pre-emptions / migrations', (t) => num(`${t.preemptions} / ${t.migrations}`, t.preemptions));
  if (scenario.vmus.length > 0) {
    out.push({ kind: 'heading', level, text: 'VMU CPU share received vs reserved' });
    out.push({
      kind: 'table',
      header: ['VMU', 'reserved', ...models],
      rows: scenario.vmus.map((v) => {
        const reserved = runs[0]?.vmus.find((x) => x.id === v.id)?.reservedShare;
        return [v.id, reserved == null ? num('—', -1) : num(fmtPct(reserved, 2), reserved), ...runs.map((r) => vmuShare(r, v.id)), ...refusedCells];
      }),
    });
  }
  out.push({ kind: 'heading', level, text: 'Host utilisation' });
  out.push({
    kind: 'table',
    header: ['host', ...models],
    rows: scenario.hosts.map((h) => [h.id, ...runs.map((r) => {
      const u = r.hosts.find((x) => x.id === h.id)?.utilisation ?? 0;
      return num(fmtPct(u, 2), u);
    }), ...refusedCells]),
  });
  return out;
}

function vmuShare(run: ModelRun, id: string): Cell {
  const v = run.vmus.find((x) => x.id === id);
  if (v) return num(fmtPct(v.cpuShare, 2), v.cpuShare);
  return run.lifecycle?.some((x) => x.vmu === id && !x.admitted) ? num('not started (refused)', -1) : num('—', -1);
}

function expectationBlocks(results: Results, level: Level): Block[] {
  if (results.expectations.length === 0) return [];
  return [
    { kind: 'heading', level, text: 'Expectations' },
    {
      kind: 'table',
      header: ['model', 'task', 'metric', 'bound', 'value', 'verdict'],
      rows: results.expectations.map((e) => [
        e.model,
        e.task,
        e.metric,
        expectationBound(e),
        e.value === null ? (e.note ?? '—') : num(String(e.value), e.value),
        e.ok ? 'ok' : { strong: 'FAILED' },
      ]),
    },
  ];
}

/** The bound column: min/max, a comparison with another model, or the admission verdict expected. */
function expectationBound(e: ExpectationResult): string {
  if (e.metric === 'refused') return e.min !== undefined ? 'refused by admission' : 'admitted';
  const parts = [e.min !== undefined ? `≥ ${e.min}` : '', e.max !== undefined ? `≤ ${e.max}` : ''];
  if (e.than) parts.push(`${e.than.relation === 'below' ? '<' : '>'} ${e.than.factor === 1 ? '' : `${e.than.factor} × `}${e.than.model} (${e.than.value ?? 'refused'})`);
  return parts.filter(Boolean).join(', ');
}

function figureBlocks(figures: RenderedFigure[], prefix: string): Block[] {
  return figures.map((f) => ({ kind: 'figure', src: `${prefix}${f.file}`, png: f.png, width: f.width, height: f.height, alt: f.alt, caption: f.caption }));
}

/** One scenario's report (report.md / report.html). */
export function scenarioDoc(e: Experiment): Doc {
  const { scenario, results } = e;
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: scenario.name }];
  blocks.push({ kind: 'paragraph', text: [{ strong: 'Question.' }, ` ${question(scenario)}`] });
  blocks.push(...paragraphs(scenario.description));
  blocks.push({ kind: 'paragraph', text: runSummary(scenario, results) });
  blocks.push(...setupBlocks(scenario, 2));
  blocks.push(...mappingBlocks(results, 2));
  blocks.push(...refusedBlocks(results));
  blocks.push(...lifecycleBlocks(results));
  blocks.push({ kind: 'heading', level: 2, text: 'Results' });
  blocks.push(...migrationBlocks(results));
  blocks.push({ kind: 'heading', level: 3, text: 'Per model' });
  blocks.push(...perModelBlocks(results, 4));
  blocks.push(...metricBlocks(scenario, results, 3));
  if (e.figures.length > 0) {
    blocks.push({ kind: 'heading', level: 2, text: 'Figures' });
    blocks.push(...figureBlocks(e.figures, ''));
  }
  if (e.isolation) blocks.push(...isolationBlocks(e.isolation, 2, 'isolation'));
  blocks.push({ kind: 'heading', level: 2, text: 'Reading' });
  blocks.push({ kind: 'paragraph', text: readingText(scenario, results, e.findings, e.figureAnswer) });
  blocks.push(...expectationBlocks(results, 2));
  return { title: `hvsim: ${scenario.name}`, blocks };
}

/** Models that could not express the configuration: their result is the refusal (no run, no numbers). */
function refusedBlocks(results: Results): Block[] {
  const refused = results.refused ?? [];
  if (refused.length === 0) return [];
  return refused.map((r): Block => ({ kind: 'paragraph', text: [{ strong: `${r.model}: refused by admission.` }, ` ${r.reason}`] }));
}

/** VMUs with a lifetime: when each lived under each model, or that its admission at its start refused it (issue 13). */
function lifecycleBlocks(results: Results): Block[] {
  return results.runs.flatMap((r) =>
    (r.lifecycle ?? []).map((v): Block => {
      const until = v.stopNs === null ? 'the end' : fmtNs(v.stopNs);
      return v.admitted
        ? { kind: 'paragraph', text: `${r.model}: VMU ${v.vmu} admitted at its start, ran from ${fmtNs(v.startNs)} to ${until}${v.bootTimeNs === undefined ? '' : ` (booted in ${fmtNs(v.bootTimeNs)})`}; its metrics count that lifetime only.` }
        : { kind: 'paragraph', text: [{ strong: `${r.model}: VMU ${v.vmu} refused at its start (${fmtNs(v.startNs)}), it never ran.` }, ` ${v.reason ?? ''}`] };
    }),
  ).concat(slaChangeBlocks(results));
}

/** Run-time SLA changes: applied at their instant under each model, or refused by its admission there (issue 13). */
function slaChangeBlocks(results: Results): Block[] {
  const terms = (t: SlaTerms) => `${fmtNs(t.budgetNs)} / ${fmtNs(t.periodNs)}`;
  return results.runs.flatMap((r) =>
    (r.slaChanges ?? []).map((c): Block => {
      const what = `VMU ${c.vmu} asked at ${fmtNs(c.atNs)} to go from ${terms(c.from)} to ${terms(c.to)}`;
      return c.admitted
        ? { kind: 'paragraph', text: `${r.model}: ${what}: admitted, the reservation was reconfigured then.` }
        : { kind: 'paragraph', text: [{ strong: `${r.model}: ${what}: refused, ${terms(c.from)} stayed.` }, ` ${c.reason ?? ''}`] };
    }),
  );
}

/** Verdict of an experiment in a few words, for the index's overview table. */
export function verdict(results: Results, sources: readonly DeadlineSource[] = DEADLINE_SOURCES): string {
  const failed = results.expectations.filter((x) => !x.ok).length;
  // Every deadline counts (deadlines.ts): tasks' jobs, I/O requests, and whatever else a source judges.
  const perfect = results.runs.filter((r) => missesOf(r, sources).length === 0).map((r) => r.model);
  const head = perfect.length === results.runs.length ? 'no misses under any model' : perfect.length === 0 ? 'every model missed deadlines' : `no misses under ${perfect.join(', ')}`;
  const tail = results.expectations.length === 0 ? '' : failed === 0 ? `; expectations held (${results.expectations.length})` : `; ${failed} expectation(s) FAILED`;
  const refused = (results.refused ?? []).map((r) => r.model);
  const chainFailures = results.runs.some((r) => (r.chains ?? []).some((c) => c.failed.destinationAbsent > 0)) ? ' (chain requests that failed — a stage\'s VMU not running — count as misses)' : '';
  return head + chainFailures + tail + (refused.length > 0 ? `; refused by ${refused.join(', ')}` : '');
}

/** The comparison document: an overview, then one section per experiment. */
export function indexDoc(experiments: Experiment[]): Doc {
  const models = [...new Set(experiments.flatMap((e) => e.results.runs.map((r) => r.model)))];
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: 'hvsim: hypervisor scheduling stacks compared' }];
  blocks.push({
    kind: 'paragraph',
    text: [
      `Each experiment below runs one scenario of virtualised real-time services through the hypervisor scheduling stacks ${models.join(', ')} on the same discrete-event engine, and compares what each does to deadlines, response and wake-up latency and CPU share. Regenerated by `,
      { code: 'npm start' },
      ' from the scenario files in scenarios/; the same files always give the same bytes. Each section links to its scenario\'s full report (per-metric tables, results.json beside it).',
    ],
  });
  blocks.push({
    kind: 'paragraph',
    text: 'Charts per experiment: response-time CDF per task and model, CPU share received vs reserved, and a schedule excerpt per pCPU; where a scenario asks for them, reservation-period and utilisation sweeps; where it has I/O loads, guest I/O latency per stack. Times are simulated; nothing here depends on the machine that produced it.',
  });
  blocks.push({ kind: 'heading', level: 2, text: 'Experiments', anchor: 'experiments' });
  blocks.push({
    kind: 'table',
    header: ['experiment', 'question', 'outcome'],
    rows: experiments.map((e) => [[{ text: e.scenario.name, anchor: e.scenario.name }], question(e.scenario), verdict(e.results)]),
  });
  for (const e of experiments) {
    const { scenario, results } = e;
    blocks.push({ kind: 'heading', level: 2, text: scenario.name, anchor: slug(scenario.name) });
    blocks.push({ kind: 'paragraph', text: [{ strong: 'Question.' }, ` ${question(scenario)}`] });
    blocks.push(...paragraphs(scenario.description));
    blocks.push({ kind: 'paragraph', text: [`${runSummary(scenario, results)} Full report: `, { text: `${scenario.name}/report`, doc: `${scenario.name}/report` }, '.'] });
    blocks.push(...setupBlocks(scenario, 3));
    blocks.push(...mappingTable(results, 3));
    blocks.push({
      kind: 'table',
      caption: 'Model settings in force',
      header: ['model', 'settings'],
      rows: results.runs.map((r) => [r.model, Object.entries(r.settings).map(([k, v]) => `${k} ${String(v)}`).join(', ') || '—']),
    });
    blocks.push({ kind: 'heading', level: 3, text: 'Results', anchor: `${slug(scenario.name)}-results` });
    blocks.push(...perModelBlocks(results, 4));
    if (e.figures.length > 0) {
      blocks.push({ kind: 'heading', level: 3, text: 'Charts', anchor: `${slug(scenario.name)}-charts` });
      blocks.push(...figureBlocks(e.figures, `${scenario.name}/`));
    }
    if (e.isolation) blocks.push(...isolationBlocks(e.isolation, 3, `${slug(scenario.name)}-isolation`));
    blocks.push({ kind: 'heading', level: 3, text: 'Reading', anchor: `${slug(scenario.name)}-reading` });
    blocks.push({ kind: 'paragraph', text: readingText(scenario, results, e.findings, e.figureAnswer) });
  }
  return { title: 'hvsim: hypervisor scheduling stacks compared', blocks };
}
