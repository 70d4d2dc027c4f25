// Schedule traces (src/trace): the Chrome trace-event JSON parses and follows the format, run
// intervals never overlap on a track, job events match results.json, windows and the event cap
// behave as documented, and the output is deterministic.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import type { ModelRun } from '../src/metrics/results.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { serializeTrace, type TraceDocument, type TraceEvent } from '../src/trace/recorder.js';
import { traceScenario } from '../src/trace/run.js';
import { hvsimInProcess } from './helpers/cli.js';
import { hvsimSpawn as hvsim } from './helpers/spawn-cli.js';
import { busyTask, host, hostThread, ms, scenario, task, vmu } from './helpers/scenario.js';

const ISOLATION = join(__dirname, '..', 'scenarios', 'isolation-transcoder.yaml');
const MULTICPU = join(__dirname, '..', 'scenarios', 'multicpu-partitioned.yaml');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hvsim-trace-'));
}

/**
 * The bundled isolation scenario cut to `seconds` of simulated time (20 s in the file). What these
 * tests check — the trace format, no overlaps, counts equal to the run's — holds at any length;
 * a few seconds still hold 50+ frames past the warm-up, and keep the suite quick.
 */
function isolation(seconds = 3): Scenario {
  return { ...loadScenario(ISOLATION), durationNs: seconds * 1e9 };
}

/** The same as a file, for the command-line tests. */
function isolationFile(dir: string, seconds = 3): string {
  const file = join(dir, 'isolation-transcoder.yaml');
  writeFileSync(file, readFileSync(ISOLATION, 'utf8').replace(/^duration: 20s$/m, `duration: ${seconds}s`));
  return file;
}

/** 2 pCPUs, a 2-vCPU VMU with three tasks, a reserved neighbour with a loop, and a host thread. */
function mixed(): Scenario {
  return scenario({
    durationNs: ms(600),
    warmupNs: ms(50),
    hosts: [host('ph1', 2, { contextSwitchNs: 0 })],
    vmus: [
      vmu('app', [task('a1', ms(3), ms(10)), task('a2', ms(4), ms(15), { affinity: [0, 1], policy: { class: 'fifo', priority: 40 } }), task('a3', ms(6), ms(25), { affinity: [1] })], {
        vcpus: 2,
        affinity: [0, 1],
        sla: { budget: ms(6), period: ms(10), deadline: ms(10) },
      }),
      vmu('hog', [busyTask('loop')], { affinity: [1], sla: { budget: ms(2), period: ms(10), deadline: ms(10) } }),
    ],
    hostThreads: [hostThread(task('ctl', ms(1), ms(20), { policy: { class: 'fifo', priority: 80 } }), 'ph1', [0, 1])],
  });
}

/** A VMU with network and disk loads: the model adds host I/O threads (vhost, iothread) whose jobs the engine injects. */
function withIo(): Scenario {
  return parseScenarioText(
    `
name: io-trace
duration: 300ms
warmup: 20ms
hosts: [{ id: ph1, cpus: 2 }]
vmus:
  - id: web
    host: ph1
    sla: { budget: 5ms, period: 10ms }
    tasks: [{ id: t, kind: periodic, period: 10ms, exec: 1ms }]
    io:
      - { id: req, kind: net, rate: "500/s", deadline: 5ms }
      - { id: rd, kind: disk, period: 7ms }
`,
    'io.yaml',
  );
}

const nsOf = (us: number) => Math.round(us * 1000);

