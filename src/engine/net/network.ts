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
// by cause: policed, queueFull (a discipline or NIC queue refused it), starved (a full ring),
// destinationAbsent (its destination VMU was not running when it reached the destination PH).
// migrating (it reached a VMU stopped for a live migration's stop-and-copy, or the PH it left).
//
// Live migration (issue 13; migration.md §4): a VMU's packets follow it at the switch-over. QEMU
// announces the moved guest from the destination as soon as it runs there (net/announce.c
// qemu_announce_self: a RARP per NIC at once, then announce-rounds 5 in all, announce-initial 50 ms
// apart growing by announce-step 100 ms, to announce-max 550 ms); Xen's netfront, reconnecting to
// the destination's netback, sends a gratuitous ARP (xen-netfront.c: netdev_notify_peers on
// XenbusStateConnected). The first announcement is sent at the resume, so from then every flow and
// chain route to or from the VMU runs through its destination instance's port: the destination
// PH's IXB, and the link only where the peer is on another PH (move). Packets that reach the VMU
// from its pause to its resume — the source's vhost / netback no longer hand them to a running
// guest, and the source instance is destroyed after the switch-over — and packets still reaching
// the source PH after the resume (sent before the switch learnt the new place) are lost as
// 'migrating'. A stopped VMU sends nothing: its application does not run (as before its start).

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
 * A port through a live migration: up; paused for the stop-and-copy; gone (the VMU runs on another
 * PH now — its packets go to that instance's port).
 */
type PortState = 'up' | 'paused' | 'gone';

/**
 * An end of the network: a VMU's (its rings, its CPU stage, its policer and egress) or a PH's own —
 * the OSD box's storage service, which sends straight to the NIC: no virtual link, so no policer
 * and no egress discipline, only the host's IXB CPU stage.
 */
export class Port {
  state: PortState = 'up';
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

  /** `absent`: a VMU refused at its start — never built, so it has no packet worker; nothing reaches it. */
  static ofVmu(vmu: VmuSpec, host: NetHost, engine: IoEngine, absent: boolean): Port {
    return new Port(vmu.id, vmu.host, vmu.vlink, host.spec.ixb ?? DEFAULT_IXB, absent ? undefined : host.path(vmu), host, engine);
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
export class Wire {
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

/** The ports a flow's packets leave and reach, and the wire between them (null: one PH). */
export interface Leg {
  src: Port;
  dst: Port;
  wire: Wire | null;
}

/** One flow: its packet source, its route, its statistics. */
export class FlowRun {
  readonly stats: FlowStats;
  /** The hops a packet crosses (at the start of the run), for results. */
  readonly path: string[];
  /**
   * A migration's page stream: it ends at the destination host's migration listener (QEMU's
   * incoming socket, xc_domain_restore), not at a guest's NIC, so no instance's state stops it.
   */
  pageStream = false;

  constructor(
    readonly spec: FlowSpec,
    /** The route new packets take; a live migration's switch-over replaces it (Network.move). A packet keeps the one it left on. */
    public leg: Leg,
    private readonly engine: IoEngine,
    seed: number,
    senderUp: (now: Ns) => boolean = () => true,
    /** Whether the destination VMU is running (issue 13); undefined: it always is. */
    private readonly receiverUp?: (now: Ns) => boolean,
  ) {
    this.stats = new FlowStats(engine.warmupNs, engine.durationNs);
    const { src, dst, wire } = leg;
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
      // A VMU stopped for a migration's stop-and-copy sends nothing either (its application is stopped).
      const bytes = sizes.next();
      if (senderUp(now) && this.leg.src.state === 'up') this.send(now, bytes);
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
    const leg = this.leg;
    const src = leg.src;
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
        if (leg.wire) this.cross(leg, leg.wire, created, bytes, measured, probe);
        else this.receive(leg, created, bytes, measured, probe);
      };
      // A PH's own endpoint (its OSD) has no virtual link: its packets go straight to the NIC.
      if (src.egress) this.hop(src.egress, cls, serialisationNs(bytes, src.bandwidthBps), created, bytes, measured, probe, onWire);
      else onWire();
    });
  }

  private cross(leg: Leg, wire: Wire, created: Ns, bytes: number, measured: boolean, probe: PacketProbe | undefined): void {
    this.hop(wire.nic, this.spec.id, serialisationNs(bytes, wire.spec.bandwidthBps), created, bytes, measured, probe, () =>
      wire.propagate(this.engine.now, (now) => {
        probe?.passed('link', now);
        this.receive(leg, created, bytes, measured, probe);
      }),
    );
  }

  /**
   * The packet reaches the destination PH. A destination VMU that is not running drops it there, at
   * no CPU cost (issue 13): before its start and from its stop it has no vif (Xen: the toolstack
   * creates it with the domain and removes it at destroy) or tap (KVM: QEMU's netdev), so the
   * bridge has no port to give it; while it boots its guest driver is not up — netback drops what
   * reaches a vif whose frontend has not connected (xenvif_start_xmit: carrier off), QEMU does not
   * read the tap before the guest sets DRIVER_OK (virtio_net_can_receive) — and its applications,
   * which release from the boot's end, have no socket open to take it. A VMU that stops while the
   * packet is in its receive stage drops it there too.
   */
  private receive(leg: Leg, created: Ns, bytes: number, measured: boolean, probe: PacketProbe | undefined): void {
    const dst = leg.dst;
    // Reaching a VMU stopped for its stop-and-copy, or a PH it has left: lost (see the header).
    if (dst.state !== 'up' && !this.pageStream) return this.lose(measured, 'migrating', probe);
    const up = this.receiverUp;
    if (up !== undefined && !up(this.engine.now)) return this.lose(measured, 'destinationAbsent', probe);
    this.cpu(dst, dst.rx, receiveCostNs(dst.ixb, bytes, dst.worker?.crossingNs ?? 0), measured, probe, () => {
      const now = this.engine.now;
      if (dst.state !== 'up' && !this.pageStream) return this.lose(measured, 'migrating', probe);
      if (up !== undefined && !up(now)) return this.lose(measured, 'destinationAbsent', probe);
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
  /** A live migration's page stream from instance `from` to instance `to`: like a route, but no switch-over moves it. */
  stream(from: string, to: string): FlowRun;
  /** VMU instance `vmu` stops for a stop-and-copy: packets reaching it are lost, it sends none. */
  pause(vmu: string): void;
  /** Instance `vmu` resumes as instance `twin`: every flow and chain route to or from it goes to `twin`'s port from now. */
  move(vmu: string, twin: string): void;
  /**
   * The paths between VMU `vmu` and host `host`'s own endpoint, its OSD, each way: the VMU's IXB
   * stage and egress, the link, the host's IXB stage (src/engine/storage/remote-osd.ts).
   */
  osdRoutes(vmu: string, host: string): { out: FlowRun; back: FlowRun };
}

/**
 * Every flow of the system over the links between its PHs; chains' routes are built when first asked
 * for. `isUp(vmu, now)`: whether a VMU with a lifetime is up (started, booted, not stopped) — a flow
 * sends only while its source is, and delivers only while its destination is. The system's
 * absentVmus (refused at their start) are never up.
 */
export function buildNetwork(system: SystemSpec, hosts: Map<string, NetHost>, engine: IoEngine, seed: number, isUp: (vmu: VmuSpec, now: Ns) => boolean = () => true): Network {
  const absent = new Set((system.absentVmus ?? []).map((v) => v.id));
  const vmus = new Map([...system.vmus, ...(system.absentVmus ?? [])].map((v) => [v.id, v]));
  const ports = new Map<string, Port>();
  const port = (id: string): Port => {
    let p = ports.get(id);
    if (!p) {
      const vmu = vmus.get(id);
      if (!vmu) throw new Error(`flow endpoint ${id} is not a VMU of the system`);
      p = Port.ofVmu(vmu, hosts.get(vmu.host)!, engine, absent.has(id));
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
  const wire = (from: string, to: string): Wire => {
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
  const legOf = (src: Port, dst: Port): Leg => ({ src, dst, wire: src.hostId === dst.hostId ? null : wire(src.hostId, dst.hostId) });
  // Only a VMU that comes and goes is asked, so flows between VMUs there for the whole run pay nothing;
  // a PH's own endpoint (its OSD) is always up.
  const upOf = (id: string): ((now: Ns) => boolean) | undefined => {
    const v = vmus.get(id);
    if (v === undefined) return undefined;
    if (absent.has(id)) return () => false;
    return v.startNs !== undefined || v.stopNs !== undefined || v.bootNs !== undefined ? (now: Ns) => isUp(v, now) : undefined;
  };
  const build = (f: FlowSpec) => new FlowRun(f, legOf(port(f.from), port(f.to)), engine, seed, upOf(f.from), upOf(f.to));
  const flows = (system.flows ?? []).map(build);
  const routes = new Map<string, FlowRun>();
  // A route sends nothing of its own (no departures); chains, storage requests and migrations put their packets on it (carry).
  const silent = (id: string, src: Port, dst: Port): FlowRun => {
    const spec: FlowSpec = { id, from: src.name, to: dst.name, arrival: { kind: 'trace', times: [] }, size: { kind: 'constant', value: 1 }, class: id, deadline: Infinity };
    return new FlowRun(spec, legOf(src, dst), engine, seed, upOf(src.name), upOf(dst.name));
  };
  const quiet = (id: string, src: Port, dst: Port): FlowRun => {
    let r = routes.get(id);
    if (!r) {
      r = silent(id, src, dst);
      routes.set(id, r);
    }
    return r;
  };
  const route = (from: string, to: string): FlowRun => quiet(`${from}>${to}`, port(from), port(to));
  const osdRoutes = (vmu: string, host: string) => ({ out: quiet(`${vmu}>${host}/osd`, port(vmu), hostPort(host)), back: quiet(`${host}/osd>${vmu}`, hostPort(host), port(vmu)) });
  const move = (vmu: string, twin: string): void => {
    const left = ports.get(vmu);
    if (left === undefined) return; // no flow or route ever touched it
    left.state = 'gone';
    const arrived = port(twin);
    arrived.state = 'up';
    for (const r of [...flows, ...routes.values()]) {
      const { src, dst } = r.leg;
      if (src === left || dst === left) r.leg = legOf(src === left ? arrived : src, dst === left ? arrived : dst);
    }
  };
  const pause = (vmu: string): void => {
    const p = ports.get(vmu);
    if (p !== undefined) p.state = 'paused';
  };
  const stream = (from: string, to: string): FlowRun => {
    const s = silent(`${from}>${to}`, port(from), port(to));
    s.pageStream = true;
    return s;
  };
  return { flows, route, stream, pause, move, osdRoutes };
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
