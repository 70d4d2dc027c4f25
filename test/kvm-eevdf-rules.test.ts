// EEVDF rules of Linux 6.18 (kernel/sched/fair.c; linux-irmos.md §6.2) in small constructed
// scenarios whose outcome follows from the rule alone, and properties any EEVDF pick must keep.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HypervisorModel } from '../src/engine/model.js';
import { simulate } from '../src/experiments/simulate.js';
import { CfsClass } from '../models/kvm/fair.js';
import { busyTask, host, hostThread, ms, periodic, scenario, task } from './helpers/scenario.js';
import { ServiceLog, type Run } from './helpers/service-log.js';

const SLICE = 700_000;
const TICK = ms(4); // HZ 250, no HRTICK: a request's end is noticed at the next tick
const fair = { policy: { class: 'fair' as const, nice: 0 } };

/** Fair threads only, nice 0, the EEVDF pick with 6.18's features (kernel.ts): DELAY_DEQUEUE, base_slice 0.70 ms (× f = 1 on 1 CPU). */
const eevdf: HypervisorModel = {
  name: 'test-kvm-eevdf',
  family: 'kvm',
  summary: 'test',
  build({ entities, ctx }) {
    const cfs = new CfsClass(ctx, { groups: [], pick: 'eevdf', delayDequeue: true, baseSliceNs: SLICE });
    for (const e of entities) cfs.admit(e, { nice: 0 });
    return { classes: [cfs], mapping: [], settings: {} };
  },
};

/** Per job released at offset + k·period: its start and completion (from the service log). */
function jobs(runs: Run[], offset: number, period: number, exec: number, end: number): { release: number; start: number; done: number; pieces: Run[] }[] {
  const out = [];
  let i = 0;
  for (let release = offset; release + period <= end; release += period) {
    while (i < runs.length && runs[i][1] <= release) i++;
    let need = exec;
    const pieces: Run[] = [];
    for (let j = i; j < runs.length && need > 0; j++) {
      const from = Math.max(runs[j][0], release);
      const take = Math.min(runs[j][1] - from, need);
      pieces.push([from, from + take]);
      need -= take;
    }
    if (need > 0) break;
    out.push({ release, start: pieces[0][0], done: pieces[pieces.length - 1][1], pieces });
  }
  return out;
}

/** A busy loop and a periodic task `p` (exec, period, first release at offset) on one CPU, ticks at k·4 ms. */
function hogAndTask(exec: number, period: number, offset: number, durationNs = ms(400)) {
  const sc = scenario({
    durationNs,
    hosts: [host('ph1', 1, { tickNs: TICK })],
    hostThreads: [hostThread(busyTask('hog', fair)), hostThread(task('p', exec, period, { ...fair, arrival: periodic(period, offset) }))],
  });
  const log = new ServiceLog();
  simulate(sc, eevdf, undefined, { observer: log.observer });
  log.close(sc.durationNs);
  return jobs(log.of('p'), offset, period, exec, sc.durationNs).slice(2); // past the start-up
}