/** The structural rules of the trace-event JSON object format, as hvsim uses it. */
function checkFormat(doc: TraceDocument): void {
  expect(Array.isArray(doc.traceEvents)).toBe(true);
  expect(doc.displayTimeUnit).toBe('ns');
  const named = new Set<string>();
  const processes = new Set<number>();
  for (const e of doc.traceEvents) {
    expect(typeof e.name).toBe('string');
    expect(['X', 'i', 'M']).toContain(e.ph);
    expect(Number.isFinite(e.ts) && e.ts >= 0).toBe(true);
    expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
    if (e.ph === 'M') {
      expect(['process_name', 'process_sort_index', 'thread_name', 'thread_sort_index']).toContain(e.name);
      if (e.name === 'thread_name') named.add(`${e.pid}:${e.tid}`);
      if (e.name === 'process_name') processes.add(e.pid);
    } else if (e.ph === 'X') {
      expect(Number.isFinite(e.dur) && e.dur! > 0).toBe(true);
      expect(e.s).toBeUndefined();
    } else {
      expect(e.s === 't' || e.s === 'g').toBe(true);
      expect(e.dur).toBeUndefined();
    }
  }
  // Every event of a thread track sits on a named thread of a named process.
  for (const e of doc.traceEvents) {
    if (e.ph === 'M' || e.s === 'g') continue;
    expect(named.has(`${e.pid}:${e.tid}`), `${e.name} on ${e.pid}:${e.tid}`).toBe(true);
    expect(processes.has(e.pid)).toBe(true);
  }
}

/** Track id → its complete events in time order. */
function slicesByTrack(doc: TraceDocument, cat?: string): Map<string, TraceEvent[]> {
  const out = new Map<string, TraceEvent[]>();
  for (const e of doc.traceEvents) {
    if (e.ph !== 'X' || (cat !== undefined && e.cat !== cat)) continue;
    const k = `${e.pid}:${e.tid}`;
    out.set(k, [...(out.get(k) ?? []), e]);
  }
  for (const list of out.values()) list.sort((a, b) => a.ts - b.ts);
  return out;
}

function expectNoOverlap(doc: TraceDocument): void {
  for (const [track, list] of slicesByTrack(doc)) {
    for (let i = 1; i < list.length; i++) {
      const prevEnd = nsOf(list[i - 1].ts) + nsOf(list[i - 1].dur!);
      expect(prevEnd, `${track}: ${list[i - 1].name} overlaps ${list[i].name} at ${list[i].ts} µs`).toBeLessThanOrEqual(nsOf(list[i].ts));
    }
  }
}

function trackNames(doc: TraceDocument): Map<string, string> {
  const procs = new Map<number, string>();
  for (const e of doc.traceEvents) if (e.ph === 'M' && e.name === 'process_name') procs.set(e.pid, String(e.args!.name));
  const out = new Map<string, string>();
  for (const e of doc.traceEvents) if (e.ph === 'M' && e.name === 'thread_name') out.set(`${e.pid}:${e.tid}`, `${procs.get(e.pid)} / ${String(e.args!.name)}`);
  return out;
}

/** Per task: measured releases, completions and misses counted from the trace's instants. */
function jobCounts(doc: TraceDocument): Map<string, { released: number; completed: number; missed: number }> {
  const names = trackNames(doc);
  const out = new Map<string, { released: number; completed: number; missed: number }>();
  for (const e of doc.traceEvents) {
    if (e.ph !== 'i' || e.cat !== 'job' || e.args?.measured !== true) continue;
    const task = names.get(`${e.pid}:${e.tid}`)!.replace(/^.* \/ (task|thread) /, '');
    const c = out.get(task) ?? { released: 0, completed: 0, missed: 0 };
    if (e.name === 'release') c.released++;
    else if (e.name === 'complete') c.completed++;
    else if (e.name === 'deadline miss') c.missed++;
    out.set(task, c);
  }
  return out;
}

function expectCountsMatch(doc: TraceDocument, run: ModelRun): void {
  const counts = jobCounts(doc);
  for (const t of run.tasks) {
    const c = counts.get(t.id) ?? { released: 0, completed: 0, missed: 0 };
    expect({ task: t.id, ...c }).toEqual({ task: t.id, released: t.released, completed: t.completed, missed: t.missed });
  }
}

function traced(sc: Scenario, model: string, options: Parameters<typeof traceScenario>[2] = {}) {
  const request = sc.models.find((m) => m.name === model);
  return traceScenario(sc, { model: findModel(model, '<test>', ''), request }, options);
}

