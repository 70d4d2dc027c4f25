// GRUB reclaiming, SCHED_FLAG_RECLAIM (models/kvm/grub.ts; linux-irmos.md §4.3), through the
// stock-Linux model's SCHED_DEADLINE host threads (kvm-linux and kvm-deadline share that path).
// Expected values are worked out here from the kernel's formulas (sched-deadline.rst §3, grub_reclaim
// in deadline.c), not read off the simulator.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Policy, TaskSpec } from '../src/engine/system.js';
import { InputError } from '../src/errors.js';
import { simulate } from '../src/experiments/simulate.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { kvmDeadline, kvmLinux } from '../models/kvm/kvm-linux.js';
import { busyTask, host, hostThread, ms, s, scenario, task } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';

/** sched_rt_runtime/sched_rt_period by default: GRUB's max_bw (init_dl_rq_bw_ratio). */
const UMAX = 0.95;

const dl = (runtime: number, period: number, reclaim = false): Policy => ({ class: 'deadline', runtime, deadline: period, period, ...(reclaim && { reclaim: true }) });

function run(threads: TaskSpec[], durationNs: number, kernel?: string, observer?: ServiceLog) {
  const sc = scenario({ durationNs, hostThreads: threads.map((t) => hostThread(t)) });
  const r = simulate(sc, kvmLinux, kernel === undefined ? undefined : { params: { kernel }, pointer: '/models/0' }, observer ? { observer } : {});
  const share = (id: string) => r.tasks.find((t) => t.id === id)!.cpuTimeNs / durationNs;
  return { r, share, task: (id: string) => r.tasks.find((t) => t.id === id)! };
}

