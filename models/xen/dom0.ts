// What every Xen model shares: dom0 as a real domain, scheduled by the same scheduler as the
// guests, whose kernel runs the split-driver backends (netback, blkback) and the host's own
// threads; and the I/O path through it (xen.md §7.1, §7.2).

import type { HostPopulation, IoStage, PacketPath, PrepareSetup } from '../../src/engine/model.js';
import { hasFlows, servesRemoteStorage } from '../../src/engine/net/network.js';
import { InputError, pointerOf } from '../../src/errors.js';
import type { IoLoadSpec, TaskSpec, VmuSpec } from '../../src/scenario/types.js';
import { readParams, type ParamSpec } from '../params.js';
import { POOL0, poolOf, readCpupoolsParam, type Cpupool, type CpupoolParam } from './cpupools.js';
import { IXB_DOMAIN, ixbDriverDomain, ixbNetback } from './xen-categories.js';
import { refuseSporadicThreads } from '../population.js';

export const DOM0 = 'dom0';
export const NETBACK = 'dom0.netback';
export const BLKBACK = 'dom0.blkback';

/** dom0 and I/O-path parameters common to the Xen models; costs from xen.md §7.4. */
export function dom0Params(cpus: number) {
  return {
    dom0Vcpus: { type: 'number', integer: true, default: 0, min: 0, max: 512, doc: 'dom0_max_vcpus; 0 = one per pCPU (Xen default, xen.md §0)' },
    dom0Cpus: { type: 'cpu-list', cpus, doc: 'pCPUs dom0 may run on (default all); with dom0Pin, vCPU i is pinned to the i-th of them' },
    dom0Pin: { type: 'boolean', default: false, doc: 'dom0_vcpus_pin (xen.md §7.3)' },
    dom0Weight: { type: 'number', integer: true, default: 256, min: 1, max: 65535, doc: "dom0's credit/credit2 weight (256 like any domain, xen.md §7.3)" },
    dom0Cap: { type: 'number', integer: true, default: 0, min: 0, max: 65535, doc: "dom0's cap in % of one pCPU (0 = none; at most 100 × its vCPUs)" },
    categoryPeriod: { type: 'duration', default: 10_000_000, min: 1, doc: 'period P of the sedf/rtds reservations of the category domains (host categories, seed figure 6: the ixb driver domain, dom0 for the framework): budget = portion × P per vCPU' },
    eventVcpu: { type: 'number', integer: true, default: 0, min: 0, max: 511, doc: 'dom0 vCPU the backends\' event channels notify (vCPU0 by default, xen.md §7.1)' },
    netbackCost: { type: 'duration', default: 4_000, doc: 'dom0 CPU per packet in netback, each direction (2–5 µs, xen.md §7.4)' },
    blkbackCost: { type: 'duration', default: 20_000, doc: 'dom0 CPU per block request in blkback (10–30 µs, xen.md §7.4)' },
    blkCompletionCost: { type: 'duration', default: 5_000, doc: 'dom0 CPU to complete a block request' },
    guestIrqCost: { type: 'duration', default: 5_000, doc: 'guest CPU to take the completion event' },
    cpupools: {
      type: 'custom',
      read: readCpupoolsParam,
      doc: 'cpupools besides Pool-0, each [{ name, cpus, scheduler: credit|credit2|rtds|sedf, domains: [VMU ids], params? }]; Pool-0 keeps the other pCPUs, dom0, the unlisted VMUs and this model\'s scheduler (xen.md §1, §7.3)',
    },
  } satisfies Record<string, ParamSpec>;
}

export interface Dom0Settings {
  dom0Vcpus: number;
  dom0Cpus: number[] | undefined;
  dom0Pin: boolean;
  dom0Cap: number;
  eventVcpu: number;
  categoryPeriod: number;
  netbackCost: number;
  blkbackCost: number;
  blkCompletionCost: number;
  guestIrqCost: number;
  cpupools: CpupoolParam[] | undefined;
}

export function dom0VcpuCount(p: Dom0Settings, hostCpus: number): number {
  return p.dom0Vcpus === 0 ? (p.dom0Cpus?.length ?? hostCpus) : p.dom0Vcpus;
}

