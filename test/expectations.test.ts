// `expect:` as documented: bounds on I/O, storage-stream and VMU metrics read from the right place
// of a run, comparisons between models (strict, scaled by factor), admission verdicts, and a refused
// model breaking only the expectations that name it. The runs are built by hand, so each check is
// the documented rule applied to given numbers, not a simulator result.
import { MIGRATION_METRICS } from '../src/metrics/migration-results.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenarioFile } from '../src/experiments/load.js';
import { checkExpectations } from '../src/metrics/expectations.js';
import { runMetrics } from '../src/metrics/metric-accessors.js';
import type { ModelRun } from '../src/metrics/results.js';
import { METRIC_NAMES, METRICS } from '../src/scenario/metric-names.js';

const SCENARIO = (expect: string) => `
name: e
duration: 1s
hosts: [{ id: ph1, cpus: 1, storage: { device: ssd } }]
vmus:
  - id: web
    host: ph1
    sla: { budget: 2ms, period: 10ms }
    tasks: [{ id: t, kind: periodic, period: 10ms, exec: 1ms }]
    io:
      - { id: req, kind: net, rate: 100/s, deadline: 5ms }
      - { id: disk, kind: disk, rate: 50/s, storage: { size: 4096 } }
models: [kvm-irmos, xen-credit, xen-sedf]
expect:
${expect}
`;

const load = (expect: string) => parseScenarioFile(SCENARIO(expect), 'e.yaml');

const latency = (p99: number) => ({ count: 10, minNs: 1, meanNs: p99 / 2, p50Ns: p99 / 2, p90Ns: p99, p99Ns: p99, p999Ns: p99, maxNs: p99 * 2 });

function run(model: string, o: { p99?: number; ioP99?: number; cpuShare?: number; iops?: number } = {}): ModelRun {
  return {
    model,
    family: model.startsWith('xen') ? 'xen' : 'kvm',
    settings: {},
    mapping: [],
    tasks: [{ id: 't', vmu: 'web', host: 'ph1', released: 10, completed: 10, judged: 10, missed: 0, missRatio: 0, tardinessMaxNs: 0, tardinessMeanNs: 0, response: latency(o.p99 ?? 1e6), responseCdfNs: [], wakeup: latency(1000), cpuTimeNs: 1, cpuShare: 0.1, preemptions: 0, migrations: 0 }],
    vmus: [{ id: 'web', host: 'ph1', vcpus: 1, cpuTimeNs: 1, cpuShare: o.cpuShare ?? 0.2, reservedShare: 0.2, preemptions: 0, migrations: 0 }],
    hosts: [],
    io: [
      { id: 'req', vmu: 'web', kind: 'net', requests: 100, completed: 100, latency: latency(o.ioP99 ?? 2e6), missed: 3, missRatio: 0.03, path: [] },
      { id: 'disk', vmu: 'web', kind: 'disk', requests: 50, completed: 50, latency: latency(3e6), missed: 0, missRatio: 0, path: [], iops: o.iops ?? 50, bytesPerSec: (o.iops ?? 50) * 4096 },
    ],
    events: 0,
  };
}

describe('expect: metrics of I/O loads, storage streams and VMUs', () => {
  it('reads an I/O load’s latency percentile and miss ratio, a stream’s IOPS, a VMU’s share of its reservation', () => {
    const s = load(`
  - { model: kvm-irmos, io: req, metric: ioLatencyP99Ns, max: 3ms }
  - { model: kvm-irmos, io: req, metric: ioMissRatio, max: 0.01 }
  - { model: kvm-irmos, io: disk, metric: iops, min: 40 }
  - { model: kvm-irmos, vmu: web, metric: shareOfReservation, min: 0.99 }`);
    const results = checkExpectations(s, [run('kvm-irmos', { ioP99: 2_500_000, iops: 45, cpuShare: 0.19 })]);
    expect(results.map((r) => [r.metric, r.value, r.ok])).toEqual([
      ['ioLatencyP99Ns', 2_500_000, true],
      ['ioMissRatio', 0.03, false],
      ['iops', 45, true],
      ['shareOfReservation', 0.95, false], // 0.19 received of 0.2 reserved
    ]);
    expect(results[0]).toMatchObject({ task: 'req', subject: 'io' });
  });

  it('an I/O metric written with `task:` naming the load (its handler task) reads the load', () => {
    const s = load('  - { model: kvm-irmos, task: req, metric: ioLatencyP99Ns, max: 3ms }');
    expect(checkExpectations(s, [run('kvm-irmos', { ioP99: 4_000_000 })])[0]).toMatchObject({ subject: 'io', value: 4_000_000, ok: false });
  });

  it('a network load has no IOPS: the golden and the expectations simply do not list it', () => {
    const metrics = runMetrics(run('kvm-irmos'));
    expect(Object.keys(metrics['io:req'])).not.toContain('iops');
    expect(metrics['io:disk'].iops).toBe(50);
    // Every task, VMU and I/O metric of the catalogue is read from some subject of a run that has
    // them all (flow metrics read FLOW_METRICS, the IXB's own table, tested with the flows; chain
    // metrics CHAIN_METRICS, tested with the chains in vsn-chain.test.ts; a migrated VMU's metrics
    // MIGRATION_METRICS, tested in migration.test.ts; a booting VMU's bootTimeNs, tested in
    // vsn-lifetime.test.ts).
    const read = new Set(Object.values(metrics).flatMap((m) => Object.keys(m)));
    for (const m of METRIC_NAMES.filter((x) => METRICS[x].subject !== 'flow' && METRICS[x].subject !== 'chain' && !(x in MIGRATION_METRICS) && x !== 'bootTimeNs')) expect(read.has(m), `${m} (${METRICS[m].subject})`).toBe(true);
  });
});

