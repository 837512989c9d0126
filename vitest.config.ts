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
          testTimeout: 30_000,
        },
      },
    ],
  },
});
