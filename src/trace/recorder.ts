// Schedule traces: a SimObserver that records one run as Chrome trace-event JSON (the "JSON Object
// Format" that Perfetto and chrome://tracing open). See docs/trace.md for the layout.
//
// Tracks (pid = a process row in the viewer, tid = a thread row inside it):
// - per host, one track per pCPU: which host entity runs there (complete events, ph 'X');
// - per VMU, one track per vCPU (on which pCPU it runs) and one per task (when its job executes:
//   its vCPU runs AND the guest placed it there), with job releases, completions and deadline
//   misses as instant events (ph 'i') on the task track;
// - per host, one track per host entity that is not a vCPU (host threads today; any entity the
//   model adds — dom0 vCPUs come with their own VMU, I/O threads — gets its track the same way).
// Policy events (PolicyContext.note: budget exhaustion/throttle, replenishment, I/O work…) are
// instants on the pCPU track and, when they name an entity, on that entity's track too.
//
// Size is bounded: an optional window [from, to] (intervals are clipped to it) and a cap on
// recorded events; past the cap nothing more is recorded, the intervals still open are closed at
// the cut instant, and the document says so (otherData.truncated, a global 'trace cut' instant).
// Output is deterministic: events are sorted by (time, recording order) and serialised one per line.

import type { HostEntity, Job, Task } from '../engine/entities.js';
import type { SimObserver } from '../engine/simulator.js';
import type { Ns, Scenario } from '../scenario/types.js';
import { formatDuration } from '../scenario/units.js';

export const DEFAULT_MAX_EVENTS = 200_000;

export interface TraceOptions {
  /** Start of the window (ns, default 0). */
  fromNs?: Ns;
  /** End of the window (ns, default: the end of the run). */
  toNs?: Ns;
  /** Cap on recorded (non-metadata) events; default DEFAULT_MAX_EVENTS. */
  maxEvents?: number;
}

/** One trace event as written (the subset of the trace-event format hvsim uses). */
export interface TraceEvent {
  name: string;
  cat?: string;
  ph: 'X' | 'i' | 'M';
  /** Microseconds (ns / 1000; fractional). */
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  /** Instant scope: 't' thread, 'g' global. */
  s?: 't' | 'g';
  args?: Record<string, string | number | boolean>;
}

export interface TraceDocument {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ns';
  otherData: TraceInfo;
}

export interface TraceInfo {
  generator: 'hvsim';
  format: 'hvsim-trace/1';
  scenario: string;
  model: string;
  seed: number;
  /** Window actually covered, in ns. */
  fromNs: Ns;
  toNs: Ns;
  maxEvents: number;
  /** Recorded events (metadata excluded). */
  events: number;
  truncated: boolean;
  /** Set when truncated: the simulated instant from which events were dropped. */
  cutAtNs?: Ns;
  /** Events dropped after the cut. */
  droppedEvents?: number;
  note: string;
}

/** Where an event goes before pids/tids are assigned. */
type TrackKey = string;

interface Pending {
  ph: 'X' | 'i';
  name: string;
  cat: string;
  startNs: Ns;
  durNs: Ns;
  track: TrackKey;
  args?: Record<string, string | number | boolean>;
  seq: number;
}

interface Track {
  key: TrackKey;
  process: string;
  name: string;
  /** Order inside its process. */
  order: number;
}

interface Process {
  key: string;
  name: string;
  /** Host order, kind (pCPUs, VMU, host threads), creation order. */
  sort: [number, number, number];
}

interface OpenRun {
  start: Ns;
  entity: HostEntity;
}

interface OpenTask {
  start: Ns;
  task: Task;
  cpu: number;
}

const PROC_CPUS = 0;
const PROC_VMU = 1;
const PROC_HOST_THREADS = 2;

/** Records a run; call finish() after the run, then document(). */
export class TraceRecorder implements SimObserver {
  readonly fromNs: Ns;
  readonly toNs: Ns;
  readonly maxEvents: number;

