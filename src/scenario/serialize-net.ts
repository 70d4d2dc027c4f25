// The IXB packet path back to its file form (the inverse of net.ts), for serializeScenario:
// bandwidths as bit/s, rates as packets/s, times as exact durations, every field written.

import type { QdiscSpec } from '../engine/qdisc.js';
import type { ChainSpec, FlowArrival, FlowSpec, IxbSpec, LinkSpec, VirtualLinkSpec } from '../engine/system.js';
import type { RawScenario } from './schema.js';
import { durationString as d } from './units.js';

type RawNetwork = NonNullable<NonNullable<RawScenario['vmus']>[number]['network']>;
type RawEgress = NonNullable<RawNetwork['egress']>;
type RawFlow = NonNullable<RawScenario['flows']>[number];

const bits = (bitsPerSec: number) => `${bitsPerSec}bit/s`;
const bytesRate = (bytesPerSec: number) => bits(bytesPerSec * 8);
const perSec = (period: number) => `${1e9 / period}/s`;

export function serializeIxb(x: IxbSpec): NonNullable<RawScenario['hosts'][number]['ixb']> {
  return { forward: d(x.forwardNs), encapsulation: d(x.encapsulationNs), policing: d(x.policingNs), scheduling: d(x.schedulingNs), timestamping: d(x.timestampingNs), perByte: x.perByteNs, ringSlots: x.ringSlots };
}

export function serializeLink(l: LinkSpec): NonNullable<RawScenario['links']>[number] {
  return { id: l.id, hosts: [...l.hosts], bandwidth: bits(l.bandwidthBps), delay: d(l.delayNs), queue: l.queuePackets };
}

function serializeEgress(q: QdiscSpec): RawEgress {
  const p = (q.params ?? {}) as Record<string, any>;
  const limits = { ...(p.limitPackets !== undefined && { limitPackets: p.limitPackets }), ...(p.limitBytes !== undefined && { limitBytes: p.limitBytes }) };
  switch (q.name) {
    case 'tbf':
      return { qdisc: 'tbf', rate: bytesRate(p.rate), burst: p.burst, ...limits };
    case 'htb':
      return {
        qdisc: 'htb',
        rate: bytesRate(p.rate),
        ...(p.burst !== undefined && { burst: p.burst }),
        classes: p.classes.map((c: Record<string, any>) => {
          const { name, rate, ceil, ...rest } = c;
          return { name, rate: bytesRate(rate), ceil: bytesRate(ceil), ...rest };
        }),
      };
    case 'prio':
    case 'drr':
      return { qdisc: q.name, classes: p.classes.map((c: Record<string, unknown>) => ({ ...c })) };
    default:
      return { qdisc: 'fifo', ...limits };
  }
}

export function serializeVmuNetwork(v: VirtualLinkSpec): RawNetwork {
  const out: RawNetwork = { bandwidth: bits(v.bandwidthBps), egress: serializeEgress(v.egress) };
  if (v.police) {
    out.police = { rate: bytesRate(v.police.rateBytesPerSec), burst: v.police.burstBytes, action: v.police.action, ...(v.police.remarkClass !== undefined && { remarkClass: v.police.remarkClass }), ...(v.police.onlyClass !== undefined && { class: v.police.onlyClass }) };
  }
  return out;
}

export function serializeFlow(f: FlowSpec): RawFlow {
  const size: RawFlow['size'] = f.size.kind === 'constant' ? f.size.value : f.size.kind === 'uniform' ? { min: f.size.min, max: f.size.max } : f.size.kind === 'trace' ? { values: [...f.size.values] } : 1500;
  const common = { id: f.id, from: f.from, to: f.to, size, ...(f.class !== f.id && { class: f.class }), ...(f.deadline !== Infinity && { deadline: d(f.deadline) }) };
  return { ...common, ...serializeArrival(f.arrival) };
}

/** A flow's or a chain's arrival process in its file form. */
export function serializeArrival(a: FlowArrival): Pick<RawFlow, 'arrival' | 'rate' | 'on' | 'off' | 'times' | 'start'> {
  switch (a.kind) {
    case 'periodic':
      return { arrival: 'cbr', rate: perSec(a.period), start: d(a.offset) };
    case 'poisson':
      return { arrival: 'poisson', rate: `${a.ratePerSec}/s`, start: d(a.offset) };
    case 'onoff':
      return { arrival: 'onoff', rate: perSec(a.period), on: d(a.onNs), off: d(a.offNs), start: d(a.offset) };
    case 'trace':
      return { arrival: 'trace', times: a.times.map(d), start: '0s' };
  }
}

export function serializeChain(c: ChainSpec): NonNullable<RawScenario['chains']>[number] {
  const stages = c.stages.map((s) => {
    switch (s.kind) {
      case 'hop':
        return { hop: { from: s.from, to: s.to, bytes: s.bytes } };
      case 'compute':
        return { compute: { vmu: s.vmu, demand: d(s.demandNs), priority: s.priority } };
      case 'storage':
        return { storage: { host: s.host, bytes: s.bytes, write: s.write, ...(s.serviceNs > 0 && { service: d(s.serviceNs) }) } };
    }
  });
  return { id: c.id, ...serializeArrival(c.arrival), stages, ...(c.deadline !== Infinity && { deadline: d(c.deadline) }) };
}
