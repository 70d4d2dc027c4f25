// results.json `migrations` (issue 13, src/engine/migration.ts): per live migration its outcome
// (refused by the destination's admission, still in pre-copy at the end, or done), its rounds,
// bytes, total time and downtime, and who missed deadlines while it ran — the migrated VMU and the
// VMUs on the source and destination PHs.

import type { Ns } from '../engine/system.js';
import type { JobsAround, MigrationRound, MigrationRun } from '../engine/migration.js';
import { precopyRule, type PrecopyRule } from '../engine/migration-rules.js';
import type { Simulator } from '../engine/simulator.js';
import type { MigrationSpec } from '../engine/system.js';

export interface MigrationResult {
  id: string;
  vmu: string;
  from: string;
  to: string;
  startNs: Ns;
  /** refused: the destination's admission control refused the VMU at the start, which stays where it was; precopy/stop-and-copy: still running at the end of the run. */
  outcome: 'refused' | 'precopy' | 'stop-and-copy' | 'done';
  /** The destination's refusal (its admission test and sums). */
  reason?: string;
  /** Live (pre-copy) rounds sent. */
  rounds: number;
  /** Page and device-state bytes put on the link (retransmissions included). */
  bytesSent: number;
  retransmittedBytes: number;
  /** Start → resume on the destination; null when not done. */
  totalTimeNs: Ns | null;
  /** The VMU stopped → resumed; null when not done. */
  downtimeNs: Ns | null;
  pausedAtNs: Ns | null;
  resumedAtNs: Ns | null;
  /** The stack's pre-copy rule in force (its defaults with the scenario's overrides). */
  rule: PrecopyRule;
  /** Each round: live ones, then the stop-and-copy. */
  timeline: MigrationRound[];
  /** Per VMU of the two PHs (the migrated one first, its destination instance folded in): deadline misses while the migration ran and outside it. */
  interference: MigrationInterference[];
}

/** A VMU's measured jobs released while the migration ran (start → resume, or the end of the run) and outside it. */
export interface MigrationInterference extends JobsAround {
  vmu: string;
  /** Its PH at the start (the migrated VMU: the source). */
  host: string;
}

export interface MigrationRefusal {
  migration: MigrationSpec;
  reason: string;
}

export function collectMigrations(sim: Simulator, specs: readonly MigrationSpec[], refusals: readonly MigrationRefusal[]): MigrationResult[] {
  return specs.map((spec) => {
    const run = sim.migrations.find((m) => m.spec.id === spec.id);
    const refusal = refusals.find((r) => r.migration.id === spec.id);
    if (run === undefined) return refused(spec, refusal?.reason ?? notBuilt(sim, spec), precopyRule(sim.model.family, spec));
    if (run.state === 'refused') return refused(spec, run.refusal!, run.rule);
    return {
      id: spec.id,
      vmu: spec.vmu,
      from: spec.from,
      to: spec.to,
      startNs: spec.atNs,
      outcome: run.state === 'waiting' ? 'precopy' : (run.state as Exclude<typeof run.state, 'refused'>),
      rounds: run.rounds.filter((r) => r.kind === 'live').length,
      bytesSent: run.bytesSent,
      retransmittedBytes: run.retransmittedBytes,
      totalTimeNs: run.resumedAtNs === null ? null : run.resumedAtNs - spec.atNs,
      downtimeNs: run.downtimeNs,
      pausedAtNs: run.pausedAtNs,
      resumedAtNs: run.resumedAtNs,
      rule: run.rule,
      timeline: run.rounds,
      interference: interferenceOf(sim, run),
    };
  });
}

/** Why a migration has no run: its source instance (an earlier move's destination) was refused. */
function notBuilt(sim: Simulator, spec: MigrationSpec): string {
  const all = sim.scenario.migrations ?? [];
  const made = all.find((m) => m.vmu === spec.vmu && m.twin === spec.source);
  if (spec.source === spec.vmu && !sim.scenario.vmus.some((v) => v.id === spec.vmu)) return `${spec.vmu} never ran: its own start was refused`;
  return made === undefined ? 'the destination instance was not built' : `${spec.vmu} never reaches ${spec.from}: /migrations/${all.indexOf(made)} (${made.id}) was refused`;
}

function refused(spec: MigrationSpec, reason: string, rule: PrecopyRule): MigrationResult {
  return {
    id: spec.id,
    vmu: spec.vmu,
    from: spec.from,
    to: spec.to,
    startNs: spec.atNs,
    outcome: 'refused',
    reason,
    rounds: 0,
    bytesSent: 0,
    retransmittedBytes: 0,
    totalTimeNs: null,
    downtimeNs: null,
    pausedAtNs: null,
    resumedAtNs: null,
    rule,
    timeline: [],
    interference: [],
  };
}

/** Jobs per VMU of the two PHs as the migration judged them, the migrated VMU first; only the scenario's VMUs (not dom0). */
function interferenceOf(sim: Simulator, run: MigrationRun): MigrationInterference[] {
  const hostOf = new Map(sim.scenario.vmus.map((v) => [v.id, v.host]));
  const none = { completedDuring: 0, missedDuring: 0, completedOutside: 0, missedOutside: 0 };
  const ids = [run.spec.vmu, ...sim.scenario.vmus.filter((v) => v.id !== run.spec.vmu && v.migrationOf === undefined && (v.host === run.spec.from || v.host === run.spec.to)).map((v) => v.id)];
  return ids.map((vmu) => ({ vmu, host: hostOf.get(vmu)!, ...(run.jobs.get(vmu) ?? none) }));
}

/** The migration metrics of the catalogue (src/scenario/metric-names.ts), read for VMU `vmu` (its first migration); undefined where they do not apply. */
export const MIGRATION_METRICS = {
  migrationTotalNs: (ms: readonly MigrationResult[], vmu: string) => ms.find((m) => m.vmu === vmu)?.totalTimeNs ?? undefined,
  migrationDowntimeNs: (ms: readonly MigrationResult[], vmu: string) => ms.find((m) => m.vmu === vmu)?.downtimeNs ?? undefined,
  migrationRounds: (ms: readonly MigrationResult[], vmu: string) => ms.find((m) => m.vmu === vmu)?.rounds,
  migrationBytes: (ms: readonly MigrationResult[], vmu: string) => ms.find((m) => m.vmu === vmu)?.bytesSent,
  missedDuringMigration: (ms: readonly MigrationResult[], vmu: string) => {
    const rows = ms.flatMap((m) => m.interference.filter((r) => r.vmu === vmu));
    return rows.length === 0 ? undefined : rows.reduce((a, r) => a + r.missedDuring, 0);
  },
} satisfies Record<string, (ms: readonly MigrationResult[], vmu: string) => number | undefined>;
