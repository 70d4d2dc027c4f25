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
} as const satisfies Required<HddParams>;

/** E[√|U − V|] for U, V uniform on [0, 1]: ∫ 2(1 − f)·√f df = 8/15. */
const MEAN_SQRT_DISTANCE = 8 / 15;

export class HddModel implements ServiceModel {
  readonly params: Required<HddParams>;
  readonly revolutionNs: Ns;
  private readonly seekSlopeNs: number;
  private headAt = 0;
  private lastFinish = -1;

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
    this.revolutionNs = 60e9 / p.rpm;
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

  serviceNs(request: QueuedRequest, _unit: number, now: Ns): Ns {
    const p = this.params;
    // Without an offset the request lands anywhere on the disk, 4 KiB aligned.
    const offset = request.offset ?? Math.floor(this.rng.next() * (p.capacityBytes / 4096)) * 4096;
    const continues = offset === this.headAt;
    const seek = this.seekNs(Math.abs(offset - this.headAt));
    const rotation = continues && now === this.lastFinish ? 0 : p.rotation === 'mean' ? this.revolutionNs / 2 : this.rng.next() * this.revolutionNs;
    const transfer = (request.bytes * 1e9) / p.transferBytesPerSec;
    const total = Math.max(1, Math.round(p.overheadNs + seek + rotation + transfer));
    this.headAt = offset + request.bytes;
    this.lastFinish = now + total;
    return total;
  }
}
