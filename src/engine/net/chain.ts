// A VSN's request chain (issue 11 "VSNs across PHs"): each request crosses its stages in order — a
// packet between VMUs through both IXBs and the link (network.ts), a job of the chain's handler task
// in a VMU, a request on a host's storage device (io.ts, storage/) — and is judged end to end
// against the chain's deadline. Each request carries the instant it entered and left every segment,
// so its latency splits exactly into CPU wait + CPU run (compute stages), IXB (the IXB CPU stages
// and the sender's egress discipline), link (NIC queue, wire, propagation) and storage (device queue
// and service): the components of one request sum to its end-to-end latency. A storage stage on an
// OSD of another host (storage/remote-osd.ts) charges its two messages' IXB and link time as a hop
// does, and only the OSD's device queue and service as storage.
//
// A stage's VMU may come and go (issue 13: start, boot, stop, refused at its start). A request that
// reaches a stage whose VMU is not running fails there — its packet dropped at the destination PH
// (network.ts), or its compute stage refused — and one whose compute job is queued or running in a
// VMU when it stops fails at that instant (the job dies with the guest). A failed request is
// counted by cause, never completed, and judged a miss; latencies count completed requests only.

import { LatencyHistogram } from '../../metrics/histogram.js';
import type { Device } from '../device.js';
import { EventPhase } from '../event-queue.js';
import type { Task } from '../entities.js';
import type { IoEngine } from '../io.js';
import type { RemoteOsd } from '../storage/remote-osd.js';
import { Rng } from '../rng.js';
import type { ChainSpec, Ns } from '../system.js';
import { FlowClock } from './flow.js';
import type { FlowRun } from './network.js';

/** Where a request's time went (the report's breakdown, in this order). */
export const CHAIN_COMPONENTS = ['cpuWait', 'cpuRun', 'ixb', 'link', 'storage'] as const;
export type ChainComponent = (typeof CHAIN_COMPONENTS)[number];

export class ChainStats {
  readonly latency = new LatencyHistogram();
  readonly components: Record<ChainComponent, LatencyHistogram> = {
    cpuWait: new LatencyHistogram(),
    cpuRun: new LatencyHistogram(),
    ixb: new LatencyHistogram(),
    link: new LatencyHistogram(),
    storage: new LatencyHistogram(),
  };
  /** Requests started after warm-up, and what became of them. */
  requests = 0;
  completed = 0;
  missed = 0;
  /** A packet of the request was lost (policed, queue full, starved ring): the request never ends. */
  lost = 0;
  /** The request reached a stage whose VMU was not running, or was in one that stopped (issue 13). */
  readonly failed: Record<ChainFailure, number> = { destinationAbsent: 0 };
}

/** Why a request failed (as opposed to a packet lost on the way). */
export type ChainFailure = 'destinationAbsent';

/** The resolved stages: routes, handler tasks and devices of the built system. */
export type ChainStep =
  | { kind: 'hop'; route: FlowRun; bytes: number; from: string }
  /** `task` null: its VMU was refused at its start (never built). `stops`: the VMU has a stop, so the requests in it are followed. */
  | { kind: 'compute'; task: Task | null; demandNs: Ns; vmu: string; stops: boolean }
  /** `remote`: an OSD reached over the network (storage/remote-osd.ts), its IXB and link time charged as a hop's. */
  | { kind: 'storage'; device: Device; bytes: number; write: boolean; serviceNs: Ns; storageModel: boolean; remote?: RemoteOsd };

/** One request in flight: its arrival and the time gathered per component so far. */
interface Request {
  arrival: Ns;
  measured: boolean;
  /** When the current segment began. */
  mark: Ns;
  spent: Record<ChainComponent, Ns>;
}

/** Whether VMU `vmu` is running now (started, booted, not stopped: the simulator's isUp). */
export type VmuPresence = (vmu: string) => boolean;

export class ChainRun {
  readonly stats = new ChainStats();
  /** Requests whose compute job is in a VMU that will stop, by VMU, in the order they entered. */
  private readonly inVmu = new Map<string, Set<Request>>();

