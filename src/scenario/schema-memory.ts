// Scenario schema of cache and memory interference (issue 13, docs/reference/cache.md): a host's
// cache hierarchy and memory bandwidth, and a task's memory profile. Sizes and bandwidths are
// strings with units ("32MiB", "12GB/s"), parsed by src/scenario/memory.ts.

import { BANDWIDTH_PATTERN, SIZE_PATTERN } from './memory-units.js';

const size = <const T extends string, const D extends string>(title: T, description: D) =>
  ({ type: 'string', pattern: SIZE_PATTERN, title, description, examples: ['48KiB', '1MiB', '32MiB'] }) as const;

export const cacheLevelSchema = {
  type: 'object',
  title: 'Cache level',
  description: 'One cache level, listed from the core outwards (sizes and sharing never shrink outwards).',
  additionalProperties: false,
  required: ['size', 'missPenalty'],
  properties: {
    name: { type: 'string', maxLength: 16, title: 'Name', description: 'For messages and reports, e.g. "L3"; default L1, L2, ….' },
    size: size('Size', 'Capacity of one instance, bytes with a unit: B, KiB, MiB, GiB (also KB, MB, GB = powers of 10).'),
    ways: { type: 'integer', minimum: 1, maximum: 64, default: 8, title: 'Associativity', description: 'Ways per set (1 = direct mapped).' },
    sharedBy: {
      type: 'integer',
      minimum: 1,
      maximum: 256,
      default: 1,
      title: 'Shared by',
      description: 'Consecutive pCPUs one instance serves: 1 = private per core; the host\'s CPU count = one shared cache.',
    },
    missPenalty: {
      $ref: '#/$defs/duration',
      title: 'Miss penalty',
      description: 'Extra time per line that misses this level (served by the next level, or memory after the last), e.g. "4ns", "80ns".',
    },
  },
} as const;

export const hostMemorySchema = {
  type: 'object',
  title: 'Memory hierarchy',
  description: 'The host\'s caches and memory bus, for `interference: cache` (docs/reference/cache.md).',
  additionalProperties: false,
  required: ['caches', 'bandwidth'],
  properties: {
    line: size('Line size', 'Cache line size; default "64B".'),
    bandwidth: {
      type: 'string',
      pattern: BANDWIDTH_PATTERN,
      title: 'Memory bandwidth',
      description: 'Memory bandwidth shared by all its pCPUs: bytes per second with a unit, e.g. "12GB/s", "800MiB/s".',
      examples: ['12GB/s'],
    },
    caches: { type: 'array', minItems: 1, maxItems: 8, title: 'Cache levels', description: 'From the core outwards: L1, L2, ….', items: cacheLevelSchema },
  },
} as const;

export const taskMemorySchema = {
  type: 'object',
  title: 'Memory profile',
  description: 'How the task uses memory, for `interference: cache`: the data it reuses and how fast it walks them.',
  additionalProperties: false,
  required: ['workingSet'],
  properties: {
    workingSet: size('Working set', 'Bytes of data the task reuses, with a unit, e.g. "2MiB".'),
    intensity: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.1,
      title: 'Memory intensity',
      description: 'Share of the host\'s memory bandwidth it would draw streaming its data from memory (0: compute only, like `yes`; 1: a memory-bound stream).',
    },
  },
} as const;
