// A VMU's lifetime as the scenario writes it (`start`, `stop`): parsed, and checked against the run
// and against what the engine can start and stop mid-run (src/engine/lifecycle.ts, issue 13).

import { describeValue } from '../errors.js';
import type { Checker } from './checks.js';
import type { RawScenario } from './schema.js';
import type { Ns, Sla } from './types.js';
import type { IoLoadSpec, SlaChange, VmuSpec } from '../engine/system.js';
import { BOOT_DISK_SUFFIX } from '../engine/lifecycle.js';
import { formatDuration } from './units.js';

type RawVmu = NonNullable<RawScenario['vmus']>[number];

/** `startNs`/`stopNs` of a VMU that gives `start` or `stop`; pointed errors for a lifetime that cannot be. */
type Lifetime = { startNs?: Ns; stopNs?: Ns; bootNs?: Ns; shutdownNs?: Ns; slaChanges?: SlaChange[]; bootDisk?: IoLoadSpec };

/** Whether the raw VMU has any lifecycle field. */
export function hasLifecycleFields(raw: RawVmu): boolean {
  return raw.start !== undefined || raw.stop !== undefined || raw.boot !== undefined || raw.shutdown !== undefined || raw.slaChanges !== undefined;
}

/** `startNs`/`stopNs` (and boot/shutdown demands) of a VMU that gives any; pointed errors for a lifetime that cannot be. */
export function lifetimeOf(raw: RawVmu, pointer: string, durationNs: Ns, check: Checker, normalizeSla: (raw: NonNullable<RawVmu['sla']>, pointer: string) => Sla): Lifetime {
  const lifetime: Lifetime = {};
  if (raw.boot !== undefined) lifetime.bootNs = check.positiveDuration(raw.boot.cpu, `${pointer}/boot/cpu`);
  if (raw.boot?.disk !== undefined) lifetime.bootDisk = bootDiskLoad(raw.id, raw.boot.disk, `${pointer}/boot/disk`, check);
  if (raw.shutdown !== undefined) {
    if (raw.stop === undefined) check.fail(`${pointer}/shutdown`, 'a shutdown phase on a VMU with a `stop` (it shuts down then)', 'no stop');
    lifetime.shutdownNs = check.positiveDuration(raw.shutdown.cpu, `${pointer}/shutdown/cpu`);
  }
  const startNs = raw.start === undefined ? 0 : check.duration(raw.start, `${pointer}/start`);
  if (startNs < 0) check.fail(`${pointer}/start`, 'a duration ≥ 0 (from time 0)', describeValue(raw.start));
  if (startNs >= durationNs) check.fail(`${pointer}/start`, `a start before the end of the run (${formatDuration(durationNs)})`, describeValue(raw.start));
  if (raw.start !== undefined) lifetime.startNs = startNs;
  if (raw.stop !== undefined) {
    const stopNs = check.duration(raw.stop, `${pointer}/stop`);
    if (stopNs <= startNs) check.fail(`${pointer}/stop`, `a stop after the start (${formatDuration(startNs)})`, describeValue(raw.stop));
    if (stopNs > durationNs) check.fail(`${pointer}/stop`, `a stop no later than the end of the run (${formatDuration(durationNs)})`, describeValue(raw.stop), 'omit `stop` to keep the VMU to the end');
    lifetime.stopNs = stopNs;
  }
  if (raw.slaChanges !== undefined) lifetime.slaChanges = slaChangesOf(raw, pointer, startNs, lifetime.stopNs ?? durationNs, check, normalizeSla);
  return lifetime;
}

/**
 * A VMU's run-time SLA changes (issue 13): each strictly inside its lifetime (a change at the start is
 * its SLA, one at or after the stop has nothing to change), in strictly increasing time, and only on a
 * VMU with an SLA — a best-effort VMU has no reservation to renegotiate (its threads would have to
 * change scheduling class).
 */
function slaChangesOf(raw: RawVmu, pointer: string, startNs: Ns, endNs: Ns, check: Checker, normalizeSla: (raw: NonNullable<RawVmu['sla']>, pointer: string) => Sla): SlaChange[] {
  const changes = raw.slaChanges ?? [];
  if (changes.length > 0 && raw.sla === undefined) check.fail(`${pointer}/slaChanges`, 'SLA changes on a VMU with an `sla` (a best-effort VMU has no reservation to renegotiate)', 'no sla');
  let previous = startNs;
  return changes.map((c, i) => {
    const at = `${pointer}/slaChanges/${i}/at`;
    const atNs = check.duration(c.at, at);
    if (atNs <= startNs) check.fail(at, `a change after the VMU's start (${formatDuration(startNs)})`, describeValue(c.at));
    if (atNs >= endNs) check.fail(at, `a change before the VMU's ${raw.stop !== undefined ? 'stop' : 'end of the run'} (${formatDuration(endNs)})`, describeValue(c.at));
    if (i > 0 && atNs <= previous) check.fail(at, `a change after the previous one (${formatDuration(previous)}): changes in time order`, describeValue(c.at));
    previous = atNs;
    return { atNs, sla: normalizeSla(c.sla, `${pointer}/slaChanges/${i}/sla`) };
  });
}

/**
 * The boot's disk reads as an I/O load of the VMU (`<vmu>.boot-disk`): a storage stream of
 * sequential reads (a boot reads its images front to back), no QoS of its own, issued by the boot.
 * Its guest side costs only the completion interrupt the model's path charges (no `compute`).
 */
function bootDiskLoad(vmuId: string, raw: { reads: number; size?: number; device?: string }, pointer: string, check: Checker): IoLoadSpec {
  return {
    id: vmuId + BOOT_DISK_SUFFIX,
    issuedBy: { kind: 'boot', reads: raw.reads },
    kind: 'disk',
    arrival: { kind: 'external' },
    compute: { kind: 'constant', value: 0 },
    deviceNs: check.positiveDuration(raw.device ?? '200us', `${pointer}/device`),
    deadline: Infinity,
    priority: 99,
    storage: { bytes: raw.size ?? 65536, write: false, sequential: true, reservation: 0, weight: 1, limit: 0 },
  };
}

/**
 * Refuses `vmu` with a lifetime (start, stop or boot) where the network cannot follow it yet
 * (issue 13): as a flow's destination, and in any stage of a request chain. A packet or request
 * reaching a VMU that is not up would be dropped by the real stack (no vif/tap, no guest to answer),
 * but the results have no cause to count that under, and a chain request whose compute job is dropped
 * at the stop would never end and never be counted: a silent wrong result, so the scenario is refused.
 * A flow's source is followed: it sends only while it is up (network.ts).
 */
export function refuseLifetimeEndpoint(vmu: VmuSpec, pointer: string, role: string, check: Checker): void {
  const fields = (['start', 'stop', 'boot'] as const).filter((f) => vmu[`${f}Ns`] !== undefined);
  if (fields.length === 0) return;
  check.fail(pointer, `${role} without start, stop or boot (a VMU that comes and goes is followed only as a flow's source)`, `VMU ${vmu.id} with ${fields.join(', ')}`);
}
