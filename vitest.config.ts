import { defineConfig } from 'vitest/config';

// `npm run test:unit` runs the engine's own tests. The conformance suite (suites/) needs a live
// target and is started by the CLI, which passes the target through vitest's provide/inject.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/browser/**', 'test/package/**', 'test/robustness/**', 'test/load/synapse-load.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        // Lifecycle checks that start a real Synapse through the CLI.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/load/synapse-load.test.ts'],
          testTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // The CLI as a subprocess against misbehaving fake servers and bad input files: exit
        // codes, time and memory bounds, no leaked secret (test/robustness/README.md).
        test: {
          name: 'robustness',
          include: ['test/robustness/**/*.test.ts'],
          testTimeout: 90_000,
          // Each test runs the CLI, which may run vitest workers of its own: a few at a time.
          maxConcurrency: 4,
        },
      },
      {
        // The written HTML report, in Debian's chromium.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        // The packed npm package, installed into an empty folder and run through npx.
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
