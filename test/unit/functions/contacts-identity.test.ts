import { beforeEach, describe, expect, it } from 'vitest';
import { createAcknowledgeIdentityChange } from '#functions/acknowledge-identity-change.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { AcknowledgeIdentityResponseSchema } from '#shared/contracts/http/contacts/responses.js';
import { apiEvent, CALLER_ARN, createCapturingPublisher, createFakeContactStore, makeDeps, NOW, WABA, withErrors, type FakeContactStore } from './contacts-fake-store.js';

const ROUTE = 'POST /accounts/{businessAccountId}/contacts/{contactRef}/identity-acknowledgement';
const CONTACT_ID = 'c_0a1b2c3d-0000-4000-8000-000000000001';
const PHONE = '+33612345678';
const HOLD = { reason: 'user_changed_number', since: NOW - 60_000, eventId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERkJCMUE4MTgyQjAxMTNEOAA=' };

describe('acknowledge-identity-change', () => {
  let store: FakeContactStore;
  let publisher: ReturnType<typeof createCapturingPublisher>;
  let call: ReturnType<typeof withErrors>;

  beforeEach(() => {
    store = createFakeContactStore();
    publisher = createCapturingPublisher();
    call = withErrors(createAcknowledgeIdentityChange(makeDeps(store, publisher)));
  });

  const post = (contactRef: string, body?: string) =>
    call(apiEvent(ROUTE, { path: { businessAccountId: WABA, contactRef }, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }) }));

  it('clears the hold, records who acknowledged it and why, and publishes ContactHoldAcknowledged', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE, hold: HOLD });

    const res = await post(PHONE, JSON.stringify({ note: 'Customer confirmed by phone call, ticket 4411' }));

    expect(res.status).toBe(200);
    expect(AcknowledgeIdentityResponseSchema.parse(res.body)).toEqual({
      contactId: CONTACT_ID,
      acknowledged: { reason: HOLD.reason, since: new Date(HOLD.since).toISOString(), eventId: HOLD.eventId },
      acknowledgedAt: new Date(NOW).toISOString(),
      actor: CALLER_ARN,
      note: 'Customer confirmed by phone call, ticket 4411',
    });
    expect(store.profileOf(CONTACT_ID)?.hold).toBeUndefined();
    expect(store.profileOf(CONTACT_ID)?.lastHoldAcknowledgement).toMatchObject({ actor: CALLER_ARN, note: 'Customer confirmed by phone call, ticket 4411' });
    expect(publisher.events.map((e) => [e.detailType, e.data])).toEqual([
      [DetailType.ContactHoldAcknowledged, { businessAccountId: WABA, contactId: CONTACT_ID, actor: CALLER_ARN, acknowledgedAt: new Date(NOW).toISOString() }],
    ]);
  });

  it('accepts an empty body', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE, hold: HOLD });
    const res = await post(CONTACT_ID);
    expect(res.status).toBe(200);
    expect(res.body.note).toBeUndefined();
  });

  it('answers 409 when the contact has no hold', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE });
    const res = await post(PHONE, '{}');
    expect(res).toMatchObject({ status: 409, body: { error: { code: 'no_hold' } } });
    expect(publisher.events).toEqual([]);
  });

  it('answers 409 to a second acknowledgement and publishes the first one\'s event again under the same id', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE, hold: HOLD });
    await post(PHONE, '{}');

    const again = await post(PHONE, '{}');

    expect(again.status).toBe(409);
    expect(publisher.events).toHaveLength(2);
    expect(publisher.events[1]!.metadata.eventId).toBe(publisher.events[0]!.metadata.eventId);
  });

  it('answers 404 for an unknown contact', async () => {
    expect((await post('+14155552671', '{}')).status).toBe(404);
  });

  it('answers 400 naming note when it is too long, and leaves the hold', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE, hold: HOLD });
    const res = await post(PHONE, JSON.stringify({ note: 'n'.repeat(1001) }));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(['note: must be at most 1000 characters']);
    expect(store.profileOf(CONTACT_ID)?.hold).toEqual(HOLD);
  });
});
