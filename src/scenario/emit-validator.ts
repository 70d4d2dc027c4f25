// Generates the scenario validator as standalone code at build time (ajv's standalone mode), so a
// command loads it in milliseconds instead of compiling the schema on every start (about 0.4 s of a
// short `hvsim run`). `npm run build` runs this after tsc; validate.ts falls back to compiling the
// schema when the file is absent (the tests run the TypeScript sources).

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { scenarioSchema } from './schema.js';
import { BUILT_VALIDATOR_URL, scenarioAjv } from './validate.js';

/** The validator's CommonJS source (it requires ajv's small runtime helpers). */
export function renderScenarioValidator(): string {
  const ajv = scenarioAjv(true);
  return standaloneCode.default(ajv, ajv.compile(scenarioSchema));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = fileURLToPath(BUILT_VALIDATOR_URL);
  writeFileSync(target, renderScenarioValidator());
}
