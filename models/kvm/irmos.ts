// The IRMOS hierarchical real-time scheduler (Checconi et al., OSPERT 2009; linux-irmos.md §2): a
// modified POSIX RT class where every task group owns one hard-CBS server (Q, P) on each CPU of its
// cpuset, servers compete by EDF on each CPU, and the group's FIFO/RR tasks compete by priority
// inside their server. Tasks of a multi-CPU group migrate among its per-CPU servers by push/pull
// (§2.6, level L2) so that the group's highest-priority ready tasks run where the group holds a CPU.
//
// Modelling choices ([M], see also cbs.ts):
// - Flat hierarchy (§2.7 default): every group's task-server sits in the same per-CPU EDF queue; the
//   root group (tasks outside any group) is the group with id '' configured by the model. The
//   nested mode and admission control (§2.8) are the model's business (see bandwidthPerCpu()).
// - Enforcement is exact by default (§1.3 'exact': an exhaustion timer armed when a task of the
//   server starts); 'tick' charges only at ticks and switches, so a server may overrun by < 1 tick
//   and repays it as debt at replenishment (§2.4.4).
// - EDF ties between servers: first ready first (§2.3 [M]).
// - A server's "current priority" is the highest priority queued in it (Linux's rt_rq
//   highest_prio), whether or not its CPU runs it right now.
// - Push/pull move a task only where it would run at once: to a non-throttled server whose top
//   priority is lower and which is (or, once activated, would be) the EDF choice of its CPU. A waking
//   task is also placed away from a local server that loses EDF on its CPU (an extension of the
//   §2.6 trigger, in the spirit of the L1 property).
// - migrateOnThrottle (§2.6, §2.11; default false): when false, tasks queued on a throttled server
//   stay there (neither pushed at throttle time nor pulled by other CPUs) until it is replenished, so
//   a busy thread sees only Q/P (§2.9 isolation). A *waking* task is still placed on a server with
//   budget (§2.6 push trigger "or s[g,k] is THROTTLED"), so a thread that blocks often can chain
//   budgets of several CPUs even when it is false.
// - RR quantum: decremented by one tick at each host tick (Linux task_tick_rt); on expiry the task is
//   refilled and goes to the tail of its priority level if it shares it (§2.5).
// - sched_yield: the task goes to the tail of its priority level inside its server (the RT class's
//   yield_task_rt → requeue_task_rt); the server keeps its place, as servers are ordered by deadline.

import type { Ns } from '../../src/scenario/types.js';
import type { HostEntity } from '../../src/engine/entities.js';
import type { ClassNeeds, PolicyContext, SchedClass } from '../../src/engine/policy.js';
import { objectArray, objectArrayOf } from '../../src/engine/object-array.js';
import { CbsState, type CbsServer } from './cbs.js';
import { before, IrmosGroup, IrmosServer, taskOf, topPriority, topTask, type IrmosServerOwner, type IrmosTask } from './irmos-server.js';

export interface IrmosGroupConfig {
  /** cgroup name; '' is the root group (tasks not attached to any group). */
  id: string;
  /** Q = cpu.rt_runtime_us (ns), per CPU. */
  runtimeNs: Ns;
  /** P = cpu.rt_period_us (ns). */
  periodNs: Ns;
  /** The group's cpuset: one server (Q, P) per CPU (§2.6). */
  cpus: number[];
}

export interface IrmosOptions {
  groups: IrmosGroupConfig[];
  /** Whether throttling alone pushes a group's tasks to its other CPUs (§2.6). Default false. */
  migrateOnThrottle?: boolean;
  /** SCHED_RR quantum (sched_rr_timeslice_ms, §0 row 6). Default 100 ms. */
  rrQuantumNs?: Ns;
  /** Budget enforcement (§1.3, §2.11). Default 'exact'. */
  enforcement?: 'exact' | 'tick';
}

export interface IrmosAdmitConfig {
  /** POSIX RT priority 1..99 (higher is more urgent), meaningful only inside the group (§2.5). */
  priority: number;
  /** SCHED_RR rather than SCHED_FIFO. */
  rr: boolean;
  /** Group id ('' = root group). */
  group: string;
}

