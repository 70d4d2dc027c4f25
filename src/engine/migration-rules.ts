// Live migration's stop rules (issue 13; reference note migration.md): pre-copy as Clark
// et al. describe it ("Live Migration of Virtual Machines", NSDI 2005; migration.md §1.1): round 1 sends every page while the guest runs, round
// i sends the pages dirtied during round i−1, until the stack's stop rule says the rest is small
// enough (or the rounds are up); then the VMU stops, the last dirty pages and the device state
// cross ("stop-and-copy"), and it resumes on the destination. Its downtime is that gap.
//
// Stop rules (PRECOPY_RULES; migration.md §2.1, §3.1):
// - KVM / QEMU (migration/migration.c migration_update_counters, migration_iteration_run): after each
//   bitmap sync, complete when the pending dirty bytes fit `threshold_size = bandwidth ×
//   downtime_limit` (bandwidth measured over the iteration; downtime-limit default 300 ms,
//   migration/options.c DEFAULT_MIGRATE_SET_DOWNTIME); no round limit — a guest that dirties faster
//   than the link carries never converges and migrates on until cancelled (auto-converge and
//   postcopy are off by default). The stream is rate-limited to max-bandwidth (MAX_THROTTLE, 128 MiB/s
//   since QEMU 5.2) during pre-copy; migration_completion_precopy stops the VM and sets
//   RATE_LIMIT_DISABLED, so the stop-and-copy goes at the link's speed.
// - Xen (tools/libs/guest/xg_sr_save.c simple_precopy_policy, send_memory_live; Xen ≥ 4.6, "the
//   policy previously hard-coded into xc_domain_save()"): stop-and-copy once 5 rounds have been sent
//   (SPP_MAX_ITERATIONS) or fewer than 50 pages are dirty (SPP_TARGET_DIRTY_COUNT) — in that case
//   those pages are still sent live once more, then the domain is suspended and what was dirtied
//   meanwhile is sent (suspend_and_send_dirty). No rate limit (xc_domain_save's ADAPTIVE_SAVE rate
//   control is compiled out). The legacy xc_domain_save (Xen ≤ 4.5) had DEF_MAX_ITERS 29 and
//   DEF_MAX_FACTOR 3 (stop after sending 3× the memory); maxRounds overrides the round limit.
//
// Dirtying: the guest dirties `dirtyBytesPerSec` of distinct pages while it runs, capped at its
// memory (Clark et al.'s writable working set is the whole memory here): a round of length t leaves
// min(pages, ⌊rate·t / page⌋) pages for the next one.

import type { MigrationSpec, Ns } from './system.js';

/** A stack's pre-copy rule and defaults (see the header for the sources). */
export interface PrecopyRule {
  /** Who sends: 'qemu' (KVM) or 'xc_domain_save' (Xen). */
  sender: 'qemu' | 'xc_domain_save';
  /** Pre-copy rate limit in bits/s; null: none. */
  maxBandwidthBps: number | null;
  /** QEMU: stop-and-copy when the rest fits bandwidth × this; null: no such test. */
  downtimeLimitNs: Ns | null;
  /** Live rounds at most; null: unbounded. */
  maxRounds: number | null;
  /** Xen: stop-and-copy when fewer pages than this are dirty (they are sent live once more first). */
  targetDirtyPages: number | null;
  /** Whether the stop-and-copy keeps the pre-copy rate limit (QEMU lifts it). */
  pacedStopAndCopy: boolean;
  /** QEMU's auto-converge capability when the scenario turns it on (KVM only); null: off, QEMU's default. */
  autoConverge: AutoConverge | null;
}

export const PRECOPY_RULES: Record<'kvm' | 'xen', PrecopyRule> = {
  kvm: { sender: 'qemu', maxBandwidthBps: 128 * 2 ** 20 * 8, downtimeLimitNs: 300_000_000, maxRounds: null, targetDirtyPages: null, pacedStopAndCopy: false, autoConverge: null },
  xen: { sender: 'xc_domain_save', maxBandwidthBps: null, downtimeLimitNs: null, maxRounds: 5, targetDirtyPages: 50, pacedStopAndCopy: false, autoConverge: null },
};

