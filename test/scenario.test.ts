import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/errors.js';
import {
  formatDuration,
  loadScenario,
  parseDuration,
  parseRate,
  parseScenarioText,
  renderScenarioSchema,
  type Scenario,
} from '../src/scenario/index.js';

// ---------------------------------------------------------------------------------------------
// Fixtures

const VALID_YAML = `# yaml-language-server: $schema=../schema/scenario.schema.json
$schema: ../schema/scenario.schema.json
name: fig11-12-granularity
duration: 10s
warmup: 500ms
hosts:
  - id: ph1
    cpus: 2
vmus:
  - id: video
    host: ph1
    affinity: [0]
    sla: { budget: 10ms, period: 40ms }
    guest: { scheduler: edf }
    hostPriority: 50
    tasks:
      - id: decode
        kind: periodic
        period: 40ms
        exec: { dist: truncnormal, mean: 8ms, sd: 1.1ms }
      - id: web
        kind: server
        rate: 200/s
        exec: { dist: uniform, min: 40µs, max: 1.5ms }
  - id: buggy
    host: ph1
    vcpus: 2
    weight: 512
    tasks:
      - { id: spin, kind: busy, affinity: [1] }
      - id: burst
        kind: sporadic
        minInterArrival: 5ms
        extraMean: 1ms
        exec: 2.5ms
        policy: { class: rr, priority: 10 }
      - id: replay
        kind: server
        arrivals: [1ms, 2.5ms, 10ms]
        exec: { dist: trace, values: [1us, 2us] }
        deadline: 1ms
hostThreads:
  - { id: ctl, host: ph1, kind: periodic, period: 10ms, exec: 2ms, policy: { class: fifo, priority: 80 } }
  - { id: kworker, host: ph1, kind: periodic, period: 1s, offset: 1.1us, jitter: 0.5ms, exec: { dist: constant, value: 1ms } }
models:
  - kvm-irmos
  - { name: kvm-linux, params: { kernel: "2.6.33" } }
expect:
  - { model: kvm-irmos, task: decode, metric: missRatio, max: 0 }
  - { task: video, metric: cpuShare, min: 0.2, max: 0.3 }
`;

