// A working-set sweep (seed figure 14) folded into a chart and one sentence: the observed VMU's
// worst-case response time against the swept task's working set, per model, with its deadlines.

import type { WorkingSetPoint, WorkingSetSweep } from '../experiments/working-set-sweep.js';
import type { Ns, Scenario } from '../scenario/types.js';
import { formatSize } from '../scenario/memory-units.js';
import { modelColour, type XySeries } from './charts.js';
import type { FigureOutput } from './figures.js';
import { fmtNs, fmtPct } from './format.js';

const toMs = (x: Ns) => x / 1e6;
const KiB = 1024;

export function workingSetOutputs(scenario: Scenario, figure: WorkingSetSweep, figureIndex: number, points: WorkingSetPoint[]): { figures: FigureOutput[]; findings: string[] } {
  const vmu = scenario.vmus.find((v) => v.id === figure.vmu)!;
  const models = points[0]?.outcomes.map((o) => o.model) ?? [];
  const xs = points.map((p) => p.workingSetBytes / KiB);
  const series: XySeries[] = models.map((model, i) => ({
    label: model,
    color: modelColour(model, i),
    markers: true,
    points: points.flatMap((p) => (p.outcomes[i].refused || p.outcomes[i].completed === 0 ? [] : [[p.workingSetBytes / KiB, toMs(p.outcomes[i].responseMaxNs)] as [number, number]])),
  }));
  const deadlines = [...new Set(vmu.tasks.map((t) => t.deadline).filter(Number.isFinite))];
  const deadlineLines: XySeries[] = deadlines.map((d) => ({
    label: `deadline ${fmtNs(d)}`,
    color: '#777777',
    dash: true,
    points: [
      [Math.min(...xs), toMs(d)],
      [Math.max(...xs), toMs(d)],
    ],
  }));
  const range = `${formatSize(figure.workingSets[0])} to ${formatSize(figure.workingSets[figure.workingSets.length - 1])}`;
  const findings = models.map((model, i) => {
    const measured = points.filter((p) => !p.outcomes[i].refused && p.outcomes[i].completed > 0);
    if (measured.length === 0) return `${model}: ${points[0]?.outcomes[i].refused ? `refused (${points[0].outcomes[i].refused})` : 'no job completed'}`;
    const first = measured[0].outcomes[i];
    const last = measured[measured.length - 1].outcomes[i];
    const growth = first.responseMaxNs > 0 ? ` (${last.responseMaxNs >= first.responseMaxNs ? '+' : ''}${fmtPct(last.responseMaxNs / first.responseMaxNs - 1, 0)})` : '';
    const missAt = measured.find((p) => p.outcomes[i].missed > 0);
    const misses = missAt ? `first missed a deadline at ${formatSize(missAt.workingSetBytes)}` : 'met every deadline';
    return `${model}: worst response ${fmtNs(first.responseMaxNs)} beside ${formatSize(measured[0].workingSetBytes)} to ${fmtNs(last.responseMaxNs)} beside ${formatSize(measured[measured.length - 1].workingSetBytes)}${growth}, its work needing ${fmtPct(1 / last.workPerCpu - 1, 0)} more CPU time than alone there (the budget margin); ${misses}`;
  });
  return {
    figures: [
      {
        file: `${scenario.name}-fig${figureIndex + 1}-response-vs-working-set.png`,
        spec: {
          kind: 'xy',
          title: `Worst-case response of ${vmu.id} vs the working set of ${figure.task}`,
          width: 900,
          height: 480,
          x: { title: `working set of ${figure.task} (KiB, log scale)`, log: true, ticks: xs },
          y: { title: 'worst-case response time (ms)', min: 0 },
          series: [...series, ...deadlineLines],
        },
        caption: `Worst-case response time of the tasks of VMU ${vmu.id} while the working set of ${figure.task} takes each value from ${range} (interference: cache; one run of ${fmtNs(figure.durationNs)} per value and model). Dashed: the deadline${deadlines.length > 1 ? 's' : ''}.`,
      },
    ],
    findings: [`Working-set sweep of ${figure.task}, observing ${vmu.id} — ${findings.join('. ')}.`],
  };
}