describe('a lone reclaiming task on an otherwise idle CPU', () => {
  const lone = (kernel: string | undefined, reclaim: boolean) => run([busyTask('a', { policy: dl(ms(2.5), ms(10), reclaim) })], s(1), kernel);

  it('without the flag keeps to its Q per P: 25 %', () => {
    expect(lone(undefined, false).share('a')).toBeCloseTo(0.25, 3);
  });

  it('6.5+ (max_bw form, 6a9d623aad89): runs up to Umax = 95 % and no further', () => {
    // dq = −max{u, Umax − Uinact − Uextra}/Umax dt with Uextra = Umax − u and Uinact = 0 (6.12's idle
    // fair_server adds 0.05 to both Uinact and Σ admitted, which cancel): dq = −(u/Umax) dt, so Q
    // lasts Q·Umax/u = Umax·P. The kernel's fixed point (bw_ratio = 269/256 for 1/0.95) adds 0.2 %.
    const log = new ServiceLog();
    const a = run([busyTask('a', { policy: dl(ms(2.5), ms(10), true) })], s(1), undefined, log).share('a');
    log.close(s(1));
    expect(a).toBeGreaterThan(UMAX - 0.001);
    expect(a).toBeLessThan(UMAX + 0.003);
    // In every period, not just on average: Q is spent after Umax·P of running, then throttled to d.
    for (let t = 0; t < s(1); t += ms(10)) expect(log.service('a', t, t + ms(10))).toBeLessThanOrEqual((UMAX + 0.003) * ms(10));
  });

  it('4.13–6.4 (original form): dq = −max{u/Umax, 1 − Uinact − Uextra} dt, so only u/(1 − Umax + u) = 83.3 %', () => {
    expect(lone('6.1', true).share('a')).toBeCloseTo(0.25 / (1 - UMAX + 0.25), 2);
  });

  it('before 4.13 the flag is refused (no GRUB), naming the field', () => {
    const sc = scenario({ durationNs: ms(10), hostThreads: [hostThread(busyTask('a', { policy: dl(ms(2.5), ms(10), true) }))] });
    let error: unknown;
    try {
      simulate(sc, kvmLinux, { params: { kernel: '4.9' }, pointer: '/models/0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/hostThreads\/0\/policy\/reclaim[\s\S]*4\.13/);
  });
});

describe('a non-reclaiming task beside a reclaiming one keeps the CBS guarantee (§4.2)', () => {
  // b: (3 ms, 7 ms) always backlogged, a: (2.5 ms, 10 ms) reclaiming and always backlogged.
  const log = new ServiceLog();
  const duration = s(1);
  const r = run([busyTask('a', { policy: dl(ms(2.5), ms(10), true) }), busyTask('b', { policy: dl(ms(3), ms(7)) })], duration, undefined, log);
  log.close(duration);

  it('b gets its Q per P and never waits more than 2(P − Q) = 8 ms for service', () => {
    expect(r.share('b')).toBeGreaterThanOrEqual(3 / 7 - 0.005);
    expect(log.maxGap('b', 0, duration)).toBeLessThanOrEqual(2 * (ms(7) - ms(3)));
  });

  it('a reclaims only the rest: charged at (u_a + u_b)/Umax, it runs Q_a·Umax/(u_a + u_b) per P_a', () => {
    // Both always active: running_bw = u_a + u_b, Uinact = 0, Uextra = Umax − u_a − u_b.
    expect(r.share('a')).toBeCloseTo((0.25 * UMAX) / (0.25 + 3 / 7), 2);
    expect(r.share('a') + r.share('b')).toBeLessThanOrEqual(UMAX + 0.003);
  });
});

describe('the 0-lag rule (inactive timer, §4.3)', () => {
  // b: (4 ms, 10 ms), jobs of 1 ms at 0, 10, 20, … ms; it blocks with 3 ms left, so its 0-lag time
  // is d − 3·10/4 = r + 2.5 ms and its 0.4 stays in running_bw 1.5 ms after each job. a: (10 ms,
  // 100 ms) reclaiming and backlogged, behind b in EDF. While b counts a is charged at (0.1 + 0.4)/Umax,
  // then at 0.1/Umax: 1.5·0.5/0.95 + 7.5·0.1/0.95 = 1.58 ms of runtime per 10 ms window, so its 10 ms
  // last 6 windows and 1 ms of the 7th: 55 ms of each 100 ms. Were b's bandwidth dropped when it
  // blocks, a would be charged 0.1/Umax all along, outlast 10 windows, and run 90 %.
  const r = run([busyTask('a', { policy: dl(ms(10), ms(100), true) }), task('b', ms(1), ms(10), { policy: dl(ms(4), ms(10)) })], s(1));

  it('a blocked task keeps its bandwidth in running_bw until its 0-lag time, so a reclaims 55 %, not 90 %', () => {
    expect(r.share('a')).toBeGreaterThan(0.54);
    expect(r.share('a')).toBeLessThan(0.56);
    expect(r.r.hosts[0].classStats.deadline.grubInactiveTimers).toBeGreaterThanOrEqual(99);
  });

  it('and b meets every deadline', () => {
    expect(r.task('b').missed).toBe(0);
    expect(r.task('b').completed).toBe(100);
  });
});

describe('two CPUs: extra_bw is the root domain\'s, split evenly (__dl_update), and bandwidth follows a pushed task', () => {
  // b (6 ms, 10 ms) on CPU 0; a (2.5 ms, 10 ms) reclaiming. Each CPU's extra_bw is Umax − Σ bw / 2 =
  // 0.95 − (0.25 + 0.6 + 2 × 0.05 fair_servers)/2 = 0.475, so a alone on CPU 1 (Uinact = its idle
  // fair_server's 0.05) is charged max{0.25, 0.95 − 0.05 − 0.475}/0.95 and runs 0.25·0.95/0.425 = 55.9 %,
  // not 95 %: the SMP inaccuracy Vineeth Pillai's 2023 series described and mainline kept.
  const two = (affinity: number[]) => {
    const sc = scenario({
      durationNs: s(1),
      hosts: [host('ph1', 2)],
      hostThreads: [hostThread(busyTask('a', { policy: dl(ms(2.5), ms(10), true) }), 'ph1', affinity), hostThread(busyTask('b', { policy: dl(ms(6), ms(10)) }), 'ph1', [0])],
    });
    const r = simulate(sc, kvmLinux);
    return (id: string) => r.tasks.find((t) => t.id === id)!.cpuTimeNs / s(1);
  };

  it('a pinned to CPU 1 reclaims to 0.25·0.95/0.425 = 55.9 %', () => {
    const share = two([1]);
    expect(share('a')).toBeCloseTo(0.559, 2);
    expect(share('b')).toBeCloseTo(0.6, 3);
  });

  it('a task pushed to CPU 1 takes its this_bw along: asleep there, it is no inactive bandwidth for CPU 0\'s reclaimer', () => {
    // c (1 ms, 10 ms) reclaiming, busy, on CPU 0; d (6 ms, 10 ms) with 1 ms jobs, free to run on both,
    // is pushed to the free CPU 1 at its first wake-up (c holds CPU 0 with an equal deadline) and
    // stays there. CPU 0 then has this_bw = 0.1 + 0.05 (fair_server), running_bw = 0.1, extra_bw =
    // 0.95 − (0.1 + 0.6 + 0.1)/2 = 0.55: c is charged max{0.1, 0.95 − 0.05 − 0.55}/0.95 = 0.35/0.95
    // and runs 0.1·0.95/0.35 = 27.1 %. Had d's 0.6 stayed in CPU 0's this_bw, its sleep would count
    // as CPU 0's inactive bandwidth and c would run up to 95 % whenever d sleeps.
    const sc = scenario({
      durationNs: s(1),
      hosts: [host('ph1', 2)],
      hostThreads: [hostThread(busyTask('c', { policy: dl(ms(1), ms(10), true) }), 'ph1', [0]), hostThread(task('d', ms(1), ms(10), { policy: dl(ms(6), ms(10)) }), 'ph1', [0, 1])],
    });
    const r = simulate(sc, kvmLinux);
    expect(r.tasks.find((t) => t.id === 'c')!.cpuTimeNs / s(1)).toBeCloseTo((0.1 * UMAX) / 0.35, 2);
    expect(r.tasks.find((t) => t.id === 'd')!.missed).toBe(0);
  });
});

describe('property: random reclaiming and non-reclaiming sets of total U ≤ 0.9 on one CPU', () => {
  const periods = [ms(5), ms(10), ms(20), ms(40)];
  const member = fc.record({
    period: fc.constantFrom(...periods),
    u: fc.integer({ min: 5, max: 40 }),
    reclaim: fc.boolean(),
    busy: fc.boolean(),
    // Fraction of the runtime a periodic job needs (it sleeps the rest of the period).
    use: fc.integer({ min: 10, max: 100 }),
  });

  it('no non-reclaiming task misses, and reclaimers never get the CPU beyond max_bw', () => {
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 4 }), (set) => {
        const total = set.reduce((a, m) => a + m.u, 0);
        // 6.12 admits Σ ≤ 0.95 with the fair_server's 0.05 counted: keep Σ u ≤ 0.9.
        const scale = total > 90 ? 90 / total : 1;
        const threads = set.map((m, i) => {
          const runtime = Math.max(ms(0.1), Math.floor((m.period * m.u * scale) / 100));
          const policy = dl(runtime, m.period, m.reclaim);
          return m.busy ? busyTask(`t${i}`, { policy }) : task(`t${i}`, Math.max(1, Math.floor((runtime * m.use) / 100)), m.period, { policy });
        });
        const duration = ms(400);
        const r = run(threads, duration);
        let reclaimers = 0;
        set.forEach((m, i) => {
          const t = r.task(`t${i}`);
          if (!m.reclaim) expect(t.missed).toBe(0);
          if (m.reclaim) reclaimers += t.cpuTimeNs;
        });
        // Σ over every DL task, reclaimers included, within Umax of the CPU (+ the fixed point's 0.2 %
        // and one longest period of runtime granted at the start).
        expect(reclaimers).toBeLessThanOrEqual((UMAX + 0.003) * duration + ms(40));
      }),
      { numRuns: 25, seed: 11 },
    );
  });
});

