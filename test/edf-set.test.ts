// Issue 14's benchmark set (bench/edf-set.ts) must be the EDF set it claims to be, or the engine's
// speed is measured on a schedule nobody asked for (it once ran every host-thread job into its CBS
// budget). Checked by a second path: a plain preemptive EDF scheduler written here, independent of
// the engine, gives every job's completion; hvsim's run of the set must complete the same jobs at
// the same instants — as SCHED_DEADLINE host threads on one CPU, and through a 4-vCPU guest whose
// global EDF has each vCPU as a whole pCPU.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Simulator } from '../src/engine/simulator.js';
import { findModel } from '../models/index.js';
import { edfGuest, edfHostThreads } from '../bench/edf-set.js';
import { parseScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';

interface PeriodicTask {
  period: number;
  demand: number;
}

/**
 * Preemptive EDF on `cpus` identical processors from time 0 to `end`: each job's (task, release, completion).
 * Ties on the absolute deadline go to the earlier release, then to the lower task index (a running
 * job is never pre-empted by an equal deadline: SCHED_DEADLINE's dl_time_before is strict).
 */
function referenceEdf(tasks: PeriodicTask[], cpus: number, end: number): Map<string, number> {
  interface J { task: number; release: number; deadline: number; left: number }
  const completions = new Map<string, number>();
  const nextRelease = tasks.map(() => 0);
  let ready: J[] = [];
  let now = 0;
  for (;;) {
    for (let i = 0; i < tasks.length; i++) {
      while (nextRelease[i] <= now) {
        ready.push({ task: i, release: nextRelease[i], deadline: nextRelease[i] + tasks[i].period, left: tasks[i].demand });
        nextRelease[i] += tasks[i].period;
      }
    }
    ready.sort((a, b) => a.deadline - b.deadline || a.release - b.release || a.task - b.task);
    // One job of a task at a time: a task's later job waits for its earlier one.
    const running: J[] = [];
    const busy = new Set<number>();
    for (const j of ready) {
      if (running.length === cpus) break;
      if (busy.has(j.task)) continue;
      busy.add(j.task);
      running.push(j);
    }
    const release = Math.min(...nextRelease);
    const finish = running.length === 0 ? Infinity : now + Math.min(...running.map((j) => j.left));
    const next = Math.min(release, finish);
    if (next > end) break;
    for (const j of running) j.left -= next - now;
    now = next;
    for (const j of running) if (j.left === 0) completions.set(`${j.task}@${j.release}`, now);
    ready = ready.filter((j) => j.left > 0);
  }
  return completions;
}

function setOf(scenario: Scenario): PeriodicTask[] {
  const specs = scenario.hostThreads.length > 0 ? scenario.hostThreads : scenario.vmus[0].tasks;
  return specs.map((t) => {
    if (t.arrival.kind !== 'periodic' || t.exec.kind !== 'constant') throw new Error('the bench set is periodic with constant demands');
    return { period: t.arrival.period, demand: t.exec.value };
  });
}

function hvsimCompletions(scenario: Scenario, model: string, params: Record<string, unknown>): Map<string, number> {
  const completions = new Map<string, number>();
  const index = new Map<string, number>();
  const sim = new Simulator(scenario, findModel(model, '<test>', ''), {
    params,
    observer: { complete: (now, task, job) => completions.set(`${index.get(task.id)}@${job.release}`, now) },
  });
  sim.tasks.forEach((t, i) => index.set(t.id, i));
  sim.run();
  return completions;
}

const SECOND = 1_000_000_000;

describe('bench/edf-set.ts is an EDF set whose schedule is plain EDF', () => {
  it('as SCHED_DEADLINE host threads on one CPU: every job completes when a plain EDF scheduler completes it, and none misses', () => {
    const scenario = edfHostThreads(2 * SECOND);
    const tasks = setOf(scenario);
    expect(tasks.reduce((u, t) => u + t.demand / t.period, 0)).toBeCloseTo(0.9, 6);
    const expected = referenceEdf(tasks, 1, scenario.durationNs);
    const got = hvsimCompletions(scenario, 'kvm-deadline', {});
    expect(got.size).toBeGreaterThan(1400);
    expect([...got].sort()).toEqual([...expected].sort());
    for (const [key, at] of got) {
      const [task, release] = key.split('@').map(Number);
      expect(at - release).toBeLessThanOrEqual(tasks[task].period);
    }
  });

  it('through a 4-vCPU global-EDF guest on whole pCPUs: the same jobs complete as under plain global EDF on 4 processors', () => {
    const scenario = edfGuest(2 * SECOND);
    const expected = referenceEdf(setOf(scenario), 4, scenario.durationNs);
    const got = hvsimCompletions(scenario, 'kvm-irmos', { admissionBound: 1 });
    expect([...got].sort()).toEqual([...expected].sort());
  });

  it('bench/edf-set.yaml, the file `npm run bench` runs whole-process, is the host-thread set', () => {
    const fromFile = parseScenarioText(readFileSync(new URL('../bench/edf-set.yaml', import.meta.url), 'utf8'), 'bench/edf-set.yaml');
    const built = edfHostThreads(fromFile.durationNs);
    expect(fromFile.durationNs).toBe(100 * SECOND);
    expect(fromFile.hosts[0].contextSwitchNs).toBe(built.hosts[0].contextSwitchNs);
    expect(fromFile.hosts[0].tickNs).toBe(built.hosts[0].tickNs);
    expect(fromFile.hostThreads.map((t) => [t.id, t.arrival, t.exec, t.deadline, t.policy, t.affinity])).toEqual(
      built.hostThreads.map((t) => [t.id, t.arrival, t.exec, t.deadline, t.policy, t.affinity]),
    );
  });
});
