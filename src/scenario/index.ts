// Public API of the scenario module: load and resolve scenario files, units, and the schema.

export type * from './types.js';
export { loadScenario, parseScenarioText, type LoadOptions } from './load.js';
export { normalizeScenario, type NormalizeOptions } from './normalize.js';
export { serializeScenario } from './serialize.js';
export { formatOfFile, type SourceFormat } from './source.js';
export { parseDuration, parseRate, formatDuration, durationString, DURATION_PATTERN, RATE_PATTERN } from './units.js';
export { scenarioSchema, ID_PATTERN, type RawScenario } from './schema.js';
export { validateRawScenario, explainSchemaErrors } from './validate.js';
export { renderScenarioSchema } from './emit-schema.js';