describe('schedule traces: format and consistency', () => {
  const cases: [string, () => Scenario, string][] = [
    ['isolation-transcoder', isolation, 'kvm-irmos'],
    ['isolation-transcoder', isolation, 'kvm-linux-cfs'],
    ['isolation-transcoder', isolation, 'kvm-linux'],
    ['multicpu-partitioned', () => ({ ...loadScenario(MULTICPU), durationNs: 3e9 }), 'kvm-irmos'], // 10 s in the file
    ['mixed 2-CPU', mixed, 'kvm-irmos'],
    ['mixed 2-CPU', mixed, 'kvm-deadline'],
    ['mixed 2-CPU', mixed, 'kvm-linux'],
    ['I/O loads', withIo, 'kvm-irmos'],
    ['I/O loads', withIo, 'kvm-linux'],
  ];
  for (const [name, make, model] of cases) {
    it(`${name} under ${model}: parses, follows the format, no overlaps, counts match the run`, () => {
      const sc = make();
      const { trace, run } = traced(sc, model);
      const doc = JSON.parse(serializeTrace(trace)) as TraceDocument;
      checkFormat(doc);
      expect(doc.otherData.truncated).toBe(false);
      expectNoOverlap(doc);
      expectCountsMatch(doc, run);
    });
  }

  it('task slices add up to the CPU time each task received, and lie inside its vCPU slices', () => {
    const sc = mixed();
    const { trace, run } = traced(sc, 'kvm-irmos', { fromNs: sc.warmupNs });
    const names = trackNames(trace);
    const perTask = new Map<string, number>();
    for (const e of trace.traceEvents) {
      if (e.ph === 'X' && e.cat === 'task') perTask.set(e.name, (perTask.get(e.name) ?? 0) + nsOf(e.dur!));
    }
    for (const t of run.tasks.filter((x) => x.vmu !== null)) expect(perTask.get(t.id) ?? 0, t.id).toBe(t.cpuTimeNs);
    // Each task slice is covered by a slice of its vCPU's track on the same pCPU.
    const vcpuSlices = [...slicesByTrack(trace, 'vcpu')].map(([k, v]) => [names.get(k)!, v] as const);
    for (const e of trace.traceEvents) {
      if (e.ph !== 'X' || e.cat !== 'task') continue;
      const [vmuId, v] = String(e.args!.vcpu).split('/vcpu');
      const list = vcpuSlices.find(([n]) => n === `VMU ${vmuId} / vCPU ${v}`)![1];
      const covering = list.find((s) => nsOf(s.ts) <= nsOf(e.ts) && nsOf(s.ts) + nsOf(s.dur!) >= nsOf(e.ts) + nsOf(e.dur!));
      expect(covering, `${e.name} at ${e.ts}`).toBeDefined();
      expect(covering!.args!.cpu).toBe(e.args!.cpu);
    }
  });

  it('a pCPU track shows every host entity, host threads included, and policy notes name the entity', () => {
    const { trace } = traced(mixed(), 'kvm-irmos');
    const names = trackNames(trace);
    expect([...names.values()]).toEqual(
      expect.arrayContaining(['ph1 pCPUs / pCPU 0', 'ph1 pCPUs / pCPU 1', 'VMU app / vCPU 1', 'VMU app / task a3', 'VMU hog / task loop', 'ph1 host threads / thread ctl']),
    );
    const onCpus = new Set(trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'cpu').map((e) => e.name));
    expect([...onCpus].sort()).toEqual(['app/vcpu0', 'app/vcpu1', 'ctl', 'hog/vcpu0']);
  });

  it('entities a model adds (KVM vhost and iothreads) get their own tracks, with their injected jobs', () => {
    const { trace, run } = traced(withIo(), 'kvm-irmos');
    const names = [...trackNames(trace).values()];
    expect(names).toEqual(expect.arrayContaining(['ph1 host threads / thread web.vhost', 'VMU web / task req']));
    const vhost = run.tasks.find((t) => t.id === 'web.vhost')!;
    expect(vhost.released).toBeGreaterThan(100);
    expect(jobCounts(trace).get('web.vhost')!.released).toBe(vhost.released);
  });

  it('budget events appear as instants: IRMOS and SCHED_DEADLINE throttle/replenish, RT throttling throttle/unthrottle, CFS bandwidth throttle/unthrottle', () => {
    const sc = isolation();
    const kinds = (doc: TraceDocument) => new Set(doc.traceEvents.filter((e) => e.cat === 'policy').map((e) => e.name));
    const window = { toNs: ms(400) };
    expect(kinds(traced(sc, 'kvm-irmos', window).trace)).toEqual(new Set(['throttle', 'replenish']));
    expect([...kinds(traced(sc, 'kvm-deadline', window).trace)]).toEqual(expect.arrayContaining(['throttle', 'replenish']));
    expect([...kinds(traced(sc, 'kvm-linux', window).trace)]).toEqual(expect.arrayContaining(['throttle', 'unthrottle']));
    const cfs: Scenario = { ...sc, models: [{ name: 'kvm-linux-cfs', params: { bandwidthControl: true }, pointer: '' }] };
    expect([...kinds(traced(cfs, 'kvm-linux-cfs', window).trace)]).toEqual(expect.arrayContaining(['throttle', 'unthrottle']));
    // The buggy VMU's throttles show on its vCPU track too.
    const { trace } = traced(sc, 'kvm-irmos', window);
    const names = trackNames(trace);
    const onVcpu = trace.traceEvents.filter((e) => e.cat === 'policy' && names.get(`${e.pid}:${e.tid}`) === 'VMU buggy / vCPU 0');
    expect(onVcpu.length).toBeGreaterThan(10);
  });

  it('deadline misses: late completions and jobs still pending past their deadline at the end', () => {
    const sc = isolation(4);
    const { trace, run } = traced(sc, 'kvm-linux-cfs');
    const frames = run.tasks.find((t) => t.id === 'frames')!;
    expect(frames.missed).toBeGreaterThan(20); // plain CFS shares: the loop takes half the CPU
    const misses = trace.traceEvents.filter((e) => e.name === 'deadline miss' && e.args!.measured === true);
    expect(misses.length).toBe(frames.missed);
    for (const m of misses) expect(m.ts * 1000 <= sc.durationNs).toBe(true);
  });
});

