// Cache and memory interference on one host during a run (cache.md): what each task's data
// went through while it was away from a cache (the reload it owes when it comes back: CRPD, §2), and
// how fast each running task progresses beside the tasks sharing its caches and memory bus (§3).
// The simulator asks it three things: how much work a stretch of CPU time did, how long the job
// on a CPU still needs, and — once per instant, after the reschedule pass — who runs where now.
// Absent (`interference` none) the simulator never builds it and execution is exactly the demand.

import type { Ns, HostMemorySpec, MemoryProfile } from './system.js';
import type { Job, Task } from './entities.js';
import { evictedBytes, memoryTraffic, occupancyShares, progressRate, reloadNs, residentBytes, sharingStall, touchedBytes } from './cache-model.js';

/** A task's cache state on this host. */
interface TaskCache {
  readonly task: Task;
  readonly slot: number;
  readonly profile: MemoryProfile;
  /** Reload still owed before its work goes on (ns of CPU at no progress). */
  reloadNs: Ns;
  /** Has run here at all: its first load is part of its solo demand (cache.md §2.3). */
  started: boolean;
  /** Per cache instance, everyone's touched-bytes counters when it last left it (undefined: never there). */
  readonly leftAt: (Float64Array | undefined)[];
  /** Reload charged so far (ns), for results. */
  reloadTotalNs: Ns;
}

export class HostInterference {
  /** levelInstance[level][cpu]: the global index of the instance of `level` that serves `cpu`. */
  private readonly levelInstance: number[][];
  /** Per instance, per task slot: distinct bytes touched there so far (cumulative; differences matter). */
  private readonly touched: Float64Array[];
  private readonly byTask = new Map<Task, TaskCache>();
  private readonly caches: TaskCache[] = [];
  /** The task whose data each CPU is working on (null: none with a memory profile). */
  private readonly running: (TaskCache | null)[];
  /** Progress per ns of CPU of the task on each CPU (1 alone). */
  private readonly rates: Float64Array;
  // Scratch of the rate computation.
  private readonly group: TaskCache[] = [];
  private readonly groupProfiles: MemoryProfile[] = [];
  private readonly shares: number[] = [];
  private readonly missing: number[];

  constructor(
    readonly memory: HostMemorySpec,
    cpus: number,
    tasks: readonly Task[],
  ) {
    let instances = 0;
    this.levelInstance = memory.levels.map((level) => {
      const base = instances;
      instances += Math.ceil(cpus / level.sharedBy);
      return Array.from({ length: cpus }, (_, cpu) => base + Math.floor(cpu / level.sharedBy));
    });
    for (const task of tasks) {
      const profile = task.spec.memory;
      if (profile === undefined || profile.workingSetBytes <= 0) continue;
      const cache: TaskCache = { task, slot: this.caches.length, profile, reloadNs: 0, started: false, leftAt: new Array(instances), reloadTotalNs: 0 };
      this.caches.push(cache);
      this.byTask.set(task, cache);
    }
    this.touched = Array.from({ length: instances }, () => new Float64Array(this.caches.length));
    this.running = new Array<TaskCache | null>(cpus).fill(null);
    this.rates = new Float64Array(cpus).fill(1);
    this.missing = new Array<number>(memory.levels.length).fill(0);
  }

  /** Reload each task was charged over the run (ns), for results; tasks without a profile are absent. */
  reloadTotals(): Map<Task, Ns> {
    return new Map(this.caches.map((c) => [c.task, c.reloadTotalNs]));
  }

  /**
   * Work `task`'s job did in `useful` ns of CPU on `cpu` (which the caller has not yet credited):
   * the reload it owes first, then progress at the CPU's rate. Its touches are recorded on the
   * cache instances of the CPU.
   */
  progress(cpu: number, task: Task, job: Job, useful: Ns): Ns {
    const cache = this.byTask.get(task);
    if (cache === undefined || job.wallNs !== undefined) return Math.min(useful, job.remaining);
    const touched = touchedBytes(cache.profile, this.memory, useful);
    for (let level = 0; level < this.levelInstance.length; level++) this.touched[this.levelInstance[level][cpu]][cache.slot] += touched;
    const paid = Math.min(useful, cache.reloadNs);
    cache.reloadNs -= paid;
    const working = useful - paid;
    if (working <= 0) return 0;
    const rate = this.rates[cpu];
    if (rate === 1) return Math.min(working, job.remaining);
    return working >= Math.ceil(job.remaining / rate) ? job.remaining : Math.min(job.remaining, Math.floor(working * rate));
  }

  /** CPU time the job on `cpu` still needs to complete (its reload first). */
  timeToFinish(cpu: number, task: Task, job: Job): Ns {
    const cache = this.byTask.get(task);
    if (cache === undefined || job.wallNs !== undefined) return job.remaining;
    const rate = this.rates[cpu];
    return cache.reloadNs + (rate === 1 ? job.remaining : Math.ceil(job.remaining / rate));
  }

