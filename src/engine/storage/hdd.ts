// A rotating disk's service time (io-qos.md §1.9, structure after Ruemmler & Wilkes 1994):
//   T = overhead + seek(distance) + rotational latency + bytes / media rate
// on one arm (one request at a time). The seek grows with the square root of the distance the arm
// travels, from the single-track seek to the full stroke: seek(f) = trackToTrack + k·√f for a
// fraction f > 0 of the disk, with k set so that the mean over uniformly random request pairs
// (E[√f] = 8/15 when f is the distance between two uniform points) equals the datasheet's average
// seek, which datasheets define as exactly that mean over all seek lengths. [M] Ruemmler & Wilkes'
// linear tail for long seeks is folded into the √ curve; reads and writes seek alike.
// Rotational latency is uniform on [0, one revolution) from the device's seeded Rng, or half a
// revolution in the mean-value mode. A request that starts where the previous one ended skips the
// seek, and also the rotation when it follows that one with no gap (the sector is under the head).
//
// Command queueing (SATA NCQ, SCSI TCQ; io-qos.md §1.9 "Device queue"): with `queueDepth` N > 1 the
// host's scheduler may dispatch up to N requests to the disk, and the disk starts next the waiting
// command it can reach soonest — shortest positioning time first, seek plus rotational latency
// (SATF: Jacobson & Wilkes, HP Labs HPL-CSP-91-7, 1991; SPTF: Worthington, Ganger & Patt,
// SIGMETRICS 1994; "Rotational Position Ordering" in the Intel/Seagate whitepaper "Serial ATA Native
// Command Queuing", July 2003, which chooses by "the combined seek and rotational latency time", up to
// 32 commands). Choosing by rotation needs each sector's angle: the platter turns at a constant rate
// from angle 0 at t = 0, and a byte offset sits at angle (offset mod bytesPerTrack) / bytesPerTrack,
// one track holding what the head reads in a revolution at the media rate (zones and track skew
// folded in [M]). So at depth > 1 the rotational latency is the wait from the angle the head reaches
// after the seek to the sector's angle, not a draw; at depth 1 the disk has no choice to make and
// keeps the uniform draw (a random sector's angle is uniform), so results without queueing stay as
// they were. With rotation 'mean' every command costs half a revolution: the choice is by seek
// alone (SSTF). Ties go to the command dispatched first.
// The price (Valente, linux commit bcd5642607ab "block, bfq: preserve a low latency also with
// NCQ-capable drives", 2017): "the internal scheduler of an NCQ-capable drive may postpone the
// service of some unlucky (prefetched) requests as long as it deems serving other requests more
// appropriate" — the host scheduler's order (mq-deadline's expiry, mClock's tags) decides only when
// a request reaches the disk; BFQ therefore keeps the drive's queue empty for latency-sensitive
// queues, and pure SATF can starve a command at saturation. Drives age commands; the literature's
// rules weight a command's wait into its positioning time (Jacobson & Wilkes' aged SATF, Worthington
// et al.'s ASPTF). Modelled here is the simplest form with a bound one can state [M]: with
// `maxCommandAgeNs`, a command that has waited that long inside the disk goes before any younger one,
// oldest first, so none waits inside the disk more than maxCommandAge + N full services.

import type { Ns } from '../system.js';
import type { QueuedRequest } from '../qdisc.js';
import type { ServiceModel } from '../device.js';
import type { Rng } from '../rng.js';

export interface HddParams {
  /** Spindle speed; 7200 for the 7.2k SATA class (io-qos.md §1.9). */
  readonly rpm?: number;
  /** Mean seek over all seek lengths (datasheet "average seek, read"). */
  readonly averageSeekNs?: Ns;
  /** Single-track seek. */
  readonly trackToTrackNs?: Ns;
  /** Sustained media transfer rate, bytes/s. */
  readonly transferBytesPerSec?: number;
  readonly capacityBytes?: number;
  /** Controller/command overhead per request. */
  readonly overheadNs?: Ns;
  /** 'random' draws each rotational latency; 'mean' charges half a revolution. */
  readonly rotation?: 'random' | 'mean';
  /** Commands the disk holds at once (NCQ: up to 32); 1 = no queueing, the host's order. */
  readonly queueDepth?: number;
  /** With queueDepth > 1: a command waiting this long inside the disk goes first (oldest first); absent: pure SATF. */
  readonly maxCommandAgeNs?: Ns;
}

