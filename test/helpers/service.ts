// The CPU service one VMU's vCPUs receive in a run on one single-CPU host: its dispatch intervals,
// summed over any window (the supply-bound tests of issue 13's lifecycle and SLA changes).
import type { SimObserver } from '../../src/engine/simulator.js';
import { simulate } from '../../src/experiments/simulate.js';
import type { VmuSpec } from '../../src/scenario/types.js';
import { MODELS } from '../../models/index.js';
import { host, scenario } from './scenario.js';

/** Run `vmus` on one 1-CPU host under `model`; `within(a, b)`: the CPU time VMU `id` ran in [a, b). */
export function serviceOf(model: string, vmus: VmuSpec[], durationNs: number, id: string, observer: SimObserver = {}) {
  const sc = scenario({ durationNs, hosts: [host('ph1', 1)], vmus });
  const runs: [number, number][] = [];
  let open: number | null = null;
  const run = simulate(sc, MODELS.find((m) => m.name === model)!, undefined, {
    observer: {
      ...observer,
      dispatch(now, _host, _cpu, e) {
        if (open !== null && now > open) runs.push([open, now]);
        open = e !== null && e.vmuId === id ? now : null;
      },
    },
  });
  if (open !== null && durationNs > open) runs.push([open, durationNs]);
  const within = (a: number, b: number) => runs.reduce((sum, [x, y]) => sum + Math.max(0, Math.min(b, y) - Math.max(a, x)), 0);
  return { run, within };
}
