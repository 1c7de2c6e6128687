import { defineConfig } from 'vitest/config';

import { quietAwsSdkNodeSupportWarning } from './infra/local/aws-sdk-node-support.js';

// Set in the main process, so the workers, the global setups and the stacks the tests spawn inherit it.
quietAwsSdkNodeSupportWarning();

/**
 * Four suites, mirroring the layout of `test/`:
 * - unit: pure code and handlers with aws-sdk-client-mock; no network.
 * - infra: CDK assertions on the synthesised template (bundling skipped).
 * - integration: adapters against real emulators (DynamoDB Local, fauxqs, the local EventBridge bus).
 * - e2e: the whole local stack, started as `npm start` starts it.
 */
export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    // Handlers log JSON to stdout; tests assert on logs through spies, so keep the run output readable.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], setupFiles: ['test/support/cdk-outdir.ts'], testTimeout: 60_000, hookTimeout: 120_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/emulators.global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/local-stack.global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
