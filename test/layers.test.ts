// The dependency direction engine ← models ← experiments ← report/trace/isolation/rtapp ← cli,
// enforced by dependency-cruiser with the rules in .dependency-cruiser.cjs (ARCHITECTURE.md).

import { join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

/** Cruise `dirs` of the tree at `root` (with its tsconfig.json) under the project's rules: the violations, one line each. */
async function violations(root: string, dirs: string[]): Promise<string[]> {
  const options = await extractDepcruiseOptions(CONFIG);
  const tsConfig = join(root, 'tsconfig.json');
  // In-process (not the depcruise command): the TypeScript parser loads once for both trees.
  const result = await cruise(dirs, { ...options, baseDir: root, tsConfig: { fileName: tsConfig } }, {}, { tsConfig: extractTSConfig(tsConfig) });
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned text, expected its JSON result');
  return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe('dependency direction', () => {
  it('no import in src/, models/ or bin/ points the wrong way', async () => {
    expect(await violations(ROOT, ['src', 'models', 'bin'])).toEqual([]);
  });

  it('the rules refuse each wrong-way import of a small tree and allow the type-only ones they allow', async () => {
    expect(await violations(join(ROOT, 'test', 'fixtures', 'layers'), ['src', 'models'])).toEqual([
      'engine-imports-nothing-above: src/engine/clock.ts → src/cli/main.ts',
      'engine-imports-nothing-above: src/engine/clock.ts → src/scenario/load.ts',
      'engine-imports-nothing-above: src/engine/clock.ts → src/scenario/types.ts',
      'features-do-not-import-the-cli: src/trace/recorder.ts → src/cli/main.ts',
      'report-only-renders: src/report/table.ts → src/experiments/simulate.ts',
      'xen-and-kvm-models-are-independent: models/kvm/borrow.ts → models/xen/credit.ts',
    ]);
  });
});
