import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createEventPublisher } from '#shared/adapters/event-publisher.js';
import type { PayloadStore } from '#shared/adapters/payload-store.js';
import { signWebhookBody } from '#shared/domain/ingestion/webhook-signature.js';
import { logger } from '#shared/logger.js';
import { createReceiveWebhook } from '#functions/receive-webhook.js';
import { httpErrors, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import middy from '@middy/core';
import { loadFixtureText } from '#test/fixtures/meta/index.js';

const SECRET = 'unit-app-secret';
const eventBridge = mockClient(EventBridgeClient);
const payloadStore: PayloadStore = {
  put: async (kind) => ({ bucket: 'b', key: `${kind}/k`, bytes: 1, sha256: '0'.repeat(64) }),
  get: async () => ({}),
};

const handler = middy<HttpEvent, HttpResult>()
  .use(httpErrors())
  .handler(
    createReceiveWebhook({
      appSecrets: async () => [SECRET],
      publisher: createEventPublisher({ client: new EventBridgeClient({ region: 'eu-west-1' }), eventBusName: 'bus', payloadStore, sleep: async () => {} }),
      now: () => Date.parse('2026-11-21T12:00:00Z'),
    }),
  );

function request(body: string | Buffer, headers: Record<string, string> = {}, base64 = false): APIGatewayProxyEventV2 {
  const text = base64 ? Buffer.from(body).toString('base64') : body.toString();
  return {
    version: '2.0',
    routeKey: 'POST /webhook',
    rawPath: '/webhook',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: { requestId: 'req-1' } as APIGatewayProxyEventV2['requestContext'],
    body: text,
    isBase64Encoded: base64,
  };
}

function signed(body: string | Buffer, secret = SECRET) {
  return request(body, { 'x-hub-signature-256': signWebhookBody(body, secret) });
}

async function call(event: APIGatewayProxyEventV2) {
  const result = (await handler(event, { awsRequestId: 'r', functionName: 'receive-webhook' } as never)) as HttpResult;
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
}

function putEntries() {
  return eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
}

describe('receive-webhook', () => {
  beforeEach(() => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
    }));
  });

  it('answers 200 and puts one event per update on the bus for a signed batch', async () => {
    const res = await call(signed(loadFixtureText('batch-mixed')));
    expect(res).toEqual({ status: 200, body: { received: 6 } });
    expect(putEntries().map((e) => e.DetailType).sort()).toEqual([
      'MessageReceived', 'MessageReceived', 'MessageReceived', 'MessageStatusUpdated', 'MessageStatusUpdated', 'MessageStatusUpdated',
    ]);
  });

  it("publishes a 1,000-update payload (Meta's largest batch) in 100 PutEvents requests and answers 200 once all are accepted", async () => {
    const raw = JSON.parse(loadFixtureText('statuses-delivered')) as { entry: Array<{ changes: Array<{ value: { statuses: Array<Record<string, unknown>> } }> }> };
    const template = raw.entry[0]!.changes[0]!.value.statuses[0]!;
    raw.entry[0]!.changes[0]!.value.statuses = Array.from({ length: 1000 }, (_, i) => ({ ...template, id: `wamid.batch${String(i).padStart(4, '0')}` }));
    const body = JSON.stringify(raw);
    expect(await call(signed(body))).toEqual({ status: 200, body: { received: 1000 } });
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(100);
    const ids = putEntries().map((e) => JSON.parse(e.Detail!).metadata.eventId as string);
    expect(new Set(ids).size).toBe(1000);
  });

  it('verifies the signature over base64-decoded bytes when API Gateway base64-encodes the body', async () => {
    const body = loadFixtureText('messages-reaction');
    const event = request(body, { 'x-hub-signature-256': signWebhookBody(body, SECRET) }, true);
    expect((await call(event)).status).toBe(200);
    expect(putEntries()).toHaveLength(1);
  });

  it.each([
    ['unsigned', (b: string) => request(b), 'signature_missing'],
    ['wrongly signed', (b: string) => request(b, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }), 'signature_mismatch'],
    ['signed with another secret', (b: string) => signed(b, 'someone-else'), 'signature_mismatch'],
    ['signed with a malformed header', (b: string) => request(b, { 'x-hub-signature-256': 'md5=abc' }), 'signature_malformed'],
  ])('answers 401 and publishes nothing when %s', async (_, build, code) => {
    const res = await call(build(loadFixtureText('messages-text')));
    expect(res).toMatchObject({ status: 401, body: { error: { code } } });
    expect(putEntries()).toHaveLength(0);
  });

  it('answers 401 for a body truncated after signing', async () => {
    const body = loadFixtureText('messages-text');
    const event = request(body.slice(0, 100), { 'x-hub-signature-256': signWebhookBody(body, SECRET) });
    expect((await call(event)).status).toBe(401);
  });

  it('answers 400 naming the problem for a signed non-JSON body', async () => {
    const res = await call(signed('{"object": "whatsapp_business_account", '));
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_json', message: 'body is not valid JSON' } } });
    expect(putEntries()).toHaveLength(0);
  });

  it('answers 400 for a signed body whose object is not a WhatsApp Business Account', async () => {
    const res = await call(signed(JSON.stringify({ object: 'page', entry: [{ id: '1', changes: [{ field: 'feed', value: {} }] }] })));
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload', details: ['object: object must be "whatsapp_business_account"'] } } });
  });

  it('answers 400 for an empty entry list', async () => {
    const res = await call(signed(JSON.stringify({ object: 'whatsapp_business_account', entry: [] })));
    expect(res).toMatchObject({ status: 400, body: { error: { details: ['entry: entry must not be empty'] } } });
  });

  it('answers 400 "body is not valid UTF-8" for a correctly signed body that is not UTF-8, after checking the signature on its bytes', async () => {
    const bytes = Buffer.concat([Buffer.from('{"object":"whatsapp_business_account","entry":[{"id":"1","note":"caf'), Buffer.from([0xe9]), Buffer.from('"}]}')]);
    const event = request(bytes, { 'x-hub-signature-256': signWebhookBody(bytes, SECRET) }, true);
    expect(await call(event)).toMatchObject({ status: 400, body: { error: { code: 'invalid_encoding', message: 'body is not valid UTF-8' } } });
    const forged = request(bytes, { 'x-hub-signature-256': signWebhookBody(bytes, 'someone-else') }, true);
    expect((await call(forged)).status).toBe(401);
    expect(putEntries()).toHaveLength(0);
  });

  it('answers 400 naming the depth for a signed body nested 5,000 levels deep', async () => {
    const body = `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}]}]}`;
    expect(await call(signed(body))).toMatchObject({ status: 400, body: { error: { code: 'too_deep', message: expect.stringMatching(/deeper than 64 levels/) } } });
    expect(putEntries()).toHaveLength(0);
  });

  it('acknowledges a body whose bad update sits beside a valid one, publishing both (one unrecognised)', async () => {
    const raw = JSON.parse(loadFixtureText('messages-text'));
    const good = raw.entry[0].changes[0].value.messages[0];
    raw.entry[0].changes[0].value.messages = [{ ...good, id: 'wamid.bad', timestamp: '99999999999999' }, good];
    const res = await call(signed(JSON.stringify(raw)));
    expect(res).toEqual({ status: 200, body: { received: 2 } });
    expect(putEntries().map((e) => e.DetailType)).toEqual(['WebhookUpdateUnrecognised', 'MessageReceived']);
  });

  it('keeps a WABA id above 2^53 sent as a JSON number exact in the published event', async () => {
    const body = loadFixtureText('template-status-approved').replace('"102290129340398"', '98765432109876543210');
    expect((await call(signed(body))).status).toBe(200);
    const [entry] = putEntries();
    expect(JSON.parse(entry!.Detail!).metadata.businessAccountId).toBe('98765432109876543210');
  });

  it('answers 413 for a body over 3 MB without checking anything else', async () => {
    const res = await call(request('x'.repeat(3 * 1024 * 1024 + 1)));
    expect(res.status).toBe(413);
  });

  it('answers 503 with a generic message when EventBridge keeps refusing entries, so Meta retries', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }] });
    const res = await call(signed(loadFixtureText('messages-text')));
    expect(res).toEqual({ status: 503, body: { error: { code: 'unavailable', message: 'temporarily unavailable; retry later' } } });
  });

  it('publishes the same event ids when Meta delivers the same payload twice', async () => {
    const body = loadFixtureText('batch-mixed');
    await call(signed(body));
    await call(signed(body));
    const ids = putEntries().map((e) => JSON.parse(e.Detail!).metadata.eventId as string);
    expect(ids.slice(0, 6)).toEqual(ids.slice(6));
  });

  it('never writes a stack trace, the secret or the message text to logs or the response', async () => {
    const lines: string[] = [];
    const spies = (['info', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => void lines.push(JSON.stringify(args))),
    );
    eventBridge.on(PutEventsCommand).rejects(new Error('connect ECONNREFUSED'));
    const body = loadFixtureText('messages-text');
    const res = await call(signed(body));
    await call(signed('not json'));
    spies.forEach((s) => s.mockRestore());
    const all = lines.join('\n') + JSON.stringify(res);
    const text = JSON.parse(body).entry[0].changes[0].value.messages[0].text.body as string;
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(text);
    expect(all).not.toMatch(/\bat .+:\d+:\d+/);
    expect(lines.length).toBeGreaterThan(0);
  });
});
