// Figures that need runs of their own, requested by a scenario's `figures:` list. Each figure is
// split into points (one per swept value) that run independently — on worker threads — and are
// then folded into a chart and a sentence in the order of the points, so the output does not
// depend on which worker finished first.
//
// * period-sweep (seed D6.4.1 figures 11/12): one VMU's reservation period swept at the bandwidth
//   of its SLA, on its host alone with its neighbours unchanged; worst-case wake-up latency and
//   response time of its tasks under each of the scenario's models.
// * utilisation-sweep (seed §5.3.2: fixed priorities saturate near 69 %, EDF at 100 %): seeded
//   random task sets (UUniFast utilisations, periods drawn from a list) in one VMU that reserves a
//   whole CPU, scheduled by the guest with rate-monotonic priorities and with EDF.

import { InputError } from '../errors.js';
import { Rng } from '../engine/rng.js';
import { findModel, modelNames } from '../../models/index.js';
import { liuLaylandBound } from '../analysis/liu-layland.js';
import type { ModelRun } from '../metrics/results.js';
import { normalizeScenario } from '../scenario/normalize.js';
import type { FigureRequest, Ns, Scenario } from '../scenario/types.js';
import { simulate } from '../simulate.js';
import { modelColour, type ChartSpec, type XySeries } from './charts.js';
import { fmtNs, fmtPct } from './format.js';

/** A model to run, as data (it crosses to worker threads): registry name and scenario overrides. */
export interface ModelPick {
  name: string;
  request?: { params: Record<string, unknown>; pointer: string };
}

type PeriodSweep = Extract<FigureRequest, { kind: 'period-sweep' }>;
type UtilisationSweep = Extract<FigureRequest, { kind: 'utilisation-sweep' }>;

/** Outcome of one model on one variant: worst cases over the measured tasks, or why it refused. */
export interface PointOutcome {
  model: string;
  refused?: string;
  wakeupMaxNs: Ns;
  responseMaxNs: Ns;
  missed: number;
  judged: number;
}

export type FigurePoint =
  | { kind: 'period-sweep'; periodNs: Ns; budgetNs: Ns; outcomes: PointOutcome[] }
  | {
      kind: 'utilisation-sweep';
      utilisation: number;
      /** Mean exact utilisation of the generated sets (after rounding demands to the microsecond). */
      actualUtilisation: number;
      sets: number;
      fp: SchedulerOutcome;
      edf: SchedulerOutcome;
    };

export interface SchedulerOutcome {
  missed: number;
  judged: number;
  setsWithMiss: number;
}

/** A rendered-to-be figure: file name in the scenario's folder, chart, caption and alt text. */
export interface FigureOutput {
  file: string;
  spec: ChartSpec;
  caption: string;
}

export function figurePointCount(figure: FigureRequest): number {
  return figure.kind === 'period-sweep' ? figure.periods.length : figure.utilisations.length;
}

export function runFigurePoint(scenario: Scenario, figureIndex: number, point: number, models: ModelPick[]): FigurePoint {
  const figure = scenario.figures![figureIndex];
  return figure.kind === 'period-sweep' ? runPeriodPoint(scenario, figure, point, models) : runUtilisationPoint(scenario, figureIndex, figure, point);
}

function outcome(run: ModelRun, tasks: ReadonlySet<string>): Omit<PointOutcome, 'model'> {
  const mine = run.tasks.filter((t) => tasks.has(t.id));
  return {
    wakeupMaxNs: Math.max(0, ...mine.map((t) => t.wakeup.maxNs)),
    responseMaxNs: Math.max(0, ...mine.map((t) => t.response.maxNs)),
    missed: mine.reduce((a, t) => a + t.missed, 0),
    judged: mine.reduce((a, t) => a + t.judged, 0),
  };
}

