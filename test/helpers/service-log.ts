// Which entity ran when (and on which pCPU), recorded from the simulator's dispatch events.
import type { HostEntity } from '../../src/engine/entities.js';
import type { SimObserver } from '../../src/engine/simulator.js';

/** A stretch of service [start, end). */
export type Run = [start: number, end: number];
/** A stretch of service [start, end) on pCPU `cpu`. */
export type CpuRun = [start: number, end: number, cpu: number];

/**
 * Run intervals of every entity. Pass the log (or `log.observer`) as the simulation's observer,
 * then `close(end)` to count what still runs at the end.
 *
 * Stretches are kept as dispatched: `of` and `withCpu` show an entity dispatched again at the
 * instant its run ends as two stretches, `runs` and `gaps` merge such back-to-back stretches.
 */
export class ServiceLog implements SimObserver {
  private readonly stretches = new Map<string, CpuRun[]>();
  private readonly open = new Map<number, { id: string; start: number }>();

  /** This log, as the observer to hand to simulate(). */
  get observer(): SimObserver {
    return this;
  }

  dispatch(now: number, _host: string, cpu: number, entity: HostEntity | null): void {
    const cur = this.open.get(cpu);
    if (cur !== undefined) {
      if (now > cur.start) this.push(cur.id, [cur.start, now, cpu]);
      this.open.delete(cpu);
    }
    if (entity !== null) this.open.set(cpu, { id: entity.id, start: now });
  }

  /** Ends the stretches still open at `end` (the run's duration). */
  close(end: number): this {
    for (const [cpu, cur] of this.open) if (end > cur.start) this.push(cur.id, [cur.start, end, cpu]);
    this.open.clear();
    for (const list of this.stretches.values()) list.sort((a, b) => a[0] - b[0]);
    return this;
  }

  private push(id: string, run: CpuRun): void {
    const list = this.stretches.get(id);
    if (list === undefined) this.stretches.set(id, [run]);
    else list.push(run);
  }

  /** Stretches of `id` as dispatched, [start, end) in time order. */
  of(id: string): Run[] {
    return this.withCpu(id).map(([a, b]) => [a, b]);
  }

  /** Stretches of `id` as dispatched, [start, end, cpu] in time order. */
  withCpu(id: string): CpuRun[] {
    return this.stretches.get(id) ?? [];
  }

  /** Merged run intervals (back-to-back stretches joined) of every entity that ran. */
  get runs(): Map<string, Run[]> {
    return new Map([...this.stretches.keys()].map((id) => [id, this.merged(id)]));
  }

  private merged(id: string): Run[] {
    const out: Run[] = [];
    for (const [a, b] of this.withCpu(id)) {
      const last = out[out.length - 1];
      if (last !== undefined && last[1] === a) last[1] = b;
      else out.push([a, b]);
    }
    return out;
  }

  /** ns `id` ran within [from, to). */
  service(id: string, from: number, to: number): number {
    let sum = 0;
    for (const [a, b] of this.withCpu(id)) sum += Math.max(0, Math.min(b, to) - Math.max(a, from));
    return sum;
  }

  /** Gaps between consecutive runs of `id`: [end of one run, start of the next]. */
  gaps(id: string): Run[] {
    const runs = this.merged(id);
    const out: Run[] = [];
    for (let i = 1; i < runs.length; i++) if (runs[i][0] > runs[i - 1][1]) out.push([runs[i - 1][1], runs[i][0]]);
    return out;
  }

  /** Longest interval in [from, to) without service (the trailing stretch included). */
  maxGap(id: string, from: number, to: number): number {
    let last = from;
    let gap = 0;
    for (const [a, b] of this.withCpu(id)) {
      if (b <= from || a >= to) continue;
      gap = Math.max(gap, a - last);
      last = Math.max(last, b);
    }
    return Math.max(gap, to - last);
  }
}
