// The dependency direction engine ← models ← experiments ← report/trace/isolation/rtapp ← cli,
// enforced by dependency-cruiser with the rules in .dependency-cruiser.cjs (ARCHITECTURE.md).

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CRUISER = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Cruise `dirs` from `cwd` with the project's rules; the violations found. */
function cruise(cwd: string, dirs: string[]): Violation[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [CRUISER, ...dirs, '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  } catch (err) {
    // depcruise exits with the number of errors; the JSON report is still on stdout.
    out = (err as { stdout?: string }).stdout ?? '';
    if (out === '') throw err;
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('dependency direction', () => {
  it('no import in src/, models/ or bin/ points the wrong way', () => {
    const violations = cruise(ROOT, ['src', 'models', 'bin']);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('the rules refuse each wrong-way import of a small tree and allow its type-only ones', () => {
    const found = cruise(join(ROOT, 'test', 'fixtures', 'layers'), ['src', 'models'])
      .map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)
      .sort();
    expect(found).toEqual([
      'engine-imports-nothing-above: src/engine/clock.ts → src/cli/main.ts',
      'engine-imports-nothing-above: src/engine/clock.ts → src/scenario/load.ts',
      'features-do-not-import-the-cli: src/trace/recorder.ts → src/cli/main.ts',
      'report-only-renders: src/report/table.ts → src/experiments/simulate.ts',
      'xen-and-kvm-models-are-independent: models/kvm/borrow.ts → models/xen/credit.ts',
    ]);
  });
});
