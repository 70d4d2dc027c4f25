// Issue 15: the command line meeting hostile or careless input. Each item of the issue is a test:
// bad input is one message naming the file, the pointer (and line) and the valid range, exit 2;
// nothing is written outside the folder given; nothing hangs; a crash is exit 3, never 1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Simulator } from '../src/engine/simulator.js';
import { describeValue, escapeControl } from '../src/errors.js';
import { hvsimInProcess as hvsim, listTree, STACK_FRAME } from './helpers/cli.js';
import { NODE_FLAGS } from '../src/jit-tuning.js';

const scenarioText = (o: { name?: string; budget?: string; period?: string; models?: string; duration?: string; extra?: string } = {}) => `
name: ${o.name ?? 'hostile'}
duration: ${o.duration ?? '200ms'}
hosts: [{ id: ph1, cpus: 1 }]
vmus:
  - id: vm
    host: ph1
    sla: { budget: ${o.budget ?? '2ms'}, period: ${o.period ?? '10ms'} }
    tasks: [{ id: t, kind: periodic, period: 10ms, exec: 1ms }]
${o.models ?? ''}
${o.extra ?? ''}
`;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hvsim-hostile-'));
}

function write(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Exit 2, one message naming `pointer`, no stack trace. */
function expectInputError(r: { code: number; stderr: string }, pointer: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pointer);
  expect(r.stderr).not.toMatch(STACK_FRAME);
}

describe('1. rt-app logs stay inside --rtapp-logs', () => {
  it('a thread named "x/../../../../evil" writes its log inside the folder, under a cleaned name', async () => {
    const dir = tmp();
    const file = write(dir, 'w.json', JSON.stringify({
      global: { duration: 1, log_basename: 'base' },
      tasks: { 'x/../../../../evil': { policy: 'SCHED_OTHER', run: 1000, timer: { ref: 'a', period: 10000 } } },
    }));
    const logs = join(dir, 'deep', 'logs');
    mkdirSync(logs, { recursive: true });
    const before = listTree(dir);
    const r = await hvsim(['run', file, '-m', 'kvm-linux', '--rtapp-logs', logs]);
    expect(r.code, r.stderr).toBe(0);
    const added = listTree(dir).filter((p) => !before.includes(p));
    expect(added.length).toBeGreaterThan(0);
    for (const p of added) expect(p.startsWith('deep/logs/')).toBe(true);
    expect(added.some((p) => /evil-\d+\.log$/.test(p))).toBe(true);
  });
});