/**
 * The domains on a Xen PH: dom0 first, then the scenario's VMUs. dom0's kernel hosts the backend
 * threads (bound to the event vCPU) and the scenario's host threads, which under Xen can only run
 * inside some domain.
 */
export function xenPopulation(setup: PrepareSetup, p: Dom0Settings, pools: Cpupool[]): HostPopulation {
  const { scenario, host } = setup;
  const file = scenario.file;
  const pool0 = pools[0].cpus;
  // A host with CPU categories also gets the IXB's network driver domain (xen-categories.ts).
  const added = host.categories === undefined ? [DOM0] : [DOM0, IXB_DOMAIN];
  const clash = scenario.vmus.findIndex((v) => added.includes(v.id));
  if (clash >= 0) {
    throw new InputError({ file, pointer: pointerOf('vmus', clash, 'id'), expected: `a VMU id other than ${added.map((a) => `"${a}"`).join(', ')} (the Xen model adds ${added.length > 1 ? 'those domains' : 'dom0'} itself)`, found: `"${scenario.vmus[clash].id}"` });
  }
  if (p.dom0Cpus !== undefined && p.dom0Cpus.some((c) => !pool0.includes(c))) {
    throw new InputError({ file, pointer: setup.paramsPointer + pointerOf('dom0Cpus'), expected: `pCPUs of ${POOL0} (${pool0.join(', ')}), which holds dom0`, found: p.dom0Cpus.join(', ') });
  }
  // Host threads run as dom0 tasks under dom0's guest scheduler, which has no sporadic server.
  refuseSporadicThreads(setup, 'a Xen model (dom0\'s guest scheduler)');
  const vcpus = dom0VcpuCount(p, host.cpus);
  if (p.eventVcpu >= vcpus) {
    throw new InputError({ file, pointer: setup.paramsPointer + pointerOf('eventVcpu'), expected: `a dom0 vCPU index below ${vcpus}`, found: String(p.eventVcpu) });
  }
  if (p.dom0Cap > 100 * vcpus) {
    throw new InputError({ file, pointer: setup.paramsPointer + pointerOf('dom0Cap'), expected: `a cap of at most ${100 * vcpus} (100 × dom0's vCPUs)`, found: String(p.dom0Cap) });
  }
  const vmus = scenario.vmus.filter((v) => v.host === host.id);
  const allDom0Vcpus = Array.from({ length: vcpus }, (_, i) => i);
  const backend = (id: string): TaskSpec => ({
    id,
    arrival: { kind: 'external' },
    exec: { kind: 'constant', value: 1 },
    deadline: Infinity,
    policy: { class: 'fifo', priority: 50 },
    affinity: [p.eventVcpu],
  });
  const tasks: TaskSpec[] = [];
  const networked = (v: VmuSpec) => v.io.some((l) => l.kind === 'net') || hasFlows(scenario, v.id);
  // An OSD box's own traffic (remote-osd.ts) is dom0's: its NIC softirq runs on the event vCPU, where netback runs.
  const osd = servesRemoteStorage(scenario, host.id);
  if (host.categories === undefined && (vmus.some(networked) || osd)) tasks.push(backend(NETBACK));
  // A stream on a remote OSD leaves through the guest's vif (its initiator is in the guest), not blkback.
  if (vmus.some((v) => v.io.some((l) => l.kind === 'disk' && l.storage?.osd === undefined))) tasks.push(backend(BLKBACK));
  for (const t of scenario.hostThreads.filter((x) => x.host === host.id)) {
    const { host: _host, ioThreadOf: _io, ...task } = t;
    tasks.push({ ...task, affinity: allDom0Vcpus });
  }
  const dom0: VmuSpec = {
    id: DOM0,
    host: host.id,
    vcpus,
    affinity: p.dom0Cpus ?? pool0,
    pinVcpus: p.dom0Pin,
    guest: { scheduler: 'fifo', tickNs: 4_000_000 },
    weight: 1024,
    tasks,
    io: [],
  };
  if (host.categories === undefined) return { vmus: [dom0, ...vmus], hostThreads: [] };
  // With categories dom0's own vif, the OSD's, is served by the IXB driver domain's netback like any guest's.
  const vifs = [...(osd ? [DOM0] : []), ...vmus.filter(networked).map((v) => v.id)];
  return { vmus: [dom0, ixbDriverDomain(setup, vifs, poolOf(pools, IXB_DOMAIN)), ...vmus], hostThreads: [] };
}

