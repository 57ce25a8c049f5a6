import { configDefaults, defineConfig } from 'vitest/config';

// Tests run against real sockets, real child processes and real files, so they get generous
// timeouts; they assert outcomes and counts, never how long something took.
//
// Two tiers: the integration tier below starts processes, sockets or the reference tools; the
// unit tier is everything else and runs in seconds (`npm run test:unit`). `npm test` runs both.
const INTEGRATION = [
  'test/pipeline-*.test.ts',
  'test/hostile-*.test.ts',
  'test/tools-cli.test.ts',
  'test/cli-*.test.ts',
  'test/worker-auth.test.ts',
  'test/native-asan.test.ts',
  'test/pool-worker-liveness.test.ts',
  'test/pool-broker-pulses.test.ts',
  'test/pool-shared-slots.test.ts',
  'test/pool-spill-private.test.ts',
  'test/limits-worker-restarts.test.ts',
  'test/simulator-stream.test.ts',
  'test/simulator-grid.test.ts',
  'test/receiver-captures.test.ts',
  'test/radial-pyfai.test.ts',
  'test/spots-dispersion.test.ts',
  'test/hdf5-*.test.ts',
  'test/zocalo-broker.test.ts',
  'test/dashboard-*.test.ts',
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: process.env['TEST_TIER'] === 'unit' ? [...configDefaults.exclude, ...INTEGRATION] : configDefaults.exclude,
    setupFiles: ['test/helpers/isolatedStateDir.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: run at most two test files at once so socket tests are not starved.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