  private readonly events: Pending[] = [];
  private seq = 0;
  private cutAt: Ns | undefined;
  private dropped = 0;
  private finished = false;
  /** Flushing open intervals at the cut or the end: those are recorded past the cap. */
  private closing = false;
  private readonly tracks = new Map<TrackKey, Track>();
  private readonly processes = new Map<string, Process>();
  private readonly hostOrder = new Map<string, number>();
  /** Per host, per pCPU: the entity running there since `start`. */
  private readonly cpuRuns = new Map<string, (OpenRun | null)[]>();
  /** Per entity: the pCPU it runs on since `start`. */
  private readonly entityRuns = new Map<HostEntity, { cpu: number; start: Ns; host: string }>();
  /** Per vCPU: the task the guest placed on it. */
  private readonly placed = new Map<HostEntity, Task | null>();
  /** Per entity: the task executing through it since `start`. */
  private readonly taskRuns = new Map<HostEntity, OpenTask>();
  private readonly jobIndex = new WeakMap<Job, number>();
  private readonly jobCount = new Map<Task, number>();
  private readonly seenTasks: Task[] = [];
  private readonly taskSeen = new Set<Task>();

  constructor(
    readonly scenario: Scenario,
    readonly model: string,
    readonly seed: number,
    options: TraceOptions = {},
  ) {
    this.fromNs = options.fromNs ?? 0;
    this.toNs = Math.min(options.toNs ?? scenario.durationNs, scenario.durationNs);
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    if (!(this.fromNs >= 0 && this.fromNs < this.toNs)) throw new RangeError(`trace window [${this.fromNs}, ${this.toNs}] is empty`);
    if (!(Number.isInteger(this.maxEvents) && this.maxEvents >= 1)) throw new RangeError(`maxEvents must be a whole number >= 1, got ${this.maxEvents}`);
    // Name the tracks the scenario declares up front, so they appear in scenario order.
    scenario.hosts.forEach((h, i) => {
      this.hostOrder.set(h.id, i);
      this.cpuRuns.set(h.id, Array.from({ length: h.cpus }, () => null));
      for (let c = 0; c < h.cpus; c++) this.cpuTrack(h.id, c);
    });
    scenario.vmus.forEach((v) => {
      for (let i = 0; i < v.vcpus; i++) this.track(`e:${v.id}/vcpu${i}`, this.vmuProcess(v.id, v.host), `vCPU ${i}`, i);
      v.tasks.forEach((t, i) => this.track(`t:${t.id}`, this.vmuProcess(v.id, v.host), `task ${t.id}`, 1000 + i));
    });
    scenario.hostThreads.forEach((t, i) => this.track(`e:${t.id}`, this.hostThreadsProcess(t.host), `thread ${t.id}`, i));
  }

  // ---- SimObserver -------------------------------------------------------------------------

  dispatch(now: Ns, host: string, cpu: number, entity: HostEntity | null): void {
    this.checkCap(now);
    let runs = this.cpuRuns.get(host);
    if (runs === undefined) this.cpuRuns.set(host, (runs = []));
    const open = runs[cpu] ?? null;
    if (open !== null) {
      if (open.entity === entity) return;
      this.interval(this.cpuTrack(host, cpu), open.entity.id, 'cpu', open.start, now, entityArgs(open.entity));
      runs[cpu] = null;
      const er = this.entityRuns.get(open.entity);
      if (er !== undefined && er.cpu === cpu) {
        this.entityRuns.delete(open.entity);
        this.interval(this.entityTrack(open.entity, host), `pCPU ${cpu}`, 'vcpu', er.start, now, { cpu });
      }
      this.refreshTask(now, open.entity);
    }
    if (entity !== null) {
      runs[cpu] = { start: now, entity };
      this.entityRuns.set(entity, { cpu, start: now, host });
      this.refreshTask(now, entity);
    }
  }

  assign(now: Ns, _host: string, vcpu: HostEntity, task: Task | null): void {
    this.checkCap(now);
    this.placed.set(vcpu, task);
    this.refreshTask(now, vcpu);
  }

  release(now: Ns, task: Task, job: Job): void {
    this.checkCap(now);
    this.see(task);
    const n = (this.jobCount.get(task) ?? 0) + 1;
    this.jobCount.set(task, n);
    this.jobIndex.set(job, n);
    const args: Record<string, string | number | boolean> = { job: n, measured: job.measured };
    if (Number.isFinite(job.deadline)) args.deadlineNs = job.deadline;
    if (Number.isFinite(job.demand)) args.demandNs = job.demand;
    this.instant(this.taskTrack(task), 'release', 'job', now, args);
  }

