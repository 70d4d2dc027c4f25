// A host's storage device as a scenario describes it: the device's service model (hdd.ts, ssd.ts)
// under the two layers of seed §5.4 — an io.max throttle for the streams that set one
// (io-qos.md §1.8), then the device scheduler (FIFO, mq-deadline, or mClock with each stream's
// reservation, weight and limit; io-qos.md §1.2, §1.7).

import { DeviceServer, type ServedRequest } from '../device.js';
import type { EventQueue } from '../event-queue.js';
import { createQdisc, type QdiscSpec } from '../qdisc.js';
import type { MClockStream } from '../qdiscs/mclock.js';
import type { IoMax } from '../qdiscs/throttle.js';
import { Rng } from '../rng.js';
import type { HostStorageSpec, IoLoadSpec, StorageStreamSpec } from '../system.js';
import { capacityIops, profileAllocation } from './ceph-profiles.js';
import { STORAGE_DEVICES } from './devices.js';

type Stream = IoLoadSpec & { storage: StorageStreamSpec };

/** The disk loads that are storage streams. */
export function storageStreams(loads: IoLoadSpec[]): Stream[] {
  return loads.filter((l): l is Stream => l.kind === 'disk' && l.storage !== undefined);
}

/** The discipline for `spec`: its scheduler, behind a throttle when some stream has io.max. */
export function storageDiscipline(spec: HostStorageSpec, streams: Stream[]): QdiscSpec {
  const scheduler: QdiscSpec =
    spec.scheduler === 'mclock' && spec.profile
      ? cephProfileDiscipline(spec, streams)
      : spec.scheduler === 'mclock'
      ? {
          name: 'mclock',
          params: {
            streams: Object.fromEntries(streams.map((s): [string, MClockStream] => [s.id, { reservation: s.storage.reservation, weight: s.storage.weight, limit: s.storage.limit }])),
          },
        }
      : { name: spec.scheduler, params: spec.schedulerParams };
  const throttled = streams.filter((s) => s.storage.ioMax !== undefined);
  if (throttled.length === 0) return scheduler;
  return { name: 'throttle', params: { streams: Object.fromEntries(throttled.map((s): [string, IoMax] => [s.id, s.storage.ioMax!])) }, inner: scheduler };
}

/** mClock with a Ceph profile: one mClock client per op class, its r, w, l the profile's share of the device's capacity. */
function cephProfileDiscipline(spec: HostStorageSpec, streams: Stream[]): QdiscSpec {
  const device = STORAGE_DEVICES[spec.device].create(spec.deviceParams, new Rng(0, 'admission'));
  const allocation = profileAllocation(spec.profile!.release, spec.profile!.name, capacityIops(device));
  return { name: 'mclock', params: { streams: allocation, classOf: Object.fromEntries(streams.map((s) => [s.id, s.storage.cephClass ?? 'client'])) } };
}

/** The device server for a host's storage: `rng` draws the HDD's rotational positions. */
export function storageDevice(id: string, spec: HostStorageSpec, streams: Stream[], queue: EventQueue, rng: Rng): DeviceServer {
  const device = STORAGE_DEVICES[spec.device].create(spec.deviceParams, rng);
  return new DeviceServer(id, createQdisc<ServedRequest>(storageDiscipline(spec, streams)), queue, device.units, device.model);
}

/**
 * The share of the device the reservations need: Σ r_i · (mean service of a request of stream i)
 * over the units. Above 1, no scheduler can honour them (mClock's feasibility, Σr ≤ capacity,
 * io-qos.md §1.2), whatever the order of service.
 */
export function reservedShare(spec: HostStorageSpec, streams: Stream[]): number {
  const device = STORAGE_DEVICES[spec.device].create(spec.deviceParams, new Rng(0, 'admission'));
  const busy = streams.reduce((sum, s) => sum + (s.storage.reservation * device.meanServiceNs(s.storage.bytes, s.storage.write, s.storage.sequential)) / 1e9, 0);
  return busy / device.units;
}
