// SCRATCH (reverted): a throw-away Xen scheduler to count the files a new one needs. Per-pCPU
// round-robin with a fixed slice, in the shape of Xen's sched_ops: wake = enqueue, sleep = dequeue,
// do_schedule = schedule(cpu, now) returning the next vCPU and its slice.

import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext, SchedClass, TaskSlice } from '../../src/engine/policy.js';
import type { Ns } from '../../src/scenario/types.js';
import type { ParamSpec } from '../params.js';
import { poolCpus } from './affinity.js';
import { reservationPool, xenSchedulerModel, type XenScheduler } from './xen-models.js';

class RrClass implements SchedClass<undefined> {
  readonly name = 'rr';
  readonly cpus: readonly number[];
  private readonly runq: HostEntity[][];
  private readonly decision: (HostEntity | null)[];

  constructor(
    private readonly ctx: PolicyContext,
    private readonly sliceNs: Ns,
    pool: readonly number[],
  ) {
    this.cpus = poolCpus(ctx, pool, 'rr');
    this.runq = Array.from({ length: ctx.cpuCount }, () => []);
    this.decision = new Array<HostEntity | null>(ctx.cpuCount).fill(null);
  }

  admit(e: HostEntity): void {
    e.schedClass = this;
    e.cpu = e.affinity[0];
  }

  enqueue(e: HostEntity): void {
    this.runq[e.cpu].push(e);
    if (this.decision[e.cpu] === null) this.ctx.resched(e.cpu);
  }

  dequeue(e: HostEntity): void {
    const q = this.runq[e.cpu];
    const i = q.indexOf(e);
    if (i >= 0) q.splice(i, 1);
  }

  pickNext(cpu: number): HostEntity | null {
    return this.decision[cpu];
  }

  schedule(cpu: number): TaskSlice {
    const q = this.runq[cpu];
    const cur = this.decision[cpu];
    if (cur !== null && cur.runnable && q[0] === cur) q.push(q.shift()!); // to the tail
    this.decision[cpu] = q.length > 0 ? q[0] : null;
    return { next: this.decision[cpu], sliceNs: q.length > 0 ? this.sliceNs : Infinity };
  }

  charge(): void {}
  started(): void {}
  stopped(e: HostEntity, cpu: number): void {
    if (!e.runnable && this.decision[cpu] === e) this.decision[cpu] = null;
  }
}

const own = (_cpus: number) => ({ slice: { type: 'duration', default: 10_000_000, doc: 'round-robin slice' } }) satisfies Record<string, ParamSpec>;

const rr: XenScheduler<ReturnType<typeof own>> = {
  own,
  buildPool(b) {
    const cls = new RrClass(b.setup.ctx, b.p.slice, b.pool.cpus);
    const rule = { cfg: undefined, native: `rr slice=${b.p.slice} ns` };
    const mapping = reservationPool(b, (e) => cls.admit(e), { dom0: rule, reserved: () => rule, bestEffort: () => rule });
    return { cls, mapping, settings: { slice: b.p.slice } };
  },
};

export const xenRr = xenSchedulerModel('xen-rr', 'SCRATCH: per-pCPU round-robin', rr);