export const DEFAULT_RR_QUANTUM_NS = 100_000_000;

export class IrmosClass implements SchedClass<IrmosAdmitConfig>, IrmosServerOwner {
  readonly name = 'irmos';
  /** Some admitted task is SCHED_RR (its quantum runs on the tick). */
  private hasRr = false;

  private readonly groups = new Map<string, IrmosGroup>();
  private readonly perCpu: IrmosServer[][];
  /**
   * Per CPU, its servers of mobile groups spanning several CPUs: the only ones a pull can fill (§2.6).
   * A group joins when its first mobile task is admitted (IrmosGroup.mobile), so a host whose groups
   * are all pinned — the 4-vCPU EDF guest, each vCPU on its own pCPU — visits none at each re-pick.
   */
  private pullersOn: IrmosServer[][];
  private readonly migrateOnThrottle: boolean;
  private readonly rrQuantumNs: Ns;
  private readonly exact: boolean;
  /** Whether a trace takes the class's notes (PolicyContext.notesObserved): otherwise none is made (issue 14). */
  private readonly notes: boolean;
  private readonly configs: IrmosGroupConfig[];
  private seq = 0;
  private pushes = 0;
  private pulls = 0;

  constructor(
    private readonly ctx: PolicyContext,
    opts: IrmosOptions,
  ) {
    this.migrateOnThrottle = opts.migrateOnThrottle ?? false;
    this.rrQuantumNs = opts.rrQuantumNs ?? DEFAULT_RR_QUANTUM_NS;
    this.exact = (opts.enforcement ?? 'exact') === 'exact';
    this.notes = ctx.notesObserved !== false;
    this.perCpu = Array.from({ length: ctx.cpuCount }, () => []);
    this.configs = opts.groups.map((g) => ({ ...g, cpus: [...g.cpus] }));
    for (const cfg of this.configs) {
      if (this.groups.has(cfg.id)) throw new RangeError(`IRMOS group '${cfg.id}' is configured twice`);
      const cpus = [...new Set(cfg.cpus)].sort((a, b) => a - b);
      if (cpus.length === 0) throw new RangeError(`IRMOS group '${cfg.id}' has an empty cpuset`);
      for (const c of cpus) {
        if (!Number.isInteger(c) || c < 0 || c >= ctx.cpuCount) {
          throw new RangeError(`IRMOS group '${cfg.id}': CPU ${c} is not on this host (0..${ctx.cpuCount - 1})`);
        }
      }
      const group = new IrmosGroup(cfg.id, cpus);
      for (const c of cpus) {
        const s = new IrmosServer(this, group, c, ctx, cfg);
        group.servers[c] = s;
        this.perCpu[c].push(s);
      }
      this.groups.set(cfg.id, group);
    }
    this.pullersOn = this.perCpu.map(() => objectArray<IrmosServer>());
  }

  /** Attach `e` to a group as a FIFO/RR task (and make this class its schedClass). Call inside the model's build(). */
  admit(e: HostEntity, cfg: IrmosAdmitConfig): void {
    const group = this.groups.get(cfg.group);
    if (group === undefined) {
      throw new RangeError(`${e.id}: IRMOS group '${cfg.group}' is not configured (groups: ${[...this.groups.keys()].map((k) => `'${k}'`).join(', ')})`);
    }
    if (!Number.isInteger(cfg.priority) || cfg.priority < 1 || cfg.priority > 99) {
      throw new RangeError(`${e.id}: RT priority must be an integer in 1..99, got ${cfg.priority}`);
    }
    const home = group.cpus.find((c) => e.allows(c));
    if (home === undefined) {
      throw new RangeError(`${e.id}: affinity [${e.affinity.join(', ')}] does not meet group '${group.id}' cpuset [${group.cpus.join(', ')}]`);
    }
    const mobile = group.cpus.filter((c) => e.allows(c)).length > 1;
    if (mobile && !group.mobile) {
      group.mobile = true;
      // In each CPU's server order, as before: balance() visits them in that order.
      this.pullersOn = this.perCpu.map((list) => objectArrayOf(list.filter((s) => s.group.mobile && s.group.cpus.length > 1)));
    }
    const task: IrmosTask = {
      entity: e, priority: cfg.priority, rr: cfg.rr, group, home, mobile,
      order: 0, rrLeftNs: this.rrQuantumNs, server: null, runServer: null,
    };
    e.slot = task;
    e.schedClass = this;
    if (cfg.rr) this.hasRr = true;
  }

