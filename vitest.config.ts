import { defineConfig } from 'vitest/config';

/**
 * Two projects, both run by `npm test` (and so by CI): fast unit tests, and the end-to-end scenario
 * regressions — whole scenarios through the built CLI, the report pipeline, traces, the isolation
 * matrix and the packed package. `npm run test:unit` is the quick loop while editing; a test that
 * runs a bundled scenario or spawns the CLI belongs in SCENARIO_TESTS.
 */
const SCENARIO_TESTS = ['test/cli.test.ts', 'test/cli-assumptions.test.ts', 'test/trace.test.ts', 'test/report.test.ts', 'test/isolation.test.ts', 'test/package.test.ts', 'test/sweep-cli.test.ts', 'test/sweep-queue.test.ts', 'test/regress.test.ts', 'test/regress-bundled.test.ts', 'test/bundled-cli.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Every simulation a test runs checks the scheduling-class protocol (src/engine/checked-class.ts).
    env: { HVSIM_CHECK_PROTOCOL: '1' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: SCENARIO_TESTS } },
      { extends: true, test: { name: 'scenarios', include: SCENARIO_TESTS } },
    ],
  },
});