describe('2. a model limit is an input error naming the field, its line and the valid range', () => {
  const cases: [string, Parameters<typeof scenarioText>[0], RegExp][] = [
    ['an SLA period of 20 s under SEDF ([10 µs, 10 s])', { period: '20s', budget: '2ms', models: 'models: [xen-sedf]' }, /:8 at \/vmus\/0\/sla\/period: expected an SLA period in 10 µs\.\.10 s/],
    ['a 3 µs budget under SEDF (slice ≥ 5 µs)', { budget: '3us', models: 'models: [xen-sedf]' }, /at \/vmus\/0\/sla\/budget: expected an SLA budget at least 5 µs/],
    ['a 3 µs budget under RTDS (≥ 10 µs)', { budget: '3us', models: 'models: [xen-rtds]' }, /at \/vmus\/0\/sla\/budget: .*at least 10 µs/],
    ['a 500 ns budget under SCHED_DEADLINE (≥ 1024 ns)', { budget: '500ns', models: 'models: [kvm-deadline]' }, /at \/vmus\/0\/sla\/budget: .*at least 1\.024 µs|at \/vmus\/0\/sla\/budget: .*1024/],
    ['fairServerPeriod 10 ms below its 50 ms runtime', { models: 'models: [{ name: kvm-linux, params: { fairServerPeriod: 10ms } }]' }, /at \/models\/0\/params\/fairServerRuntime: expected fairServerRuntime no longer than fairServerPeriod/],
    ['Credit ratelimit 5 µs (0 or 100 µs..500 ms)', { models: 'models: [{ name: xen-credit, params: { ratelimit: 5us } }]' }, /params\/ratelimit: expected ratelimit in 100 µs\.\.500 ms/],
    ['Credit tslice 2 s (1..1000 ms)', { models: 'models: [{ name: xen-credit, params: { tslice: 2s } }]' }, /params\/tslice: expected tslice in 1 ms\.\.1 s/],
    ['xenVersion "4.19-rc1"', { models: 'models: [{ name: xen-credit, params: { xenVersion: "4.19-rc1" } }]' }, /params\/xenVersion: expected a Xen version/],
    ['dom0Weight 1.5', { models: 'models: [{ name: xen-credit, params: { dom0Weight: 1.5 } }]' }, /params\/dom0Weight: expected a whole number >= 1 and <= 65535, found 1\.5/],
    ['dom0Vcpus 0.5', { models: 'models: [{ name: xen-credit, params: { dom0Vcpus: 0.5 } }]' }, /params\/dom0Vcpus: expected a whole number/],
  ];
  for (const [what, o, message] of cases) {
    it(`validate refuses ${what}`, async () => {
      const file = write(tmp(), 's.yaml', scenarioText(o));
      expectInputError(await hvsim(['validate', file]), message);
    });
  }

  it('under compare, a model that cannot express the configuration is its result; the others run', async () => {
    const dir = tmp();
    const file = write(dir, 's.yaml', scenarioText({ period: '20s', budget: '2ms' }));
    const out = join(dir, 'out');
    const r = await hvsim(['compare', file, '--models', 'xen-sedf,kvm-irmos', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/xen-sedf\n\s+refused by admission\/configuration: .*\/vmus\/0\/sla\/period/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.runs.map((x: { model: string }) => x.model)).toEqual(['kvm-irmos']);
    expect(results.refused).toEqual([{ model: 'xen-sedf', reason: expect.stringMatching(/^refused by admission\/configuration: .*expected an SLA period in 10 µs\.\.10 s/) }]);
    for (const doc of ['report.md', 'report.html']) expect(readFileSync(join(out, doc), 'utf8')).toMatch(/xen-sedf:.*refused by admission\/configuration/s);
  });
});

describe('3. a crash is exit 3 with one line, the stack only with --debug', () => {
  it('an internal error exits 3, never 1, and prints no stack trace unless --debug', async () => {
    const file = write(tmp(), 's.yaml', scenarioText());
    const spy = vi.spyOn(Simulator.prototype, 'run').mockImplementation(() => {
      throw new TypeError('boom\nsecond line');
    });
    try {
      const plain = await hvsim(['run', file, '-m', 'kvm-irmos']);
      expect(plain.code).toBe(3);
      expect(plain.stderr.trim().split('\n')).toHaveLength(1);
      expect(plain.stderr).toMatch(/internal error.*TypeError: boom/);
      expect(plain.stderr).not.toMatch(STACK_FRAME);
      const debug = await hvsim(['run', file, '-m', 'kvm-irmos', '--debug']);
      expect(debug.code).toBe(3);
      expect(debug.stderr).toMatch(STACK_FRAME);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('4. no hang on special files', () => {
  it('a FIFO as input is refused at once', async () => {
    const dir = tmp();
    const fifo = join(dir, 'in.yaml');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return; // no mkfifo: nothing to test here
    expectInputError(await hvsim(['validate', fifo]), /a named pipe \(FIFO\)/);
  });

  it('a link to /dev/zero is refused, not read until memory runs out', async () => {
    const link = join(tmp(), 'zero.yaml');
    symlinkSync('/dev/zero', link);
    expectInputError(await hvsim(['validate', link]), /a device/);
  });

  it('an output folder under /proc is refused before anything runs', async () => {
    const file = write(tmp(), 's.yaml', scenarioText());
    expectInputError(await hvsim(['compare', file, '--out', '/proc/hvsim-out']), /at \/out: .*pseudo-filesystem/);
  });
});

describe('5. bad output targets are refused before simulating; nothing is written', () => {
  const targets: [string, (dir: string) => string[], RegExp][] = [
    ['--out an existing file', (d) => ['compare', '--out', write(d, 'taken', 'x')], /at \/out: .*not a folder/],
    ['--out /dev/null', () => ['compare', '--out', '/dev/null'], /at \/out: /],
    ['--out file/sub', (d) => ['compare', '--out', join(write(d, 'plain', 'x'), 'sub')], /at \/out: .*is not a folder/],
    ['--out ""', () => ['compare', '--out', ''], /at \/out: .*empty name/],
    ['--trace a folder', (d) => ['run', '-m', 'kvm-irmos', '--trace', d], /at \/trace: .*not a regular file/],
    ['--rtapp-logs an existing file', (d) => ['run', '-m', 'kvm-irmos', '--rtapp-logs', write(d, 'logs', 'x')], /at \/rtapp-logs: .*not a folder/],
  ];
  for (const [what, args, message] of targets) {
    it(`${what}`, async () => {
      const dir = tmp();
      const file = write(dir, 's.yaml', scenarioText());
      const [command, ...rest] = args(dir);
      const before = listTree(dir);
      expectInputError(await hvsim([command, file, ...rest]), message);
      expect(listTree(dir)).toEqual(before);
    });
  }
});

describe('6. names: capped, safe, no collisions', () => {
  it('a 300-character scenario name is refused by the schema (at most 64)', async () => {
    const file = write(tmp(), 's.yaml', scenarioText({ name: 'n'.repeat(300) }));
    expectInputError(await hvsim(['validate', file]), /at \/name: .*64/);
  });

  it('report refuses two scenarios of one name, and a scenario named index.html, before writing', async () => {
    for (const [a, b] of [['same', 'same'], ['index.html', 'other']]) {
      const dir = tmp();
      mkdirSync(join(dir, 'in'));
      write(join(dir, 'in'), 'a.yaml', scenarioText({ name: a }));
      write(join(dir, 'in'), 'b.yaml', scenarioText({ name: b }));
      const r = await hvsim(['report', join(dir, 'in'), '--out', join(dir, 'out')]);
      expectInputError(r, /at \/name: expected a scenario name/);
      expect(existsSync(join(dir, 'out', a))).toBe(false);
    }
  });
});

describe('7. repeated flags', () => {
  it('a flag given twice is refused, naming it', async () => {
    const file = write(tmp(), 's.yaml', scenarioText());
    expectInputError(await hvsim(['run', file, '-m', 'kvm-irmos', '-m', 'kvm-linux']), /give (-m|--model) once/);
    expectInputError(await hvsim(['compare', file, '--out', tmp(), '--out', tmp()]), /give --out once/);
  });

  it('--models a,a is refused rather than running the model twice', async () => {
    const file = write(tmp(), 's.yaml', scenarioText());
    expectInputError(await hvsim(['compare', file, '--models', 'kvm-irmos,kvm-irmos', '--out', tmp()]), /each model named once/);
  });
});

describe('8. size limits are checked before allocating', () => {
  it('describeValue of a 100,000-deep value is short and does not overflow the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const text = describeValue(deep);
    expect(text.length).toBeLessThanOrEqual(80);
  });

  it('a 5,000-deep value in a scenario is an input error', async () => {
    const file = write(tmp(), 's.json', `{"name":"d","duration":"1s","hosts":[{"id":"h","cpus":1}],"description":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expectInputError(await hvsim(['validate', file]), /at \/description/);
  });

  it('vcpus: 100000 and 1,001 tasks are refused at once', async () => {
    const dir = tmp();
    const t0 = performance.now();
    expectInputError(await hvsim(['validate', write(dir, 'v.yaml', scenarioText().replace('host: ph1', 'host: ph1\n    vcpus: 100000'))]), /\/vmus\/0\/vcpus/);
    const tasks = Array.from({ length: 1001 }, (_, i) => `      - { id: t${i}, kind: periodic, period: 10ms, exec: 1ms }`).join('\n');
    const many = `name: many\nduration: 1s\nhosts: [{ id: h, cpus: 1 }]\nvmus:\n${[0, 1, 2, 3].map((v) => `  - id: v${v}\n    host: h\n    tasks:\n${tasks.split('\n').slice(v * 251, v * 251 + 251).join('\n')}`).join('\n')}\n`;
    expectInputError(await hvsim(['validate', write(dir, 'many.yaml', many)]), /at most 1000 tasks/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('import rtapp --cpus 1e9 is refused before the importer allocates per CPU', async () => {
    expectInputError(await hvsim(['import', 'rtapp', join(__dirname, 'fixtures', 'rtapp', 'periodic.json'), '--cpus', '1e9']), /at \/cpus: expected --cpus: a whole number of CPUs from 1 to 256/);
  });
});

describe('9. interrupted writes', () => {
  it('temporary files and half-done swaps a killed run left are cleaned or undone by the next write', async () => {
    const dir = tmp();
    const file = write(dir, 's.yaml', scenarioText({ name: 'swap' }));
    const out = join(dir, 'reports');
    mkdirSync(join(out, '.hvsim-old-999999999-swap'), { recursive: true });
    write(join(out, '.hvsim-old-999999999-swap'), 'results.json', '{}');
    mkdirSync(join(out, '.hvsim-stage-999999999-abc'));
    write(out, '.hvsim-tmp-999999999-0', 'half');
    // The interrupted swap left reports/swap missing: the old folder comes back before the new one is staged.
    const r = await hvsim(['compare', file, '--out', join(out, 'swap')]);
    expect(r.code, r.stderr).toBe(0);
    expect(listTree(out).filter((p) => p.includes('.hvsim-'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(out, 'swap', 'results.json'), 'utf8')).runs.length).toBeGreaterThan(0);
  });

  it('SIGTERM during a run exits 143 and leaves no temporary file', async () => {
    const dir = tmp();
    const file = write(dir, 's.yaml', scenarioText({ duration: '2000s' }));
    const child = spawn(process.execPath, [...NODE_FLAGS, join(__dirname, '..', 'bin', 'hvsim.js'), 'compare', file, '--models', 'kvm-irmos', '--out', join(dir, 'out')], { env: { ...process.env, HVSIM_WORKERS: '1' } });
    // Once the simulation phase has started (the handlers are installed by then), interrupt it.
    await new Promise<void>((r) => child.stderr.on('data', (d: Buffer) => String(d).includes('simulate') && r()));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(143);
    expect(listTree(dir).filter((p) => p.includes('.hvsim-'))).toEqual([]);
  }, 20_000);
});

describe('10. smaller', () => {
  it('--seed takes 0..2^32-1 only', async () => {
    const file = write(tmp(), 's.yaml', scenarioText());
    for (const seed of ['4294967296', '', '1e21', '-1', '1.5']) expectInputError(await hvsim(['run', file, '-m', 'kvm-irmos', '--seed', seed]), /at \/seed: expected a whole number in 0\.\.4294967295/);
    expect((await hvsim(['run', file, '-m', 'kvm-irmos', '--seed', '4294967295'])).code).toBe(0);
  });

  it('import rtapp --json prints only scenarios validate accepts', async () => {
    const fixture = join(__dirname, 'fixtures', 'rtapp', 'periodic.json');
    expectInputError(await hvsim(['import', 'rtapp', fixture, '--json', '--hz', '0']), /at \/hz/);
    const r = await hvsim(['import', 'rtapp', fixture, '--json', '--cpus', '300']);
    expectInputError(r, /at \/cpus/);
    expect(r.stdout).toBe('');
  });

  it('parameters named like Object.prototype members are unknown parameters', async () => {
    for (const key of ['constructor', 'toString', '__proto__']) {
      const file = write(tmp(), 's.json', JSON.stringify({ name: 'p', duration: '100ms', hosts: [{ id: 'h', cpus: 1 }], models: [{ name: 'kvm-linux', params: JSON.parse(`{"${key}": 1}`) }] }));
      expectInputError(await hvsim(['validate', file]), new RegExp(`unknown parameter "${key}"`));
    }
  });

  it('kernel and xenVersion patterns are anchored', async () => {
    for (const models of ['models: [{ name: kvm-linux, params: { kernel: "x6.12y" } }]', 'models: [{ name: kvm-linux, params: { kernel: "6.12 junk" } }]', 'models: [{ name: xen-credit, params: { xenVersion: "4.19junk" } }]']) {
      expectInputError(await hvsim(['validate', write(tmp(), 's.yaml', scenarioText({ models }))]), /params\/(kernel|xenVersion): expected a (Linux|Xen) version/);
    }
  });

  it('rtRuntime > rtPeriod is refused, as sysctl refuses it with EINVAL', async () => {
    const file = write(tmp(), 's.yaml', scenarioText({ models: 'models: [{ name: kvm-linux, params: { rtRuntime: 2s } }]' }));
    expectInputError(await hvsim(['validate', file]), /params\/rtRuntime: expected rtRuntime no longer than rtPeriod/);
  });

  it('control bytes from a file never reach the terminal raw', async () => {
    const file = write(tmp(), 's.json', JSON.stringify({ name: 'c', duration: '1s', hosts: [{ id: 'h', cpus: 1 }], '\u001b[2J\u0007': 1 }));
    const r = await hvsim(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(r.stderr).toContain('\\u001b');
    expect(escapeControl('a\u009bb')).toBe('a\\u009bb');
  });

  it('--max-wall stops a long run with exit 2 and says how far it got', async () => {
    const file = write(tmp(), 's.yaml', scenarioText({ duration: '100000s' }));
    const t0 = performance.now();
    const r = await hvsim(['run', file, '-m', 'kvm-irmos', '--max-wall', '300ms']);
    expectInputError(r, /at \/max-wall: expected simulations that finish within --max-wall 300 ms, found stopped after .* simulated/);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('report skips dangling symlinks and does not loop on a link to its own folder', async () => {
    const dir = tmp();
    const input = join(dir, 'in');
    mkdirSync(input);
    write(input, 'a.yaml', scenarioText({ name: 'linked' }));
    symlinkSync(join(dir, 'nowhere.yaml'), join(input, 'dangling.yaml'));
    symlinkSync(input, join(input, 'loop'));
    const r = await hvsim(['report', input, '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped .*dangling\.yaml/);
    expect(existsSync(join(dir, 'out', 'linked', 'results.json'))).toBe(true);
  }, 30_000);
});

describe('progress of a long in-process run', () => {
  it('on a terminal, one line redrawn with the simulated share and an estimate of the time left', async () => {
    const { runWatcher } = await import('../src/cli/watch.js');
    const written: string[] = [];
    const stream = { isTTY: true, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream;
    let wall = 1_000;
    const now = vi.spyOn(process.hrtime, 'bigint').mockImplementation(() => BigInt(wall) * 1_000_000n);
    try {
      const w = runWatcher('s under m', 100_000_000_000, undefined, stream);
      wall += 10_000; // 10 s of wall time for a quarter of the run: about 30 s left
      w.onProgress(25_000_000_000);
      expect(written.join('')).toMatch(/^\rs under m: 25 s of 100 s simulated \(25 %\), about 30 s left/);
      wall += 100; // redrawn at most every 0.5 s
      w.onProgress(26_000_000_000);
      expect(written).toHaveLength(1);
      w.done();
      expect(written[1]).toBe('\r\u001b[K');
    } finally {
      now.mockRestore();
    }
  });

  it('not on a terminal, nothing is drawn', async () => {
    const { runWatcher } = await import('../src/cli/watch.js');
    const written: string[] = [];
    const w = runWatcher('s', 1_000, undefined, { isTTY: false, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream);
    w.onProgress(500);
    w.done();
    expect(written).toEqual([]);
  });
});
