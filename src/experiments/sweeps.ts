// The runs behind the figures a scenario's `figures:` list asks for. Each figure is split into
// points (one per swept value) that run independently — on worker threads — and are then folded
// into a chart and a sentence (src/report/figures.ts) in the order of the points, so the output
// does not depend on which worker finished first.
//
// * period-sweep (seed D6.4.1 figures 11/12): one VMU's reservation period swept at the bandwidth
//   of its SLA, on its host alone with its neighbours unchanged; worst-case wake-up latency and
//   response time of its tasks under each of the scenario's models.
// * utilisation-sweep (seed §5.3.2: fixed priorities saturate near 69 %, EDF at 100 %): seeded
//   random task sets (UUniFast utilisations, periods drawn from a list) in one VMU that reserves a
//   whole CPU, scheduled by the guest with rate-monotonic priorities and with EDF.

import { InputError } from '../errors.js';
import { Rng } from '../engine/rng.js';
import { findModel, modelNames, registryEntry } from '../../models/index.js';
import type { ModelRun } from '../metrics/results.js';
import { normalizeScenario } from '../scenario/normalize.js';
import type { FigureRequest, Ns, Scenario } from '../scenario/types.js';
import { simulate } from './simulate.js';
import { runWorkingSetPoint, type WorkingSetPoint } from './working-set-sweep.js';
import { runThroughputPoint, type ThroughputPoint } from './throughput-sweep.js';

/** A model to run, as data (it crosses to worker threads): registry name and scenario overrides. */
export interface ModelPick {
  name: string;
  request?: { params: Record<string, unknown>; pointer: string };
}

export type PeriodSweep = Extract<FigureRequest, { kind: 'period-sweep' }>;
export type UtilisationSweep = Extract<FigureRequest, { kind: 'utilisation-sweep' }>;

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
  | WorkingSetPoint
  | ThroughputPoint
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

export function figurePointCount(figure: FigureRequest): number {
  if (figure.kind === 'working-set-sweep') return figure.workingSets.length;
  if (figure.kind === 'throughput-sweep') return figure.throughputsBps.length;
  return figure.kind === 'period-sweep' ? figure.periods.length : figure.utilisations.length;
}

export function runFigurePoint(scenario: Scenario, figureIndex: number, point: number, models: ModelPick[]): FigurePoint {
  const figure = scenario.figures![figureIndex];
  if (figure.kind === 'working-set-sweep') return runWorkingSetPoint(scenario, figure, point, models);
  if (figure.kind === 'throughput-sweep') return runThroughputPoint(scenario, figure, point, models);
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
  // A reservation of the whole CPU: the registry says which native parameters admit it.
  const fromScenario = scenario.models.find((m) => m.name === figure.model);
  const params = { ...(registryEntry(figure.model)?.wholeCpuParams ?? {}), ...(fromScenario?.params ?? {}) };
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