describe('scenario fields: sla.reclaim and policy.reclaim, with pointed errors', () => {
  const file = (vmu: string, kernel = '6.12') => `
name: grub-fields
duration: 100ms
hosts: [{ id: ph1, cpus: 1 }]
vmus:
  - ${vmu}
models: [{ name: kvm-deadline, params: { kernel: "${kernel}" } }]
`;
  const errorOf = (f: () => unknown): InputError => {
    try {
      f();
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    throw new Error('no error');
  };

  it('a VMU\'s sla.reclaim makes kvm-deadline\'s vCPU threads reclaim: a spinning 2 ms / 10 ms VMU runs 95 %', () => {
    const sc = parseScenarioText(file('{ id: v, host: ph1, sla: { budget: 2ms, period: 10ms, reclaim: true }, tasks: [{ id: spin, kind: busy }] }'), 'grub.yaml');
    expect(sc.vmus[0].sla!.reclaim).toBe(true);
    const r = simulate(sc, kvmDeadline, sc.models[0]);
    expect(r.vmus[0].cpuShare).toBeGreaterThan(UMAX - 0.002);
    expect(r.vmus[0].cpuShare).toBeLessThan(UMAX + 0.003);
    expect(r.mapping.find((m) => m.entity === 'v')!.native).toMatch(/SCHED_FLAG_RECLAIM/);
  });

  it('refuses sla.reclaim on a kernel without GRUB (before 4.13), naming /vmus/0/sla/reclaim', () => {
    const sc = parseScenarioText(file('{ id: v, host: ph1, sla: { budget: 2ms, period: 10ms, reclaim: true } }', '4.9'), 'grub.yaml');
    const e = errorOf(() => simulate(sc, kvmDeadline, sc.models[0]));
    expect(e.message).toMatch(/\/vmus\/0\/sla\/reclaim/);
    expect(e.message).toMatch(/4\.13/);
  });

  it('refuses reclaim on a guest task, naming its pointer', () => {
    const e = errorOf(() =>
      parseScenarioText(file('{ id: v, host: ph1, sla: { budget: 2ms, period: 10ms }, tasks: [{ id: t, kind: busy, policy: { class: deadline, runtime: 1ms, period: 10ms, reclaim: true } }] }'), 'grub.yaml'),
    );
    expect(e.message).toMatch(/\/vmus\/0\/tasks\/0\/policy\/reclaim/);
  });
});
