// Resolved `Scenario` → the raw file form (the inverse of normalize.ts): what `hvsim import rtapp
// --json` prints, so an imported workload can be committed, edited and loaded again. Loading the
// output gives back the same scenario (test/scenario-serialize.test.ts), hence the same results.
//
// Every field is written, defaults included, so a committed file says what it runs; only values a
// file cannot spell are left out: an infinite deadline (the natural one of its task kind) or
// I/O-load deadline, empty lists and texts. Things models add while expanding a scenario (pinned
// vCPUs, I/O threads, `external` arrivals) have no file form: serialize a scenario as loaded.

import { serializeHostCategories } from './categories.js';
import type { RawScenario } from './schema.js';
import type { HostStorageSpec, StorageStreamSpec } from '../engine/system.js';
import { serializeProgram } from './program.js';
import { addedByMigrations, serializeMigration } from './migration.js';
import { serializeChain, serializeFlow, serializeIxb, serializeLink, serializeVmuNetwork } from './serialize-net.js';
import { naturalDeadline, type RawHostThread, type RawTask } from './tasks.js';
import { METRICS } from './metric-names.js';
import type { ExecDist, Expectation, FigureRequest, HostSpec, IoLoadSpec, Policy, Scenario, Sla, TaskSpec, VmuSpec } from './types.js';
import { durationString as d } from './units.js';
import { delayQuantilesText } from './overheads.js';
import type { OverheadDelay } from '../engine/overhead-delay.js';

type RawVmu = NonNullable<RawScenario['vmus']>[number];
type RawExec = Extract<RawTask, { exec: unknown }>['exec'];
type RawPolicy = NonNullable<RawTask['policy']>;
type RawFigure = NonNullable<RawScenario['figures']>[number];
type RawIoLoad = NonNullable<RawVmu['io']>[number];

export function serializeScenario(s: Scenario): RawScenario {
  // Fields in the schema's order, so the file reads like a hand-written one.
  const out: RawScenario = {
    name: s.name,
    ...(s.description !== '' && { description: s.description }),
    ...(s.question && { question: s.question }),
    ...(s.answer && {
      answer: { kind: s.answer.kind, metric: s.answer.metric, of: s.answer.of.map((t) => t.id), ...(s.answer.bound !== null && { bound: d(s.answer.bound) }), because: s.answer.because },
    }),
    duration: d(s.durationNs),
    warmup: d(s.warmupNs),
    seed: s.seed,
    ...(s.interference !== undefined && { interference: s.interference }),
    hosts: s.hosts.map(serializeHost),
  };
  const added = addedByMigrations(s.migrations);
  const vmus = s.vmus.filter((v) => !added.has(v.id));
  const hostThreads = s.hostThreads.filter((t) => !added.has(t.id));
  if (vmus.length > 0) out.vmus = vmus.map(serializeVmu);
  if (hostThreads.length > 0) {
    out.hostThreads = hostThreads.map((t): RawHostThread => {
      if (t.ioThreadOf !== undefined) throw new Error(`serializeScenario: host thread ${t.id} was added by a model`);
      const { id, ...rest } = serializeTask(t);
      return { id, host: t.host, ...rest };
    });
  }
  if (s.links && s.links.length > 0) out.links = s.links.map(serializeLink);
  if (s.flows && s.flows.length > 0) out.flows = s.flows.map(serializeFlow);
  if (s.chains && s.chains.length > 0) out.chains = s.chains.map(serializeChain);
  // Its VMUs carry the VSN's times already (written on each): reading them back inside the span is the same lifetime.
  if (s.vsns && s.vsns.length > 0) out.vsns = s.vsns.map((v) => ({ id: v.id, vmus: [...v.vmus], ...(v.startNs !== undefined && { start: d(v.startNs) }), ...(v.stopNs !== undefined && { stop: d(v.stopNs) }) }));
  if (s.migrations && s.migrations.length > 0) out.migrations = s.migrations.map(serializeMigration);
  if (s.models.length > 0) out.models = s.models.map((m) => (Object.keys(m.params).length === 0 ? m.name : { name: m.name, params: { ...m.params } }));
  if (s.expectations.length > 0) out.expect = s.expectations.map(serializeExpectation);
  if (s.tolerances && s.tolerances.length > 0) {
    out.regress = {
      tolerances: s.tolerances.map((t) => ({
        metric: t.metric,
        ...(t.model !== undefined && { model: t.model }),
        ...(t.subject !== undefined && { [t.subject.kind]: t.subject.id }),
        ...(t.relative !== undefined && { relative: `${round(t.relative * 100)}%` }),
        ...(t.absolute !== undefined && { absolute: METRICS[t.metric].unit === 'ns' ? d(t.absolute) : t.absolute }),
      })),
    };
  }
  if (s.figures && s.figures.length > 0) out.figures = s.figures.map(serializeFigure);
  return out;
}

