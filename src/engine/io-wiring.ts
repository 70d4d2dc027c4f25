// How a run's I/O is wired to its hosts: each I/O load's request stream along the path the model
// describes, each host's devices (a storage model where the host declares one), remote OSDs reached
// over the network, and the handler tasks a VMU gets for its I/O loads and for the chain stages it
// computes. Built once, before the first event; the simulator then only runs what this wired.

import { twinTaskId } from './migration.js';
import { EventQueue } from './event-queue.js';
import type { Task } from './entities.js';
import type { HypervisorModel, PrepareSetup } from './model.js';
import { DeviceServer, type ServedRequest } from './device.js';
import { QDISCS } from './qdisc.js';
import { storageDevice, storageStreams } from './storage/host-storage.js';
import { IoLoadRun, type IoEngine } from './io.js';
import type { FlowRun, Network } from './net/network.js';
import { RemoteOsd } from './storage/remote-osd.js';
import { ChainRun, type ChainStep } from './net/chain.js';
import { Rng } from './rng.js';
import type { ChainSpec, HostSpec, IoLoadSpec, SystemSpec, VmuSpec } from './system.js';

export class IoWiring {
  /** The I/O loads' request streams, in scenario order (for results). */
  readonly ioLoads: IoLoadRun[] = [];
  /** Each host's devices by "<host>/<kind>", built when a load or chain first uses one. */
  private readonly devices = new Map<string, DeviceServer>();
  private readonly storageStreamsOf = new Map<string, IoLoadSpec[]>();
  private readonly remoteOsds = new Map<string, RemoteOsd>();

  constructor(
    private readonly scenario: SystemSpec,
    private readonly model: HypervisorModel,
    private readonly queue: EventQueue,
    private readonly seed: number,
    private readonly engine: IoEngine,
    /** The packet paths, once every host is built (remote OSDs resolve their routes from it on first use). */
    private readonly network: () => Network,
  ) {}

  /** One request stream per I/O load of `vmus` (on `host`, whose tasks are `tasks`), along the path the model describes (guest-only by default). */
  buildIo(host: HostSpec, tasks: Map<string, Task>, vmus: VmuSpec[], prepare: PrepareSetup): void {
    this.storageStreamsOf.set(host.id, vmus.flatMap((v) => v.io));
    for (const vmu of vmus) {
      for (const load of vmu.io) {
        const osd = load.storage?.osd;
        const deviceOf = (kind: 'net' | 'disk') => (kind === 'disk' && osd !== undefined ? this.remoteOsd(vmu.id, osd) : this.deviceOf(host, kind));
        const path = this.model.ioPath?.(load, vmu, prepare) ?? [
          { kind: 'cpu', task: load.id, costNs: 'compute', what: 'guest handler' } as const,
          { kind: 'device', device: load.kind, what: load.kind === 'net' ? 'wire' : 'disk' } as const,
        ];
        const run = new IoLoadRun(load, vmu, path, tasks, deviceOf, this.engine, new Rng(this.seed, `${load.id}/requests`));
        this.ioLoads.push(run);
        // Arrivals armed here, as they always were (same-instant order); a booting VMU's start at its
        // boot's end (vmu-control.ts); a migration's destination instance's at the resume.
        if (vmu.bootNs === undefined && load.issuedBy === undefined && vmu.migrationOf === undefined) run.begin(vmu.startNs ?? 0);
      }
    }
  }

  /**
   * The device `kind` of `host`, built on first use (a storage model when the host declares one). Its
   * scheduler sees the streams of the host's VMUs that it serves and those of every other host's
   * VMUs that name it as their OSD (remote-osd.ts), in scenario order.
   */
  private deviceOf(host: HostSpec, kind: 'net' | 'disk'): DeviceServer {
    const id = `${host.id}/${kind}`;
    let d = this.devices.get(id);
    if (!d) {
      const storage = kind === 'disk' ? host.storage : undefined;
      const local = (this.storageStreamsOf.get(host.id) ?? []).filter((l) => l.storage?.osd === undefined);
      // A migration's destination instance repeats its source's loads (src/scenario/migration.ts): count the source's once.
      const remote = this.scenario.vmus.filter((v) => v.migrationOf === undefined).flatMap((v) => v.io.filter((l) => l.storage?.osd === host.id));
      d = storage
        ? storageDevice(id, storage, storageStreams([...local, ...remote]), this.queue, new Rng(this.seed, `${id}/device`))
        : new DeviceServer(id, QDISCS.fifo.create<ServedRequest>({}), this.queue);
      this.devices.set(id, d);
    }
    return d;
  }