describe('EEVDF wake-up rules of Linux 6.18 (fair.c)', () => {
  it('a sleeper waking after the loop\'s request ended pre-empts at once: update_curr renews the loop\'s deadline to V + slice at the enqueue, the tie goes to the waker', () => {
    // Released 2 ms after each tick: the loop ran 2 ms > slice since its last renewal (at the tick),
    // so enqueue_entity's update_curr gives it vd = v + slice; the sleeper, placed at V = v with lag 0,
    // gets the same vd; pick_eevdf keeps curr only if entity_before(curr, best) — strictly earlier.
    const js = hogAndTask(ms(0.5), ms(8), ms(2));
    expect(js.length).toBeGreaterThan(40);
    for (const j of js) expect(j.start - j.release).toBe(0);
  });

  it('a sleeper waking inside the loop\'s request waits for the next tick, then carries the lag it earned there (PLACE_LAG) and pre-empts at once until that lag is spent', () => {
    // Released 0.3 ms after a tick: the loop's request (renewed at that tick) ends earlier than the
    // sleeper's (placed at V, lag 0), so it waits 3.7 ms for the tick. Meanwhile V rose by 3.7/2 ms:
    // it sleeps with lag 1.85 − 0.5/2 = 1.6 ms > 0, so it is not delay-dequeued and place_entity
    // restores that lag at its next wake (vruntime = V − lag·(W + w)/W): its deadline beats the loop's,
    // it runs at once, and each 0.5 ms job spends 0.25 ms of lag. Lags 1.6, 1.35, …, 0.1 ms: seven
    // wakes at once, then the lag is negative (DELAY_ZERO: 0) and the next wake waits again.
    const js = hogAndTask(ms(0.5), ms(8), ms(0.3), ms(800));
    const waits = js.map((j) => j.start - j.release);
    const waited = waits.flatMap((w, k) => (w > 0 ? [k] : []));
    expect(waited.length).toBeGreaterThan(5);
    for (const w of waits) expect([0, TICK - ms(0.3)]).toContain(w);
    for (let i = 1; i < waited.length; i++) expect(waited[i] - waited[i - 1]).toBe(8);
  });

  it('without HRTICK a running fair job loses the CPU only at a tick, and only once it has run a full slice', () => {
    for (const offset of [ms(0.5), ms(1.7), ms(2.5), ms(3.3)]) {
      const js = hogAndTask(ms(2), ms(10), offset);
      let preempted = 0;
      for (const j of js) {
        for (let k = 0; k + 1 < j.pieces.length; k++) {
          const stop = j.pieces[k][1];
          expect(stop % TICK).toBe(0); // the pre-emption happened at a tick
          expect(stop - j.pieces[0][0]).toBeGreaterThanOrEqual(SLICE); // after at least one slice
          preempted++;
        }
      }
      // Released 2.5 ms after a tick, a 2 ms job meets the next tick 1.5 ms in (> slice): pre-empted there.
      if (offset === ms(2.5)) expect(preempted).toBeGreaterThan(0);
    }
  });
});

describe('EEVDF properties', () => {
  it('equal-weight busy loops on one CPU get equal service within one tick-rounded request', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.constantFrom(ms(1), ms(4), ms(10 / 3)), fc.integer({ min: 0, max: 999 }), (n, tickNs, phasePermille) => {
        const durationNs = ms(300);
        const tickNsInt = Math.round(tickNs);
        const sc = scenario({
          durationNs,
          hosts: [host('ph1', 1, { tickNs: tickNsInt, tickPhase: Math.floor((tickNsInt * phasePermille) / 1000) })],
          hostThreads: Array.from({ length: n }, (_, i) => hostThread(busyTask(`l${i}`, fair))),
        });
        const log = new ServiceLog();
        simulate(sc, eevdf, undefined, { observer: log.observer });
        log.close(durationNs);
        const got = Array.from({ length: n }, (_, i) => log.service(`l${i}`, 0, durationNs));
        // Each turn is one request rounded up to the tick: no loop is more than one turn ahead of another.
        const turn = Math.ceil(SLICE / tickNsInt) * tickNsInt;
        expect(Math.max(...got) - Math.min(...got)).toBeLessThanOrEqual(turn + tickNsInt);
      }),
      { numRuns: 25, seed: 9 },
    );
  });

  it('a lone fair task is never delayed: every job starts at its release and runs to completion', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20 }), fc.integer({ min: 1, max: 95 }), fc.integer({ min: 0, max: 5000 }), (periodMs, utilPct, offsetUs) => {
        const period = ms(periodMs);
        const exec = Math.max(1000, Math.floor((period * utilPct) / 100));
        const offset = offsetUs * 1000;
        const durationNs = ms(200);
        const sc = scenario({
          durationNs,
          hosts: [host('ph1', 1, { tickNs: TICK })],
          hostThreads: [hostThread(task('p', exec, period, { ...fair, arrival: periodic(period, offset) }))],
        });
        const log = new ServiceLog();
        simulate(sc, eevdf, undefined, { observer: log.observer });
        log.close(durationNs);
        for (const j of jobs(log.of('p'), offset, period, exec, durationNs)) {
          expect(j.start).toBe(j.release);
          expect(j.done - j.release).toBe(exec);
        }
      }),
      { numRuns: 30, seed: 9 },
    );
  });
});
