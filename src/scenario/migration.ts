// Live migrations as the scenario writes them (`migrations:`, issue 13) resolved to the engine's
// MigrationSpec, plus what the engine needs built before the run: the VMU's instance on the
// destination PH (a VMU with `startNs` = the migration's start, so the lifecycle admission asks the
// destination's admission control then: src/experiments/lifecycle.ts) and the two migration threads.
// Checks a schema cannot make: the VMU and host exist (did you mean…?), the host is another one and
// linked to the VMU's and to the PHs of its flows' and chains' other ends, the VMU migrates once and
// has nothing the move cannot carry yet.

import { describeValue } from '../errors.js';
import { twinTaskId, twinVmuId } from '../engine/migration.js';
import { QEMU_AUTO_CONVERGE } from '../engine/migration-rules.js';
import type { Checker, IdRegistry } from './checks.js';
import { parseSize } from './memory-units.js';
import type { RawScenario } from './schema.js';
import { didYouMean } from './suggest.js';
import type { ChainSpec, FlowSpec, LinkSpec, MigrationSpec } from '../engine/system.js';
import { ChainRun } from '../engine/net/chain.js';
import { SHUTDOWN_SUFFIX } from '../engine/lifecycle.js';
import type { HostSpec, HostThreadSpec, Ns, VmuSpec } from './types.js';
import { durationString, formatDuration } from './units.js';

type RawMigration = NonNullable<RawScenario['migrations']>[number];

export interface ScenarioMigrations {
  migrations: MigrationSpec[];
  /** The migrating VMUs' destination instances, in migration order. */
  twins: VmuSpec[];
  /** Each migration's send (source PH) and receive (destination PH) thread. */
  threads: HostThreadSpec[];
}

interface Context {
  vmus: VmuSpec[];
  hosts: HostSpec[];
  links: LinkSpec[];
  taskIds: IdRegistry;
  vmuIds: IdRegistry;
  flows: FlowSpec[];
  chains: ChainSpec[];
  durationNs: Ns;
  check: Checker;
}

/**
 * The migration thread of VMU instance `owner` on its PH: SCHED_OTHER on any CPU of the PH (QEMU
 * creates it with default attributes and libvirt puts it in the emulator cgroup, migration.md §2.2;
 * under Xen a dom0 process); with `thread: inside` a thread of the VMU that the KVM model places in
 * its reservation as it places an I/O thread with ioThreads inside (models/kvm/io-threads.ts), on the
 * VMU's CPUs (the reservation's cpuset).
 */
function migrationThread(id: string, host: HostSpec, owner: VmuSpec, inside: boolean): HostThreadSpec {
  return {
    id,
    host: host.id,
    arrival: { kind: 'external' },
    exec: { kind: 'constant', value: 1 },
    deadline: Infinity,
    policy: { class: 'fair', nice: 0 },
    affinity: inside ? [...owner.affinity] : Array.from({ length: host.cpus }, (_, i) => i),
    ...(inside && { ioThreadOf: owner.id, placement: 'inside' as const, role: 'migration thread' }),
  };
}

