// Scenario schema of VSNs: a VSN's VMUs and lifetime (issue 13, vsns.ts), and its request chains
// (issue 11 "VSNs across PHs"): requests that cross packet hops between VMUs, compute stages in VMUs
// and storage requests on a host's device, in order, with one end-to-end deadline. Arrivals are
// written as a flow's (schema-net.ts).

import { flowSchema } from './schema-net.js';

const dur = <const T extends string, const D extends string>(title: T, description: D) => ({ $ref: '#/$defs/duration', title, description }) as const;
const { arrival, rate, on, off, times, start } = flowSchema.properties;

const chainStageSchema = {
  type: 'object',
  title: 'Stage',
  description: 'Exactly one of hop, compute, storage.',
  additionalProperties: false,
  properties: {
    hop: {
      type: 'object',
      title: 'Packet hop',
      description: 'One packet from VMU `from` to VMU `to`: the sender\'s IXB, its egress, the link when the VMUs are on different hosts, the receiver\'s IXB.',
      additionalProperties: false,
      required: ['from', 'to'],
      properties: {
        from: { $ref: '#/$defs/id', title: 'From', description: 'Sending VMU.' },
        to: { $ref: '#/$defs/id', title: 'To', description: 'Receiving VMU.' },
        bytes: { type: 'integer', minimum: 1, maximum: 65535, default: 1500, title: 'Packet size', description: 'Bytes of the packet.' },
      },
    },
    compute: {
      type: 'object',
      title: 'Compute',
      description: 'A job of `demand` CPU time in the VMU, run by the chain\'s handler thread there (guest SCHED_FIFO at `priority`).',
      additionalProperties: false,
      required: ['vmu', 'demand'],
      properties: {
        vmu: { $ref: '#/$defs/id', title: 'VMU', description: 'Where the job runs.' },
        demand: dur('Demand', 'CPU time of the job, e.g. "2ms".'),
        priority: { type: 'integer', minimum: 1, maximum: 99, default: 60, title: 'Handler priority', description: 'Guest SCHED_FIFO priority of the handler thread.' },
      },
    },
    storage: {
      type: 'object',
      title: 'Storage request',
      description: 'A request on the host\'s storage device (an OSD): `bytes` on a host with `storage:`, else a fixed `service` time on its plain FIFO disk. On another host than the VMU the chain is at (the previous compute stage\'s, or the previous hop\'s receiver), the request crosses the network to that host\'s OSD and back: the VMU\'s IXB, the link, the OSD host\'s IXB (the host needs `storage:` and a link).',
      additionalProperties: false,
      required: ['host'],
      properties: {
        host: { $ref: '#/$defs/id', title: 'Host', description: 'The host whose device serves it.' },
        bytes: { type: 'integer', minimum: 1, maximum: 1e9, default: 4096, title: 'Size', description: 'Bytes read or written (a host with storage:).' },
        write: { type: 'boolean', default: false, title: 'Write', description: 'A write (default a read).' },
        service: dur('Service time', 'A host without storage: the device time of the request.'),
      },
    },
  },
} as const;

export const chainSchema = {
  type: 'object',
  title: 'Request chain',
  description: 'Requests of a VSN crossing its stages in order (client → VMU on PH1 → VMU on PH2 → OSD → back), judged end to end.',
  additionalProperties: false,
  required: ['id', 'stages'],
  properties: {
    id: { $ref: '#/$defs/id', title: 'Chain id', description: 'Unique among chains, flows and tasks (expectations name it).' },
    arrival,
    rate: { ...rate, description: 'Requests per second, e.g. "200/s" (cbr, poisson, onoff).' },
    on,
    off,
    times,
    start,
    stages: { type: 'array', minItems: 1, maxItems: 64, items: chainStageSchema, title: 'Stages', description: 'In the order a request crosses them.' },
    deadline: dur('Deadline', 'End-to-end latency bound per request; default none.'),
  },
} as const;

export const vsnSchema = {
  type: 'object',
  title: 'VSN',
  description: 'A Virtual Service Network: VMUs deployed and torn down together. Its VMUs start and stop with it unless a VMU sets its own start or stop inside its span.',
  additionalProperties: false,
  required: ['id', 'vmus'],
  properties: {
    id: { $ref: '#/$defs/id', title: 'VSN id', description: 'Unique among VSNs.' },
    vmus: { type: 'array', minItems: 1, maxItems: 1000, items: { $ref: '#/$defs/id' }, title: 'VMUs', description: 'Its VMUs, each in no other VSN.' },
    start: dur('Start', 'When the VSN is deployed (from time 0): its VMUs start then (each asks admission, boots if it has a boot phase). Default 0.'),
    stop: dur('Stop', 'When the VSN is torn down: its VMUs stop then (each runs its shutdown phase if it has one). Default: the end of the run.'),
  },
} as const;
