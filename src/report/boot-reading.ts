// The reading's sentence on VMU boots (issue 13): how long each booting VMU took under each model,
// from its start to the end of its boot phase (its disk reads through the stack's I/O path, then its
// CPU burst: results' lifecycle[].bootTimeNs), or that its boot never ended or it was refused.

import type { ModelRun } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import { fmtNs, listText } from './format.js';

/** One sentence per VMU with a boot phase, slowest model first; none when no VMU boots. */
export function bootSentences(scenario: Scenario, runs: ModelRun[]): string[] {
  const out: string[] = [];
  for (const v of scenario.vmus) {
    if (v.bootNs === undefined && !v.io.some((l) => l.issuedBy?.kind === 'boot')) continue;
    const timed: { model: string; ns: number }[] = [];
    const unfinished: string[] = [];
    const refused: string[] = [];
    for (const run of runs) {
      const life = run.lifecycle?.find((l) => l.vmu === v.id);
      if (life === undefined) continue;
      if (!life.admitted) refused.push(run.model);
      else if (life.bootTimeNs === undefined) unfinished.push(run.model);
      else timed.push({ model: run.model, ns: life.bootTimeNs });
    }
    if (timed.length + unfinished.length + refused.length === 0) continue;
    timed.sort((a, b) => b.ns - a.ns || a.model.localeCompare(b.model));
    // Models whose boot reads the same once formatted share one clause.
    const byText = new Map<string, string[]>();
    for (const t of timed) byText.set(fmtNs(t.ns), [...(byText.get(fmtNs(t.ns)) ?? []), t.model]);
    const parts = [...byText].map(([text, models]) => `${text} under ${listText(models)}`);
    if (unfinished.length > 0) parts.push(`not finished by the end of the run under ${listText(unfinished)}`);
    if (refused.length > 0) parts.push(`never (refused at its start) under ${listText(refused)}`);
    const lead = out.length === 0 ? "From its start to its boot's end, " : '';
    out.push(`${lead}${v.id} took ${listText(parts)} to boot.`);
  }
  return out;
}