/** The variant: the VMU's host alone, the VMU's SLA scaled to `period` at the same bandwidth. */
export function periodVariant(scenario: Scenario, figure: PeriodSweep, periodNs: Ns): Scenario {
  const vmu = scenario.vmus.find((v) => v.id === figure.vmu)!;
  const sla = vmu.sla!;
  const scale = (x: Ns) => Math.max(1, Math.round((x * periodNs) / sla.period));
  const durationNs = figure.durationNs;
  return {
    ...scenario,
    name: `${scenario.name}.${figure.vmu}-period-${periodNs}ns`,
    durationNs,
    warmupNs: Math.min(scenario.warmupNs, Math.floor(durationNs / 10)),
    hosts: scenario.hosts.filter((h) => h.id === vmu.host),
    vmus: scenario.vmus
      .filter((v) => v.host === vmu.host)
      .map((v) => (v.id === vmu.id ? { ...v, sla: { budget: scale(sla.budget), period: periodNs, deadline: scale(sla.deadline) } } : v)),
    hostThreads: scenario.hostThreads.filter((t) => t.host === vmu.host),
    expectations: [],
    figures: [],
  };
}

function runPeriodPoint(scenario: Scenario, figure: PeriodSweep, point: number, models: ModelPick[]): FigurePoint {
  const periodNs = figure.periods[point];
  const variant = periodVariant(scenario, figure, periodNs);
  const vmu = variant.vmus.find((v) => v.id === figure.vmu)!;
  const tasks = new Set(vmu.tasks.map((t) => t.id));
  const outcomes = models.map((m): PointOutcome => {
    try {
      return { model: m.name, ...outcome(simulate(variant, findModel(m.name, scenario.file, ''), m.request), tasks) };
    } catch (err) {
      // A model's admission control may refuse some periods: a point of the figure, not a failure.
      if (err instanceof InputError) return { model: m.name, refused: err.expected, wakeupMaxNs: 0, responseMaxNs: 0, missed: 0, judged: 0 };
      throw err;
    }
  });
  return { kind: 'period-sweep', periodNs, budgetNs: vmu.sla!.budget, outcomes };
}

const ns = (x: number) => `${Math.round(x)}ns`;

/**
 * UUniFast (Bini & Buttazzo 2005): n utilisations summing to `total`, uniformly over the simplex.
 * Periods drawn uniformly from the list; demand rounded down to the microsecond (at least 1 µs).
 */
export function randomTaskSet(rng: Rng, total: number, n: number, periods: readonly Ns[]): { periodNs: Ns; wcetNs: Ns }[] {
  const shares: number[] = [];
  let left = total;
  for (let i = 1; i < n; i++) {
    const next = left * Math.pow(rng.next(), 1 / (n - i));
    shares.push(left - next);
    left = next;
  }
  shares.push(left);
  return shares.map((u) => {
    const periodNs = periods[Math.min(periods.length - 1, Math.floor(rng.next() * periods.length))];
    // Rounded down: a set never exceeds its target utilisation (EDF at exactly 100 % must not miss).
    return { periodNs, wcetNs: Math.max(1000, Math.floor((u * periodNs) / 1000) * 1000) };
  });
}

/** One whole-CPU VMU running `set` under guest fixed priorities (rate-monotonic) or EDF. */
export function taskSetScenario(name: string, seed: number, durationNs: Ns, set: { periodNs: Ns; wcetNs: Ns }[], scheduler: 'fifo' | 'edf'): Scenario {
  // Rate-monotonic: shorter period, higher priority; equal periods keep their order (FIFO among equals).
  const byPeriod = set.map((t, i) => ({ ...t, i })).sort((a, b) => a.periodNs - b.periodNs || a.i - b.i);
  const priority = new Map(byPeriod.map((t, rank) => [t.i, 90 - rank]));
  const raw = {
    name,
    duration: ns(durationNs),
    seed,
    hosts: [{ id: 'ph', cpus: 1 }],
    vmus: [
      {
        id: 'vm',
        host: 'ph',
        sla: { budget: '100ms', period: '100ms' },
        guest: { scheduler },
        tasks: set.map((t, i) => ({
          id: `t${i}`,
          kind: 'periodic',
          period: ns(t.periodNs),
          exec: ns(t.wcetNs),
          policy: { class: 'fifo', priority: priority.get(i)! },
        })),
      },
    ],
  };
  return normalizeScenario(raw, `<${name}>`, { knownModels: modelNames() });
}

