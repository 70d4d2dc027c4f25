// Scenario schema of OSD storage QoS (issue 11): a host's storage device and the storage stream of
// a disk I/O load. Rates are strings with units ("50/s"); sizes whole bytes.

import { BANDWIDTH_PATTERN, SIZE_PATTERN } from './memory-units.js';

const dur = <const T extends string, const D extends string>(title: T, description: D) => ({ $ref: '#/$defs/duration', title, description }) as const;
const byteRate = <const T extends string, const D extends string>(title: T, description: D) => ({ type: 'string', pattern: BANDWIDTH_PATTERN, title, description }) as const;
const rateRef = <const T extends string, const D extends string>(title: T, description: D) => ({ $ref: '#/$defs/rate', title, description }) as const;
const bytesPerSec = <const T extends string>(title: T) =>
  ({ type: 'integer', minimum: 1, maximum: 1e12, title, description: 'Bytes per second (blk-throttle io.max).' }) as const;

export const hostStorageSchema = {
  type: 'object',
  title: 'Storage device',
  description: 'The host\'s disk that storage streams of its VMUs share: a device model and the scheduler in front of it.',
  additionalProperties: false,
  required: ['device'],
  properties: {
    device: {
      title: 'Device model',
      description: 'hdd: 7.2k rpm SATA disk (seek, rotation, transfer); ssd: flash on 4 parallel units; or { model: hdd | ssd, ... } overriding that model\'s parameters (defaults in src/engine/storage/hdd.ts, ssd.ts).',
      oneOf: [
        { enum: ['hdd', 'ssd'] },
        {
          type: 'object',
          required: ['model'],
          discriminator: { propertyName: 'model' },
          oneOf: [
            {
              type: 'object',
              title: 'HDD parameters',
              additionalProperties: false,
              required: ['model'],
              properties: {
                model: { const: 'hdd' },
                rpm: { type: 'number', exclusiveMinimum: 0, maximum: 100000, title: 'Spindle speed', description: 'Revolutions per minute (default 7200); the mean rotational delay is half a revolution.' },
                averageSeek: dur('Average seek', 'Mean seek over all seek lengths, datasheet "average seek, read" (default "8.2ms").'),
                trackToTrack: dur('Track-to-track seek', 'Single-track seek (default "1ms"), at most averageSeek.'),
                transferRate: byteRate('Media transfer rate', 'Sustained transfer, e.g. "120MB/s" (default).'),
                capacity: { type: 'string', pattern: SIZE_PATTERN, title: 'Capacity', description: 'Disk size, e.g. "2000GB" (default): random offsets land anywhere on it.' },
                overhead: dur('Command overhead', 'Controller time per request (default "0s").'),
                rotation: { enum: ['random', 'mean'], title: 'Rotational latency', description: 'random: drawn per request (default); mean: half a revolution every time.' },
                queueDepth: { type: 'integer', minimum: 1, maximum: 256, title: 'Command queue depth', description: 'Requests the scheduler may dispatch to the disk at once (NCQ: up to 32); the disk starts the one it reaches soonest (seek + rotation). Default 1: no queueing, the scheduler\'s order.' },
                maxCommandAge: dur('Command age limit', 'With queueDepth > 1: a request that has waited this long inside the disk goes before any younger one (default: none, pure shortest positioning time first).'),
              },
            },
            {
              type: 'object',
              title: 'SSD parameters',
              additionalProperties: false,
              required: ['model'],
              properties: {
                model: { const: 'ssd' },
                units: { type: 'integer', minimum: 1, maximum: 1024, title: 'Parallel units', description: 'Requests served at once (default 4).' },
                readOp: dur('Read op', 'Flash read time per request (default "80us").'),
                writeOp: dur('Write op', 'Flash program time per request (default "170us").'),
                unitBandwidth: byteRate('Unit bandwidth', 'Transfer rate of one unit, e.g. "300MiB/s" (default).'),
              },
            },
          ],
        },
      ],
    },
    scheduler: {
      enum: ['fifo', 'mq-deadline', 'mclock', 'edf'],
      default: 'fifo',
      title: 'Device scheduler',
      description: 'fifo; mq-deadline (Linux defaults); mclock (each stream\'s reservation, weight, limit); edf (earliest deadline first on each request\'s issue + its stream\'s max latency, Façade-style). Streams with ioMax are throttled first.',
    },
    profile: {
      enum: ['balanced', 'high_client_ops', 'high_recovery_ops'],
      title: 'Ceph mClock profile',
      description: 'mclock only: a Ceph built-in profile (osd_mclock_profile) sets each op class\'s reservation, weight and limit from the device\'s 4 KiB random-write IOPS; streams then name their class instead of their own QoS.',
    },
    profileRelease: {
      enum: ['reef', 'quincy-dev'],
      default: 'reef',
      title: 'Ceph release of the profile',
      description: 'Which release\'s profile table: reef (current docs) or quincy-dev (Quincy development tables).',
    },
  },
} as const;

export const storageStreamSchema = {
  type: 'object',
  title: 'Storage stream',
  description: 'Makes a disk load a stream on the host\'s storage device, or on an OSD host\'s (osd): request shape and QoS. Its deadline is the stream\'s max latency.',
  additionalProperties: false,
  properties: {
    size: { type: 'integer', minimum: 512, maximum: 1073741824, default: 4096, title: 'Request size', description: 'Bytes per request.' },
    write: { type: 'boolean', default: false, title: 'Write', description: 'Writes instead of reads.' },
    access: { enum: ['random', 'sequential'], default: 'random', title: 'Access', description: 'sequential: each request starts where the previous ended.' },
    osd: {
      $ref: '#/$defs/id',
      title: 'OSD host',
      description: 'Another host whose storage device serves the stream, reached over the network: the request leaves through the VMU\'s vif (netback under Xen, vhost under KVM), crosses both IXBs and the link, and the reply comes back the same way. Default: the VMU\'s own host\'s device.',
    },
    class: {
      enum: ['client', 'background_recovery', 'background_best_effort'],
      title: 'Ceph op class',
      description: 'Under a host\'s Ceph mClock profile: the op class whose allocation the stream shares; default client.',
    },
    reservation: rateRef('Reservation', 'Minimum request rate mClock guarantees, e.g. "50/s"; default none.'),
    limit: rateRef('Limit', 'Maximum request rate under mClock, e.g. "100/s"; default none.'),
    weight: { type: 'number', minimum: 0, maximum: 10000, default: 1, title: 'Weight', description: 'Share of spare capacity under mClock.' },
    ioMax: {
      type: 'object',
      title: 'io.max',
      description: 'Token-bucket throttle before the scheduler (blk-throttle io.max); absent keys: no limit.',
      additionalProperties: false,
      properties: {
        riops: rateRef('Read IOPS', 'Read requests per second.'),
        wiops: rateRef('Write IOPS', 'Write requests per second.'),
        rbps: bytesPerSec('Read bytes/s'),
        wbps: bytesPerSec('Write bytes/s'),
      },
    },
  },
} as const;