export function normalizeMigrations(raw: readonly RawMigration[], ctx: Context): ScenarioMigrations {
  const { check } = ctx;
  const out: ScenarioMigrations = { migrations: [], twins: [], threads: [] };
  // Per VMU, where its earlier migrations (in file order) leave it: a VMU may move several times
  // (back and forth, or on), one migration after another; each instance is built once per PH.
  const last = new Map<string, { pointer: string; atNs: Ns; host: string; instance: string }>();
  const instances = new Map<string, string>();
  // Each instance's migration thread, and the migration that made it (every later one must agree where it runs).
  const threads = new Map<string, { pointer: string; inside: boolean }>();
  const movesTo = new Map<string, number>();
  raw.forEach((m, i) => {
    const p = `/migrations/${i}`;
    const vmu =
      ctx.vmus.find((v) => v.id === m.vmu) ??
      check.fail(`${p}/vmu`, `the id of a VMU (${ctx.vmus.map((v) => v.id).join(', ') || 'none'})`, describeValue(m.vmu), didYouMean(m.vmu, ctx.vmus.map((v) => v.id)));
    const before = last.get(vmu.id);
    const fromHost = before?.host ?? vmu.host;
    const to =
      ctx.hosts.find((h) => h.id === m.to) ??
      check.fail(`${p}/to`, `the id of a host (${ctx.hosts.map((h) => h.id).join(', ')})`, describeValue(m.to), didYouMean(m.to, ctx.hosts.map((h) => h.id)));
    if (to.id === fromHost) check.fail(`${p}/to`, before === undefined ? `a host other than the VMU's own (${vmu.host})` : `a host other than ${fromHost}, where ${before.pointer} takes the VMU`, describeValue(m.to));
    if (!ctx.links.some((l) => l.hosts.includes(fromHost) && l.hosts.includes(to.id))) {
      check.fail(`${p}/to`, `a host joined to ${fromHost} by a link (links[] with hosts [${fromHost}, ${to.id}]): the pages cross it`, describeValue(m.to));
    }
    const beyond = vmu.affinity.find((c) => c >= to.cpus);
    if (beyond !== undefined) check.fail(`${p}/to`, `a host with pCPU ${beyond} (the VMU's affinity), ${to.id} has ${to.cpus}`, describeValue(m.to));
    refuseUncarried(vmu, ctx, p);
    checkPeersReach(vmu, to, raw, ctx, p);
    const atNs = check.duration(m.at, `${p}/at`);
    if (atNs >= ctx.durationNs) check.fail(`${p}/at`, `a start before the end of the run (${formatDuration(ctx.durationNs)})`, describeValue(m.at));
    // Whether the earlier one has ended by then is known only when it runs: an overlap is refused then (src/engine/migration.ts).
    // A VMU with a lifetime migrates inside it (whether its boot has ended by then is judged at the start: simulator.ts claimVmu).
    if ((vmu.startNs !== undefined && atNs < vmu.startNs) || (vmu.stopNs !== undefined && atNs >= vmu.stopNs)) {
      check.fail(`${p}/at`, `a start inside ${vmu.id}'s lifetime [${formatDuration(vmu.startNs ?? 0)}, ${vmu.stopNs === undefined ? 'the end' : formatDuration(vmu.stopNs)})`, describeValue(m.at));
    }
    if (before !== undefined && atNs <= before.atNs) check.fail(`${p}/at`, `a start after ${before.pointer}'s (${formatDuration(before.atNs)}): a VMU's migrations are listed in the order they run, one after another`, describeValue(m.at));
    const memoryBytes = parseSize(m.memory, check.file, `${p}/memory`);
    const pageBytes = m.pageSize ?? 4096;
    if (memoryBytes < pageBytes) check.fail(`${p}/memory`, `at least one page (${pageBytes} bytes)`, describeValue(m.memory));

    // Its instance on the destination: the VMU itself back on its own PH, the one an earlier move built there, or a new one.
    const source = before?.instance ?? vmu.id;
    const known = to.id === vmu.host ? vmu.id : instances.get(`${vmu.id}@${to.id}`);
    const twin = known ?? twinVmuId(vmu.id, to.id);
    if (known === undefined) {
      instances.set(`${vmu.id}@${to.id}`, twin);
      out.twins.push(twinOf(vmu, to, atNs, p, ctx));
    }
    last.set(vmu.id, { pointer: p, atNs, host: to.id, instance: twin });
    // One migration thread per instance (QEMU's of its process; under Xen a dom0 task): it sends from one PH and receives on the other.
    const sendThread = `${source}.migration`;
    const receiveThread = `${twin}.migration`;
    const from = ctx.hosts.find((h) => h.id === fromHost)!;
    const inside = m.thread === 'inside';
    const ownerOf = (instance: string) => (instance === vmu.id ? vmu : out.twins.find((t) => t.id === instance)!);
    for (const [id, host, instance] of [[sendThread, from, source], [receiveThread, to, twin]] as const) {
      const made = threads.get(id);
      if (made !== undefined) {
        if (made.inside !== inside) check.fail(`${p}/thread`, `"${made.inside ? 'inside' : 'outside'}", as ${made.pointer} (the instance ${instance} has one migration thread)`, describeValue(m.thread ?? 'outside'));
        continue;
      }
      threads.set(id, { pointer: p, inside });
      ctx.taskIds.add(id, `${p}/vmu`);
      out.threads.push(migrationThread(id, host, ownerOf(instance), inside));
    }
    // The first move of the VMU to a PH keeps the plain id; a later one to the same PH is numbered.
    const id = `${vmu.id}>${to.id}`;
    const nth = (movesTo.get(id) ?? 0) + 1;
    movesTo.set(id, nth);
    out.migrations.push({
      id: nth === 1 ? id : `${id}#${nth}`,
      vmu: vmu.id,
      source,
      from: fromHost,
      to: to.id,
      twin,
      atNs,
      memoryBytes,
      // A guest that writes nothing ("0MB/s") is a rate the link parser refuses: 0 is meaningful here.
      dirtyBytesPerSec: /^0+(?:\.0+)?[ ]?\S+$/u.test(m.dirtyRate) ? 0 : check.bandwidth(m.dirtyRate, `${p}/dirtyRate`) / 8,
      pageBytes,
      deviceStateBytes: parseSize(m.deviceState ?? '256KiB', check.file, `${p}/deviceState`),
      sendThread,
      receiveThread,
      ...(inside && { thread: 'inside' as const }),
      sendCostPerPageNs: check.duration(m.sendCost ?? '1us', `${p}/sendCost`),
      receiveCostPerPageNs: check.duration(m.receiveCost ?? '1us', `${p}/receiveCost`),
      ...(m.maxBandwidth !== undefined && { maxBandwidthBps: check.bandwidth(m.maxBandwidth, `${p}/maxBandwidth`) }),
      ...(m.downtimeLimit !== undefined && { downtimeLimitNs: check.positiveDuration(m.downtimeLimit, `${p}/downtimeLimit`) }),
      ...(m.maxRounds !== undefined && { maxRounds: m.maxRounds }),
      ...autoConverge(m.autoConverge, p, check),
    });
  });
  return out;
}