/** The stack's rule with the scenario's overrides. */
export function precopyRule(family: 'kvm' | 'xen', spec: Pick<MigrationSpec, 'maxBandwidthBps' | 'downtimeLimitNs' | 'maxRounds' | 'autoConverge'>): PrecopyRule {
  const base = PRECOPY_RULES[family];
  return {
    ...base,
    ...(spec.maxBandwidthBps !== undefined && { maxBandwidthBps: spec.maxBandwidthBps }),
    ...(spec.downtimeLimitNs !== undefined && { downtimeLimitNs: spec.downtimeLimitNs }),
    ...(spec.maxRounds !== undefined && { maxRounds: spec.maxRounds }),
    ...(spec.autoConverge !== undefined && { autoConverge: spec.autoConverge }),
  };
}

/** Pages the guest dirties in `ns` of running: ⌊rate·t / page⌋, at most all of them. */
export function dirtiedPages(spec: Pick<MigrationSpec, 'dirtyBytesPerSec' | 'pageBytes' | 'memoryBytes'>, ns: Ns): number {
  const total = Math.ceil(spec.memoryBytes / spec.pageBytes);
  return Math.min(total, Math.floor((spec.dirtyBytesPerSec * ns) / 1e9 / spec.pageBytes));
}

/** What to do after a live round that sent `sentBytes` in `durationNs` and left `dirtyPages` dirty. */
export type PrecopyStep = { next: 'round'; pages: number; last: boolean } | { next: 'stop-and-copy'; pages: number };

/**
 * The stop rule after live round `round` (1-based). `lastLive`: this round was Xen's final live
 * send of a small dirty set. Pure, so the closed-form tests can follow it too.
 */
export function afterRound(rule: PrecopyRule, round: number, dirtyPages: number, pageBytes: number, sentBytes: number, durationNs: Ns, lastLive: boolean): PrecopyStep {
  if (lastLive) return { next: 'stop-and-copy', pages: dirtyPages };
  if (rule.downtimeLimitNs !== null) {
    // QEMU: threshold_size = bandwidth (bytes/ms over the iteration) × downtime_limit (ms).
    const threshold = durationNs > 0 ? (sentBytes / durationNs) * rule.downtimeLimitNs : 0;
    if (dirtyPages * pageBytes <= threshold) return { next: 'stop-and-copy', pages: dirtyPages };
  }
  if (rule.maxRounds !== null && round >= rule.maxRounds) return { next: 'stop-and-copy', pages: dirtyPages };
  if (rule.targetDirtyPages !== null && dirtyPages < rule.targetDirtyPages) return { next: 'round', pages: dirtyPages, last: true };
  return { next: 'round', pages: dirtyPages, last: false };
}


/**
 * QEMU's auto-converge (migration/ram.c; migration/options.c defaults): cpu-throttle-initial 20 %,
 * cpu-throttle-increment 10 %, max-cpu-throttle 99 %, throttle-trigger-threshold 50 %
 * (DEFAULT_MIGRATE_CPU_THROTTLE_INITIAL / _INCREMENT, DEFAULT_MIGRATE_MAX_CPU_THROTTLE,
 * DEFAULT_MIGRATE_THROTTLE_TRIGGER_THRESHOLD); cpu-throttle-tailslow off.
 */
export interface AutoConverge {
  initialPct: number;
  incrementPct: number;
  maxPct: number;
  triggerThresholdPct: number;
}

export const QEMU_AUTO_CONVERGE: AutoConverge = { initialPct: 20, incrementPct: 10, maxPct: 99, triggerThresholdPct: 50 };

/** migration_bitmap_sync evaluates the throttle only once more than 1 s has passed since the last period began. */
export const THROTTLE_PERIOD_NS = 1_000_000_000;

/** The throttle state between bitmap-sync periods. */
export interface ThrottleState {
  pct: number;
  /** rs->dirty_rate_high_cnt: periods that dirtied more than the threshold share of what was sent, since the last step. */
  highPeriods: number;
}

/**
 * migration_trigger_throttle at the end of a period that dirtied `dirtyBytes` while `sentBytes` were
 * transferred: a period is "high" when dirtyBytes > sentBytes × threshold; the second high period
 * (the count resets only when it throttles) starts the throttle at initialPct, or raises it by
 * incrementPct up to maxPct (mig_throttle_guest_down). Pure, so the closed-form tests follow it too.
 */
export function afterThrottlePeriod(ac: AutoConverge, state: ThrottleState, dirtyBytes: number, sentBytes: number): ThrottleState {
  if (!(dirtyBytes > (sentBytes * ac.triggerThresholdPct) / 100)) return state;
  const highPeriods = state.highPeriods + 1;
  if (highPeriods < 2) return { pct: state.pct, highPeriods };
  return { pct: state.pct === 0 ? ac.initialPct : Math.min(state.pct + ac.incrementPct, ac.maxPct), highPeriods: 0 };
}
