// A device or link behind the I/O path: a server with `units` requests in service at once (a disk
// has one, an SSD several parallel units) and a queueing discipline (qdisc.ts) that decides which
// queued request starts next. The server owns time and accounting — when a request starts, how long
// it takes, what it finished — as the engine does for CPUs; the discipline only chooses.

import type { Ns } from './system.js';
import { EventPhase, type EventQueue, type Timer } from './event-queue.js';
import type { QueueDiscipline, QueuedRequest } from './qdisc.js';

/** What a storage stream's request tells the device beyond its time (qdisc.ts QueuedRequest). */
export interface RequestShape {
  readonly flow: string;
  readonly bytes: number;
  readonly write: boolean;
  readonly offset: number;
  readonly deadlineNs: Ns;
}

export interface Device {
  /** Queue a request needing `serviceNs` (or as `shape` says); `done` runs when it has been served. */
  submit(now: Ns, serviceNs: Ns, done: (now: Ns) => void, shape?: RequestShape): void;
  /** Bytes addressable on the device (where random offsets fall); absent when offsets do not matter. */
  readonly capacityBytes?: number;
}

/**
 * How long a request takes on a device whose service time depends on its state (an HDD's head
 * position, io-qos.md §1.9); asked once per request, when it starts on `unit`.
 */
export interface ServiceModel {
  serviceNs(request: QueuedRequest, unit: number, now: Ns): Ns;
  readonly capacityBytes?: number;
}

/** A request as the server queues it: what the discipline sees plus whom to tell when it is done. */
export interface ServedRequest extends QueuedRequest {
  readonly done: (now: Ns) => void;
}

export class DeviceServer implements Device {
  /** Requests finished, dropped by the discipline, and time spent serving (for results). */
  served = 0;
  dropped = 0;
  busyNs = 0;
  private readonly inService: (ServedRequest | null)[];
  private readonly finishTimers: Timer[];
  /** Asks the discipline again when it said "not before t". */
  private readonly retry: Timer;

  constructor(
    readonly id: string,
    private readonly discipline: QueueDiscipline<ServedRequest>,
    queue: EventQueue,
    units = 1,
    /** Works out service times at start; without one, each request brings its own serviceNs. */
    private readonly model?: ServiceModel,
  ) {
    this.inService = Array.from({ length: units }, () => null);
    this.finishTimers = this.inService.map((_, unit) => queue.timer(EventPhase.completion, (now) => this.finish(unit, now)));
    this.retry = queue.timer(EventPhase.completion, (now) => this.startWhatMay(now));
  }

  get capacityBytes(): number | undefined {
    return this.model?.capacityBytes;
  }

  submit(now: Ns, serviceNs: Ns, done: (now: Ns) => void, shape?: RequestShape): void {
    this.enqueue(shape ? { ...shape, serviceNs, arrivalNs: now, done } : { flow: this.id, serviceNs, bytes: 0, arrivalNs: now, deadlineNs: Infinity, done }, now);
  }

  /** False when the discipline dropped it (queue full, policed): `done` will never run. */
  enqueue(request: ServedRequest, now: Ns): boolean {
    if (!this.discipline.enqueue(request, now)) {
      this.dropped++;
      return false;
    }
    this.startWhatMay(now);
    return true;
  }

  /** Fill free units with what the discipline lets start now. */
  private startWhatMay(now: Ns): void {
    for (let unit = 0; unit < this.inService.length; unit++) {
      if (this.inService[unit] !== null) continue;
      const next = this.discipline.dequeue(now);
      if (next.kind === 'idle') return;
      if (next.kind === 'wait') {
        this.retry.arm(next.at);
        return;
      }
      const serviceNs = this.model ? this.model.serviceNs(next.request, unit, now) : next.request.serviceNs;
      this.inService[unit] = next.request;
      this.busyNs += serviceNs;
      this.finishTimers[unit].arm(now + serviceNs);
    }
  }

  private finish(unit: number, now: Ns): void {
    const request = this.inService[unit]!;
    this.inService[unit] = null;
    this.served++;
    this.discipline.completed?.(request, now);
    this.startWhatMay(now);
    request.done(now);
  }
}