const VALID_JSON = {
  name: 'json-basic',
  description: 'two hosts, deadline policy',
  duration: '1.5min',
  seed: 42,
  hosts: [
    { id: 'a', cpus: 4, contextSwitch: '2us', tick: '4ms' },
    { id: 'b', cpus: 1 },
  ],
  vmus: [
    {
      id: 'vm',
      host: 'a',
      vcpus: 2,
      sla: { budget: '2ms', period: '10ms', deadline: '5ms' },
      guest: { scheduler: 'fair', tick: '1ms' },
      tasks: [
        {
          id: 'ctrl',
          kind: 'periodic',
          period: '20ms',
          exec: '1.1us',
          policy: { class: 'deadline', runtime: '1ms', period: '20ms' },
          affinity: [1],
        },
      ],
    },
  ],
  hostThreads: [{ id: 'irq', host: 'b', kind: 'sporadic', minInterArrival: '100us', exec: '5us', policy: { class: 'fair', nice: -5 } }],
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hvsim-scenario-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeFixture(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

// ---------------------------------------------------------------------------------------------
// Valid scenarios

describe('valid scenarios', () => {
  it('resolves a YAML scenario with defaults and exact nanoseconds', () => {
    const file = writeFixture('fig11.yaml', VALID_YAML);
    const s = loadScenario(file, { knownModels: ['kvm-irmos', 'kvm-linux', 'xen-credit'] });
    expect(s).toMatchObject({ name: 'fig11-12-granularity', description: '', file, durationNs: 10e9, warmupNs: 500e6, seed: 1 });
    expect(s.hosts).toEqual([{ id: 'ph1', cpus: 2, contextSwitchNs: 0, tickNs: 1_000_000 }]);

    const [video, buggy] = s.vmus;
    expect(video).toEqual({
      id: 'video',
      host: 'ph1',
      vcpus: 1,
      affinity: [0],
      sla: { budget: 10e6, period: 40e6, deadline: 40e6 },
      guest: { scheduler: 'edf', tickNs: 4e6 },
      hostPriority: 50,
      weight: 1024,
      io: [],
      tasks: [
        {
          id: 'decode',
          arrival: { kind: 'periodic', period: 40e6, offset: 0, jitter: 0 },
          exec: { kind: 'truncnormal', mean: 8e6, sd: 1_100_000, min: 4_700_000, max: 11_300_000 },
          deadline: 40e6,
          policy: { class: 'fifo', priority: 50 },
          affinity: [0],
        },
        {
          id: 'web',
          arrival: { kind: 'poisson', ratePerSec: 200, offset: 0 },
          exec: { kind: 'uniform', min: 40_000, max: 1_500_000 },
          deadline: Infinity,
          policy: { class: 'fifo', priority: 50 },
          affinity: [0],
        },
      ],
    });
    expect(buggy.affinity).toEqual([0, 1]);
    expect(buggy.weight).toBe(512);
    expect(buggy.sla).toBeUndefined();
    expect('hostPriority' in buggy).toBe(false);
    expect(buggy.tasks).toEqual([
      {
        id: 'spin',
        arrival: { kind: 'busy', offset: 0 },
        exec: { kind: 'constant', value: Infinity },
        deadline: Infinity,
        policy: { class: 'fifo', priority: 50 },
        affinity: [1],
      },
      {
        id: 'burst',
        arrival: { kind: 'sporadic', minInterArrival: 5e6, extraMean: 1e6, offset: 0 },
        exec: { kind: 'constant', value: 2_500_000 },
        deadline: 5e6,
        policy: { class: 'rr', priority: 10 },
        affinity: [0, 1],
      },
      {
        id: 'replay',
        arrival: { kind: 'trace', times: [1e6, 2_500_000, 10e6] },
        exec: { kind: 'trace', values: [1000, 2000] },
        deadline: 1e6,
        policy: { class: 'fifo', priority: 50 },
        affinity: [0, 1],
      },
    ]);

    expect(s.hostThreads).toEqual([
      {
        id: 'ctl',
        host: 'ph1',
        arrival: { kind: 'periodic', period: 10e6, offset: 0, jitter: 0 },
        exec: { kind: 'constant', value: 2e6 },
        deadline: 10e6,
        policy: { class: 'fifo', priority: 80 },
        affinity: [0, 1],
      },
      {
        id: 'kworker',
        host: 'ph1',
        arrival: { kind: 'periodic', period: 1e9, offset: 1100, jitter: 500_000 },
        exec: { kind: 'constant', value: 1e6 },
        deadline: 1e9,
        policy: { class: 'fair', nice: 0 },
        affinity: [0, 1],
      },
    ]);
    expect(s.models).toEqual([
      { name: 'kvm-irmos', params: {}, pointer: '/models/0' },
      { name: 'kvm-linux', params: { kernel: '2.6.33' }, pointer: '/models/1' },
    ]);
    expect(s.expectations).toEqual([
      { kind: 'metric', model: 'kvm-irmos', subject: { kind: 'task', id: 'decode' }, metric: 'missRatio', max: 0, pointer: '/expect/0' },
      // `task` naming a VMU (files from before `vmu:`): the VMU's cpuShare.
      { kind: 'metric', subject: { kind: 'vmu', id: 'video' }, metric: 'cpuShare', min: 0.2, max: 0.3, pointer: '/expect/1' },
    ]);
  });

  it('resolves a JSON scenario', () => {
    const file = writeFixture('basic.json', JSON.stringify(VALID_JSON, null, 2));
    const s: Scenario = loadScenario(file);
    expect(s).toMatchObject({ name: 'json-basic', description: 'two hosts, deadline policy', durationNs: 90e9, warmupNs: 0, seed: 42 });
    expect(s.hosts).toEqual([
      { id: 'a', cpus: 4, contextSwitchNs: 2000, tickNs: 4e6 },
      { id: 'b', cpus: 1, contextSwitchNs: 0, tickNs: 1e6 },
    ]);
    expect(s.vmus[0]).toMatchObject({
      affinity: [0, 1, 2, 3],
      sla: { budget: 2e6, period: 10e6, deadline: 5e6 },
      guest: { scheduler: 'fair', tickNs: 1e6 },
      weight: 1024,
    });
    expect(s.vmus[0].tasks[0]).toEqual({
      id: 'ctrl',
      arrival: { kind: 'periodic', period: 20e6, offset: 0, jitter: 0 },
      exec: { kind: 'constant', value: 1100 },
      deadline: 20e6,
      policy: { class: 'deadline', runtime: 1e6, deadline: 20e6, period: 20e6 },
      affinity: [1],
    });
    expect(s.hostThreads[0]).toMatchObject({
      host: 'b',
      arrival: { kind: 'sporadic', minInterArrival: 100_000, extraMean: 0, offset: 0 },
      deadline: 100_000,
      policy: { class: 'fair', nice: -5 },
      affinity: [0],
    });
    expect(s.models).toEqual([]);
    expect(s.expectations).toEqual([]);
  });

  it('parses the same scenario from JSON and YAML text identically', () => {
    const fromJson = parseScenarioText(JSON.stringify(VALID_JSON), 'x.json');
    const fromYaml = parseScenarioText(JSON.stringify(VALID_JSON), 'x.yaml');
    expect({ ...fromYaml, file: 'x.json' }).toEqual(fromJson);
  });
});

// ---------------------------------------------------------------------------------------------
// Units

describe('units', () => {
  it('parses durations exactly', () => {
    const cases: [string, number][] = [
      ['2.5ms', 2_500_000],
      ['40us', 40_000],
      ['40µs', 40_000],
      ['40μs', 40_000],
      ['100ns', 100],
      ['1s', 1e9],
      ['0s', 0],
      ['1.5min', 90e9],
      ['1.1us', 1100],
      ['0.000001ms', 1],
      ['2.5 ms', 2_500_000],
    ];
    for (const [text, ns] of cases) expect(parseDuration(text, 'f', '/p'), text).toBe(ns);
  });

  it('rejects unitless, negative and fractional-nanosecond durations', () => {
    for (const bad of ['40', 40, '-5ms', '5 sec', '', '1e3ns', null]) {
      const e = catchInputError(() => parseDuration(bad, 'f.yaml', '/duration'));
      expect(e.expected).toBe('a duration such as "2.5ms" (units ns, us, µs, ms, s, min)');
      expect(e.found).toBe(bad === null ? 'null' : typeof bad === 'number' ? '40' : JSON.stringify(bad));
      expect(e.message).toContain('f.yaml at /duration');
    }
    expect(catchInputError(() => parseDuration(40, 'f', '/p')).hint).toBe('add a unit, e.g. "40ms"');
    const e = catchInputError(() => parseDuration('0.3ns', 'f', '/p'));
    expect(e.expected).toBe('a whole number of nanoseconds');
    expect(e.found).toBe('"0.3ns"');
  });

  it('parses rates into events per second', () => {
    const cases: [string, number][] = [
      ['200/s', 200],
      ['5/ms', 5000],
      ['10/us', 1e7],
      ['50Hz', 50],
      ['2kHz', 2000],
      ['0.7/ms', 700],
      ['30/min', 0.5],
    ];
    for (const [text, rate] of cases) expect(parseRate(text, 'f', '/p'), text).toBe(rate);
    expect(catchInputError(() => parseRate('0/s', 'f', '/p')).expected).toBe('a rate > 0');
    expect(catchInputError(() => parseRate('200', 'f', '/p')).expected).toMatch(/^a rate such as/);
  });

  it('formats durations with 3 significant digits', () => {
    expect(formatDuration(2_500_000)).toBe('2.5 ms');
    expect(formatDuration(40_000)).toBe('40 µs');
    expect(formatDuration(1e9)).toBe('1 s');
    expect(formatDuration(0)).toBe('0 ns');
    expect(formatDuration(1_234_567_890)).toBe('1.23 s');
    expect(formatDuration(999_999)).toBe('1 ms');
    expect(formatDuration(999)).toBe('999 ns');
    expect(formatDuration(Infinity)).toBe('∞');
  });

  const nsArb = fc.integer({ min: 0, max: 1e15 });
  const exactDecimal = (ns: number, digits: number) => {
    const big = BigInt(ns);
    const scale = 10n ** BigInt(digits);
    const frac = (big % scale).toString().padStart(digits, '0').replace(/0+$/, '');
    return `${big / scale}${frac ? `.${frac}` : ''}`;
  };

  it('property: "<n>ns" parses to n', () => {
    fc.assert(fc.property(nsArb, (ns) => parseDuration(`${ns}ns`, 'f', '/p') === ns));
  });

  it('property: exact ms, us and s representations parse back to the same nanoseconds', () => {
    fc.assert(
      fc.property(nsArb, (ns) => {
        expect(parseDuration(`${exactDecimal(ns, 6)}ms`, 'f', '/p')).toBe(ns);
        expect(parseDuration(`${exactDecimal(ns, 3)}us`, 'f', '/p')).toBe(ns);
        expect(parseDuration(`${exactDecimal(ns, 9)}s`, 'f', '/p')).toBe(ns);
        // JavaScript's own rendering of ns / 1e6, whenever that rendering is exact.
        const js = String(ns / 1e6);
        if (js === exactDecimal(ns, 6)) expect(parseDuration(`${js}ms`, 'f', '/p')).toBe(ns);
      }),
    );
  });

  it('property: sub-nanosecond fractions are rejected', () => {
    fc.assert(
      fc.property(nsArb, fc.integer({ min: 1, max: 9 }), (ns, tenth) => {
        expect(() => parseDuration(`${ns}.${tenth}ns`, 'f', '/p')).toThrow(/whole number of nanoseconds/);
      }),
    );
  });

  it('property: formatDuration output parses back within rounding error', () => {
    fc.assert(
      fc.property(nsArb, (ns) => {
        const back = parseDuration(formatDuration(ns), 'f', '/p');
        expect(Math.abs(back - ns)).toBeLessThanOrEqual(ns * 0.005 + 0.5);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Schema file

describe('schema file', () => {
  it('schema/scenario.schema.json matches the schema in code', () => {
    const onDisk = readFileSync(new URL('../schema/scenario.schema.json', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderScenarioSchema());
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input

function catchInputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw new Error(`expected an InputError, got ${String(error)}`);
  }
  throw new Error('expected an InputError, nothing was thrown');
}

interface Expected {
  pointer: string;
  expected: string | RegExp;
  found: string | RegExp;
  line?: number;
  hint?: string | RegExp;
}

/** Parse `text` as `file`, expect exactly one InputError shaped like `want`. */
function expectBad(file: string, text: string, want: Expected, opts = {}): InputError {
  const e = catchInputError(() => parseScenarioText(text, file, opts));
  expect(e.file).toBe(file);
  expect(e.pointer).toBe(want.pointer);
  expect(e.message).toContain(file);
  if (want.pointer) expect(e.message).toContain(` at ${want.pointer}`);
  const match = (actual: string, wanted: string | RegExp) =>
    typeof wanted === 'string' ? expect(actual).toBe(wanted) : expect(actual).toMatch(wanted);
  match(e.expected, want.expected);
  match(e.found, want.found);
  if (want.line !== undefined) {
    expect(e.line).toBe(want.line);
    expect(e.message).toContain(`${file}:${want.line}`);
  }
  if (want.hint !== undefined) match(e.hint ?? '', want.hint);
  return e;
}

/** A minimal valid YAML scenario with `extra` appended (top-level keys). */
const base = (extra = '', hosts = 'hosts:\n  - { id: ph1, cpus: 2 }\n') => `name: t\nduration: 1s\n${hosts}${extra}`;
/** One VMU on ph1 holding the given task (a YAML flow mapping). */
const withTask = (task: string, vmu = '') => base(`vmus:\n  - { id: vm, host: ph1${vmu}, tasks: [ ${task} ] }\n`);

describe('syntax errors', () => {
  it('malformed JSON reports line and column', () => {
    const e = expectBad('bad.json', '{\n  "name": "x",\n  "duration": }\n', {
      pointer: '',
      expected: 'valid JSON',
      found: /^Unexpected token '}' at line 3, column 15$/,
      line: 3,
    });
    expect(e.message).toMatch(/^bad\.json:3: expected valid JSON/);
    expectBad('trail.json', '{"name": "x",\n}', { pointer: '', expected: 'valid JSON', found: /line 2, column 1$/, line: 2 });
    expectBad('empty.json', '', { pointer: '', expected: 'valid JSON', found: /line 1, column 1$/, line: 1 });
  });

  it('duplicate keys in JSON are rejected rather than silently overwritten', () => {
    expectBad('dup.json', '{\n  "name": "x",\n  "name": "y"\n}', {
      pointer: '',
      expected: 'an object with unique keys',
      found: 'a duplicate key at line 3',
      line: 3,
    });
  });

  it('malformed YAML reports the line', () => {
    expectBad('bad.yaml', 'name: x\nhosts: [1, 2\nduration: 1s\n', { pointer: '', expected: 'valid YAML', found: /line \d+, column \d+/ });
    expectBad('dup.yaml', 'name: x\nduration: 1s\nname: y\n', {
      pointer: '',
      expected: 'valid YAML',
      found: /Map keys must be unique at line 3/,
      line: 3,
    });
  });

  it('unsupported extensions and missing files', () => {
    const e = catchInputError(() => loadScenario(writeFixture('s.txt', base())));
    expect(e.expected).toBe('a scenario file ending in .json, .yaml or .yml');
    expect(e.message).toContain('s.txt');
    const missing = catchInputError(() => loadScenario(join(dir, 'nope.yaml')));
    expect(missing.found).toBe('no such file');
  });
});

describe('schema violations', () => {
  it('unknown field, with a suggestion and its line', () => {
    expectBad('s.yaml', base('', 'hosts:\n  - id: ph1\n    cpu: 2\n'), {
      pointer: '/hosts/0/cpu',
      expected: 'one of the fields id, cpus, contextSwitch, tick, tickPhase, skewTick, overheads, memory, storage, ixb, role, categories',
      found: 'unknown field "cpu"',
      hint: 'did you mean "cpus"?',
      line: 5,
    });
    expectBad('s.yaml', base('colour: red\n'), { pointer: '/colour', expected: /^one of the fields \$schema, name, /, found: 'unknown field "colour"' });
  });

  it('missing required fields', () => {
    expectBad('s.yaml', 'name: t\nhosts: [{ id: a, cpus: 1 }]\n', {
      pointer: '/duration',
      expected: /^the required field "duration" \(a duration such as "2\.5ms"/,
      found: 'nothing',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: periodic, exec: 1ms }'), {
      pointer: '/vmus/0/tasks/0/period',
      expected: /^the required field "period"/,
      found: 'nothing',
      line: 6,
    });
  });

  it('integers out of range', () => {
    expectBad('s.yaml', base('', 'hosts: [{ id: a, cpus: 0 }]\n'), { pointer: '/hosts/0/cpus', expected: 'an integer in 1..256', found: '0' });
    expectBad('s.yaml', base('vmus: [{ id: v, host: ph1, vcpus: 0 }]\n'), { pointer: '/vmus/0/vcpus', expected: 'an integer in 1..256', found: '0' });
    expectBad('s.yaml', base('seed: 1.5\n'), { pointer: '/seed', expected: 'an integer in 0..4294967295', found: '1.5' });
    expectBad('s.yaml', base('', 'hosts: []\n'), { pointer: '/hosts', expected: 'a list of at least 1 item and at most 64 items', found: '[]' });
  });

  it('bad discriminators and unions', () => {
    expectBad('s.yaml', withTask('{ id: a, kind: periodc, period: 1ms, exec: 1ms }'), {
      pointer: '/vmus/0/tasks/0/kind',
      expected: 'one of "periodic", "sporadic", "server", "busy" or "program"',
      found: '"periodc"',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: periodic, period: 1ms, exec: 5 }'), {
      pointer: '/vmus/0/tasks/0/exec',
      expected: /^a duration such as "2\.5ms" .* or an object with "dist" set to one of "constant", "uniform", "truncnormal" or "trace"$/,
      found: '5',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: periodic, period: 1ms, exec: { dist: uniform, min: 1ms } }'), {
      pointer: '/vmus/0/tasks/0/exec/max',
      expected: /^the required field "max"/,
      found: 'nothing',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: busy, policy: { class: fifo } }'), {
      pointer: '/vmus/0/tasks/0/policy/priority',
      expected: /^the required field "priority" \(an integer in 1\.\.99\)/,
      found: 'nothing',
    });
    expectBad('s.yaml', base('models: [kvm-irmos, 5]\n'), { pointer: '/models/1', expected: /^a name made of .* or an object with fields name, params$/, found: '5' });
  });

  it('bad duration strings', () => {
    for (const [value, found] of [['40', '40'], ['"40xs"', '"40xs"'], ['-5ms', '"-5ms"']]) {
      expectBad('s.yaml', withTask(`{ id: a, kind: periodic, period: ${value}, exec: 1ms }`), {
        pointer: '/vmus/0/tasks/0/period',
        expected: 'a duration such as "2.5ms" (units ns, us, µs, ms, s, min)',
        found,
      });
    }
    expectBad('s.yaml', withTask('{ id: a, kind: periodic, period: 0.3ns, exec: 1ms }'), {
      pointer: '/vmus/0/tasks/0/period',
      expected: 'a whole number of nanoseconds',
      found: '"0.3ns"',
      line: 6,
    });
  });

  it('server arrivals: exactly one of rate and arrivals', () => {
    expectBad('s.yaml', withTask('{ id: a, kind: server, exec: 1ms }'), {
      pointer: '/vmus/0/tasks/0',
      expected: 'at least one of the fields rate, arrivals',
      found: 'neither',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: server, rate: 5/s, arrivals: [1ms], exec: 1ms }'), {
      pointer: '/vmus/0/tasks/0',
      expected: 'only one of the fields rate, arrivals',
      found: 'both',
    });
  });

  it('expectations need min or max; names must be path-safe; affinity has no duplicates', () => {
    expectBad('s.yaml', withTask('{ id: x, kind: busy }') + 'expect: [{ task: x, metric: missRatio }]\n', {
      pointer: '/expect/0',
      expected: 'at least one of the fields min, max, below, above',
      found: 'none',
    });
    expectBad('s.yaml', 'name: a/b\nduration: 1s\nhosts: [{ id: a, cpus: 1 }]\n', {
      pointer: '/name',
      expected: 'a name made of letters, digits, ".", "_" or "-", at most 64 characters',
      found: '"a/b"',
    });
    expectBad('s.yaml', base('vmus: [{ id: v, host: ph1, affinity: [1, 1] }]\n'), {
      pointer: '/vmus/0/affinity',
      expected: 'a list of at least 1 item without duplicates',
      found: '1 twice',
    });
  });
});

describe('semantic errors', () => {
  it('duplicate ids', () => {
    expectBad('s.yaml', base('', 'hosts: [{ id: a, cpus: 1 }, { id: a, cpus: 2 }]\n'), {
      pointer: '/hosts/1/id',
      expected: 'a host id not used before',
      found: '"a", already used at /hosts/0/id',
    });
    expectBad('s.yaml', base('vmus: [{ id: v, host: ph1 }, { id: v, host: ph1 }]\n'), {
      pointer: '/vmus/1/id',
      expected: 'a VMU id not used before',
      found: '"v", already used at /vmus/0/id',
    });
    const text = withTask('{ id: dup, kind: busy }') + 'hostThreads: [{ id: dup, host: ph1, kind: busy }]\n';
    expectBad('s.yaml', text, {
      pointer: '/hostThreads/0/id',
      expected: 'a task or host thread id not used before',
      found: '"dup", already used at /vmus/0/tasks/0/id',
      line: 7,
    });
  });

  it('references to missing hosts', () => {
    expectBad('s.yaml', base('vmus: [{ id: v, host: ph2 }]\n'), {
      pointer: '/vmus/0/host',
      expected: 'the id of a host (ph1)',
      found: '"ph2"',
      hint: 'did you mean "ph1"?',
    });
    expectBad('s.yaml', base('hostThreads: [{ id: t, host: nope, kind: busy }]\n'), {
      pointer: '/hostThreads/0/host',
      expected: 'the id of a host (ph1)',
      found: '"nope"',
    });
  });

  it('affinity to missing CPUs', () => {
    expectBad('s.yaml', base('vmus:\n  - id: v\n    host: ph1\n    affinity: [0, 5]\n'), {
      pointer: '/vmus/0/affinity/1',
      expected: 'pCPU indices 0..1 of host ph1',
      found: 'pCPU 5',
      line: 8,
    });
    expectBad('s.yaml', withTask('{ id: a, kind: busy, affinity: [1] }'), {
      pointer: '/vmus/0/tasks/0/affinity/0',
      expected: 'vCPU indices 0 of VMU vm',
      found: 'vCPU 1',
    });
    expectBad('s.yaml', base('hostThreads: [{ id: t, host: ph1, kind: busy, affinity: [2] }]\n'), {
      pointer: '/hostThreads/0/affinity/0',
      expected: 'pCPU indices 0..1 of host ph1',
      found: 'pCPU 2',
    });
    expectBad('s.yaml', base('vmus: [{ id: v, host: ph1, softAffinity: [1, 3] }]\n'), {
      pointer: '/vmus/0/softAffinity/1',
      expected: 'pCPU indices 0..1 of host ph1',
      found: 'pCPU 3',
    });
  });

  it('SLA budget within deadline and period', () => {
    expectBad('s.yaml', base('vmus: [{ id: v, host: ph1, sla: { budget: 50ms, period: 40ms } }]\n'), {
      pointer: '/vmus/0/sla/budget',
      expected: 'a duration <= the period (40 ms)',
      found: '"50ms"',
    });
    expectBad('s.yaml', base('vmus: [{ id: v, host: ph1, sla: { budget: 20ms, period: 40ms, deadline: 10ms } }]\n'), {
      pointer: '/vmus/0/sla/budget',
      expected: 'a duration <= the deadline (10 ms)',
      found: '"20ms"',
    });
    expectBad('s.yaml', base('vmus: [{ id: v, host: ph1, sla: { budget: 1ms, period: 40ms, deadline: 50ms } }]\n'), {
      pointer: '/vmus/0/sla/deadline',
      expected: 'a duration <= the period (40 ms)',
      found: '"50ms"',
    });
  });

  it('zero periods, budgets and demands', () => {
    expectBad('s.yaml', withTask('{ id: a, kind: periodic, period: 0ms, exec: 1ms }'), {
      pointer: '/vmus/0/tasks/0/period',
      expected: 'a duration > 0',
      found: '"0ms"',
    });
    expectBad('s.yaml', base('vmus: [{ id: v, host: ph1, sla: { budget: 0s, period: 40ms } }]\n'), {
      pointer: '/vmus/0/sla/budget',
      expected: 'a duration > 0',
      found: '"0s"',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: sporadic, minInterArrival: 1ms, exec: { dist: trace, values: [1ms, 0us] } }'), {
      pointer: '/vmus/0/tasks/0/exec/values/1',
      expected: 'a duration > 0',
      found: '"0us"',
    });
    expectBad('s.yaml', base('', 'hosts: [{ id: a, cpus: 1, tick: 0ms }]\n'), { pointer: '/hosts/0/tick', expected: 'a duration > 0', found: '"0ms"' });
  });

  it('other orderings: warm-up, distributions, arrivals, SCHED_DEADLINE', () => {
    expectBad('s.yaml', base('warmup: 1s\n'), { pointer: '/warmup', expected: 'a warm-up shorter than the duration (1 s)', found: '"1s"' });
    expectBad('s.yaml', withTask('{ id: a, kind: busy, exec: 1ms }'), {
      pointer: '/vmus/0/tasks/0/exec',
      expected: /^one of the fields id, kind, offset, deadline, policy, affinity, memory$/,
      found: 'unknown field "exec"',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: periodic, period: 1ms, exec: { dist: uniform, min: 2ms, max: 1ms } }'), {
      pointer: '/vmus/0/tasks/0/exec/max',
      expected: 'a duration >= min (2 ms)',
      found: '"1ms"',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: periodic, period: 1ms, exec: { dist: truncnormal, mean: 1ms, sd: 0.1ms, min: 2ms } }'), {
      pointer: '/vmus/0/tasks/0/exec/min',
      expected: 'a duration <= the mean (1 ms)',
      found: '"2ms"',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: server, arrivals: [1ms, 1ms], exec: 1ms }'), {
      pointer: '/vmus/0/tasks/0/arrivals/1',
      expected: 'an instant after 1 ms (arrivals strictly increase)',
      found: '"1ms"',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: server, arrivals: [1ms], offset: 1ms, exec: 1ms }'), {
      pointer: '/vmus/0/tasks/0/offset',
      expected: 'no offset with explicit arrivals (they are absolute instants)',
      found: '"1ms"',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: busy, policy: { class: deadline, runtime: 5ms, deadline: 4ms, period: 10ms } }'), {
      pointer: '/vmus/0/tasks/0/policy/runtime',
      expected: 'a duration <= the deadline (4 ms)',
      found: '"5ms"',
    });
  });

  it('unknown models and expectation subjects', () => {
    const opts = { knownModels: ['kvm-irmos', 'kvm-linux', 'xen-credit'] };
    expectBad('s.yaml', base('models: [kvm-irmos, xen-credit, kvm-irmoss]\n'), {
      pointer: '/models/2',
      expected: 'one of the models kvm-irmos, kvm-linux, xen-credit',
      found: '"kvm-irmoss"',
      hint: 'did you mean "kvm-irmos"?',
      line: 5,
    }, opts);
    expectBad('s.yaml', base('models: [{ name: foo }]\n'), { pointer: '/models/0/name', expected: /^one of the models/, found: '"foo"' }, opts);
    expectBad('s.yaml', withTask('{ id: a, kind: busy }') + 'expect: [{ task: b, metric: missRatio, max: 0 }]\n', {
      pointer: '/expect/0/task',
      expected: 'the id of a task or host thread (or a VMU, or an I/O load or flow for their metrics)',
      found: '"b"',
    });
    expectBad('s.yaml', withTask('{ id: a, kind: busy }') + 'expect: [{ model: nope, task: a, metric: cpuShare, max: 0.5 }]\n', {
      pointer: '/expect/0/model',
      expected: /^one of the models/,
      found: '"nope"',
    }, opts);
    expectBad('s.yaml', withTask('{ id: a, kind: busy }') + 'expect: [{ task: a, metric: cpuShare, min: 0.5, max: 0.4 }]\n', {
      pointer: '/expect/0/max',
      expected: 'a bound >= min (0.5)',
      found: '0.4',
    });
  });

  it('JSON files get line numbers too', () => {
    const text = JSON.stringify({ ...VALID_JSON, hosts: [{ id: 'a', cpus: 4 }, { id: 'b', cpus: 1, tick: '0s' }] }, null, 2);
    const e = expectBad('s.json', text, { pointer: '/hosts/1/tick', expected: 'a duration > 0', found: '"0s"' });
    expect(e.line).toBe(text.split('\n').findIndex((l) => l.includes('"tick": "0s"')) + 1);
  });
});
