// The metrics a scenario may name — in `expect:` bounds and comparisons, and in `regress:`
// tolerances — with the kind of subject each belongs to and its unit. One catalogue: the schema's
// enum, the normaliser's checks (a VMU metric on a task is refused with a pointer, an absolute
// tolerance of a nanosecond metric must be a duration) and the golden files are all read from it.
// Each name's value is read from a run by an accessor in src/metrics/metric-accessors.ts, typed so
// that a name added here without its accessor does not compile. Flow metrics (the IXB network) join
// by adding a subject kind here and its accessors there (flows did).

/** What a metric is measured on: a task or host thread, a VMU, an I/O load (storage streams are I/O loads with a device). */
export type MetricSubject = 'task' | 'vmu' | 'io' | 'flow' | 'chain';

/** How a metric's values are written in a scenario: ns take durations ("3ms"), the others plain numbers. */
export type MetricUnit = 'ns' | 'ratio' | 'share' | 'count' | 'per-second' | 'bytes-per-second' | 'bits-per-second';

export interface MetricInfo {
  subject: MetricSubject;
  unit: MetricUnit;
  /** One line for the schema and the docs. */
  describe: string;
}

export const METRICS = {
  // Tasks and host threads (results.json runs[].tasks[]).
  missRatio: { subject: 'task', unit: 'ratio', describe: 'jobs missed / jobs judged, in [0, 1]' },
  missed: { subject: 'task', unit: 'count', describe: 'jobs that missed their deadline' },
  completed: { subject: 'task', unit: 'count', describe: 'jobs completed in the measured window' },
  responseP50Ns: { subject: 'task', unit: 'ns', describe: 'median response time' },
  responseP99Ns: { subject: 'task', unit: 'ns', describe: '99th percentile response time' },
  responseMaxNs: { subject: 'task', unit: 'ns', describe: 'worst response time' },
  wakeupP99Ns: { subject: 'task', unit: 'ns', describe: '99th percentile wake-up latency (release to first run)' },
  wakeupMaxNs: { subject: 'task', unit: 'ns', describe: 'worst wake-up latency' },
  tardinessMaxNs: { subject: 'task', unit: 'ns', describe: 'worst lateness past a deadline' },
  cpuShare: { subject: 'task', unit: 'share', describe: 'CPU time / measured window (a VMU: in CPUs)' },
  // VMUs (runs[].vmus[]); `cpuShare` above also applies to a VMU named as the subject.
  reservedShare: { subject: 'vmu', unit: 'share', describe: 'vcpus × budget / period of the SLA, in CPUs' },
  shareOfReservation: { subject: 'vmu', unit: 'ratio', describe: 'CPU share received / share reserved (1 = exactly the reservation)' },
  // Live migrations (runs[].migrations[]; readers: MIGRATION_METRICS in src/metrics/migration-results.ts), on the migrated VMU.
  migrationTotalNs: { subject: 'vmu', unit: 'ns', describe: 'its live migration, start to resume on the destination (none if refused or unfinished)' },
  migrationDowntimeNs: { subject: 'vmu', unit: 'ns', describe: 'its live migration\'s downtime, stop to resume' },
  migrationRounds: { subject: 'vmu', unit: 'count', describe: 'live (pre-copy) rounds its migration sent' },
  migrationBytes: { subject: 'vmu', unit: 'count', describe: 'bytes its migration put on the link' },
  missedDuringMigration: { subject: 'vmu', unit: 'count', describe: 'deadline misses of its jobs released while a migration between its PH and another ran (the migrated VMU or a neighbour)' },
  // Lifecycle (runs[].lifecycle[]; reader: bootTimeNs in src/metrics/metric-accessors.ts), on a VMU with a boot phase.
  bootTimeNs: { subject: 'vmu', unit: 'ns', describe: 'its boot, start to the end of its boot phase (disk reads, then the CPU burst); a boot that never ended fails a bound' },
  // I/O loads and storage streams (runs[].io[]).
  ioLatencyP50Ns: { subject: 'io', unit: 'ns', describe: 'median end-to-end request latency' },
  ioLatencyP99Ns: { subject: 'io', unit: 'ns', describe: '99th percentile end-to-end request latency' },
  ioLatencyMaxNs: { subject: 'io', unit: 'ns', describe: 'worst end-to-end request latency' },
  ioMissRatio: { subject: 'io', unit: 'ratio', describe: 'requests over their deadline / requests completed' },
  ioCompleted: { subject: 'io', unit: 'count', describe: 'requests completed' },
  iops: { subject: 'io', unit: 'per-second', describe: 'storage streams: requests served per second' },
  bytesPerSec: { subject: 'io', unit: 'bytes-per-second', describe: 'storage streams: bytes served per second' },
  // Packet flows through the IXB (runs[].flows[]; their readers: FLOW_METRICS in src/metrics/flow-results.ts).
  flowLatencyP50Ns: { subject: 'flow', unit: 'ns', describe: 'median one-way packet latency' },
  flowLatencyP99Ns: { subject: 'flow', unit: 'ns', describe: '99th percentile one-way packet latency' },
  flowLatencyMaxNs: { subject: 'flow', unit: 'ns', describe: 'worst one-way packet latency' },
  flowJitterNs: { subject: 'flow', unit: 'ns', describe: 'packet delay variation' },
  flowThroughputBps: { subject: 'flow', unit: 'bits-per-second', describe: 'bits delivered per second' },
  flowLossRatio: { subject: 'flow', unit: 'ratio', describe: 'packets lost / sent' },
  flowPolicedRatio: { subject: 'flow', unit: 'ratio', describe: 'packets dropped by the policer / sent' },
  flowQueueFullRatio: { subject: 'flow', unit: 'ratio', describe: 'packets dropped at a full queue / sent' },
  flowStarvedRatio: { subject: 'flow', unit: 'ratio', describe: 'packets lost to CPU starvation / sent' },
  flowDestinationAbsentRatio: { subject: 'flow', unit: 'ratio', describe: 'packets dropped at the destination PH because the destination VMU was not running (not started, booting, stopped) / sent' },
  // A VSN's request chains (runs[].chains[]; their readers: CHAIN_METRICS in src/metrics/chain-results.ts).
  chainLatencyP50Ns: { subject: 'chain', unit: 'ns', describe: 'median end-to-end request latency' },
  chainLatencyP99Ns: { subject: 'chain', unit: 'ns', describe: '99th percentile end-to-end request latency' },
  chainLatencyMaxNs: { subject: 'chain', unit: 'ns', describe: 'worst end-to-end request latency' },
  chainMissRatio: { subject: 'chain', unit: 'ratio', describe: 'requests over the end-to-end deadline or failed / completed or failed' },
  chainLossRatio: { subject: 'chain', unit: 'ratio', describe: 'requests whose packet was lost / started' },
  chainFailedRatio: { subject: 'chain', unit: 'ratio', describe: 'requests failed because a stage\'s VMU was not running (destinationAbsent) / started' },
  chainCpuWaitMeanNs: { subject: 'chain', unit: 'ns', describe: 'mean time a request waited for a CPU in its compute stages' },
  chainCpuWaitP99Ns: { subject: 'chain', unit: 'ns', describe: '99th percentile of that CPU wait' },
  chainIxbMeanNs: { subject: 'chain', unit: 'ns', describe: 'mean time in the IXBs (their CPU stages and egress disciplines)' },
  chainIxbP99Ns: { subject: 'chain', unit: 'ns', describe: '99th percentile of the IXB time' },
  chainLinkMeanNs: { subject: 'chain', unit: 'ns', describe: 'mean time on physical links (NIC queue, wire, propagation)' },
  chainLinkP99Ns: { subject: 'chain', unit: 'ns', describe: '99th percentile of the link time' },
  chainStorageMeanNs: { subject: 'chain', unit: 'ns', describe: 'mean time at storage devices (queue and service)' },
  chainStorageP99Ns: { subject: 'chain', unit: 'ns', describe: '99th percentile of the storage time' },
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** Metrics a subject kind has; `cpuShare` belongs to tasks and VMUs alike. */
export function metricsFor(subject: MetricSubject): MetricName[] {
  return METRIC_NAMES.filter((m) => METRICS[m].subject === subject || (m === 'cpuShare' && subject === 'vmu'));
}

export function metricApplies(metric: MetricName, subject: MetricSubject): boolean {
  return metricsFor(subject).includes(metric);
}

/** The schema's description of the metric field, listing every metric with its unit. */
export function metricCatalogue(): string {
  return METRIC_NAMES.map((m) => `${m} (${METRICS[m].subject}, ${METRICS[m].unit}): ${METRICS[m].describe}`).join('; ');
}