  // ---- SchedClass ------------------------------------------------------------------------

  /**
   * The tick only for RR quanta and tick enforcement, so hosts without them pay no ticks. With exact
   * enforcement a charge is only the server's c −= delta, exhausting at c ≤ 0 exactly when its
   * enforcement timer fires: split anywhere else, the same (issue 14).
   */
  needs(): ClassNeeds {
    // A server lives on one CPU; a group ties only its cpuset (push/pull, §2.6); `seq` orders
    // servers of one CPU and tasks of one group: the engine may run the groups' islands apart.
    return { tick: this.hasRr || !this.exact, idleTime: false, chargeSplits: this.exact, cpuCoupling: this.configs.map((c) => c.cpus) };
  }

  enqueue(e: HostEntity): void {
    const t = taskOf(e);
    const g = t.group;
    // select_task_rq: start from the runqueue it last used (cache affinity), else its home CPU. The
    // home is read on every call: read only at an entity's first wake-up, which a run's first calls
    // made before V8 kept type feedback, it deoptimised enqueue in every later run (issue 14).
    // A task that is not mobile has one CPU of its group in its affinity, its home: the runqueue it
    // last used is that one (no affinity lookup per wake-up, issue 14).
    const home = t.home;
    let s = g.servers[t.mobile && e.cpu >= 0 && g.servers[e.cpu] !== undefined && e.allows(e.cpu) ? e.cpu : home]!;
    // §2.6 L2 push on wake-up: the local server is throttled or busy with equal-or-higher priority.
    if (t.mobile && !this.canRunAt(s, t.priority)) {
      const j = this.pushTarget(t, s.cpu);
      if (j >= 0) {
        s = g.servers[j]!;
        this.pushes++;
      }
    }
    if (t.rr && t.rrLeftNs <= 0) t.rrLeftNs = this.rrQuantumNs;
    this.insert(t, s);
  }

  dequeue(e: HostEntity): void {
    const t = taskOf(e);
    if (t.server !== null) this.remove(t); // §2.4.5: the last one out makes the server EMPTY; pull at balance()
  }

  /** §2.3 EDF among ready servers of this CPU, then §2.5 highest priority inside the winner. */
  pickNext(cpu: number): HostEntity | null {
    const s = this.edfChoice(cpu, null);
    return s === null ? null : topTask(s);
  }

