// Raw scenario data → resolved `Scenario`: schema validation, unit parsing, defaults and the
// semantic checks a schema cannot express (unique ids, references, time orderings).

import { checkCategorisedVmus, normalizeHostCategories } from './categories.js';
import { normalizeAnswer } from './answer.js';
import { describeValue } from '../errors.js';
import { hasLifecycleFields, lifetimeOf } from './lifecycle.js';
import { normalizeVsns, type VsnSpan } from './vsns.js';
import { BOOT_SUFFIX, SHUTDOWN_SUFFIX } from '../engine/lifecycle.js';
import { Checker, IdRegistry } from './checks.js';
import type { RawScenario } from './schema.js';
import { figureSchema } from './schema-parts.js';
import { didYouMean } from './suggest.js';
import { checkTimerOwners } from './program.js';
import { normalizeExec, normalizeTask } from './tasks.js';
import { normalizeOverheads } from './overheads.js';
import { checkInterference, normalizeHostMemory, normalizeWorkingSetSweep } from './memory.js';
import { checkStorage, normalizeHostStorage, normalizeStorageStream } from './storage.js';
import { normalizeChains } from './chains.js';
import { normalizeMigrations } from './migration.js';
import { normalizeFlows, normalizeHostIxb, normalizeLinks, normalizeVmuNetwork } from './net.js';
import { normalizeThroughputSweep } from './throughput-sweep.js';
import type { Misbehaviour, Ns } from './types.js'; // hvsim isolation
import type { FlowSpec } from '../engine/system.js';
import type { Arrival, FigureRequest, HostSpec, HostThreadSpec, IoLoadSpec, ModelRequest, Scenario, Sla, VmuSpec } from './types.js';
import { formatDuration } from './units.js';
import { validateRawScenario } from './validate.js';
import { normalizeExpectation, normalizeTolerance } from './expectations.js';

export interface NormalizeOptions {
  /** Registry names; when given, `models` and `expect[].model` must name one of them. */
  knownModels?: readonly string[];
  /** The registry's model for a utilisation sweep that names none; default: the schema's documented default. */
  sweepModel?: string;
}

/** The utilisation sweep's default model as the schema documents it (a test checks it is the registry's). */
export const SCHEMA_SWEEP_MODEL: string = figureSchema.oneOf[1].properties.model.default;

type RawHost = RawScenario['hosts'][number];
type RawVmu = NonNullable<RawScenario['vmus']>[number];
type RawSla = NonNullable<RawVmu['sla']>;
type RawIoLoad = NonNullable<RawVmu['io']>[number];
type RawModel = NonNullable<RawScenario['models']>[number];
type RawFigure = NonNullable<RawScenario['figures']>[number];

/** Validate and resolve scenario data already parsed from JSON/YAML (or built in code). */
/** Tasks and host threads in one scenario (README "Limits"). */
export const MAX_TASKS = 1000;

