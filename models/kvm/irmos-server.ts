// IRMOS per-(group, CPU) servers and the task state they queue (linux-irmos.md §2.2), with the
// fixed-priority order inside a server (§2.5). The scheduling decisions are in irmos.ts.

import type { Ns } from '../../src/scenario/types.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { PolicyContext } from '../../src/engine/policy.js';
import { objectArray } from '../../src/engine/object-array.js';
import { CbsServer, type CbsHooks } from './cbs.js';
import type { IrmosGroupConfig } from './irmos.js';

/** What a server tells its class (IrmosClass). */
export interface IrmosServerOwner {
  onThrottled(s: IrmosServer): void;
  onReplenished(s: IrmosServer): void;
  onEnforce(s: IrmosServer): void;
}

export class IrmosGroup {
  /** Indexed by CPU; undefined outside the cpuset. */
  readonly servers: (IrmosServer | undefined)[] = [];
  throttles = 0;
  /**
   * Some task of the group may run on two or more of its CPUs. Without one, push and pull (§2.6) can
   * move nothing — a VMU whose vCPUs are each pinned to one pCPU — and the class skips them (issue 14).
   */
  mobile = false;

  constructor(
    readonly id: string,
    readonly cpus: readonly number[],
  ) {}
}

/** s[g, k]: the server of group g on CPU k with its FP runqueue (§2.2). */
export class IrmosServer implements CbsHooks {
  readonly cbs: CbsServer;
  /** Runnable tasks queued here, unordered: picks scan by (priority, order). */
  readonly tasks: HostEntity[] = objectArray(); // born holding objects (src/engine/object-array.ts)
  /** When it last became ready: EDF tie-break. */
  readySeq = 0;

  constructor(
    readonly owner: IrmosServerOwner,
    readonly group: IrmosGroup,
    readonly cpu: number,
    ctx: PolicyContext,
    cfg: IrmosGroupConfig,
  ) {
    this.cbs = new CbsServer(ctx, { runtimeNs: cfg.runtimeNs, deadlineNs: cfg.periodNs, periodNs: cfg.periodNs }, this);
    this.cbs.cpu = cpu;
  }

  throttled(): void {
    this.group.throttles++;
    this.owner.onThrottled(this);
  }

  replenished(): void {
    this.owner.onReplenished(this);
  }

  enforce(): void {
    this.owner.onEnforce(this);
  }
}

export interface IrmosTask {
  readonly entity: HostEntity;
  readonly priority: number;
  readonly rr: boolean;
  readonly group: IrmosGroup;
  /** First CPU of entity.affinity ∩ group.cpus: where it starts. */
  readonly home: number;
  /** entity.affinity ∩ group.cpus has two CPUs or more: push/pull may move it (§2.6). */
  readonly mobile: boolean;
  /** FIFO order among equal priorities (smaller = earlier). */
  order: number;
  rrLeftNs: Ns;
  /** Server it is queued in (null while blocked). */
  server: IrmosServer | null;
  /** Server it is running in, between started() and stopped(). */
  runServer: IrmosServer | null;
}

export function taskOf(e: HostEntity): IrmosTask {
  return e.slot as IrmosTask;
}

/** a runs before b inside a server: higher priority, then FIFO. */
export function before(a: IrmosTask, b: IrmosTask): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.order < b.order);
}

export function topTask(s: IrmosServer): HostEntity | null {
  const list = s.tasks;
  let best: HostEntity | null = null;
  let bt: IrmosTask | null = null;
  for (let i = 0; i < list.length; i++) {
    const t = taskOf(list[i]);
    if (bt === null || before(t, bt)) {
      best = list[i];
      bt = t;
    }
  }
  return best;
}

/** Highest priority queued on `s` (0 when empty: below every RT priority). */
export function topPriority(s: IrmosServer): number {
  const list = s.tasks;
  let p = 0;
  for (let i = 0; i < list.length; i++) {
    const q = taskOf(list[i]).priority;
    if (q > p) p = q;
  }
  return p;
}
