// The packet path between VMUs (io-qos.md §2.3 "per-packet pipeline"; seed §3.1.1: the IXB
// intercepts each VMU's virtual link and applies queueing and filtering disciplines):
//
//   source VMU → its ring → IXB send work on the source PH's CPU (ixb.ts) → ingress policer
//   → egress discipline of its virtual link + serialisation at the vNIC's rate
//   → [other PH: the link's NIC queue, serialisation at the link's bandwidth, propagation delay]
//   → destination VMU's ring → IXB receive work on the destination PH's CPU → delivered.
//
// Each hop is a DeviceServer with a queueing discipline (device.ts, qdisc.ts), each CPU stage a job
// on the host task the model names (model.ts packetPath). A packet lost anywhere is counted once,
// by cause: policed, queueFull (a discipline or NIC queue refused it), starved (a full ring).

import { DeviceServer, type ServedRequest } from '../device.js';
import { EventPhase, type Timer } from '../event-queue.js';
import type { Task } from '../entities.js';
import type { IoEngine } from '../io.js';
import type { PacketPath } from '../model.js';
import { createQdisc, QDISCS } from '../qdisc.js';
import { Rng } from '../rng.js';
import type { FlowSpec, HostSpec, IxbSpec, LinkSpec, Ns, SystemSpec, VirtualLinkSpec, VmuSpec } from '../system.js';
import { DemandSampler } from '../workload.js';
import { FlowClock, FlowStats, type LossCause } from './flow.js';
import { DEFAULT_IXB, IxbRing, receiveCostNs, sendCostNs } from './ixb.js';
import { Policer } from './policer.js';

/** A virtual NIC's line rate when the VMU declares none: 10 Gbit/s (virtio-net and netfront report it). [M] */
export const DEFAULT_VLINK_BPS = 10e9;

/** What the network needs of one built PH. */
export interface NetHost {
  spec: HostSpec;
  /** Tasks and host threads of the PH by id. */
  tasks: Map<string, Task>;
  /** The model's packet path for a VMU of this PH (undefined: the model has none; packets cost no CPU). */
  path(vmu: VmuSpec): PacketPath | undefined;
  /** The model's packet path for the PH's own endpoint, its OSD (model.ts hostPacketPath; undefined: free). */
  hostPath(): PacketPath | undefined;
}

const serialisationNs = (bytes: number, bitsPerSec: number): Ns => Math.max(1, Math.round((bytes * 8 * 1e9) / bitsPerSec));

/**
 * An end of the network: a VMU's (its rings, its CPU stage, its policer and egress) or a PH's own —
 * the OSD box's storage service, which sends straight to the NIC: no virtual link, so no policer
 * and no egress discipline, only the host's IXB CPU stage.
 */
class Port {
  readonly tx: IxbRing;
  readonly rx: IxbRing;
  readonly policer: Police | null;
  readonly egress: DeviceServer | null;
  readonly worker: { task: Task; crossingNs: Ns; what: string } | null;

  constructor(
    /** The VMU, or "<host> OSD". */
    readonly name: string,
    readonly hostId: string,
    readonly vlink: VirtualLinkSpec | undefined,
    readonly ixb: IxbSpec,
    path: PacketPath | undefined,
    host: NetHost,
    engine: IoEngine | null,
  ) {
    this.tx = new IxbRing(ixb.ringSlots);
    this.rx = new IxbRing(ixb.ringSlots);
    const police = vlink?.police;
    this.policer = police ? { spec: police, bucket: new Policer(police.rateBytesPerSec, police.burstBytes) } : null;
    this.egress = engine ? new DeviceServer(`${name}/vlink`, createQdisc<ServedRequest>(vlink?.egress ?? { name: 'fifo' }), engine.queue) : null;
    if (path) {
      const task = host.tasks.get(path.task);
      if (!task) throw new Error(`packet path of ${name} names host task ${path.task}, which host ${host.spec.id} does not have`);
      this.worker = { task, crossingNs: path.crossingNs, what: path.what };
    } else this.worker = null;
  }

  static ofVmu(vmu: VmuSpec, host: NetHost, engine: IoEngine): Port {
    return new Port(vmu.id, vmu.host, vmu.vlink, host.spec.ixb ?? DEFAULT_IXB, host.path(vmu), host, engine);
  }

