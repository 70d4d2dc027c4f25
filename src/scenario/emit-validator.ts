// Generates the scenario validator as standalone code at build time (ajv's standalone mode), so a
// command loads it in milliseconds instead of compiling the schema on every start (about 0.4 s of a
// short `hvsim run`). `npm run build` runs this after tsc; validate.ts falls back to compiling the
// schema when the file is absent (the tests run the TypeScript sources).

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { scenarioSchema } from './schema.js';
import { BUILT_VALIDATOR_URL, scenarioAjv } from './validate.js';

/** The validator's CommonJS source (it requires ajv's small runtime helpers), in ASCII. */
export function renderScenarioValidator(): string {
  const ajv = scenarioAjv(true);
  return asciiSource(standaloneCode.default(ajv, ajv.compile(scenarioSchema)));
}

/**
 * `code` with every non-ASCII UTF-16 unit written as a \uXXXX escape. The schema's descriptions and
 * unit patterns (µs, ×, ≤) reach the generated code only inside string literals, where an escape
 * means the same character; an ASCII source is kept by V8 one byte per character (a single µ made
 * the whole ~760 KB source two bytes per character) and is read without UTF-8 decoding: start-up,
 * issue 14.
 */
export function asciiSource(code: string): string {
  return code.replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = fileURLToPath(BUILT_VALIDATOR_URL);
  writeFileSync(target, renderScenarioValidator());
}
