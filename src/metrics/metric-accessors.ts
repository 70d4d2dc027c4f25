// How each metric of the catalogue (src/scenario/metric-names.ts) is read from a finished run. The
// mapped type makes a metric without its accessor a compile error, so extending `expect:` and the
// golden files is one line in the catalogue and one here.

import { METRICS, metricsFor, type MetricName, type MetricSubject } from '../scenario/metric-names.js';
import type { IoResult, ModelRun, TaskResult, VmuResult } from './results.js';
import { FLOW_METRICS, type FlowResult } from './flow-results.js';
import { CHAIN_METRICS, type ChainResult } from './chain-results.js';
import { MIGRATION_METRICS } from './migration-results.js';

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

type Reader<S> = (s: S) => number | undefined;

const TASK: Record<string, Reader<TaskResult>> = {
  missRatio: (t) => t.missRatio,
  missed: (t) => t.missed,
  completed: (t) => t.completed,
  responseP50Ns: (t) => t.response.p50Ns,
  responseP99Ns: (t) => t.response.p99Ns,
  responseMaxNs: (t) => t.response.maxNs,
  wakeupP99Ns: (t) => t.wakeup.p99Ns,
  wakeupMaxNs: (t) => t.wakeup.maxNs,
  tardinessMaxNs: (t) => t.tardinessMaxNs,
  cpuShare: (t) => t.cpuShare,
} satisfies { [M in MetricName as (typeof METRICS)[M]['subject'] extends 'task' ? M : never]: Reader<TaskResult> };

const VMU: Record<string, Reader<VmuResult>> = {
  cpuShare: (v) => v.cpuShare,
  reservedShare: (v) => v.reservedShare ?? undefined,
  shareOfReservation: (v) => (v.reservedShare ? round6(v.cpuShare / v.reservedShare) : undefined),
} satisfies { [M in MetricName as (typeof METRICS)[M]['subject'] extends 'vmu' ? (M extends keyof typeof MIGRATION_METRICS | keyof typeof LIFECYCLE_METRICS ? never : M) : never]: Reader<VmuResult> } & { cpuShare: Reader<VmuResult> };

/** VMU metrics read from the run's lifecycle records (issue 13): undefined for a VMU that did not boot to the end of its boot. */
const LIFECYCLE_METRICS = {
  bootTimeNs: (run: ModelRun, vmu: string) => run.lifecycle?.find((v) => v.vmu === vmu)?.bootTimeNs,
} satisfies Record<string, (run: ModelRun, vmu: string) => number | undefined>;

const IO: Record<string, Reader<IoResult>> = {
  ioLatencyP50Ns: (l) => l.latency.p50Ns,
  ioLatencyP99Ns: (l) => l.latency.p99Ns,
  ioLatencyMaxNs: (l) => l.latency.maxNs,
  ioMissRatio: (l) => l.missRatio,
  ioCompleted: (l) => l.completed,
  iops: (l) => l.iops,
  bytesPerSec: (l) => l.bytesPerSec,
} satisfies { [M in MetricName as (typeof METRICS)[M]['subject'] extends 'io' ? M : never]: Reader<IoResult> };

const FLOW: Record<string, Reader<FlowResult>> = FLOW_METRICS satisfies { [M in MetricName as (typeof METRICS)[M]['subject'] extends 'flow' ? M : never]: Reader<FlowResult> };

const CHAIN: Record<string, Reader<ChainResult>> = CHAIN_METRICS satisfies { [M in MetricName as (typeof METRICS)[M]['subject'] extends 'chain' ? M : never]: Reader<ChainResult> };

/** The metric of subject `id` in `run`; undefined when the run has no such subject or the metric does not apply (iops of a network load). */
export function readMetric(run: ModelRun, subject: MetricSubject, id: string, metric: MetricName): number | undefined {
  switch (subject) {
    case 'task': {
      const t = run.tasks.find((x) => x.id === id);
      return t && TASK[metric]?.(t);
    }
    case 'vmu': {
      const v = run.vmus.find((x) => x.id === id);
      if (v === undefined) return undefined;
      if (metric in LIFECYCLE_METRICS) return LIFECYCLE_METRICS[metric as keyof typeof LIFECYCLE_METRICS](run, id);
      return metric in MIGRATION_METRICS ? MIGRATION_METRICS[metric as keyof typeof MIGRATION_METRICS](run.migrations ?? [], id) : VMU[metric]?.(v);
    }
    case 'io': {
      const l = run.io.find((x) => x.id === id);
      return l && IO[metric]?.(l);
    }
    case 'flow': {
      const f = run.flows?.find((x) => x.id === id);
      return f && FLOW[metric]?.(f);
    }
    case 'chain': {
      const c = run.chains?.find((x) => x.id === id);
      return c && CHAIN[metric]?.(c);
    }
  }
}

/**
 * Why the run has no value of a metric its subject should have — a boot that never ended has no boot
 * time, and an expectation on it must fail rather than be skipped; undefined when having no value is
 * only "this model has no such subject" (dom0's tasks under KVM).
 */
export function missingReason(run: ModelRun, subject: MetricSubject, id: string, metric: MetricName): string | undefined {
  if (subject !== 'vmu' || !(metric in LIFECYCLE_METRICS)) return undefined;
  const start = run.lifecycle?.find((v) => v.vmu === id);
  if (start === undefined) return undefined;
  return start.admitted ? `VMU ${id} did not finish booting by the end of the run` : `VMU ${id} was refused at its start: it never booted`;
}

/** Every metric of every subject of a run, keyed "task:<id>" / "vmu:<id>" / "io:<id>" / "flow:<id>" / "chain:<id>", in run and catalogue order. */
export function runMetrics(run: ModelRun): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const add = (kind: MetricSubject, ids: string[]) => {
    for (const id of ids) {
      const values: Record<string, number> = {};
      for (const m of metricsFor(kind)) {
        const v = readMetric(run, kind, id, m);
        if (v !== undefined) values[m] = v;
      }
      out[`${kind}:${id}`] = values;
    }
  };
  add('task', run.tasks.map((t) => t.id));
  add('vmu', run.vmus.map((v) => v.id));
  add('io', run.io.map((l) => l.id));
  add('flow', (run.flows ?? []).map((f) => f.id));
  add('chain', (run.chains ?? []).map((c) => c.id));
  return out;
}

