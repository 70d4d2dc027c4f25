// Program tasks (rt-app threads) in scenario files, and serializeScenario, the way back from a
// resolved scenario to a file: what it writes loads again into the same scenario — for the library's
// scenarios, for generated programs — and bad program input fails like any other scenario field
// (one InputError naming the file, the JSON pointer, what was expected and what was found).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { durationString, loadScenario, parseDuration, parseScenarioText, serializeScenario, type JobProgram, type ProgramStep, type Scenario } from '../src/scenario/index.js';

const SCENARIOS = join(__dirname, '..', 'scenarios');

function scenarioWith(hostThreads: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ name: 'p', duration: '1s', hosts: [{ id: 'h', cpus: 2 }], hostThreads, ...extra }, null, 2);
}

const program = (phases: unknown[], extra: Record<string, unknown> = {}) => ({ id: 'a', host: 'h', kind: 'program', phases, ...extra });

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
}

/** Load the file form of `s` (as JSON text, as `hvsim import rtapp --json` prints it). */
function reload(s: Scenario): Scenario {
  return parseScenarioText(JSON.stringify(serializeScenario(s), null, 2), s.file.replace(/\.ya?ml$/, '.json'), { format: 'json' });
}

describe('program tasks in scenario files', () => {
  it('resolve into the in-memory JobProgram, with rt-app defaults and timers numbered by first use', () => {
    const yaml = `
name: cam
duration: 1s
hosts: [{ id: h, cpus: 2 }]
hostThreads:
  - id: cam
    host: h
    kind: program
    offset: 1ms
    wakeDelay: 50us
    loop: 2
    phases:
      - loop: 3
        steps: [{ run: 2ms }, { timer: { ref: tick, period: 10ms, mode: absolute } }]
      - steps: [{ runtime: 500us }, { sleep: 1.5ms }, { yield: true }, { timer: { ref: tick, period: 10ms } }, { timer: { ref: unique, period: 40ms } }]
  - { id: plain, host: h, kind: program, policy: { class: fifo, priority: 10 }, phases: [{ steps: [{ run: 1ms }, { timer: { ref: unique, period: 5ms } }] }] }
`;
    const [cam, plain] = parseScenarioText(yaml, 'cam.yaml').hostThreads;
    expect(cam.arrival).toEqual({
      kind: 'program',
      program: {
        offset: 1e6,
        loop: 2,
        wakeDelayNs: 50_000,
        timers: 2,
        timerRefs: ['tick', 'unique'],
        phases: [
          { loop: 3, steps: [{ kind: 'run', ns: 2e6, wall: false }, { kind: 'timer', timer: 0, period: 10e6, relative: false }] },
          {
            loop: 1,
            steps: [
              { kind: 'run', ns: 500_000, wall: true },
              { kind: 'sleep', ns: 1_500_000 },
              { kind: 'yield' },
              // No mode here: the timer's mode, given at its first step.
              { kind: 'timer', timer: 0, period: 10e6, relative: false },
              { kind: 'timer', timer: 1, period: 40e6, relative: true },
            ],
          },
        ],
      },
    });
    expect(cam.exec).toEqual({ kind: 'constant', value: 2e6 }); // the largest run, as the importer sets it
    expect(cam.deadline).toBe(Infinity); // the second phase waits on two timers
    expect(cam.policy).toEqual({ class: 'fair', nice: 0 });
    expect(plain.deadline).toBe(5e6); // one timer period in every phase
    expect(plain.arrival.kind === 'program' && [plain.arrival.program.loop, plain.arrival.program.wakeDelayNs]).toEqual([-1, 0]);
  });

  it('run inside VMUs too', () => {
    const text = JSON.stringify({
      name: 'guest',
      duration: '200ms',
      hosts: [{ id: 'h', cpus: 1 }],
      vmus: [{ id: 'vm', host: 'h', tasks: [program([{ steps: [{ run: '1ms' }, { timer: { ref: 'unique', period: '10ms' } }] }], { host: undefined })] }],
    });
    const task = parseScenarioText(text, 'g.json').vmus[0].tasks[0];
    expect(task.arrival.kind).toBe('program');
    expect(task.policy).toEqual({ class: 'fifo', priority: 50 }); // the VMU default
  });

  const step = (s: unknown) => program([{ steps: [{ run: '1ms' }, s] }]);
  const at = '/hostThreads/0/phases/0/steps/1';
  it.each([
    ['a negative sleep', [step({ sleep: '-1ms' })], `${at}/sleep`, /^a duration such as/, '"-1ms"'],
    ['a number without a unit', [step({ run: 5 })], `${at}/run`, /^a duration such as/, '5'],
    ['a timer without a period', [step({ timer: { ref: 'unique' } })], `${at}/timer/period`, /^the required field "period"/, 'nothing'],
    ['a timer period of 0', [step({ timer: { ref: 'unique', period: '0s' } })], `${at}/timer/period`, 'a duration > 0', '"0s"'],
    ['an unknown timer key', [step({ timer: { ref: 'unique', period: '1ms', every: '1ms' } })], `${at}/timer/every`, /^one of the fields ref, period, mode/, 'unknown field "every"'],
    ['an unknown step key', [step({ tmer: { ref: 'unique', period: '1ms' } })], `${at}/tmer`, /^one of the fields run, runtime, sleep, timer/, 'unknown field "tmer"'],
    ['a step with two keys', [step({ run: '1ms', sleep: '1ms' })], at, /^an object with exactly one of the fields run, runtime, sleep/, '{"run":"1ms","sleep":"1ms"}'],
    ['an empty step', [step({})], at, /exactly one of the fields/, '{}'],
    ['a yield other than true', [step({ yield: 1 })], `${at}/yield`, 'true', '1'],
    ['a loop count of 0', [program([{ loop: 0, steps: [{ run: '1ms' }] }])], '/hostThreads/0/phases/0/loop', 'a loop count >= 1, or -1 (forever)', '0'],
    ['a loop below -1', [program([{ steps: [{ run: '1ms' }] }], { loop: -2 })], '/hostThreads/0/loop', 'an integer >= -1', '-2'],
    ['no phases', [program([])], '/hostThreads/0/phases', 'a list of at least 1 item', '[]'],
    ['an exec (the program sets the demand)', [program([{ steps: [{ run: '1ms' }] }], { exec: '1ms' })], '/hostThreads/0/exec', /^one of the fields id, host, kind, offset, loop, wakeDelay, phases/, 'unknown field "exec"'],
    [
      'two modes for one timer',
      [program([{ steps: [{ timer: { ref: 't', period: '1ms', mode: 'absolute' } }, { run: '1ms' }, { timer: { ref: 't', period: '1ms', mode: 'relative' } }] }])],
      '/hostThreads/0/phases/0/steps/2/timer/mode',
      '"absolute", the mode of timer "t" at /hostThreads/0/phases/0/steps/0/timer/mode (one mode per timer)',
      '"relative"',
    ],
    [
      'two modes for one timer shared by two tasks',
      [program([{ steps: [{ run: '1ms' }, { timer: { ref: 'tick', period: '1ms', mode: 'absolute' } }] }]), { ...program([{ steps: [{ run: '1ms' }, { timer: { ref: 'tick', period: '2ms' } }] }]), id: 'b' }],
      '/hostThreads/1/phases/0/steps/1/timer/mode',
      '"absolute", the mode of timer "tick" in task "a" (one mode per timer)',
      '"relative" (the default)',
    ],
  ])('refuses %s', (_what, threads, pointer, expected, found) => {
    const text = scenarioWith(threads);
    const e = inputError(() => parseScenarioText(text, 's.json'));
    expect(e.file).toBe('s.json');
    expect(e.pointer).toBe(pointer);
    if (typeof expected === 'string') expect(e.expected).toBe(expected);
    else expect(e.expected).toMatch(expected);
    expect(e.found).toBe(found);
    expect(e.line).toBeGreaterThan(0);
  });

  it('shares a named timer among one host\'s threads, and refuses it across processes (hosts, VMUs)', () => {
    const user = (id: string, host: string) => ({ ...program([{ steps: [{ run: '1ms' }, { timer: { ref: 'tick', period: '1ms' } }] }]), id, host });
    expect(parseScenarioText(scenarioWith([user('a', 'h'), user('b', 'h')]), 's.json').hostThreads).toHaveLength(2);
    const e = inputError(() => parseScenarioText(scenarioWith([user('a', 'h'), user('b', 'h2')], { hosts: [{ id: 'h', cpus: 1 }, { id: 'h2', cpus: 1 }] }), 's.json'));
    expect(e.pointer).toBe('/hostThreads/1/phases/0/steps/1/timer/ref');
    expect(e.expected).toBe('a timer of host h2 ("unique…", or a name only tasks of host h2 use)');
    expect(e.found).toBe('timer "tick" also used by task "a" of host h (/hostThreads/0)');
    const guest = { ...user('g', 'h'), host: undefined };
    const f = inputError(() => parseScenarioText(scenarioWith([user('a', 'h')], { hosts: [{ id: 'h', cpus: 1 }], vmus: [{ id: 'vm', host: 'h', tasks: [guest] }] }), 's.json'));
    expect(f.found).toBe('timer "tick" also used by task "g" of VMU vm (/vmus/0/tasks/0)');
  });

  it('lets "unique…" timers repeat across tasks: they are private, as in rt-app', () => {
    const threads = ['a', 'b'].map((id) => ({ ...program([{ steps: [{ run: '1ms' }, { timer: { ref: 'unique', period: '1ms' } }] }]), id }));
    expect(parseScenarioText(scenarioWith(threads), 's.json').hostThreads).toHaveLength(2);
  });
});

