// The KVM side of the I/O path (linux-irmos.md §7.1, §7.2): each VMU with network loads gets a
// vhost worker thread, each VMU with disk loads a QEMU iothread, both threads of the VMU's host
// process, scheduled by the host like any thread. Where they sit decides whether I/O shares the
// VMU's reservation: `inside` (IRMOS practice, §7.3: all VM threads in the group, I/O threads at a
// higher priority than the vCPUs) or `outside` (stock default: SCHED_OTHER, no reservation).

import type { IoStage, PacketPath, PrepareSetup, HostPopulation } from '../../src/engine/model.js';
import { hasFlows, servesRemoteStorage } from '../../src/engine/net/network.js';
import type { HostThreadSpec, IoLoadSpec, SystemSpec, VmuSpec } from '../../src/scenario/types.js';
import type { ParamSpec } from '../params.js';

export const IO_THREAD_PARAMS = {
  ioThreads: {
    type: 'string',
    default: 'outside',
    doc: "where each VMU's vhost/iothread runs: inside its reservation (above its vCPUs) or outside it (SCHED_OTHER)",
    pattern: /^(inside|outside)$/,
    patternDoc: '"inside" or "outside"',
  },
  vhostCost: { type: 'duration', default: 3_000, doc: 'vhost CPU per packet, each direction (§7.2: a few µs)' },
  iothreadCost: { type: 'duration', default: 10_000, doc: 'iothread CPU per block request, submit and completion each' },
  guestIrqCost: { type: 'duration', default: 5_000, doc: 'guest CPU to take a completion interrupt' },
} satisfies Record<string, ParamSpec>;

export interface IoThreadCosts {
  vhostCost: number;
  iothreadCost: number;
  guestIrqCost: number;
}

export const vhostId = (vmu: VmuSpec) => `${vmu.id}.vhost`;
export const iothreadId = (vmu: VmuSpec) => `${vmu.id}.iothread`;
/**
 * The host's own network receive and transmit for its OSD endpoint (remote-osd.ts): NIC softirq work,
 * run by ksoftirqd when it overflows — SCHED_OTHER, governed by no reservation (linux-irmos.md §7.1,
 * "Host hardirq/softirq, ksoftirqd/N").
 */
export const hostNetId = (hostId: string) => `${hostId}.softirq-net`;

/** Whether a host thread does IXB packet work: a VMU's vhost, or the host's own network stack for its OSD. */
export function isIxbWorker(population: HostPopulation, hostId: string, t: HostThreadSpec): boolean {
  if (t.id === hostNetId(hostId) && t.ioThreadOf === undefined) return true;
  return t.ioThreadOf !== undefined && t.id === vhostId(population.vmus.find((v) => v.id === t.ioThreadOf)!);
}

/** Where a VMU's thread runs: its own placement (a migration's `thread: inside`), else the model's `ioThreads`. */
export function threadPlacement(t: HostThreadSpec, ioThreads: string): 'inside' | 'outside' {
  return t.placement ?? (ioThreads === 'inside' ? 'inside' : 'outside');
}

/** What a VMU's thread is, for the mapping. */
export const threadRole = (t: HostThreadSpec): string => t.role ?? 'I/O thread';

/** Where the scenario's migration threads run (migration.md §2.2): all outside, all inside, or some of each. */
export function migrationThreads(scenario: SystemSpec): MigrationThreadPlacement {
  const inside = (scenario.migrations ?? []).map((m) => m.thread === 'inside');
  return inside.every((x) => !x) ? 'outside' : inside.every((x) => x) ? 'inside' : 'mixed';
}

export type MigrationThreadPlacement = 'inside' | 'outside' | 'mixed';

/** A SCHED_OTHER host thread woken only by the work handed to it; `owner`: the VMU whose I/O thread it is. */
function ioThread(id: string, host: string, affinity: number[], owner?: VmuSpec): HostThreadSpec {
  return {
    id,
    host,
    arrival: { kind: 'external' },
    exec: { kind: 'constant', value: 1 },
    deadline: Infinity,
    policy: { class: 'fair', nice: 0 },
    affinity,
    ...(owner && { ioThreadOf: owner.id }),
  };
}

