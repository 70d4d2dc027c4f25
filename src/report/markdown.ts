// report.md for one scenario: the setup, how each model mapped the SLAs, then one table per metric
// with a column per model, and the expectations. Everything is derived from results.json and the
// scenario, so the report regenerates byte for byte.

import type { Results, ModelRun, TaskResult } from '../metrics/results.js';
import type { Scenario } from '../scenario/types.js';
import { fmtNs, fmtPct, mdTable } from './format.js';

export function renderScenarioReport(scenario: Scenario, results: Results): string {
  const runs = results.runs;
  const models = runs.map((r) => r.model);
  const out: string[] = [];
  out.push(`# ${scenario.name}`, '');
  if (scenario.description) out.push(scenario.description.trim(), '');
  out.push(
    `Simulated ${fmtNs(scenario.durationNs)}${scenario.warmupNs > 0 ? ` (first ${fmtNs(scenario.warmupNs)} excluded as warm-up)` : ''}, seed ${results.scenario.seed}.`,
    '',
  );

  out.push('## Setup', '');
  out.push(mdTable(['host', 'pCPUs', 'context switch', 'tick'], scenario.hosts.map((h) => [h.id, String(h.cpus), fmtNs(h.contextSwitchNs), fmtNs(h.tickNs)])), '');
  if (scenario.vmus.length > 0) {
    out.push(
      mdTable(
        ['VMU', 'host', 'vCPUs', 'pCPUs', 'SLA (per vCPU)', 'guest', 'tasks'],
        scenario.vmus.map((v) => [
          v.id,
          v.host,
          String(v.vcpus),
          v.affinity.join(','),
          v.sla ? `${fmtNs(v.sla.budget)} / ${fmtNs(v.sla.period)}${v.sla.deadline !== v.sla.period ? ` (D ${fmtNs(v.sla.deadline)})` : ''}` : 'best effort',
          v.guest.scheduler,
          v.tasks.map((t) => t.id).join(', '),
        ]),
      ),
      '',
    );
  }
  const allTasks = [...scenario.vmus.flatMap((v) => v.tasks.map((t) => ({ t, where: v.id }))), ...scenario.hostThreads.map((t) => ({ t, where: `host ${t.host}` }))];
  out.push(
    mdTable(
      ['task', 'in', 'arrivals', 'demand', 'deadline', 'policy'],
      allTasks.map(({ t, where }) => [t.id, where, arrivalText(t.arrival), execText(t.exec), fmtNs(t.deadline), policyShort(t.policy)]),
    ),
    '',
  );

  out.push('## How each model mapped the SLAs', '');
  for (const run of runs) {
    const settings = Object.entries(run.settings).map(([k, v]) => `${k} ${String(v)}`).join(', ');
    out.push(`### ${run.model}`, '', settings ? `Settings: ${settings}.` : '', '');
    out.push(mdTable(['entity', 'requested', 'native configuration'], run.mapping.map((m) => [m.entity, m.requested, m.native])), '');
  }

  out.push('## Results', '');
  const taskIds = runs[0]?.tasks.map((t) => t.id) ?? [];
  const metric = (title: string, cell: (t: TaskResult) => string) => {
    out.push(`### ${title}`, '');
    out.push(mdTable(['task', ...models], taskIds.map((id) => [id, ...runs.map((r) => cell(r.tasks.find((t) => t.id === id)!))])), '');
  };
  metric('Deadline misses (missed / judged jobs)', (t) => (t.judged === 0 ? '—' : `${fmtPct(t.missRatio, 2)} (${t.missed}/${t.judged})`));
  metric('Response time p50 / p99 / max', (t) => (t.response.count ? `${fmtNs(t.response.p50Ns)} / ${fmtNs(t.response.p99Ns)} / ${fmtNs(t.response.maxNs)}` : '—'));
  metric('Response time p90 / p99.9', (t) => (t.response.count ? `${fmtNs(t.response.p90Ns)} / ${fmtNs(t.response.p999Ns)}` : '—'));
  metric('Wake-up latency (release → first instruction) p99 / max', (t) => (t.wakeup.count ? `${fmtNs(t.wakeup.p99Ns)} / ${fmtNs(t.wakeup.maxNs)}` : '—'));
  metric('Tardiness mean / max', (t) => (t.missed ? `${fmtNs(t.tardinessMeanNs)} / ${fmtNs(t.tardinessMaxNs)}` : '—'));
  metric('CPU share received', (t) => fmtPct(t.cpuShare, 2));
  metric('Pre-emptions / migrations', (t) => `${t.preemptions} / ${t.migrations}`);

  if (scenario.vmus.length > 0) {
    out.push('### VMU CPU share received vs reserved', '');
    out.push(
      mdTable(
        ['VMU', 'reserved', ...models],
        scenario.vmus.map((v) => {
          const reserved = runs[0]?.vmus.find((x) => x.id === v.id)?.reservedShare;
          return [v.id, reserved == null ? '—' : fmtPct(reserved, 2), ...runs.map((r) => vmuCell(r, v.id))];
        }),
      ),
      '',
    );
  }
  out.push('### Host utilisation', '');
  out.push(mdTable(['host', ...models], scenario.hosts.map((h) => [h.id, ...runs.map((r) => fmtPct(r.hosts.find((x) => x.id === h.id)!.utilisation, 2))])), '');

  if (results.expectations.length > 0) {
    out.push('## Expectations', '');
    out.push(
      mdTable(
        ['model', 'task', 'metric', 'bound', 'value', 'verdict'],
        results.expectations.map((e) => [
          e.model,
          e.task,
          e.metric,
          [e.min !== undefined ? `≥ ${e.min}` : '', e.max !== undefined ? `≤ ${e.max}` : ''].filter(Boolean).join(', '),
          String(e.value),
          e.ok ? 'ok' : '**FAILED**',
        ]),
      ),
      '',
    );
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

function vmuCell(run: ModelRun, id: string): string {
  const v = run.vmus.find((x) => x.id === id);
  return v ? fmtPct(v.cpuShare, 2) : '—';
}

function arrivalText(a: Scenario['vmus'][number]['tasks'][number]['arrival']): string {
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

function execText(e: Scenario['vmus'][number]['tasks'][number]['exec']): string {
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

function policyShort(p: Scenario['hostThreads'][number]['policy']): string {
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
