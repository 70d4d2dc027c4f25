// The isolation matrix (src/isolation): the variants it runs, the reservation bound it judges by,
// and the deliverable's temporal-isolation requirement on the bundled isolation scenario — large
// degradation under an unreserved stack, none beyond the reservation bound under kvm-irmos.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { InputError } from '../src/errors.js';
import { attackVariant, baselineVariant, isolationMatrix, markedAggressors, reservationBound, scaleTask, type IsolationResults } from '../src/isolation/matrix.js';
import { chooseAggressors, parseMode } from '../src/cli/isolation-command.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import type { ModelChoice } from '../src/experiments/simulate.js';
import { busyTask, host, ms, scenario, task, vmu } from './helpers/scenario.js';
import { hvsimSpawn } from './helpers/spawn-cli.js';

const ISOLATION = join(__dirname, '..', 'scenarios', 'isolation-transcoder.yaml');

// Isolation runs use as many worker threads as the environment allows (no HVSIM_WORKERS override).
const hvsim = (args: string[]) => hvsimSpawn(args, undefined, 'inherit');

function choices(sc: Scenario, names: string[]): ModelChoice[] {
  return names.map((name) => ({ model: findModel(name, '<test>', ''), request: sc.models.find((m) => m.name === name) }));
}

function cellOf(results: IsolationResults, model: string, victim: string, aggressor: string) {
  const m = results.models.find((x) => x.model === model)!;
  const row = m.rows.find((r) => r.task === victim)!;
  return { row, cell: row.cells[results.aggressors.findIndex((a) => a.vmu === aggressor)] };
}

describe('isolation matrix of the bundled isolation scenario', () => {
  const sc = loadScenario(ISOLATION);
  const results = isolationMatrix(sc, choices(sc, ['kvm-irmos', 'kvm-linux-cfs', 'kvm-deadline']), markedAggressors(sc));

  it('marks the looping VMU as the aggressor and the transcoder as its victim', () => {
    expect(results.aggressors).toEqual([{ vmu: 'buggy', misbehaviour: { mode: 'busy' } }]);
    for (const m of results.models) expect(m.rows.map((r) => r.task)).toEqual(['frames']);
  });

  it('the transcoder\'s reservation bound is the hard-CBS bound of (30 ms, 40 ms) for a 28 ms frame: 38 ms', () => {
    expect(cellOf(results, 'kvm-irmos', 'frames', 'buggy').row.boundNs).toBe(ms(38));
  });

  it('plain CFS shares (no bandwidth control): the loop degrades the transcoder heavily', () => {
    const { row, cell } = cellOf(results, 'kvm-linux-cfs', 'frames', 'buggy');
    expect(row.baseline.missRatio).toBe(0);
    expect(cell!.deltaP99Pct!).toBeGreaterThan(100);
    expect(cell!.deltaMissRatio).toBeGreaterThan(0.5);
    expect(cell!.attacked.p99Ns).toBeGreaterThan(row.boundNs!);
    expect(cell!.withinBound).toBe(false);
  });

  it('kvm-irmos: no degradation beyond the reservation bound, and no miss', () => {
    const { row, cell } = cellOf(results, 'kvm-irmos', 'frames', 'buggy');
    expect(cell!.withinBound).toBe(true);
    expect(cell!.attacked.p99Ns).toBeLessThanOrEqual(row.boundNs!);
    expect(cell!.attacked.maxNs).toBeLessThanOrEqual(row.boundNs!);
    expect(cell!.attacked.missRatio).toBe(0);
    expect(cell!.deltaMissRatio).toBe(0);
    expect(cell!.starved).toBe(false);
  });

  it('kvm-deadline (SCHED_DEADLINE on one CPU) keeps the same bound', () => {
    const { row, cell } = cellOf(results, 'kvm-deadline', 'frames', 'buggy');
    expect(cell!.attacked.maxNs).toBeLessThanOrEqual(row.boundNs!);
    expect(cell!.attacked.missRatio).toBe(0);
  });
});

