/**
 * `npx tsx test/bench/priority-lane.ts [--seconds=10] [--bulk-workers=16]`: how long a priority message waits for a
 * throughput slot while a campaign saturates the same number, on DynamoDB Local, with the real clock.
 *
 * Senders are simulated as `send-message`'s pacing loop runs them (`pace()` in shared/usecases/send-message.ts):
 * ask the pacing store for a slot of the message's lane; when refused, sleep until `retryAt` plus 0–9 ms of jitter
 * and ask again. `--bulk-workers` bulk senders loop without pause (far more demand than the number allows); priority
 * messages arrive at random, about 5 per second, each taken by its own sender. The wait of a priority message is
 * from its arrival to its grant, DynamoDB round trips included.
 *
 * Two runs on one number at 80 msg/s: the lanes as configured (`BULK_SHARE_PERCENT` 80), and a bulk share of
 * 100 %, which is what one shared counter for both lanes did before the split. The figures depend on this
 * machine (DynamoDB Local's latency under load); nothing is asserted.
 */
import { randomInt } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { quietAwsSdkNodeSupportWarning } from '../../infra/local/aws-sdk-node-support.js';
import { localClientConfig, provisionTables, startDynamoDbLocal } from '../../infra/local/emulators.js';
import { STATE_TABLE } from '../../infra/topology.js';
import { createPacingStore } from '../../shared/adapters/pacing-store.js';
import type { SendLane } from '../../shared/contracts/events/outbound/vocabulary.js';
import { DEFAULT_BULK_SHARE_PERCENT, DEFAULT_RATE_PER_SECOND, type LaneShare } from '../../shared/domain/sending/rate-slots.js';
import type { PacingStore } from '../../shared/ports/pacing-store.js';
import { summarise, type LatencySummary } from './stats.js';

quietAwsSdkNodeSupportWarning();

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const raw = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1, got "${raw}"`);
  return value;
}
const SECONDS = option('seconds', 10);
const BULK_WORKERS = option('bulk-workers', 16);
/** Mean gap between priority arrivals: about 5 per second, well under the 16 per second bulk leaves at 80 %. */
const PRIORITY_MEAN_GAP_MS = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface RunResult {
  readonly bulkSharePercent: number;
  readonly priorityWaitMs: LatencySummary;
  readonly bulkPerSecond: number;
  readonly priorityPerSecond: number;
  readonly refusalsPerPriorityMessage: number;
}

async function takeSlot(store: PacingStore, phoneNumberId: string, lane: SendLane, share: LaneShare): Promise<number> {
  let refusals = 0;
  for (;;) {
    const now = Date.now();
    const slot = await store.acquire({ phoneNumberId, lane, share, now });
    if (slot.granted) return refusals;
    refusals++;
    await sleep(Math.max(1, slot.retryAt - Date.now()) + randomInt(0, 10));
  }
}

async function run(store: PacingStore, bulkSharePercent: number): Promise<RunResult> {
  const phoneNumberId = `1${String(randomInt(0, 1e9)).padStart(14, '0')}`;
  const share: LaneShare = { ratePerSecond: DEFAULT_RATE_PER_SECOND, bulkSharePercent };
  const end = Date.now() + SECONDS * 1000;
  let bulk = 0;
  const waits: number[] = [];
  let refusals = 0;
  const bulkWorker = async () => {
    while (Date.now() < end) {
      await takeSlot(store, phoneNumberId, 'bulk', share);
      if (Date.now() < end) bulk++;
    }
  };
  const priorityMessages: Promise<void>[] = [];
  const arrivals = async () => {
    // Start once the bulk senders are running, so every priority message meets a saturated number.
    await sleep(500);
    while (Date.now() < end - 500) {
      const arrivedAt = Date.now();
      priorityMessages.push(
        takeSlot(store, phoneNumberId, 'priority', share).then((refused) => {
          waits.push(Date.now() - arrivedAt);
          refusals += refused;
        }),
      );
      // Exponential gaps (Poisson arrivals) around the mean.
      await sleep(Math.round(-Math.log(1 - Math.random()) * PRIORITY_MEAN_GAP_MS));
    }
  };
  await Promise.all([...Array.from({ length: BULK_WORKERS }, bulkWorker), arrivals()]);
  await Promise.all(priorityMessages);
  return {
    bulkSharePercent,
    priorityWaitMs: summarise(waits),
    bulkPerSecond: bulk / SECONDS,
    priorityPerSecond: waits.length / (SECONDS - 1),
    refusalsPerPriorityMessage: waits.length === 0 ? 0 : refusals / waits.length,
  };
}

const dynamo = await startDynamoDbLocal();
try {
  const tables = await provisionTables(dynamo.endpoint, [STATE_TABLE], (spec) => `relais-bench-${Date.now().toString(36)}-${spec.id}`);
  const raw = new DynamoDBClient({ ...localClientConfig(dynamo.endpoint), maxAttempts: 1 });
  const store = createPacingStore({ client: DynamoDBDocumentClient.from(raw), tableName: tables[STATE_TABLE.id]! });
  // Warm the JVM and the connection pool, so the first run does not pay for them.
  await run(store, DEFAULT_BULK_SHARE_PERCENT).catch(() => undefined);
  const results = [];
  for (const percent of [DEFAULT_BULK_SHARE_PERCENT, 100]) results.push(await run(store, percent));
  raw.destroy();
  const ms = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)} ms`);
  console.log(`priority slot wait with bulk saturating one number at ${DEFAULT_RATE_PER_SECOND} msg/s (${BULK_WORKERS} bulk senders, ${SECONDS} s per run, DynamoDB Local)`);
  for (const r of results) {
    const w = r.priorityWaitMs;
    console.log(
      `  bulk share ${String(r.bulkSharePercent).padStart(3)} %: priority wait p50 ${ms(w.p50)}, p90 ${ms(w.p90)}, p99 ${ms(w.p99)}, max ${ms(w.max)} ` +
        `over ${w.count} messages (${r.refusalsPerPriorityMessage.toFixed(2)} refusals each); bulk ${r.bulkPerSecond.toFixed(1)}/s, priority ${r.priorityPerSecond.toFixed(1)}/s`,
    );
  }
  console.log(JSON.stringify({ seconds: SECONDS, bulkWorkers: BULK_WORKERS, results }));
} finally {
  await dynamo.stop();
}
