// rt-app import: the reference sample's structure survives, every event hvsim cannot model is
// refused by name (thread and event), and the CLI exits 2 on such input.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { InputError } from '../src/errors.js';
import { parseRtapp, readRtappFile } from '../src/rtapp/grammar.js';
import { importRtapp, importRtappFile } from '../src/rtapp/import.js';
import { loadScenario, parseScenarioText, serializeScenario } from '../src/scenario/index.js';

const FIXTURES = join(__dirname, 'fixtures', 'rtapp');
const SAMPLE = join(FIXTURES, 'periodic.json');

function rtappFile(doc: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-rtapp-'));
  const file = join(dir, 'w.json');
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return file;
}

function refusal(doc: unknown): InputError {
  try {
    importRtapp(parseRtapp(typeof doc === 'string' ? doc : JSON.stringify(doc), 'w.json'), { cpus: 2, hz: 1000, kernel: '6.18' });
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('rt-app grammar: the reference sample', () => {
  it('reads periodic.json into threads, phases and events in file order', () => {
    const w = readRtappFile(SAMPLE);
    expect(w.global).toEqual({ duration: 1, nsPerLoop: null, logBasename: 'rtapp', cumulativeSlack: false });
    expect(w.threads.map((t) => [t.name, t.index, t.policy, t.priority, t.loop])).toEqual([
      ['t10ms', 0, 'SCHED_OTHER', 0, -1],
      ['t25ms', 1, 'SCHED_OTHER', 0, -1],
    ]);
    const [t10, t25] = w.threads;
    expect(t10.phases).toHaveLength(1);
    expect(t10.phases[0].loop).toBe(1);
    expect(t10.phases[0].events.map((e) => [e.key, e.kind])).toEqual([['run', 'run'], ['timer', 'timer']]);
    expect(t10.phases[0].events[1]).toMatchObject({ ref: 'unique', periodUs: 10000, absolute: false });
    expect(t25.phases.map((p) => [p.name, p.loop, p.events.map((e) => e.kind)])).toEqual([
      ['p1', 20, ['run', 'timer']],
      ['p2', -1, ['run', 'sleep']],
    ]);
    expect(t25.phases[1].events.map((e) => (e.kind === 'timer' ? e.periodUs : e.us))).toEqual([1000, 3000]);
  });

  it('turns it into one host with the given CPUs and a program per thread', () => {
    const { scenario, threads } = importRtappFile(SAMPLE, { cpus: 2, hz: 1000, kernel: '6.18' });
    expect(scenario.durationNs).toBe(1e9);
    expect(scenario.hosts).toEqual([{ id: 'host', cpus: 2, contextSwitchNs: 0, tickNs: 1e6 }]);
    expect(scenario.models.map((m) => [m.name, m.params.kernel])).toEqual([
      ['kvm-linux', '6.18'],
      ['kvm-linux-cfs', '6.18'],
      ['kvm-deadline', '6.18'],
    ]);
    expect(threads.map((t) => t.spec.id)).toEqual(['t10ms', 't25ms']);
    const [t10, t25] = scenario.hostThreads;
    expect(t10.policy).toEqual({ class: 'fair', nice: 0 });
    expect(t10.affinity).toEqual([0, 1]);
    expect(t10.deadline).toBe(10e6); // one timer of 10 ms in every phase
    expect(t25.deadline).toBe(Infinity); // p2 has no timer
    expect(t10.arrival).toEqual({
      kind: 'program',
      program: { offset: 0, loop: -1, timers: 1, timerRefs: ['unique'], wakeDelayNs: 50_000, phases: [{ loop: 1, steps: [{ kind: 'run', ns: 2e6, wall: false }, { kind: 'timer', timer: 0, period: 10e6, relative: true }] }] },
    });
    expect(t25.arrival.kind === 'program' && t25.arrival.program.phases).toEqual([
      { loop: 20, steps: [{ kind: 'run', ns: 5e6, wall: false }, { kind: 'timer', timer: 0, period: 25e6, relative: true }] },
      { loop: -1, steps: [{ kind: 'run', ns: 1e6, wall: false }, { kind: 'sleep', ns: 3e6 }] },
    ]);
  });

  it('maps policies, affinity, instances, delay, absolute timers and runtime', () => {
    const imp = importRtapp(
      parseRtapp(
        JSON.stringify({
          global: { duration: 2 },
          tasks: {
            dl: { policy: 'SCHED_DEADLINE', 'dl-runtime': 3000, 'dl-period': 10000, run: 2000, timer: { ref: 'unique', period: 10000, mode: 'absolute' } },
            rt: { policy: 'SCHED_FIFO', priority: 60, cpus: [1], instance: 2, delay: 500, runtime: 100, sleep: 900 },
          },
        }),
        'w.json',
      ),
      { cpus: 2, hz: 1000, kernel: '6.18', workScale: 1.1 },
    );
    expect(imp.scenario.hostThreads.map((t) => [t.id, t.policy, t.affinity, t.deadline])).toEqual([
      ['dl', { class: 'deadline', runtime: 3e6, deadline: 10e6, period: 10e6 }, [0, 1], 10e6],
      ['rt-1', { class: 'fifo', priority: 60 }, [1], Infinity],
      ['rt-2', { class: 'fifo', priority: 60 }, [1], Infinity],
    ]);
    const [dl, rt] = imp.scenario.hostThreads.map((t) => (t.arrival.kind === 'program' ? t.arrival.program : null));
    expect(dl!.wakeDelayNs).toBe(0); // RT and DL tasks have no timer slack
    expect(dl!.phases[0].steps).toEqual([{ kind: 'run', ns: 2.2e6, wall: false }, { kind: 'timer', timer: 0, period: 10e6, relative: false }]);
    expect(rt!.offset).toBe(500_000);
    expect(rt!.phases[0].steps).toEqual([{ kind: 'run', ns: 100_000, wall: true }, { kind: 'sleep', ns: 900_000 }]);
  });

  it('imports yield (matched by prefix) as a sched_yield step whatever its value, which rt-app ignores', () => {
    for (const value of ['', 0, 'x', {}]) {
      const doc = { global: { duration: 1 }, tasks: { t: { run: 10, yield1: value, sleep: 5 } } };
      const arrival = importRtapp(parseRtapp(JSON.stringify(doc), 'w.json'), { cpus: 1, hz: 1000, kernel: '6.18' }).scenario.hostThreads[0].arrival;
      expect(arrival.kind === 'program' && arrival.program.phases[0].steps).toEqual([
        { kind: 'run', ns: 10_000, wall: false },
        { kind: 'yield' },
        { kind: 'sleep', ns: 5_000 },
      ]);
    }
  });

  it('keeps the written order of integer-like phase names', () => {
    const w = parseRtapp('{"global":{"duration":1},"tasks":{"t":{"phases":{"2":{"run":1},"1":{"run":2}}}}}', 'w.json');
    expect(w.threads[0].phases.map((p) => p.name)).toEqual(['2', '1']);
  });
});

describe('rt-app grammar: refusals name the thread and the event', () => {
  const one = (events: Record<string, unknown>) => ({ global: { duration: 1 }, tasks: { worker: { ...events } } });

  it.each([
    ['lock0', 'm', 'mutexes'],
    ['unlock', 'm', 'mutexes'],
    ['barrier', 'b', 'barriers'],
    ['memrun', { type: 'read', size: 4096 }, 'memory load'],
    ['mem', 1000, 'memory load'],
    ['iorun', 1000, 'I/O load'],
    ['sem_post', 's', 'semaphores'],
    ['fork', 'x', 'run time'],
  ])('refuses %s', (key, value, why) => {
    const e = refusal(one({ run: 100, [key]: value }));
    expect(e.pointer).toBe(`/tasks/worker/${key}`);
    expect(e.found).toContain(`event "${key}"`);
    expect(e.found).toContain('thread "worker"');
    expect(e.hint).toContain(why);
  });

  it('refuses an unknown key with the list of events', () => {
    const e = refusal(one({ run: 100, tmer: { period: 1000 } }));
    expect(e.pointer).toBe('/tasks/worker/tmer');
    expect(e.found).toBe('unknown key "tmer" in thread "worker"');
    expect(e.hint).toContain('timer');
  });

  it('refuses an unsupported event inside a phase with the phase in the pointer', () => {
    const e = refusal({ global: { duration: 1 }, tasks: { w: { phases: { p1: { run: 10, wait: { ref: 'c', mutex: 'm' } } } } } });
    expect(e.pointer).toBe('/tasks/w/phases/p1/wait');
    expect(e.line).toBe(1);
  });

  it('refuses bad values, impossible DL parameters and too-high CPUs', () => {
    expect(refusal(one({ run: -5 })).expected).toContain('µs');
    expect(refusal(one({ run: 10, timer: { ref: 'unique', period: 0 } })).pointer).toBe('/tasks/worker/timer/period');
    expect(refusal(one({ run: 10, timer: { ref: 'unique', period: 10, mode: 'sometimes' } })).pointer).toBe('/tasks/worker/timer/mode');
    expect(refusal({ global: { duration: 1 }, tasks: { d: { policy: 'SCHED_DEADLINE', 'dl-runtime': 5000, 'dl-period': 4000, run: 1 } } }).expected).toContain('dl-runtime <= dl-deadline');
    expect(refusal({ global: { duration: 1 }, tasks: { d: { cpus: [3], run: 1 } } }).found).toContain('CPU 3');
    expect(refusal({ global: { duration: 1 }, tasks: { d: { policy: 'SCHED_IDLE', run: 1 } } }).hint).toContain('not modelled');
    expect(refusal({ tasks: { d: { run: 1 } } }).pointer).toBe('/global/duration');
    expect(refusal({ global: { duration: 1 }, tasks: { d: { cpus: [0], phases: { p: { cpus: [1], run: 1 } } } } }).hint).toContain('per-phase');
  });

  it('reports syntax errors with their line', () => {
    const e = refusal('{\n "tasks": {\n  "a": { "run": 1, }\n }\n}');
    expect(e.line).toBe(3);
  });
});

describe('rt-app on the command line', () => {
  it('import prints the mapping; --json prints the scenario', async () => {
    const r = await cli(['import', 'rtapp', SAMPLE, '--cpus', '2', '--kernel', '6.18', '--hz', '250']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('2 rt-app thread(s)');
    expect(r.out).toContain('tick 4 ms');
    expect(r.out).toContain('assumed tick: 4 ms (HZ 250), from the command line');
    expect(r.out).toMatch(/phase p2 ×∞: run 1 ms, sleep 3 ms/);
    const j = await cli(['import', 'rtapp', SAMPLE, '--cpus', '2', '--json']);
    expect(JSON.parse(j.out).hostThreads).toHaveLength(2);
  });

  it('exits 2 naming the event and the thread of an unsupported event', async () => {
    const file = rtappFile({ global: { duration: 1 }, tasks: { net: { run: 100, iorun: 4096 } } });
    for (const args of [['import', 'rtapp', file], ['run', file, '--model', 'kvm-linux']]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.err).toContain('event "iorun" (iorun) in thread "net"');
      expect(r.err).not.toContain('    at '); // no stack trace
    }
  });

  it('run accepts an rt-app file and writes rt-app logs with --rtapp-logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvsim-rtlogs-'));
    const r = await cli(['run', SAMPLE, '--model', 'kvm-linux', '--rtapp-logs', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('t25ms');
    expect(readdirSync(dir).sort()).toEqual(['rtapp-t10ms-0.log', 'rtapp-t25ms-1.log']);
  });
});

describe('rt-app import → scenario file → run', () => {
  const MACHINE = ['--cpus', '2', '--kernel', '6.18', '--hz', '250'];
  // What a scenario carries into a run (the file name aside, and question/figures the import never sets).
  const essence = (s: ReturnType<typeof loadScenario>) => {
    const { name, description, durationNs, warmupNs, seed, hosts, vmus, hostThreads, models, expectations } = s;
    return { name, description, durationNs, warmupNs, seed, hosts, vmus, hostThreads, models, expectations };
  };
  const workloads = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

  it.each(workloads)('%s: `import --json` output loads back and runs exactly like the rt-app file', async (name) => {
    const workload = join(FIXTURES, name);
    const imported = await cli(['import', 'rtapp', workload, '--json', ...MACHINE]);
    expect(imported.code).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'hvsim-rtapp-scenario-')), 's.json');
    writeFileSync(file, imported.out);
    expect(essence(loadScenario(file))).toEqual(essence(importRtappFile(workload, { cpus: 2, kernel: '6.18', hz: 250 }).scenario));
    const validated = await cli(['validate', file]);
    expect(validated.code).toBe(0);
    for (const model of ['kvm-linux', 'kvm-deadline']) {
      const fromScenario = await cli(['run', file, '--model', model, '--json']);
      const fromWorkload = await cli(['run', workload, '--model', model, '--json', ...MACHINE]);
      expect(fromScenario.code).toBe(0);
      expect(JSON.parse(fromScenario.out).runs[0].tasks.some((t: { completed: number }) => t.completed > 0)).toBe(true);
      // The runs are byte for byte the same; only where the machine facts came from differs (the
      // scenario file states them, the rt-app file got them from the command line).
      const [a, b] = [fromScenario, fromWorkload].map((r) => JSON.parse(r.out));
      const values = (x: { scenario: { assumptions: Record<string, { value: unknown }> } }) => Object.values(x.scenario.assumptions).map((f) => f.value);
      expect(values(a)).toEqual(values(b));
      delete a.scenario.assumptions;
      delete b.scenario.assumptions;
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    }
  });

  it('keeps timer names, modes, delays, instances, work scale and slack through the file form', () => {
    const workload = readRtappFile(join(FIXTURES, 'mixed.json'));
    const { scenario } = importRtapp(workload, { cpus: 2, hz: 1000, kernel: '6.18', workScale: 1.37, timerSlackNs: 60_000, wakeLatencyNs: 7_000 });
    const back = parseScenarioText(JSON.stringify(serializeScenario(scenario)), 's.json');
    expect(essence(back)).toEqual(essence(scenario));
    const worker = back.hostThreads.find((t) => t.id === 'fair_worker')!;
    expect(worker.arrival.kind === 'program' && worker.arrival.program.timerRefs).toEqual(['tick', 'unique-slow']);
  });

  it('names the scenario with a valid id whatever the file is called', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hvsim-rtapp-')), 'my workload (v2).json');
    writeFileSync(file, JSON.stringify({ global: { duration: 1 }, tasks: { a: { run: 100, sleep: 900 } } }));
    const { scenario } = importRtappFile(file, { cpus: 1 });
    expect(scenario.name).toBe('my_workload__v2_');
    expect(parseScenarioText(JSON.stringify(serializeScenario(scenario)), 's.json').name).toBe(scenario.name);
  });
});
