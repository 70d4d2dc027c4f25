// hvsim as a library (`import { loadScenario, simulate, findModel } from 'hvsim'`): load a scenario
// checked against the model registry, run it under one model or compare several, and read the
// results — the same functions the CLI uses, so a script and `hvsim compare` agree byte for byte.
//
//   const scenario = loadScenario('scenarios/rm-vs-edf.yaml');
//   const run = simulate(scenario, findModel('kvm-irmos', '', ''));
//   const results = compare(scenario, resolveModels(scenario, undefined));

export { loadExperiment as loadScenario, parseScenarioFile as parseScenario, resolveModels, collectScenarioFiles, type ExperimentFlags } from './experiments/load.js';
export { simulate, compare, checkAdmission, admitModels, type ModelChoice, type RunOptions } from './experiments/simulate.js';
export { MODELS, REGISTRY, DEFAULT_COMPARE, findModel, modelNames, registryEntry, type RegistryEntry } from '../models/index.js';
export { RESULTS_SCHEMA, type Results, type ModelRun, type TaskResult, type VmuResult, type HostResult, type IoResult, type ExpectationResult, type RefusedModel } from './metrics/results.js';
export { checkExpectations } from './metrics/expectations.js';
export { readMetric, runMetrics } from './metrics/metric-accessors.js';
export { METRICS, METRIC_NAMES, type MetricName, type MetricSubject, type MetricUnit } from './scenario/metric-names.js';
export type { HypervisorModel, SlaMappingRow } from './engine/model.js';
export type { SimObserver } from './engine/simulator.js';
export type { Scenario, ModelRequest, Ns } from './scenario/types.js';
export { InputError, formatInputError, type InputErrorFields } from './errors.js';
export { formatDuration, parseDuration } from './scenario/units.js';
