// Program tasks (`kind: program`, the rt-app bridge) in both directions: the file form of a
// JobProgram → the in-memory one, with the checks the rt-app importer applies, and back. Also the
// two values a program task derives from its program (natural deadline, nominal demand), shared by
// the loader and src/rtapp/import.ts so an imported scenario and its file form agree.
//
// File form (schema-parts.ts): { kind: program, offset?, loop?, wakeDelay?, phases: [{ loop?, steps:
// [{ run } | { runtime } | { sleep } | { timer: { ref, period, mode? } } | { yield: true }] }] }; semantics in
// src/engine/program.ts.

import { isPrivateTimerRef } from '../engine/program.js';
import { describeValue } from '../errors.js';
import type { Checker } from './checks.js';
import type { RawScenario } from './schema.js';
import type { ExecDist, JobProgram, Ns, ProgramPhase, ProgramStep } from './types.js';
import { durationString } from './units.js';

type RawVmu = NonNullable<RawScenario['vmus']>[number];
type RawAnyTask = NonNullable<RawVmu['tasks']>[number] | NonNullable<RawScenario['hostThreads']>[number];
export type RawProgramTask = Extract<RawAnyTask, { kind: 'program' }>;
type RawProgramFields = Pick<RawProgramTask, 'offset' | 'loop' | 'wakeDelay' | 'phases'>;
type RawStep = RawProgramTask['phases'][number]['steps'][number];
type RawTimer = NonNullable<RawStep['timer']>;

export { isPrivateTimerRef } from '../engine/program.js';

/** Name of timer `index` of `program` (programs built in code may carry none). */
export function timerRef(program: JobProgram, index: number): string {
  return program.timerRefs?.[index] ?? (index === 0 ? 'unique' : `unique${index}`);
}

/**
 * Relative deadline a program task gets unless it names one: the timer period when every phase
 * waits on exactly one timer, all of the same period (a miss is then rt-app's slack < 0); else none.
 */
export function programDeadline(program: JobProgram): Ns {
  const periods = program.phases.map((p) => p.steps.flatMap((s) => (s.kind === 'timer' ? [s.period] : [])));
  const first = periods[0]?.[0];
  return first !== undefined && periods.every((list) => list.length === 1 && list[0] === first) ? first : Infinity;
}

/** The task's nominal `exec` (reports, isolation scaling): its largest run; the program sets each job's demand. */
export function programExec(program: JobProgram): ExecDist {
  const runs = program.phases.flatMap((p) => p.steps.map((s) => (s.kind === 'run' ? s.ns : 0)));
  return { kind: 'constant', value: Math.max(1, ...runs) };
}

/** File form → JobProgram. `pointer` is the task's. Timers are numbered in order of first use. */
export function normalizeProgram(raw: RawProgramFields, pointer: string, check: Checker): JobProgram {
  const refs: string[] = [];
  // One mode per timer: the first explicit one, which steps without `mode` follow; a different
  // explicit one is refused (rt-app would silently make the timer absolute).
  const modes = new Map<string, { mode: 'relative' | 'absolute'; pointer: string }>();
  raw.phases.forEach((phase, i) =>
    phase.steps.forEach((step, j) => {
      const timer = step.timer;
      if (timer === undefined) return;
      if (!refs.includes(timer.ref)) refs.push(timer.ref);
      if (timer.mode === undefined) return;
      const at = `${pointer}/phases/${i}/steps/${j}/timer/mode`;
      const first = modes.get(timer.ref);
      if (first === undefined) modes.set(timer.ref, { mode: timer.mode, pointer: at });
      else if (first.mode !== timer.mode) {
        check.fail(at, `"${first.mode}", the mode of timer "${timer.ref}" at ${first.pointer} (one mode per timer)`, describeValue(timer.mode));
      }
    }),
  );
  const phases = raw.phases.map((phase, i): ProgramPhase => {
    const at = `${pointer}/phases/${i}`;
    return {
      loop: loopCount(phase.loop ?? 1, `${at}/loop`, check),
      steps: phase.steps.map((step, j) => normalizeStep(step, `${at}/steps/${j}`, refs, modes, check)),
    };
  });
  return {
    offset: check.duration(raw.offset ?? '0s', `${pointer}/offset`),
    loop: loopCount(raw.loop ?? -1, `${pointer}/loop`, check),
    phases,
    timers: refs.length,
    timerRefs: refs,
    wakeDelayNs: check.duration(raw.wakeDelay ?? '0s', `${pointer}/wakeDelay`),
  };
}