describe('schedule traces: window, cap, determinism', () => {
  it('a window holds exactly the full trace clipped to it, and the run stops at its end', () => {
    const sc = mixed();
    const fromNs = 123_456_789;
    const toNs = 301_234_567;
    const full = traced(sc, 'kvm-irmos').trace;
    const part = traced(sc, 'kvm-irmos', { fromNs, toNs });
    expect(part.run.events).toBeLessThan(traced(sc, 'kvm-irmos').run.events);
    expect(part.trace.otherData).toMatchObject({ fromNs, toNs, truncated: false });
    const key = (e: TraceEvent) => JSON.stringify([e.name, e.cat, e.ph, nsOf(e.ts), e.dur === undefined ? 0 : nsOf(e.dur), e.pid, e.tid, e.args]);
    const clipped = full.traceEvents
      .filter((e) => e.ph !== 'M')
      .flatMap((e): TraceEvent[] => {
        const a = nsOf(e.ts);
        const b = e.ph === 'X' ? a + nsOf(e.dur!) : a;
        if (e.ph !== 'X') return a >= fromNs && a <= toNs ? [e] : [];
        const s = Math.max(a, fromNs);
        const t = Math.min(b, toNs);
        return t > s ? [{ ...e, ts: s / 1000, dur: (t - s) / 1000 }] : [];
      });
    const windowed = part.trace.traceEvents.filter((e) => e.ph !== 'M');
    expect(windowed.map(key).sort()).toEqual(clipped.map(key).sort());
    for (const e of windowed) {
      expect(nsOf(e.ts)).toBeGreaterThanOrEqual(fromNs);
      expect(nsOf(e.ts) + (e.dur === undefined ? 0 : nsOf(e.dur))).toBeLessThanOrEqual(toNs);
    }
  });

  it('the event cap cuts the trace, closes what was open at the cut, and says so', () => {
    const sc = mixed();
    const { trace } = traced(sc, 'kvm-irmos', { maxEvents: 300 });
    const info = trace.otherData;
    expect(info.truncated).toBe(true);
    expect(info.droppedEvents).toBeGreaterThan(0);
    expect(info.note).toMatch(/cap of 300 events/);
    const recorded = trace.traceEvents.filter((e) => e.ph !== 'M' && e.s !== 'g');
    expect(recorded.length).toBe(info.events);
    // At most the cap plus one flushed interval per open track (3 per running entity at most).
    expect(recorded.length).toBeLessThanOrEqual(300 + 3 * 4);
    for (const e of recorded) expect(nsOf(e.ts) + (e.dur === undefined ? 0 : nsOf(e.dur))).toBeLessThanOrEqual(info.cutAtNs!);
    const marker = trace.traceEvents.find((e) => e.s === 'g')!;
    expect(marker.name).toMatch(/trace cut/);
    expect(nsOf(marker.ts)).toBe(info.cutAtNs);
    checkFormat(trace);
    expectNoOverlap(trace);
    // Whatever ran just before the cut is on the pCPU tracks up to the cut.
    const cpuEnds = [...slicesByTrack(trace, 'cpu').values()].map((l) => nsOf(l[l.length - 1].ts) + nsOf(l[l.length - 1].dur!));
    expect(Math.max(...cpuEnds)).toBe(info.cutAtNs);
  });

  it('the same scenario and seed give byte-identical traces', () => {
    const sc = mixed();
    expect(serializeTrace(traced(sc, 'kvm-irmos').trace)).toBe(serializeTrace(traced(sc, 'kvm-irmos').trace));
  });
});

