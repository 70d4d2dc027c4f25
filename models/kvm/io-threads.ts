// The KVM side of the I/O path (linux-irmos.md §7.1, §7.2): each VMU with network loads gets a
// vhost worker thread, each VMU with disk loads a QEMU iothread, both threads of the VMU's host
// process, scheduled by the host like any thread. Where they sit decides whether I/O shares the
// VMU's reservation: `inside` (IRMOS practice, §7.3: all VM threads in the group, I/O threads at a
// higher priority than the vCPUs) or `outside` (stock default: SCHED_OTHER, no reservation).

import type { IoStage, PacketPath, PrepareSetup, HostPopulation } from '../../src/engine/model.js';
import { hasFlows } from '../../src/engine/net/network.js';
import type { HostThreadSpec, IoLoadSpec, VmuSpec } from '../../src/scenario/types.js';
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

function ioThread(id: string, vmu: VmuSpec): HostThreadSpec {
  return {
    id,
    host: vmu.host,
    arrival: { kind: 'external' },
    exec: { kind: 'constant', value: 1 },
    deadline: Infinity,
    policy: { class: 'fair', nice: 0 },
    affinity: vmu.affinity,
    ioThreadOf: vmu.id,
  };
}

/** The scenario's VMUs and host threads on this PH, plus one vhost / iothread per VMU that needs it. */
export function kvmPopulation(setup: PrepareSetup): HostPopulation {
  const vmus = setup.scenario.vmus.filter((v) => v.host === setup.host.id);
  const threads = setup.scenario.hostThreads.filter((t) => t.host === setup.host.id);
  for (const vmu of vmus) {
    if (vmu.io.some((l) => l.kind === 'net') || hasFlows(setup.scenario, vmu.id)) threads.push(ioThread(vhostId(vmu), vmu));
    if (vmu.io.some((l) => l.kind === 'disk')) threads.push(ioThread(iothreadId(vmu), vmu));
  }
  return { vmus, hostThreads: threads };
}

/** A VMU's packets (src/engine/net) cost IXB work in its vhost thread, plus vhost's own per-packet cost (linux-irmos.md §7.2). */
export function kvmPacketPath(vmu: VmuSpec, costs: IoThreadCosts): PacketPath {
  return { task: vhostId(vmu), crossingNs: costs.vhostCost, what: 'vhost' };
}

/** vhost → guest → vhost → wire for a request; guest → iothread → disk → iothread → guest for a read. */
export function kvmIoPath(load: IoLoadSpec, vmu: VmuSpec, costs: IoThreadCosts): IoStage[] {
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
