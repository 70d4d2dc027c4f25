import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostEntity } from '../src/engine/entities.js';
import type { HypervisorModel } from '../src/engine/model.js';
import { simulate } from '../src/experiments/simulate.js';
import type { HostThreadSpec, TaskSpec } from '../src/scenario/types.js';
import { CfsClass, type FairPick } from '../models/kvm/fair.js';
import type { FairBalanceFeatures } from '../models/kvm/fair-balance.js';
import { kernelFeatures } from '../models/kvm/kernel.js';
import { RtClass } from '../models/kvm/rt.js';
import { busyTask, host, hostThread, ms, periodic, s, scenario, task, us } from './helpers/scenario.js';
import { ServiceLog } from './helpers/service-log.js';

/** The deliverables' kernel (CFS pick) and the default one (EEVDF pick), each with its balancer rules. */
const KERNELS = [
  { version: '2.6.33', pick: 'cfs' },
  { version: '6.12', pick: 'eevdf' },
] as const satisfies readonly { version: string; pick: FairPick }[];

const rulesOf = (version: string): FairBalanceFeatures => kernelFeatures(version, 'test', '/kernel').fairBalance;

/** fifo threads → RtClass (unthrottled), fair threads → CfsClass with the given pick and balancer (null: none). */
function model(pick: FairPick, balance: FairBalanceFeatures | null): HypervisorModel {
  return {
    name: 'test-kvm-fair-balance',
    family: 'kvm',
    summary: 'test',
    build({ entities, ctx }) {
      const rt = new RtClass(ctx, { root: { runtimeNs: null, periodNs: s(1) }, runtimeShare: false, groups: [] });
      const cfs = new CfsClass(ctx, { groups: [], pick, balance });
      for (const e of entities) {
        const pol = (e.origin as { spec: TaskSpec }).spec.policy;
        if (pol.class === 'fair') cfs.admit(e, { nice: pol.nice });
        else if (pol.class === 'fifo') rt.admit(e, { priority: pol.priority, rr: false });
      }
      return { classes: [rt, cfs], mapping: [], settings: {} };
    },
  };
}

const fair = { policy: { class: 'fair' as const, nice: 0 } };
const cpuList = (n: number) => Array.from({ length: n }, (_, i) => i);
const loops = (n: number, affinity: number[]) => cpuList(n).map((i) => hostThread(busyTask(`l${i}`, { ...fair, affinity })));

/**
 * What a real host always has and identical busy loops lack: a little other work (interrupts, kernel
 * threads), here 30 µs of RT every 7.3 ms on each CPU. Without it, which loop waits (or is cache-hot)
 * at a balance tick is locked to the tick-quantized slices, and the rotation can favour some loops
 * for ever (fair-balance.ts header).
 */
const hostNoise = (cpus: number): HostThreadSpec[] =>
  cpuList(cpus).map((c) => hostThread(task(`noise${c}`, us(30), ms(7.3), { policy: { class: 'fifo', priority: 90 }, arrival: periodic(ms(7.3), us(100 + 1000 * c)), affinity: [c] })));

/** Where each entity ran, and the balancer's notes: 'lb-pull', 'lb-active', 'lb-hot' (a cache-hot candidate passed over). */
function observe() {
  const log = new ServiceLog();
  const notes: { kind: string; at: number; id: string }[] = [];
  const observer = {
    dispatch: (now: number, h: string, cpu: number, e: HostEntity | null) => log.dispatch(now, h, cpu, e),
    policy: (now: number, _h: string, kind: string, _cpu: number, e: HostEntity | null) => {
      if (kind.startsWith('lb-') && e !== null) notes.push({ kind, at: now, id: e.id });
    },
  };
  return { log, observer, notes: (kind: string) => notes.filter((n) => n.kind === kind) };
}

