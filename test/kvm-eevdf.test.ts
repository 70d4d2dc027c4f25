import { describe, expect, it } from 'vitest';
import type { HypervisorModel } from '../src/engine/model.js';
import { simulate } from '../src/experiments/simulate.js';
import { CfsClass, type FairPick } from '../models/kvm/fair.js';
import { busyTask, host, hostThread, ms, periodic, s, scenario, task } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';

/** Fair threads only → CfsClass with the given pick (linux-irmos.md §6.1 CFS / §6.2 EEVDF). */
function fairModel(pick: FairPick): HypervisorModel {
  return {
    name: `test-kvm-${pick}`,
    family: 'kvm',
    summary: 'test',
    build({ entities, ctx }) {
      const cfs = new CfsClass(ctx, { groups: [], pick });
      for (const e of entities) cfs.admit(e, { nice: 0 });
      return { classes: [cfs], mapping: [], settings: {} };
    },
  };
}

const fair = { policy: { class: 'fair' as const, nice: 0 } };

describe('EEVDF pick (linux-irmos.md §6.2)', () => {
  it('two equal busy loops on one CPU share 50/50 in runs of one slice rounded up to the tick', () => {
    // 1 CPU: base_slice 0.75 ms; tick 1 ms → every request ends at the next tick, then the other is eligible.
    for (const [pick, minRun, maxRun] of [['eevdf', ms(1), ms(1)], ['cfs', ms(3), ms(4)]] as const) {
      const sc = scenario({ durationNs: s(2), hostThreads: [hostThread(busyTask('a', fair)), hostThread(busyTask('b', fair))] });
      const log = new ServiceLog();
      simulate(sc, fairModel(pick), undefined, { observer: log.observer });
      log.close(sc.durationNs);
      const a = log.service('a', 0, sc.durationNs);
      const b = log.service('b', 0, sc.durationNs);
      expect(a + b).toBe(s(2));
      expect(Math.abs(a / b - 1)).toBeLessThan(0.01);
      const runs = [...log.of('a'), ...log.of('b')].filter(([st, en]) => st > 0 && en < sc.durationNs);
      expect(runs.length).toBeGreaterThan(100);
      for (const [st, en] of runs) {
        expect(en - st).toBeGreaterThanOrEqual(minRun);
        expect(en - st).toBeLessThanOrEqual(maxRun);
      }
    }
  });

  it('a short periodic task next to a busy loop waits up to a tick-rounded slice under EEVDF, not under CFS', () => {
    // HZ 250 (tick 4 ms): the loop's request is only seen to end at a tick (no HRTICK), and the
    // woken task, placed at V with lag 0, does not have an earlier deadline than an eligible loop.
    const waits = (pick: FairPick): number[] => {
      const sc = scenario({
        durationNs: s(2),
        hosts: [host('ph1', 1, { tickNs: ms(4) })],
        hostThreads: [
          hostThread(busyTask('hog', fair)),
          hostThread(task('p', ms(1), ms(10), { ...fair, arrival: periodic(ms(10), ms(1) + 300_000) })),
        ],
      });
      const log = new ServiceLog();
      simulate(sc, fairModel(pick), undefined, { observer: log.observer });
      log.close(sc.durationNs);
      const starts = log.of('p').map(([st]) => st);
      const out: number[] = [];
      for (let r = ms(1) + 300_000; r < sc.durationNs - ms(10); r += ms(10)) {
        const first = starts.find((st) => st >= r);
        if (first !== undefined) out.push(first - r);
      }
      return out;
    };
    const eevdf = waits('eevdf');
    const cfs = waits('cfs');
    expect(eevdf.length).toBeGreaterThan(150);
    expect(Math.max(...cfs)).toBeLessThan(ms(0.1)); // §6.1: sleeper credit > wakeup_granularity → at once
    expect(Math.max(...eevdf)).toBeGreaterThan(ms(2));
    expect(Math.max(...eevdf)).toBeLessThanOrEqual(ms(4) + ms(0.75));
  });
});
