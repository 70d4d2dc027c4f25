// The scheduling phenomena an experiment can ask about, and the shape of a model's explanation of
// the rule behind each. A scenario's `answer.because` names one; every model's HostBuild explains
// it in the terms of its own configuration (where its I/O thread runs, which server enforces a
// budget), so a report can say *why* a stack held or failed without a hand-written sentence that
// goes stale when numbers change (src/report/answer.ts). Adding a phenomenon here makes tsc ask
// every model for its explanation (the `never` check in each model's explain).

export const PHENOMENA = {
  'io-path': "where a guest's I/O backend work runs (dom0, a vhost thread) and what decides when it gets a CPU",
  'budget-granularity': 'how long a reserved VMU can wait for its budget, and what that wait depends on (the reservation period)',
  'overload-isolation': 'what stops a VMU that wants every CPU cycle from taking a reserved neighbour’s time',
  'reservation-order': 'how several reservations on one CPU are ordered against each other (deadlines, fixed priorities, weights)',
  'multicpu-placement': 'how reserved vCPUs, pinned or free to migrate, are placed on several pCPUs',
  'cache-interference': 'what a neighbour’s working set in the shared cache does to a reserved VMU’s demand',
  'live-migration': 'how long a live-migrating VMU is stopped, and where the migration’s copying runs against the reserved VMUs',
  'device-scheduling': 'which rule of a host’s storage device scheduler (FIFO, mClock, mq-deadline, EDF) decides when a stream’s request reaches the disk',
  'ixb-category': 'what CPU a PH’s IXB packet work gets when the host partitions its CPU into categories (seed figure 6), and whether growing IXB work can take the VMUs’ time',
} as const;

export type Phenomenon = keyof typeof PHENOMENA;

export const PHENOMENON_NAMES = Object.keys(PHENOMENA) as Phenomenon[];

/** One rule of one scheduler, as the reading cites it: "<rule> (<ref>)". */
export interface Cause {
  /** The rule in the model's configured terms, one clause, no full stop (it sits inside a sentence). */
  rule: string;
  /** Where the rule is written: a reference § ("linux-irmos.md §2.4"), comma-separated if several. */
  ref: string;
}

export type Explain = (phenomenon: Phenomenon) => Cause;

/** For a model's switch over phenomena: tsc fails here when a phenomenon has no case. */
export function unexplained(p: never): never {
  throw new Error(`no explanation for phenomenon ${String(p)}`);
}
