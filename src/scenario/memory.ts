// Raw memory hierarchy and memory profiles → the engine's HostMemorySpec and MemoryProfile, with the
// checks the schema cannot express: levels grow outwards, an instance serves at most the host's CPUs,
// a cache has at least one set, and `interference: cache` has a hierarchy on every host.

import { describeValue } from '../errors.js';
import type { Checker } from './checks.js';
import type { RawScenario } from './schema.js';
import type { HostMemorySpec, HostSpec, HostThreadSpec, MemoryProfile, VmuSpec } from '../engine/system.js';
import type { FigureRequest } from './types.js';
import { didYouMean } from './suggest.js';
import { formatSize, parseBandwidth, parseSize } from './memory-units.js';

type RawHostMemory = NonNullable<RawScenario['hosts'][number]['memory']>;
type RawTaskMemory = { workingSet: string; intensity?: number };

export function normalizeHostMemory(raw: RawHostMemory, pointer: string, cpus: number, check: Checker): HostMemorySpec {
  const lineBytes = raw.line === undefined ? 64 : parseSize(raw.line, check.file, `${pointer}/line`);
  let previous: HostMemorySpec['levels'][number] | undefined;
  const levels = raw.caches.map((c, i) => {
    const at = `${pointer}/caches/${i}`;
    const level = {
      name: c.name ?? `L${i + 1}`,
      sizeBytes: parseSize(c.size, check.file, `${at}/size`),
      ways: c.ways ?? 8,
      sharedBy: c.sharedBy ?? 1,
      missPenaltyNs: check.duration(c.missPenalty, `${at}/missPenalty`),
    };
    if (level.sharedBy > cpus) check.fail(`${at}/sharedBy`, `at most the host's ${cpus} CPUs`, describeValue(c.sharedBy));
    if (level.sizeBytes < lineBytes * level.ways) {
      check.fail(`${at}/size`, `at least one set: ways (${level.ways}) × line (${formatSize(lineBytes)}) = ${formatSize(lineBytes * level.ways)}`, describeValue(c.size));
    }
    if (previous !== undefined && level.sizeBytes < previous.sizeBytes) {
      check.fail(`${at}/size`, `a size >= the level inside it (${previous.name}: ${formatSize(previous.sizeBytes)}); list levels from the core outwards`, describeValue(c.size));
    }
    if (previous !== undefined && level.sharedBy < previous.sharedBy) {
      check.fail(`${at}/sharedBy`, `at least the sharing of the level inside it (${previous.name}: ${previous.sharedBy})`, describeValue(c.sharedBy));
    }
    previous = level;
    return level;
  });
  return { lineBytes, levels, bandwidthBytesPerNs: parseBandwidth(raw.bandwidth, check.file, `${pointer}/bandwidth`) };
}

export function normalizeTaskMemory(raw: RawTaskMemory, pointer: string, check: Checker): MemoryProfile {
  return { workingSetBytes: parseSize(raw.workingSet, check.file, `${pointer}/workingSet`), intensity: raw.intensity ?? 0.1 };
}

/** `interference: cache` needs every host's hierarchy (tasks without a memory profile are simply unaffected). */
export function checkInterference(interference: 'none' | 'cache' | undefined, hosts: readonly HostSpec[], check: Checker): 'cache' | undefined {
  if (interference !== 'cache') return undefined;
  hosts.forEach((h, i) => {
    if (h.memory === undefined) {
      check.fail(`/hosts/${i}`, 'a `memory` hierarchy (caches and bandwidth), which interference "cache" needs on every host', `host ${h.id} without one`, 'add memory: { bandwidth: "12GB/s", caches: [{ size: 32MiB, ways: 16, sharedBy: <cpus>, missPenalty: 80ns }] }, or set interference: none');
    }
  });
  return 'cache';
}

type RawWorkingSetSweep = Extract<NonNullable<RawScenario['figures']>[number], { kind: 'working-set-sweep' }>;

/** Seed figure 14 as a sweep: the swept task must have a memory profile, and interference must be on. */
export function normalizeWorkingSetSweep(
  raw: RawWorkingSetSweep,
  pointer: string,
  system: { vmus: readonly VmuSpec[]; hostThreads: readonly HostThreadSpec[]; interference: 'cache' | undefined },
  durationNs: number,
  check: Checker,
): FigureRequest {
  if (system.interference !== 'cache') check.fail(`${pointer}/kind`, 'a scenario with interference: cache (a working set changes nothing without it)', 'interference none');
  const tasks = [...system.vmus.flatMap((v) => v.tasks), ...system.hostThreads];
  const task = tasks.find((t) => t.id === raw.task);
  if (task === undefined) check.fail(`${pointer}/task`, 'the id of a task or host thread', describeValue(raw.task), didYouMean(raw.task, tasks.map((t) => t.id)));
  if (task.memory === undefined) check.fail(`${pointer}/task`, 'a task with a memory profile (its working set is what varies)', `task ${task.id} without one`);
  const vmu = system.vmus.find((v) => v.id === raw.vmu);
  if (vmu === undefined) check.fail(`${pointer}/vmu`, 'the id of a VMU', describeValue(raw.vmu), didYouMean(raw.vmu, system.vmus.map((v) => v.id)));
  return {
    kind: 'working-set-sweep',
    task: task.id,
    workingSets: raw.workingSets.map((w, i) => parseSize(w, check.file, `${pointer}/workingSets/${i}`)),
    vmu: vmu.id,
    durationNs: raw.duration === undefined ? durationNs : check.positiveDuration(raw.duration, `${pointer}/duration`),
    pointer,
  };
}
