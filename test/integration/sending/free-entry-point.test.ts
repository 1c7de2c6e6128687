/**
 * Free entry points on the local stack: a customer arrives from a click-to-WhatsApp ad (a `referral`), the
 * business replies within 24 h, and that reply opens the 72 h free window Meta prices as `free_entry_point`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactStore } from '#shared/adapters/contact-store.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { BUSINESS_ACCOUNT_ID, BUSINESS_PHONE_NUMBER_ID, eventually, sendRequest, startSendingStack, text, ukMobile, waIdOf, waitForEvent, type SendingStack } from '#test/support/stack-harness.js';

let s: SendingStack;
let raw: DynamoDBClient;
let contacts: ReturnType<typeof createContactStore>;

beforeAll(async () => {
  s = await startSendingStack();
  raw = new DynamoDBClient(localClientConfig(s.stack.dynamoEndpoint));
  contacts = createContactStore({ client: DynamoDBDocumentClient.from(raw), tableName: s.stateTableName });
});

afterAll(async () => {
  raw?.destroy();
  await s?.stop();
});

const context = (phone: string) => contacts.sendContextFor(BUSINESS_ACCOUNT_ID, { kind: 'phone', value: phone }, BUSINESS_PHONE_NUMBER_ID);

describe('free entry points', () => {
  it('opens the 72 h free window when the business replies to an ad referral, and not for an ordinary conversation', async () => {
    const fromAd = ukMobile(301);
    const ordinary = ukMobile(302);
    const referral = { source_url: 'https://fb.me/ad', source_id: '120200000000001', source_type: 'ad', headline: 'Spring sale', body: 'Ask us', media_type: 'image', image_url: 'https://example.com/i.jpg', ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ' };
    const before = Date.now();
    await s.stack.sandbox.actAsCustomer(waIdOf(fromAd), { type: 'text', text: { body: 'Is this still on sale?' }, referral } as never);
    await s.stack.sandbox.actAsCustomer(waIdOf(ordinary), { type: 'text', text: { body: 'Hello' } } as never);
    await eventually(async () => ((await context(fromAd))?.freeEntryPointOffer !== undefined ? true : undefined), { what: 'the referral offer to be recorded' });
    await eventually(async () => ((await context(ordinary))?.window !== undefined ? true : undefined), { what: 'the ordinary window' });

    for (const [key, to] of [['fep-reply', fromAd], ['plain-reply', ordinary]] as const) {
      await s.bus.putSendRequested(sendRequest({ idempotencyKey: key, to, message: text('Yes, until Sunday') }));
      await waitForEvent(s.eventsLogPath, { detailType: 'MessageSent', idempotencyKey: key }, { timeoutMs: 30_000 });
    }

    const fep = (await context(fromAd))!.freeEntryPointWindow;
    expect(fep).toBeDefined();
    expect(fep!.closesAt - fep!.opensAt).toBe(72 * 3600 * 1000);
    expect(fep!.opensAt).toBeGreaterThanOrEqual(before);
    expect((await context(ordinary))!.freeEntryPointWindow).toBeUndefined();
  });
});
