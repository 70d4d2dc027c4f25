// The I/O path: one request of a VMU's I/O load is a chain of stages, each a job injected into a
// service task on some entity (the guest's handler, a dom0 backend, a vhost thread) or a visit to a
// device. A stage starts when the previous one ends, so a request waits wherever its next entity is
// not scheduled: that is how dom0's or vhost's scheduling shows up in guest I/O latency
// (xen.md §7.2; linux-irmos.md §7.2). Notifications coalesce for free: a service task that already
// has queued work is runnable and needs no new wake-up.

import type { IoLoadSpec, Ns, VmuSpec } from './system.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import type { Device, RequestShape } from './device.js';
import { EventPhase, type EventQueue, type Timer } from './event-queue.js';
import type { Task } from './entities.js';
import { Rng } from './rng.js';
import { RemoteOsd } from './storage/remote-osd.js';
import { DemandSampler, ReleaseClock } from './workload.js';

/** A stage of the path, as a model describes it. */
export type IoStage =
  /** CPU work on the service task `task` (an id); 'compute' = the load's own sampled guest demand. */
  | { kind: 'cpu'; task: string; costNs: Ns | 'compute'; what: string }
  /** Service at the host's device of this kind. */
  | { kind: 'device'; device: 'net' | 'disk'; what: string };

type ResolvedStage = { kind: 'cpu'; task: Task; costNs: Ns | 'compute' } | { kind: 'device'; device: Device };

export interface IoEngine {
  readonly now: Ns;
  readonly queue: EventQueue;
  readonly durationNs: Ns;
  readonly warmupNs: Ns;
  inject(task: Task, demandNs: Ns, onDone: (now: Ns) => void): void;
}

export class IoLoadStats {
  readonly latency = new LatencyHistogram();
  requests = 0;
  completed = 0;
  missed = 0;
  /** Requests that completed inside the measured window, whenever they arrived, and their bytes (throughput). */
  served = 0;
  servedBytes = 0;
  /**
   * A stream on a remote OSD (storage/remote-osd.ts): where each measured request's device stage went —
   * IXB CPU and egress, link, the OSD's device queue and service — over the completed requests.
   */
  osd: Record<OsdSegment, LatencyHistogram> | null = null;
}

/** The parts of a remote OSD trip (remote-osd.ts OsdTripProbe). */
export type OsdSegment = 'ixb' | 'link' | 'storage';
export const OSD_SEGMENTS: readonly OsdSegment[] = ['ixb', 'link', 'storage'];

export class IoLoadRun {
  readonly stats = new IoLoadStats();
  private readonly stages: ResolvedStage[];
  private readonly compute: DemandSampler;
  /** Storage streams: where the next request lands (io-qos.md §1.9: sequential or random). */
  private readonly offsets: Rng | null = null;
  private nextOffset = -1;
  private clock: ReleaseClock;
  private readonly rng: Rng;
  /** The arrivals of the current begin(); null before the first and after halt(). */
  private arrivals: Timer | null = null;
  private begun = false;

  constructor(
    readonly spec: IoLoadSpec,
    readonly vmu: VmuSpec,
    readonly path: IoStage[],
    tasks: Map<string, Task>,
    devices: (kind: 'net' | 'disk') => Device,
    private readonly engine: IoEngine,
    rng: Rng,
  ) {
    this.stages = path.map((s) => {
      if (s.kind === 'device') return { kind: 'device', device: devices(s.device) };
      const task = tasks.get(s.task);
      if (!task) throw new Error(`I/O path of ${spec.id} names service task ${s.task}, which this host does not have`);
      return { kind: 'cpu', task, costNs: s.costNs };
    });
    this.compute = new DemandSampler(spec.compute, rng);
    // Offsets draw from their own stream, so schedulers that reorder requests share arrivals.
    if (spec.storage) this.offsets = new Rng(rng.nextUint32(), `${spec.id}/offsets`);
    this.clock = new ReleaseClock(spec.arrival, rng);
    this.rng = rng;
  }