function runUtilisationPoint(scenario: Scenario, figureIndex: number, figure: UtilisationSweep, point: number): FigurePoint {
  const utilisation = figure.utilisations[point];
  const model = findModel(figure.model, scenario.file, `${figure.pointer}/model`);
  // A reservation of the whole CPU: kvm-irmos admits it only with the bound raised to 1.
  const fromScenario = scenario.models.find((m) => m.name === figure.model);
  const params = { ...(figure.model === 'kvm-irmos' ? { admissionBound: 1 } : {}), ...(fromScenario?.params ?? {}) };
  const request = { params, pointer: fromScenario?.pointer ?? figure.pointer };
  const fp: SchedulerOutcome = { missed: 0, judged: 0, setsWithMiss: 0 };
  const edf: SchedulerOutcome = { missed: 0, judged: 0, setsWithMiss: 0 };
  let actual = 0;
  for (let k = 0; k < figure.taskSets; k++) {
    const rng = new Rng(scenario.seed, `${scenario.name}/figures/${figureIndex}/u${utilisation}/set${k}`);
    const set = randomTaskSet(rng, utilisation, figure.tasks, figure.periods);
    actual += set.reduce((a, t) => a + t.wcetNs / t.periodNs, 0);
    for (const [scheduler, acc] of [['fifo', fp], ['edf', edf]] as const) {
      const sc = taskSetScenario(`${scenario.name}.u${utilisation}-set${k}-${scheduler}`, scenario.seed, figure.durationNs, set, scheduler);
      const run = simulate(sc, model, request);
      const missed = run.tasks.reduce((a, t) => a + t.missed, 0);
      acc.missed += missed;
      acc.judged += run.tasks.reduce((a, t) => a + t.judged, 0);
      if (missed > 0) acc.setsWithMiss++;
    }
  }
  return { kind: 'utilisation-sweep', utilisation, actualUtilisation: actual / figure.taskSets, sets: figure.taskSets, fp, edf };
}

// ---- folding points into charts and sentences -------------------------------------------------

const toMs = (x: Ns) => x / 1e6;
const setCount = (n: number, of: number) => (n === 0 ? 'no task set' : n === of ? `all ${of} task sets` : `${n} of ${of} task sets`);
const ratio = (o: { missed: number; judged: number }) => (o.judged === 0 ? 0 : o.missed / o.judged);

export function figureOutputs(scenario: Scenario, figureIndex: number, points: FigurePoint[]): { figures: FigureOutput[]; findings: string[] } {
  const figure = scenario.figures![figureIndex];
  return figure.kind === 'period-sweep'
    ? periodOutputs(scenario, figure, figureIndex, points as Extract<FigurePoint, { kind: 'period-sweep' }>[])
    : utilisationOutputs(scenario, figure, figureIndex, points as Extract<FigurePoint, { kind: 'utilisation-sweep' }>[]);
}