  /** Host `osd`'s storage device as VMU `vmu` reaches it over the network (remote-osd.ts): one per VMU and OSD. */
  private remoteOsd(vmu: string, osd: string): RemoteOsd {
    const id = `${vmu}>${osd}/osd`;
    let r = this.remoteOsds.get(id);
    if (!r) {
      r = new RemoteOsd(this.engine, () => ({ ...this.network().osdRoutes(vmu, osd), device: this.deviceOf(this.scenario.hosts.find((h) => h.id === osd)!, 'disk') }));
      this.remoteOsds.set(id, r);
    }
    return r;
  }

  /** A chain's stages resolved to routes, handler tasks (among `tasks`) and devices of the built hosts. */
  chainSteps(chain: ChainSpec, route: (from: string, to: string) => FlowRun, tasks: readonly Task[]): ChainStep[] {
    return chain.stages.map((s, i): ChainStep => {
      switch (s.kind) {
        case 'hop':
          return { kind: 'hop', route: route(s.from, s.to), bytes: s.bytes, from: s.from };
        case 'compute': {
          const vmu = this.scenario.vmus.find((v) => v.id === s.vmu);
          const task = tasks.find((t) => t.id === ChainRun.handlerId(chain.id, i));
          // A VMU refused at its start is never built: its stage fails every request (chain.ts).
          if (!task && vmu !== undefined) throw new Error(`chain ${chain.id}: VMU ${s.vmu} has no handler task for stage ${i} (the model dropped it)`);
          return { kind: 'compute', task: task ?? null, demandNs: s.demandNs, vmu: s.vmu, stops: vmu?.stopNs !== undefined };
        }
        case 'storage': {
          const host = this.scenario.hosts.find((h) => h.id === s.host)!;
          const remote = s.from === undefined ? undefined : this.remoteOsd(s.from, s.host);
          return { kind: 'storage', device: remote ?? this.deviceOf(host, 'disk'), bytes: s.bytes, write: s.write, serviceNs: s.serviceNs, storageModel: host.storage !== undefined, ...(remote && { remote }) };
        }
      }
    });
  }
}

/** `vmu` with a handler task for each of its I/O loads and for each chain stage it computes. */
export function withHandlerTasks(vmu: VmuSpec, chains: readonly ChainSpec[]): VmuSpec {
  return withChainHandlers(withIoHandlers(vmu), chains);
}

/** Each I/O load's guest side is a handler task of its VMU, fed by the I/O path (linux-irmos.md §7.2 step 5). */
function withIoHandlers(vmu: VmuSpec): VmuSpec {
  if (vmu.io.length === 0) return vmu;
  const allVcpus = Array.from({ length: vmu.vcpus }, (_, i) => i);
  const handlers = vmu.io.map((load) => ({
    id: load.id,
    arrival: { kind: 'external' } as const,
    exec: load.compute,
    deadline: Infinity,
    policy: { class: 'fifo', priority: load.priority } as const,
    affinity: allVcpus,
  }));
  return { ...vmu, tasks: [...vmu.tasks, ...handlers] };
}

/** A handler task in `vmu` for each compute stage of a chain there: released only by the chain (chain.ts). */
function withChainHandlers(vmu: VmuSpec, chains: readonly ChainSpec[]): VmuSpec {
  const allVcpus = Array.from({ length: vmu.vcpus }, (_, i) => i);
  const handlers = chains.flatMap((c) =>
    c.stages.flatMap((s, i) =>
      s.kind === 'compute' && s.vmu === (vmu.migrationOf ?? vmu.id)
        ? [
            {
              // A migration's destination instance has its own copy, where the stage's jobs go after the switch-over.
              id: vmu.migrationOf === undefined ? ChainRun.handlerId(c.id, i) : twinTaskId(ChainRun.handlerId(c.id, i), vmu.host),
              arrival: { kind: 'external' } as const,
              exec: { kind: 'constant', value: s.demandNs } as const,
              deadline: Infinity,
              policy: { class: 'fifo', priority: s.priority } as const,
              affinity: allVcpus,
            },
          ]
        : [],
    ),
  );
  return handlers.length === 0 ? vmu : { ...vmu, tasks: [...vmu.tasks, ...handlers] };
}
