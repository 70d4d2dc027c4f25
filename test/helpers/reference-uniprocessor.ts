// An independent, job-level reference schedule of periodic tasks on one dedicated processor —
// no engine, no scheduling classes — to check the simulator's two paths (guest tasks and host
// threads) against. Preemptive fixed priority (distinct priorities) or EDF by absolute job
// deadline; a late task queues its next releases and runs them back to back. Same-instant rule as
// the engine: completions first, then releases in task order. EDF ties go to the job that became
// its task's head first (a task that carries on with a queued job re-queues behind equal deadlines).

export interface ReferenceTask {
  periodNs: number;
  wcetNs: number;
  deadlineNs: number;
  /** Fixed priority (higher runs first); ignored under EDF. */
  priority: number;
}

export interface ReferenceTaskResult {
  released: number;
  completed: number;
  /** Completed after its deadline. */
  missed: number;
  /** Released, unfinished at the end, deadline already passed. */
  unfinishedMissed: number;
  maxResponseNs: number;
}

interface HeadJob {
  release: number;
  deadline: number;
  remaining: number;
  /** When it became its task's head job (EDF ties). */
  seq: number;
}

export function referenceSchedule(tasks: ReferenceTask[], policy: 'fp' | 'edf', durationNs: number): ReferenceTaskResult[] {
  const results = tasks.map(() => ({ released: 0, completed: 0, missed: 0, unfinishedMissed: 0, maxResponseNs: 0 }));
  const backlog: HeadJob[][] = tasks.map(() => []);
  const nextRelease = tasks.map(() => 0);
  let seq = 0;
  let now = 0;
  let running = -1;

  const better = (a: number, b: number): boolean => {
    if (policy === 'fp') return tasks[a].priority > tasks[b].priority;
    const ja = backlog[a][0];
    const jb = backlog[b][0];
    return ja.deadline < jb.deadline || (ja.deadline === jb.deadline && ja.seq < jb.seq);
  };
  const pick = (): number => {
    let best = -1;
    for (let i = 0; i < tasks.length; i++) if (backlog[i].length > 0 && (best < 0 || better(i, best))) best = i;
    return best;
  };

  for (;;) {
    const releaseAt = Math.min(...nextRelease);
    const completionAt = running >= 0 ? now + backlog[running][0].remaining : Infinity;
    const t = Math.min(releaseAt, completionAt);
    if (t > durationNs) break;
    if (running >= 0) backlog[running][0].remaining -= t - now;
    now = t;
    if (running >= 0 && backlog[running][0].remaining === 0) {
      const job = backlog[running].shift()!;
      const r = results[running];
      r.completed++;
      r.maxResponseNs = Math.max(r.maxResponseNs, now - job.release);
      if (now > job.deadline) r.missed++;
      if (backlog[running].length > 0) backlog[running][0].seq = seq++;
    }
    for (let i = 0; i < tasks.length; i++) {
      if (nextRelease[i] !== now) continue;
      backlog[i].push({ release: now, deadline: now + tasks[i].deadlineNs, remaining: tasks[i].wcetNs, seq: backlog[i].length === 0 ? seq++ : -1 });
      results[i].released++;
      nextRelease[i] = now + tasks[i].periodNs;
    }
    running = pick();
  }
  for (let i = 0; i < tasks.length; i++) {
    for (const job of backlog[i]) if (job.deadline < durationNs) results[i].unfinishedMissed++;
  }
  return results;
}
