// Drivers for queueing disciplines on a device server: a checking wrapper that asserts the
// discipline protocol (qdisc.ts) around any discipline, open-loop submissions, and closed-loop
// ("always backlogged") streams as the dmclock simulator drives its clients (io-qos.md §3, A2).
import { expect } from 'vitest';
import { DeviceServer, type ServedRequest, type ServiceModel } from '../../src/engine/device.js';
import { EventQueue } from '../../src/engine/event-queue.js';
import type { Dequeued, QueueDiscipline } from '../../src/engine/qdisc.js';

export interface Checked extends QueueDiscipline<ServedRequest> {
  /** Every request the discipline let start, with the time it started. */
  readonly started: { request: ServedRequest; at: number }[];
}

/** A checking wrapper: asserts the protocol around any discipline. */
export function checked(inner: QueueDiscipline<ServedRequest>): Checked {
  const queued = new Set<ServedRequest>();
  const started: { request: ServedRequest; at: number }[] = [];
  return {
    name: `checked ${inner.name}`,
    started,
    get backlog() {
      return inner.backlog;
    },
    enqueue(r, now) {
      const ok = inner.enqueue(r, now);
      if (ok) queued.add(r);
      expect(inner.backlog, 'backlog counts what was accepted').toBe(queued.size);
      return ok;
    },
    dequeue(now): Dequeued<ServedRequest> {
      const d = inner.dequeue(now);
      if (d.kind === 'serve') {
        expect(queued.has(d.request), 'serves only a queued request, once').toBe(true);
        queued.delete(d.request);
        started.push({ request: d.request, at: now });
      } else if (d.kind === 'wait') {
        expect(d.at, 'asks to be asked again later, not now').toBeGreaterThan(now);
        expect(queued.size).toBeGreaterThan(0);
      } else {
        expect(queued.size, 'idle only when nothing is queued').toBe(0);
      }
      return d;
    },
    completed: (r, now) => inner.completed?.(r, now),
  };
}

export interface Submission {
  at: number;
  serviceNs: number;
  flow?: string;
  bytes?: number;
  write?: boolean;
  offset?: number;
}

function drain(queue: EventQueue, untilNs = Infinity): void {
  while (queue.peekTime() <= untilNs && queue.peekTime() < Infinity) queue.fireNext();
}

/** Runs the queue to its end; returns each request's finish time by submission index. */
export function serve(discipline: QueueDiscipline<ServedRequest>, units: number, submissions: Submission[], model?: ServiceModel) {
  const queue = new EventQueue();
  const server = new DeviceServer('dev', discipline, queue, units, model);
  const finished: number[] = submissions.map(() => NaN);
  submissions.forEach((s, i) => {
    const t = queue.timer(0, (now) =>
      server.enqueue(
        { flow: s.flow ?? 'dev', serviceNs: s.serviceNs, bytes: s.bytes ?? 0, arrivalNs: now, deadlineNs: Infinity, write: s.write, offset: s.offset, done: (end) => (finished[i] = end) },
        now,
      ),
    );
    t.arm(s.at);
  });
  drain(queue);
  return { finished, server };
}

export interface ClosedLoopStream {
  flow: string;
  /** Requests kept outstanding: one is resubmitted as each completes. */
  outstanding: number;
  bytes?: number;
  write?: boolean;
  /** From when the stream submits (default 0). */
  startNs?: number;
  /** Where each request goes (a device with a service model); absent: no offset. */
  offset?: () => number;
}

/** Backlogged streams on a server with fixed service time, for `untilNs`; completion times per flow. */
export function closedLoop(discipline: QueueDiscipline<ServedRequest>, streams: ClosedLoopStream[], opts: { serviceNs: number; untilNs: number; units?: number; model?: ServiceModel }) {
  const queue = new EventQueue();
  const server = new DeviceServer('dev', discipline, queue, opts.units ?? 1, opts.model);
  const completions = new Map<string, number[]>(streams.map((s) => [s.flow, []]));
  /** Per flow, each request's time from submission to completion, in completion order. */
  const latencies = new Map<string, number[]>(streams.map((s) => [s.flow, []]));
  const submit = (s: ClosedLoopStream, now: number): void =>
    server.enqueue(
      {
        flow: s.flow,
        serviceNs: opts.serviceNs,
        bytes: s.bytes ?? 4096,
        write: s.write,
        offset: s.offset?.(),
        arrivalNs: now,
        deadlineNs: Infinity,
        done: (end) => {
          completions.get(s.flow)!.push(end);
          latencies.get(s.flow)!.push(end - now);
          if (end < opts.untilNs) submit(s, end);
        },
      },
      now,
    );
  for (const s of streams) {
    const start = queue.timer(0, (now) => {
      for (let k = 0; k < s.outstanding; k++) submit(s, now);
    });
    start.arm(s.startNs ?? 0);
  }
  drain(queue, opts.untilNs);
  return { completions, latencies, server };
}

/** How many of `times` fall in [from, to). */
export function countIn(times: number[], from: number, to: number): number {
  let n = 0;
  for (const t of times) if (t >= from && t < to) n++;
  return n;
}
