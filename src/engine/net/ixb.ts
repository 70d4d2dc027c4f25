// The IXB's packet work on a PH's CPU (seed §4.1.1, figure 7; io-qos.md §2.4, §2.5): each packet a
// VMU sends or receives is a job of t_cpu on the host task the model names (dom0's netback under
// Xen, the VMU's vhost under KVM; model.ts packetPath), so it makes progress only while that task
// holds a CPU. Packets wait in the VMU's ring meanwhile; a ring holds `ringSlots` packets per
// direction and an arrival at a full ring is dropped as "starved" (io-qos.md §2.5: "arrivals at a
// full ring are dropped and counted by cause") — however idle the link is.

import type { IxbSpec, Ns } from '../system.js';

/** io-qos.md §2.4's suggested defaults (a 2008–2011 Xeon), §2.5's Xen netif ring of 256 slots. */
export const DEFAULT_IXB: IxbSpec = {
  forwardNs: 1_000,
  encapsulationNs: 300,
  policingNs: 100,
  schedulingNs: 400,
  timestampingNs: 50,
  perByteNs: 0,
  ringSlots: 256,
};

/** t_cpu of sending a packet: classify and forward, police, encapsulate, schedule, timestamp, copy. */
export function sendCostNs(ixb: IxbSpec, bytes: number, crossingNs: Ns): Ns {
  return Math.round(ixb.forwardNs + ixb.policingNs + ixb.encapsulationNs + ixb.schedulingNs + ixb.timestampingNs + ixb.perByteNs * bytes) + crossingNs;
}

/** t_cpu of receiving one: forward, decapsulate, timestamp (the one-way measurement), copy. [M] */
export function receiveCostNs(ixb: IxbSpec, bytes: number, crossingNs: Ns): Ns {
  return Math.round(ixb.forwardNs + ixb.encapsulationNs + ixb.timestampingNs + ixb.perByteNs * bytes) + crossingNs;
}

/** Packets of one VMU and direction waiting for (or in) their IXB CPU work. */
export class IxbRing {
  private held = 0;
  /** Packets refused because the ring was full. */
  starved = 0;

  constructor(readonly slots: number) {}

  /** Take a slot; false when the ring is full (the packet is dropped). */
  take(): boolean {
    if (this.held >= this.slots) {
      this.starved++;
      return false;
    }
    this.held++;
    return true;
  }

  release(): void {
    this.held--;
  }
}