/** QEMU's auto-converge parameters (migration-rules.ts QEMU_AUTO_CONVERGE) with the scenario's; nothing when off. */
function autoConverge(raw: RawMigration['autoConverge'], p: string, check: Checker): Pick<MigrationSpec, 'autoConverge'> {
  if (raw === undefined || raw === false) return {};
  const d = QEMU_AUTO_CONVERGE;
  const given = raw === true ? {} : raw;
  const ac = { initialPct: given.initial ?? d.initialPct, incrementPct: given.increment ?? d.incrementPct, maxPct: given.max ?? d.maxPct, triggerThresholdPct: given.triggerThreshold ?? d.triggerThresholdPct };
  if (ac.initialPct > ac.maxPct) check.fail(`${p}/autoConverge/initial`, `at most max (${ac.maxPct} %)`, String(ac.initialPct));
  return { autoConverge: ac };
}

/** The VMU's instance on PH `to`, admitted at `atNs` (its first move there): its tasks, chain handlers and I/O loads as `<id>.<host>`. */
function twinOf(vmu: VmuSpec, to: HostSpec, atNs: Ns, p: string, ctx: Context): VmuSpec {
  const tasks = vmu.tasks.map((t) => {
    const id = twinTaskId(t.id, to.id);
    ctx.taskIds.add(id, `${p}/vmu`);
    return { ...t, id };
  });
  // The chains' handler tasks in the VMU (added when the hosts are built) have their twins too.
  for (const c of ctx.chains) c.stages.forEach((s, j) => s.kind === 'compute' && s.vmu === vmu.id && ctx.taskIds.add(twinTaskId(ChainRun.handlerId(c.id, j), to.id), `${p}/vmu`));
  // Its I/O loads continue there as loads of its own (src/engine/simulator.ts resumeVmu).
  const stream = vmu.io.find((l) => l.storage !== undefined);
  if (stream !== undefined && to.storage === undefined) ctx.check.fail(`${p}/to`, `a host with a storage device (hosts[].storage): ${vmu.id}'s I/O load ${stream.id} is a storage stream and continues on the destination's device`, describeValue(to.id));
  const io = vmu.io.filter((l) => l.issuedBy === undefined).map((l) => {
    const id = twinTaskId(l.id, to.id);
    ctx.taskIds.add(id, `${p}/vmu`);
    return { ...l, id };
  });
  // It runs from the migration's start (admitted then) to the VMU's stop; it does not boot (the guest
  // arrives running), and it shuts down at the stop if the VMU is on it then (simulator.ts stopVmu).
  if (vmu.shutdownNs !== undefined) ctx.taskIds.add(twinVmuId(vmu.id, to.id) + SHUTDOWN_SUFFIX, `${p}/vmu`);
  const { aggressor: _aggressor, bootNs: _bootNs, ...source } = vmu;
  return { ...source, id: twinVmuId(vmu.id, to.id), host: to.id, tasks, io, startNs: atNs, migrationOf: vmu.id };
}