  /**
   * Issue requests from `from` (its arrival law's times count from there): time 0, or its VMU's
   * start or boot end (issue 13). A VMU's stop ends its requests: none is issued at or after it, and
   * one still in flight then is dropped at its next stage (advance).
   */
  begin(from: Ns = 0): void {
    // Begun again (its VMU migrated back here: src/engine/migration.ts): its arrival law counts from `from` anew.
    if (this.begun) this.clock = new ReleaseClock(this.spec.arrival, this.rng);
    this.begun = true;
    const { engine, clock } = this;
    const end = this.vmu.stopNs === undefined ? engine.durationNs + 1 : this.vmu.stopNs;
    const arrivals = engine.queue.timer(EventPhase.release, (now) => {
      this.start(now);
      const next = from + clock.next();
      if (next < end && next <= engine.durationNs) arrivals.arm(Math.max(next, now));
    });
    const first = from + clock.next();
    if (first < end && first <= engine.durationNs) arrivals.arm(Math.max(first, engine.now));
    this.arrivals = arrivals;
  }

  /**
   * Issue no more requests (its VMU stops for a live migration's stop-and-copy: the guest issues
   * nothing, and from the resume its instance on the destination issues them). Requests in flight
   * go on along this path: they finish at this host's device.
   */
  halt(): void {
    this.arrivals?.cancel();
    this.arrivals = null;
  }

  /** Issue one request now; `onDone` runs when it has crossed every stage (boot reads: one after another). */
  request(onDone: () => void): void {
    this.start(this.engine.now, onDone);
  }

  private start(arrival: Ns, onDone?: () => void): void {
    const measured = arrival >= this.engine.warmupNs;
    if (measured) this.stats.requests++;
    this.advance(arrival, measured, 0, onDone);
  }

  /** A storage stream's request as the device sees it; undefined for a plain load. */
  private shape(device: Device, arrival: Ns): RequestShape | undefined {
    const st = this.spec.storage;
    if (!st || !this.offsets) return undefined;
    const blocks = Math.floor((device.capacityBytes ?? 2 ** 40) / 4096);
    // A random request, or the first of a sequential stream, lands on any 4 KiB block.
    if (!st.sequential || this.nextOffset < 0 || this.nextOffset + st.bytes > blocks * 4096) this.nextOffset = Math.floor(this.offsets.next() * blocks) * 4096;
    const offset = this.nextOffset;
    this.nextOffset += st.bytes;
    return { flow: this.spec.id, bytes: st.bytes, write: st.write, offset, deadlineNs: arrival + this.spec.deadline };
  }

  /** A request to a remote OSD, timed per segment for the breakdown (a measured one, once it completes). */
  private viaOsd(osd: RemoteOsd, measured: boolean, shape: RequestShape | undefined, next: () => void): void {
    const spent = { ixb: 0, link: 0, storage: 0 };
    let mark = this.engine.now;
    const probe = {
      passed: (segment: OsdSegment, now: Ns) => {
        spent[segment] += now - mark;
        mark = now;
      },
      lost: () => {},
    };
    osd.submit(this.engine.now, this.spec.deviceNs, () => {
      if (measured) {
        this.stats.osd ??= { ixb: new LatencyHistogram(), link: new LatencyHistogram(), storage: new LatencyHistogram() };
        for (const k of OSD_SEGMENTS) this.stats.osd[k].record(spent[k]);
      }
      next();
    }, shape, probe);
  }

  private advance(arrival: Ns, measured: boolean, index: number, onDone?: () => void): void {
    // Its VMU was destroyed while the request was in flight: nothing continues it (issue 13).
    if (this.vmu.stopNs !== undefined && this.engine.now >= this.vmu.stopNs) return;
    if (index === this.stages.length) {
      onDone?.();
      if (this.engine.now >= this.engine.warmupNs) {
        this.stats.served++;
        this.stats.servedBytes += this.spec.storage?.bytes ?? 0;
      }
      if (!measured) return;
      const latency = this.engine.now - arrival;
      this.stats.completed++;
      this.stats.latency.record(latency);
      if (latency > this.spec.deadline) this.stats.missed++;
      return;
    }
    const stage = this.stages[index];
    const next = () => this.advance(arrival, measured, index + 1, onDone);
    if (stage.kind === 'device') {
      const shape = this.shape(stage.device, arrival);
      if (stage.device instanceof RemoteOsd) this.viaOsd(stage.device, measured, shape, next);
      else stage.device.submit(this.engine.now, this.spec.deviceNs, next, shape);
    } else {
      const cost = stage.costNs === 'compute' ? this.compute.next() : stage.costNs;
      if (cost > 0) this.engine.inject(stage.task, cost, next);
      else next();
    }
  }
}
