// The queueing-discipline seam, shared by storage device schedulers (FIFO, mq-deadline, mClock,
// BFQ) and network qdiscs (TBF, HTB, priority, DRR): the counterpart for devices and links of a
// host SchedClass for CPUs. A discipline only decides which queued request is served next, or
// when to ask again (a shaper's next token, a limit tag); the engine's server (device.ts) owns time,
// service and accounting, as it does for CPUs. Modelled on Linux's Qdisc_ops (enqueue, dequeue,
// peek; io-qos.md) and dmclock's pull queue, whose pull answers "a request", "none", or "not
// before t". One file per discipline in qdiscs/, one line per discipline in QDISCS below.

import type { Ns } from './system.js';
import { fifoQdisc } from './qdiscs/fifo.js';
import { mclockQdisc } from './qdiscs/mclock.js';
import { mqDeadlineQdisc } from './qdiscs/mq-deadline.js';
import { throttleQdisc } from './qdiscs/throttle.js';
import { tbfQdisc } from './qdiscs/tbf.js';
import { htbQdisc } from './qdiscs/htb.js';
import { prioQdisc } from './qdiscs/prio.js';
import { drrQdisc } from './qdiscs/drr.js';
import { edfQdisc } from './qdiscs/edf.js';

/** A request waiting for a device or a link. */
export interface QueuedRequest {
  /** The stream, flow or class it belongs to (what QoS attributes attach to). */
  readonly flow: string;
  /**
   * Time the server needs for it once started, when known at submission (a fixed per-request
   * cost, a link's serialisation). A device with a service model (device.ts) works it out from its
   * own state when the request starts instead (an HDD's seek depends on what it served last).
   */
  readonly serviceNs: Ns;
  /** Bytes moved (shapers and byte limits count these; 0 where only time matters). */
  readonly bytes: number;
  readonly arrivalNs: Ns;
  /** Absolute deadline, Infinity for none (deadline and EDF disciplines). */
  readonly deadlineNs: Ns;
  /** Storage: a write (mq-deadline and io.max treat the directions apart); absent = a read. */
  readonly write?: boolean;
  /** Storage: byte offset on the device (sector order, seek distance); absent = anywhere. */
  readonly offset?: number;
}

/** What a discipline answers when the server has room for one more request. */
export type Dequeued<R extends QueuedRequest> =
  | { kind: 'serve'; request: R }
  /** Nothing may start before `at` (a token bucket refills, a limit tag matures); ask again then. */
  | { kind: 'wait'; at: Ns }
  | { kind: 'idle' };

export interface QueueDiscipline<R extends QueuedRequest = QueuedRequest> {
  readonly name: string;
  /** Queue `request` at `now`; false when the discipline drops it (queue full, policed). */
  enqueue(request: R, now: Ns): boolean;
  /** The next request to start at `now`, if any. */
  dequeue(now: Ns): Dequeued<R>;
  /** The server finished `request` at `now` (tag and credit upkeep). */
  completed?(request: R, now: Ns): void;
  /** Requests queued, not yet started. */
  readonly backlog: number;
}

export interface QueueDisciplineFactory {
  readonly summary: string;
  create<R extends QueuedRequest>(params: Record<string, unknown>): QueueDiscipline<R>;
}

/** The disciplines by name. */
export const QDISCS = {
  fifo: fifoQdisc,
  mclock: mclockQdisc,
  'mq-deadline': mqDeadlineQdisc,
  throttle: throttleQdisc,
  tbf: tbfQdisc,
  htb: htbQdisc,
  prio: prioQdisc,
  drr: drrQdisc,
  edf: edfQdisc,
} as const satisfies Record<string, QueueDisciplineFactory>;

export type QdiscName = keyof typeof QDISCS;

/** A discipline by name with its parameters; a wrapper (throttle) names the discipline it feeds. */
export interface QdiscSpec {
  readonly name: QdiscName;
  readonly params?: Record<string, unknown>;
  readonly inner?: QdiscSpec;
}

/**
 * Builds a discipline, inner one first: a wrapper receives the discipline it feeds as
 * `params.inner` (the two layers of seed §5.4, throttling then device scheduling), so no
 * discipline file needs the registry.
 */
export function createQdisc<R extends QueuedRequest>(spec: QdiscSpec): QueueDiscipline<R> {
  const params = spec.inner ? { ...spec.params, inner: createQdisc<R>(spec.inner) } : { ...spec.params };
  return QDISCS[spec.name].create<R>(params);
}
