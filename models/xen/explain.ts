// Why a Xen stack behaves as it does, per phenomenon (src/engine/phenomena.ts): the rule of the Xen
// scheduler that decides it, in the terms of the configuration the model built (dom0's weight or
// slice/period, the Credit version and timeslice), with the reference section it follows. The
// reading of a report cites these (src/report/answer.ts); they state rules, never outcomes.

import { unexplained, type Cause, type Phenomenon } from '../../src/engine/phenomena.js';
import { formatDuration } from '../../src/scenario/units.js';
import type { CreditFeatures } from './credit-version.js';

/** No Xen scheduler partitions the cache (cache.md §1.2): it divides CPU time only. */
const cacheCause = (scheduler: string): Cause => ({
  rule: `${scheduler} divides CPU time only, not the shared cache or the memory bus: a neighbour's working set evicts the VMU's lines and stalls it, so each job needs more CPU than its budget was sized for`,
  ref: 'cache.md §1.2, §3.2',
});

/** Xen's pre-copy rule and where it copies (migration.md §3.1, §3.2): the same under every scheduler, which decides dom0's share. */
const migrationCause = (scheduler: string): Cause => ({
  rule: `xc_domain_save repeats pre-copy rounds until fewer than 50 pages are dirty or 5 rounds are sent, then suspends the domain for the rest, so a converging guest is down only for its last small dirty set; the copying runs in dom0 (libxl-save-helper), which ${scheduler} schedules like any domain`,
  ref: 'migration.md §3.1, §3.2',
});

/** Under every Xen scheduler a guest's I/O crosses dom0's backend twice (xen.md §7.2). */
const dom0Path = (how: string): string => `a request waits twice for dom0's netback/blkback, dom0 being ${how}`;

/** Below dom0's blkback the host's device scheduler orders the requests (xen.md §7.2; io-qos.md §1). */
const dom0Device: Cause = {
  rule: "dom0's blkback hands each request to the host's storage device scheduler, which orders it among every stream's requests; the Xen scheduler decides only when blkback gets the CPU",
  ref: 'xen.md §7.2',
};

/**
 * Host CPU categories under Xen (xen-categories.ts): the IXB's netback moves to the network driver
 * domain ixb, given the category's portion the scheduler's way; without categories it stays dom0's.
 */
const dom0Category = (how: string, ref: string, driverDomain: string): Cause => ({
  rule: `with CPU categories the IXB's packet work is netback in the network driver domain ixb, which ${driverDomain}, and it competes with the guests as one more domain; without them it is dom0's, dom0 being ${how}`,
  ref: `${ref}, xen.md §7.3`,
});

export function sedfExplain(dom0Slice: number, dom0Period: number): (p: Phenomenon) => Cause {
  return (p) => {
    switch (p) {
      case 'io-path':
        return { rule: dom0Path(`an SEDF domain of ${formatDuration(dom0Slice)} every ${formatDuration(dom0Period)} with extratime that waits its EDF turn, or for idle time in 500 µs quanta once its slice is spent`), ref: 'xen.md §7.2, §5' };
      case 'budget-granularity':
        return { rule: 'SEDF serves each slice once per period in EDF order, and a domain woken before its deadline forfeits the rest of its slice (short block), so it can wait up to 2P − S', ref: 'xen.md §5' };
      case 'overload-isolation':
        return { rule: 'a reserved domain gets its slice per period in EDF order and a best-effort one runs only on extratime, but a domain that blocks before its deadline forfeits the rest of that period’s slice (short block)', ref: 'xen.md §5' };
      case 'reservation-order':
        return { rule: 'SEDF orders domains by absolute deadline (EDF on slice/period) on each pCPU, and a domain that blocks before its deadline forfeits the rest of its slice (short block), its next job waiting for the next period', ref: 'xen.md §5' };
      case 'multicpu-placement':
        return { rule: 'SEDF places each vCPU once on a pCPU of its affinity (round-robin by vCPU id) and never balances, so each pCPU’s EDF sees only the vCPUs placed there', ref: 'xen.md §5' };
      case 'cache-interference':
        return cacheCause('Xen SEDF');
      case 'live-migration':
        return migrationCause('Xen SEDF');
      case 'device-scheduling':
        return dom0Device;
      case 'ixb-category':
        return dom0Category(`an SEDF domain of ${formatDuration(dom0Slice)} every ${formatDuration(dom0Period)} with extratime that waits its EDF turn, or for idle time in 500 µs quanta once its slice is spent`, 'xen.md §5', 'gets a slice of categoryPeriod per vCPU with extratime');
      default:
        return unexplained(p);
    }
  };
}

