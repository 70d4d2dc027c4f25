// Predictions for the machine being described (issue 9 §3): rt-app files load wherever a scenario
// does; --cpus, --kernel, --hz and --work-scale override the file (or this machine) and move results
// in the direction analysis says; every summary, results.json and report says what was assumed and
// where it came from. Runs the built CLI (npm test builds first).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hvsimInProcess } from './helpers/cli.js';
import { hvsimSpawn as hvsim } from './helpers/spawn-cli.js';
import { importRtapp } from '../src/rtapp/import.js';
import { parseRtapp } from '../src/rtapp/grammar.js';
import { detectMachine, hzFromKernelConfig, tickNsOfHz, type MachineProbe } from '../src/scenario/machine.js';

const SAMPLE = '/work/shared/reference/rt-app-sample/periodic.json';
const RTAPP = join(__dirname, 'fixtures', 'rtapp', 'periodic.json');

function file(text: string, name = 's.yaml'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hvsim-assume-')), name);
  writeFileSync(path, text);
  return path;
}

const rtappPath = () => (existsSync(RTAPP) ? RTAPP : SAMPLE);
const ms = (x: number) => x * 1e6;

/** One fair periodic task released 300 µs after each 10 ms beside a fair busy loop on one CPU. */
const FAIR_BESIDE_LOOP = `
name: fair-tick
duration: 1s
hosts: [{ id: ph, cpus: 1 }]
hostThreads:
  - { id: t, host: ph, kind: periodic, period: 10ms, offset: 300us, exec: 1ms, policy: { class: fair } }
  - { id: hog, host: ph, kind: busy, policy: { class: fair } }
models: [kvm-linux]
`;

/** Two SCHED_FIFO tasks of 6 ms every 10 ms: U = 1.2. */
const TWO_FIFO = `
name: two-fifo
duration: 200ms
hosts: [{ id: ph, cpus: 1 }]
hostThreads:
  - { id: a, host: ph, kind: periodic, period: 10ms, exec: 6ms, policy: { class: fifo, priority: 50 } }
  - { id: b, host: ph, kind: periodic, period: 10ms, exec: 6ms, policy: { class: fifo, priority: 40 } }
models: [kvm-linux, kvm-deadline]
`;

const ALONE = `
name: alone
duration: 200ms
hosts: [{ id: ph, cpus: 1 }]
hostThreads:
  - { id: t, host: ph, kind: periodic, period: 10ms, exec: 2ms, policy: { class: fifo, priority: 50 } }
models: [kvm-linux]
`;

const json = (r: { stdout: string }) => JSON.parse(r.stdout);
const task = (results: { runs: { model: string; tasks: { id: string }[] }[] }, model: string, id: string) =>
  results.runs.find((r) => r.model === model)!.tasks.find((t) => t.id === id) as unknown as { missed: number; wakeup: { maxNs: number }; response: { maxNs: number; p99Ns: number } };

describe('rt-app files wherever a scenario is accepted', () => {
  const flags = ['--cpus', '2', '--kernel', '6.12', '--hz', '250'];

  it('validate and compare accept an rt-app file that run accepts', () => {
    const v = hvsim(['validate', rtappPath(), ...flags]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^ok .*models kvm-linux, kvm-linux-cfs, kvm-deadline/);
    const out = join(mkdtempSync(join(tmpdir(), 'hvsim-assume-')), 'out');
    const c = hvsim(['compare', rtappPath(), ...flags, '--models', 'kvm-linux', '--out', out]);
    expect(c.code, c.stderr).toBe(0);
    expect(existsSync(join(out, 'results.json'))).toBe(true);
  });

  it('trace and isolation load it too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvsim-assume-'));
    const t = hvsim(['trace', rtappPath(), ...flags, '-m', 'kvm-linux', '--to', '50ms', '--out', join(dir, 't.json')]);
    expect(t.code, t.stderr).toBe(0);
    const i = hvsim(['isolation', rtappPath(), ...flags, '--models', 'kvm-linux', '--out', dir, '--no-png']);
    // No VMU, so no aggressor: refused as bad input about aggressors, not about the file's format.
    expect(i.stderr).not.toContain('unknown field "global"');
  });

  it('without flags the machine is this one, and the summary says so', () => {
    const r = hvsim(['run', rtappPath(), '-m', 'kvm-linux']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/assumed CPUs: \d+, from this machine/);
    expect(r.stdout).toMatch(/assumed tick: .*from (this machine \(CONFIG_HZ=\d+|default \(HZ 1000 assumed)/);
  });
});