function periodOutputs(
  scenario: Scenario,
  figure: PeriodSweep,
  figureIndex: number,
  points: Extract<FigurePoint, { kind: 'period-sweep' }>[],
): { figures: FigureOutput[]; findings: string[] } {
  const vmu = scenario.vmus.find((v) => v.id === figure.vmu)!;
  const bandwidth = vmu.sla!.budget / vmu.sla!.period;
  const models = points[0]?.outcomes.map((o) => o.model) ?? [];
  const series = (metric: 'wakeupMaxNs' | 'responseMaxNs'): XySeries[] =>
    models.map((model, i) => ({
      label: model,
      color: modelColour(model, i),
      markers: true,
      points: points.flatMap((p) => {
        const o = p.outcomes[i];
        return o.refused || o.judged === 0 ? [] : [[toMs(p.periodNs), toMs(o[metric])] as [number, number]];
      }),
    }));
  const periods = points.map((p) => toMs(p.periodNs));
  const bound: XySeries = { label: 'P - Q (hard CBS, server idle at release)', color: '#777777', dash: true, points: points.map((p) => [toMs(p.periodNs), toMs(p.periodNs - p.budgetNs)]) };
  const deadlines = [...new Set(vmu.tasks.map((t) => t.deadline).filter(Number.isFinite))];
  const deadlineLines: XySeries[] = deadlines.map((d) => ({
    label: `deadline ${fmtNs(d)}`,
    color: '#777777',
    dash: true,
    points: [
      [Math.min(...periods), toMs(d)],
      [Math.max(...periods), toMs(d)],
    ],
  }));
  const pct = fmtPct(bandwidth, 0);
  const base = `${scenario.name}-fig${figureIndex + 1}`;
  const where = `VMU ${vmu.id} on ${vmu.host} (${pct} reserved, neighbours unchanged)`;
  const figures: FigureOutput[] = [
    {
      file: `${base}-wakeup-vs-period.png`,
      spec: {
        kind: 'xy',
        title: `Worst-case wake-up latency vs reservation period at ${pct}`,
        width: 900,
        height: 480,
        x: { title: 'reservation period P (ms, log scale)', log: true, ticks: periods },
        y: { title: 'worst-case wake-up latency (ms)', min: 0 },
        series: [...series('wakeupMaxNs'), bound],
      },
      caption: `Worst-case wake-up latency (release to first instruction) of the tasks of ${where}, reservation period swept over ${periods.map((p) => `${p}`).join(', ')} ms at budget ${pct} of it; one run of ${fmtNs(figure.durationNs)} per period and model. Dashed: P − Q.`,
    },
    {
      file: `${base}-response-vs-period.png`,
      spec: {
        kind: 'xy',
        title: `Worst-case response time vs reservation period at ${pct}`,
        width: 900,
        height: 480,
        x: { title: 'reservation period P (ms, log scale)', log: true, ticks: periods },
        y: { title: 'worst-case response time (ms)', min: 0 },
        series: [...series('responseMaxNs'), ...deadlineLines],
      },
      caption: `Worst-case response time of the same tasks in the same runs. Dashed: the task deadline${deadlines.length > 1 ? 's' : ''}.`,
    },
  ];
  const findings = models.map((model, i) => {
    const ok = points.filter((p) => !p.outcomes[i].refused && p.outcomes[i].judged > 0 && p.outcomes[i].missed === 0).map((p) => toMs(p.periodNs));
    const refused = points.filter((p) => p.outcomes[i].refused).map((p) => toMs(p.periodNs));
    const measured = points.filter((p) => !p.outcomes[i].refused);
    const first = measured[0]?.outcomes[i];
    const last = measured[measured.length - 1]?.outcomes[i];
    const range = first && last ? `worst-case wake-up ${fmtNs(first.wakeupMaxNs)} at P = ${toMs(measured[0].periodNs)} ms to ${fmtNs(last.wakeupMaxNs)} at ${toMs(measured[measured.length - 1].periodNs)} ms` : 'no run admitted';
    const all = measured.map((p) => toMs(p.periodNs));
    const prefix = ok.every((x, k) => x === all[k]);
    const suffix = ok.every((x, k) => x === all[all.length - ok.length + k]);
    const met =
      ok.length === 0
        ? 'missed deadlines at every period'
        : ok.length === all.length
          ? 'met every deadline at every period'
          : `met every deadline only for ${prefix ? `P ≤ ${ok[ok.length - 1]} ms` : suffix ? `P ≥ ${ok[0]} ms` : `P in {${ok.join(', ')}} ms`}`;
    return `${model}: ${range}; ${met}${refused.length ? `; refused P in {${refused.join(', ')}} ms` : ''}`;
  });
  return { figures, findings: [`Reservation period sweep of ${vmu.id} at ${pct} — ${findings.join('. ')}.`] };
}

