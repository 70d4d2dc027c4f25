// Why a KVM stack behaves as it does, per phenomenon (src/engine/phenomena.ts): the rule of the host
// Linux scheduler that decides it, in the terms of the configuration the model built (where the
// vhost/iothread sits, RT groups or CFS quota or SCHED_DEADLINE), with the reference section it
// follows. The reading of a report cites these beside the numbers (src/report/answer.ts); they state
// rules, never outcomes, so they stay true whatever a run measures.

import { unexplained, type Cause, type Phenomenon } from '../../src/engine/phenomena.js';
import { formatDuration } from '../../src/scenario/units.js';
import type { MigrationThreadPlacement } from './io-threads.js';

/** Where a VMU's I/O threads run (io-threads.ts). */
type IoPlacement = 'inside' | 'outside';

/** The vhost/iothread's place, which decides the io-path phenomenon on every KVM stack. */
function ioThreadCause(io: IoPlacement, inside: string, insideRef: string): Cause {
  if (io === 'outside') {
    return {
      rule: 'the vhost/iothread is a SCHED_OTHER thread outside the VMU’s reservation, so each of a request’s backend steps waits for CFS to pick it among the other runnable SCHED_OTHER threads (fair share by vruntime, no latency guarantee)',
      ref: 'linux-irmos.md §7.2, §6.1',
    };
  }
  return { rule: inside, ref: insideRef };
}

/**
 * The IXB category of the model's first host (models/categories.ts; the reading cites one rule per
 * model): absent when it declares no categories; `fixed` when the category is a reservation of
 * share × P every P.
 */
export interface IxbCategoryFacts {
  fixed: boolean;
  periodNs: number;
  /** kvm-deadline's ixbReclaim: the IXB's servers have SCHED_FLAG_RECLAIM (GRUB, grub.ts). */
  reclaim?: boolean;
}

/** Without categories the IXB work is each VMU's vhost thread, wherever io-path puts it. */
function noCategory(io: Cause): Cause {
  return { rule: `the host declares no CPU categories: the IXB's packet work is each VMU's vhost thread, and ${io.rule}`, ref: io.ref };
}

/** Below the iothread the host's block layer and its device scheduler order the requests (linux-irmos.md §7.2). */
const iothreadDevice: Cause = {
  rule: "the VMU's iothread hands each request to the host's storage device scheduler, which orders it among every stream's requests; the CPU scheduler decides only when the iothread runs",
  ref: 'linux-irmos.md §7.2',
};

/** Linux partitions CPU time, not the cache (cache.md §1.2): the same rule under every KVM stack. */
const cacheCause = (scheduler: string): Cause => ({
  rule: `${scheduler} divides CPU time only, not the shared cache or the memory bus: a neighbour's working set evicts the VMU's lines and stalls it, so each job needs more CPU than its budget was sized for`,
  ref: 'cache.md §1.2, §3.2',
});

/** QEMU's pre-copy rule: the same under every KVM stack (migration.md §2.1). */
const PRECOPY_RULE = "QEMU ends pre-copy as soon as the dirty rest fits the measured bandwidth × downtime-limit (300 ms), so the guest may be stopped for up to 300 ms of link time";

/**
 * QEMU's pre-copy rule and where its migration thread runs (migration.md §2.1, §2.2): `outside`
 * (QEMU's default), `inside` the migrating VMU's reservation (the scenario's `thread: inside`, placed
 * as an I/O thread with ioThreads inside: `inside` says how on this stack), or some of each.
 */
function migrationCause(thread: MigrationThreadPlacement, inside: Cause): Cause {
  const outside = "its migration thread is SCHED_OTHER outside the VMU's reservation, served by CFS from what the reserved VMUs leave";
  const where = thread === 'outside' ? outside : thread === 'inside' ? inside.rule : `where a migration has thread inside, ${inside.rule}; elsewhere ${outside}`;
  return { rule: `${PRECOPY_RULE}; ${where}`, ref: thread === 'outside' ? 'migration.md §2.1, §2.2' : `migration.md §2.1, §2.2; ${inside.ref}` };
}