  static ofHost(host: NetHost): Port {
    return new Port(`${host.spec.id} OSD`, host.spec.id, undefined, host.spec.ixb ?? DEFAULT_IXB, host.hostPath(), host, null);
  }

  get bandwidthBps(): number {
    return this.vlink?.bandwidthBps ?? DEFAULT_VLINK_BPS;
  }
}

type Police = { spec: NonNullable<VirtualLinkSpec['police']>; bucket: Policer };

/** One direction of a physical link: the sending PH's NIC queue and wire, then the propagation delay. */
class Wire {
  readonly nic: DeviceServer;
  /** Packets propagating, in the order they left (the delay is the same for all: FIFO). */
  private readonly flying: { at: Ns; arrive: (now: Ns) => void }[] = [];
  private head = 0;
  private readonly landing: Timer;

  constructor(
    readonly spec: LinkSpec,
    readonly from: string,
    readonly to: string,
    engine: IoEngine,
  ) {
    this.nic = new DeviceServer(`${spec.id}:${from}>${to}`, QDISCS.fifo.create<ServedRequest>({ limitPackets: spec.queuePackets }), engine.queue);
    this.landing = engine.queue.timer(EventPhase.completion, (now) => this.land(now));
  }

  propagate(now: Ns, arrive: (now: Ns) => void): void {
    this.flying.push({ at: now + this.spec.delayNs, arrive });
    if (this.flying.length - this.head === 1) this.landing.arm(now + this.spec.delayNs);
  }

  private land(now: Ns): void {
    while (this.head < this.flying.length && this.flying[this.head].at <= now) this.flying[this.head++].arrive(now);
    if (this.head === this.flying.length) {
      this.flying.length = 0;
      this.head = 0;
    } else this.landing.arm(this.flying[this.head].at);
  }
}

/**
 * Follows one packet a request chain sends (chain.ts): `passed` at the end of each segment — 'ixb'
 * (an IXB CPU stage or the sender's egress discipline) or 'link' (the NIC queue, the wire and the
 * propagation delay) — then `delivered`, or `lost` once.
 */
export interface PacketProbe {
  passed(segment: 'ixb' | 'link', now: Ns): void;
  delivered(now: Ns): void;
  lost(cause: LossCause): void;
}

/** One flow: its packet source, its route, its statistics. */
export class FlowRun {
  readonly stats: FlowStats;
  /** The hops a packet crosses, for results. */
  readonly path: string[];

  constructor(
    readonly spec: FlowSpec,
    private readonly src: Port,
    private readonly dst: Port,
    private readonly wire: Wire | null,
    private readonly engine: IoEngine,
    seed: number,
    senderUp: (now: Ns) => boolean = () => true,
  ) {
    this.stats = new FlowStats(engine.warmupNs, engine.durationNs);
    const cpu = (p: Port, what: string) => (p.worker ? `IXB ${what} (${p.worker.task.id})` : `IXB ${what} (no CPU)`);
    this.path = [
      cpu(src, 'send'),
      ...(src.policer ? [`${src.name} policer`] : []),
      ...(src.egress ? [`${src.name} egress ${src.vlink?.egress.name ?? 'fifo'}`] : []),
      ...(wire ? [`link ${wire.spec.id} ${wire.from}→${wire.to}`] : []),
      cpu(dst, 'receive'),
    ];
    const sizes = new DemandSampler(spec.size, new Rng(seed, `${spec.id}/sizes`));
    const clock = new FlowClock(spec.arrival, new Rng(seed, `${spec.id}/packets`));
    const departures = engine.queue.timer(EventPhase.release, (now) => {
      // A departure while the sender is not up (before its start or its boot's end, from its stop:
      // issue 13) is not sent — its application is not running — and not counted; the clock runs on.
      // Its size is drawn all the same, so a lifetime does not shift the sizes of the packets sent.
      const bytes = sizes.next();
      if (senderUp(now)) this.send(now, bytes);
      const next = clock.next();
      if (next <= engine.durationNs) departures.arm(Math.max(next, now));
    });
    const first = clock.next();
    if (first <= engine.durationNs) departures.arm(first);
  }

  private lose(measured: boolean, cause: LossCause, probe?: PacketProbe): void {
    if (measured) this.stats.lostOne(cause, this.engine.now);
    probe?.lost(cause);
  }

