// Raw memory hierarchy and memory profiles → the engine's HostMemorySpec and MemoryProfile, with the
// checks the schema cannot express: levels grow outwards, an instance serves at most the host's CPUs,
// a cache has at least one set, and `interference: cache` has a hierarchy on every host.

import { describeValue } from '../errors.js';
import type { Checker } from './checks.js';
import type { RawScenario } from './schema.js';
import type { HostMemorySpec, HostSpec, MemoryProfile } from '../engine/system.js';
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