export function normalizeScenario(raw: unknown, file = '<memory>', opts: NormalizeOptions = {}): Scenario {
  validateRawScenario(raw, file);
  const check = new Checker(file);
  // Memory grows with the task count (histograms per task): a documented cap, checked before any is built.
  const taskCount = (raw.vmus ?? []).reduce((a, v) => a + (v.tasks?.length ?? 0), 0) + (raw.hostThreads ?? []).length;
  if (taskCount > MAX_TASKS) check.fail((raw.hostThreads ?? []).length > 0 ? '/hostThreads' : '/vmus', `at most ${MAX_TASKS} tasks and host threads in a scenario`, `${taskCount}`);

  const durationNs = check.positiveDuration(raw.duration, '/duration');
  const warmupNs = check.duration(raw.warmup ?? '0s', '/warmup');
  if (warmupNs >= durationNs) {
    check.fail('/warmup', `a warm-up shorter than the duration (${formatDuration(durationNs)})`, describeValue(raw.warmup));
  }

  const hostIds = new IdRegistry(check, 'host');
  const hosts = raw.hosts.map((h, i) => normalizeHost(h, `/hosts/${i}`, hostIds, check));
  const interference = checkInterference(raw.interference, hosts, check);
  const hostById = new Map(hosts.map((h) => [h.id, h]));
  const findHost = (id: string, pointer: string): HostSpec =>
    hostById.get(id) ??
    check.fail(pointer, `the id of a host (${hostIds.ids().join(', ')})`, describeValue(id), didYouMean(id, hostIds.ids()));

  // Tasks and host threads share one namespace: expectations and reports name them by id alone.
  const taskIds = new IdRegistry(check, 'task or host thread');
  const vmuIds = new IdRegistry(check, 'VMU');
  // A VSN's start and stop are its VMUs' unless they set their own inside it: read before the VMUs.
  const { vsns, spanOf } = normalizeVsns(raw.vsns ?? [], (raw.vmus ?? []).map((v) => v.id), durationNs, check);
  const vmus = (raw.vmus ?? []).map((v, i) => normalizeVmu(v, `/vmus/${i}`, { vmuIds, taskIds, findHost, durationNs, check, span: spanOf.get(v.id) }));
  checkCategorisedVmus(hosts, vmus, check);

  const hostThreads = (raw.hostThreads ?? []).map((t, i): HostThreadSpec => {
    const pointer = `/hostThreads/${i}`;
    taskIds.add(t.id, `${pointer}/id`);
    const host = findHost(t.host, `${pointer}/host`);
    const placement = { processors: host.cpus, unit: 'pCPU', owner: `host ${host.id}`, defaultPolicy: { class: 'fair', nice: 0 } } as const;
    return { ...normalizeTask(t, pointer, placement, check), host: host.id };
  });
  checkTimerOwners(
    [
      ...(raw.vmus ?? []).flatMap((v, i) => (v.tasks ?? []).map((t, j) => ({ raw: t, pointer: `/vmus/${i}/tasks/${j}`, process: `VMU ${v.id}` }))),
      ...(raw.hostThreads ?? []).map((t, i) => ({ raw: t, pointer: `/hostThreads/${i}`, process: `host ${t.host}` })),
    ],
    check,
  );

  const links = normalizeLinks(raw.links ?? [], hosts, check);
  checkStorage(hosts, vmus, links, check);
  const flows = normalizeFlows(raw.flows ?? [], vmus, links, taskIds, check);
  const chains = normalizeChains(raw.chains ?? [], vmus, hosts, links, taskIds, check);
  const moves = normalizeMigrations(raw.migrations ?? [], { vmus, hosts, links, taskIds, vmuIds, flows, chains, durationNs, check });
  vmus.push(...moves.twins);
  hostThreads.push(...moves.threads);

  const models = (raw.models ?? []).map((m, i) => normalizeModel(m, `/models/${i}`, opts, check));
  const expectationContext = { taskIds: taskIds.ids(), flowIds: flows.map((f) => f.id), chainIds: chains.map((c) => c.id), vmus, check, checkModel: (name: string, at: string) => checkKnownModel(name, at, opts, check) };
  const expectations = (raw.expect ?? []).map((e, i) => normalizeExpectation(e, `/expect/${i}`, expectationContext));
  const tolerances = (raw.regress?.tolerances ?? []).map((t, i) => normalizeTolerance(t, `/regress/tolerances/${i}`, expectationContext));
  const figures = (raw.figures ?? []).map((f, i) => normalizeFigure(f, `/figures/${i}`, { vmus, hostThreads, flows, interference }, durationNs, opts, check));

  return {
    name: raw.name,
    description: raw.description ?? '',
    file,
    durationNs,
    warmupNs,
    seed: raw.seed ?? 1,
    hosts,
    vmus,
    hostThreads,
    ...(links.length > 0 && { links }),
    ...(flows.length > 0 && { flows }),
    ...(chains.length > 0 && { chains }),
    ...(moves.migrations.length > 0 && { migrations: moves.migrations }),
    ...(vsns.length > 0 && { vsns }),
    models,
    expectations,
    ...(tolerances.length > 0 && { tolerances }),
    question: raw.question ?? '',
    ...(raw.answer !== undefined && { answer: normalizeAnswer(raw.answer, vmus, hostThreads, flows, chains, figures, check) }),
    figures,
    ...(interference !== undefined && { interference }),
  };
}

