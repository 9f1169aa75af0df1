import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Database engines start in a worker thread or a fresh database: give set-up time.
    hookTimeout: 60_000,
    testTimeout: 30_000,
    // Two cores here and in CI; more forks only thrash.
    maxWorkers: 2,
    env: { NODE_ENV: 'test' },
  },
});