/** An overhead as written: a duration, or its quantiles keyed min / pN / max (overheads.ts). */
function delayField(delay: OverheadDelay): string | { max: string } {
  return typeof delay === 'number' ? d(delay) : delayQuantilesText(delay);
}

function serializeHost(h: HostSpec): RawScenario['hosts'][number] {
  const out: RawScenario['hosts'][number] = { id: h.id, cpus: h.cpus, ...(h.overheads === undefined && { contextSwitch: d(h.contextSwitchNs) }), tick: d(h.tickNs) };
  if (h.overheads !== undefined) out.overheads = { timerInterrupt: delayField(h.overheads.timerInterruptNs), wakeup: delayField(h.overheads.wakeupNs), contextSwitch: d(h.contextSwitchNs), vmExit: delayField(h.overheads.vmExitNs) };
  if (h.tickPhase !== undefined) out.tickPhase = h.tickPhase === 'random' ? 'random' : d(h.tickPhase);
  if (h.skewTick === true) out.skewTick = true;
  if (h.ixb !== undefined) out.ixb = serializeIxb(h.ixb);
  if (h.role !== undefined) out.role = h.role;
  if (h.categories !== undefined) out.categories = serializeHostCategories(h.categories);
  if (h.storage !== undefined) out.storage = { device: serializeDevice(h.storage), scheduler: h.storage.scheduler, ...(h.storage.profile && { profile: h.storage.profile.name, profileRelease: h.storage.profile.release }) };
  if (h.memory !== undefined) {
    out.memory = {
      line: `${h.memory.lineBytes}B`,
      bandwidth: `${h.memory.bandwidthBytesPerNs * 1e9}B/s`,
      caches: h.memory.levels.map((l) => ({ name: l.name, size: `${l.sizeBytes}B`, ways: l.ways, sharedBy: l.sharedBy, missPenalty: d(l.missPenaltyNs) })),
    };
  }
  return out;
}

function serializeVmu(v: VmuSpec): RawVmu {
  if (v.pinVcpus) throw new Error(`serializeScenario: VMU ${v.id} was added by a model`);
  const out: RawVmu = { id: v.id, host: v.host, vcpus: v.vcpus, affinity: [...v.affinity] };
  if (v.softAffinity !== undefined) out.softAffinity = [...v.softAffinity];
  if (v.sla !== undefined) out.sla = serializeSla(v.sla);
  out.guest = { scheduler: v.guest.scheduler, tick: d(v.guest.tickNs) };
  if (v.guest.tickPhase !== undefined) out.guest.tickPhase = v.guest.tickPhase === 'random' ? 'random' : d(v.guest.tickPhase);
  if (v.hostPriority !== undefined) out.hostPriority = v.hostPriority;
  out.weight = v.weight;
  if (v.tasks.length > 0) out.tasks = v.tasks.map(serializeTask);
  // The boot's disk reads are an I/O load the loader adds (lifecycle.ts bootDiskLoad): written as `boot.disk`.
  const bootDisk = v.io.find((io) => io.issuedBy?.kind === 'boot');
  const io = v.io.filter((load) => load !== bootDisk);
  if (io.length > 0) out.io = io.map(serializeIoLoad);
  if (v.vlink !== undefined) out.network = serializeVmuNetwork(v.vlink);
  if (v.aggressor !== undefined) out.aggressor = { ...v.aggressor };
  // Its lifetime (issue 13, src/scenario/lifecycle.ts).
  if (v.startNs !== undefined) out.start = d(v.startNs);
  if (v.stopNs !== undefined) out.stop = d(v.stopNs);
  if (v.bootNs !== undefined) out.boot = { cpu: d(v.bootNs), ...(bootDisk && { disk: serializeBootDisk(bootDisk) }) };
  if (v.shutdownNs !== undefined) out.shutdown = { cpu: d(v.shutdownNs) };
  if (v.slaChanges !== undefined) out.slaChanges = v.slaChanges.map((c) => ({ at: d(c.atNs), sla: serializeSla(c.sla) }));
  return out;
}