function normalizeStep(step: RawStep, pointer: string, refs: string[], modes: Map<string, { mode: string }>, check: Checker): ProgramStep {
  // The schema admits exactly one key per step.
  if (step.run !== undefined) return { kind: 'run', ns: check.duration(step.run, `${pointer}/run`), wall: false };
  if (step.runtime !== undefined) return { kind: 'run', ns: check.duration(step.runtime, `${pointer}/runtime`), wall: true };
  if (step.sleep !== undefined) return { kind: 'sleep', ns: check.duration(step.sleep, `${pointer}/sleep`) };
  if (step.yield !== undefined) return { kind: 'yield' };
  const timer = step.timer as RawTimer;
  return {
    kind: 'timer',
    timer: refs.indexOf(timer.ref),
    period: check.positiveDuration(timer.period, `${pointer}/timer/period`),
    relative: (modes.get(timer.ref)?.mode ?? 'relative') === 'relative',
  };
}

/** rt-app's loop counts: >= 1, or -1 for forever; 0 would be a program that never starts. */
function loopCount(n: number, pointer: string, check: Checker): number {
  if (n === 0) check.fail(pointer, 'a loop count >= 1, or -1 (forever)', '0');
  return n;
}

/**
 * Timer names are global in rt-app: the programs of one process that name the same timer (other
 * than "unique…") share one t_next (src/engine/program.ts). A process is a host's threads, or one
 * VMU's tasks (a guest runs its own rt-app): a name used in two processes is refused, as is a timer
 * whose users ask for different modes (one mode per timer, as within a task).
 */
export function checkTimerOwners(tasks: readonly { raw: RawAnyTask; pointer: string; process: string }[], check: Checker): void {
  const owners = new Map<string, { id: string; pointer: string; process: string; mode: 'relative' | 'absolute' }>();
  for (const { raw, pointer, process } of tasks) {
    if (raw.kind !== 'program') continue;
    const modes = new Map<string, 'relative' | 'absolute'>();
    for (const phase of raw.phases) for (const step of phase.steps) if (step.timer?.mode !== undefined && !modes.has(step.timer.ref)) modes.set(step.timer.ref, step.timer.mode);
    raw.phases.forEach((phase, i) =>
      phase.steps.forEach((step, j) => {
        const ref = step.timer?.ref;
        if (ref === undefined || isPrivateTimerRef(ref)) return;
        const mode = modes.get(ref) ?? 'relative';
        const owner = owners.get(ref);
        if (owner === undefined) {
          owners.set(ref, { id: raw.id, pointer, process, mode });
          return;
        }
        if (owner.pointer === pointer) return;
        if (owner.process !== process) {
          check.fail(
            `${pointer}/phases/${i}/steps/${j}/timer/ref`,
            `a timer of ${process} ("unique…", or a name only tasks of ${process} use)`,
            `timer "${ref}" also used by task "${owner.id}" of ${owner.process} (${owner.pointer})`,
            'one rt-app process shares a timer among its threads; rename it in one of them',
          );
        }
        if (owner.mode !== mode) {
          check.fail(
            `${pointer}/phases/${i}/steps/${j}/timer/mode`,
            `"${owner.mode}", the mode of timer "${ref}" in task "${owner.id}" (one mode per timer)`,
            `"${mode}"${modes.has(ref) ? '' : ' (the default)'}`,
          );
        }
      }),
    );
  }
}

/** JobProgram → file form, every field written (a committed scenario then says what it runs). */
export function serializeProgram(program: JobProgram): RawProgramFields {
  const modes = new Map<number, boolean>();
  const phases = program.phases.map((phase) => ({
    loop: phase.loop,
    steps: phase.steps.map((s): RawStep => {
      switch (s.kind) {
        case 'run':
          return s.wall ? { runtime: durationString(s.ns) } : { run: durationString(s.ns) };
        case 'sleep':
          return { sleep: durationString(s.ns) };
        case 'yield':
          return { yield: true };
        case 'timer': {
          // The file form has one mode per timer; a program built in code could mix them.
          if ((modes.get(s.timer) ?? s.relative) !== s.relative) throw new Error(`serializeProgram: timer ${s.timer} mixes relative and absolute steps`);
          modes.set(s.timer, s.relative);
          return { timer: { ref: timerRef(program, s.timer), period: durationString(s.period), mode: s.relative ? 'relative' : 'absolute' } };
        }
      }
    }),
  }));
  return { offset: durationString(program.offset), loop: program.loop, wakeDelay: durationString(program.wakeDelayNs), phases };
}
