// Generates the scenario validator as standalone code at build time (ajv's standalone mode), so a
// command loads it in milliseconds instead of compiling the schema on every start (about 0.4 s of a
// short `hvsim run`). `npm run build` runs this after tsc; validate.ts falls back to compiling the
// schema when the file is absent (the tests run the TypeScript sources).

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { scenarioSchema } from './schema.js';
import { BUILT_VALIDATOR_URL, scenarioAjv } from './validate.js';

/** The validator's CommonJS source, self-contained (ajv's runtime helpers inlined), in ASCII. */
export function renderScenarioValidator(): string {
  const ajv = scenarioAjv(true);
  return asciiSource(withInlinedRuntime(standaloneCode.default(ajv, ajv.compile(scenarioSchema))));
}

/** ajv's runtime helper the standalone code requires: its function's own source, put in place of the require. */
const UCS2LENGTH_REQUIRE = 'require("ajv/dist/runtime/ucs2length").default';

/**
 * `code` with ajv's ucs2length helper (string length in code points, for maxLength/minLength) as
 * its own function's source instead of a `require` of ajv's module: the package resolution and a
 * module compiled from source at every start, for one function of 17 lines. Any other require is
 * left as ajv wrote it.
 */
export function withInlinedRuntime(code: string): string {
  const ucs2length = (createRequire(import.meta.url)('ajv/dist/runtime/ucs2length') as { default: (s: string) => number }).default;
  return code.split(UCS2LENGTH_REQUIRE).join(`(${ucs2length.toString()})`);
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
