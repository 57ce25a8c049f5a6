import { defineConfig } from 'vitest/config';

// Tests run against real sockets, real child processes and real files, so they get
// generous timeouts; they still must be deterministic (no timing assertions).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: run at most two test files at once so socket tests are not starved.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