/** The netback thread that serves `vmu`'s vif: dom0's, or the IXB driver domain's on a host with categories. */
export function netbackOf(setup: PrepareSetup, vmu: VmuSpec): string {
  return setup.host.categories === undefined ? NETBACK : ixbNetback(vmu.id);
}

/** A guest's packets (src/engine/net) cost IXB work in dom0's netback, plus netback's own per-packet cost (xen.md §7.2, §7.4). */
export function xenPacketPath(p: Dom0Settings, netback: string): PacketPath {
  return { task: netback, crossingNs: p.netbackCost, what: netback === NETBACK ? 'dom0 netback' : `${IXB_DOMAIN} driver-domain netback` };
}

/**
 * The OSD endpoint's packets (remote-osd.ts): dom0's own network stack on its event vCPU without
 * categories (no guest crossing: the NIC driver and stack are dom0's, xen.md §7.1); with them, dom0's
 * vif behind the IXB driver domain's netback, a crossing like any guest's.
 */
export function xenHostPacketPath(setup: PrepareSetup, p: Dom0Settings): PacketPath | undefined {
  if (!servesRemoteStorage(setup.scenario, setup.host.id)) return undefined;
  return setup.host.categories === undefined ? { task: NETBACK, crossingNs: 0, what: 'dom0 network stack' } : { task: ixbNetback(DOM0), crossingNs: p.netbackCost, what: `${IXB_DOMAIN} driver-domain netback` };
}

/**
 * Split-driver path (xen.md §7.2): every guest request crosses a dom0 backend, twice for the network.
 * A stream on a remote OSD (remote-osd.ts) crosses netback in its request and reply messages instead
 * of blkback: the initiator runs in the guest behind netfront (xen.md §7.1 "Network").
 */
export function xenIoPath(load: IoLoadSpec, p: Dom0Settings, netback: string): IoStage[] {
  if (load.storage?.osd !== undefined) {
    return [
      { kind: 'cpu', task: load.id, costNs: 'compute', what: 'guest issue (netfront)' },
      { kind: 'device', device: 'disk', what: `OSD on ${load.storage.osd} over the network (netback)` },
      { kind: 'cpu', task: load.id, costNs: p.guestIrqCost, what: 'guest completion' },
    ];
  }
  if (load.kind === 'net') {
    const where = netback === NETBACK ? 'dom0 netback' : `${IXB_DOMAIN} netback`;
    return [
      { kind: 'cpu', task: netback, costNs: p.netbackCost, what: `${where} RX` },
      { kind: 'cpu', task: load.id, costNs: 'compute', what: 'guest handler' },
      { kind: 'cpu', task: netback, costNs: p.netbackCost, what: `${where} TX` },
      { kind: 'device', device: 'net', what: 'wire' },
    ];
  }
  return [
    { kind: 'cpu', task: load.id, costNs: 'compute', what: 'guest issue (blkfront)' },
    { kind: 'cpu', task: BLKBACK, costNs: p.blkbackCost, what: 'dom0 blkback' },
    { kind: 'device', device: 'disk', what: 'disk' },
    { kind: 'cpu', task: BLKBACK, costNs: p.blkCompletionCost, what: 'dom0 completion' },
    { kind: 'cpu', task: load.id, costNs: p.guestIrqCost, what: 'guest completion' },
  ];
}

/** Read a Xen model's parameters (dom0 + its own) against this host. */
export function readXenParams<S extends Record<string, ParamSpec>>(own: (cpus: number) => S, setup: PrepareSetup) {
  const specs = { ...dom0Params(setup.host.cpus), ...own(setup.host.cpus) };
  return readParams(specs, setup.params, setup.scenario.file, setup.paramsPointer);
}

export function isDom0(vmu: VmuSpec): boolean {
  return vmu.id === DOM0;
}
