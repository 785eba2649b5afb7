import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here and in CI: keep the pool small so that timing-sensitive end-to-end tests stay stable.
    maxWorkers: 2,
  },
});
