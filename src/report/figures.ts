// Figures requested by a scenario's `figures:` list, folded from the points their sweeps ran
// (src/experiments/sweeps.ts) into charts and one sentence each, in the order of the points.

import { liuLaylandBound } from '../analysis/liu-layland.js';
import type { FigurePoint, PeriodSweep, SchedulerOutcome, UtilisationSweep } from '../experiments/sweeps.js';
import type { Ns, Scenario } from '../scenario/types.js';
import { modelColour, PALETTE, type ChartSpec, type XySeries } from './charts.js';
import { fmtNs, fmtPct } from './format.js';
import { workingSetOutputs } from './working-set-figure.js';
import type { WorkingSetPoint } from '../experiments/working-set-sweep.js';
import type { ThroughputPoint } from '../experiments/throughput-sweep.js';
import { breaksAnswer, throughputOutputs } from './throughput-figure.js';

/** A rendered-to-be figure: file name in the scenario's folder, chart, caption and alt text. */
export interface FigureOutput {
  file: string;
  spec: ChartSpec;
  caption: string;
}

// ---- folding points into charts and sentences -------------------------------------------------

const toMs = (x: Ns) => x / 1e6;
const setCount = (n: number, of: number) => (n === 0 ? 'no task set' : n === of ? `all ${of} task sets` : `${n} of ${of} task sets`);
const ratio = (o: { missed: number; judged: number }) => (o.judged === 0 ? 0 : o.missed / o.judged);

/**
 * The figure's charts and reading sentences; `answer`, for the throughput sweep a scenario's
 * `answer: { kind: breaks }` reads, the head of the reading's first sentence.
 */
export function figureOutputs(scenario: Scenario, figureIndex: number, points: FigurePoint[]): { figures: FigureOutput[]; findings: string[]; answer?: string } {
  const figure = scenario.figures![figureIndex];
  if (figure.kind === 'throughput-sweep') {
    const tp = points as ThroughputPoint[];
    const out = throughputOutputs(scenario, figure, figureIndex, tp);
    const answer = scenario.answer?.kind === 'breaks' ? breaksAnswer(scenario, figure, tp, scenario.answer.of.map((t) => t.id)) : undefined;
    return answer === undefined ? out : { ...out, answer };
  }
  if (figure.kind === 'working-set-sweep') return workingSetOutputs(scenario, figure, figureIndex, points as WorkingSetPoint[]);
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
  // Fixed priorities and EDF are guest schedulers, not models: two fixed palette colours.
  const fpColour = PALETTE[1];
  const edfColour = PALETTE[0];
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