function normalizeHost(raw: RawHost, pointer: string, ids: IdRegistry, check: Checker): HostSpec {
  ids.add(raw.id, `${pointer}/id`);
  const { contextSwitchNs, ...wake } = normalizeOverheads(raw.overheads, raw.contextSwitch, pointer, check);
  const host: HostSpec = { id: raw.id, cpus: raw.cpus, contextSwitchNs, tickNs: check.positiveDuration(raw.tick ?? '1ms', `${pointer}/tick`) };
  const phase = tickPhaseOf(raw.tickPhase, host.tickNs, `${pointer}/tickPhase`, check);
  if (phase !== undefined && phase !== 0) host.tickPhase = phase;
  if (raw.skewTick === true) host.skewTick = true;
  if (raw.overheads !== undefined && raw.overheads !== 'none') host.overheads = wake;
  if (raw.storage !== undefined) host.storage = normalizeHostStorage(raw.storage, `${pointer}/storage`, check);
  if (raw.memory !== undefined) host.memory = normalizeHostMemory(raw.memory, `${pointer}/memory`, raw.cpus, check);
  if (raw.ixb !== undefined) host.ixb = normalizeHostIxb(raw.ixb, `${pointer}/ixb`, check);
  if (raw.role !== undefined) host.role = raw.role;
  if (raw.categories !== undefined) host.categories = normalizeHostCategories(raw.categories, `${pointer}/categories`, check);
  return host;
}

/** A tick phase field: a duration below the tick, or 'random'; undefined when absent. */
function tickPhaseOf(raw: string | undefined, tickNs: Ns, pointer: string, check: Checker): Ns | 'random' | undefined {
  if (raw === undefined || raw === 'random') return raw;
  const phase = check.duration(raw, pointer);
  if (phase >= tickNs) check.fail(pointer, `a duration < the tick (${formatDuration(tickNs)}) or "random"`, describeValue(raw));
  return phase;
}

interface VmuContext {
  vmuIds: IdRegistry;
  taskIds: IdRegistry;
  findHost(id: string, pointer: string): HostSpec;
  durationNs: Ns;
  check: Checker;
  /** The VSN it belongs to; undefined: none. */
  span: VsnSpan | undefined;
}