function serializeSla(sla: Sla): NonNullable<RawVmu['sla']> {
  return { budget: d(sla.budget), period: d(sla.period), deadline: d(sla.deadline), ...(sla.reclaim === true && { reclaim: true }) };
}

/** `boot.disk` from the load the loader made of it; `size` only where it counts (a host with a storage model). */
function serializeBootDisk(load: IoLoadSpec): NonNullable<NonNullable<RawVmu['boot']>['disk']> {
  return { reads: load.issuedBy!.reads, ...(load.storage && { size: load.storage.bytes }), device: d(load.deviceNs) };
}

function serializeTask(t: TaskSpec): RawTask {
  const common = {
    ...(t.deadline !== Infinity && { deadline: d(t.deadline) }),
    policy: serializePolicy(t.policy),
    affinity: [...t.affinity],
    ...(t.memory !== undefined && { memory: { workingSet: `${t.memory.workingSetBytes}B`, intensity: t.memory.intensity } }),
  };
  // An infinite deadline is only writable by omission, which means the kind's natural one.
  if (t.deadline === Infinity && naturalDeadline(t.arrival) !== Infinity) {
    throw new Error(`serializeScenario: task ${t.id} has no deadline, which a ${t.arrival.kind} task cannot say in a file`);
  }
  const a = t.arrival;
  switch (a.kind) {
    case 'periodic':
      return { id: t.id, kind: 'periodic', period: d(a.period), offset: d(a.offset), jitter: d(a.jitter), exec: serializeExec(t.exec), ...common };
    case 'sporadic':
      return { id: t.id, kind: 'sporadic', minInterArrival: d(a.minInterArrival), extraMean: d(a.extraMean), offset: d(a.offset), exec: serializeExec(t.exec), ...common };
    case 'poisson':
      return { id: t.id, kind: 'server', rate: rateString(a.ratePerSec), offset: d(a.offset), exec: serializeExec(t.exec), ...common };
    case 'trace':
      return { id: t.id, kind: 'server', arrivals: a.times.map(d), exec: serializeExec(t.exec), ...common };
    case 'busy':
      return { id: t.id, kind: 'busy', offset: d(a.offset), ...common };
    case 'program':
      // `exec` is derived from the program on loading (programExec), so it is not written.
      return { id: t.id, kind: 'program', ...serializeProgram(a.program), ...common };
    case 'external':
      throw new Error(`serializeScenario: task ${t.id} has jobs injected by a model (external arrival)`);
  }
}

function serializeExec(e: ExecDist): RawExec {
  switch (e.kind) {
    case 'constant':
      return d(e.value);
    case 'uniform':
      return { dist: 'uniform', min: d(e.min), max: d(e.max) };
    case 'truncnormal':
      return { dist: 'truncnormal', mean: d(e.mean), sd: d(e.sd), min: d(e.min), max: d(e.max) };
    case 'trace':
      return { dist: 'trace', values: e.values.map(d) };
  }
}

function serializePolicy(p: Policy): RawPolicy {
  switch (p.class) {
    case 'fifo':
    case 'rr':
      return { class: p.class, priority: p.priority };
    case 'fair':
      return { class: 'fair', nice: p.nice };
    case 'deadline':
      return { class: 'deadline', runtime: d(p.runtime), deadline: d(p.deadline), period: d(p.period), ...(p.reclaim === true && { reclaim: true }) };
    case 'sporadic':
      return { class: 'sporadic', priority: p.priority, lowPriority: p.lowPriority, budget: d(p.budget), period: d(p.period), maxRepl: p.maxRepl, ...(p.rules === 'corrected' && { rules: p.rules }) };
  }
}

function serializeIoLoad(io: IoLoadSpec): RawIoLoad {
  const a = io.arrival;
  const arrival = a.kind === 'poisson' ? { rate: rateString(a.ratePerSec) } : a.kind === 'periodic' ? { period: d(a.period) } : undefined;
  if (arrival === undefined) throw new Error(`serializeScenario: I/O load ${io.id} has a ${a.kind} arrival, which files cannot express`);
  return {
    id: io.id,
    kind: io.kind,
    ...arrival,
    compute: serializeExec(io.compute),
    device: d(io.deviceNs),
    ...(io.deadline !== Infinity && { deadline: d(io.deadline) }),
    priority: io.priority,
    ...(io.storage && { storage: serializeStorageStream(io.storage) }),
  };
}

