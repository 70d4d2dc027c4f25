// Storage QoS of a scenario (issue 11): a host's storage device and the storage streams of disk
// loads, resolved to the engine's HostStorageSpec / StorageStreamSpec, and the admission check
// that the reservations fit the device (mClock's feasibility Σr ≤ capacity, io-qos.md §1.2).

import { describeValue } from '../errors.js';
import { reservedShare, storageStreams } from '../engine/storage/host-storage.js';
import type { HostStorageSpec, StorageStreamSpec } from '../engine/system.js';
import type { Checker } from './checks.js';
import type { RawScenario } from './schema.js';
import type { HostSpec, VmuSpec } from './types.js';

type RawHostStorage = NonNullable<RawScenario['hosts'][number]['storage']>;
type RawStream = NonNullable<NonNullable<NonNullable<RawScenario['vmus']>[number]['io']>[number]['storage']>;

export function normalizeHostStorage(raw: RawHostStorage): HostStorageSpec {
  return { device: raw.device, deviceParams: {}, scheduler: raw.scheduler ?? 'fifo', schedulerParams: {} };
}

export function normalizeStorageStream(raw: RawStream, kind: 'net' | 'disk', pointer: string, check: Checker): StorageStreamSpec {
  if (kind !== 'disk') check.fail(pointer, 'no storage stream on a net load (storage goes with kind "disk")', 'a storage stream');
  const reservation = raw.reservation === undefined ? 0 : check.rate(raw.reservation, `${pointer}/reservation`);
  const limit = raw.limit === undefined ? 0 : check.rate(raw.limit, `${pointer}/limit`);
  const weight = raw.weight ?? 1;
  if (limit > 0 && reservation > limit) check.fail(`${pointer}/reservation`, `a reservation <= the limit (${raw.limit})`, describeValue(raw.reservation));
  if (reservation === 0 && weight === 0) check.fail(`${pointer}/weight`, 'a weight > 0 for a stream without reservation (else mClock never serves it)', '0');
  const stream: StorageStreamSpec = { bytes: raw.size ?? 4096, write: raw.write ?? false, sequential: raw.access === 'sequential', reservation, weight, limit };
  if (raw.ioMax !== undefined) {
    const m = raw.ioMax;
    const p = `${pointer}/ioMax`;
    stream.ioMax = {
      ...(m.riops !== undefined && { riops: check.rate(m.riops, `${p}/riops`) }),
      ...(m.wiops !== undefined && { wiops: check.rate(m.wiops, `${p}/wiops`) }),
      ...(m.rbps !== undefined && { rbps: m.rbps }),
      ...(m.wbps !== undefined && { wbps: m.wbps }),
    };
  }
  return stream;
}

/** Every storage stream has a device on its host, and each device can carry the reservations made on it. */
export function checkStorage(hosts: HostSpec[], vmus: VmuSpec[], check: Checker): void {
  vmus.forEach((v, i) =>
    v.io.forEach((l, j) => {
      const host = hosts.find((h) => h.id === v.host)!;
      if (l.storage && !host.storage) check.fail(`/vmus/${i}/io/${j}/storage`, `a storage device on host ${host.id} (hosts[].storage)`, 'a host without one');
    }),
  );
  hosts.forEach((h, i) => {
    if (!h.storage) return;
    const streams = storageStreams(vmus.filter((v) => v.host === h.id).flatMap((v) => v.io));
    const share = reservedShare(h.storage, streams);
    if (share > 1) {
      const reserved = streams.filter((s) => s.storage.reservation > 0).map((s) => `${s.id} ${s.storage.reservation}/s`);
      check.fail(`/hosts/${i}/storage`, `reservations the ${h.storage.device} can serve (Σ reservation × mean service time ≤ 100 % of the device)`, `${(share * 100).toFixed(0)} % reserved (${reserved.join(', ')})`, 'Lower a reservation, or give the host an ssd.');
    }
  });
}
