// A VMU's lifetime as the scenario writes it (`start`, `stop`, or its VSN's: vsns.ts): parsed, and
// checked against the run and against what the engine can start and stop mid-run
// (src/engine/lifecycle.ts, issue 13).

import { describeValue } from '../errors.js';
import type { Checker } from './checks.js';
import type { RawScenario } from './schema.js';
import type { Ns, Sla } from './types.js';
import type { IoLoadSpec, SlaChange } from '../engine/system.js';
import { BOOT_DISK_SUFFIX } from '../engine/lifecycle.js';
import { formatDuration } from './units.js';
import { withinVsn, type VsnSpan } from './vsns.js';

type RawVmu = NonNullable<RawScenario['vmus']>[number];

/** `startNs`/`stopNs` of a VMU that gives `start` or `stop`; pointed errors for a lifetime that cannot be. */
type Lifetime = { startNs?: Ns; stopNs?: Ns; bootNs?: Ns; shutdownNs?: Ns; slaChanges?: SlaChange[]; bootDisk?: IoLoadSpec };

/** Whether the raw VMU has any lifecycle field, or a VSN that gives it a start or a stop. */
export function hasLifecycleFields(raw: RawVmu, span?: VsnSpan): boolean {
  const fromVsn = span !== undefined && (span.vsn.startNs !== undefined || span.vsn.stopNs !== undefined);
  return fromVsn || raw.start !== undefined || raw.stop !== undefined || raw.boot !== undefined || raw.shutdown !== undefined || raw.slaChanges !== undefined;
}

/**
 * `startNs`/`stopNs` (its own, or its VSN's: `span`) and boot/shutdown demands of a VMU that gives
 * any; pointed errors for a lifetime that cannot be.
 */
export function lifetimeOf(raw: RawVmu, pointer: string, durationNs: Ns, check: Checker, normalizeSla: (raw: NonNullable<RawVmu['sla']>, pointer: string) => Sla, span?: VsnSpan): Lifetime {
  const lifetime: Lifetime = {};
  if (raw.boot !== undefined) lifetime.bootNs = check.positiveDuration(raw.boot.cpu, `${pointer}/boot/cpu`);
  if (raw.boot?.disk !== undefined) lifetime.bootDisk = bootDiskLoad(raw.id, raw.boot.disk, `${pointer}/boot/disk`, check);
  const ownStart = raw.start === undefined ? undefined : check.duration(raw.start, `${pointer}/start`);
  if (ownStart !== undefined && ownStart < 0) check.fail(`${pointer}/start`, 'a duration ≥ 0 (from time 0)', describeValue(raw.start));
  if (ownStart !== undefined && ownStart >= durationNs) check.fail(`${pointer}/start`, `a start before the end of the run (${formatDuration(durationNs)})`, describeValue(raw.start));
  const ownStop = raw.stop === undefined ? undefined : check.duration(raw.stop, `${pointer}/stop`);
  if (ownStop !== undefined && ownStop > durationNs) check.fail(`${pointer}/stop`, `a stop no later than the end of the run (${formatDuration(durationNs)})`, describeValue(raw.stop), 'omit `stop` to keep the VMU to the end');
  const { startNs, stopNs } = withinVsn(span, ownStart, ownStop, pointer, raw, check);
  if (startNs !== undefined) lifetime.startNs = startNs;
  if (stopNs !== undefined) {
    if (stopNs <= (startNs ?? 0)) check.fail(`${pointer}/stop`, `a stop after the start (${formatDuration(startNs ?? 0)})`, describeValue(raw.stop));
    lifetime.stopNs = stopNs;
  }
  if (raw.shutdown !== undefined) {
    if (stopNs === undefined) check.fail(`${pointer}/shutdown`, 'a shutdown phase on a VMU with a `stop` (its own or its VSN\'s: it shuts down then)', 'no stop');
    lifetime.shutdownNs = check.positiveDuration(raw.shutdown.cpu, `${pointer}/shutdown/cpu`);
  }
  if (raw.slaChanges !== undefined) lifetime.slaChanges = slaChangesOf(raw, pointer, startNs ?? 0, stopNs, durationNs, check, normalizeSla);
  return lifetime;
}

/**
 * A VMU's run-time SLA changes (issue 13): each strictly inside its lifetime (a change at the start is
 * its SLA, one at or after the stop has nothing to change), in strictly increasing time, and only on a
 * VMU with an SLA — a best-effort VMU has no reservation to renegotiate (its threads would have to
 * change scheduling class).
 */
function slaChangesOf(raw: RawVmu, pointer: string, startNs: Ns, stopNs: Ns | undefined, durationNs: Ns, check: Checker, normalizeSla: (raw: NonNullable<RawVmu['sla']>, pointer: string) => Sla): SlaChange[] {
  const endNs = stopNs ?? durationNs;
  const changes = raw.slaChanges ?? [];
  if (changes.length > 0 && raw.sla === undefined) check.fail(`${pointer}/slaChanges`, 'SLA changes on a VMU with an `sla` (a best-effort VMU has no reservation to renegotiate)', 'no sla');
  let previous = startNs;
  return changes.map((c, i) => {
    const at = `${pointer}/slaChanges/${i}/at`;
    const atNs = check.duration(c.at, at);
    if (atNs <= startNs) check.fail(at, `a change after the VMU's start (${formatDuration(startNs)})`, describeValue(c.at));
    if (atNs >= endNs) check.fail(at, `a change before the VMU's ${stopNs !== undefined ? 'stop' : 'end of the run'} (${formatDuration(endNs)})`, describeValue(c.at));
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