describe('serializeScenario', () => {
  const library = readdirSync(SCENARIOS).filter((f) => /\.ya?ml$/.test(f));

  it.each(library)('%s loads back from its file form unchanged', (name) => {
    const s = loadScenario(join(SCENARIOS, name));
    expect({ ...reload(s), file: s.file }).toEqual(s);
  });

  it('writes unit strings, never Infinity or null, and keeps every task kind', () => {
    const text = scenarioWith([
      { id: 'p', host: 'h', kind: 'periodic', period: '10ms', offset: '1.1us', jitter: '0.5ms', exec: { dist: 'truncnormal', mean: '2ms', sd: '0.1ms' } },
      { id: 's', host: 'h', kind: 'sporadic', minInterArrival: '5ms', extraMean: '1ms', exec: { dist: 'uniform', min: '1us', max: '3us' }, policy: { class: 'deadline', runtime: '1ms', period: '5ms' } },
      { id: 'r', host: 'h', kind: 'server', rate: '200.5/s', exec: '40us', policy: { class: 'rr', priority: 3 } },
      { id: 'x', host: 'h', kind: 'server', arrivals: ['1ms', '2.5ms'], exec: { dist: 'trace', values: ['1us', '2us'] }, deadline: '1ms' },
      { id: 'b', host: 'h', kind: 'busy', affinity: [1] },
      program([{ steps: [{ runtime: '1ms' }, { sleep: '3ms' }] }], { id: 'q', offset: '7ns', wakeDelay: '50us' }),
    ]);
    const s = parseScenarioText(text, 's.json');
    const written = JSON.stringify(serializeScenario(s));
    expect(written).not.toMatch(/null|Infinity/);
    expect({ ...reload(s), file: s.file }).toEqual(s);
  });

  it('keeps a VMU\'s lifecycle: start, stop, boot with disk reads (with and without a storage model), shutdown, SLA changes', () => {
    const vmu = (id: string, host: string, extra: Record<string, unknown>) => ({
      id,
      host,
      sla: { budget: '2ms', period: '10ms' },
      tasks: [{ id: `${id}-t`, kind: 'periodic', period: '10ms', exec: '1ms' }],
      ...extra,
    });
    const text = JSON.stringify({
      name: 'life',
      duration: '1s',
      hosts: [{ id: 'plain', cpus: 1 }, { id: 'ssd', cpus: 1, storage: { device: 'ssd', scheduler: 'fifo' } }],
      vmus: [
        vmu('a', 'plain', { start: '20ms', stop: '600ms', boot: { cpu: '30ms', disk: { reads: 40, device: '150us' } }, shutdown: { cpu: '5ms' }, slaChanges: [{ at: '100ms', sla: { budget: '3ms', period: '10ms', deadline: '8ms' } }, { at: '300ms', sla: { budget: '1ms', period: '5ms' } }] }),
        vmu('b', 'ssd', { start: '50ms', boot: { cpu: '10ms', disk: { reads: 7, size: 131072 } }, io: [{ id: 'b-io', kind: 'disk', period: '20ms' }] }),
      ],
    });
    const s = parseScenarioText(text, 'life.json');
    // The loader did resolve what the writer must bring back (else the round trip below proves nothing).
    expect(s.vmus[0].slaChanges).toHaveLength(2);
    expect(s.vmus.map((v) => v.io.filter((io) => io.issuedBy?.kind === 'boot').map((io) => [io.issuedBy!.reads, io.deviceNs, io.storage?.bytes]))).toEqual([[[40, 150_000, undefined]], [[7, 200_000, 131072]]]);
    const written = serializeScenario(s);
    expect(written.vmus?.[0].boot).toEqual({ cpu: '30ms', disk: { reads: 40, device: '150us' } });
    expect({ ...reload(s), file: s.file }).toEqual(s);
  });

  it('property: generated programs survive the file form', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        const s = parseScenarioText(scenarioWith([program([{ steps: [{ run: '1ms' }] }])]), 's.json');
        // A finite deadline: an infinite one is writable only when it is the program's natural one.
        s.hostThreads[0] = { ...s.hostThreads[0], arrival: { kind: 'program', program: p }, deadline: 1e9 };
        const back = reload(s).hostThreads[0].arrival;
        expect(back).toEqual({ kind: 'program', program: p });
      }),
      { numRuns: 150, seed: 20261123 },
    );
  });

  it('property: durationString is exact', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.maxSafeNat()), (ns) => {
        expect(parseDuration(durationString(ns), 'f', '/p')).toBe(ns);
      }),
      { numRuns: 500, seed: 7 },
    );
    expect([0, 7, 1100, 50_000, 2_500_000, 1e9, 1_000_000_001].map(durationString)).toEqual(['0s', '7ns', '1.1us', '50us', '2.5ms', '1s', '1.000000001s']);
  });
});

