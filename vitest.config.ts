import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Every simulation a test runs checks the scheduling-class protocol (src/engine/checked-class.ts).
    env: { HVSIM_CHECK_PROTOCOL: '1' },
  },
});