/** Inside the VMU's reservation with a budget Q every P, the thread's pages cost CPU from that Q. */
const INSIDE_SHARES_BUDGET = "so pages move at most as fast as Q every P of CPU allows (the per-page send and receive cost against the budget) and the VMU's own tasks get only what the thread leaves of Q";

export function irmosExplain(io: IoPlacement, migration: MigrationThreadPlacement, migrateOnThrottle: boolean, ixb?: IxbCategoryFacts): (p: Phenomenon) => Cause {
  const explain = (p: Phenomenon): Cause => {
    switch (p) {
      case 'io-path':
        return ioThreadCause(
          io,
          'the vhost/iothread runs inside the VMU’s IRMOS reservation at a SCHED_FIFO priority above its vCPUs, so it is served by the VMU’s own hard CBS and waits only for that budget, at most P − Q once it is spent',
          'linux-irmos.md §7.3, §2.4',
        );
      case 'budget-granularity':
        return {
          rule: 'each reservation is a hard CBS: once its budget Q is spent it is throttled until its deadline, so a job woken then waits up to P − Q, and a fresh activation resets (Q, t + P)',
          ref: 'linux-irmos.md §2.4, §2.9',
        };
      case 'overload-isolation':
        return {
          rule: 'a hard CBS gives a reservation Q every P whatever the others do, admission keeps Σ Q/P ≤ the bound on each CPU, and best-effort VMUs run under CFS only when no reservation is ready',
          ref: 'linux-irmos.md §2.4, §2.8, §2.9',
        };
      case 'reservation-order':
        return { rule: 'reservations are ordered by their servers’ absolute deadlines (EDF among reservations on each CPU), task priorities counting only inside a reservation', ref: 'linux-irmos.md §2.3, §2.5' };
      case 'multicpu-placement':
        return {
          rule: `reservations are partitioned, Q every P on each CPU of the VMU’s cpuset, and its threads move between those CPUs by push/pull so its highest-priority tasks run${migrateOnThrottle ? ', a throttled server pushing its task to another CPU of the group' : ', a throttled server keeping its task (no push on throttle)'}`,
          ref: 'linux-irmos.md §2.6',
        };
      case 'cache-interference':
        return cacheCause('the IRMOS scheduler');
      case 'live-migration':
        return migrationCause(migration, {
          rule: `its migration thread runs in the migrating VMU's IRMOS group at a SCHED_FIFO priority above its vCPUs, served by the VMU's own hard CBS, ${INSIDE_SHARES_BUDGET}`,
          ref: 'linux-irmos.md §7.3, §2.4',
        });
      case 'device-scheduling':
        return iothreadDevice;
      case 'ixb-category':
        if (ixb === undefined) return noCategory(explain('io-path'));
        return ixb.fixed
          ? {
              rule: `every vhost thread runs in the IRMOS group ixb, a hard CBS of the category's share of each CPU every ${formatDuration(ixb.periodNs)}, scheduled flat beside the VMU groups: the IXB gets its portion in every period and never more (a hard CBS does not reclaim), and each VMU group keeps its own Q every P however much packet work waits`,
              ref: 'linux-irmos.md §2.4, §2.7, §2.9',
            }
          : { rule: 'the vhost threads are SCHED_OTHER in cgroup ixb, served by CFS only from what the reservations leave, divided by weight; the VMU groups keep their Q every P', ref: 'linux-irmos.md §2.4, §6.1' };
      default:
        return unexplained(p);
    }
  };
  return explain;
}

/** The stock-kernel variants of models/kvm/kvm-linux.ts. */
export type StockVariant = 'rt-groups' | 'cfs-quota' | 'deadline';

export interface StockFacts {
  variant: StockVariant;
  io: IoPlacement;
  /** Where the scenario's migration threads run (io-threads.ts migrationThreads). */
  migration: MigrationThreadPlacement;
  /** kvm-linux-cfs: cpu.max applied (false: plain CFS shares). */
  bandwidthControl: boolean;
  /** RT_RUNTIME_SHARE in force (rt-groups). */
  runtimeShare: boolean;
  /** The host's IXB category, when it declares categories (linux-categories.ts). */
  ixb?: IxbCategoryFacts;
}

