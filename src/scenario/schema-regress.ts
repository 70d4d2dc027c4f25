// Scenario schema of what a run is checked against: `expect:` (bounds on a metric, comparisons
// between models, an expected admission refusal) and `regress:` (the tolerances `hvsim regress`
// allows between a run and its golden result). The metric names and units come from the one
// catalogue (metric-names.ts); which fields combine (one subject, a metric unless `refused`, a
// duration only for a nanosecond metric) is checked by the normaliser, which names the field.

import { METRIC_NAMES, metricCatalogue } from './metric-names.js';
import { id } from './schema-parts.js';

/** "5%", "0.5 %": a relative tolerance is written with its unit, as durations are. */
export const PERCENT_PATTERN = '^([0-9]+)(?:\\.([0-9]+))?[ ]?%$';

const metricField = {
  enum: METRIC_NAMES,
  title: 'Metric',
  description: `What is measured: ${metricCatalogue()}.`,
} as const;

/** A bound: a plain number in the metric's unit, or for a nanosecond metric a duration. */
const boundField = <const T extends string, const D extends string>(title: T, description: D) =>
  ({ anyOf: [{ type: 'number' }, { $ref: '#/$defs/duration' }], title, description }) as const;

const subjectFields = {
  task: id('Task', 'Id of a task or host thread (older files: also a VMU, for cpuShare).'),
  vmu: id('VMU', 'Id of a VMU (cpuShare, reservedShare, shareOfReservation).'),
  io: id('I/O load', 'Id of an I/O load or storage stream (io* metrics, iops, bytesPerSec).'),
  flow: id('Flow', 'Id of a packet flow through the IXB (flow* metrics).'),
  chain: id('Request chain', 'Id of a VSN request chain (chain* metrics).'),
} as const;

export const expectationSchema = {
  type: 'object',
  title: 'Expectation',
  description:
    'A bound on one metric ({ task|vmu|io|flow|chain, metric, min?, max? }), a comparison between models ({ model, task|vmu|io|flow|chain, metric, below|above: <model>, factor? }) or an admission verdict ({ model, refused: true|false }; { model, vmu, at?, refused } for a VMU\'s start or its SLA change at that instant).',
  additionalProperties: false,
  properties: {
    model: id('Model', 'Model the expectation applies to; default: every model (required for comparisons and admission).'),
    ...subjectFields,
    metric: metricField,
    min: boundField('Minimum', 'Lower bound (inclusive), in the metric\'s unit; a nanosecond metric also takes a duration such as "3ms".'),
    max: boundField('Maximum', 'Upper bound (inclusive), in the metric\'s unit; a nanosecond metric also takes a duration such as "3ms".'),
    below: id('Below', 'Another model: this model\'s value must be < factor × that model\'s.'),
    above: id('Above', 'Another model: this model\'s value must be > factor × that model\'s.'),
    factor: { type: 'number', exclusiveMinimum: 0, title: 'Factor', description: 'Scales the other model\'s value in a comparison; default 1.' },
    refused: { type: 'boolean', title: 'Refused', description: 'true: the model\'s admission control must refuse the configuration; false: it must admit it. With `vmu`: that VMU\'s admission at its start, or with `at` its SLA change at that instant.' },
    at: { $ref: '#/$defs/duration', title: 'At', description: 'With `vmu` and `refused`: the instant of the VMU\'s SLA change (`vmus[].slaChanges[].at`) whose verdict is expected.' },
  },
} as const;

export const toleranceSchema = {
  type: 'object',
  title: 'Tolerance',
  description: 'How far a metric may move from its golden value before `hvsim regress` calls it a regression. Default: exact.',
  additionalProperties: false,
  required: ['metric'],
  properties: {
    metric: metricField,
    model: id('Model', 'Only under this model; default every model.'),
    ...subjectFields,
    relative: { type: 'string', pattern: PERCENT_PATTERN, title: 'Relative', description: 'Allowed change as a percentage of the golden value, e.g. "5%".' },
    absolute: boundField('Absolute', 'Allowed change in the metric\'s unit: a duration such as "100us" for a nanosecond metric, a number otherwise.'),
  },
} as const;

export const regressSchema = {
  type: 'object',
  title: 'Regression settings',
  description: 'What `hvsim regress` allows between a run and the golden result stored beside the scenario.',
  additionalProperties: false,
  properties: {
    tolerances: {
      type: 'array',
      title: 'Tolerances',
      description: 'Per metric (optionally per subject and model); the most specific matching entry applies (at most 1000).',
      maxItems: 1000,
      items: toleranceSchema,
      default: [],
    },
  },
} as const;
