// Where hvsim's own files are, from whichever layout the running code was loaded in. Worker
// modules, the build-time scenario validator and the code fingerprint are files found at run time,
// not imports, so they are located from `import.meta.url`. Three layouts run this module:
//   - the TypeScript sources (vitest):      <repo>/src/code-root.ts          → root <repo>/
//   - the compiled modules (tsc):           <repo>/dist/src/code-root.js     → root <repo>/dist/
//   - the bundled CLI (`npm run build`):    <repo>/dist/bundle/hvsim.js      → root <repo>/dist/
// The bundle sits one folder below dist/, as this module sits one folder below its root, so
// `import.meta.url` — which the bundler leaves as the bundle's own URL — gives the same root either
// way; the bundled CLI therefore uses the compiled dist/ files (workers, validator) as they are.
// Every file located at run time goes through here (bundle-layout.test.ts checks both layouts).

import { fileURLToPath } from 'node:url';

/** dist/ when running compiled or bundled code, the repository when running the TypeScript sources. */
export const CODE_ROOT_URL = new URL('../', import.meta.url);

/** CODE_ROOT_URL as a path, with a trailing slash. */
export const CODE_ROOT = fileURLToPath(CODE_ROOT_URL);

/** True when the code runs from dist/ (compiled or bundled), false from the TypeScript sources. */
export const RUNNING_COMPILED = CODE_ROOT.endsWith('/dist/');

/** The URL of a file below the code root, e.g. `codeUrl('src/cli/report-worker.js')`. */
export function codeUrl(pathFromRoot: string): URL {
  return new URL(pathFromRoot, CODE_ROOT_URL);
}
