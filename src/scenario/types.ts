// The resolved scenario: what the loader builds after schema validation, unit parsing, defaulting
// and semantic checks. The system it describes is the engine's SystemSpec (src/engine/system.ts);
// a scenario adds what experiments and reports need: its name and question, the models to run,
// expectations, figures, aggressors. The raw (on-disk) shape is schema/scenario.schema.json.

import type { MetricName, MetricSubject } from './metric-names.js';
import type { Ns, SystemSpec, VmuSpec } from '../engine/system.js';
import type { MachineAssumptions } from './machine.js';
import type { Phenomenon } from '../engine/phenomena.js';

export type {
  Arrival, ExecDist, GuestSchedulerKind, HostSpec, HostThreadSpec, IoLoadSpec, JobProgram, Ns, Policy, ProgramPhase,
  ProgramStep, Sla, SystemSpec, TaskSpec, WakeOverheads,
} from '../engine/system.js';

/** A VMU as a scenario describes it: the engine's VMU, plus how it misbehaves in `hvsim isolation`. */
export interface ScenarioVmu extends VmuSpec {
  /** Marks an aggressor for `hvsim isolation` (src/isolation) and how it misbehaves; ignored by runs. */
  aggressor?: Misbehaviour;
}

/** Kept under its old name: every VMU of a scenario. */
export type { ScenarioVmu as VmuSpec };

/**
 * How an aggressor VMU misbehaves in `hvsim isolation`: `busy` adds an infinite loop on each of its
 * vCPUs; `scale` multiplies every job demand of its tasks by `factor`.
 */
export type Misbehaviour = { mode: 'busy' } | { mode: 'scale'; factor: number };

export interface ModelRequest {
  /** Registry name, e.g. `kvm-irmos`. */
  name: string;
  /** Native parameter overrides understood by that model (validated by the model). */
  params: Record<string, unknown>;
  /** JSON pointer of this entry in the scenario file, for error messages. */
  pointer: string;
}

/** Optional expectations checked by `run`/`compare`/`report`/`regress`; a failed one exits 1. */
export type Expectation = MetricExpectation | AdmissionExpectation;

/** What a metric is read from: a task or host thread, a VMU, an I/O load; `id` names it. */
export interface MetricSubjectRef {
  kind: MetricSubject;
  id: string;
}

/** A bound on a metric (min/max, in its unit: ns, ratio, …) and/or a comparison with another model. */
export interface MetricExpectation {
  kind: 'metric';
  /** Model the expectation applies to; absent means every model. */
  model?: string;
  subject: MetricSubjectRef;
  metric: MetricName;
  max?: number;
  min?: number;
  /** This model's value must be < factor × (below) or > factor × (above) the named model's. */
  than?: { model: string; relation: 'below' | 'above'; factor: number };
  pointer: string;
}

/** The model's admission control must refuse (`refused: true`) or admit the configuration. */
export interface AdmissionExpectation {
  kind: 'admission';
  model: string;
  refused: boolean;
  /** A VMU's own verdict instead of the model's: at its start (a VMU with a lifetime), or of its SLA change at `atNs`. */
  vmu?: string;
  atNs?: Ns;
  pointer: string;
}

/** `regress:` — how far each metric may move from its golden value (exact when no entry matches). */
export interface Tolerance {
  metric: MetricName;
  model?: string;
  subject?: MetricSubjectRef;
  /** Fraction of the golden value (5 % = 0.05). */
  relative?: number;
  /** In the metric's unit (ns for a duration). */
  absolute?: number;
  pointer: string;
}

/**
 * An extra report figure that re-runs variants of the scenario (src/experiments/sweeps.ts runs them). Optional in
 * `Scenario` so scenarios built in code need not list any.
 */
export type FigureRequest =
  /** The VMU's reservation period swept at its SLA's bandwidth (seed figures 11/12). */
  | { kind: 'period-sweep'; vmu: string; periods: Ns[]; durationNs: Ns; pointer: string }
  /** Random task sets in one whole-CPU VMU: guest fixed priorities (RM) vs guest EDF. */
  | {
      kind: 'utilisation-sweep';
      utilisations: number[];
      taskSets: number;
      tasks: number;
      periods: Ns[];
      durationNs: Ns;
      model: string;
      pointer: string;
    }
  /** Seed figure 14: one task's working set swept (interference cache); the observed VMU's worst response and misses. */
  | { kind: 'working-set-sweep'; task: string; workingSets: number[]; vmu: string; durationNs: Ns; pointer: string }
  /** Seed figure 10: the named flows' offered throughput rises (bits/s, increasing); their PHs' VMUs and the flows themselves judged at each. */
  | { kind: 'throughput-sweep'; flows: string[]; throughputsBps: number[]; durationNs: Ns; pointer: string };

/** A metric that can answer a question (schema `answer.metric`). */
export type AnswerMetric = 'misses' | 'p99' | 'max' | 'wakeup-max' | 'share';

/** One thing the question asks about, resolved: what kind of subject it is and its bound. */
export interface AnswerTarget {
  id: string;
  /** A network flow (one-way latency; a lost packet misses too), a VSN request chain (end to end, likewise), an I/O load (end-to-end latency and misses), a task or host thread, or a VMU (its CPU share). */
  subject: 'flow' | 'chain' | 'io' | 'task' | 'vmu';
  /** The bound that counts as holding: the `bound` given, else the target's deadline; null for misses and share. */
  boundNs: Ns | null;
}

/** What answers the scenario's question (src/scenario/answer.ts resolves it, src/report/answer.ts phrases it). */
export interface Answer {
  /** holds/compares: judged on the scenario's own runs; breaks: the throughput at which each target stops holding, from the throughput-sweep figure. */
  kind: 'holds' | 'compares' | 'breaks';
  metric: AnswerMetric;
  of: AnswerTarget[];
  /** The `bound` as written (null: each target's deadline). */
  bound: Ns | null;
  because: Phenomenon;
  pointer: string;
}

/** A VSN (src/scenario/vsns.ts): its VMUs, and the span they share unless one sets its own inside it. */
export interface VsnSpec {
  id: string;
  vmus: string[];
  startNs?: Ns;
  stopNs?: Ns;
}

export interface Scenario extends SystemSpec {
  name: string;
  description: string;
  /** The question the experiment answers (report heading); '' when the file gives none. */
  question?: string;
  /** The metric that answers the question and the phenomenon that explains it; absent: the reading lists outcomes only. */
  answer?: Answer;
  /** Extra report figures; absent or empty: none. */
  figures?: FigureRequest[];
  vmus: ScenarioVmu[];
  models: ModelRequest[];
  expectations: Expectation[];
  /** VSNs (their times are already their VMUs'); absent: none. */
  vsns?: VsnSpec[];
  /** `hvsim regress` tolerances; absent or empty: every metric exact. */
  tolerances?: Tolerance[];
  /** What the prediction assumes about the machine and where each fact came from (set by the loaders). */
  assumptions?: MachineAssumptions;
}