  /** §2.6 pull: the CPU is being re-picked, so some server here may have room for a waiting task. */
  balance(cpu: number): void {
    // Only servers of mobile multi-CPU groups can pull (pullersOn); a host of single-vCPU VMUs, or
    // of VMUs whose vCPUs are each pinned to one CPU of their group, has none to visit.
    const list = this.pullersOn[cpu];
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (this.winsEdf(s)) this.pullInto(s);
    }
  }

  /** §2.4.2 execution: the budget of the server it ran in decreases at rate 1. */
  charge(e: HostEntity, _cpu: number, deltaNs: Ns): void {
    const t = taskOf(e);
    const s = t.runServer ?? t.server;
    if (s !== null) s.cbs.consume(deltaNs);
  }

  started(e: HostEntity, _cpu: number): void {
    const t = taskOf(e);
    t.runServer = t.server;
    if (this.exact && t.server !== null) t.server.cbs.armEnforcement();
  }

  stopped(e: HostEntity, _cpu: number): void {
    const t = taskOf(e);
    const s = t.runServer;
    t.runServer = null;
    if (s !== null) s.cbs.cancelEnforcement();
    // Push after schedule (§2.6): a pre-empted task goes where it would run at once.
    if (e.runnable && t.server !== null && t.mobile) {
      if (t.server.cbs.throttledNow && !this.migrateOnThrottle) return;
      const j = this.pushTarget(t, t.server.cpu);
      if (j >= 0) {
        this.move(t, t.group.servers[j]!);
        this.pushes++;
      }
    }
  }

  /** sched_yield (header): to the tail of its priority level; the engine re-picks. */
  yield(e: HostEntity): void {
    taskOf(e).order = ++this.seq;
  }

  stats(): Record<string, number> {
    let throttles = 0;
    let replenishments = 0;
    let wakeResets = 0;
    let lagResets = 0;
    const out: Record<string, number> = {};
    for (const g of this.groups.values()) {
      for (const c of g.cpus) {
        const cbs = g.servers[c]!.cbs;
        throttles += cbs.throttles;
        replenishments += cbs.replenishments;
        wakeResets += cbs.wakeResets;
        lagResets += cbs.lagResets;
      }
      out[`throttles:${g.id}`] = g.throttles;
    }
    return { throttles, replenishments, wakeResets, lagResets, pushes: this.pushes, pulls: this.pulls, ...out };
  }

  /**
   * New runtime/period for group `id` on every CPU of its cpuset: a write of its cpu.rt_runtime_us /
   * cpu.rt_period_us once admission (§2.8) accepted it (issue 13 renegotiation). What the IRMOS patch
   * did to the budget and deadline in progress is not documented [M]: each server keeps them and the
   * new values apply from its next replenishment, as SCHED_DEADLINE's __setparam_dl (CbsServer.setParams).
   */
  setGroupParams(id: string, runtimeNs: Ns, periodNs: Ns): void {
    const group = this.groups.get(id);
    if (group === undefined) throw new RangeError(`IRMOS group '${id}' is not configured`);
    const cfg = this.configs.find((c) => c.id === id)!;
    cfg.runtimeNs = runtimeNs;
    cfg.periodNs = periodNs;
    for (const c of group.cpus) {
      group.servers[c]!.cbs.setParams({ runtimeNs, deadlineNs: periodNs, periodNs }, this.ctx.now);
      this.ctx.resched(c);
    }
  }

  // ---- inspection ------------------------------------------------------------------------

  /** Σ Q/P of the servers on each CPU, with the groups contributing (for the model's admission control, §2.8). */
  bandwidthPerCpu(): Map<number, { sum: number; members: string[] }> {
    const out = new Map<number, { sum: number; members: string[] }>();
    for (const cfg of this.configs) {
      for (const c of this.groups.get(cfg.id)!.cpus) {
        let row = out.get(c);
        if (row === undefined) out.set(c, (row = { sum: 0, members: [] }));
        row.sum += cfg.runtimeNs / cfg.periodNs;
        row.members.push(cfg.id);
      }
    }
    return out;
  }

  /** The server of `group` on `cpu` (read it, do not drive it): for traces and tests. */
  server(group: string, cpu: number): CbsServer | undefined {
    return this.groups.get(group)?.servers[cpu]?.cbs;
  }

  // ---- server hooks ----------------------------------------------------------------------

  /** §2.4.3: out of the EDF queue until d; its tasks stay queued unless migrateOnThrottle. */
  onThrottled(s: IrmosServer): void {
    if (this.notes) this.ctx.note('throttle', s.cpu, topTask(s)); // for traces: budget exhausted
    this.ctx.resched(s.cpu);
    if (this.migrateOnThrottle) this.pushFrom(s);
  }

  /** §2.4.4: ready again → EDF pre-emption check (resched), and spread its waiting tasks. */
  onReplenished(s: IrmosServer): void {
    if (this.notes) this.ctx.note('replenish', s.cpu, topTask(s)); // for traces (null entity: an empty server)
    if (s.cbs.state !== CbsState.ready) {
      // An empty server of a multi-CPU group has budget again: re-pick its CPU so balance() can
      // pull a waiting task of the group there (§2.6 pull "it was replenished").
      if (s.group.cpus.length > 1) this.ctx.resched(s.cpu);
      return;
    }
    s.readySeq = ++this.seq;
    if (!this.keepsPick(s)) this.ctx.resched(s.cpu);
    this.pushFrom(s);
  }

  onEnforce(s: IrmosServer): void {
    this.ctx.settle(s.cpu);
  }

  // ---- runqueues -------------------------------------------------------------------------

  private insert(t: IrmosTask, s: IrmosServer): void {
    t.order = ++this.seq;
    t.entity.cpu = s.cpu;
    t.server = s;
    s.tasks.push(t.entity);
    // §2.4.1 activation of an EMPTY server (wake-up test inside CbsServer.activate).
    if (s.tasks.length === 1 && s.cbs.activate()) s.readySeq = ++this.seq;
    if (!this.keepsPick(s)) this.ctx.resched(s.cpu);
  }

  private remove(t: IrmosTask): void {
    const s = t.server!;
    const list = s.tasks;
    // Queued here (t.server): a scan of a few, without indexOf's builtin call; bounded, so that a
    // broken invariant fails loudly instead of scanning past the end for ever.
    let i = 0;
    while (i < list.length && list[i] !== t.entity) i++;
    if (i === list.length) throw new Error(`IRMOS: task ${t.entity.id} is not queued on the server of CPU ${s.cpu} it names`);
    list[i] = list[list.length - 1];
    list.pop();
    t.server = null;
    if (list.length === 0) s.cbs.deactivate();
    this.ctx.resched(s.cpu);
  }

  private move(t: IrmosTask, to: IrmosServer): void {
    this.remove(t);
    this.insert(t, to);
  }

  /**
   * check_preempt_curr for a server given work or budget: its CPU's choice stays as it is when the
   * IRMOS task running there runs in another ready server that still wins EDF against `s` (§2.3;
   * `s` became ready last, so an equal deadline keeps the running one). The CPU is then not
   * re-picked for this (issue 14: about a third of the re-picks at 64 pCPUs chose the running vCPU
   * again) — only where that re-pick's settle is an invisible split (ctx.splitSettleInvisible:
   * exact enforcement, an exact guest charge) and no pull could run at it (balance(): no server of
   * a mobile group on the CPU). Anything else that changes the CPU's choice in this instant asks
   * for its re-pick as before.
   */
  private keepsPick(s: IrmosServer): boolean {
    const cpu = s.cpu;
    const cur = this.ctx.current(cpu);
    if (cur === null || cur.schedClass !== this) return false;
    const r = taskOf(cur).runServer;
    if (r === null || r === s || r.cbs.state !== CbsState.ready) return false;
    const cbs = s.cbs;
    if (cbs.state === CbsState.ready && (cbs.deadline < r.cbs.deadline || (cbs.deadline === r.cbs.deadline && s.readySeq < r.readySeq))) return false;
    if (this.pullersOn[cpu].length > 0) return false; // servers of mobile groups only
    return this.ctx.splitSettleInvisible?.(cpu) === true;
  }

  // ---- EDF and push/pull (§2.3, §2.6) ------------------------------------------------------

  /** Earliest-deadline ready server on `cpu`, ignoring `except`; ties: first ready. */
  private edfChoice(cpu: number, except: IrmosServer | null): IrmosServer | null {
    const list = this.perCpu[cpu];
    let best: IrmosServer | null = null;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s === except || s.cbs.state !== CbsState.ready) continue;
      if (
        best === null ||
        s.cbs.deadline < best.cbs.deadline ||
        (s.cbs.deadline === best.cbs.deadline && s.readySeq < best.readySeq)
      ) {
        best = s;
      }
    }
    return best;
  }

  /** Whether `s` is (or, if activated now, would be) the EDF choice of its CPU. */
  private winsEdf(s: IrmosServer): boolean {
    const cbs = s.cbs;
    if (cbs.state !== CbsState.ready && cbs.state !== CbsState.idle) return false;
    const rival = this.edfChoice(s.cpu, s);
    if (cbs.state === CbsState.ready) {
      return rival === null || cbs.deadline < rival.cbs.deadline || (cbs.deadline === rival.cbs.deadline && s.readySeq < rival.readySeq);
    }
    const now = this.ctx.now;
    const reset = cbs.wouldReset(now);
    if (!reset && cbs.budgetNs <= 0) return false;
    if (rival === null) return true;
    return (reset ? now + cbs.deadlineNs : cbs.deadline) < rival.cbs.deadline;
  }

  /** The task `s` runs (or is about to run) on its CPU, if any. */
  private wouldPick(s: IrmosServer): HostEntity | null {
    return s.cbs.state === CbsState.ready && this.winsEdf(s) ? topTask(s) : null;
  }

  /** A task of priority `prio` queued on `s` would run at once. */
  private canRunAt(s: IrmosServer, prio: number): boolean {
    return !s.cbs.throttledNow && topPriority(s) < prio && this.winsEdf(s);
  }

  /**
   * §2.6 push target: a CPU of the group (and of t's affinity) whose server is not throttled, runs
   * lower-priority group work or none, and holds its CPU by EDF. Lowest priority first, then the
   * task's last CPU, then the lowest index. -1 when none.
   */
  private pushTarget(t: IrmosTask, from: number): number {
    const cpus = t.group.cpus;
    let best = -1;
    let bestPrio = Infinity;
    for (let i = 0; i < cpus.length; i++) {
      const j = cpus[i];
      if (j === from || !t.entity.allows(j)) continue;
      const s = t.group.servers[j]!;
      if (!this.canRunAt(s, t.priority)) continue;
      const p = topPriority(s);
      if (p < bestPrio || (p === bestPrio && j === t.entity.lastCpu)) {
        best = j;
        bestPrio = p;
      }
    }
    return best;
  }

  /** Push the waiting tasks of `s`, highest priority first, while each finds a target. */
  private pushFrom(s: IrmosServer): void {
    if (!s.group.mobile || (s.cbs.throttledNow && !this.migrateOnThrottle)) return;
    const keep = this.wouldPick(s);
    for (let guard = s.tasks.length; guard > 0; guard--) {
      let cand: IrmosTask | null = null;
      for (let i = 0; i < s.tasks.length; i++) {
        const e = s.tasks[i];
        if (e.runningOn >= 0 || e === keep) continue;
        const t = taskOf(e);
        if (cand === null || before(t, cand)) cand = t;
      }
      if (cand === null) return;
      const j = this.pushTarget(cand, s.cpu);
      if (j < 0) return;
      this.move(cand, s.group.servers[j]!);
      this.pushes++;
    }
  }

  /** §2.6 pull into `s`: the highest-priority waiting task of the group, elsewhere, that beats s's top. */
  private pullInto(s: IrmosServer): void {
    const floor = topPriority(s);
    const g = s.group;
    let best: IrmosTask | null = null;
    for (let i = 0; i < g.cpus.length; i++) {
      const src = g.servers[g.cpus[i]]!;
      if (src === s || src.tasks.length === 0) continue;
      if (src.cbs.throttledNow && !this.migrateOnThrottle) continue;
      const keep = this.wouldPick(src);
      for (let k = 0; k < src.tasks.length; k++) {
        const e = src.tasks[k];
        if (e.runningOn >= 0 || e === keep || !e.allows(s.cpu)) continue;
        const t = taskOf(e);
        if (t.priority > floor && (best === null || before(t, best))) best = t;
      }
    }
    if (best !== null) {
      this.move(best, s);
      this.pulls++;
    }
  }

  // ---- tick ------------------------------------------------------------------------------

  /** §2.5 RR quantum; with tick enforcement the engine's settle before each tick does the charging. */
  tick(cpu: number, curr: HostEntity | null): void {
    if (curr === null || curr.schedClass !== this) return;
    const t = taskOf(curr);
    if (!t.rr) return;
    t.rrLeftNs -= this.ctx.tickNs;
    if (t.rrLeftNs > 0) return;
    t.rrLeftNs = this.rrQuantumNs;
    const s = t.server;
    if (s === null) return;
    for (let i = 0; i < s.tasks.length; i++) {
      const e = s.tasks[i];
      if (e !== curr && taskOf(e).priority === t.priority) {
        t.order = ++this.seq; // to the tail of its priority level
        this.ctx.resched(cpu);
        return;
      }
    }
  }
}
