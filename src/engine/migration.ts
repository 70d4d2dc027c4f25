// Live migration of a VMU between PHs (issue 13; reference note migration.md): the run of one
// migration — rounds of chunks over the network, the pause, the resume. The stop rules and their
// sources: migration-rules.ts.
//
// The pages travel as chunks over the same path as the VMUs' packets (src/engine/net): the IXB
// work of both PHs, the source PH's NIC queue (FIFO, shared with every other flow on the link),
// serialisation and propagation. Each chunk also costs the migration threads CPU per page: the
// sender's dirty-log scan and copy, the receiver's page load (MigrationSpec.sendThread /
// receiveThread: a dom0 task under Xen, where libxl-save-helper runs xc_domain_save; the QEMU
// migration thread under KVM, a SCHED_OTHER thread of the QEMU process that libvirt places in the
// emulator cgroup, so outside the vCPUs' reservation).

import type { Timer } from './event-queue.js';
import type { Task } from './entities.js';
import type { FlowRun } from './net/network.js';
import type { MigrationSpec, Ns, VmuSpec } from './system.js';
import { afterRound, afterThrottlePeriod, dirtiedPages, THROTTLE_PERIOD_NS, type PrecopyRule, type ThrottleState } from './migration-rules.js';

/** One round as it happened. */
export interface MigrationRound {
  /** 1-based; the stop-and-copy is kind 'stop-and-copy'. */
  index: number;
  kind: 'live' | 'stop-and-copy';
  startNs: Ns;
  endNs: Ns;
  pages: number;
  bytes: number;
  /** Auto-converge only: the vCPU throttle (%) in force during the round. */
  throttlePct?: number;
}

/** What the simulator lends a migration. */
export interface MigrationHost {
  readonly now: Ns;
  readonly durationNs: Ns;
  timer(fire: (now: Ns) => void): Timer;
  inject(task: Task, demandNs: Ns, onDone: (now: Ns) => void): void;
  /** Whether the migration may start now (null), or why not: its VMU is elsewhere or another migration moves it. */
  claim(spec: MigrationSpec): string | null;
  /** Throttle the VMU instance's vCPUs at `pct` % (QEMU's cpu throttle; 0: lift it). */
  throttle(vmu: string, pct: number): void;
  /** Stop the VMU's vCPUs: its tasks keep their jobs (and get new releases) but run nothing. */
  pause(vmu: string): void;
  /** Move the paused VMU's jobs to its destination instance and run them there. */
  resume(vmu: string, twin: string): void;
  note?(event: string, detail: string): void;
}

/** A VMU's measured jobs, split by whether they were released while the migration ran (start → resume). */
export interface JobsAround {
  completedDuring: number;
  missedDuring: number;
  completedOutside: number;
  missedOutside: number;
}

/** A chunk of pages on the wire: a GSO segment (64 KiB, Linux GSO_MAX_SIZE). [M] */
export const CHUNK_BYTES = 64 * 1024;
/** Chunks in flight before the sender waits: a 1 MiB TCP window. [M] */
export const WINDOW_CHUNKS = 16;
/** A lost chunk is sent again after TCP's minimum retransmission timeout (Linux TCP_RTO_MIN, 200 ms). */
export const RETRANSMIT_NS = 200_000_000;

export type MigrationState = 'waiting' | 'refused' | 'precopy' | 'stop-and-copy' | 'done';

export class MigrationRun {
  state: MigrationState = 'waiting';
  readonly rounds: MigrationRound[] = [];
  bytesSent = 0;
  retransmittedBytes = 0;
  pausedAtNs: Ns | null = null;
  resumedAtNs: Ns | null = null;
  startedAtNs: Ns | null = null;
  /** Why it did not start (state 'refused'): an overlap with another migration of the VMU, or the VMU elsewhere. */
  refusal: string | null = null;
  /** Per VMU of the two PHs (the destination instance folded into the migrated VMU): its judged jobs. */
  readonly jobs = new Map<string, JobsAround>();
  private readonly pageTimer: Timer;
  // The round being sent.
  private roundPages = 0;
  private roundBytes = 0;
  private roundStart: Ns = 0;
  private nextChunk = 0;
  private chunks = 0;
  private acked = 0;
  private inFlight = 0;
  private paced = false;
  private lastLive = false;
  /** Auto-converge: the throttle and the current bitmap-sync period (start, dirty bytes, bytes sent before it). */
  throttle: ThrottleState = { pct: 0, highPeriods: 0 };
  private periodStart: Ns = 0;
  private periodDirtyBytes = 0;
  private periodSentBefore = 0;

