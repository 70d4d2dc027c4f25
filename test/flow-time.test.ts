// Flows over time (issue 11): the per-bin delivered bytes and losses by cause sum exactly to the
// flow's totals (they are counted by the same rules), and the report draws a drops chart only for a
// flow some model lost packets of.
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { simulate } from '../src/experiments/simulate.js';
import type { Results } from '../src/metrics/results.js';
import { flowTimeCharts } from '../src/report/flow-time-charts.js';
import { loadScenario } from '../src/scenario/load.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('flow timelines', () => {
  // ixb-starvation: xen-credit's dom0 is starved in bursts (ring drops), kvm-irmos is not.
  const scenario = { ...loadScenario('scenarios/ixb-starvation.yaml'), durationNs: 2_000_000_000 };
  const runs = ['xen-credit', 'kvm-irmos'].map((m) => simulate(scenario, findModel(m, scenario.file, '')));

  it('bins sum to the totals of the flow metrics, by cause, under every model run', () => {
    const windowNs = scenario.durationNs - scenario.warmupNs;
    let lostSomewhere = 0;
    for (const run of runs) {
      for (const f of run.flows!) {
        const t = f.overTime;
        expect(t.startNs).toBe(scenario.warmupNs);
        expect(t.binNs * t.deliveredBytes.length).toBeGreaterThanOrEqual(windowNs);
        for (const cause of ['policed', 'queueFull', 'starved'] as const) expect(sum(t.lost[cause])).toBe(f.lost[cause]);
        // throughputBps is the window's delivered bytes over the window (rounded to 6 decimals).
        expect(Math.abs((sum(t.deliveredBytes) * 8e9) / windowNs - f.throughputBps)).toBeLessThan(1e-5);
        lostSomewhere += f.lost.starved;
      }
    }
    expect(lostSomewhere).toBeGreaterThan(0);
  });

  it('draws throughput per flow, and drops only for flows that lost packets', () => {
    const results = { runs } as unknown as Results;
    const files = flowTimeCharts(scenario, results).map((c) => c.file);
    const lost = (id: string) => runs.some((r) => r.flows!.find((f) => f.id === id)!.lossRatio > 0);
    for (const flow of scenario.flows!) {
      expect(files).toContain(`flow-throughput-${flow.id}.png`);
      expect(files.includes(`flow-drops-${flow.id}.png`)).toBe(lost(flow.id));
    }
  });
});
