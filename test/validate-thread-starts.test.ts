// validate:linux predicts each kernel run from where its threads started (validate/runs.ts
// threadStarts). rt-app (rt-app.c thread_body) keeps two instants apart: every thread's timers
// count from t_first = t_zero, taken as all threads leave one barrier, while each begins its events
// when it gets a CPU; and a row's `end` is read after the timer's sleep. So a first row gives t_first
// back as end − wu_lat − c_period when it slept, end + slack − c_period after an overrun. These are
// the first rows of the rr-observer case's first kernel run (2026-12-07 07:09), verbatim.
import { describe, expect, it } from 'vitest';
import { parseRtappLog } from '../src/rtapp/logs.js';
import { CASES } from '../validate/cases.js';
import { runOnHvsim, threadStarts } from '../validate/runs.js';
import { metricValue } from '../validate/metrics.js';

const HEADER = '# Policy : SCHED_RR priority : 50\n#idx     perf      run   period           start             end          rel_st      slack c_duration   c_period     wu_lat\n';
const first = (line: string) => parseRtappLog(HEADER + line + '\n', 'k.log').rows;
const KERNEL_RUN = {
  rows: new Map([
    ['rr1', first('   0 13990400   150012   399975      7301068056      7301468031           98973     151789     150000     400000      98174')],
    ['rr2', first('   1  8958400   196918   398765      7300971120      7301369885            2038     201812     150000     400000         28')],
    ['obs', first('   2    94400     1003     1003      7301218082      7301219086          249000    -239228       1000      10000          0')],
  ]),
  cpuShare: new Map<string, number>(),
};

describe('validate:linux thread starts', () => {
  it('recovers one t_first (t_zero) for all three threads, slept or overrun, in the order they got going', () => {
    const starts = threadStarts(KERNEL_RUN);
    // rr2 slept to 400 774 µs, rr1 too (98 ms late, behind rr2's RR quantum), obs overran expiry 10 775.
    expect(starts.get('rr2')).toEqual({ gridUs: 775, firstEventUs: 2038 });
    expect(starts.get('rr1')).toEqual({ gridUs: 776, firstEventUs: 98973 });
    expect(starts.get('obs')).toEqual({ gridUs: 777, firstEventUs: 249000 });
  });

  it("with them hvsim reproduces that run's RR pair: rr2 first, its quanta carried over sleeps, the observer's misses", () => {
    const c = CASES.find((x) => x.id === 'rr-observer')!;
    const sample = runOnHvsim(c, { kernel: '6.18.44', cpus: 2, hz: 250, tickPhase: 2_920_000, threadStartUs: threadStarts(KERNEL_RUN) });
    // rr2 woke at 0.8 ms and ran first; rr1 got the CPU 98 ms later, when rr2's quantum ended.
    expect(sample.rows.get('rr1')![0].rel_st).toBeGreaterThan(95_000);
    expect(sample.rows.get('rr2')![0].rel_st).toBeLessThan(1_000);
    // The kernel run's observer: 8 of 160 rows after warm-up overran (5.00 %).
    expect(metricValue({ kind: 'missRatio', thread: 'obs' }, sample, c.warmupUs)).toBeCloseTo(0.05, 3);
  });
});