export function creditExplain(tslice: number, features: CreditFeatures, xenVersion: string, dom0Weight: number): (p: Phenomenon) => Cause {
  const slice = formatDuration(tslice);
  const sampled = features.sampledAccounting ? `; Xen ${xenVersion} debits credit by sampling whoever runs at each tick` : '';
  const sampledRef = features.sampledAccounting ? ', §2.13' : '';
  return (p) => {
    switch (p) {
      case 'io-path':
        return { rule: dom0Path(`a Credit domain of weight ${dom0Weight}, BOOSTed on wake only while UNDER — once OVER it waits behind the CPU-bound domains' ${slice} slices`), ref: `xen.md §7.2, §2.5, §2.12${sampledRef}` };
      case 'budget-granularity':
        return { rule: `Credit has no period: the budget becomes a weight and a cap that parks a domain only at ${slice} accounting instants, and a vCPU woken UNDER is BOOSTed and runs at once${sampled}`, ref: `xen.md §2.5, §2.11${sampledRef}` };
      case 'overload-isolation':
        return { rule: `Credit divides the CPU by weight, enforced only statistically at ${slice} accountings, and a domain woken OVER waits behind a CPU-bound one’s ${slice} slice${sampled}`, ref: `xen.md §2.4, §2.12${sampledRef}` };
      case 'reservation-order':
        return { rule: `Credit has no deadlines: domains run by BOOST/UNDER/OVER then round-robin in ${slice} slices, so a domain whose demand exceeds its weight’s share goes OVER and waits a slice per domain ahead${sampled}`, ref: `xen.md §2.7, §2.12${sampledRef}` };
      case 'multicpu-placement':
        return { rule: 'Credit queues vCPUs per pCPU and lets idle pCPUs steal UNDER work, with no notion of which vCPU needs its CPU soonest', ref: 'xen.md §2.8, §2.9' };
      case 'cache-interference':
        return cacheCause('Xen Credit');
      case 'live-migration':
        return migrationCause('Xen Credit');
      case 'device-scheduling':
        return dom0Device;
      case 'ixb-category':
        return dom0Category(`a Credit domain of weight ${dom0Weight}, BOOSTed on wake only while UNDER — once OVER it waits behind the CPU-bound domains' ${slice} slices`, `xen.md §2.5, §2.12${sampledRef}`, 'gets a cpupool of its own for a fixed portion of whole pCPUs, else a weight ∝ its portion without cap (a long-run share)');
      default:
        return unexplained(p);
    }
  };
}

export function credit2Explain(dom0Weight: number): (p: Phenomenon) => Cause {
  return (p) => {
    switch (p) {
      case 'io-path':
        return { rule: dom0Path(`a Credit2 domain of weight ${dom0Weight}; a vCPU that slept keeps its unburnt credit and is inserted ahead of CPU-bound domains that burnt theirs`), ref: 'xen.md §7.2, §3' };
      case 'budget-granularity':
        return { rule: 'Credit2 has no period: the budget becomes a weight and a cap, and a vCPU that slept keeps its credit and runs on waking ahead of those that burnt theirs', ref: 'xen.md §3' };
      case 'overload-isolation':
        return { rule: 'Credit2 shares the CPU by weight (credit burnt at max_weight/weight per ns) and caps by a budget per period, with no reservation: a neighbour that wants every cycle is held only to its weight', ref: 'xen.md §3' };
      case 'reservation-order':
        return { rule: 'Credit2 has no deadlines: it runs the vCPU with the most credit, so a domain whose job needs more than its weight’s share in a burst falls behind domains with more credit', ref: 'xen.md §3' };
      case 'multicpu-placement':
        return { rule: 'Credit2 shares a runqueue per socket and balances load between runqueues, ordering by credit rather than urgency', ref: 'xen.md §3' };
      case 'cache-interference':
        return cacheCause('Xen Credit2');
      case 'live-migration':
        return migrationCause('Xen Credit2');
      case 'device-scheduling':
        return dom0Device;
      case 'ixb-category':
        return dom0Category(`a Credit2 domain of weight ${dom0Weight}; a vCPU that slept keeps its unburnt credit and is inserted ahead of CPU-bound domains that burnt theirs`, 'xen.md §3', 'gets a cpupool of its own for a fixed portion of whole pCPUs, else a weight ∝ its portion without cap (a long-run share)');
      default:
        return unexplained(p);
    }
  };
}

export function rtdsExplain(dom0Budget: number, dom0Period: number): (p: Phenomenon) => Cause {
  return (p) => {
    switch (p) {
      case 'io-path':
        return { rule: dom0Path(`an RTDS vCPU of ${formatDuration(dom0Budget)} every ${formatDuration(dom0Period)} with extratime: once its budget is spent it drops below every vCPU with budget left and waits in EDF order among the extratime vCPUs until its replenishment`), ref: 'xen.md §7.2, §4' };
      case 'budget-granularity':
        return { rule: 'RTDS is global EDF with deferrable servers on a period grid from time 0: a vCPU woken with its budget spent waits for the next grid boundary and up to P − B more', ref: 'xen.md §4' };
      case 'overload-isolation':
        return { rule: 'RTDS serves each reserved vCPU its budget per period in EDF order (extratime off), and extratime vCPUs run below every vCPU with budget left', ref: 'xen.md §4' };
      case 'reservation-order':
        return { rule: 'RTDS orders vCPUs by absolute deadline (global EDF) on each period grid, a deferrable server keeping its budget while it sleeps', ref: 'xen.md §4' };
      case 'multicpu-placement':
        return { rule: 'RTDS is global EDF within the pool, for which Σ U ≤ m is not sufficient: the vCPUs with the m earliest deadlines can hold every pCPU a pinned vCPU may use', ref: 'xen.md §4' };
      case 'cache-interference':
        return cacheCause('Xen RTDS');
      case 'live-migration':
        return migrationCause('Xen RTDS');
      case 'device-scheduling':
        return dom0Device;
      case 'ixb-category':
        return dom0Category(`an RTDS vCPU of ${formatDuration(dom0Budget)} every ${formatDuration(dom0Period)} with extratime: once its budget is spent it drops below every vCPU with budget left and waits in EDF order among the extratime vCPUs until its replenishment`, 'xen.md §4', 'gets a budget of categoryPeriod per vCPU with extratime');
      default:
        return unexplained(p);
    }
  };
}