/** Where linux-categories.ts put the vhost threads of a host with categories, as a rule. */
function stockIxbCause(f: StockFacts, ixb: IxbCategoryFacts): Cause {
  // The share is the host's (PHs of one scenario differ): the rule names the period only.
  const portion = `the category's share × ${formatDuration(ixb.periodNs)}`;
  if (ixb.fixed && f.variant === 'rt-groups') {
    return {
      rule: `every vhost thread runs SCHED_FIFO 99 in the RT cgroup ixb (cpu.rt_runtime_us = ${portion} on each CPU): above every vCPU until the group has spent its runtime, then throttled to the end of its period${f.runtimeShare ? ' (RT_RUNTIME_SHARE lets it borrow runtime from other CPUs first)' : ''}, so the IXB gets its portion and never takes the VMUs' RT groups' runtime beyond it`,
      ref: 'linux-irmos.md §3.3, §3.2',
    };
  }
  if (ixb.fixed && f.variant === 'deadline') {
    return {
      rule: ixb.reclaim === true
        ? `every vhost thread is a SCHED_DEADLINE server with its part of ${portion} and SCHED_FLAG_RECLAIM, in EDF order beside the vCPUs' servers; GRUB charges its runtime at max{u, Umax − Uinact − Uextra}/Umax, so it also uses the bandwidth the VMUs' sleeping servers and the unreserved part leave, up to sched_rt_runtime/sched_rt_period of the CPU, and never the VMUs' runtime (their CBS guarantee holds)`
        : `every vhost thread is a SCHED_DEADLINE server with its part of ${portion}, in EDF order beside the vCPUs' servers; once its runtime is spent it is throttled until its deadline (no GRUB reclaiming), so the IXB never takes the VMUs' runtime`,
      ref: 'linux-irmos.md §4.2, §4.3',
    };
  }
  return {
    rule: `the vhost threads are SCHED_OTHER in cgroup ixb with a weight ∝ the category's share${ixb.fixed ? ' (CFS cannot fix a portion)' : ''}: CFS gives the IXB a weighted share of contended time and no guarantee, while ${f.variant === 'cfs-quota' ? 'the VMUs are CFS groups too, so the IXB\'s growing demand and the VMUs\' compete by weight' : 'the reserved VMUs run first'}`,
    ref: f.variant === 'cfs-quota' ? 'linux-irmos.md §6.1, §6.3' : 'linux-irmos.md §6.1, §1.1',
  };
}