  /**
   * Who works on each CPU now (`leaves[cpu]`: the task with a job there, or null), called once the
   * CPUs are settled up to this instant: tasks that left snapshot their caches, tasks that arrived
   * owe the reload of what was evicted meanwhile, and every rate is recomputed. Returns whether
   * anything changed (the caller then re-arms the completions).
   */
  update(leaves: readonly (Task | null)[]): boolean {
    let changed = false;
    for (let cpu = 0; cpu < leaves.length; cpu++) {
      const now = this.cacheOf(leaves[cpu]);
      const before = this.running[cpu];
      if (before === now || before === null) continue;
      this.leave(before, cpu);
      this.running[cpu] = null;
      changed = true;
    }
    for (let cpu = 0; cpu < leaves.length; cpu++) {
      const now = this.cacheOf(leaves[cpu]);
      if (this.running[cpu] === now) continue;
      this.running[cpu] = now;
      if (now !== null) this.arrive(now, cpu);
      changed = true;
    }
    if (changed) this.recomputeRates();
    return changed;
  }

  private cacheOf(task: Task | null): TaskCache | null {
    return task === null ? null : (this.byTask.get(task) ?? null);
  }

  private leave(cache: TaskCache, cpu: number): void {
    for (let level = 0; level < this.levelInstance.length; level++) {
      const instance = this.levelInstance[level][cpu];
      const counters = this.touched[instance];
      const saved = cache.leftAt[instance];
      if (saved === undefined) cache.leftAt[instance] = Float64Array.from(counters);
      else saved.set(counters);
    }
  }

  /** The reload `cache` owes on `cpu` (cache.md §2.1, §2.2; its very first load is free, §2.3). */
  private arrive(cache: TaskCache, cpu: number): void {
    const first = !cache.started;
    cache.started = true;
    const levels = this.memory.levels;
    for (let level = 0; level < levels.length; level++) {
      const instance = this.levelInstance[level][cpu];
      const own = residentBytes(cache.profile, levels[level]);
      const leftAt = cache.leftAt[instance];
      if (first) this.missing[level] = 0;
      else if (leftAt === undefined) this.missing[level] = own; // a cache it never used: migration delay
      else this.missing[level] = evictedBytes(own, this.interveningBytes(cache, instance, leftAt), levels[level], this.memory.lineBytes);
    }
    if (first) return;
    const owed = Math.round(reloadNs(this.memory, this.missing));
    cache.reloadNs += owed;
    cache.reloadTotalNs += owed;
  }

  /** Distinct bytes the other tasks brought into `instance` since `cache` left it: each at most its working set. */
  private interveningBytes(cache: TaskCache, instance: number, leftAt: Float64Array): number {
    const counters = this.touched[instance];
    let bytes = 0;
    for (const other of this.caches) {
      if (other === cache) continue;
      const since = counters[other.slot] - leftAt[other.slot];
      if (since > 0) bytes += Math.min(other.profile.workingSetBytes, since);
    }
    return bytes;
  }

  /** Each running task's rate from its co-runners on shared caches and the memory bus (cache.md §3). */
  private recomputeRates(): void {
    const levels = this.memory.levels;
    const last = levels.length - 1;
    const stall = new Float64Array(this.running.length);
    const heldLast = new Float64Array(this.running.length);
    for (let cpu = 0; cpu < this.running.length; cpu++) {
      const cache = this.running[cpu];
      if (cache !== null) heldLast[cpu] = residentBytes(cache.profile, levels[last]);
    }
    for (let level = 0; level < levels.length; level++) {
      if (levels[level].sharedBy <= 1) continue;
      const cpusOf = this.levelInstance[level];
      for (let first = 0; first < cpusOf.length; first++) {
        if (first > 0 && cpusOf[first] === cpusOf[first - 1]) continue; // one visit per instance
        const group = this.group;
        const profiles = this.groupProfiles;
        group.length = 0;
        profiles.length = 0;
        const members: number[] = [];
        for (let cpu = first; cpu < cpusOf.length && cpusOf[cpu] === cpusOf[first]; cpu++) {
          const cache = this.running[cpu];
          if (cache === null) continue;
          group.push(cache);
          profiles.push(cache.profile);
          members.push(cpu);
        }
        if (group.length < 2) continue;
        occupancyShares(profiles, levels[level].sizeBytes, this.shares);
        for (let m = 0; m < members.length; m++) {
          stall[members[m]] += sharingStall(profiles[m], this.memory, levels[level], this.shares[m]);
          if (level === last) heldLast[members[m]] = this.shares[m];
        }
      }
    }
    let demand = 0;
    const traffic = new Float64Array(this.running.length);
    for (let cpu = 0; cpu < this.running.length; cpu++) {
      const cache = this.running[cpu];
      if (cache === null) continue;
      traffic[cpu] = memoryTraffic(cache.profile, this.memory, heldLast[cpu]);
      demand += traffic[cpu];
    }
    for (let cpu = 0; cpu < this.running.length; cpu++) {
      this.rates[cpu] = this.running[cpu] === null ? 1 : progressRate(stall[cpu], traffic[cpu], demand, this.memory);
    }
  }
}
