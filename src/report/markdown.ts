// Scenario text for the reports' setup tables: arrivals, demand and policies in a few words. The
// reports themselves are built in experiment.ts (one document, rendered to report.md and
// report.html) and written by src/cli/report-command.ts for `report`, `compare` and `run --out`.

import type { Scenario } from '../scenario/types.js';
import { fmtNs } from './format.js';

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
    case 'program': // an rt-app-style thread (src/rtapp)
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
    case 'sporadic':
      return `sporadic ${p.priority}/${p.lowPriority} ${fmtNs(p.budget)}/${fmtNs(p.period)}`;
  }
}
