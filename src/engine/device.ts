// A device behind the I/O path: a single FIFO server with a per-request service time (a disk, or
// the NIC and wire). Deliberately small: the OSD/IXB QoS machinery (throttling, mClock, EDF device
// queues, token buckets) grows behind this interface.

import type { Ns } from './system.js';
import { EventPhase, type EventQueue, type Timer } from './event-queue.js';

export interface Device {
  /** Queue a request needing `serviceNs`; `done` runs when it has been served. */
  submit(now: Ns, serviceNs: Ns, done: (now: Ns) => void): void;
}

export class FifoDevice implements Device {
  private readonly waiting: { serviceNs: Ns; done: (now: Ns) => void }[] = [];
  private head = 0;
  private inService: ((now: Ns) => void) | null = null;
  private readonly timer: Timer;
  /** Requests served (for results). */
  served = 0;
  busyNs = 0;

  constructor(
    readonly id: string,
    queue: EventQueue,
  ) {
    this.timer = queue.timer(EventPhase.completion, (now) => this.finish(now));
  }

  submit(now: Ns, serviceNs: Ns, done: (now: Ns) => void): void {
    this.waiting.push({ serviceNs, done });
    if (this.inService === null) this.startNext(now);
  }

  private startNext(now: Ns): void {
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
      return;
    }
    const next = this.waiting[this.head++];
    this.inService = next.done;
    this.busyNs += next.serviceNs;
    this.timer.arm(now + next.serviceNs);
  }

  private finish(now: Ns): void {
    const done = this.inService!;
    this.inService = null;
    this.served++;
    this.startNext(now);
    done(now);
  }
}
