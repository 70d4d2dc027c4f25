// Scenario schema of OSD storage QoS (issue 11): a host's storage device and the storage stream of
// a disk I/O load. Rates are strings with units ("50/s"); sizes whole bytes.

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
    device: { enum: ['hdd', 'ssd'], title: 'Device model', description: 'hdd: 7.2k rpm SATA disk (seek, rotation, transfer); ssd: flash on 4 parallel units.' },
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
  description: 'Makes a disk load a stream on the host\'s storage device: request shape and QoS. Its deadline is the stream\'s max latency.',
  additionalProperties: false,
  properties: {
    size: { type: 'integer', minimum: 512, maximum: 1073741824, default: 4096, title: 'Request size', description: 'Bytes per request.' },
    write: { type: 'boolean', default: false, title: 'Write', description: 'Writes instead of reads.' },
    access: { enum: ['random', 'sequential'], default: 'random', title: 'Access', description: 'sequential: each request starts where the previous ended.' },
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