  constructor(
    readonly spec: ChainSpec,
    private readonly steps: ChainStep[],
    private readonly engine: IoEngine,
    seed: number,
    private readonly isUp: VmuPresence = () => true,
  ) {
    const clock = new FlowClock(spec.arrival, new Rng(seed, `${spec.id}/requests`));
    const arrivals = engine.queue.timer(EventPhase.release, (now) => {
      this.start(now);
      const next = clock.next();
      if (next <= engine.durationNs) arrivals.arm(Math.max(next, now));
    });
    const first = clock.next();
    if (first <= engine.durationNs) arrivals.arm(first);
  }

  /** The handler task's id for compute stage `index` of chain `chain` (simulator.ts adds the task to the VMU; the scenario reserves the id). */
  static handlerId(chain: string, index: number): string {
    return `${chain}-stage${index}`;
  }

  private start(now: Ns): void {
    const measured = now >= this.engine.warmupNs;
    if (measured) this.stats.requests++;
    this.advance({ arrival: now, measured, mark: now, spent: { cpuWait: 0, cpuRun: 0, ixb: 0, link: 0, storage: 0 } }, 0);
  }

  private charge(r: Request, component: ChainComponent, now: Ns): void {
    r.spent[component] += now - r.mark;
    r.mark = now;
  }

  private advance(r: Request, index: number): void {
    if (index === this.steps.length) return this.finish(r);
    const step = this.steps[index];
    const next = () => this.advance(r, index + 1);
    switch (step.kind) {
      case 'hop':
        if (!this.isUp(step.from)) return this.fail(r); // no sender to put it on the wire
        return step.route.carry(step.bytes, {
          passed: (segment, now) => this.charge(r, segment, now),
          delivered: () => next(),
          lost: (cause) => {
            if (cause === 'destinationAbsent') this.fail(r);
            else if (r.measured) this.stats.lost++;
          },
        });
      case 'compute': {
        if (!this.isUp(step.vmu)) return this.fail(r);
        const held = step.stops ? this.heldIn(step.vmu) : null;
        held?.add(r);
        // The job's demand is its run time (CPU time at speed 1); the rest of its release-to-completion
        // time is waiting for a vCPU, or for the vCPU's pCPU (the hypervisor's share of the delay).
        return this.engine.inject(step.task!, step.demandNs, (now) => {
          held?.delete(r);
          const elapsed = now - r.mark;
          r.spent.cpuRun += Math.min(step.demandNs, elapsed);
          r.spent.cpuWait += elapsed - Math.min(step.demandNs, elapsed);
          r.mark = now;
          next();
        });
      }
      case 'storage': {
        const shape = step.storageModel ? { flow: this.spec.id, bytes: step.bytes, write: step.write, offset: 0, deadlineNs: r.arrival + this.spec.deadline } : undefined;
        if (step.remote) {
          return step.remote.submit(this.engine.now, step.serviceNs, () => next(), shape, {
            passed: (segment, now) => this.charge(r, segment, now),
            // The reply reaching a VMU that stopped meanwhile fails the request, as a hop's packet does.
            lost: (cause) => {
              if (cause === 'destinationAbsent') this.fail(r);
              else if (r.measured) this.stats.lost++;
            },
          });
        }
        return step.device.submit(
          this.engine.now,
          step.serviceNs,
          (now) => {
            this.charge(r, 'storage', now);
            next();
          },
          shape,
        );
      }
    }
  }

  private heldIn(vmu: string): Set<Request> {
    let held = this.inVmu.get(vmu);
    if (held === undefined) this.inVmu.set(vmu, (held = new Set()));
    return held;
  }

  /** VMU `vmu` stops now (the simulator drops its jobs): every request in it fails at this instant. */
  vmuStopped(vmu: string): void {
    const held = this.inVmu.get(vmu);
    if (held === undefined) return;
    for (const r of held) this.fail(r);
    held.clear();
  }

  private fail(r: Request): void {
    if (r.measured) this.stats.failed.destinationAbsent++;
  }

  private finish(r: Request): void {
    if (!r.measured) return;
    const s = this.stats;
    const latency = this.engine.now - r.arrival;
    s.completed++;
    s.latency.record(latency);
    if (latency > this.spec.deadline) s.missed++;
    for (const c of CHAIN_COMPONENTS) s.components[c].record(r.spent[c]);
  }
}
