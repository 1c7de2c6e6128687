/**
 * The policy gate on the local stack: windows and consent come from what customers really do (messages through
 * the Cloud API sandbox, consent keywords through the contacts consumer), refusals come back as `SendRejected`
 * with their stable reason, and nothing refused reaches Meta.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  acceptedRequests,
  dataOf,
  eventsMatching,
  postMessage,
  requestsFor,
  sendRequest,
  startSendingStack,
  text,
  ukMobile,
  waIdOf,
  waitForEvent,
  TEST_SOURCE,
  type SendingStack,
} from '#test/support/stack-harness.js';

const HOUR_S = 3600;
const US_CUSTOMER = '+16505551234';

/** The `spring_promo` marketing template of the local stack: one named body parameter. */
const springPromo = { type: 'template', name: 'spring_promo', language: 'en_US', components: { body: [{ type: 'text', text: 'Ada', parameterName: 'first_name' }] } };

let s: SendingStack;

beforeAll(async () => {
  s = await startSendingStack();
});

afterAll(async () => {
  await s?.stop();
});

/** The customer writes `body` (at `timestamp`, unix seconds, when given) and Relais records the consent it carries. */
async function customerOptsIn(phone: string, timestamp?: number): Promise<void> {
  const { wamid, delivered } = await s.stack.sandbox.actAsCustomer(waIdOf(phone), {
    type: 'text',
    text: { body: 'START' },
    ...(timestamp !== undefined ? { timestamp } : {}),
  });
  expect(delivered).toBe(200);
  const optedIn = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'ContactOptedIn', correlationId: wamid }));
  expect(optedIn).toMatchObject({ category: 'marketing', source: 'keyword', actor: 'customer' });
}

async function rejectionOf(key: string): Promise<Record<string, unknown>> {
  return dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'SendRejected', idempotencyKey: key }, { timeoutMs: 30_000 }));
}

describe('the policy gate on the local stack', () => {
  it('refuses a free-form message to a customer who never wrote as window_closed, once the grace for a late window has passed', async () => {
    const key = 'policy-no-window';
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: key, to: ukMobile(20), message: text('Your order has shipped') }));

    const rejected = await rejectionOf(key);
    expect(rejected).toMatchObject({ reason: 'window_closed', message: expect.stringContaining('131047') });
    const record = await s.outbox.store.findByIdempotencyKey(TEST_SOURCE, key);
    expect(record).toMatchObject({ status: 'rejected', rejection: { reason: 'window_closed' } });
    expect(requestsFor(s.stack.sandbox.requests(), record!.messageId)).toEqual([]);
  });

  it('accepts a reply requested the moment the customer wrote, before the window is recorded (the request waits for it)', async () => {
    const customer = ukMobile(24);
    const { wamid } = await s.stack.sandbox.actAsCustomer(waIdOf(customer), { type: 'text', text: { body: 'Can I change my address?' } });
    // No wait for CustomerServiceWindowOpened: a service reacting to MessageReceived races the contacts consumer.
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: 'policy-fast-reply', correlationId: wamid, to: customer, message: text('Of course, which one?') }));

    const accepted = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'SendAccepted', idempotencyKey: 'policy-fast-reply' }, { timeoutMs: 30_000 }));
    await waitForEvent(s.eventsLogPath, { detailType: 'MessageRead', messageId: accepted['messageId'] as string });
    expect(eventsMatching(s.eventsLogPath, { detailType: 'SendRejected', idempotencyKey: 'policy-fast-reply' })).toEqual([]);
  });

  it('answers the same refusal over HTTP at once, with 422 and the reason code', async () => {
    const http = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: 'policy-no-window-http', to: ukMobile(21), message: text('Hello') }));
    expect(http.status).toBe(422);
    expect(http.json).toMatchObject({ decision: 'rejected', error: { code: 'window_closed' } });
  });

  it('refuses a marketing template to a customer without an opt-in as consent_missing', async () => {
    const key = 'policy-no-consent';
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: key, to: ukMobile(22), message: springPromo }));

    expect(await rejectionOf(key)).toMatchObject({ reason: 'consent_missing' });
    const record = await s.outbox.store.findByIdempotencyKey(TEST_SOURCE, key);
    expect(requestsFor(s.stack.sandbox.requests(), record!.messageId)).toEqual([]);
  });

  it('sends one marketing template after a keyword opt-in and refuses a second within 24 h as marketing_cap_reached', async () => {
    const customer = ukMobile(23);
    // START written 25 h ago: consent is recorded, and the window it opened has closed, so the cap applies.
    await customerOptsIn(customer, Math.floor(Date.now() / 1000) - 25 * HOUR_S);

    await s.bus.putSendRequested(sendRequest({ idempotencyKey: 'policy-promo-1', correlationId: 'spring-1', to: customer, message: springPromo }));
    const accepted = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'SendAccepted', idempotencyKey: 'policy-promo-1' }));
    expect(accepted).toMatchObject({ category: 'marketing', lane: 'bulk', correlationId: 'spring-1' });
    const messageId = accepted['messageId'] as string;
    await waitForEvent(s.eventsLogPath, { detailType: 'MessageRead', messageId });

    await s.bus.putSendRequested(sendRequest({ idempotencyKey: 'policy-promo-2', correlationId: 'spring-2', to: customer, message: springPromo }));
    expect(await rejectionOf('policy-promo-2')).toMatchObject({ reason: 'marketing_cap_reached', correlationId: 'spring-2' });

    const marketing = acceptedRequests(s.stack.sandbox.requests()).filter((r) => JSON.stringify(r.body).includes('spring_promo'));
    expect(marketing.map((r) => (r.body as { biz_opaque_callback_data: string }).biz_opaque_callback_data)).toEqual([messageId]);
  });

  it('refuses a marketing template to an opted-in +1 number as marketing_to_us_number', async () => {
    await customerOptsIn(US_CUSTOMER);
    const key = 'policy-promo-us';
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: key, to: US_CUSTOMER, message: springPromo }));

    expect(await rejectionOf(key)).toMatchObject({ reason: 'marketing_to_us_number' });
    const record = await s.outbox.store.findByIdempotencyKey(TEST_SOURCE, key);
    expect(requestsFor(s.stack.sandbox.requests(), record!.messageId)).toEqual([]);
  });
});
