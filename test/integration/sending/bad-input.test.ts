/**
 * Bad send requests and repeated idempotency keys, through the whole local stack: `SendRequested` put on the
 * local bus (and `POST /messages`), the request-send consumer, the outbox in DynamoDB Local, the FIFO lanes,
 * the sender and the Cloud API sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  acceptedRequests,
  allQueueDepths,
  dataOf,
  eventsMatching,
  postMessage,
  postRawMessage,
  requestsFor,
  sendRequest,
  startSendingStack,
  text,
  ukMobile,
  waitForEvent,
  waitForEvents,
  TEST_SOURCE,
  type SendingStack,
} from '#test/support/stack-harness.js';

const CUSTOMER = ukMobile(10);

/** The `order_update` utility template of the local stack takes two positional body parameters. */
function orderUpdate(...values: string[]) {
  return { type: 'template', name: 'order_update', language: 'en_US', components: { body: values.map((v) => ({ type: 'text', text: v })) } };
}

let s: SendingStack;

beforeAll(async () => {
  s = await startSendingStack();
});

afterAll(async () => {
  await s?.stop();
});

describe('an invalid SendRequested event', () => {
  const cases: ReadonlyArray<{ name: string; key: string; detail: (key: string) => unknown; issue: RegExp }> = [
    {
      name: 'missing recipient',
      key: 'bad-missing-recipient',
      detail: (key) => sendRequest({ idempotencyKey: key, message: text('Your parcel is on its way') }),
      issue: /^data: one of to or recipientUserId is required$/,
    },
    {
      name: 'a phone number that is not E.164',
      key: 'bad-e164',
      detail: (key) => sendRequest({ idempotencyKey: key, to: '+1555', message: text('Your parcel is on its way') }),
      issue: /^data\.to: must be an E\.164 phone number/,
    },
    {
      name: 'an unknown message type',
      key: 'bad-type',
      detail: (key) => sendRequest({ idempotencyKey: key, to: CUSTOMER, message: { type: 'carousel', cards: [] } }),
      issue: /^data\.message(\.type)?: must be one of text, image/,
    },
    {
      name: 'a text over 4096 characters',
      key: 'bad-long-text',
      detail: (key) => sendRequest({ idempotencyKey: key, to: CUSTOMER, message: text('x'.repeat(4097)) }),
      issue: /^data\.message\.body: .*4096/,
    },
  ];

  it.each(cases)('with $name is refused as invalid_request naming the problem, and reaches neither the queues nor Meta', async ({ key, detail, issue }) => {
    await s.bus.putSendRequested(detail(key));

    const rejected = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'SendRejected', idempotencyKey: key }));
    expect(rejected['reason']).toBe('invalid_request');
    expect(rejected['requestedBy']).toBe('acme.orders');
    expect(rejected['issues']).toEqual(expect.arrayContaining([expect.stringMatching(issue)]));
    expect(await s.outbox.store.findByIdempotencyKey(TEST_SOURCE, key)).toBeUndefined();
    expect(eventsMatching(s.eventsLogPath, { detailType: 'SendAccepted', idempotencyKey: key })).toEqual([]);
  });

  it('with template parameters that do not fit the template is refused, recorded as rejected, and never sent', async () => {
    const key = 'bad-template-parameters';
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: key, to: CUSTOMER, message: orderUpdate('A-1042') }));

    const rejected = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'SendRejected', idempotencyKey: key }));
    expect(rejected['reason']).toBe('template_parameters_invalid');
    expect(rejected['message']).toMatch(/order_update.*body takes 2 parameters, the request gives 1/);
    const record = await s.outbox.store.findByIdempotencyKey(TEST_SOURCE, key);
    expect(record).toMatchObject({ status: 'rejected', rejection: { reason: 'template_parameters_invalid' } });
    expect(requestsFor(s.stack.sandbox.requests(), record!.messageId)).toEqual([]);
  });

  it('whose body would pass 1024 characters once filled is refused with a 422 naming the body, and never sent', async () => {
    // order_update's body in the sandbox is "Hello, {{1}} is ready and {{2}} is ready." (31 fixed characters).
    // 500 emoji and 496 Hebrew letters fill it to 1027 code points; each value alone is within the 1024 of a parameter.
    const key = 'bad-hydrated-length';
    const http = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: key, to: CUSTOMER, message: orderUpdate('📦'.repeat(500), 'שלום'.repeat(124)) }));
    expect(http.status).toBe(422);
    expect(http.json).toMatchObject({ decision: 'rejected', error: { code: 'template_parameters_invalid', message: expect.stringContaining('body would be 1027 characters once its parameters are filled in') } });
    const rejected = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'SendRejected', where: (e) => dataOf(e)['reason'] === 'template_parameters_invalid' && String(dataOf(e)['message']).includes('1027') }));
    expect(rejected['message']).toContain('shorten the parameter values by 3 characters');
    expect(s.stack.sandbox.requests().filter((r) => JSON.stringify(r).includes('order_update'))).toEqual([]);
  });

  it('that is not a send request at all is refused, and the same refusal is answered over HTTP', async () => {
    await s.bus.putSendRequested({ hello: 'world' });
    const rejected = await waitForEvent(s.eventsLogPath, {
      detailType: 'SendRejected',
      where: (e) => ((dataOf(e)['issues'] as string[] | undefined) ?? []).some((i) => i.includes('hello')),
    });
    expect(dataOf(rejected)['reason']).toBe('invalid_request');

    const http = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: 'bad-http', to: '+1555', message: text('hi') }));
    expect(http.status).toBe(400);
    expect(http.json).toMatchObject({ decision: 'rejected', error: { code: 'invalid_request', details: [expect.stringMatching(/^data\.to: /)] } });
  });

  it.each([5_000, 100_000])('nested %i levels deep is refused over HTTP with a 400 naming the problem, never a 500', async (depth) => {
    const raw = `{"metadata":{"schemaVersion":1,"idempotencyKey":"bad-deep-${depth}"},"data":{"phoneNumberId":"106540352242922","to":"${CUSTOMER}","message":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const http = await postRawMessage(s.stack.apiUrl, raw);
    expect(http.status).toBe(400);
    expect(http.json).toEqual({ error: { code: 'body_too_deep', message: 'body nests arrays or objects deeper than 64 levels', details: [] } });
    expect(http.text).not.toMatch(/at .*\.(ts|js):\d+|RangeError|stack/i);
  });

  it('leaves no poison message: every queue and DLQ drains, and Meta received nothing', async () => {
    // Its own bad input, so that it asserts something when run alone: an event that is no send request, one nested
    // 10,000 levels deep, one with emoji in an unknown message type, and a refused HTTP request.
    const keys = ['poison-not-a-request', 'poison-deep', 'poison-type'];
    await s.bus.putSendRequested({ idempotencyKey: keys[0], note: 'pas une requête 🚫' });
    const shallow = JSON.stringify(sendRequest({ idempotencyKey: keys[1], to: CUSTOMER, message: text('x') }));
    await s.bus.putSendRequested(shallow.replace('{"type":"text","body":"x"}', `${'['.repeat(10_000)}${']'.repeat(10_000)}`), { raw: true });
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: keys[2], to: CUSTOMER, message: { type: 'hologram', text: 'שלום 👋🏽' } }));
    expect((await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: 'poison-http', to: '+1555', message: text('hi') }))).status).toBe(400);
    for (const key of keys.slice(1)) expect(dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'SendRejected', idempotencyKey: key }))['reason']).toBe('invalid_request');
    await waitForEvent(s.eventsLogPath, { detailType: 'SendRejected', where: (e) => JSON.stringify(dataOf(e)).includes('note') });
    await s.stack.whenIdle(30_000);
    const depths = await allQueueDepths(s.sqs, s.stack.queueUrls);
    expect(Object.values(depths).every((n) => n === 0), `queue depths: ${JSON.stringify(depths)}`).toBe(true);
    expect(s.stack.sandbox.requests()).toEqual([]);
    expect(eventsMatching(s.eventsLogPath, { detailType: ['SendAccepted', 'MessageSent', 'MessageDeadLettered'] })).toEqual([]);
  });
});

describe('the idempotency key', () => {
  it('put twice at once as an event by one source sends one message, and a third put answers the same message id', async () => {
    const key = 'idem-event-twice';
    const request = sendRequest({ idempotencyKey: key, correlationId: 'order-7001', to: CUSTOMER, message: orderUpdate('A-7001', 'shipped') });
    await Promise.all([s.bus.putSendRequested(request), s.bus.putSendRequested(request)]);

    const accepted = await waitForEvents(s.eventsLogPath, { detailType: 'SendAccepted', idempotencyKey: key }, { count: 2 });
    const messageIds = new Set(accepted.map((e) => dataOf(e)['messageId']));
    expect(messageIds.size).toBe(1);
    const [messageId] = [...messageIds] as string[];
    await waitForEvent(s.eventsLogPath, { detailType: 'MessageRead', messageId: messageId! });

    await s.bus.putSendRequested(request);
    const again = await waitForEvents(s.eventsLogPath, { detailType: 'SendAccepted', idempotencyKey: key }, { count: 3 });
    expect(new Set(again.map((e) => dataOf(e)['messageId']))).toEqual(new Set([messageId]));

    await s.stack.whenIdle(30_000);
    expect(requestsFor(s.stack.sandbox.requests(), messageId!)).toHaveLength(1);
    expect(new Set(eventsMatching(s.eventsLogPath, { detailType: 'MessageSent', messageId: messageId! }).map((e) => e.detail.metadata?.eventId)).size).toBe(1);
  });

  it('is scoped by requester: the same key posted over HTTP and put as an event by another service sends two messages', async () => {
    const key = 'idem-two-requesters';
    const request = sendRequest({ idempotencyKey: key, to: CUSTOMER, message: orderUpdate('A-7002', 'packed') });
    const first = await postMessage(s.stack.apiUrl, request);
    expect(first.status).toBe(202);
    const { messageId: byHttp } = first.json as { messageId: string };
    await s.bus.putSendRequested(request);

    const accepted = await waitForEvents(s.eventsLogPath, { detailType: 'SendAccepted', idempotencyKey: key }, { count: 2 });
    expect(accepted.map((e) => dataOf(e)['requestedBy']).sort()).toEqual(['acme.orders', 'arn:aws:iam::000000000000:user/local'].sort());
    const byEvent = accepted.map((e) => dataOf(e)['messageId'] as string).find((id) => id !== byHttp)!;
    expect(byEvent).toBeDefined();
    for (const messageId of [byHttp, byEvent]) await waitForEvent(s.eventsLogPath, { detailType: 'MessageRead', messageId });
    await s.stack.whenIdle(30_000);
    expect(acceptedRequests(requestsFor(s.stack.sandbox.requests(), byHttp))).toHaveLength(1);
    expect(acceptedRequests(requestsFor(s.stack.sandbox.requests(), byEvent))).toHaveLength(1);
  });

  it('is scoped by event source: two services putting the same key with different bodies each get their message', async () => {
    const key = 'idem-two-sources';
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: key, to: CUSTOMER, message: orderUpdate('A-7010', 'packed') }), { source: 'acme.orders' });
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: key, to: CUSTOMER, message: orderUpdate('A-7010', 'remboursé 💶') }), { source: 'acme.billing' });

    const accepted = await waitForEvents(s.eventsLogPath, { detailType: 'SendAccepted', idempotencyKey: key }, { count: 2 });
    expect(accepted.map((e) => dataOf(e)['requestedBy']).sort()).toEqual(['acme.billing', 'acme.orders']);
    expect(new Set(accepted.map((e) => dataOf(e)['messageId'])).size).toBe(2);
    expect(eventsMatching(s.eventsLogPath, { detailType: 'SendRejected', idempotencyKey: key })).toEqual([]);
    const billing = await s.outbox.store.findByIdempotencyKey('acme.billing', key);
    expect(billing).toMatchObject({ requestedBy: 'acme.billing', idempotencyKey: key });
    expect(billing?.messageId).not.toBe((await s.outbox.store.findByIdempotencyKey('acme.orders', key))?.messageId);
  });

  it('reused by the same requester with a different body is refused as duplicate, by event and over HTTP, and the first message is untouched', async () => {
    const key = 'idem-reused';
    const first = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: key, to: CUSTOMER, message: orderUpdate('A-7003', 'packed') }));
    expect(first.status).toBe(202);
    const { messageId } = first.json as { messageId: string };

    const other = sendRequest({ idempotencyKey: key, to: CUSTOMER, message: orderUpdate('A-7003', 'cancelled') });
    const http = await postMessage(s.stack.apiUrl, other);
    expect(http.status).toBe(409);
    expect(http.json).toMatchObject({ decision: 'rejected', error: { code: 'duplicate' } });

    const eventKey = 'idem-reused-event';
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: eventKey, to: CUSTOMER, message: orderUpdate('A-7004', 'packed') }));
    await waitForEvent(s.eventsLogPath, { detailType: 'SendAccepted', idempotencyKey: eventKey });
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: eventKey, to: CUSTOMER, message: orderUpdate('A-7004', 'cancelled') }));
    const rejected = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'SendRejected', idempotencyKey: eventKey }));
    expect(rejected).toMatchObject({ reason: 'duplicate', idempotencyKey: eventKey, requestedBy: 'acme.orders' });

    await s.stack.whenIdle(30_000);
    const sent = acceptedRequests(requestsFor(s.stack.sandbox.requests(), messageId));
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.body)).toContain('packed');
    expect(JSON.stringify(s.stack.sandbox.requests().map((r) => r.body))).not.toContain('cancelled');
  });
});
