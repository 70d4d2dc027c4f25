// Scenario schema of live migration (issue 13, src/engine/migration.ts): which VMU moves to which
// PH and when, its memory and dirtying, the per-page CPU costs, and the stack's pre-copy parameters
// (absent: the stack's own defaults — QEMU's under KVM, xc_domain_save's under Xen).

import { SIZE_PATTERN } from './memory-units.js';

const dur = <const T extends string, const D extends string>(title: T, description: D) => ({ $ref: '#/$defs/duration', title, description }) as const;
const bw = <const T extends string, const D extends string>(title: T, description: D) => ({ $ref: '#/$defs/bandwidth', title, description }) as const;
const size = <const T extends string, const D extends string>(title: T, description: D) =>
  ({ type: 'string', pattern: SIZE_PATTERN, title, description, examples: ['512MiB', '2GiB'] }) as const;

export const migrationSchema = {
  type: 'object',
  title: 'Live migration',
  description: 'Pre-copy live migration of a VMU to another PH (Clark et al., NSDI 2005): rounds of dirty pages over the IXBs and the link, then a stop-and-copy.',
  additionalProperties: false,
  required: ['vmu', 'to', 'at', 'memory', 'dirtyRate'],
  properties: {
    vmu: { $ref: '#/$defs/id', title: 'VMU', description: 'The VMU that moves (no rt-app programs of its own yet); its flows, chain stages and I/O loads follow it at the switch-over. A VMU with a lifetime moves inside it.' },
    to: { $ref: '#/$defs/id', title: 'Destination', description: 'The PH it moves to: another host, linked to its own.' },
    at: dur('Start', 'When the migration starts (from time 0); the destination admits the VMU then.'),
    memory: size('Memory', 'The guest memory sent in round 1, bytes with a unit, e.g. "512MiB".'),
    dirtyRate: bw('Dirty rate', 'Distinct memory the guest dirties per second while it runs, e.g. "20MB/s".'),
    pageSize: { type: 'integer', enum: [4096, 2097152], default: 4096, title: 'Page size', description: 'Bytes per page the dirty log tracks (4 KiB; 2 MiB huge pages).' },
    deviceState: { ...size('Device state', 'CPU and device state sent in the stop-and-copy besides the dirty pages.'), default: '256KiB' },
    sendCost: { ...dur('Send cost', 'Source CPU per page (dirty-log scan, copy, send) in dom0 (Xen) or the QEMU migration thread (KVM).'), default: '1us' },
    thread: {
      type: 'string',
      enum: ['outside', 'inside'],
      default: 'outside',
      title: 'Migration thread',
      description:
        "KVM only (a Xen model refuses inside: the work is dom0's libxl-save-helper): where the QEMU migration thread of the source instance and the receiving one of the destination instance run. outside: SCHED_OTHER in libvirt's emulator cgroup, outside any reservation (QEMU's default); inside: in the migrating VMU's reservation, placed as the model places an I/O thread with ioThreads inside, so the pages move at the rate its budget allows and its own tasks share that budget.",
    },
    receiveCost: { ...dur('Receive cost', 'Destination CPU per page (receive, load into guest memory).'), default: '1us' },
    maxBandwidth: bw('Max bandwidth', 'Pre-copy rate limit; default the stack\'s: QEMU max-bandwidth 128MiB/s (KVM), none (Xen).'),
    downtimeLimit: dur('Downtime limit', 'QEMU downtime-limit: stop-and-copy once the rest fits bandwidth × this; default 300ms (KVM), not used by Xen\'s rule unless given.'),
    maxRounds: { type: 'integer', minimum: 1, maximum: 1000, title: 'Max rounds', description: 'Live rounds at most before the stop-and-copy; default 5 under Xen (SPP_MAX_ITERATIONS), none under KVM.' },
    autoConverge: {
      title: 'Auto-converge',
      description:
        "QEMU's auto-converge capability (KVM only; a Xen model refuses it): true for QEMU's defaults, or its parameters in %. Each bitmap-sync period (> 1 s) that dirtied more than triggerThreshold % of what it sent counts; every second such period throttles the vCPUs: initial, then + increment, up to max.",
      oneOf: [
        { type: 'boolean' },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            initial: { type: 'integer', minimum: 1, maximum: 99, default: 20, description: 'cpu-throttle-initial (%).' },
            increment: { type: 'integer', minimum: 1, maximum: 99, default: 10, description: 'cpu-throttle-increment (%).' },
            max: { type: 'integer', minimum: 1, maximum: 99, default: 99, description: 'max-cpu-throttle (%).' },
            triggerThreshold: { type: 'integer', minimum: 1, maximum: 100, default: 50, description: 'throttle-trigger-threshold (%): dirtied over sent in a period.' },
          },
        },
      ],
    },
  },
} as const;
