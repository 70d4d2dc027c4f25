// The engine's nanosecond fields are doubles in V8's hidden classes from construction
// (src/engine/wide-numbers.ts): an object whose time or accumulated time passes 2^31 ns keeps its
// hidden class, so optimised code reading it is not thrown away mid-run. Checked with V8's own
// %HaveSameMap in a child process (natives syntax is a command-line flag), on the compiled engine.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dist = (p: string) => fileURLToPath(new URL(`../dist/src/engine/${p}`, import.meta.url));

const SCRIPT = `
const { Task, HostEntity, TaskStats } = await import(${JSON.stringify(dist('entities.js'))});
const { newJob } = await import(${JSON.stringify(dist('releases.js'))});
const { EventQueue, EventPhase } = await import(${JSON.stringify(dist('event-queue.js'))});
const { LatencyHistogram } = await import(${JSON.stringify(fileURLToPath(new URL('../dist/src/metrics/histogram.js', import.meta.url)))});
const PAST = 2 ** 31 + 7; // past the 31-bit small integers of Node's 64-bit builds
const spec = { id: 't', deadline: 5e6 };
const same = {};
const [t1, t2] = [new Task(spec, null), new Task(spec, null)];
t2.execNs += PAST;
same.task = %HaveSameMap(t1, t2);
const [s1, s2] = [new TaskStats(), new TaskStats()];
s2.tardinessSumNs += PAST;
same.stats = %HaveSameMap(s1, s2);
const [e1, e2] = [new HostEntity('a', { kind: 'thread' }, [0], 0), new HostEntity('b', { kind: 'thread' }, [0], 1)];
e2.cpuTimeNs += PAST;
same.entity = %HaveSameMap(e1, e2);
const j1 = newJob(t1, { now: 1000 }, 10, 0);
const j2 = newJob(new Task(spec, null), { now: PAST }, PAST, 0);
same.job = %HaveSameMap(j1, j2);
const q = new EventQueue();
const [a, b] = [q.timer(EventPhase.release, () => {}), q.timer(EventPhase.release, () => {})];
a.arm(1000);
b.arm(PAST);
same.timer = %HaveSameMap(a, b);
const [h1, h2] = [new LatencyHistogram(), new LatencyHistogram()];
h2.record(PAST); // sum and max past 2^31
same.histogram = %HaveSameMap(h1, h2);
console.log(JSON.stringify(same));
`;

describe('nanosecond fields past 2^31 keep the hidden class', () => {
  it('Task, TaskStats, HostEntity, jobs, timers and latency histograms', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ task: true, stats: true, entity: true, job: true, timer: true, histogram: true });
  });
});
