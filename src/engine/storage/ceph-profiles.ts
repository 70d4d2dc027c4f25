// Ceph's built-in mClock profiles (osd_op_queue = mclock_scheduler) as a versioned table: per
// profile, each client class's reservation and limit as fractions of the OSD's capacity and its
// weight (io-qos.md §1.4; 0 reservation = MIN, Infinity limit = MAX). Profiles change between
// releases, so a scenario names the release it means.
//
// Sources:
// - reef: docs.ceph.com/en/reef/rados/configuration/mclock-config-ref/ ("mClock Built-in Profiles"
//   tables), the allocation introduced by ceph/ceph PR 48226 (2022, first released in Reef 18.2.0)
//   and unchanged in the current docs and mClockScheduler.cc (io-qos.md §1.4 [V]).
// - quincy-dev: the Quincy development tables used in io-qos.md study A4 (io-qos.md §1.4 [V]).
//
// The OSD's capacity is its 4 KiB random-write IOPS (osd_mclock_max_capacity_iops_[hdd|ssd]),
// which the OSD measures with a bench at start-up (io-qos.md §1.4); here the device model gives
// it (capacityIops()). Costs are one unit per request: Ceph charges max(bytes, bw/iops), one I/O
// for any request under ≈ 499 KB on an HDD (io-qos.md §1.1), which covers the requests modelled.

import type { MClockStream } from '../qdiscs/mclock.js';
import type { StorageDevice } from './devices.js';

export const CEPH_CLASSES = ['client', 'background_recovery', 'background_best_effort'] as const;
export type CephClass = (typeof CEPH_CLASSES)[number];

/** One class's share of the OSD: reservation and limit as fractions of capacity, and a weight. */
export interface ClassAllocation {
  readonly reservation: number;
  readonly weight: number;
  readonly limit: number;
}

const MIN = 0;
const MAX = Infinity;
const alloc = (reservation: number, weight: number, limit: number): ClassAllocation => ({ reservation, weight, limit });

export const CEPH_MCLOCK_PROFILES = {
  reef: {
    balanced: { client: alloc(0.5, 1, MAX), background_recovery: alloc(0.5, 1, MAX), background_best_effort: alloc(MIN, 1, 0.9) },
    high_client_ops: { client: alloc(0.6, 2, MAX), background_recovery: alloc(0.4, 1, MAX), background_best_effort: alloc(MIN, 1, 0.7) },
    high_recovery_ops: { client: alloc(0.3, 1, MAX), background_recovery: alloc(0.7, 2, MAX), background_best_effort: alloc(MIN, 1, MAX) },
  },
  'quincy-dev': {
    balanced: { client: alloc(0.4, 1, 1.0), background_recovery: alloc(0.4, 1, 1.5), background_best_effort: alloc(0.2, 2, MAX) },
    high_client_ops: { client: alloc(0.5, 2, MAX), background_recovery: alloc(0.25, 1, 1.0), background_best_effort: alloc(0.25, 2, MAX) },
    high_recovery_ops: { client: alloc(0.3, 1, 0.8), background_recovery: alloc(0.6, 2, 2.0), background_best_effort: alloc(MIN, 2, MAX) },
  },
} as const satisfies Record<string, Record<string, Record<CephClass, ClassAllocation>>>;

export type CephRelease = keyof typeof CEPH_MCLOCK_PROFILES;
export type CephProfileName = keyof (typeof CEPH_MCLOCK_PROFILES)['reef'];
export const CEPH_RELEASES = Object.keys(CEPH_MCLOCK_PROFILES) as CephRelease[];
export const CEPH_PROFILE_NAMES = Object.keys(CEPH_MCLOCK_PROFILES.reef) as CephProfileName[];
/** The release a profile means when the scenario names none: the current tables. */
export const DEFAULT_CEPH_RELEASE: CephRelease = 'reef';

/** The device's 4 KiB random-write IOPS: what the OSD bench measures as its capacity (io-qos.md §1.4). */
export function capacityIops(device: StorageDevice): number {
  return (device.units * 1e9) / device.meanServiceNs(4096, true, false);
}

/**
 * mClock's r, w, l per class in requests/s for `profile` of `release` on an OSD of `capacity` IOPS
 * (Ceph: res/lim = fraction × capacity; MIN → 0 = unset, MAX → 0 = no limit in mclock.ts's terms).
 */
export function profileAllocation(release: CephRelease, profile: CephProfileName, capacity: number): Record<CephClass, Required<MClockStream>> {
  const table: Record<CephClass, ClassAllocation> = CEPH_MCLOCK_PROFILES[release][profile];
  const toStream = (a: ClassAllocation): Required<MClockStream> => ({ reservation: a.reservation * capacity, weight: a.weight, limit: Number.isFinite(a.limit) ? a.limit * capacity : 0 });
  return { client: toStream(table.client), background_recovery: toStream(table.background_recovery), background_best_effort: toStream(table.background_best_effort) };
}
