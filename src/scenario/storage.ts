// Storage QoS of a scenario (issue 11): a host's storage device and the storage streams of disk
// loads, resolved to the engine's HostStorageSpec / StorageStreamSpec, and the admission check
// that the reservations fit the device (mClock's feasibility Σr ≤ capacity, io-qos.md §1.2) — over
// the streams of every host that reaches it, when it is an OSD box others use over the network
// (src/engine/storage/remote-osd.ts).

import { describeValue } from '../errors.js';
import { DEFAULT_CEPH_RELEASE } from '../engine/storage/ceph-profiles.js';
import { reservedShare, storageStreams } from '../engine/storage/host-storage.js';
import { HDD_DEFAULTS, type HddParams } from '../engine/storage/hdd.js';
import type { SsdParams } from '../engine/storage/ssd.js';
import type { HostStorageSpec, IoLoadSpec, LinkSpec, StorageStreamSpec } from '../engine/system.js';
import { didYouMean } from './suggest.js';
import { parseBandwidth, parseSize } from './memory-units.js';
import { formatDuration } from './units.js';
import type { Checker } from './checks.js';
import type { RawScenario } from './schema.js';
import type { HostSpec, VmuSpec } from './types.js';

type RawHostStorage = NonNullable<RawScenario['hosts'][number]['storage']>;
type RawDevice = RawHostStorage['device'];
type RawStream = NonNullable<NonNullable<NonNullable<RawScenario['vmus']>[number]['io']>[number]['storage']>;

export function normalizeHostStorage(raw: RawHostStorage, pointer: string, check: Checker): HostStorageSpec {
  const device = normalizeDevice(raw.device, `${pointer}/device`, check);
  const spec: HostStorageSpec = { ...device, scheduler: raw.scheduler ?? 'fifo', schedulerParams: {} };
  if (raw.profile !== undefined) {
    // A profile is mClock's allocation (Ceph's osd_mclock_profile, io-qos.md §1.4): meaningless to another scheduler.
    if (spec.scheduler !== 'mclock') check.fail(`${pointer}/profile`, 'a profile only with scheduler mclock (a Ceph mClock profile sets mClock\'s reservation, weight and limit per op class)', `scheduler ${spec.scheduler}`);
    spec.profile = { name: raw.profile, release: raw.profileRelease ?? DEFAULT_CEPH_RELEASE };
  } else if (raw.profileRelease !== undefined) check.fail(`${pointer}/profileRelease`, 'a profile for the release to apply to', 'a release without a profile');
  return spec;
}

/**
 * `device: hdd | ssd`, or an object naming the model and overriding its parameters in scenario
 * units (durations, "120MB/s", "2000GB"), resolved to the model's own parameter names (hdd.ts,
 * ssd.ts). Only what the file gives is kept: the model's defaults fill the rest.
 */
function normalizeDevice(raw: RawDevice, pointer: string, check: Checker): Pick<HostStorageSpec, 'device' | 'deviceParams'> {
  if (typeof raw === 'string') return { device: raw, deviceParams: {} };
  const bytesPerSec = (text: string, at: string) => Math.round(parseBandwidth(text, check.file, at) * 1e9);
  if (raw.model === 'hdd') {
    const params: { -readonly [K in keyof HddParams]: HddParams[K] } = {};
    if (raw.rpm !== undefined) params.rpm = raw.rpm;
    if (raw.averageSeek !== undefined) params.averageSeekNs = check.positiveDuration(raw.averageSeek, `${pointer}/averageSeek`);
    if (raw.trackToTrack !== undefined) params.trackToTrackNs = check.duration(raw.trackToTrack, `${pointer}/trackToTrack`);
    if (raw.transferRate !== undefined) params.transferBytesPerSec = bytesPerSec(raw.transferRate, `${pointer}/transferRate`);
    if (raw.capacity !== undefined) params.capacityBytes = parseSize(raw.capacity, check.file, `${pointer}/capacity`);
    if (raw.overhead !== undefined) params.overheadNs = check.duration(raw.overhead, `${pointer}/overhead`);
    if (raw.rotation !== undefined) params.rotation = raw.rotation;
    if (raw.queueDepth !== undefined) params.queueDepth = raw.queueDepth;
    if (raw.maxCommandAge !== undefined) {
      params.maxCommandAgeNs = check.positiveDuration(raw.maxCommandAge, `${pointer}/maxCommandAge`);
      // An age limit orders commands waiting inside the disk: with none queued there it means nothing.
      if ((raw.queueDepth ?? 1) === 1) check.fail(`${pointer}/maxCommandAge`, 'a queueDepth > 1 beside it (the age limit orders commands waiting inside the disk)', `maxCommandAge with queueDepth ${raw.queueDepth ?? '1 (by default)'}`, 'Set queueDepth, or drop maxCommandAge.');
    }
    // The √-distance seek curve rises from the single-track seek to a mean of averageSeek (hdd.ts).
    const averageSeek = params.averageSeekNs ?? HDD_DEFAULTS.averageSeekNs;
    const trackToTrack = params.trackToTrackNs ?? HDD_DEFAULTS.trackToTrackNs;
    if (trackToTrack > averageSeek) {
      const at = raw.trackToTrack !== undefined ? 'trackToTrack' : 'averageSeek';
      check.fail(`${pointer}/${at}`, `a track-to-track seek <= the average seek (the seek curve rises from one to a mean of the other)`, `trackToTrack ${formatDuration(trackToTrack)}, averageSeek ${formatDuration(averageSeek)}${raw.trackToTrack === undefined ? ' (trackToTrack by default)' : ''}`, 'Set trackToTrack too, or a longer averageSeek.');
    }
    return { device: 'hdd', deviceParams: params as Record<string, unknown> };
  }
  const params: { -readonly [K in keyof SsdParams]: SsdParams[K] } = {};
  if (raw.units !== undefined) params.units = raw.units;
  if (raw.readOp !== undefined) params.readOpNs = check.duration(raw.readOp, `${pointer}/readOp`);
  if (raw.writeOp !== undefined) params.writeOpNs = check.duration(raw.writeOp, `${pointer}/writeOp`);
  if (raw.unitBandwidth !== undefined) params.unitBytesPerSec = bytesPerSec(raw.unitBandwidth, `${pointer}/unitBandwidth`);
  return { device: 'ssd', deviceParams: params as Record<string, unknown> };
}