/**
 * A 7.2k SATA disk of c. 2010, the class io-qos.md §1.9 tabulates (8–9 ms average seek, 4.17 ms
 * mean rotation, 100–150 MB/s; io-qos.md §4.1 suggests 8.5 ms and 120 MB/s). Datasheet figures: HGST
 * Ultrastar 7K4000 specification, section 4.4.1.1, average seek (read, typical) 8.2 ms; Hitachi Travelstar
 * 5K320 specification, section 4.4.2.3, single-track seek (read, typical) 1.0 ms; Seagate Barracuda XT
 * (ST32000641AS) datasheet, 7200 rpm, average latency 4.16 ms, 2 TB, sustained 138 MB/s at the
 * outer diameter (120 MB/s is nearer the average across zones). No overhead: io-qos.md §1.9 puts a
 * 4 KiB random request at 12.7 ms (≈ 80 IOPS), which seek + rotation + transfer already make.
 */
export const HDD_DEFAULTS = {
  rpm: 7200,
  averageSeekNs: 8_200_000,
  trackToTrackNs: 1_000_000,
  transferBytesPerSec: 120e6,
  capacityBytes: 2e12,
  overheadNs: 0,
  rotation: 'random',
  queueDepth: 1,
  maxCommandAgeNs: Infinity,
} as const satisfies Required<HddParams>;

/** The deepest command queue accepted: SCSI TCQ goes beyond NCQ's 32 tags; 256 is ample. */
export const MAX_QUEUE_DEPTH = 256;

/** E[√|U − V|] for U, V uniform on [0, 1]: ∫ 2(1 − f)·√f df = 8/15. */
const MEAN_SQRT_DISTANCE = 8 / 15;

export class HddModel implements ServiceModel {
  readonly params: Required<HddParams>;
  readonly revolutionNs: Ns;
  private readonly seekSlopeNs: number;
  private readonly bytesPerTrack: number;
  private headAt = 0;
  private lastFinish = -1;
  /** Commands dispatched to the disk and not yet started: where each goes, and since when it waits. */
  private readonly accepted = new Map<QueuedRequest, { offset: number; at: Ns }>();

  constructor(
    params: HddParams,
    private readonly rng: Rng,
  ) {
    this.params = { ...HDD_DEFAULTS, ...params };
    const p = this.params;
    for (const key of ['rpm', 'averageSeekNs', 'transferBytesPerSec', 'capacityBytes'] as const) {
      if (!(p[key] > 0) || !Number.isFinite(p[key])) throw new Error(`hdd: ${key} must be a finite number > 0, not ${p[key]}`);
    }
    if (!(p.trackToTrackNs >= 0 && p.trackToTrackNs <= p.averageSeekNs)) throw new Error(`hdd: trackToTrackNs must lie in [0, averageSeekNs], not ${p.trackToTrackNs}`);
    if (!(p.overheadNs >= 0)) throw new Error(`hdd: overheadNs must be ≥ 0, not ${p.overheadNs}`);
    if (!Number.isInteger(p.queueDepth) || p.queueDepth < 1 || p.queueDepth > MAX_QUEUE_DEPTH) throw new Error(`hdd: queueDepth must be a whole number in [1, ${MAX_QUEUE_DEPTH}], not ${p.queueDepth}`);
    if (!(p.maxCommandAgeNs > 0)) throw new Error(`hdd: maxCommandAgeNs must be > 0, not ${p.maxCommandAgeNs}`);
    this.revolutionNs = 60e9 / p.rpm;
    this.bytesPerTrack = (p.transferBytesPerSec * this.revolutionNs) / 1e9;
    this.seekSlopeNs = (p.averageSeekNs - p.trackToTrackNs) / MEAN_SQRT_DISTANCE;
  }