function normalizeVmu(raw: RawVmu, pointer: string, { vmuIds, taskIds, findHost, durationNs, check, span }: VmuContext): VmuSpec {
  vmuIds.add(raw.id, `${pointer}/id`);
  const host = findHost(raw.host, `${pointer}/host`);
  const vcpus = raw.vcpus ?? 1;
  const affinity = check.processors(raw.affinity, host.cpus, `${pointer}/affinity`, 'pCPU', `host ${host.id}`);
  const placement = { processors: vcpus, unit: 'vCPU', owner: `VMU ${raw.id}`, defaultPolicy: { class: 'fifo', priority: 50 } } as const;
  const tasks = (raw.tasks ?? []).map((t, i) => {
    taskIds.add(t.id, `${pointer}/tasks/${i}/id`);
    return normalizeTask(t, `${pointer}/tasks/${i}`, placement, check);
  });
  const vmu: VmuSpec = {
    id: raw.id,
    host: host.id,
    vcpus,
    affinity,
    guest: {
      scheduler: raw.guest?.scheduler ?? 'fifo',
      tickNs: check.positiveDuration(raw.guest?.tick ?? '4ms', `${pointer}/guest/tick`),
    },
    weight: raw.weight ?? 1024,
    tasks,
    io: (raw.io ?? []).map((load, i) => normalizeIoLoad(load, `${pointer}/io/${i}`, taskIds, check)),
  };
  const guestTickPhase = tickPhaseOf(raw.guest?.tickPhase, vmu.guest.tickNs, `${pointer}/guest/tickPhase`, check);
  if (guestTickPhase !== undefined) vmu.guest.tickPhase = guestTickPhase;
  if (raw.sla !== undefined) vmu.sla = normalizeSla(raw.sla, `${pointer}/sla`, check);
  if (raw.softAffinity !== undefined) vmu.softAffinity = check.processors(raw.softAffinity, host.cpus, `${pointer}/softAffinity`, 'pCPU', `host ${host.id}`);
  if (raw.hostPriority !== undefined) vmu.hostPriority = raw.hostPriority;
  if (raw.network !== undefined) vmu.vlink = normalizeVmuNetwork(raw.network, `${pointer}/network`, check);
  if (hasLifecycleFields(raw, span)) {
    const { bootDisk, ...lifetime } = lifetimeOf(raw, pointer, durationNs, check, (sla, at) => normalizeSla(sla, at, check), span);
    Object.assign(vmu, lifetime);
    if (bootDisk !== undefined) {
      taskIds.add(bootDisk.id, `${pointer}/boot/disk`);
      // On a host without a storage model the reads take the fixed device time instead.
      if (host.storage === undefined) delete bootDisk.storage;
      vmu.io.push(bootDisk);
    }
  }
  // The phases' tasks (src/engine/lifecycle.ts) share the task namespace.
  if (raw.boot !== undefined) taskIds.add(raw.id + BOOT_SUFFIX, `${pointer}/boot`);
  if (raw.shutdown !== undefined) taskIds.add(raw.id + SHUTDOWN_SUFFIX, `${pointer}/shutdown`);
  if (raw.aggressor !== undefined) vmu.aggressor = normalizeMisbehaviour(raw.aggressor, `${pointer}/aggressor`, check); // hvsim isolation
  return vmu;
}

/** For `hvsim isolation`: a factor with mode scale, none with mode busy. */
function normalizeMisbehaviour(raw: NonNullable<RawVmu['aggressor']>, pointer: string, check: Checker): Misbehaviour {
  if (raw.mode === 'busy') {
    if (raw.factor !== undefined) check.fail(`${pointer}/factor`, 'no factor with mode "busy" (a factor goes with mode "scale")', describeValue(raw.factor));
    return { mode: 'busy' };
  }
  if (raw.factor === undefined) check.fail(`${pointer}/factor`, 'the demand multiplier of mode "scale", e.g. 3', 'nothing');
  return { mode: 'scale', factor: raw.factor };
}

/** An I/O load: exactly one of rate and period; its handler task shares the task namespace. */
function normalizeIoLoad(raw: RawIoLoad, pointer: string, taskIds: IdRegistry, check: Checker): IoLoadSpec {
  taskIds.add(raw.id, `${pointer}/id`);
  if ((raw.rate === undefined) === (raw.period === undefined)) {
    check.fail(pointer, 'exactly one of the fields rate and period', raw.rate === undefined ? 'neither' : 'both');
  }
  const arrival: Arrival =
    raw.rate !== undefined
      ? { kind: 'poisson', ratePerSec: check.rate(raw.rate, `${pointer}/rate`), offset: 0 }
      : { kind: 'periodic', period: check.positiveDuration(raw.period, `${pointer}/period`), offset: 0, jitter: 0 };
  return {
    id: raw.id,
    kind: raw.kind,
    arrival,
    compute: normalizeExec(raw.compute ?? '50us', `${pointer}/compute`, check),
    deviceNs: check.duration(raw.device ?? (raw.kind === 'net' ? '20us' : '200us'), `${pointer}/device`),
    deadline: raw.deadline === undefined ? Infinity : check.positiveDuration(raw.deadline, `${pointer}/deadline`),
    priority: raw.priority ?? 60,
    ...(raw.storage !== undefined && { storage: normalizeStorageStream(raw.storage, raw.kind, `${pointer}/storage`, check) }),
  };
}