  /** Send one packet of a request chain along this route now; the flow's own statistics do not count it. */
  carry(bytes: number, probe: PacketProbe): void {
    this.send(this.engine.now, bytes, probe);
  }

  private send(created: Ns, bytes: number, probe?: PacketProbe): void {
    const measured = probe === undefined && created >= this.engine.warmupNs;
    if (measured) this.stats.sent++;
    const src = this.src;
    this.cpu(src, src.tx, sendCostNs(src.ixb, bytes, src.worker?.crossingNs ?? 0), measured, probe, () => {
      probe?.passed('ixb', this.engine.now);
      let cls = this.spec.class;
      const police = src.policer?.spec;
      if (police && (police.onlyClass === undefined || police.onlyClass === cls) && !src.policer!.bucket.conforms(bytes, this.engine.now)) {
        if (police.action === 'drop') return this.lose(measured, 'policed', probe);
        cls = police.remarkClass!;
        if (measured) this.stats.remarked++;
      }
      const onWire = () => {
        probe?.passed('ixb', this.engine.now);
        if (this.wire) this.cross(this.wire, created, bytes, measured, probe);
        else this.receive(created, bytes, measured, probe);
      };
      // A PH's own endpoint (its OSD) has no virtual link: its packets go straight to the NIC.
      if (src.egress) this.hop(src.egress, cls, serialisationNs(bytes, src.bandwidthBps), created, bytes, measured, probe, onWire);
      else onWire();
    });
  }

  private cross(wire: Wire, created: Ns, bytes: number, measured: boolean, probe: PacketProbe | undefined): void {
    this.hop(wire.nic, this.spec.id, serialisationNs(bytes, wire.spec.bandwidthBps), created, bytes, measured, probe, () =>
      wire.propagate(this.engine.now, (now) => {
        probe?.passed('link', now);
        this.receive(created, bytes, measured, probe);
      }),
    );
  }

  private receive(created: Ns, bytes: number, measured: boolean, probe: PacketProbe | undefined): void {
    const dst = this.dst;
    this.cpu(dst, dst.rx, receiveCostNs(dst.ixb, bytes, dst.worker?.crossingNs ?? 0), measured, probe, () => {
      const now = this.engine.now;
      if (probe) {
        probe.passed('ixb', now);
        return probe.delivered(now);
      }
      if (now >= this.engine.warmupNs) this.stats.deliveredInWindow(bytes, now);
      if (measured) this.stats.deliveredOne(now - created, this.spec.deadline);
    });
  }

  /** A CPU stage: a ring slot, then the job on the port's worker; without one, free and at once. */
  private cpu(port: Port, ring: IxbRing, costNs: Ns, measured: boolean, probe: PacketProbe | undefined, then: () => void): void {
    if (!port.worker) return then();
    if (!ring.take()) return this.lose(measured, 'starved', probe);
    this.engine.inject(port.worker.task, costNs, () => {
      ring.release();
      then();
    });
  }

  private hop(server: DeviceServer, cls: string, serviceNs: Ns, created: Ns, bytes: number, measured: boolean, probe: PacketProbe | undefined, then: () => void): void {
    const accepted = server.enqueue({ flow: cls, serviceNs, bytes, arrivalNs: this.engine.now, deadlineNs: created + this.spec.deadline, done: then }, this.engine.now);
    if (!accepted) this.lose(measured, 'queueFull', probe);
  }
}

/** The system's packet paths: its flows, and the routes a request chain's or a remote storage request's packets take. */
export interface Network {
  flows: FlowRun[];
  /** The path from VMU `from` to VMU `to` (the same ports, rings and wires the flows use). */
  route(from: string, to: string): FlowRun;
  /**
   * The paths between VMU `vmu` and host `host`'s own endpoint, its OSD, each way: the VMU's IXB
   * stage and egress, the link, the host's IXB stage (src/engine/storage/remote-osd.ts).
   */
  osdRoutes(vmu: string, host: string): { out: FlowRun; back: FlowRun };
}

/**
 * Every flow of the system over the links between its PHs; chains' routes are built when first asked
 * for. `isUp(vmu, now)`: whether a VMU with a lifetime is up (started, booted, not stopped) — a flow
 * sends only while its source is.
 */