  complete(now: Ns, task: Task, job: Job): void {
    this.checkCap(now);
    this.see(task);
    const n = this.jobIndex.get(job) ?? 0;
    this.instant(this.taskTrack(task), 'complete', 'job', now, { job: n, measured: job.measured, responseNs: now - job.release });
    if (now > job.deadline) {
      this.instant(this.taskTrack(task), 'deadline miss', 'job', job.deadline, {
        job: n,
        measured: job.measured,
        completed: true,
        tardinessNs: now - job.deadline,
      });
    }
  }

  policy(now: Ns, host: string, kind: string, cpu: number, entity: HostEntity | null): void {
    this.checkCap(now);
    const args: Record<string, string | number | boolean> = { cpu };
    if (entity !== null) args.entity = entity.id;
    if (cpu >= 0) this.instant(this.cpuTrack(host, cpu), kind, 'policy', now, args);
    if (entity !== null) this.instant(this.entityTrack(entity, host), kind, 'policy', now, args);
  }

  /** A live migration's step (src/engine/migration.ts): start, each round, pause, resume — instants on one track of their own. */
  migration(now: Ns, event: string, detail: string): void {
    this.checkCap(now);
    const key = 'm:migrations';
    if (!this.tracks.has(key)) this.track(key, this.process('migrations', 'live migrations', this.scenario.hosts[0]?.id ?? '', PROC_HOST_THREADS), 'pre-copy and stop-and-copy', 0);
    this.instant(key, event, 'migration', now, { detail });
  }

  slaChange(now: Ns, host: string, vcpus: readonly HostEntity[], admitted: boolean, args: Record<string, string | number>): void {
    this.checkCap(now);
    for (const v of vcpus) this.instant(this.entityTrack(v, host), admitted ? 'SLA change applied' : 'SLA change refused', 'lifecycle', now, args);
  }

  // ---- end of run --------------------------------------------------------------------------

  /** Close what is still open at `endNs` (the end of the run) and mark unfinished jobs past their deadline. */
  finish(endNs: Ns): void {
    if (this.finished) return;
    this.finished = true;
    this.checkCap(endNs);
    if (this.cutAt !== undefined) return; // what was open at the cut was recorded up to it
    this.closing = true;
    this.flushOpen(endNs);
    this.closing = false;
    for (const task of this.seenTasks) {
      for (const job of task.pendingJobs()) {
        if (job.deadline < endNs) {
          this.instant(this.taskTrack(task), 'deadline miss', 'job', job.deadline, {
            job: this.jobIndex.get(job) ?? 0,
            measured: job.measured,
            completed: false,
          });
        }
      }
    }
  }

  /** The trace document (call finish() first). */
  document(): TraceDocument {
    const { pidOf, tidOf, metadata } = this.layout();
    const sorted = this.events.slice().sort((a, b) => a.startNs - b.startNs || a.seq - b.seq);
    const traceEvents: TraceEvent[] = [...metadata];
    for (const e of sorted) {
      const ev: TraceEvent =
        e.ph === 'X'
          ? { name: e.name, cat: e.cat, ph: 'X', ts: us(e.startNs), dur: us(e.durNs), pid: pidOf(e.track), tid: tidOf(e.track) }
          : { name: e.name, cat: e.cat, ph: 'i', s: 't', ts: us(e.startNs), pid: pidOf(e.track), tid: tidOf(e.track) };
      if (e.args !== undefined) ev.args = e.args;
      traceEvents.push(ev);
    }
    const truncated = this.cutAt !== undefined;
    if (truncated) {
      traceEvents.push({
        name: `trace cut: event cap ${this.maxEvents} reached`,
        cat: 'trace',
        ph: 'i',
        s: 'g',
        ts: us(this.cutAt!),
        pid: 0,
        tid: 0,
        args: { droppedEvents: this.dropped },
      });
    }
    const window = `${formatDuration(this.fromNs)}..${formatDuration(this.toNs)}`;
    const info: TraceInfo = {
      generator: 'hvsim',
      format: 'hvsim-trace/1',
      scenario: this.scenario.name,
      model: this.model,
      seed: this.seed,
      fromNs: this.fromNs,
      toNs: this.toNs,
      maxEvents: this.maxEvents,
      events: this.events.length,
      truncated,
      note: truncated
        ? `cut at ${formatDuration(this.cutAt!)}: the cap of ${this.maxEvents} events was reached and ${this.dropped} later event(s) of the window ${window} were dropped; raise --max-events or narrow --from/--to`
        : `complete for the window ${window}`,
    };
    if (truncated) {
      info.cutAtNs = this.cutAt;
      info.droppedEvents = this.dropped;
    }
    return { traceEvents, displayTimeUnit: 'ns', otherData: info };
  }