export function normalizeStorageStream(raw: RawStream, kind: 'net' | 'disk', pointer: string, check: Checker): StorageStreamSpec {
  if (kind !== 'disk') check.fail(pointer, 'no storage stream on a net load (storage goes with kind "disk")', 'a storage stream');
  const reservation = raw.reservation === undefined ? 0 : check.rate(raw.reservation, `${pointer}/reservation`);
  const limit = raw.limit === undefined ? 0 : check.rate(raw.limit, `${pointer}/limit`);
  const weight = raw.weight ?? 1;
  if (limit > 0 && reservation > limit) check.fail(`${pointer}/reservation`, `a reservation <= the limit (${raw.limit})`, describeValue(raw.reservation));
  if (reservation === 0 && weight === 0) check.fail(`${pointer}/weight`, 'a weight > 0 for a stream without reservation (else mClock never serves it)', '0');
  const stream: StorageStreamSpec = { bytes: raw.size ?? 4096, write: raw.write ?? false, sequential: raw.access === 'sequential', reservation, weight, limit };
  if (raw.class !== undefined) stream.cephClass = raw.class;
  if (raw.osd !== undefined) stream.osd = raw.osd;
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

/**
 * Every storage stream has a device on its host or on the OSD host it names (reached over a link),
 * and each device can carry the reservations made on it by the streams of every host that uses it.
 */
export function checkStorage(hosts: HostSpec[], vmus: VmuSpec[], links: LinkSpec[], check: Checker): void {
  const hostIds = hosts.map((h) => h.id);
  /** The host whose device serves stream `l` of `v`, after its own checks. */
  const servingHost = (v: VmuSpec, l: IoLoadSpec, pointer: string): HostSpec => {
    const osd = l.storage!.osd;
    if (osd === undefined) {
      const host = hosts.find((h) => h.id === v.host)!;
      if (!host.storage) check.fail(pointer, `a storage device on host ${host.id} (hosts[].storage), or an OSD host reached over a link (storage.osd)`, 'a host without one');
      return host;
    }
    const at = `${pointer}/osd`;
    const host = hosts.find((h) => h.id === osd) ?? check.fail(at, `the id of a host (${hostIds.join(', ')})`, describeValue(osd), didYouMean(osd, hostIds));
    if (host.id === v.host) check.fail(at, `a host other than VMU ${v.id}'s own (${v.host}): its own device needs no osd`, describeValue(osd), 'Drop osd to use the local device.');
    if (!host.storage) check.fail(at, `a host with a storage device (hosts[].storage) to serve as OSD`, `host ${host.id} without one`);
    if (!linked(links, v.host, host.id)) check.fail(at, `an OSD host joined to VMU ${v.id}'s host by a link (links[] with hosts [${v.host}, ${host.id}])`, `host ${host.id}, no link from ${v.host}`);
    return host;
  };
  const served = new Map<string, IoLoadSpec[]>();
  vmus.forEach((v, i) =>
    v.io.forEach((l, j) => {
      const pointer = `/vmus/${i}/io/${j}/storage`;
      if (!l.storage) return;
      const host = servingHost(v, l, pointer);
      served.set(host.id, [...(served.get(host.id) ?? []), l]);
      if (host.storage!.profile) {
        const own = (['reservation', 'limit'] as const).find((k) => l.storage![k] > 0) ?? (l.storage.weight !== 1 ? 'weight' : undefined);
        if (own) check.fail(`${pointer}/${own}`, `no ${own} of its own: host ${host.id}'s Ceph profile ${host.storage!.profile.name} sets it for the stream's class (${l.storage.cephClass ?? 'client'})`, `${own} ${l.storage[own]}`, 'Drop it, or the host\'s profile to set QoS per stream.');
      } else if (l.storage.cephClass !== undefined) check.fail(`${pointer}/class`, `a Ceph profile on host ${host.id} (hosts[].storage.profile) for the class to mean anything`, `class ${l.storage.cephClass}`);
    }),
  );
  hosts.forEach((h, i) => {
    // A profile's reservations are fractions of the capacity summing to at most 100 % (ceph-profiles.ts).
    if (!h.storage || h.storage.profile) return;
    const streams = storageStreams(served.get(h.id) ?? []);
    const share = reservedShare(h.storage, streams);
    if (share > 1) {
      const reserved = streams.filter((s) => s.storage.reservation > 0).map((s) => `${s.id} ${s.storage.reservation}/s${s.storage.osd === undefined ? '' : ' (remote)'}`);
      check.fail(`/hosts/${i}/storage`, `reservations the ${h.storage.device} can serve (Σ reservation × mean service time ≤ 100 % of the device, over the streams of every host that uses it)`, `${(share * 100).toFixed(0)} % reserved (${reserved.join(', ')})`, 'Lower a reservation, or give the host an ssd.');
    }
  });
}

/** Whether hosts `a` and `b` are joined by a link. */
export function linked(links: LinkSpec[], a: string, b: string): boolean {
  return links.some((l) => l.hosts.includes(a) && l.hosts.includes(b));
}
