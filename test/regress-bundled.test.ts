// The bundled scenarios through `hvsim regress`, one test per scenario: each under its models
// against its `expect:` and the goldens in scenarios/<name>.golden/. A change that moves any metric
// of any bundled scenario fails here, naming scenario, model, metric, golden and now; if the change
// is intended, `node bin/hvsim.js regress scenarios/ --update` re-baselines and prints what moved
// (commit the goldens with the change that moved them).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRegress } from '../src/cli/regress-command.js';

const DIR = join(__dirname, '..', 'scenarios');
const FILES = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

describe('bundled scenarios hold their expectations and goldens', () => {
  it('every bundled scenario has a golden folder', () => {
    const folders = readdirSync(DIR).filter((f) => f.endsWith('.golden'));
    expect(folders.sort()).toEqual(FILES.map((f) => `${f.replace(/\.(ya?ml|json)$/, '')}.golden`).sort());
  });

  for (const file of FILES) {
    it(file, async () => {
      const out: string[] = [];
      // In this thread: the test projects already use both cores.
      const outcome = await runRegress({ scenarios: [join(DIR, file)], update: false }, (t) => out.push(t), (l) => out.push(l), 0);
      expect(outcome.exitCode, out.join('')).toBe(0);
      expect(outcome.verdicts[0].cases.length).toBeGreaterThan(0);
    });
  }
});