describe('run picks the scenario\'s one model', () => {
  it('runs the single model without -m', () => {
    const r = hvsim(['run', file(ALONE)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('  kvm-linux\n');
  });

  it('exits 2 naming the models when there are several', () => {
    const r = hvsim(['run', file(TWO_FIFO)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('at /model: expected -m <model>: the scenario lists kvm-linux, kvm-deadline, found no -m');
    expect(r.stdout).toBe('');
  });
});

describe('machine flags', () => {
  it.each([
    [['--cpus', '0'], '/cpus', 'a whole number of CPUs from 1 to 256', '0'],
    [['--cpus', '1.5'], '/cpus', 'a whole number of CPUs', '1.5'],
    [['--hz', 'fast'], '/hz', 'ticks per second (CONFIG_HZ)', 'something that is not a number'],
    [['--hz', '0'], '/hz', 'ticks per second (CONFIG_HZ)', '0'],
    [['--work-scale', '0'], '/work-scale', 'a factor > 0', '0'],
    [['--work-scale', '-2'], '/work-scale', 'a factor > 0', '-2'],
    [['--kernel', 'latest'], '/kernel', 'a Linux version such as', '"latest"'],
  ])('%j is refused with one pointed message and nothing written', async (bad, pointer, expected, found) => {
    const out = join(mkdtempSync(join(tmpdir(), 'hvsim-assume-')), 'out');
    for (const cmd of [['run', file(ALONE), '--out', out], ['compare', file(ALONE), '--out', out], ['validate', file(ALONE)], ['import', 'rtapp', rtappPath()]]) {
      // In-process (test/helpers/cli.ts): 28 refusals, one message each; the spawning tests here cover the process.
      const r = await hvsimInProcess([...cmd, ...bad]);
      expect(r.code, `${cmd[0]} ${bad.join(' ')}`).toBe(2);
      expect(r.stderr).toContain(`<command line> at ${pointer}: expected `);
      expect(r.stderr).toContain(expected);
      expect(r.stderr).toContain(`found ${found}`);
      expect(r.stderr).not.toContain('    at ');
      expect(existsSync(out)).toBe(false);
    }
  });

  it('--cpus 2 gives two 60 % FIFO tasks a CPU each: no miss where one CPU misses', () => {
    const one = json(hvsim(['run', file(TWO_FIFO), '-m', 'kvm-linux', '--json']));
    const two = json(hvsim(['run', file(TWO_FIFO), '-m', 'kvm-linux', '--json', '--cpus', '2']));
    expect(task(one, 'kvm-linux', 'b').missed).toBeGreaterThan(0); // U = 1.2 on one CPU
    expect(task(two, 'kvm-linux', 'a').missed + task(two, 'kvm-linux', 'b').missed).toBe(0);
    expect(task(two, 'kvm-linux', 'b').response.maxNs).toBe(ms(6)); // alone on its CPU
    expect(two.scenario.assumptions.cpus).toEqual({ value: 2, source: 'flag', note: '--cpus, on every host' });
  });

  it('--ns-per-loop is for rt-app files only', () => {
    const r = hvsim(['run', file(ALONE), '--ns-per-loop', '8']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('<command line> at /ns-per-loop: expected --ns-per-loop with an rt-app file');
  });

  it('--cpus below an affinity is bad input that names the flag', () => {
    const pinned = TWO_FIFO.replace('priority: 40 } }', 'priority: 40 }, affinity: [1] }').replace('cpus: 1', 'cpus: 2');
    const r = hvsim(['run', file(pinned), '-m', 'kvm-linux', '--cpus', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/hostThreads/1/affinity');
    expect(r.stderr).toContain('hint: the command line set every host\'s --cpus 1');
  });

  it('--hz moves fair wake-ups beside a busy loop to the next tick of a 1/HZ grid', () => {
    // The woken fair task waits for the loop's next tick: release at 0.3 ms past the 10 ms grid,
    // so its wake-up latency is the tick minus 0.3 ms (1 ms ticks: 0.7 ms; 4 ms ticks: up to 3.7 ms).
    for (const [hz, tick] of [[1000, ms(1)], [250, ms(4)]]) {
      const r = json(hvsim(['run', file(FAIR_BESIDE_LOOP), '--json', '--hz', String(hz)]));
      expect(task(r, 'kvm-linux', 't').wakeup.maxNs).toBe(tick - 300_000);
      expect(r.scenario.assumptions.tick).toEqual({ value: tick, hz, source: 'flag', note: `--hz ${hz}, on every host` });
    }
  });

  it('--work-scale 2 doubles the response time of a task alone on its CPU', () => {
    const base = json(hvsim(['run', file(ALONE), '--json']));
    const doubled = json(hvsim(['run', file(ALONE), '--json', '--work-scale', '2']));
    expect(task(base, 'kvm-linux', 't').response.maxNs).toBe(ms(2));
    expect(task(doubled, 'kvm-linux', 't').response.maxNs).toBe(ms(4));
    expect(doubled.scenario.assumptions.workScale.value).toBe(2);
  });

  it('--kernel reaches every stock-Linux model run, listed or chosen with -m', () => {
    const listed = json(hvsim(['run', file(ALONE), '--json', '--kernel', '5.10']));
    expect(listed.runs[0].settings.kernel).toBe('5.10');
    const chosen = json(hvsim(['run', file(ALONE), '--json', '--kernel', '5.4', '-m', 'kvm-deadline']));
    expect(chosen.runs[0].model).toBe('kvm-deadline');
    expect(chosen.runs[0].settings.kernel).toBe('5.4');
    expect(hvsim(['run', file(ALONE), '--kernel', '5.4', '-m', 'kvm-deadline']).stdout).toContain('assumed kernel: 5.4, from the command line');
    // A kernel the model cannot be is the model's refusal, as with the parameter in a file.
    expect(hvsim(['run', file(ALONE), '--kernel', '2.6.33', '-m', 'kvm-deadline']).code).toBe(2);
  });

  it('the report\'s setup lists the assumptions', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hvsim-assume-')), 'out');
    expect(hvsim(['compare', file(ALONE), '--out', out, '--hz', '250']).code).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('The machine predicted for');
    expect(md).toMatch(/\| tick \| 4 ms \(HZ 250\) \| the command line \|/);
    expect(md).toMatch(/\| CPUs \| 1 \| the file \|/);
  });
});

describe('this machine, as a probe sees it', () => {
  const probe = (config: string | undefined, release: string | null = '6.6.1'): MachineProbe => ({
    cpus: () => 8,
    kernelRelease: () => release ?? undefined,
    kernelConfig: (r) => (config === undefined ? undefined : { text: config, path: `/boot/config-${r}` }),
  });

  it('reads CONFIG_HZ from the kernel config and turns it into TICK_NSEC', () => {
    expect(hzFromKernelConfig('# CONFIG_HZ_1000 is not set\nCONFIG_HZ_250=y\nCONFIG_HZ=250\n')).toBe(250);
    expect(hzFromKernelConfig('CONFIG_HZ_PERIODIC=y\n')).toBeUndefined();
    expect([100, 250, 300, 1000].map(tickNsOfHz)).toEqual([10_000_000, 4_000_000, 3_333_333, 1_000_000]);
    const m = detectMachine(probe('CONFIG_HZ=300\n'));
    expect(m.tick).toEqual({ value: 3_333_333, hz: 300, source: 'detected', note: 'CONFIG_HZ=300 in /boot/config-6.6.1' });
    expect(m.kernel.value).toBe('6.6.1');
    expect(m.cpus).toMatchObject({ value: 8, source: 'detected' });
  });

  it('falls back to HZ 1000 and says so when no config is readable; off Linux the kernel is left to the models', () => {
    const m = detectMachine(probe(undefined));
    expect(m.tick).toMatchObject({ value: 1_000_000, hz: 1000, source: 'default' });
    expect(m.tick.note).toContain('pass --hz');
    expect(detectMachine(probe(undefined, null)).kernel).toMatchObject({ value: null, source: 'default' });
  });

  it('an rt-app import without flags takes the probed machine', () => {
    const workload = parseRtapp(JSON.stringify({ global: { duration: 1 }, tasks: { t: { run: 1000, timer: { ref: 'unique', period: 10000 } } } }), 'w.json');
    const imp = importRtapp(workload, { probe: probe('CONFIG_HZ=100\n', '5.10.0-21-amd64') });
    expect(imp.scenario.hosts[0]).toMatchObject({ cpus: 8, tickNs: 10_000_000 });
    expect(imp.scenario.models.map((m) => m.params.kernel)).toEqual(['5.10.0-21-amd64', '5.10.0-21-amd64', '5.10.0-21-amd64']);
  });
});

describe('rt-app calibration', () => {
  const runNs = (calibration: number | string, nsPerLoop?: number, workScale?: number) => {
    const doc = { global: { duration: 1, calibration }, tasks: { t: { run: 2000, timer: { ref: 'unique', period: 10000 } } } };
    const imp = importRtapp(parseRtapp(JSON.stringify(doc), 'w.json'), { cpus: 1, hz: 1000, kernel: '6.12', machineNsPerLoop: nsPerLoop, workScale });
    const a = imp.scenario.hostThreads[0].arrival;
    const step = a.kind === 'program' ? a.program.phases[0].steps[0] : undefined;
    return { ns: step?.kind === 'run' ? step.ns : NaN, imp };
  };

  it('loops calibrated at 4 ns run twice as long on a machine at 8 ns per loop', () => {
    expect(runNs(4, 8).ns).toBe(ms(4));
    expect(runNs(4, 8).imp.scenario.assumptions!.workScale).toMatchObject({ value: 2, source: 'file' });
    expect(runNs(4, 8, 1.5).ns).toBe(ms(6)); // and --work-scale on top
  });

  it('a fixed calibration without the machine\'s loop cost, or "CPU0", leaves run work as written', () => {
    expect(runNs(4).ns).toBe(ms(2));
    expect(runNs(4).imp.scenario.assumptions!.workScale.note).toContain('pass --ns-per-loop');
    expect(runNs('CPU0', 8).ns).toBe(ms(2)); // rt-app calibrates on the machine it runs on
  });

  it('perf counts loops of the file\'s calibration, as rt-app does', () => {
    expect(runNs(4, 8).imp.nsPerLoop).toBe(4);
    expect(runNs('CPU0', 8).imp.nsPerLoop).toBe(8);
  });
});
