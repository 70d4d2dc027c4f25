// Scenario schema of the IXB packet path (issue 11): a host's IXB CPU costs, physical links between
// hosts, a VMU's virtual link (policer, egress discipline, classes) and the flows between VMUs.
// Bandwidths are strings with units ("1Gbit/s", "12.5MB/s"); sizes, bursts and limits whole bytes or packets.

/** Flow metrics an expectation may bound (read by src/metrics/flow-results.ts FLOW_METRICS). */
export const FLOW_METRIC_NAMES = [
  'flowLatencyP50Ns',
  'flowLatencyP99Ns',
  'flowLatencyMaxNs',
  'flowJitterNs',
  'flowThroughputBps',
  'flowLossRatio',
  'flowPolicedRatio',
  'flowQueueFullRatio',
  'flowStarvedRatio',
  'flowDestinationAbsentRatio',
] as const;
export type FlowMetricName = (typeof FLOW_METRIC_NAMES)[number];

const bw = <const T extends string, const D extends string>(title: T, description: D) => ({ $ref: '#/$defs/bandwidth', title, description }) as const;
const dur = <const T extends string, const D extends string>(title: T, description: D) => ({ $ref: '#/$defs/duration', title, description }) as const;
const bytes = <const T extends string, const D extends string>(title: T, description: D) => ({ type: 'integer', minimum: 1, maximum: 1e9, title, description }) as const;
const limits = {
  limitPackets: { type: 'integer', minimum: 1, maximum: 1e6, title: 'Packet limit', description: 'Queue bound in packets (default txqueuelen, 1000).' },
  limitBytes: bytes('Byte limit', 'Queue bound in bytes (default none).'),
} as const;

export const hostIxbSchema = {
  type: 'object',
  title: 'IXB CPU cost',
  description: 'CPU per packet of the IXB on this host (io-qos.md §2.4 defaults): sending costs all parts, receiving forward, encapsulation and timestamping; plus the model\'s netback/vhost cost.',
  additionalProperties: false,
  properties: {
    forward: { ...dur('Forward', 'Kernel forwarding and classification per packet.'), default: '1us' },
    encapsulation: { ...dur('Encapsulation', 'Encapsulating (or decapsulating) VMU traffic.'), default: '300ns' },
    policing: { ...dur('Policing', 'The ingress policer.'), default: '100ns' },
    scheduling: { ...dur('Scheduling', 'Per-class enqueue and dequeue.'), default: '400ns' },
    timestamping: { ...dur('Timestamping', 'Time-stamp tagging for one-way measurement.'), default: '50ns' },
    perByte: { type: 'number', minimum: 0, maximum: 1000, default: 0, title: 'Per byte', description: 'ns of CPU per byte (0.25 when the IXB copies payload).' },
    ringSlots: { type: 'integer', minimum: 1, maximum: 65536, default: 256, title: 'Ring slots', description: 'Packets a VMU\'s ring holds per direction; arrivals at a full ring are dropped as starved (Xen netif ring: 256).' },
  },
} as const;

export const linkSchema = {
  type: 'object',
  title: 'Link',
  description: 'A full-duplex physical link between two hosts; flows between their VMUs cross it.',
  additionalProperties: false,
  required: ['id', 'hosts', 'bandwidth'],
  properties: {
    id: { $ref: '#/$defs/id', title: 'Link id', description: 'Unique among links.' },
    hosts: { type: 'array', minItems: 2, maxItems: 2, items: { $ref: '#/$defs/id' }, title: 'Hosts', description: 'The two hosts it joins.' },
    bandwidth: bw('Bandwidth', 'Line rate of each direction, e.g. "1Gbit/s".'),
    delay: { ...dur('Propagation delay', 'One-way delay.'), default: '0s' },
    queue: { type: 'integer', minimum: 1, maximum: 1e6, default: 1000, title: 'NIC queue', description: 'Transmit queue per direction in packets (txqueuelen).' },
  },
} as const;

const egressClass = {
  type: 'object',
  title: 'Class',
  description: 'A traffic class of the egress discipline; flows name it in `class`.',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { $ref: '#/$defs/id', title: 'Class name', description: 'Unique in the discipline.' },
    rate: bw('Rate', 'htb: guaranteed rate.'),
    ceil: bw('Ceil', 'htb: borrowing cap (default the rate).'),
    burst: bytes('Burst', 'htb: bucket of the rate (default rate/HZ + mtu).'),
    cburst: bytes('Ceil burst', 'htb: bucket of the ceil.'),
    prio: { type: 'integer', minimum: 0, maximum: 7, title: 'Priority', description: 'htb: lower is offered spare first (default 0).' },
    quantum: bytes('Quantum', 'drr and htb: bytes per round.'),
    parent: { $ref: '#/$defs/id', title: 'Parent', description: 'htb: the inner class it hangs from, another class of this discipline (absent: the root). A class named as a parent is an inner class: no queue, flows cannot name it; its children borrow its spare first.' },
    ...limits,
  },
} as const;