describe('expect: comparisons between models', () => {
  it('below/above hold exactly when value < factor × other (or >), strictly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1e9 }), fc.constantFrom(0.5, 1, 2), fc.constantFrom('below', 'above'), (a, b, factor, relation) => {
        const s = load(`  - { model: kvm-irmos, task: t, metric: responseP99Ns, ${relation}: xen-credit, factor: ${factor} }`);
        const [r] = checkExpectations(s, [run('kvm-irmos', { p99: a }), run('xen-credit', { p99: b })]);
        expect(r.ok).toBe(relation === 'below' ? a < factor * b : a > factor * b);
        expect(r.than).toEqual({ model: 'xen-credit', relation, factor, value: b });
      }),
      { numRuns: 200 },
    );
  });

  it('equal values are neither below nor above', () => {
    for (const relation of ['below', 'above']) {
      const s = load(`  - { model: kvm-irmos, task: t, metric: responseP99Ns, ${relation}: xen-credit }`);
      expect(checkExpectations(s, [run('kvm-irmos', { p99: 5 }), run('xen-credit', { p99: 5 })])[0].ok).toBe(false);
    }
  });

  it('the other model refused: the comparison fails and says why; the other model not run (--models): skipped', () => {
    const s = load('  - { model: kvm-irmos, task: t, metric: responseP99Ns, below: xen-credit }');
    const [r] = checkExpectations(s, [run('kvm-irmos')], [{ model: 'xen-credit', reason: 'refused by admission/configuration: over the cap' }]);
    expect(r).toMatchObject({ ok: false, than: { value: null } });
    expect(r.note).toContain('over the cap');
    expect(checkExpectations(s, [run('kvm-irmos')])).toEqual([]);
  });
});

describe('expect: admission verdicts', () => {
  it('refused: true holds exactly when the model refused; refused: false exactly when it ran', () => {
    const s = load('  - { model: xen-sedf, refused: true }\n  - { model: kvm-irmos, refused: false }');
    const refusedSedf = [{ model: 'xen-sedf', reason: 'refused by admission/configuration: x' }];
    expect(checkExpectations(s, [run('kvm-irmos')], refusedSedf).map((r) => r.ok)).toEqual([true, true]);
    expect(checkExpectations(s, [run('kvm-irmos'), run('xen-sedf')]).map((r) => r.ok)).toEqual([false, true]);
    expect(checkExpectations(s, [run('xen-sedf')], [{ model: 'kvm-irmos', reason: 'r' }]).map((r) => r.ok)).toEqual([false, false]);
  });

  it('a refused model fails the expectations that name it, and is skipped by those for every model', () => {
    const s = load('  - { model: xen-sedf, task: t, metric: missRatio, max: 0 }\n  - { task: t, metric: missRatio, max: 0 }');
    const results = checkExpectations(s, [run('kvm-irmos')], [{ model: 'xen-sedf', reason: 'refused by admission/configuration: x' }]);
    expect(results.map((r) => [r.model, r.ok, r.value])).toEqual([
      ['xen-sedf', false, null],
      ['kvm-irmos', true, 0],
    ]);
  });
});
