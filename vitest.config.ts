import { defineConfig } from 'vitest/config';

/**
 * Tests that assert how fast the app fails over (the database-outage test: every 503 within 1 s)
 * run after all the others, alone: beside two other test files on a 2-core machine, CPU
 * contention alone can push an answer past that bound.
 */
const ALONE = ['test/e2e/db-outage.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    // Database engines start in a worker thread or a fresh database: give set-up time.
    hookTimeout: 60_000,
    testTimeout: 30_000,
    // Two cores here and in CI; more forks only thrash.
    maxWorkers: 2,
    env: { NODE_ENV: 'test' },
    projects: [
      { extends: true, test: { name: 'parallel', include: ['test/**/*.test.ts'], exclude: ALONE } },
      { extends: true, test: { name: 'alone', include: ALONE, sequence: { groupOrder: 1 } } },
    ],
  },
});