export const vmuNetworkSchema = {
  type: 'object',
  title: 'Virtual link',
  description: 'The VMU\'s virtual link into its host\'s IXB: ingress policing, then the egress discipline and the vNIC\'s line rate.',
  additionalProperties: false,
  properties: {
    bandwidth: { ...bw('vNIC rate', 'Line rate of the virtual NIC.'), default: '10Gbit/s' },
    police: {
      type: 'object',
      title: 'Ingress policer',
      description: 'Token bucket on what the VMU sends; a non-conforming packet is dropped or re-marked.',
      additionalProperties: false,
      required: ['rate', 'burst'],
      properties: {
        rate: bw('Rate', 'Token rate.'),
        burst: bytes('Burst', 'Bucket depth in bytes.'),
        action: { enum: ['drop', 'remark'], default: 'drop', title: 'Action', description: 'What happens to a non-conforming packet.' },
        remarkClass: { $ref: '#/$defs/id', title: 'Re-mark class', description: 'action remark: the egress class non-conforming packets go to.' },
        class: { $ref: '#/$defs/id', title: 'Policed class', description: 'Police only packets of this egress class (e.g. EF); default: every packet.' },
      },
    },
    egress: {
      type: 'object',
      title: 'Egress discipline',
      description: 'fifo; tbf (rate, burst); htb (rate of the root, classes with rate/ceil); prio (classes, first highest); drr (classes with quanta).',
      additionalProperties: false,
      required: ['qdisc'],
      properties: {
        qdisc: { enum: ['fifo', 'tbf', 'htb', 'prio', 'drr'], title: 'Discipline', description: 'Linux qdisc it follows.' },
        rate: bw('Rate', 'tbf: token rate; htb: the root\'s rate.'),
        burst: bytes('Burst', 'tbf: bucket depth (required); htb: the root\'s bucket.'),
        ...limits,
        classes: { type: 'array', minItems: 1, maxItems: 64, items: egressClass, title: 'Classes', description: 'htb, prio, drr: the classes; the last takes packets of unlisted classes.' },
      },
    },
  },
} as const;

export const flowSchema = {
  type: 'object',
  title: 'Flow',
  description: 'Packets from one VMU to another, through the IXB of each host (and a link between them).',
  additionalProperties: false,
  required: ['id', 'from', 'to'],
  properties: {
    id: { $ref: '#/$defs/id', title: 'Flow id', description: 'Unique among flows, tasks and host threads (expectations name it).' },
    from: { $ref: '#/$defs/id', title: 'From', description: 'Sending VMU.' },
    to: { $ref: '#/$defs/id', title: 'To', description: 'Receiving VMU.' },
    arrival: { enum: ['cbr', 'poisson', 'onoff', 'trace'], default: 'cbr', title: 'Arrivals', description: 'cbr: every 1/rate; poisson: at rate on average; onoff: cbr during on, silent during off; trace: at the listed times.' },
    rate: { $ref: '#/$defs/rate', title: 'Packet rate', description: 'Packets per second, e.g. "10000/s" (cbr, poisson, onoff).' },
    on: dur('On time', 'onoff: length of each burst.'),
    off: dur('Off time', 'onoff: silence between bursts.'),
    times: { type: 'array', minItems: 1, maxItems: 100000, items: { $ref: '#/$defs/duration' }, title: 'Times', description: 'trace: departure instants, increasing.' },
    start: { ...dur('Start', 'First departure.'), default: '0s' },
    size: {
      title: 'Packet size',
      description: 'Bytes per packet: a number, { min, max } (uniform), or { values: [...] } (cycled).',
      default: 1500,
      oneOf: [
        { type: 'integer', minimum: 1, maximum: 65535 },
        { type: 'object', additionalProperties: false, required: ['min', 'max'], properties: { min: { type: 'integer', minimum: 1, maximum: 65535 }, max: { type: 'integer', minimum: 1, maximum: 65535 } } },
        { type: 'object', additionalProperties: false, required: ['values'], properties: { values: { type: 'array', minItems: 1, maxItems: 100000, items: { type: 'integer', minimum: 1, maximum: 65535 } } } },
      ],
    },
    class: { $ref: '#/$defs/id', title: 'Class', description: 'Egress class at the sender (default: the flow id, else the last class).' },
    deadline: dur('Deadline', 'One-way latency bound; default none.'),
  },
} as const;