describe('schedule traces on the command line', () => {
  it('run --trace writes a trace whose job events match the results.json it writes beside it', () => {
    const dir = tmp();
    const file = join(dir, 'run.trace.json');
    const scenarioFile = isolationFile(dir);
    const r = hvsim(['run', scenarioFile, '--model', 'kvm-irmos', '--trace', file, '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote trace/);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as TraceDocument;
    const results = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'));
    checkFormat(doc);
    expectNoOverlap(doc);
    expectCountsMatch(doc, results.runs[0]);
    // --json output stays clean: the trace messages went to stderr.
    const j = hvsim(['run', scenarioFile, '--model', 'kvm-irmos', '--trace', join(dir, 'b.json'), '--json']);
    expect(() => JSON.parse(j.stdout)).not.toThrow();
  });

  it('trace --from/--to/--max-events writes a windowed, capped trace and warns on stderr when cut', () => {
    const dir = tmp();
    const out = join(dir, 't.json');
    const r = hvsim(['trace', ISOLATION, '-m', 'kvm-irmos', '--from', '1s', '--to', '1.5s', '--max-events', '50', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*t\.json: \d+ events, 1 s\.\.1\.5 s/);
    expect(r.stderr).toMatch(/^hvsim: trace cut at .*cap of 50 events/m);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as TraceDocument;
    expect(doc.otherData).toMatchObject({ fromNs: 1e9, toNs: 1.5e9, truncated: true, maxEvents: 50, model: 'kvm-irmos' });
  });

  it('bad flags exit 2 naming the flag', async () => {
    const bad: [string[], RegExp][] = [
      [['--from', 'soon'], /<command line> at \/from: expected a duration/],
      [['--from', '30s'], /<command line> at \/from: expected a time before the end of the run \(20 s\)/],
      [['--from', '2s', '--to', '1s'], /<command line> at \/to: expected a time after --from \(2 s\)/],
      [['--max-events', '0'], /<command line> at \/max-events: expected a whole number >= 1/],
    ];
    for (const [flags, message] of bad) {
      const r = await hvsimInProcess(['trace', ISOLATION, '-m', 'kvm-irmos', '--out', join(tmp(), 'x.json'), ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const two = await hvsimInProcess(['trace', ISOLATION, '-m', 'kvm-irmos,kvm-linux', '--out', join(tmp(), 'x.json')]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/at \/model: expected exactly one model/);
  });

  it('default output goes to reports/<scenario>/trace-<model>.json relative to the working directory', () => {
    const dir = tmp();
    const sc = join(dir, 's.yaml');
    writeFileSync(sc, 'name: tiny\nduration: 50ms\nhosts: [{ id: ph1, cpus: 1 }]\nvmus: [{ id: vm, host: ph1, tasks: [{ id: t, kind: periodic, period: 10ms, exec: 1ms }] }]\n');
    const r = hvsim(['trace', sc, '-m', 'kvm-linux'], dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'reports', 'tiny', 'trace-kvm-linux.json'), 'utf8')) as TraceDocument;
    expect(doc.otherData.scenario).toBe('tiny');
  });
});