export function stockExplain(f: StockFacts): (p: Phenomenon) => Cause {
  const explain = (p: Phenomenon): Cause => {
    switch (p) {
      case 'io-path':
        return f.variant === 'cfs-quota'
          ? ioThreadCause(f.io, 'the vhost/iothread is a SCHED_OTHER thread in the VMU’s cgroup, so it shares the group’s CFS share and cpu.max quota with the vCPUs', 'linux-irmos.md §7.3, §6.3')
          : f.variant === 'rt-groups'
            ? ioThreadCause(f.io, 'the vhost/iothread runs SCHED_FIFO inside the VMU’s RT group, above its vCPUs, drawing on the group’s rt_runtime', 'linux-irmos.md §7.3, §3.3')
            : ioThreadCause(f.io, 'the vhost/iothread has its own small SCHED_DEADLINE reservation, served in EDF order beside the vCPUs’', 'linux-irmos.md §7.3, §4.2');
      case 'budget-granularity':
        return f.variant === 'rt-groups'
          ? { rule: `an RT group runs while it has rt_runtime left in its current rt_period and is throttled to the end of that period once it has spent it${f.runtimeShare ? ' (RT_RUNTIME_SHARE lets it borrow runtime from other CPUs first)' : ''}, so a job woken then waits up to P − Q`, ref: 'linux-irmos.md §3.3, §3.2' }
          : f.variant === 'deadline'
            ? { rule: 'each vCPU thread is a SCHED_DEADLINE hard CBS: once its runtime is spent it is throttled until its deadline, so a job woken then waits up to P − Q', ref: 'linux-irmos.md §4.2' }
            : f.bandwidthControl
              ? { rule: 'cpu.max refills the group’s quota on a fixed period grid and throttles it once spent, so a job waits up to P − Q after a burst; a waking vCPU thread otherwise runs as soon as CFS’s vruntime order puts it first', ref: 'linux-irmos.md §6.3, §6.1' }
              : { rule: 'with bandwidth control off there is no period at all: the budget is not enforced and a waking vCPU thread runs as soon as CFS’s vruntime order puts it first', ref: 'linux-irmos.md §6.1' };
      case 'overload-isolation':
        return f.variant === 'rt-groups'
          ? { rule: 'an RT group’s vCPU threads are SCHED_FIFO and run before every SCHED_OTHER thread, while a best-effort neighbour’s loop is SCHED_OTHER and can take only the time no RT group wants', ref: 'linux-irmos.md §1.1, §3.3' }
          : f.variant === 'deadline'
            ? { rule: 'SCHED_DEADLINE runs before the RT and fair classes and guarantees each admitted thread its runtime per period, so a SCHED_OTHER loop gets only the time left', ref: 'linux-irmos.md §1.1, §4.2, §4.5' }
            : f.bandwidthControl
              ? { rule: 'every VMU is a CFS cgroup: a neighbour’s loop gets a weighted fair share of the CPU, and cpu.max only caps a group, it guarantees nothing', ref: 'linux-irmos.md §6.1, §6.3' }
              : { rule: 'with bandwidth control off every VMU is a plain CFS group of equal weight, so a neighbour’s loop takes an equal share of the CPU whatever the SLA says', ref: 'linux-irmos.md §6.1' };
      case 'reservation-order':
        return f.variant === 'rt-groups'
          ? { rule: 'RT groups compete by the priority of their highest task, not by deadline, so the group with the lower priority waits while a higher one runs (fixed priorities, Liu & Layland’s bound)', ref: 'linux-irmos.md §3.3' }
          : f.variant === 'deadline'
            ? { rule: 'SCHED_DEADLINE threads are ordered by absolute deadline (global EDF)', ref: 'linux-irmos.md §4.2, §4.4' }
            : { rule: 'CFS has no deadlines: runnable groups share the CPU by weight in vruntime order, and a job needing more than its weight’s share in a burst waits its turn', ref: 'linux-irmos.md §6.1' };
      case 'multicpu-placement':
        return f.variant === 'rt-groups'
          ? { rule: 'RT vCPU threads move by push/pull so that about the M highest-priority runnable RT threads run (global fixed priorities), each group throttled per CPU', ref: 'linux-irmos.md §3.4, §3.3' }
          : f.variant === 'deadline'
            ? { rule: 'SCHED_DEADLINE threads move by push/pull as global EDF, which with pinned threads meets no guarantee from Σ U ≤ M alone', ref: 'linux-irmos.md §4.4' }
            : { rule: 'CFS balances load between CPUs by weight, ignoring deadlines', ref: 'linux-irmos.md §6.1' };
      case 'cache-interference':
        return cacheCause(f.variant === 'rt-groups' ? 'RT throttling' : f.variant === 'deadline' ? 'SCHED_DEADLINE' : 'CFS');
      case 'live-migration':
        return migrationCause(
          f.migration,
          f.variant === 'cfs-quota'
            ? { rule: `its migration thread is SCHED_OTHER in the VMU's cgroup, sharing its CFS weight and cpu.max quota with the vCPUs, ${INSIDE_SHARES_BUDGET}`, ref: 'linux-irmos.md §7.3, §6.3' }
            : f.variant === 'rt-groups'
              ? { rule: `its migration thread runs in the migrating VMU's RT group at SCHED_FIFO above its vCPUs, drawing on the group's rt_runtime, ${INSIDE_SHARES_BUDGET}`, ref: 'linux-irmos.md §7.3, §3.3' }
              : { rule: "its migration thread has its own small SCHED_DEADLINE reservation (ioRuntime every ioPeriod, as an I/O thread inside), served in EDF order beside the vCPUs': pages move at most as fast as that runtime allows, and the vCPUs keep their own", ref: 'linux-irmos.md §7.3, §4.2' },
        );
      case 'device-scheduling':
        return iothreadDevice;
      case 'ixb-category':
        return f.ixb === undefined ? noCategory(explain('io-path')) : stockIxbCause(f, f.ixb);
      default:
        return unexplained(p);
    }
  };
  return explain;
}