describe('isolation variants', () => {
  const base = scenario({
    durationNs: ms(400),
    hosts: [host('ph1', 2)],
    vmus: [
      vmu('victim', [task('v', ms(2), ms(10))], { sla: { budget: ms(4), period: ms(10), deadline: ms(10) } }),
      vmu('agg', [task('work', ms(1), ms(10), { affinity: [0, 1] }), busyTask('spin')], {
        vcpus: 2,
        affinity: [0, 1],
        aggressor: { mode: 'busy' },
      }),
      vmu('agg2', [task('w2', ms(1), ms(20), { exec: { kind: 'uniform', min: ms(1), max: ms(3) } })], {
        affinity: [1],
        aggressor: { mode: 'scale', factor: 3 },
      }),
    ],
  });

  it('the baseline drops the aggressors\' own busy loops, nothing else', () => {
    const b = baselineVariant(base, markedAggressors(base));
    expect(b.vmus.map((v) => v.tasks.map((t) => t.id))).toEqual([['v'], ['work'], ['w2']]);
  });

  it('busy: one lowest-priority loop pinned to each vCPU of the aggressor, besides its tasks', () => {
    const b = baselineVariant(base, markedAggressors(base));
    const a = attackVariant(b, { vmu: 'agg', misbehaviour: { mode: 'busy' } });
    const agg = a.vmus.find((v) => v.id === 'agg')!;
    expect(agg.tasks.map((t) => [t.id, t.arrival.kind, t.affinity])).toEqual([
      ['work', 'periodic', [0, 1]],
      ['agg.loop0', 'busy', [0]],
      ['agg.loop1', 'busy', [1]],
    ]);
    expect(agg.tasks[1].policy).toEqual({ class: 'fair', nice: 19 });
    expect(a.vmus.find((v) => v.id === 'victim')).toBe(b.vmus.find((v) => v.id === 'victim'));
  });

  it('scale k: every demand × k', () => {
    const b = baselineVariant(base, markedAggressors(base));
    const a = attackVariant(b, { vmu: 'agg2', misbehaviour: { mode: 'scale', factor: 3 } });
    expect(a.vmus.find((v) => v.id === 'agg2')!.tasks[0].exec).toEqual({ kind: 'uniform', min: ms(3), max: ms(9) });
    expect(scaleTask(task('c', ms(2), ms(10)), 2.5).exec).toEqual({ kind: 'constant', value: ms(5) });
    expect(scaleTask({ ...task('n', 1, ms(10)), exec: { kind: 'truncnormal', mean: ms(4), sd: ms(1), min: ms(2), max: ms(6) } }, 2).exec).toEqual({
      kind: 'truncnormal', mean: ms(8), sd: ms(2), min: ms(4), max: ms(12),
    });
    expect(scaleTask({ ...task('tr', 1, ms(10)), exec: { kind: 'trace', values: [ms(1), ms(2)] } }, 3).exec).toEqual({ kind: 'trace', values: [ms(3), ms(6)] });
  });

  it('each column has a cell per victim, none for the aggressor\'s own tasks; a scaled neighbour on another CPU leaves the victim alone', () => {
    const r = isolationMatrix(base, choices(base, ['kvm-irmos']), markedAggressors(base));
    const m = r.models[0];
    expect(m.rows.map((x) => x.task)).toEqual(['v', 'work', 'w2']);
    const own = (task: string, agg: string) => m.rows.find((x) => x.task === task)!.cells[r.aggressors.findIndex((a) => a.vmu === agg)];
    expect(own('work', 'agg')).toBeNull();
    expect(own('w2', 'agg2')).toBeNull();
    expect(own('v', 'agg')).not.toBeNull();
    expect(own('w2', 'agg')).not.toBeNull();
  });

  it('reservation bound only where the SLA alone gives one', () => {
    const one = vmu('x', [task('t', ms(3), ms(10))], { sla: { budget: ms(4), period: ms(10), deadline: ms(10) } });
    const sc = scenario({ durationNs: ms(100), vmus: [one] });
    expect(reservationBound(sc, one, one.tasks[0])).toBe(ms(3) + ms(6)); // ⌈3/4⌉(10 − 4) + 3
    const two = { ...one, vcpus: 2, affinity: [0] };
    expect(reservationBound(sc, two, one.tasks[0])).toBeNull();
    const shared = { ...one, tasks: [...one.tasks, task('u', ms(1), ms(10))] };
    expect(reservationBound(sc, shared, one.tasks[0])).toBeNull();
    const noSla = { ...one, sla: undefined };
    expect(reservationBound(sc, noSla, one.tasks[0])).toBeNull();
    // Demand over two budgets: the server's deadline runs past the next release, jobs may queue.
    const long = task('l', ms(7), ms(10));
    expect(reservationBound(sc, { ...one, tasks: [long] }, long)).toBeNull();
    const costly = { ...sc, hosts: [host('ph1', 1, { contextSwitchNs: 2000 })] };
    expect(reservationBound(costly, one, one.tasks[0])).toBeNull();
  });
});

describe('aggressors and modes from the command line', () => {
  const sc = loadScenario(ISOLATION);

  it('--aggressors picks VMUs (their own mode, else busy); --mode overrides', () => {
    expect(chooseAggressors(sc, undefined, undefined)).toEqual([{ vmu: 'buggy', misbehaviour: { mode: 'busy' } }]);
    expect(chooseAggressors(sc, 'transcoder', undefined)).toEqual([{ vmu: 'transcoder', misbehaviour: { mode: 'busy' } }]);
    expect(chooseAggressors(sc, 'buggy,transcoder', 'scale:2.5')).toEqual([
      { vmu: 'buggy', misbehaviour: { mode: 'scale', factor: 2.5 } },
      { vmu: 'transcoder', misbehaviour: { mode: 'scale', factor: 2.5 } },
    ]);
    expect(parseMode('busy')).toEqual({ mode: 'busy' });
  });

  it('bad flags and unmarked scenarios are InputErrors naming where', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return e as InputError;
      }
      throw new Error('no error');
    };
    expect(err(() => chooseAggressors(sc, 'bugy', undefined))).toMatchObject({ file: '<command line>', pointer: '/aggressors', hint: 'did you mean "buggy"?' });
    expect(err(() => parseMode('scale'))).toMatchObject({ pointer: '/mode' });
    expect(err(() => parseMode('scale:0'))).toMatchObject({ pointer: '/mode' });
    const unmarked = { ...sc, vmus: sc.vmus.map((v) => ({ ...v, aggressor: undefined })) };
    expect(err(() => chooseAggressors(unmarked, undefined, undefined))).toMatchObject({ file: sc.file, pointer: '/vmus' });
  });
});

