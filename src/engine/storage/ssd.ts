// A flash device's service time (io-qos.md §1.9): T = t_op + bytes / B per request, on k parallel
// units that each serve one request at a time (the device server's units: a k-server queue).
// Reads and writes differ in t_op (program is slower than read on NAND). [M] No garbage-collection
// stall, no dependence on position: offsets do not matter to flash.

import type { Ns } from '../system.js';
import type { QueuedRequest } from '../qdisc.js';
import type { ServiceModel } from '../device.js';

export interface SsdParams {
  /** Parallel units (channels/dies serving at once). */
  readonly units?: number;
  readonly readOpNs?: Ns;
  readonly writeOpNs?: Ns;
  /** Transfer rate of one unit, bytes/s. */
  readonly unitBytesPerSec?: number;
}

/**
 * Calibrated against Ceph's SSD figures (io-qos.md §1.4, §1.9): 1200 MiB/s sequential
 * (osd_mclock_max_sequential_bandwidth_ssd) over 4 units of 300 MiB/s, and 4 KiB random writes at
 * ≈ 21 500 IOPS (osd_mclock_max_capacity_iops_ssd, an NVMe P3700): 4 / (170 µs + 4 KiB / 300 MiB/s)
 * ≈ 21 900 IOPS. The op latencies sit in the ranges io-qos.md §1.9 gives (read 50–100 µs, write
 * 20–250 µs); 4 units is the issue depth io-qos.md §4.1 suggests for an SSD halved, so that the
 * write figure stays inside its range.
 */
export const SSD_DEFAULTS = {
  units: 4,
  readOpNs: 80_000,
  writeOpNs: 170_000,
  unitBytesPerSec: 300 * 1024 * 1024,
} as const satisfies Required<SsdParams>;

export class SsdModel implements ServiceModel {
  readonly params: Required<SsdParams>;

  constructor(params: SsdParams) {
    this.params = { ...SSD_DEFAULTS, ...params };
    const p = this.params;
    if (!Number.isInteger(p.units) || p.units < 1) throw new Error(`ssd: units must be a whole number ≥ 1, not ${p.units}`);
    for (const key of ['readOpNs', 'writeOpNs'] as const) if (!(p[key] >= 0)) throw new Error(`ssd: ${key} must be ≥ 0, not ${p[key]}`);
    if (!(p.unitBytesPerSec > 0) || !Number.isFinite(p.unitBytesPerSec)) throw new Error(`ssd: unitBytesPerSec must be a finite number > 0, not ${p.unitBytesPerSec}`);
  }

  get units(): number {
    return this.params.units;
  }

  serviceNs(request: QueuedRequest): Ns {
    return Math.max(1, Math.round(this.meanServiceNs(request.bytes, request.write ?? false)));
  }

  /** Service time on one unit (the same every time: flash has no position). */
  meanServiceNs(bytes: number, write: boolean): Ns {
    const p = this.params;
    return (write ? p.writeOpNs : p.readOpNs) + (bytes * 1e9) / p.unitBytesPerSec;
  }
}
