// The throughput-sweep figure in scenario files (seed §4.1.1, figure 10: "the computing requirements
// of the IXB real-time category depend on the network traffic throughput"): which flows rise and
// through which throughputs, checked here so a sweep never meets a flow it cannot scale.

import { describeValue } from '../errors.js';
import type { FlowSpec } from '../engine/system.js';
import type { Checker } from './checks.js';
import type { RawScenario } from './schema.js';
import { didYouMean } from './suggest.js';
import type { FigureRequest, Ns } from './types.js';

type RawThroughputSweep = Extract<NonNullable<RawScenario['figures']>[number], { kind: 'throughput-sweep' }>;

export function normalizeThroughputSweep(raw: RawThroughputSweep, pointer: string, flows: readonly FlowSpec[], durationNs: Ns, check: Checker): FigureRequest {
  const ids = flows.map((f) => f.id);
  const seen = new Set<string>();
  raw.flows.forEach((id, i) => {
    const at = `${pointer}/flows/${i}`;
    const flow = flows.find((f) => f.id === id);
    if (!flow) check.fail(at, `the id of a flow (${ids.join(', ') || 'the scenario has none'})`, describeValue(id), didYouMean(id, ids));
    // Only a rate can rise: a trace or an on/off pattern has no one rate to scale.
    if (flow.arrival.kind !== 'periodic' && flow.arrival.kind !== 'poisson') check.fail(at, 'a flow with arrival cbr or poisson (its rate is what rises)', `flow ${id}, arrival ${flow.arrival.kind === 'trace' ? 'trace' : 'onoff'}`);
    if (seen.has(id)) check.fail(at, 'each flow once', `${describeValue(id)} again`);
    seen.add(id);
  });
  const throughputsBps = raw.throughputs.map((t, i) => check.bandwidth(t, `${pointer}/throughputs/${i}`));
  throughputsBps.forEach((b, i) => {
    if (i > 0 && b <= throughputsBps[i - 1]) check.fail(`${pointer}/throughputs/${i}`, `a throughput above the one before (${raw.throughputs[i - 1]}): the axis rises`, describeValue(raw.throughputs[i]));
  });
  return {
    kind: 'throughput-sweep',
    flows: [...raw.flows],
    throughputsBps,
    durationNs: raw.duration === undefined ? durationNs : check.positiveDuration(raw.duration, `${pointer}/duration`),
    pointer,
  };
}
