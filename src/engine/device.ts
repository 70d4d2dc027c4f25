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
 *
 * A device with a command queue of its own (SATA NCQ, SCSI TCQ; io-qos.md §1.9 "Device queue")
 * holds up to `queueDepth` requests the host's discipline has dispatched, in service or waiting
 * inside it, and chooses among the waiting ones itself (`pick`): the order the discipline chose is
 * then only the order requests reach the device.
 */
export interface ServiceModel {
  serviceNs(request: QueuedRequest, unit: number, now: Ns): Ns;
  readonly capacityBytes?: number;
  /** Requests the device holds at once (in service + queued inside it); absent: its units. */
  readonly queueDepth?: number;
  /** The discipline dispatched `request` to the device at `now` (the device learns where it goes). */
  accept?(request: QueuedRequest, now: Ns): void;
  /** Which of the requests waiting inside the device starts next at `now` (absent: the first dispatched). */
  pick?(waiting: readonly QueuedRequest[], now: Ns): number;
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
  private busyUnits = 0;
  /** Dispatched by the discipline, waiting inside the device (only when its queue is deeper than its units). */
  private readonly waiting: ServedRequest[] = [];
  /** Requests the device holds at once: its units, or its command queue's depth when deeper. */
  private readonly depth: number;
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
    this.depth = Math.max(units, model?.queueDepth ?? units);
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

  /**
   * Dispatch what the discipline lets go while the device has room, then start on each free unit
   * what the device picks (with no queue of its own: the one just dispatched, so a depth equal to
   * the units is the discipline's order exactly).
   */
  private startWhatMay(now: Ns): void {
    while (this.busyUnits + this.waiting.length < this.depth) {
      const next = this.discipline.dequeue(now);
      if (next.kind === 'idle') break;
      if (next.kind === 'wait') {
        this.retry.arm(next.at);
        break;
      }
      this.model?.accept?.(next.request, now);
      this.waiting.push(next.request);
    }
    for (let unit = 0; unit < this.inService.length && this.waiting.length > 0; unit++) {
      if (this.inService[unit] !== null) continue;
      const chosen = this.waiting.length > 1 && this.model?.pick ? this.model.pick(this.waiting, now) : 0;
      const request = this.waiting.splice(chosen, 1)[0];
      const serviceNs = this.model ? this.model.serviceNs(request, unit, now) : request.serviceNs;
      this.inService[unit] = request;
      this.busyUnits++;
      this.busyNs += serviceNs;
      this.finishTimers[unit].arm(now + serviceNs);
    }
  }

  private finish(unit: number, now: Ns): void {
    const request = this.inService[unit]!;
    this.inService[unit] = null;
    this.busyUnits--;
    this.served++;
    this.discipline.completed?.(request, now);
    this.startWhatMay(now);
    request.done(now);
  }
}
