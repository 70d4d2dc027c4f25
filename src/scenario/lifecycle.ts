// A VMU's lifetime as the scenario writes it (`start`, `stop`): parsed, and checked against the run
// and against what the engine can start and stop mid-run (src/engine/lifecycle.ts, issue 13).

import { describeValue } from '../errors.js';
import type { Checker } from './checks.js';
import type { RawScenario } from './schema.js';
import type { Ns } from './types.js';
import { formatDuration } from './units.js';

type RawVmu = NonNullable<RawScenario['vmus']>[number];

/** `startNs`/`stopNs` of a VMU that gives `start` or `stop`; pointed errors for a lifetime that cannot be. */
type Lifetime = { startNs?: Ns; stopNs?: Ns; bootNs?: Ns; shutdownNs?: Ns };

/** Whether the raw VMU has any lifecycle field. */
export function hasLifecycleFields(raw: RawVmu): boolean {
  return raw.start !== undefined || raw.stop !== undefined || raw.boot !== undefined || raw.shutdown !== undefined;
}

/** `startNs`/`stopNs` (and boot/shutdown demands) of a VMU that gives any; pointed errors for a lifetime that cannot be. */
export function lifetimeOf(raw: RawVmu, pointer: string, durationNs: Ns, check: Checker): Lifetime {
  const lifetime: Lifetime = {};
  if (raw.boot !== undefined) lifetime.bootNs = check.positiveDuration(raw.boot.cpu, `${pointer}/boot/cpu`);
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
  // Requests in flight through dom0/vhost and rt-app programs' shared timers have no defined end at
  // a stop yet: refused rather than silently kept running.
  if ((raw.io ?? []).length > 0) check.fail(`${pointer}/io`, 'no I/O loads on a VMU with `start`/`stop` (not modelled yet)', `${(raw.io ?? []).length} load(s)`);
  (raw.tasks ?? []).forEach((t, i) => {
    if ((t as { kind?: string }).kind === 'program') check.fail(`${pointer}/tasks/${i}`, 'periodic, sporadic, server or busy tasks in a VMU with `start`/`stop` (rt-app programs are not modelled there yet)', 'a program');
  });
  return lifetime;
}