/** 0 < budget <= deadline <= period; the deadline defaults to the period. */
function normalizeSla(raw: RawSla, pointer: string, check: Checker): Sla {
  const budget = check.positiveDuration(raw.budget, `${pointer}/budget`);
  const period = check.positiveDuration(raw.period, `${pointer}/period`);
  const deadline = raw.deadline === undefined ? period : check.positiveDuration(raw.deadline, `${pointer}/deadline`);
  check.atMost(budget, period, `${pointer}/budget`, raw.budget, 'the period');
  check.atMost(budget, deadline, `${pointer}/budget`, raw.budget, 'the deadline');
  check.atMost(deadline, period, `${pointer}/deadline`, raw.deadline, 'the period');
  return { budget, period, deadline, ...(raw.reclaim === true && { reclaim: true }) };
}

function normalizeModel(raw: RawModel, pointer: string, opts: NormalizeOptions, check: Checker): ModelRequest {
  const [name, params, namePointer] =
    typeof raw === 'string' ? [raw, {}, pointer] : [raw.name, { ...(raw.params ?? {}) }, `${pointer}/name`];
  checkKnownModel(name, namePointer, opts, check);
  return { name, params, pointer };
}

function checkKnownModel(name: string, pointer: string, opts: NormalizeOptions, check: Checker): void {
  const known = opts.knownModels;
  if (known && !known.includes(name)) {
    check.fail(pointer, `one of the models ${known.join(', ')}`, describeValue(name), didYouMean(name, known));
  }
}

/** Report figures (run by src/experiments/sweeps.ts, drawn by src/report/figures.ts): references resolved, durations parsed. */
function normalizeFigure(
  raw: RawFigure,
  pointer: string,
  { vmus, hostThreads, flows, interference }: { vmus: readonly VmuSpec[]; hostThreads: readonly HostThreadSpec[]; flows: readonly FlowSpec[]; interference: 'cache' | undefined },
  durationNs: number,
  opts: NormalizeOptions,
  check: Checker,
): FigureRequest {
  if (raw.kind === 'period-sweep') {
    const vmu = vmus.find((v) => v.id === raw.vmu);
    const ids = vmus.map((v) => v.id);
    if (!vmu) check.fail(`${pointer}/vmu`, `the id of a VMU (${ids.join(', ')})`, describeValue(raw.vmu), didYouMean(raw.vmu, ids));
    if (!vmu.sla) check.fail(`${pointer}/vmu`, 'a VMU with an SLA (its bandwidth is kept while the period varies)', `VMU ${vmu.id}, which is best effort`);
    const periods = raw.periods.map((p, i) => check.positiveDuration(p, `${pointer}/periods/${i}`));
    return {
      kind: 'period-sweep',
      vmu: vmu.id,
      periods,
      durationNs: raw.duration === undefined ? durationNs : check.positiveDuration(raw.duration, `${pointer}/duration`),
      pointer,
    };
  }
  if (raw.kind === 'throughput-sweep') return normalizeThroughputSweep(raw, pointer, flows, durationNs, check);
  if (raw.kind === 'working-set-sweep') return normalizeWorkingSetSweep(raw, pointer, { vmus, hostThreads, interference }, durationNs, check);
  const model = raw.model ?? opts.sweepModel ?? SCHEMA_SWEEP_MODEL;
  checkKnownModel(model, `${pointer}/model`, opts, check);
  const periods = (raw.periods ?? ['5ms', '7ms', '10ms', '14ms', '20ms', '25ms', '35ms', '50ms']).map((p, i) =>
    check.positiveDuration(p, `${pointer}/periods/${i}`),
  );
  return {
    kind: 'utilisation-sweep',
    utilisations: [...raw.utilisations],
    taskSets: raw.taskSets ?? 20,
    tasks: raw.tasks ?? 5,
    periods,
    durationNs: check.positiveDuration(raw.duration ?? '2s', `${pointer}/duration`),
    model,
    pointer,
  };
}