describe('the aggressor field of a scenario', () => {
  const text = (aggressor: string) => `
name: a
duration: 1s
hosts: [{ id: ph1, cpus: 1 }]
vmus:
  - { id: v, host: ph1, tasks: [{ id: t, kind: periodic, period: 10ms, exec: 1ms }] }
  - { id: w, host: ph1, aggressor: ${aggressor}, tasks: [{ id: u, kind: periodic, period: 10ms, exec: 1ms }] }
`;
  it('accepts busy and scale with a factor', () => {
    expect(parseScenarioText(text('{ mode: busy }'), 's.yaml').vmus[1].aggressor).toEqual({ mode: 'busy' });
    expect(parseScenarioText(text('{ mode: scale, factor: 3 }'), 's.yaml').vmus[1].aggressor).toEqual({ mode: 'scale', factor: 3 });
    expect(parseScenarioText(text('{ mode: busy }'), 's.yaml').vmus[0].aggressor).toBeUndefined();
  });

  it('refuses a scale without factor, a busy with one, and unknown modes', () => {
    const bad = (a: string) => {
      try {
        parseScenarioText(text(a), 's.yaml');
      } catch (e) {
        return e as InputError;
      }
      throw new Error('accepted');
    };
    expect(bad('{ mode: scale }')).toMatchObject({ pointer: '/vmus/1/aggressor/factor', found: 'nothing' });
    expect(bad('{ mode: busy, factor: 2 }')).toMatchObject({ pointer: '/vmus/1/aggressor/factor' });
    expect(bad('{ mode: loop }')).toMatchObject({ pointer: '/vmus/1/aggressor/mode' });
    expect(bad('{ mode: scale, factor: 0 }')).toMatchObject({ pointer: '/vmus/1/aggressor/factor' });
  });
});

describe('hvsim isolation', () => {
  it('writes isolation.json, isolation.md and a heat map PNG per model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvsim-iso-'));
    // The bundled scenario cut from 20 s to 3 s: the files' shape and their determinism do not
    // depend on the length (the matrix's bounds are checked on the full run above).
    const short = join(dir, 'isolation-transcoder.yaml');
    writeFileSync(short, readFileSync(ISOLATION, 'utf8').replace(/^duration: 20s$/m, 'duration: 3s'));
    const r = hvsim(['isolation', short, '--models', 'kvm-irmos,kvm-linux-cfs', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/frames ← buggy/);
    const json = JSON.parse(readFileSync(join(dir, 'isolation.json'), 'utf8')) as IsolationResults;
    expect(json.schema).toBe('hvsim-isolation/1');
    expect(json.models.map((m) => m.model)).toEqual(['kvm-irmos', 'kvm-linux-cfs']);
    const md = readFileSync(join(dir, 'isolation.md'), 'utf8');
    expect(md).toContain('## kvm-irmos');
    expect(md).toContain('| victim | VMU | bound | baseline p99 | baseline misses | under buggy (busy) |');
    expect(md).toContain('![isolation heat map under kvm-linux-cfs](isolation-kvm-linux-cfs.png)');
    for (const m of ['kvm-irmos', 'kvm-linux-cfs']) {
      const png = readFileSync(join(dir, `isolation-${m}.png`));
      expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    }
    // Same seed, same bytes.
    const again = join(dir, 'again');
    expect(hvsim(['isolation', short, '--models', 'kvm-irmos,kvm-linux-cfs', '--out', again, '--no-png']).code).toBe(0);
    expect(readFileSync(join(again, 'isolation.json'), 'utf8')).toBe(readFileSync(join(dir, 'isolation.json'), 'utf8'));
  });

  it('a scenario without aggressors exits 2 and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvsim-iso-'));
    const file = join(dir, 's.yaml');
    writeFileSync(file, 'name: s\nduration: 100ms\nhosts: [{ id: ph1, cpus: 1 }]\nvmus: [{ id: v, host: ph1, tasks: [{ id: t, kind: periodic, period: 10ms, exec: 1ms }] }]\n');
    const r = hvsim(['isolation', file, '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/s\.yaml(:\d+)? at \/vmus: expected at least one VMU marked as aggressor/);
    expect(r.stderr).toMatch(/--aggressors/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const bad = hvsim(['isolation', file, '--aggressors', 'v', '--mode', 'fast', '--out', join(dir, 'out')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/<command line> at \/mode/);
  });
});
