// report.md for one scenario: the setup, how each model mapped the SLAs, then one table per metric
// with a column per model, and the expectations. Everything is derived from results.json and the
// scenario, so the report regenerates byte for byte.

import type { Results } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import { renderMarkdown } from './doc.js';
import { scenarioDoc } from './experiment.js';
import { fmtNs } from './format.js';

export function renderScenarioReport(scenario: Scenario, results: Results): string {
  // One source for report.md and report.html (experiment.ts); `compare` renders no charts.
  return renderMarkdown(scenarioDoc({ scenario, results, figures: [], findings: [] }));
}

export function arrivalText(a: Scenario['vmus'][number]['tasks'][number]['arrival']): string {
  switch (a.kind) {
    case 'periodic':
      return `every ${fmtNs(a.period)}${a.jitter ? ` ± ${fmtNs(a.jitter)}` : ''}`;
    case 'sporadic':
      return `sporadic ≥ ${fmtNs(a.minInterArrival)}`;
    case 'poisson':
      return `Poisson ${a.ratePerSec}/s`;
    case 'trace':
      return `${a.times.length} traced arrivals`;
    case 'busy':
      return 'busy loop';
    case 'external':
      return 'I/O service (jobs injected by the I/O path)';
    case 'program': // ADDED for the rt-app bridge (src/rtapp)
      return `rt-app program, ${a.program.phases.length} phase(s)`;
  }
}

export function execText(e: Scenario['vmus'][number]['tasks'][number]['exec']): string {
  switch (e.kind) {
    case 'constant':
      return fmtNs(e.value);
    case 'uniform':
      return `U(${fmtNs(e.min)}, ${fmtNs(e.max)})`;
    case 'truncnormal':
      return `N(${fmtNs(e.mean)}, ${fmtNs(e.sd)}) in [${fmtNs(e.min)}, ${fmtNs(e.max)}]`;
    case 'trace':
      return `trace of ${e.values.length}`;
  }
}

export function policyShort(p: Scenario['hostThreads'][number]['policy']): string {
  switch (p.class) {
    case 'fifo':
    case 'rr':
      return `${p.class} ${p.priority}`;
    case 'deadline':
      return `deadline ${fmtNs(p.runtime)}/${fmtNs(p.period)}`;
    case 'fair':
      return `fair nice ${p.nice}`;
  }
}