/**
 * Programs as the loader builds them: timers numbered in order of first use, named, one mode per
 * timer (the file form's constraints), `timers` = the number of timers used.
 */
const programArb: fc.Arbitrary<JobProgram> = fc
  .record({
    offset: fc.integer({ min: 0, max: 1e9 }),
    loop: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 50 })),
    wakeDelayNs: fc.integer({ min: 0, max: 100_000 }),
    absolute: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    names: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/), { minLength: 3, maxLength: 3 }),
    phases: fc.array(
      fc.record({
        loop: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 20 })),
        steps: fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('run' as const), ns: fc.integer({ min: 0, max: 5e7 }), wall: fc.boolean() }),
            fc.record({ kind: fc.constant('sleep' as const), ns: fc.integer({ min: 0, max: 5e7 }) }),
            fc.record({ kind: fc.constant('timer' as const), timer: fc.integer({ min: 0, max: 2 }), period: fc.integer({ min: 1, max: 1e8 }) }),
            fc.constant({ kind: 'yield' as const }),
          ),
          { maxLength: 6 },
        ),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ offset, loop, wakeDelayNs, absolute, names, phases }) => {
    const order: number[] = []; // generated timer index → index by first use
    const renumbered = phases.map((ph) => ({
      loop: ph.loop,
      steps: ph.steps.map((st): ProgramStep => {
        if (st.kind !== 'timer') return st;
        if (!order.includes(st.timer)) order.push(st.timer);
        return { kind: 'timer', timer: order.indexOf(st.timer), period: st.period, relative: !absolute[st.timer] };
      }),
    }));
    return { offset, loop, phases: renumbered, timers: order.length, timerRefs: order.map((t) => names[t]), wakeDelayNs };
  });
