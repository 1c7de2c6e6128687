/**
 * Ack time of one signed webhook body carrying 1, 100, 1,000 or 10,000 status updates, through
 * `ingestWebhook` with the real event publisher over an in-memory EventBridge client (every PutEvents call
 * answered at once), so the figure is Relais's own work: size check, HMAC, strict decode, envelope schema,
 * normalisation, event contracts, batching. Run: `npx tsx test/bench/ingest-scale.ts`.
 *
 * With `--stack`, the same bodies go over HTTP to `POST /webhook` of a fresh local stack (the HTTP API, the
 * receive-webhook handler, the local EventBridge bus, its rules and SQS consumers), signed with the local app
 * secret: the ack time is what Meta would wait for, and the run then waits until the stack is idle and reports
 * the events logged, the unrecognised ones and the dead letters.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { quietAwsSdkNodeSupportWarning } from '../../infra/local/aws-sdk-node-support.js';
import { LOCAL_SECRET_DEFAULTS, startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { ingestWebhook } from '../../shared/usecases/ingest-webhook.js';
import { createEventPublisher } from '../../shared/adapters/event-publisher.js';
import { signWebhookBody } from '../../shared/domain/ingestion/webhook-signature.js';
import { loadFixture } from '../fixtures/meta/index.js';
import { benchWamid } from './webhook-payloads.js';

quietAwsSdkNodeSupportWarning();

const SECRET = 'bench-secret';

interface Payload { object: string; entry: Array<{ id: string; changes: Array<{ field: string; value: Record<string, unknown> & { statuses?: Array<Record<string, unknown>> } }> }> }

/** One entry, one change, `n` status updates (sent, delivered, read in turn) for distinct messages. */
export function statusBody(n: number, runId: string): { body: Uint8Array; signature: string } {
  const names = ['statuses-sent-pmp', 'statuses-delivered', 'statuses-read'];
  const changes = names.map((f) => (loadFixture(f) as Payload).entry[0]!.changes[0]!);
  const base = loadFixture('statuses-delivered') as Payload;
  const ts = String(Math.floor(Date.now() / 1000));
  const statuses = Array.from({ length: n }, (_, i) => ({ ...changes[i % 3]!.value.statuses![0]!, id: benchWamid(runId, 0, i), timestamp: ts }));
  const payload = { object: base.object, entry: [{ id: base.entry[0]!.id, changes: [{ field: 'messages', value: { ...changes[0]!.value, statuses } }] }] };
  const text = JSON.stringify(payload);
  return { body: Buffer.from(text, 'utf8'), signature: signWebhookBody(text, SECRET) };
}

async function ackMs(n: number): Promise<{ ms: number; bytes: number; published: number; calls: number }> {
  let calls = 0;
  const client = { send: async (cmd: { input: { Entries?: unknown[] } }) => { calls++; return { FailedEntryCount: 0, Entries: (cmd.input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })) }; } } as unknown as EventBridgeClient;
  const publisher = createEventPublisher({ client, eventBusName: 'bench', payloadStore: { put: async () => 'unused' } as never });
  const { body, signature } = statusBody(n, `scale-${n}-${Date.now()}`);
  const t0 = performance.now();
  const out = await ingestWebhook({ rawBody: body, signatureHeader: signature }, { appSecrets: async () => [SECRET], publisher, now: Date.now });
  return { ms: performance.now() - t0, bytes: body.byteLength, published: out.published, calls };
}

/** One body through a running local stack: ack time, then the time until every event is consumed. */
async function stackRun(stack: LocalStack, eventsLogPath: string, n: number) {
  const before = readLines(eventsLogPath).length;
  const { body } = statusBody(n, `stack-${n}-${Date.now()}`);
  const text = Buffer.from(body).toString('utf8');
  const t0 = performance.now();
  const response = await fetch(`${stack.apiUrl}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(text, LOCAL_SECRET_DEFAULTS.appSecret) },
    body: text,
  });
  await response.arrayBuffer();
  const ack = performance.now() - t0;
  await stack.whenIdle(600_000);
  const idle = performance.now() - t0;
  const logged = readLines(eventsLogPath).slice(before).map((line) => JSON.parse(line) as { 'detail-type': string });
  return {
    updates: n,
    bytes: body.byteLength,
    status: response.status,
    ackMs: Math.round(ack),
    idleMs: Math.round(idle),
    statusEvents: logged.filter((e) => e['detail-type'] === 'MessageStatusUpdated').length,
    unrecognised: logged.filter((e) => e['detail-type'] === 'WebhookUpdateUnrecognised').length,
    deadLetters: readLines(stack.bus.deadLettersPath).length,
  };
}

function readLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '') : [];
}

const sizes = (process.env.BENCH_SIZES ?? '1,100,1000,10000').split(',').map(Number);
const rows = [];
if (process.argv.includes('--stack')) {
  const dir = mkdtempSync(join(tmpdir(), 'relais-ingest-scale-'));
  const eventsLogPath = join(dir, 'events.ndjson');
  const stack = await startLocalStack({ port: 0, sandboxPort: 0, eventsLogPath });
  try {
    await stackRun(stack, eventsLogPath, 10); // warm-up: handler modules and first schema compiles
    for (const n of sizes) rows.push(await stackRun(stack, eventsLogPath, n));
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  await ackMs(100); // warm-up: module loading and first schema compiles are not per-body work
  for (const n of sizes) {
    const r = await ackMs(n);
    rows.push({ updates: n, bytes: r.bytes, ackMs: Math.round(r.ms * 10) / 10, msPer1000: Math.round((r.ms / n) * 1000 * 10) / 10, published: r.published, putEventsCalls: r.calls });
  }
}
console.table(rows);
