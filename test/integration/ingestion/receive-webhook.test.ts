import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createEventPublisher } from '#shared/adapters/event-publisher.js';
import { createS3PayloadStore } from '#shared/adapters/payload-store.js';
import { signWebhookBody } from '#shared/domain/ingestion/webhook-signature.js';
import { parseBusEvent } from '#shared/middleware/bus-events.js';
import { httpHandler } from '#shared/composition.js';
import { createReceiveWebhook } from '#functions/receive-webhook.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { startLocalEventBus, type BusEvent, type LocalEventBus } from '#infra/local/event-bus/server.js';
import { loadFixtureText } from '#test/fixtures/meta/index.js';

const SECRET = 'integration-app-secret';
const BUS = 'relais-it-bus';

let dir: string;
let bus: LocalEventBus;
let handler: ReturnType<typeof httpHandler>;
const payloads = createS3PayloadStore({ client: new S3Client({ ...localClientConfig(inject('s3Endpoint')), forcePathStyle: true }), bucket: inject('payloadBucket') });

async function logged(): Promise<BusEvent[]> {
  await bus.whenIdle();
  const text = await readFile(join(dir, 'events.ndjson'), 'utf8').catch(() => '');
  return text.trim() === '' ? [] : text.trim().split('\n').map((line) => JSON.parse(line) as BusEvent);
}

async function post(body: string, signature = signWebhookBody(body, SECRET)) {
  const event = {
    version: '2.0',
    routeKey: 'POST /webhook',
    rawPath: '/webhook',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    requestContext: { requestId: 'it' },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const result = await handler(event, {} as never);
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') as unknown };
}

describe('receive-webhook against the local EventBridge bus and S3 (fauxqs)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relais-ingest-'));
    bus = await startLocalEventBus({ busName: BUS, eventsLogPath: join(dir, 'events.ndjson'), rules: [], maxEntriesBytesPerRequest: 256 * 1024 });
    const client = new EventBridgeClient(localClientConfig(bus.url));
    handler = httpHandler(() =>
      createReceiveWebhook({
        appSecrets: async () => [SECRET],
        publisher: createEventPublisher({ client, eventBusName: BUS, payloadStore: payloads, baseDelayMs: 1 }),
        now: Date.now,
      }),
    );
  });

  afterAll(async () => {
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => bus.failNextEntries(0));

  it('puts one event per update of a mixed batch on the bus and answers 200', async () => {
    const before = (await logged()).length;
    expect(await post(loadFixtureText('batch-mixed'))).toEqual({ status: 200, body: { received: 6 } });
    const events = (await logged()).slice(before);
    expect(events.map((e) => e['detail-type']).sort()).toEqual([
      'MessageReceived', 'MessageReceived', 'MessageReceived', 'MessageStatusUpdated', 'MessageStatusUpdated', 'MessageStatusUpdated',
    ]);
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(['relais.whatsapp']));
  });

  it('loses nothing when EventBridge refuses some entries: the refused ones are retried until all are on the bus', async () => {
    const before = (await logged()).length;
    bus.failNextEntries(3, 'InternalFailure');
    expect((await post(loadFixtureText('batch-mixed'))).status).toBe(200);
    const ids = (await logged()).slice(before).map((e) => (e.detail as { metadata: { eventId: string } }).metadata.eventId);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
  });

  it('answers 503 when the bus keeps refusing, and a later redelivery of the same payload gets every event on the bus', async () => {
    const before = (await logged()).length;
    bus.failNextEntries(1000, 'InternalFailure');
    const body = loadFixtureText('statuses-sent-pmp');
    expect((await post(body)).status).toBe(503);
    expect((await logged()).length).toBe(before);
    bus.failNextEntries(0);
    expect((await post(body)).status).toBe(200);
    expect((await logged()).slice(before).map((e) => e['detail-type'])).toEqual(['MessageStatusUpdated']);
  });

  it('stores an update too large for EventBridge in S3 and publishes a reference that resolves to the same data', async () => {
    const raw = JSON.parse(loadFixtureText('smb-message-echoes')) as { entry: Array<{ changes: Array<{ value: Record<string, unknown> }> }> };
    raw.entry[0]!.changes[0]!.value['padding'] = 'é'.repeat(200_000);
    const before = (await logged()).length;
    expect((await post(JSON.stringify(raw))).status).toBe(200);
    const [event] = (await logged()).slice(before);
    const detail = event!.detail as { data?: unknown; dataRef?: { bucket: string; key: string } };
    expect(detail.data).toBeUndefined();
    expect(detail.dataRef?.bucket).toBe(inject('payloadBucket'));
    const resolved = await parseBusEvent(JSON.stringify(event), payloads);
    expect((resolved.data as { raw: Record<string, unknown> }).raw['padding']).toBe('é'.repeat(200_000));
  });

  it('publishes nothing for a wrongly signed body', async () => {
    const before = (await logged()).length;
    expect((await post(loadFixtureText('messages-text'), signWebhookBody('x', 'other-secret'))).status).toBe(401);
    expect((await logged()).length).toBe(before);
  });
});