  constructor(
    readonly spec: MigrationSpec,
    readonly rule: PrecopyRule,
    private readonly route: FlowRun,
    private readonly sendTask: Task,
    private readonly receiveTask: Task,
    private readonly host: MigrationHost,
  ) {
    this.pageTimer = host.timer(() => this.pump());
    if (spec.atNs <= host.durationNs) host.timer(() => this.begin()).arm(spec.atNs);
  }

  get totalPages(): number {
    return Math.ceil(this.spec.memoryBytes / this.spec.pageBytes);
  }

  get downtimeNs(): Ns | null {
    return this.pausedAtNs !== null && this.resumedAtNs !== null ? this.resumedAtNs - this.pausedAtNs : null;
  }

  /**
   * A measured job of a task on the source or destination PH completed (`missed`: late). Jobs
   * released from the start to the resume (or the end of the run) count as during the migration.
   */
  judge(vmu: VmuSpec, release: Ns, missed: boolean): void {
    if (vmu.host !== this.spec.from && vmu.host !== this.spec.to) return;
    const id = vmu.migrationOf ?? vmu.id;
    let row = this.jobs.get(id);
    if (row === undefined) {
      row = { completedDuring: 0, missedDuring: 0, completedOutside: 0, missedOutside: 0 };
      this.jobs.set(id, row);
    }
    const during = this.startedAtNs !== null && release >= this.startedAtNs && (this.resumedAtNs === null || release < this.resumedAtNs);
    if (during) {
      row.completedDuring++;
      if (missed) row.missedDuring++;
    } else {
      row.completedOutside++;
      if (missed) row.missedOutside++;
    }
  }

  private begin(): void {
    this.refusal = this.host.claim(this.spec);
    if (this.refusal !== null) {
      this.state = 'refused';
      this.host.note?.('migration-refused', `${this.spec.vmu} → ${this.spec.to}: ${this.refusal}`);
      return;
    }
    this.state = 'precopy';
    this.startedAtNs = this.host.now;
    this.periodStart = this.host.now;
    this.host.note?.('migration-start', `${this.spec.vmu} → ${this.spec.to}`);
    this.startRound(this.totalPages, 0);
  }

  private startRound(pages: number, extraBytes: number): void {
    const stopAndCopy = this.state === 'stop-and-copy';
    this.roundPages = pages;
    this.roundBytes = Math.min(pages * this.spec.pageBytes, stopAndCopy ? Infinity : this.spec.memoryBytes) + extraBytes;
    this.roundStart = this.host.now;
    this.chunks = Math.max(1, Math.ceil(this.roundBytes / CHUNK_BYTES));
    this.nextChunk = 0;
    this.acked = 0;
    this.paced = this.rule.maxBandwidthBps !== null && (!stopAndCopy || this.rule.pacedStopAndCopy);
    this.rounds.push({
      index: this.rounds.length + 1,
      kind: stopAndCopy ? 'stop-and-copy' : 'live',
      startNs: this.roundStart,
      endNs: -1,
      pages,
      bytes: this.roundBytes,
      ...(this.rule.autoConverge !== null && { throttlePct: stopAndCopy ? 0 : this.throttle.pct }),
    });
    // Nothing dirty: xc_domain_save skips the send (send_memory_live sends only dirty_count > 0).
    if (this.roundBytes === 0) return this.roundDone();
    this.pump();
  }

  private chunkBytes(k: number): number {
    return k < this.chunks - 1 ? CHUNK_BYTES : this.roundBytes - CHUNK_BYTES * (this.chunks - 1);
  }

