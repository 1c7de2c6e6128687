/**
 * What the template registry adds to the send path: DynamoDB requests and time per template lookup, as the policy
 * gate makes one per template send, on DynamoDB Local. A stream of sends spread over `BENCH_TEMPLATES` templates and
 * `BENCH_SECONDS` of simulated time (a clock passed in, one send every `BENCH_INTERVAL_MS`), read through one
 * container's registry with the default 30 s cache and without a cache (TTL 0).
 * A benchmark: it prints figures and asserts nothing.
 *
 *   BENCH_SENDS=2000 BENCH_TEMPLATES=20 BENCH_INTERVAL_MS=50 npx tsx test/bench/template-registry.ts
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import { quietAwsSdkNodeSupportWarning } from '../../infra/local/aws-sdk-node-support.js';
import { localClientConfig, provisionTables, startDynamoDbLocal } from '../../infra/local/emulators.js';
import { STATE_TABLE } from '../../infra/topology.js';
import { createStoreTemplateRegistry, DEFAULT_TEMPLATE_CACHE_TTL_MS } from '../../shared/adapters/template-registry.js';
import { createTemplateStore } from '../../shared/adapters/template-store.js';

quietAwsSdkNodeSupportWarning();

const sends = Number(process.env['BENCH_SENDS'] ?? '2000');
const templateCount = Number(process.env['BENCH_TEMPLATES'] ?? '20');
const intervalMs = Number(process.env['BENCH_INTERVAL_MS'] ?? '50');
const WABA = '102290129340398';

const dynamo = await startDynamoDbLocal();
try {
  const tables = await provisionTables(dynamo.endpoint, [STATE_TABLE], (spec) => `bench-${randomBytes(3).toString('hex')}-${spec.id}`);
  const raw = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const store = createTemplateStore({ client, tableName: tables[STATE_TABLE.id]! });
  const names = Array.from({ length: templateCount }, (_, i) => `bench_template_${String(i).padStart(3, '0')}`);
  for (const name of names) {
    await store.apply(
      {
        kind: 'snapshot',
        source: 'sync',
        at: new Date().toISOString(),
        businessAccountId: WABA,
        name,
        language: 'en_US',
        templateId: `9007199254740${String(names.indexOf(name)).padStart(4, '0')}`,
        category: 'UTILITY',
        status: 'APPROVED',
        components: [{ type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} 📦 está en camino', example: { body_text: [['Zoë', '42']] } }],
      },
      new Date().toISOString(),
    );
  }

  let gets = 0;
  const send = client.send.bind(client) as (command: object, ...rest: unknown[]) => Promise<unknown>;
  client.send = ((command: object, ...rest: unknown[]) => {
    gets++;
    return send(command, ...rest);
  }) as unknown as DynamoDBDocumentClient['send'];

  const runs = [];
  for (const ttlMs of [DEFAULT_TEMPLATE_CACHE_TTL_MS, 0]) {
    let now = Date.parse('2026-12-04T03:00:00.000Z');
    const registry = createStoreTemplateRegistry({ store, ttlMs, now: () => now });
    gets = 0;
    const started = performance.now();
    for (let i = 0; i < sends; i++) {
      await registry.find(WABA, names[i % names.length]!, 'en_US');
      now += intervalMs;
    }
    const elapsedMs = performance.now() - started;
    runs.push({
      ttlMs,
      sends,
      simulatedSeconds: (sends * intervalMs) / 1000,
      dynamoRequests: gets,
      requestsPerSend: Number((gets / sends).toFixed(4)),
      msPerLookup: Number((elapsedMs / sends).toFixed(3)),
    });
  }
  raw.destroy();
  console.log(JSON.stringify({ node: process.version, templates: templateCount, intervalMs, runs }, null, 2));
} finally {
  await dynamo.stop();
}
