// The arithmetic of the cache-interference model (cache.md): how much of a task's data an
// intervening footprint evicts, what a reload costs, how co-running tasks divide a shared cache and
// what that and the memory bus do to their speed. Pure functions of numbers; interference.ts keeps
// the state of a run and calls them. Floats here, integer ns where a time leaves this module.

import type { CacheLevelSpec, HostMemorySpec, MemoryProfile } from './system.js';

/**
 * Bytes of a resident footprint of `ownBytes` evicted from `level` once `interveningBytes` distinct
 * bytes of other tasks passed through it (cache.md §2.1, Thiébaut & Stone): per set, own lines a and
 * k ~ Poisson(λ) intervening lines; LRU keeps the `ways` most recent, so E[survivors] =
 * Σ_{k<ways} P(k)·min(a, ways − k). Monotone in the intervening footprint, at most `ownBytes`.
 */
export function evictedBytes(ownBytes: number, interveningBytes: number, level: CacheLevelSpec, lineBytes: number): number {
  if (ownBytes <= 0 || interveningBytes <= 0) return 0;
  const sets = Math.max(1, Math.floor(level.sizeBytes / (lineBytes * level.ways)));
  const ownPerSet = Math.min(level.ways, ownBytes / (lineBytes * sets));
  const lambda = interveningBytes / (lineBytes * sets);
  let pk = Math.exp(-lambda); // underflows to 0 for a footprint hundreds of times the cache: all evicted
  let survivors = 0;
  for (let k = 0; k < level.ways && pk > 0; k++) {
    survivors += pk * Math.min(ownPerSet, level.ways - k);
    pk *= lambda / (k + 1);
  }
  return ownBytes * Math.max(0, 1 - survivors / ownPerSet);
}

/** What a task can hold of its data in one instance of `level` alone. */
export function residentBytes(profile: MemoryProfile, level: CacheLevelSpec): number {
  return Math.min(profile.workingSetBytes, level.sizeBytes);
}

/**
 * Reload time (ns, not rounded) of `missingBytes[i]` bytes missing at level i (cache.md §2.2): a line
 * missing at a level also misses every level inside it (inclusion), and each level it misses costs
 * that level's penalty. At most the reload of min(working set, size) at every level.
 */
export function reloadNs(memory: HostMemorySpec, missingBytes: readonly number[]): number {
  let total = 0;
  let outer = 0; // bytes missing further out, which miss here too
  for (let i = memory.levels.length - 1; i >= 0; i--) {
    const missing = Math.max(missingBytes[i], outer);
    outer = missing;
    total += (missing / memory.lineBytes) * memory.levels[i].missPenaltyNs;
  }
  return total;
}

/** Distinct bytes a task touches in `runNs` of run (cache.md §2.3). */
export function touchedBytes(profile: MemoryProfile, memory: HostMemorySpec, runNs: number): number {
  return Math.min(profile.workingSetBytes, profile.intensity * memory.bandwidthBytesPerNs * runNs);
}

/**
 * Shares of one shared cache instance among the tasks running on its CPUs at once (cache.md §3.1):
 * in proportion to intensity, none above its working set (water-filling: what one does not need
 * is divided among the rest). `out[i]` receives task i's share in bytes.
 */
export function occupancyShares(profiles: readonly MemoryProfile[], sizeBytes: number, out: number[]): void {
  out.length = profiles.length;
  const capped: boolean[] = profiles.map((p) => p.intensity <= 0 || p.workingSetBytes <= 0);
  for (let i = 0; i < profiles.length; i++) out[i] = capped[i] ? 0 : Math.min(profiles[i].workingSetBytes, sizeBytes);
  let left = sizeBytes;
  // Each round caps at least one task or ends: at most n rounds.
  for (let round = 0; round < profiles.length; round++) {
    let weight = 0;
    for (let i = 0; i < profiles.length; i++) if (!capped[i]) weight += profiles[i].intensity;
    if (weight <= 0) break;
    let cappedNow = false;
    for (let i = 0; i < profiles.length; i++) {
      if (capped[i]) continue;
      const fair = (left * profiles[i].intensity) / weight;
      if (profiles[i].workingSetBytes <= fair) {
        out[i] = profiles[i].workingSetBytes;
        capped[i] = true;
        cappedNow = true;
      }
    }
    if (!cappedNow) {
      for (let i = 0; i < profiles.length; i++) if (!capped[i]) out[i] = (left * profiles[i].intensity) / weight;
      break;
    }
    left = sizeBytes;
    for (let i = 0; i < profiles.length; i++) if (capped[i]) left -= out[i];
  }
}

/**
 * Extra stall per ns of work of a task that holds `heldBytes` of a level instead of what it would
 * hold alone (cache.md §3.2): extra miss fraction × lines accessed per ns × the level's penalty.
 */
export function sharingStall(profile: MemoryProfile, memory: HostMemorySpec, level: CacheLevelSpec, heldBytes: number): number {
  const w = profile.workingSetBytes;
  if (w <= 0) return 0;
  const extraMiss = (residentBytes(profile, level) - Math.min(w, heldBytes)) / w;
  if (extraMiss <= 0) return 0;
  return extraMiss * ((profile.intensity * memory.bandwidthBytesPerNs) / memory.lineBytes) * level.missPenaltyNs;
}

/** Bytes per ns of work a task sends to memory holding `heldBytes` of the last level (cache.md §3.3). */
export function memoryTraffic(profile: MemoryProfile, memory: HostMemorySpec, heldBytes: number): number {
  const w = profile.workingSetBytes;
  if (w <= 0) return 0;
  return ((w - Math.min(w, heldBytes)) / w) * profile.intensity * memory.bandwidthBytesPerNs;
}

/** Progress per ns of CPU (cache.md §3.4): 1 / (1 + stall + bus wait); bus wait only beyond the bandwidth. */
export function progressRate(stall: number, trafficBytesPerNs: number, busDemandBytesPerNs: number, memory: HostMemorySpec): number {
  const bandwidth = memory.bandwidthBytesPerNs;
  const busWait = busDemandBytesPerNs > bandwidth ? (busDemandBytesPerNs / bandwidth - 1) * (trafficBytesPerNs / bandwidth) : 0;
  return 1 / (1 + stall + busWait);
}
