/**
 * The test environment is hermetic: what the caller's shell sets for Relais, the local stack, the sandbox or the
 * AWS SDK never reaches a test, a global setup or the `npm start` child of the e2e suite.
 */
import { describe, expect, it } from 'vitest';

import { hermeticEnv, isStackVariable, scrubStackVariables } from '#test/support/hermetic-env.js';

/** What a developer's shell may well hold while running `npm test` (values as odd as shells get). */
const CALLER_SHELL: NodeJS.ProcessEnv = {
  WHATSAPP_APP_SECRET: 'x',
  WHATSAPP_VERIFY_TOKEN: 'y',
  WHATSAPP_ACCESS_TOKEN: 'z',
  WHATSAPP_APP_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-app-secret',
  PORT: '1',
  SANDBOX_PORT: '2',
  LOCAL_EVENTS_LOG: '/tmp/nope',
  AWS_REGION: 'us-east-1',
  AWS_PROFILE: 'production',
  AWS_SESSION_TOKEN: 'FwoGZXIvYXdzE…',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:2',
  STATE_TABLE_NAME: 'prod-state',
  EVENT_BUS_NAME: 'prod-bus',
  SEND_MAX_ATTEMPTS: '1',
  SEND_POLICY: '{"quietHours":true}',
  TEMPLATE_CACHE_TTL_MS: '0',
  BUSINESS_ACCOUNTS: '{}',
  THROUGHPUT_PER_SECOND: '1',
  GRAPH_API_BASE_URL: 'https://graph.facebook.com',
  CONTACT_SETTINGS: '{"default":{}}',
  POWERTOOLS_DEV: 'true',
  OUTBOUND_PRIORITY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/prod.fifo',
};

/** What a test process needs from the machine, and must keep. */
const MACHINE: NodeJS.ProcessEnv = {
  PATH: '/usr/local/bin:/usr/bin',
  HOME: '/home/zoë',
  JAVA_HOME: '/usr/lib/jvm/java-17',
  AWS_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt',
  NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
  VITEST_POOL_ID: '1',
  CDK_OUTDIR: '/work/main/.cache/cdk-test-out/worker-1',
};

describe('hermetic test environment', () => {
  it('removes every variable of the caller shell that Relais, the stack, the sandbox or the SDK reads', () => {
    const env = { ...CALLER_SHELL, ...MACHINE };

    const removed = scrubStackVariables(env);

    expect(removed.sort()).toEqual(Object.keys(CALLER_SHELL).sort());
    expect(env).toEqual(MACHINE);
  });

  it('hands a child process the machine environment and nothing of the stack, leaving the original untouched', () => {
    const env = { ...CALLER_SHELL, ...MACHINE };

    const child = hermeticEnv(env);

    expect(child).toEqual(MACHINE);
    expect(env).toEqual({ ...CALLER_SHELL, ...MACHINE });
  });

  it('has already scrubbed this test worker (test/support/setup.ts runs first)', () => {
    expect(Object.keys(process.env).filter(isStackVariable)).toEqual([]);
  });
});
