/**
 * Global setup of the `integration` vitest project: starts DynamoDB Local and fauxqs once for the whole run,
 * provisions the tables of `infra/topology.ts` (under a run-unique prefix) and the payload bucket, and hands
 * their coordinates to tests (`inject('dynamoEndpoint')`, … typed in `provided-context.d.ts`).
 * The returned teardown stops both emulators. DynamoDB Local must be installed: `npm test` runs
 * `infra/local/ensure-deps.mjs` first; run it by hand before calling vitest directly on a fresh clone.
 */
import { randomBytes } from 'node:crypto';

import type { TestProject } from 'vitest/node';

import {
  provisionBucket,
  provisionTables,
  type RunningEmulator,
  startDynamoDbLocal,
  startFauxqsEmulator,
} from '../../infra/local/emulators.js';
import { TABLES } from '../../infra/topology.js';
import { scrubStackVariables } from './hermetic-env.js';

async function stopAll(emulators: ReadonlyArray<RunningEmulator | undefined>): Promise<void> {
  const results = await Promise.allSettled(emulators.map((emulator) => emulator?.stop()));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.length > 0) throw new AggregateError(failures, 'Stopping the emulators failed');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The emulators run in this (the main) process: the caller's AWS_* or WHATSAPP_* must not reach them.
  scrubStackVariables();
  const [dynamo, fauxqs] = await Promise.allSettled([startDynamoDbLocal(), startFauxqsEmulator()]);
  const started = [dynamo, fauxqs].map((result) => (result.status === 'fulfilled' ? result.value : undefined));
  if (dynamo.status === 'rejected' || fauxqs.status === 'rejected') {
    await stopAll(started);
    throw dynamo.status === 'rejected' ? dynamo.reason : (fauxqs as PromiseRejectedResult).reason;
  }
  const emulators = [dynamo.value, fauxqs.value];
  try {
    // Lower-case, digits and hyphens: valid for table and bucket names alike.
    const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const [tableNames, bucket] = await Promise.all([
      provisionTables(dynamo.value.endpoint, TABLES, (spec) => `relais-it-${runId}-${spec.id}`),
      provisionBucket(fauxqs.value.endpoint, `relais-it-${runId}-payloads`),
    ]);
    project.provide('dynamoEndpoint', dynamo.value.endpoint);
    project.provide('sqsEndpoint', fauxqs.value.endpoint);
    project.provide('s3Endpoint', fauxqs.value.endpoint);
    project.provide('tableNames', tableNames);
    project.provide('payloadBucket', bucket.bucketName);
  } catch (error) {
    await stopAll(emulators);
    throw error;
  }
  return () => stopAll(emulators);
}