/** The scenario's VMUs and host threads on this PH, plus one vhost / iothread per VMU that needs it. */
export function kvmPopulation(setup: PrepareSetup): HostPopulation {
  const vmus = setup.scenario.vmus.filter((v) => v.host === setup.host.id);
  const threads = setup.scenario.hostThreads.filter((t) => t.host === setup.host.id);
  for (const vmu of vmus) {
    if (vmu.io.some((l) => l.kind === 'net') || hasFlows(setup.scenario, vmu.id)) threads.push(ioThread(vhostId(vmu), vmu.host, vmu.affinity, vmu));
    // A stream on a remote OSD goes out through vhost (its initiator is in the guest), not the iothread.
    if (vmu.io.some((l) => l.kind === 'disk' && l.storage?.osd === undefined)) threads.push(ioThread(iothreadId(vmu), vmu.host, vmu.affinity, vmu));
  }
  if (servesRemoteStorage(setup.scenario, setup.host.id)) threads.push(ioThread(hostNetId(setup.host.id), setup.host.id, Array.from({ length: setup.host.cpus }, (_, i) => i)));
  return { vmus, hostThreads: threads };
}

/** A VMU's packets (src/engine/net) cost IXB work in its vhost thread, plus vhost's own per-packet cost (linux-irmos.md §7.2). */
export function kvmPacketPath(vmu: VmuSpec, costs: IoThreadCosts): PacketPath {
  return { task: vhostId(vmu), crossingNs: costs.vhostCost, what: 'vhost' };
}

/** The OSD endpoint's packets cost IXB work in the host's softirq thread, with no guest crossing. */
export function kvmHostPacketPath(setup: PrepareSetup): PacketPath | undefined {
  return servesRemoteStorage(setup.scenario, setup.host.id) ? { task: hostNetId(setup.host.id), crossingNs: 0, what: 'host softirq' } : undefined;
}

/**
 * vhost → guest → vhost → wire for a request; guest → iothread → disk → iothread → guest for a read;
 * guest → [vhost → network → OSD → network → vhost] → guest for a stream on a remote OSD (remote-osd.ts:
 * the initiator runs in the guest and talks through virtio-net, linux-irmos.md §7.2).
 */
export function kvmIoPath(load: IoLoadSpec, vmu: VmuSpec, costs: IoThreadCosts): IoStage[] {
  if (load.storage?.osd !== undefined) {
    return [
      { kind: 'cpu', task: load.id, costNs: 'compute', what: 'guest issue' },
      { kind: 'device', device: 'disk', what: `OSD on ${load.storage.osd} over the network (vhost)` },
      { kind: 'cpu', task: load.id, costNs: costs.guestIrqCost, what: 'guest completion' },
    ];
  }
  if (load.kind === 'net') {
    return [
      { kind: 'cpu', task: vhostId(vmu), costNs: costs.vhostCost, what: 'vhost RX' },
      { kind: 'cpu', task: load.id, costNs: 'compute', what: 'guest handler' },
      { kind: 'cpu', task: vhostId(vmu), costNs: costs.vhostCost, what: 'vhost TX' },
      { kind: 'device', device: 'net', what: 'wire' },
    ];
  }
  return [
    { kind: 'cpu', task: load.id, costNs: 'compute', what: 'guest issue' },
    { kind: 'cpu', task: iothreadId(vmu), costNs: costs.iothreadCost, what: 'iothread submit' },
    { kind: 'device', device: 'disk', what: 'disk' },
    { kind: 'cpu', task: iothreadId(vmu), costNs: costs.iothreadCost, what: 'iothread completion' },
    { kind: 'cpu', task: load.id, costNs: costs.guestIrqCost, what: 'guest completion' },
  ];
}
