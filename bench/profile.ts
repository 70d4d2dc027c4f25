// Summarise a V8 .cpuprofile (written by `node --cpu-prof`) by self time: each sample is charged to
// the function on top of the stack for the time until the next sample. Functions are keyed by name
// and source location, so the same function reached from different callers counts once.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  fn: string;
  selfMs: number;
  share: number;
}

/** The `top` functions by self time, with their share of all sampled time. */
export function topSelfTime(profileFile: string, top: number): SelfTime[] {
  const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
  const nameOf = new Map<number, string>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    // Line numbers in the profile are 0-based; the source position points into dist/ (compiled JS).
    const where = url ? ` ${basename(url)}:${lineNumber + 1}` : '';
    nameOf.set(n.id, `${functionName || '(anonymous)'}${where}`);
  }
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  // timeDeltas[i] is the time from sample i-1 to sample i: sample i's stack ran for timeDeltas[i + 1].
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const fn = nameOf.get(profile.samples[i]) ?? '?';
    selfUs.set(fn, (selfUs.get(fn) ?? 0) + dt);
    totalUs += dt;
  }
  return [...selfUs]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([fn, us]) => ({ fn, selfMs: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }));
}