  /**
   * Auto-converge's check at a bitmap sync (migration_bitmap_sync): the round's dirty pages count
   * towards the current period; once more than THROTTLE_PERIOD_NS has passed the period is judged
   * (afterThrottlePeriod) and a new one begins. A no-op without auto-converge.
   */
  private syncThrottle(now: Ns, dirtyPages: number): void {
    const ac = this.rule.autoConverge;
    if (ac === null) return;
    this.periodDirtyBytes += dirtyPages * this.spec.pageBytes;
    if (now - this.periodStart <= THROTTLE_PERIOD_NS) return;
    const before = this.throttle.pct;
    this.throttle = afterThrottlePeriod(ac, this.throttle, this.periodDirtyBytes, this.bytesSent - this.periodSentBefore);
    this.periodStart = now;
    this.periodDirtyBytes = 0;
    this.periodSentBefore = this.bytesSent;
    if (this.throttle.pct !== before) this.host.throttle(this.spec.source, this.throttle.pct);
  }

  /** Issue chunks while the window has room and the rate limit allows. */
  private pump(): void {
    while (this.inFlight < WINDOW_CHUNKS && this.nextChunk < this.chunks) {
      if (this.paced) {
        // QEMU's rate limit, smoothed: chunk k leaves no earlier than the bytes before it allow.
        const due = this.roundStart + Math.ceil((this.nextChunk * CHUNK_BYTES * 8e9) / this.rule.maxBandwidthBps!);
        if (due > this.host.now) {
          this.pageTimer.arm(due);
          return;
        }
      }
      this.send(this.chunkBytes(this.nextChunk++));
    }
  }

  private pagesOf(bytes: number): number {
    return Math.ceil(bytes / this.spec.pageBytes);
  }

  private send(bytes: number): void {
    this.inFlight++;
    const round = this.rounds.length;
    this.host.inject(this.sendTask, this.pagesOf(bytes) * this.spec.sendCostPerPageNs, () => this.transmit(bytes, round));
  }

  private transmit(bytes: number, round: number): void {
    this.bytesSent += bytes;
    this.route.carry(bytes, {
      passed: () => {},
      delivered: () => this.host.inject(this.receiveTask, this.pagesOf(bytes) * this.spec.receiveCostPerPageNs, () => this.acknowledged(round)),
      lost: () => {
        this.retransmittedBytes += bytes;
        this.host.timer(() => this.transmit(bytes, round)).arm(this.host.now + RETRANSMIT_NS);
      },
    });
  }

  private acknowledged(round: number): void {
    this.inFlight--;
    if (round !== this.rounds.length) return;
    this.acked++;
    if (this.acked === this.chunks) this.roundDone();
    else this.pump();
  }

  private roundDone(): void {
    const now = this.host.now;
    const round = this.rounds[this.rounds.length - 1];
    round.endNs = now;
    if (this.state === 'stop-and-copy') {
      this.state = 'done';
      this.resumedAtNs = now;
      this.host.resume(this.spec.source, this.spec.twin);
      this.host.note?.('migration-resume', `${this.spec.vmu} on ${this.spec.to} after ${now - this.pausedAtNs!} ns down`);
      return;
    }
    // A throttled guest runs (1 − p) of the time, so it dirties that share (migration.md §8).
    const rate = this.spec.dirtyBytesPerSec * (1 - this.throttle.pct / 100);
    const dirty = dirtiedPages({ ...this.spec, dirtyBytesPerSec: rate }, now - round.startNs);
    this.syncThrottle(now, dirty);
    const step = afterRound(this.rule, round.index, dirty, this.spec.pageBytes, round.bytes, now - round.startNs, this.lastLive);
    this.host.note?.('migration-round', `${this.spec.vmu} round ${round.index}: ${round.pages} pages in ${now - round.startNs} ns, ${dirty} dirty`);
    if (step.next === 'round') {
      this.lastLive = step.last;
      this.startRound(step.pages, 0);
      return;
    }
    this.state = 'stop-and-copy';
    this.pausedAtNs = now;
    if (this.throttle.pct > 0) this.host.throttle(this.spec.source, 0); // cpu_throttle_stop: the VM stops anyway
    this.host.pause(this.spec.source);
    this.host.note?.('migration-pause', `${this.spec.vmu}: ${step.pages} pages and device state left`);
    this.startRound(step.pages, this.spec.deviceStateBytes);
  }
}

/** A migrated VMU's task on the destination PH `host` (its instance's copy of `taskId`). */
export function twinTaskId(taskId: string, host: string): string {
  return `${taskId}.${host}`;
}

/** The destination instance of VMU `vmu` on PH `host`. */
export function twinVmuId(vmu: string, host: string): string {
  return `${vmu}.${host}`;
}
