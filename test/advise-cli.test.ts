// `hvsim advise` on the command line: the placed scenario it writes loads and validates; its JSON is
// the documented schema; bad questions and flags exit 2 naming the flag and write nothing.

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hvsimInProcess } from './helpers/cli.js';

const SCENARIO = `
name: advise-cli
duration: 500ms
hosts:
  - { id: ph1, cpus: 2 }
vmus:
  - { id: a, host: ph1, sla: { budget: 6ms, period: 10ms }, guest: { scheduler: edf }, tasks: [{ id: ta, kind: periodic, period: 10ms, exec: 2ms }] }
  - { id: b, host: ph1, sla: { budget: 6ms, period: 10ms }, tasks: [{ id: tb, kind: periodic, period: 20ms, exec: 3ms, policy: { class: fifo, priority: 50 } }] }
  - { id: c, host: ph1, sla: { budget: 6ms, period: 10ms }, tasks: [{ id: tc, kind: periodic, period: 10ms, exec: 1ms, policy: { class: fifo, priority: 50 } }] }
models: [kvm-irmos, xen-rtds]
`;

function fixture(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hvsim-advise-'));
  const file = join(dir, 's.yaml');
  writeFileSync(file, SCENARIO);
  return { dir, file };
}

describe('hvsim advise', () => {
  it('place writes a scenario that validate accepts, on as few PHs as the bandwidth allows', async () => {
    const { dir, file } = fixture();
    const out = join(dir, 'out');
    const r = await hvsimInProcess(['advise', file, 'place', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.schema).toBe('hvsim-advise/1');
    // 3 × 0.6 on 2-pCPU PHs with ≤ 0.95 per pCPU: two fit on ph1 (one per pCPU), the third needs a second PH.
    expect(json.place.lowerBound).toBe(1);
    const best = json.place.packings.find((p: { strategy: string }) => p.strategy === json.place.best);
    expect(best.hosts).toEqual(['ph1', 'ph1-2']);
    const placed = join(out, 'advise-cli-placed.yaml');
    expect(existsSync(join(out, 'advise.md'))).toBe(true);
    const v = await hvsimInProcess(['validate', placed]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(readFileSync(placed, 'utf8')).toMatch(/host: ph1-2/);
  });

  it('budget --analysis-only answers per model and says which bound it used', async () => {
    const { dir, file } = fixture();
    const r = await hvsimInProcess(['advise', file, 'budget', '--vmu', 'a', '--analysis-only', '--out', join(dir, 'o'), '--json', '--no-png']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.budget.map((b: { model: string }) => b.model)).toEqual(['kvm-irmos', 'xen-rtds']);
    for (const b of json.budget) {
      expect(b.bound.sound).toBe(true);
      expect(b.test).toBe('EDF dbf ≤ sbf');
      // (2 ms every 10 ms) needs at least 2 ms every 10 ms; Γ(P, Q)'s blackout 2(P − Q) makes it more.
      expect(b.analytic.budgetNs).toBeGreaterThan(2_000_000);
      expect(b.simulated).toBeNull();
    }
  });

  it('the same scenario and seed give byte-identical advice (budget, fit and stack with simulations)', async () => {
    const { dir, file } = fixture();
    const args = ['advise', file, 'budget', 'fit', 'stack', '--vmu', 'a', '--min-horizon', '100ms', '--granularity', '500us', '--no-png'];
    const one = await hvsimInProcess([...args, '--out', join(dir, 'one')]);
    const two = await hvsimInProcess([...args, '--out', join(dir, 'two')]);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    for (const f of ['advise.json', 'advise.md', 'advise.html']) expect(readFileSync(join(dir, 'two', f), 'utf8')).toBe(readFileSync(join(dir, 'one', f), 'utf8'));
    const json = JSON.parse(readFileSync(join(dir, 'one', 'advise.json'), 'utf8'));
    // The simulated budget of a's EDF set (2 ms every 10 ms) under a proven bound lies between its utilisation and the analytic one.
    for (const b of json.budget.filter((x: { vmu: string }) => x.vmu === 'a')) {
      expect(b.simulated.budgetNs).toBeGreaterThanOrEqual(2_000_000);
      expect(b.simulated.budgetNs).toBeLessThanOrEqual(b.analytic.budgetNs);
    }
    expect(json.stack.recommended).not.toBeNull();
  });

  for (const [args, pointer] of [
    [['nonsense'], '/questions'],
    [['--granularity', '0ms'], '/granularity'],
    [['--vmu', 'nope'], '/vmu'],
    [['--periods', '20ms..10ms:1ms'], '/periods'],
    [['--place-bound', '2'], '/place-bound'],
  ] as const) {
    it(`bad input ${args.join(' ')} exits 2 naming ${pointer} and writes nothing`, async () => {
      const { dir, file } = fixture();
      const out = join(dir, 'never');
      const r = await hvsimInProcess(['advise', file, ...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`at ${pointer}`);
      expect(existsSync(out)).toBe(false);
    });
  }
});