/** Model parameter → scenario field and how to write it (the inverse of normalizeDevice, storage.ts). */
const DEVICE_FIELDS: Record<string, [field: string, write: (v: never) => unknown]> = {
  rpm: ['rpm', (v: number) => v],
  averageSeekNs: ['averageSeek', d],
  trackToTrackNs: ['trackToTrack', d],
  transferBytesPerSec: ['transferRate', (v: number) => `${v}B/s`],
  capacityBytes: ['capacity', (v: number) => `${v}B`],
  overheadNs: ['overhead', d],
  rotation: ['rotation', (v: string) => v],
  queueDepth: ['queueDepth', (v: number) => v],
  maxCommandAgeNs: ['maxCommandAge', d],
  units: ['units', (v: number) => v],
  readOpNs: ['readOp', d],
  writeOpNs: ['writeOp', d],
  unitBytesPerSec: ['unitBandwidth', (v: number) => `${v}B/s`],
};

/** The device as normalizeDevice (storage.ts) reads it back: its name alone, or the model with its overrides in units. */
function serializeDevice(st: HostStorageSpec): NonNullable<RawScenario['hosts'][number]['storage']>['device'] {
  if (Object.keys(st.deviceParams).length === 0) return st.device;
  const fields = Object.entries(st.deviceParams).map(([key, value]) => {
    const [field, write] = DEVICE_FIELDS[key];
    return [field, write(value as never)];
  });
  return { model: st.device, ...Object.fromEntries(fields) } as NonNullable<RawScenario['hosts'][number]['storage']>['device'];
}

function serializeStorageStream(st: StorageStreamSpec): NonNullable<RawIoLoad['storage']> {
  const m = st.ioMax;
  return {
    size: st.bytes,
    write: st.write,
    access: st.sequential ? 'sequential' : 'random',
    ...(st.osd !== undefined && { osd: st.osd }),
    ...(st.cephClass !== undefined && { class: st.cephClass }),
    ...(st.reservation > 0 && { reservation: rateString(st.reservation) }),
    ...(st.limit > 0 && { limit: rateString(st.limit) }),
    weight: st.weight,
    ...(m && {
      ioMax: {
        ...(m.riops !== undefined && { riops: rateString(m.riops) }),
        ...(m.wiops !== undefined && { wiops: rateString(m.wiops) }),
        ...(m.rbps !== undefined && { rbps: m.rbps }),
        ...(m.wbps !== undefined && { wbps: m.wbps }),
      },
    }),
  };
}

function serializeFigure(f: FigureRequest): RawFigure {
  if (f.kind === 'period-sweep') return { kind: f.kind, vmu: f.vmu, periods: f.periods.map(d), duration: d(f.durationNs) };
  if (f.kind === 'throughput-sweep') return { kind: f.kind, flows: [...f.flows], throughputs: f.throughputsBps.map((b) => `${b}bit/s`), duration: d(f.durationNs) };
  if (f.kind === 'working-set-sweep') return { kind: f.kind, task: f.task, workingSets: f.workingSets.map((w) => `${w}B`), vmu: f.vmu, duration: d(f.durationNs) };
  return {
    kind: f.kind,
    utilisations: [...f.utilisations],
    taskSets: f.taskSets,
    tasks: f.tasks,
    periods: f.periods.map(d),
    duration: d(f.durationNs),
    model: f.model,
  };
}

/** Events per second as "<decimal>/s"; String() gives the shortest text that parses back to the same double. */
function rateString(perSecond: number): string {
  const text = String(perSecond);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new Error(`serializeScenario: rate ${text}/s has no decimal spelling`);
  return `${text}/s`;
}

type RawExpectation = NonNullable<RawScenario['expect']>[number];

function serializeExpectation(e: Expectation): RawExpectation {
  if (e.kind === 'admission') return { model: e.model, refused: e.refused };
  return {
    ...(e.model !== undefined && { model: e.model }),
    [e.subject.kind]: e.subject.id,
    metric: e.metric,
    ...(e.min !== undefined && { min: e.min }),
    ...(e.max !== undefined && { max: e.max }),
    ...(e.than !== undefined && { [e.than.relation]: e.than.model, ...(e.than.factor !== 1 && { factor: e.than.factor }) }),
  };
}

/** A percentage without binary noise (0.05 × 100 = 5.000000000000001). */
const round = (x: number) => Math.round(x * 1e9) / 1e9;