export function buildNetwork(system: SystemSpec, hosts: Map<string, NetHost>, engine: IoEngine, seed: number, isUp: (vmu: VmuSpec, now: Ns) => boolean = () => true): Network {
  const vmus = new Map(system.vmus.map((v) => [v.id, v]));
  const ports = new Map<string, Port>();
  const port = (id: string): Port => {
    let p = ports.get(id);
    if (!p) {
      const vmu = vmus.get(id);
      if (!vmu) throw new Error(`flow endpoint ${id} is not a VMU of the system`);
      p = Port.ofVmu(vmu, hosts.get(vmu.host)!, engine);
      ports.set(id, p);
    }
    return p;
  };
  const hostPorts = new Map<string, Port>();
  const hostPort = (id: string): Port => {
    let p = hostPorts.get(id);
    if (!p) {
      const host = hosts.get(id);
      if (!host) throw new Error(`storage endpoint ${id} is not a host of the system`);
      p = Port.ofHost(host);
      hostPorts.set(id, p);
    }
    return p;
  };
  const wires = new Map<string, Wire>();
  const wire = (from: string, to: string): Wire | null => {
    if (from === to) return null;
    const key = `${from}>${to}`;
    let w = wires.get(key);
    if (!w) {
      const link = (system.links ?? []).find((l) => (l.hosts[0] === from && l.hosts[1] === to) || (l.hosts[0] === to && l.hosts[1] === from));
      if (!link) throw new Error(`no link between hosts ${from} and ${to}`);
      w = new Wire(link, from, to, engine);
      wires.set(key, w);
    }
    return w;
  };
  const build = (f: FlowSpec) => {
    const src = port(f.from);
    const dst = port(f.to);
    const sender = vmus.get(f.from)!;
    const lives = sender.startNs !== undefined || sender.stopNs !== undefined || sender.bootNs !== undefined;
    return new FlowRun(f, src, dst, wire(src.hostId, dst.hostId), engine, seed, lives ? (now) => isUp(sender, now) : undefined);
  };
  const flows = (system.flows ?? []).map(build);
  const routes = new Map<string, FlowRun>();
  // A route sends nothing of its own (no departures); chains and storage requests put their packets on it (carry).
  const quiet = (id: string, src: Port, dst: Port): FlowRun => {
    let r = routes.get(id);
    if (!r) {
      const spec: FlowSpec = { id, from: src.name, to: dst.name, arrival: { kind: 'trace', times: [] }, size: { kind: 'constant', value: 1 }, class: id, deadline: Infinity };
      r = new FlowRun(spec, src, dst, wire(src.hostId, dst.hostId), engine, seed);
      routes.set(id, r);
    }
    return r;
  };
  const route = (from: string, to: string): FlowRun => quiet(`${from}>${to}`, port(from), port(to));
  const osdRoutes = (vmu: string, host: string) => ({ out: quiet(`${vmu}>${host}/osd`, port(vmu), hostPort(host)), back: quiet(`${host}/osd>${vmu}`, hostPort(host), port(vmu)) });
  return { flows, route, osdRoutes };
}

/**
 * Whether `vmu` sends or receives packets of some flow or chain hop, of a live migration's page
 * stream (its source or destination instance: src/engine/migration.ts), or of storage requests to an
 * OSD on another host (its streams' or chains' remote-osd.ts trips); models add its packet worker then.
 */
export function hasFlows(system: SystemSpec, vmu: string): boolean {
  return (
    (system.migrations ?? []).some((m) => m.vmu === vmu || m.twin === vmu) ||
    (system.flows ?? []).some((f) => f.from === vmu || f.to === vmu) ||
    (system.chains ?? []).some((c) => c.stages.some((s) => (s.kind === 'hop' && (s.from === vmu || s.to === vmu)) || (s.kind === 'storage' && s.from === vmu))) ||
    system.vmus.some((v) => v.id === vmu && v.io.some((l) => l.storage?.osd !== undefined))
  );
}

/** Whether VMUs of other hosts reach `host`'s storage device over the network; models add its endpoint's packet worker then. */
export function servesRemoteStorage(system: SystemSpec, host: string): boolean {
  return system.vmus.some((v) => v.io.some((l) => l.storage?.osd === host)) || (system.chains ?? []).some((c) => c.stages.some((s) => s.kind === 'storage' && s.from !== undefined && s.host === host));
}
