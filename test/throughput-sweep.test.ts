// Figure 10's throughput sweep (issue 11; seed §4.1.1, §4.1.5): the breaking throughput it finds
// under a reserving stack is the analytic one (the IXB category's reserved share over the CPU each
// packet costs), the answer read off the sweep flips when the results do, and the scenario form's
// mistakes are pointed errors.
import { describe, expect, it } from 'vitest';
import { IO_THREAD_PARAMS } from '../models/kvm/io-threads.js';
import { DEFAULT_IXB, receiveCostNs, sendCostNs } from '../src/engine/net/ixb.js';
import { InputError } from '../src/errors.js';
import { runFigurePoint } from '../src/experiments/sweeps.js';
import type { ThroughputPoint } from '../src/experiments/throughput-sweep.js';
import { breaksAnswer, verdict } from '../src/report/throughput-figure.js';
import { parseScenarioText, serializeScenario } from '../src/scenario/index.js';
import type { Scenario } from '../src/scenario/types.js';

const PACKET_BYTES = 1000;
const IXB_SHARE = 0.1;

const file = (throughputs: string[], extra = '') => `
name: tp
duration: 1500ms
warmup: 100ms
hosts:
  - id: ph
    cpus: 1
    role: plain
    categories: { ixb: { share: ${IXB_SHARE * 100}%, fixed: true }, vmu: { share: 60%, fixed: true }, framework: { share: 10% } }
vmus:
  - { id: media, host: ph, sla: { budget: 2ms, period: 10ms }, tasks: [{ id: frame, kind: periodic, period: 10ms, exec: 1.5ms }] }
  - { id: src, host: ph, sla: { budget: 500us, period: 10ms } }
  - { id: dst, host: ph, sla: { budget: 500us, period: 10ms } }
flows:
  - { id: fwd, from: src, to: dst, rate: 1000/s, size: ${PACKET_BYTES}, deadline: 20ms }
models: [kvm-irmos]
answer: { kind: breaks, metric: misses, of: [fwd], because: ixb-category }
figures:
  - { kind: throughput-sweep, flows: [fwd], throughputs: [${throughputs.join(', ')}] }
${extra}`;

function failure(text: string): InputError {
  try {
    parseScenarioText(text, 'tp.yaml');
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

const points = (sc: Scenario): ThroughputPoint[] =>
  sc.figures![0].kind === 'throughput-sweep' ? sc.figures![0].throughputsBps.map((_, i) => runFigurePoint(sc, 0, i, [{ name: 'kvm-irmos' }]) as ThroughputPoint) : [];

describe('throughput sweep (seed figure 10)', () => {
  it('under kvm-irmos the IXB breaks exactly where cost per packet × rate passes the IXB category’s reserved share', () => {
    // Each packet of an intra-PH flow costs the IXB a send and a receive, each with the vhost crossing
    // (io-qos.md §2.4); the IXB category is a hard CBS of share × P (linux-irmos.md §2.4): beyond
    // share / cost packets per second the backlog grows without bound and packets are lost or late.
    const vhost = IO_THREAD_PARAMS.vhostCost.default;
    const perPacketNs = sendCostNs(DEFAULT_IXB, PACKET_BYTES, vhost) + receiveCostNs(DEFAULT_IXB, PACKET_BYTES, vhost);
    const breakingBps = (IXB_SHARE / (perPacketNs * 1e-9)) * PACKET_BYTES * 8;
    const factors = [0.5, 0.95, 1.05, 1.5];
    const bps = factors.map((f) => Math.round(f * breakingBps));
    const sc = parseScenarioText(file(bps.map((b) => `${b}bit/s`)), 'tp.yaml');
    const pts = points(sc);
    expect(verdict(pts, 0, 0, 'ixb')).toEqual({ kind: 'broke', atBps: bps[2], afterBps: bps[1] });
    // The media VMU keeps its own reservation however starved the IXB is.
    expect(verdict(pts, 0, 0, 'vmu')).toEqual({ kind: 'held', upToBps: bps[3] });
  });

  it('the answer flips with the results: a stack that held is said to hold, one that broke where it broke', () => {
    const sc = parseScenarioText(file(['100Mbit/s', '200Mbit/s', '300Mbit/s']), 'tp.yaml');
    const figure = sc.figures![0];
    if (figure.kind !== 'throughput-sweep') throw new Error('figure kind');
    const point = (bps: number, lost: [number, number], vmuMissed: [number, number]): ThroughputPoint => ({
      kind: 'throughput-sweep',
      throughputBps: bps,
      outcomes: ['a', 'b'].map((model, i) => ({ model, flows: [{ flow: 'fwd', sent: 1000, lost: lost[i], late: 0, vmuJudged: 100, vmuMissed: vmuMissed[i] }] })),
    });
    const broke = [point(100e6, [0, 0], [0, 0]), point(200e6, [0, 5], [0, 0]), point(300e6, [0, 9], [0, 1])];
    const text = breaksAnswer(sc, figure, broke, ['fwd']);
    expect(text).toContain('the IXB’s guarantee (no packet lost or late) broke between 100 Mbit/s and 200 Mbit/s (b), and held up to 300 Mbit/s (a)');
    expect(text).toContain('the VMUs’ guarantee (no deadline missed) broke between 200 Mbit/s and 300 Mbit/s (b), and held up to 300 Mbit/s (a)');
    const held = [point(100e6, [0, 0], [0, 0]), point(200e6, [0, 0], [0, 0]), point(300e6, [0, 0], [0, 0])];
    expect(breaksAnswer(sc, figure, held, ['fwd'])).toContain('the IXB’s guarantee (no packet lost or late) held up to 300 Mbit/s (a, b)');
    const first = [point(100e6, [3, 0], [0, 0]), point(200e6, [0, 0], [0, 0]), point(300e6, [0, 0], [0, 0])];
    // The first break counts even when a later throughput happens to hold.
    expect(breaksAnswer(sc, figure, first, ['fwd'])).toContain('broke already at 100 Mbit/s (a)');
  });

  it('round-trips through the scenario serializer', () => {
    const sc = parseScenarioText(file(['100Mbit/s', '1Gbit/s']), 'tp.yaml');
    const again = parseScenarioText(JSON.stringify(serializeScenario(sc)), 'tp.json', { format: 'json' });
    expect(again.figures).toEqual(sc.figures?.map((f) => ({ ...f })));
    expect(again.answer?.kind).toBe('breaks');
  });

  it('refuses an unknown flow, a throughput axis that does not rise, a flow without a rate and a breaks answer without the sweep', () => {
    expect(failure(file(['100Mbit/s', '200Mbit/s']).replace('flows: [fwd]', 'flows: [fwd2]')).message).toContain('/figures/0/flows/0');
    expect(failure(file(['200Mbit/s', '100Mbit/s'])).message).toContain('/figures/0/throughputs/1');
    expect(failure(file(['100Mbit/s', '0bit/s'])).message).toContain('/figures/0/throughputs/1');
    const trace = failure(file(['100Mbit/s', '200Mbit/s']).replace('rate: 1000/s,', 'arrival: trace, times: [1ms, 2ms],'));
    expect(trace.message).toContain('/figures/0/flows/0');
    expect(trace.message).toContain('cbr or poisson');
    const noFigure = file(['100Mbit/s', '200Mbit/s']).replace(/figures:\n.*\n/, '');
    expect(failure(noFigure).message).toContain('/answer/kind');
    expect(failure(file(['100Mbit/s', '200Mbit/s']).replace('metric: misses', 'metric: p99')).message).toContain('/answer/metric');
  });
});
