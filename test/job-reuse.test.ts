// The engine reuses a task's finished job for its next release (Task.spareJob, issue 14) unless an
// observer is handed jobs, which it could keep. The claim is that reuse changes nothing: bundled
// scenarios with injected I/O and chain jobs, boots, stops and live migrations (jobs moving between a
// VMU's instances) give byte-identical results with reuse on and off (an observer with a no-op
// `complete` hook turns it off).
import { describe, expect, it } from 'vitest';
import { findModel } from '../models/index.js';
import { Simulator, type SimObserver } from '../src/engine/simulator.js';
import { collectRun } from '../src/metrics/results.js';
import { loadScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { hostThread, host, ms, scenario, task } from './helpers/scenario.js';

function results(sc: Scenario, model: string, observer?: SimObserver): string {
  const sim = new Simulator(sc, findModel(model, sc.file, ''), observer === undefined ? {} : { observer });
  sim.run();
  return JSON.stringify(collectRun(sim, []));
}

describe('reusing finished jobs', () => {
  const cases: [string, string[], number?][] = [
    ['scenarios/vsn-two-phs.yaml', ['kvm-irmos', 'xen-credit']],
    ['scenarios/lifecycle-boot-migrate.yaml', ['kvm-irmos', 'kvm-deadline']],
    ['scenarios/dom0-io.yaml', ['xen-credit', 'kvm-irmos'], 2e9],
  ];
  for (const [file, models, durationNs] of cases) {
    it(`${file}: results identical with reuse on and off`, () => {
      const loaded = loadScenario(file);
      const sc = durationNs === undefined ? loaded : { ...loaded, durationNs: Math.min(loaded.durationNs, durationNs) };
      for (const model of models) expect(results(sc, model)).toBe(results(sc, model, { complete: () => {} }));
    });
  }

  it('a late periodic thread (jobs queued behind each other) completes the same jobs either way', () => {
    // Overloaded on purpose: jobs queue, so a finished job is reused while later ones still wait.
    const threads = [0, 1, 2].map((i) => hostThread(task(`t${i}`, ms(2 + i), ms(5 + i), { policy: { class: 'fifo', priority: 10 + i }, affinity: [0] })));
    const sc = scenario({ durationNs: ms(500), hosts: [host('ph1', 1)], hostThreads: threads });
    expect(results(sc, 'kvm-linux')).toBe(results(sc, 'kvm-linux', { complete: () => {} }));
  });
});
