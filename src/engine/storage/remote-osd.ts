// An OSD box reached over the network (issue 11: "Storage devices per PH or an OSD box reached over
// the network"; the VSN chain "client → VMU on PH1 → VMU on PH2 → OSD → back"). A T10 OSD is a SCSI
// command set (io-qos.md §1.10), so its initiator is a client in the guest that speaks to the target
// over the guest's own network path, as an iSCSI or Ceph RBD kernel client does — not the block
// backend that serves a local disk (blkback in dom0, xen.md §7.1 "Block I/O"; QEMU's iothread,
// linux-irmos.md §7.1). One request is then:
//
//   VMU → its IXB send stage on the source PH (dom0 / driver-domain netback under Xen, xen.md §7.1
//   "Network, guest transmit"; the VMU's vhost worker under KVM, linux-irmos.md §7.2 step 7) → its
//   egress → the link (NIC queue, serialisation, propagation: network.ts Wire) → the OSD host's IXB
//   receive stage (model.ts hostPacketPath) → the OSD's device scheduler and device, shared with
//   every other host's streams and its own (host-storage.ts) → the OSD host's IXB send stage → the
//   link back → the VMU's IXB receive stage → the VMU.
//
// The request message carries the data of a write, the reply the data of a read; each is one
// message on the route (a TSO/GSO super-packet: the IXB pays its per-packet cost once per message
// and its per-byte cost on all of it, xen.md §7.4 "per GSO batch"; the link serialises every byte). [M]

import type { Device, RequestShape } from '../device.js';
import type { FlowRun, PacketProbe } from '../net/network.js';
import type { LossCause } from '../net/flow.js';
import type { Ns } from '../system.js';

/**
 * Bytes of a message without payload: iSCSI's 48-byte Basic Header Segment (RFC 7143, section 11.2) in one
 * TCP segment — TCP 20 + IPv4 20 + Ethernet header and FCS 18 — as a T10 OSD command travels.
 */
export const OSD_HEADER_BYTES = 48 + 20 + 20 + 18;

/** The request and reply messages of a storage request of `bytes`: the data rides the request of a write, the reply of a read. */
export function osdMessageBytes(bytes: number, write: boolean): { request: number; reply: number } {
  return write ? { request: OSD_HEADER_BYTES + bytes, reply: OSD_HEADER_BYTES } : { request: OSD_HEADER_BYTES, reply: OSD_HEADER_BYTES + bytes };
}

/** Where a remote request's time goes: 'ixb' and 'link' as on a hop (network.ts PacketProbe), 'storage' at the OSD's device. */
export interface OsdTripProbe {
  passed(segment: 'ixb' | 'link' | 'storage', now: Ns): void;
  lost(cause: LossCause): void;
}

/** What a remote device reaches, resolved when its first request leaves (the network is built after the hosts). */
export interface OsdEndpoint {
  out: FlowRun;
  back: FlowRun;
  device: Device;
}

/** A VMU's view of a remote OSD: a Device whose requests cross the network both ways around the OSD's own device. */
export class RemoteOsd implements Device {
  private endpoint: OsdEndpoint | null = null;
  /** Requests whose request or reply message was lost (starved ring, full queue): they never complete. */
  lost = 0;

  constructor(
    private readonly engine: { readonly now: Ns },
    private readonly resolve: () => OsdEndpoint,
  ) {}

  private get reached(): OsdEndpoint {
    return (this.endpoint ??= this.resolve());
  }

  get capacityBytes(): number | undefined {
    return this.reached.device.capacityBytes;
  }

  submit(_now: Ns, serviceNs: Ns, done: (now: Ns) => void, shape?: RequestShape, probe?: OsdTripProbe): void {
    const { out, back, device } = this.reached;
    const { request, reply } = osdMessageBytes(shape?.bytes ?? 0, shape?.write ?? false);
    const leg = (then: (now: Ns) => void): PacketProbe => ({
      passed: (segment, now) => probe?.passed(segment, now),
      delivered: then,
      lost: (cause) => {
        this.lost++;
        probe?.lost(cause);
      },
    });
    out.carry(
      request,
      leg(() =>
        device.submit(
          this.engine.now,
          serviceNs,
          (now) => {
            probe?.passed('storage', now);
            back.carry(reply, leg(done));
          },
          shape,
        ),
      ),
    );
  }
}
