/**
 * Ack time of one signed webhook body carrying 1, 100, 1,000 or 10,000 status updates, through
 * `ingestWebhook` with the real event publisher over an in-memory EventBridge client (every PutEvents call
 * answered at once), so the figure is Relais's own work: size check, HMAC, strict decode, envelope schema,
 * normalisation, event contracts, batching. Run: `npx tsx test/bench/ingest-scale.ts`.
 */
import { performance } from 'node:perf_hooks';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ingestWebhook } from '../../shared/usecases/ingest-webhook.js';
import { createEventPublisher } from '../../shared/adapters/event-publisher.js';
import { signWebhookBody } from '../../shared/domain/ingestion/webhook-signature.js';
import { loadFixture } from '../fixtures/meta/index.js';
import { benchWamid } from './webhook-payloads.js';

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

const sizes = (process.env.BENCH_SIZES ?? '1,100,1000,10000').split(',').map(Number);
await ackMs(100); // warm-up: module loading and first schema compiles are not per-body work
const rows = [];
for (const n of sizes) {
  const r = await ackMs(n);
  rows.push({ updates: n, bytes: r.bytes, ackMs: Math.round(r.ms * 10) / 10, msPer1000: Math.round((r.ms / n) * 1000 * 10) / 10, published: r.published, putEventsCalls: r.calls });
}
console.table(rows);