describe('fair periodic load balancing (linux-irmos.md §6.1 SMP; fair-balance.ts)', () => {
  it('3 busy loops on 2 CPUs each get 2/3 of a CPU within 5 % over 30 s, by periodic migration; without the balancer one keeps a CPU', () => {
    for (const { version, pick } of KERNELS) {
      const dur = s(30);
      const shares = (balance: FairBalanceFeatures | null) => {
        const sc = scenario({ durationNs: dur, hosts: [host('ph1', 2)], hostThreads: [...hostNoise(2), ...loops(3, [0, 1])] });
        const log = new ServiceLog();
        const run = simulate(sc, model(pick, balance), undefined, { observer: log.observer });
        log.close(dur);
        const busy = 2 - (log.service('noise0', 0, dur) + log.service('noise1', 0, dur)) / dur; // CPUs left to the loops
        return { of: cpuList(3).map((i) => log.service(`l${i}`, 0, dur) / dur / (busy / 3)), stats: run.hosts[0].classStats.fair };
      };
      const balanced = shares(rulesOf(version));
      for (const x of balanced.of) expect(Math.abs(x - 1), `${version}: ${balanced.of.map((v) => v.toFixed(3))}`).toBeLessThan(0.05);
      expect(balanced.stats.periodicMigrations).toBeGreaterThan(0);
      const stuck = shares(null);
      expect(Math.max(...stuck.of) / Math.min(...stuck.of), version).toBeGreaterThan(1.9); // 100 % / 50 % / 50 %
      expect(stuck.stats.periodicMigrations).toBe(0);
    }
  });

  it('a balanced load is left alone: 2 and 4 busy loops on 2 CPUs see no migration at all', () => {
    for (const { version, pick } of KERNELS) {
      for (const n of [2, 4]) {
        const sc = scenario({ durationNs: s(5), hosts: [host('ph1', 2)], hostThreads: loops(n, [0, 1]) });
        const log = new ServiceLog();
        const run = simulate(sc, model(pick, rulesOf(version)), undefined, { observer: log.observer });
        log.close(sc.durationNs);
        expect(run.hosts[0].classStats.fair.periodicMigrations, `${version}, ${n} loops`).toBe(0);
        for (const i of cpuList(n)) expect(new Set(log.withCpu(`l${i}`).map(([, , cpu]) => cpu)).size).toBe(1);
      }
    }
  });

  it('a task pinned by affinity is never migrated, while the free ones are moved around it', () => {
    for (const { version, pick } of KERNELS) {
      // CPU 0 has two pinned loops; three free loops must share what is left: 5 tasks, 2 CPUs.
      const sc = scenario({
        durationNs: s(10),
        hosts: [host('ph1', 2)],
        hostThreads: [...hostNoise(2), ...['p0', 'p1'].map((id) => hostThread(busyTask(id, { ...fair, affinity: [0] }))), ...['f0', 'f1', 'f2'].map((id) => hostThread(busyTask(id, { ...fair, affinity: [0, 1] })))],
      });
      const { log, notes, observer } = observe();
      simulate(sc, model(pick, rulesOf(version)), undefined, { observer });
      log.close(sc.durationNs);
      for (const id of ['p0', 'p1']) expect(new Set(log.withCpu(id).map(([, , cpu]) => cpu)), `${version} ${id}`).toEqual(new Set([0]));
      const pulls = notes('lb-pull');
      expect(pulls.length, version).toBeGreaterThan(0);
      expect(pulls.every((n) => n.id.startsWith('f')), version).toBe(true);
    }
  });

  it('a cache-hot task (ran less than sched_migration_cost ago) is not pulled', () => {
    // Failures never force a hot pull here (cache_nice_tries out of reach). Under CFS (slices of 6 ms)
    // sysctl_sched_migration_cost is raised to 5 ms so that the waiting loop is often hot; under EEVDF
    // (requests of 2 ticks) the default 0.5 ms already makes the loop pre-empted at the balance tick hot.
    for (const { version, pick } of KERNELS) {
      const cost = pick === 'cfs' ? ms(5) : ms(0.5);
      const rules: FairBalanceFeatures = { ...rulesOf(version), migrationCostNs: cost, cacheNiceTries: 1000 };
      const sc = scenario({ durationNs: s(10), hosts: [host('ph1', 2)], hostThreads: [...hostNoise(2), ...loops(3, [0, 1])] });
      const { log, notes, observer } = observe();
      const run = simulate(sc, model(pick, rules), undefined, { observer });
      log.close(sc.durationNs);
      const pulls = notes('lb-pull');
      const skips = notes('lb-hot');
      expect(pulls.length, version).toBeGreaterThan(0);
      expect(skips.length, version).toBeGreaterThan(0);
      expect(run.hosts[0].classStats.fair.balanceHotSkips).toBe(skips.length);
      const lastRunEnd = (id: string, at: number) => Math.max(-Infinity, ...log.withCpu(id).filter(([, end]) => end <= at).map(([, end]) => end));
      for (const pull of pulls) expect(pull.at - lastRunEnd(pull.id, pull.at), `${version}: ${pull.id} at ${pull.at}`).toBeGreaterThanOrEqual(cost);
      for (const skip of skips) expect(skip.at - lastRunEnd(skip.id, skip.at), `${version}: ${skip.id} at ${skip.at}`).toBeLessThan(cost);
    }
  });

  it('2.6.33: a heavy task that is always running, next to tasks pinned away, is pushed by active balancing', () => {
    // F (nice −15) all but never waits; P and Q are pinned. Every pull fails, and after
    // cache_nice_tries + 2 failures load_balance stops F's CPU and pushes it (active_load_balance).
    const sc = scenario({
      durationNs: s(5),
      hosts: [host('ph1', 2)],
      hostThreads: [
        hostThread(busyTask('F', { policy: { class: 'fair', nice: -15 }, affinity: [0, 1] })),
        hostThread(busyTask('P', { ...fair, affinity: [0] })),
        hostThread(busyTask('Q', { ...fair, affinity: [1] })),
      ],
    });
    const { log, notes, observer } = observe();
    const run = simulate(sc, model('cfs', rulesOf('2.6.33')), undefined, { observer });
    log.close(sc.durationNs);
    const pushes = notes('lb-active');
    expect(run.hosts[0].classStats.fair.activeMigrations).toBe(pushes.length);
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.every((n) => n.id === 'F')).toBe(true);
    expect(new Set(log.withCpu('F').map(([, , cpu]) => cpu))).toEqual(new Set([0, 1]));
    // The first push is the (cache_nice_tries + 3)th attempt; failed attempts are a busy interval (64 ms) apart.
    expect(pushes[0].at).toBeGreaterThanOrEqual((rulesOf('2.6.33').cacheNiceTries + 3) * ms(64));
  });

  it('a busy CPU balances in the softirq of a tick once busy_factor × balance_interval has passed, not at every tick', () => {
    // 2.6.33: SD_MC_INIT, 1 ms × busy_factor 64 once unbalanced; 6.12: sd_init, 2 ms (2 CPUs) × 16 − 1 jiffy.
    for (const { version, pick } of KERNELS) {
      const rules = rulesOf(version);
      const first = (rules.interval === 'fixed' ? 1 : 2) * rules.busyFactor - (rules.busyIntervalLessOneJiffy ? 1 : 0); // in 1 ms ticks
      const sc = scenario({ durationNs: ms(first * 10), hosts: [host('ph1', 2)], hostThreads: loops(3, [0, 1]) });
      const { notes, observer } = observe();
      simulate(sc, model(pick, rules), undefined, { observer });
      const pulls = notes('lb-pull');
      expect(pulls.length, version).toBeGreaterThan(0);
      for (const n of pulls) expect((n.at - 1) % ms(1), version).toBe(0); // in the softirq of a tick
      expect(pulls[0].at, version).toBeGreaterThanOrEqual(ms(first));
    }
  });

  it('property: no task ever runs outside its affinity, and free busy loops keep every CPU busy (work-conserving)', () => {
    // [M] With affinities, the kernel's balancer is not work-conserving in every case either: on one
    // flat domain a CPU at the domain's average load does not pull (2.6.x), nor does a fully busy one
    // from a CPU whose excess is pinned away from an idle one (no group_imbalanced without a parent
    // domain). So the service bound is checked for free loops only.
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }), // affinity bit masks
        fc.boolean(), // all free
        fc.constantFrom(...KERNELS),
        (cpus, masks, free, { version, pick }) => {
          const affinities = masks.map((m) => (free ? cpuList(cpus) : cpuList(cpus).filter((c) => (m & (1 << c)) !== 0))).map((a) => (a.length > 0 ? a : [0]));
          const dur = s(2);
          const sc = scenario({
            durationNs: dur,
            hosts: [host('ph1', cpus)],
            hostThreads: [...hostNoise(cpus), ...affinities.map((affinity, i) => hostThread(busyTask(`l${i}`, { ...fair, affinity })))],
          });
          const log = new ServiceLog();
          simulate(sc, model(pick, rulesOf(version)), undefined, { observer: log.observer });
          log.close(dur);
          let total = 0;
          for (const [i, affinity] of affinities.entries()) {
            if (!log.withCpu(`l${i}`).every(([, , cpu]) => affinity.includes(cpu))) return false;
            total += log.service(`l${i}`, 0, dur);
          }
          if (!free) return true;
          const noise = cpuList(cpus).reduce((sum, c) => sum + log.service(`noise${c}`, 0, dur), 0);
          return total + noise >= Math.min(cpus, affinities.length) * dur - noise; // at most the noise's own time is lost
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });

  it('kernel table: SD_MC_INIT intervals up to 3.15, sd_init from 3.16, busy_factor 16 and the relaxed task load from 5.10', () => {
    const at = (v: string) => rulesOf(v);
    expect(at('2.6.33')).toMatchObject({ interval: 'fixed', busyFactor: 64, imbalancePct: 125, algorithm: 'legacy', taskOrder: 'mru-enqueue', activeBalance: 'failures' });
    expect(at('3.16')).toMatchObject({ interval: 'domain-weight', busyFactor: 32, imbalancePct: 117, algorithm: 'legacy' });
    expect(at('5.5')).toMatchObject({ busyFactor: 32, algorithm: 'group-types', taskLoadTest: 'half-unless-failed', taskOrder: 'lru' });
    expect(at('5.10')).toMatchObject({ busyFactor: 16, busyIntervalLessOneJiffy: true, taskLoadTest: 'shift', activeBalance: 'failures' });
    expect(at('6.12')).toMatchObject({ busyFactor: 16, algorithm: 'group-types', taskLoadTest: 'shift', activeBalance: 'task-imbalance', migrationCostNs: ms(0.5) });
  });
});
