// A scenario's VSNs (Virtual Service Networks, seed deliverable §3.1: the VMUs of one service and the
// virtual links between them, deployed and torn down as one): each names its VMUs and may give a
// `start` and a `stop` (issue 13). Its VMUs start and stop with it — the VSN's times are theirs —
// unless a VMU sets its own, which must then lie inside the VSN's span: a VMU of a service cannot
// run before the service is deployed or after it is torn down. Each VMU is still admitted on its own
// at its start (src/experiments/lifecycle.ts), as the real stacks admit one domain or process at a time.

import { describeValue } from '../errors.js';
import type { Checker } from './checks.js';
import { IdRegistry } from './checks.js';
import type { RawScenario } from './schema.js';
import { didYouMean } from './suggest.js';
import type { Ns, VsnSpec } from './types.js';
import { formatDuration } from './units.js';

type RawVsn = NonNullable<RawScenario['vsns']>[number];

/** The VSN a VMU belongs to, as its lifetime needs it: the span the VMU's own times must lie in. */
export interface VsnSpan {
  vsn: VsnSpec;
  /** JSON pointer of the VSN, for messages. */
  pointer: string;
}

/** The VSNs, checked (known VMUs, each in one VSN, a span inside the run), and each VMU's VSN by id. */
export function normalizeVsns(raw: readonly RawVsn[], vmuIds: readonly string[], durationNs: Ns, check: Checker): { vsns: VsnSpec[]; spanOf: Map<string, VsnSpan> } {
  const ids = new IdRegistry(check, 'VSN');
  const spanOf = new Map<string, VsnSpan>();
  const vsns = raw.map((r, i): VsnSpec => {
    const pointer = `/vsns/${i}`;
    ids.add(r.id, `${pointer}/id`);
    const vsn: VsnSpec = { id: r.id, vmus: [] };
    if (r.start !== undefined) {
      const startNs = check.duration(r.start, `${pointer}/start`);
      if (startNs >= durationNs) check.fail(`${pointer}/start`, `a start before the end of the run (${formatDuration(durationNs)})`, describeValue(r.start));
      vsn.startNs = startNs;
    }
    if (r.stop !== undefined) {
      const stopNs = check.duration(r.stop, `${pointer}/stop`);
      if (stopNs <= (vsn.startNs ?? 0)) check.fail(`${pointer}/stop`, `a stop after the start (${formatDuration(vsn.startNs ?? 0)})`, describeValue(r.stop));
      if (stopNs > durationNs) check.fail(`${pointer}/stop`, `a stop no later than the end of the run (${formatDuration(durationNs)})`, describeValue(r.stop), 'omit `stop` to keep the VSN to the end');
      vsn.stopNs = stopNs;
    }
    r.vmus.forEach((id, j) => {
      const at = `${pointer}/vmus/${j}`;
      if (!vmuIds.includes(id)) check.fail(at, 'the id of a VMU', describeValue(id), didYouMean(id, [...vmuIds]));
      const other = spanOf.get(id);
      if (other !== undefined) check.fail(at, `a VMU in no other VSN (a VMU belongs to one service)`, `VMU ${id}, already in VSN ${other.vsn.id} (${other.pointer})`);
      spanOf.set(id, { vsn, pointer });
      vsn.vmus.push(id);
    });
    return vsn;
  });
  return { vsns, spanOf };
}

/**
 * A VMU's start and stop given its VSN: its own when it sets them (inside the VSN's span, else a
 * pointed error), the VSN's otherwise. `ownStart`/`ownStop` are already parsed; undefined: not set.
 */
export function withinVsn(span: VsnSpan | undefined, ownStart: Ns | undefined, ownStop: Ns | undefined, pointer: string, written: { start?: string; stop?: string }, check: Checker): { startNs?: Ns; stopNs?: Ns } {
  if (span === undefined) return { ...(ownStart !== undefined && { startNs: ownStart }), ...(ownStop !== undefined && { stopNs: ownStop }) };
  const { vsn } = span;
  const from = vsn.startNs ?? 0;
  const spanText = `VSN ${vsn.id}'s span [${formatDuration(from)}, ${vsn.stopNs === undefined ? 'end of the run' : formatDuration(vsn.stopNs)}) (${span.pointer})`;
  const hint = 'omit it to start and stop with the VSN';
  if (ownStart !== undefined && (ownStart < from || (vsn.stopNs !== undefined && ownStart >= vsn.stopNs))) check.fail(`${pointer}/start`, `a start inside ${spanText}`, describeValue(written.start), hint);
  if (ownStop !== undefined && (ownStop <= from || (vsn.stopNs !== undefined && ownStop > vsn.stopNs))) check.fail(`${pointer}/stop`, `a stop inside ${spanText}`, describeValue(written.stop), hint);
  const startNs = ownStart ?? vsn.startNs;
  const stopNs = ownStop ?? vsn.stopNs;
  return { ...(startNs !== undefined && { startNs }), ...(stopNs !== undefined && { stopNs }) };
}