  get truncated(): boolean {
    return this.cutAt !== undefined;
  }

  get cutAtNs(): Ns | undefined {
    return this.cutAt;
  }

  // ---- recording ---------------------------------------------------------------------------

  /** Re-derive which task executes through `e`: e runs on a pCPU and the guest placed the task on it. */
  private refreshTask(now: Ns, e: HostEntity): void {
    const run = this.entityRuns.get(e);
    const task = e.isVcpu ? (this.placed.get(e) ?? null) : null; // a host thread's own track already shows it
    const want = run !== undefined && task !== null ? { task, cpu: run.cpu } : null;
    const open = this.taskRuns.get(e);
    if (open !== undefined && want !== null && open.task === want.task && open.cpu === want.cpu) return;
    if (open !== undefined) {
      this.taskRuns.delete(e);
      this.interval(this.taskTrack(open.task), open.task.id, 'task', open.start, now, { vcpu: e.id, cpu: open.cpu });
    }
    if (want !== null) {
      this.see(want.task);
      this.taskRuns.set(e, { start: now, task: want.task, cpu: want.cpu });
    }
  }

  /** Record every interval still open, clipped at `at`, without changing the tracking state. */
  private flushOpen(at: Ns): void {
    for (const [host, runs] of this.cpuRuns) {
      runs.forEach((open, cpu) => {
        if (open !== null) this.interval(this.cpuTrack(host, cpu), open.entity.id, 'cpu', open.start, at, entityArgs(open.entity));
      });
    }
    for (const [e, run] of this.entityRuns) this.interval(this.entityTrack(e, run.host), `pCPU ${run.cpu}`, 'vcpu', run.start, at, { cpu: run.cpu });
    for (const [e, run] of this.taskRuns) this.interval(this.taskTrack(run.task), run.task.id, 'task', run.start, at, { vcpu: e.id, cpu: run.cpu });
  }

  private interval(track: TrackKey, name: string, cat: string, start: Ns, end: Ns, args?: Record<string, string | number | boolean>): void {
    const a = Math.max(start, this.fromNs);
    const b = Math.min(end, this.toNs);
    if (b <= a) return;
    this.push({ ph: 'X', name, cat, startNs: a, durNs: b - a, track, args, seq: 0 });
  }

  private instant(track: TrackKey, name: string, cat: string, at: Ns, args?: Record<string, string | number | boolean>): void {
    if (at < this.fromNs || at > this.toNs) return;
    this.push({ ph: 'i', name, cat, startNs: at, durNs: 0, track, args, seq: 0 });
  }

  /**
   * Called on entry of every observer hook: once the cap is reached, cut the trace at `now` —
   * record every open interval up to the cut, then drop (and count) everything later. The hooks
   * keep tracking state after the cut; they only stop recording.
   */
  private checkCap(now: Ns): void {
    if (this.cutAt !== undefined || this.events.length < this.maxEvents) return;
    this.cutAt = Math.max(this.fromNs, Math.min(now, this.toNs));
    this.closing = true;
    this.flushOpen(this.cutAt);
    this.closing = false;
  }

  private push(e: Pending): void {
    if (this.cutAt !== undefined && !this.closing) {
      this.dropped++;
      return;
    }
    e.seq = this.seq++;
    this.events.push(e);
  }

  // ---- tracks ------------------------------------------------------------------------------

  private see(task: Task): void {
    if (this.taskSeen.has(task)) return;
    this.taskSeen.add(task);
    this.seenTasks.push(task);
  }

  private cpuTrack(host: string, cpu: number): TrackKey {
    const key = `c:${host}:${cpu}`;
    if (!this.tracks.has(key)) {
      const proc = this.process(`cpus:${host}`, `${host} pCPUs`, host, PROC_CPUS);
      this.track(key, proc, `pCPU ${cpu}`, cpu);
    }
    return key;
  }