/**
 * After the switch-over the VMU's flows and chain hops run between the destination and each peer's
 * PH (src/engine/net/network.ts move): the destination must be that PH or linked to it, wherever the
 * peer is then (its own host, or any PH one of its migrations takes it to).
 */
function checkPeersReach(vmu: VmuSpec, to: HostSpec, raw: readonly RawMigration[], ctx: Context, p: string): void {
  const hostOf = (id: string) => ctx.vmus.find((v) => v.id === id)?.host;
  const placesOf = (id: string) => new Set([hostOf(id), ...raw.filter((m) => m.vmu === id).map((m) => m.to)].filter((h): h is string => h !== undefined));
  const ends = [
    ...ctx.flows.flatMap((f) => [[f.from, f.to, `flow ${f.id}`]]),
    ...ctx.chains.flatMap((c) => c.stages.flatMap((s) => (s.kind === 'hop' ? [[s.from, s.to, `chain ${c.id}`]] : []))),
  ];
  for (const [a, b, what] of ends) {
    const peer = a === vmu.id ? b : b === vmu.id ? a : undefined;
    if (peer === undefined || peer === vmu.id) continue;
    for (const h of placesOf(peer)) {
      if (h !== to.id && !ctx.links.some((l) => l.hosts.includes(h) && l.hosts.includes(to.id))) {
        ctx.check.fail(`${p}/to`, `a host that reaches ${h}, where ${what}'s other end ${peer} runs (the same PH, or links[] with hosts [${h}, ${to.id}])`, describeValue(to.id));
      }
    }
  }
}

/** What the move cannot carry yet: rt-app programs. */
function refuseUncarried(vmu: VmuSpec, ctx: Context, p: string): void {
  const why = (what: string) => ctx.check.fail(`${p}/vmu`, `a VMU without ${what} (not carried by a migration yet)`, `VMU ${vmu.id} with ${what}`);
  if (vmu.tasks.some((t) => t.arrival.kind === 'program')) why('rt-app programs');
}

/** A migration in its file form (the inverse of normalizeMigrations; its destination instance and threads are not written). */
export function serializeMigration(m: MigrationSpec): RawMigration {
  return {
    vmu: m.vmu,
    to: m.to,
    at: durationString(m.atNs),
    memory: `${m.memoryBytes}B`,
    dirtyRate: `${m.dirtyBytesPerSec * 8}bit/s`,
    pageSize: m.pageBytes as 4096 | 2097152,
    deviceState: `${m.deviceStateBytes}B`,
    sendCost: durationString(m.sendCostPerPageNs),
    ...(m.thread !== undefined && { thread: m.thread }),
    receiveCost: durationString(m.receiveCostPerPageNs),
    ...(m.maxBandwidthBps !== undefined && { maxBandwidth: `${m.maxBandwidthBps}bit/s` }),
    ...(m.downtimeLimitNs !== undefined && { downtimeLimit: durationString(m.downtimeLimitNs) }),
    ...(m.maxRounds !== undefined && { maxRounds: m.maxRounds }),
    ...(m.autoConverge !== undefined && { autoConverge: { initial: m.autoConverge.initialPct, increment: m.autoConverge.incrementPct, max: m.autoConverge.maxPct, triggerThreshold: m.autoConverge.triggerThresholdPct } }),
  };
}

/** What normalizeMigrations added to the scenario's VMUs and host threads: left out when it is written back. */
export function addedByMigrations(migrations: readonly MigrationSpec[] | undefined): Set<string> {
  return new Set((migrations ?? []).flatMap((m) => [...(m.twin === m.vmu ? [] : [m.twin]), m.sendThread, m.receiveThread]));
}
