/**
 * What the messaging-limit count costs a send: DynamoDB requests and wall time per admission on DynamoDB Local,
 * for template sends outside the window to `BENCH_USERS` users drawn at random (seeded by `BENCH_SEED`), one
 * every `BENCH_INTERVAL_MS` of simulated time, `BENCH_CONCURRENCY` senders at once, under `BENCH_TIER`.
 * Sends are split by outcome: counted (a new user), uncounted (counted in the last 24 h) and deferred.
 * A benchmark: it prints figures and asserts nothing.
 *
 *   BENCH_SENDS=5000 BENCH_USERS=2000 BENCH_CONCURRENCY=1 npx tsx test/bench/messaging-limit.ts
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';

import { quietAwsSdkNodeSupportWarning } from '../../infra/local/aws-sdk-node-support.js';
import { localClientConfig, provisionTables, startDynamoDbLocal } from '../../infra/local/emulators.js';
import { STATE_TABLE } from '../../infra/topology.js';
import { createMessagingLimitStore } from '../../shared/adapters/messaging-limit-store.js';
import { parseMessagingLimitTier } from '../../shared/domain/sending/messaging-limit.js';

quietAwsSdkNodeSupportWarning();

const sends = Number(process.env['BENCH_SENDS'] ?? '5000');
const users = Number(process.env['BENCH_USERS'] ?? '2000');
const intervalMs = Number(process.env['BENCH_INTERVAL_MS'] ?? '1000');
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? '1');
const seed = Number(process.env['BENCH_SEED'] ?? '2026');
const tierParse = parseMessagingLimitTier(process.env['BENCH_TIER'] ?? 'TIER_10K');
if (!tierParse.ok) throw new Error(tierParse.problem);
const tier = tierParse.tier;

const picks = fc.sample(fc.integer({ min: 0, max: users - 1 }), { seed, numRuns: sends });

const dynamo = await startDynamoDbLocal();
try {
  const tables = await provisionTables(dynamo.endpoint, [STATE_TABLE], (spec) => `bench-${randomBytes(3).toString('hex')}-${spec.id}`);
  const raw = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  const client = DynamoDBDocumentClient.from(raw);
  let requests = 0;
  // Each admission's own requests, also when several senders interleave.
  const perSend = new AsyncLocalStorage<{ requests: number }>();
  const send = client.send.bind(client) as (command: object, ...rest: unknown[]) => Promise<unknown>;
  client.send = ((command: object, ...rest: unknown[]) => {
    requests++;
    const mine = perSend.getStore();
    if (mine) mine.requests++;
    return send(command, ...rest);
  }) as unknown as DynamoDBDocumentClient['send'];
  const store = createMessagingLimitStore({ client, tableName: tables[STATE_TABLE.id]! });

  const outcomes = { counted: { sends: 0, requests: 0, ms: 0, max: 0 }, uncounted: { sends: 0, requests: 0, ms: 0, max: 0 }, deferred: { sends: 0, requests: 0, ms: 0, max: 0 } };
  const start = Date.parse('2026-12-04T03:00:00.000Z');
  const started = performance.now();
  let next = 0;
  async function sender() {
    while (next < sends) {
      const i = next++;
      const mine = { requests: 0 };
      const t = performance.now();
      const decision = await perSend.run(mine, () => store.admit({
        portfolioId: '9007199254740993',
        recipient: `+34 6${String(picks[i]!).padStart(8, '0')}`,
        isTemplate: true,
        windowOpen: false,
        tier,
        now: start + i * intervalMs,
      }));
      const kind = decision.action === 'defer' ? 'deferred' : decision.addsUniqueUser ? 'counted' : 'uncounted';
      outcomes[kind].sends++;
      outcomes[kind].requests += mine.requests;
      outcomes[kind].ms += performance.now() - t;
      outcomes[kind].max = Math.max(outcomes[kind].max, mine.requests);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => sender()));
  const elapsedMs = performance.now() - started;
  const per = (o: { sends: number; requests: number; ms: number; max: number }) => ({
    sends: o.sends,
    requestsPerSend: o.sends === 0 ? null : Number((o.requests / o.sends).toFixed(3)),
    maxRequests: o.max,
    msPerSend: o.sends === 0 ? null : Number((o.ms / o.sends).toFixed(3)),
  });
  console.log(
    JSON.stringify(
      {
        sends,
        users,
        concurrency,
        tier: tier.name,
        simulatedHours: Number(((sends * intervalMs) / 3_600_000).toFixed(2)),
        dynamoRequests: requests,
        requestsPerSend: Number((requests / sends).toFixed(3)),
        wallMsPerSend: Number((elapsedMs / sends).toFixed(3)),
        counted: per(outcomes.counted),
        uncounted: per(outcomes.uncounted),
        deferred: per(outcomes.deferred),
      },
      null,
      2,
    ),
  );
  raw.destroy();
} finally {
  await dynamo.stop();
}
