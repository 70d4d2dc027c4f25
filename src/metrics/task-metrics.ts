// Named per-task metrics of a results.json run entry, as `hvsim sweep --metric` charts them and
// sweep.csv lists them.

import { InputError, describeValue } from '../errors.js';
import type { TaskResult } from './results.js';

/** Per-task metrics a sweep charts (`--metric`) and writes to CSV. */
export const SWEEP_METRICS: Record<string, { title: string; ns: boolean; of(t: TaskResult): number }> = {
  'response.p50': { title: 'median response time', ns: true, of: (t) => t.response.p50Ns },
  'response.p99': { title: 'p99 response time', ns: true, of: (t) => t.response.p99Ns },
  'response.max': { title: 'worst response time', ns: true, of: (t) => t.response.maxNs },
  'wakeup.p99': { title: 'p99 wake-up latency', ns: true, of: (t) => t.wakeup.p99Ns },
  'wakeup.max': { title: 'worst wake-up latency', ns: true, of: (t) => t.wakeup.maxNs },
  'tardiness.max': { title: 'worst tardiness', ns: true, of: (t) => t.tardinessMaxNs },
  missRatio: { title: 'deadline miss ratio', ns: false, of: (t) => t.missRatio },
  missed: { title: 'deadline misses', ns: false, of: (t) => t.missed },
  cpuShare: { title: 'CPU share', ns: false, of: (t) => t.cpuShare },
};

export function checkMetric(name: string): string {
  if (Object.hasOwn(SWEEP_METRICS, name)) return name;
  throw new InputError({ file: '<command line>', pointer: '/metric', expected: `one of ${Object.keys(SWEEP_METRICS).join(', ')}`, found: describeValue(name) });
}

