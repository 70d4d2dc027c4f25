// Renders schema/scenario.schema.json from `scenarioSchema`. A test compares the committed file
// with this rendering, so the two cannot drift. Regenerate after editing schema.ts with:
//   npm run build && node dist/src/scenario/emit-schema.js [repo root]

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioSchema } from './schema.js';

/** The schema file's exact content: 2-space JSON with a trailing newline. */
export function renderScenarioSchema(): string {
  return JSON.stringify(scenarioSchema, null, 2) + '\n';
}

/** Write the schema file; returns its path. `repoRoot` defaults to the package root. */
export function emitScenarioSchema(repoRoot?: string): string {
  const target = repoRoot
    ? `${repoRoot}/schema/scenario.schema.json`
    : fileURLToPath(new URL(schemaUrlFromHere(), import.meta.url));
  writeFileSync(target, renderScenarioSchema());
  return target;
}

/** From src/scenario/ (tests) or dist/src/scenario/ (built) up to <root>/schema/. */
function schemaUrlFromHere(): string {
  const built = import.meta.url.includes('/dist/src/scenario/');
  return `${built ? '../../../' : '../../'}schema/scenario.schema.json`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`wrote ${emitScenarioSchema(process.argv[2])}`);
}