  private entityTrack(e: HostEntity, host: string): TrackKey {
    const key = `e:${e.id}`;
    if (!this.tracks.has(key)) {
      if (e.origin.kind === 'vcpu') {
        this.track(key, this.vmuProcess(e.origin.vmu.id, host), `vCPU ${e.origin.index}`, e.origin.index);
      } else {
        this.track(key, this.hostThreadsProcess(host), `${e.origin.kind} ${e.id}`, 10_000 + e.index);
      }
    }
    return key;
  }

  /** A guest task's own track; a host thread's events go on its entity's track. */
  private taskTrack(task: Task): TrackKey {
    if (task.vmu === null) {
      const host = (task.spec as { host?: string }).host ?? '';
      const key = `e:${task.id}`;
      if (!this.tracks.has(key)) this.track(key, this.hostThreadsProcess(host), `thread ${task.id}`, 10_000 + this.tracks.size);
      return key;
    }
    const key = `t:${task.id}`;
    if (!this.tracks.has(key)) this.track(key, this.vmuProcess(task.vmu.id, task.vmu.host), `task ${task.id}`, 20_000 + this.tracks.size);
    return key;
  }

  private vmuProcess(vmu: string, host: string): string {
    return this.process(`vmu:${vmu}`, `VMU ${vmu}`, host, PROC_VMU);
  }

  private hostThreadsProcess(host: string): string {
    return this.process(`threads:${host}`, `${host} host threads`, host, PROC_HOST_THREADS);
  }

  private process(key: string, name: string, host: string, kind: number): string {
    if (!this.processes.has(key)) {
      const hostIndex = this.hostOrder.get(host) ?? this.hostOrder.size + 1000;
      this.processes.set(key, { key, name, sort: [hostIndex, kind, this.processes.size] });
    }
    return key;
  }

  private track(key: TrackKey, process: string, name: string, order: number): void {
    if (!this.tracks.has(key)) this.tracks.set(key, { key, process, name, order });
  }

  /** pids and tids in a stable order, and the metadata events that name them. */
  private layout(): { pidOf: (t: TrackKey) => number; tidOf: (t: TrackKey) => number; metadata: TraceEvent[] } {
    const procs = [...this.processes.values()].sort((a, b) => {
      for (let i = 0; i < 3; i++) {
        const d = a.sort[i] - b.sort[i];
        if (d !== 0) return d;
      }
      return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    });
    const pid = new Map<string, number>();
    const metadata: TraceEvent[] = [];
    procs.forEach((p, i) => {
      pid.set(p.key, i + 1);
      metadata.push({ name: 'process_name', ph: 'M', ts: 0, pid: i + 1, tid: 0, args: { name: p.name } });
      metadata.push({ name: 'process_sort_index', ph: 'M', ts: 0, pid: i + 1, tid: 0, args: { sort_index: i + 1 } });
    });
    const byProcess = new Map<string, Track[]>();
    for (const t of this.tracks.values()) {
      const list = byProcess.get(t.process) ?? [];
      list.push(t);
      byProcess.set(t.process, list);
    }
    const tid = new Map<TrackKey, number>();
    for (const p of procs) {
      const list = (byProcess.get(p.key) ?? []).sort((a, b) => a.order - b.order || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      list.forEach((t, i) => {
        tid.set(t.key, i + 1);
        metadata.push({ name: 'thread_name', ph: 'M', ts: 0, pid: pid.get(p.key)!, tid: i + 1, args: { name: t.name } });
        metadata.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: pid.get(p.key)!, tid: i + 1, args: { sort_index: i + 1 } });
      });
    }
    return {
      pidOf: (t) => pid.get(this.tracks.get(t)!.process)!,
      tidOf: (t) => tid.get(t)!,
      metadata,
    };
  }
}

function entityArgs(e: HostEntity): Record<string, string | number | boolean> {
  const args: Record<string, string | number | boolean> = { kind: e.origin.kind };
  const vmu = e.vmuId;
  if (vmu !== null) args.vmu = vmu;
  return args;
}

/** ns → µs for the trace-event format (fractional microseconds keep nanosecond precision). */
function us(ns: Ns): number {
  return ns / 1000;
}

/** Serialise one event per line: diffable, and byte-identical for equal runs. */
export function serializeTrace(doc: TraceDocument): string {
  const lines = doc.traceEvents.map((e) => JSON.stringify(e));
  return `{"traceEvents":[\n${lines.join(',\n')}\n],\n"displayTimeUnit":"ns",\n"otherData":${JSON.stringify(doc.otherData, null, 2)}\n}\n`;
}