function utilisationOutputs(
  scenario: Scenario,
  figure: UtilisationSweep,
  figureIndex: number,
  points: Extract<FigurePoint, { kind: 'utilisation-sweep' }>[],
): { figures: FigureOutput[]; findings: string[] } {
  const xs = points.map((p) => p.utilisation * 100);
  const line = (label: string, color: string, pick: (p: (typeof points)[number]) => number, dash = false): XySeries => ({
    label,
    color,
    dash,
    markers: true,
    points: points.map((p) => [p.utilisation * 100, pick(p) * 100]),
  });
  const fpColour = modelColour('kvm-linux', 1);
  const edfColour = modelColour('kvm-irmos', 0);
  const ll = liuLaylandBound(figure.tasks);
  const vertical = (x: number, label: string): XySeries => ({ label, color: '#777777', dash: true, points: [[x, 0], [x, 100]] });
  const spec: ChartSpec = {
    kind: 'xy',
    title: 'Deadline misses vs utilisation: fixed priority (RM) vs EDF',
    width: 900,
    height: 500,
    x: { title: 'total utilisation of the task set (%)', ticks: xs },
    y: { title: 'jobs or task sets (%)', min: 0, max: 100 },
    series: [
      line('RM: jobs missed', fpColour, (p) => ratio(p.fp)),
      line('EDF: jobs missed', edfColour, (p) => ratio(p.edf)),
      line('RM: task sets with a miss', fpColour, (p) => p.fp.setsWithMiss / p.sets, true),
      line('EDF: task sets with a miss', edfColour, (p) => p.edf.setsWithMiss / p.sets, true),
      vertical(ll * 100, `Liu & Layland, n = ${figure.tasks}: ${(ll * 100).toFixed(1)} %`),
      vertical(Math.LN2 * 100, 'ln 2: 69.3 %'),
    ],
  };
  const firstMiss = (pick: (p: (typeof points)[number]) => SchedulerOutcome) => points.find((p) => pick(p).setsWithMiss > 0);
  const fpFirst = firstMiss((p) => p.fp);
  const edfFirst = firstMiss((p) => p.edf);
  const at = (p: (typeof points)[number] | undefined, pick: (p: (typeof points)[number]) => SchedulerOutcome) =>
    p ? `first missed a deadline at U = ${fmtPct(p.utilisation, 0)} (${pick(p).setsWithMiss} of ${p.sets} task sets)` : `met every deadline up to U = ${fmtPct(points[points.length - 1].utilisation, 0)}`;
  const top = points[points.length - 1];
  const sentence =
    `Utilisation sweep, ${figure.taskSets} random sets of ${figure.tasks} tasks per point under ${figure.model}: ` +
    `fixed priorities ${at(fpFirst, (p) => p.fp)}, EDF ${at(edfFirst, (p) => p.edf)}; ` +
    `at U = ${fmtPct(top.utilisation, 0)} fixed priorities missed ${fmtPct(ratio(top.fp), 2)} of jobs (in ${setCount(top.fp.setsWithMiss, top.sets)}), EDF ${fmtPct(ratio(top.edf), 2)} (in ${setCount(top.edf.setsWithMiss, top.sets)}).`;
  return {
    figures: [
      {
        file: `${scenario.name}-fig${figureIndex + 1}-misses-vs-utilisation.png`,
        spec,
        caption: `Deadline-miss ratio against total utilisation: ${figure.taskSets} seeded random task sets of ${figure.tasks} implicit-deadline periodic tasks per point (UUniFast utilisations, periods ${figure.periods.map((p) => fmtNs(p)).join(', ')}), each run for ${fmtNs(figure.durationNs)} from a synchronous release in one VMU reserving a whole CPU under ${figure.model}, scheduled inside by rate-monotonic fixed priorities and by EDF. Solid: share of jobs that missed; dashed: share of task sets with at least one miss.`,
      },
    ],
    findings: [sentence],
  };
}