  get capacityBytes(): number {
    return this.params.capacityBytes;
  }

  /** Mean service time of a request (random: average seek + half a revolution; sequential: transfer only). */
  meanServiceNs(bytes: number, sequential: boolean): Ns {
    const p = this.params;
    const positioning = sequential ? 0 : p.averageSeekNs + this.revolutionNs / 2;
    return p.overheadNs + positioning + (bytes * 1e9) / p.transferBytesPerSec;
  }

  /** Seek time over `distance` bytes. */
  seekNs(distance: number): Ns {
    if (distance === 0) return 0;
    const fraction = Math.min(1, distance / this.params.capacityBytes);
    return this.params.trackToTrackNs + this.seekSlopeNs * Math.sqrt(fraction);
  }

  get queueDepth(): number {
    return this.params.queueDepth;
  }

  /** A command reaches the disk: where it goes (a random 4 KiB-aligned block without an offset). */
  accept(request: QueuedRequest, now: Ns): void {
    this.accepted.set(request, { offset: request.offset ?? this.randomOffset(), at: now });
  }

  /** The waiting command to start now: an overdue one (oldest first) if any, else the shortest positioning time. */
  pick(waiting: readonly QueuedRequest[], now: Ns): number {
    let best = 0;
    let bestKey = Infinity;
    let overdue = false;
    for (let i = 0; i < waiting.length; i++) {
      const { offset, at } = this.where(waiting[i]);
      if (now - at >= this.params.maxCommandAgeNs) {
        if (!overdue || at < bestKey) [best, bestKey, overdue] = [i, at, true];
      } else if (!overdue) {
        const positioning = this.positioningNs(offset, now);
        if (positioning < bestKey) [best, bestKey] = [i, positioning];
      }
    }
    return best;
  }

  /** Time from `now` until the head is over `offset`'s sector: overhead, seek, then the platter's turn. */
  positioningNs(offset: number, now: Ns): Ns {
    const p = this.params;
    if (offset === this.headAt && now === this.lastFinish) return 0;
    const seek = this.seekNs(Math.abs(offset - this.headAt));
    return p.overheadNs + seek + this.rotationNs(offset, now + p.overheadNs + seek);
  }

  serviceNs(request: QueuedRequest, _unit: number, now: Ns): Ns {
    const p = this.params;
    const { offset } = this.where(request);
    this.accepted.delete(request);
    const continues = offset === this.headAt;
    const seek = this.seekNs(Math.abs(offset - this.headAt));
    const rotation =
      continues && now === this.lastFinish ? 0
      : p.rotation === 'mean' ? this.revolutionNs / 2
      : p.queueDepth > 1 ? this.rotationNs(offset, now + p.overheadNs + seek)
      : this.rng.next() * this.revolutionNs;
    const transfer = (request.bytes * 1e9) / p.transferBytesPerSec;
    const total = Math.max(1, Math.round(p.overheadNs + seek + rotation + transfer));
    this.headAt = offset + request.bytes;
    this.lastFinish = now + total;
    return total;
  }

  /** The wait at `reachedAt` for `offset`'s sector to come under the head (half a turn in the mean mode). */
  private rotationNs(offset: number, reachedAt: Ns): Ns {
    if (this.params.rotation === 'mean') return this.revolutionNs / 2;
    const R = this.revolutionNs;
    const sector = (offset % this.bytesPerTrack) / this.bytesPerTrack;
    const head = (reachedAt % R) / R;
    const turn = (((sector - head) % 1) + 1) % 1;
    return turn * R;
  }

  private where(request: QueuedRequest): { offset: number; at: Ns } {
    return this.accepted.get(request) ?? { offset: request.offset ?? this.randomOffset(), at: request.arrivalNs };
  }

  /** Without an offset a request lands anywhere on the disk, 4 KiB aligned. */
  private randomOffset(): number {
    return Math.floor(this.rng.next() * (this.params.capacityBytes / 4096)) * 4096;
  }
}
