import { beforeEach, describe, expect, it } from 'vitest';
import { createEraseContact } from '#functions/erase-contact.js';
import { createGetContact } from '#functions/get-contact.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { EraseContactResponseSchema } from '#shared/contracts/http/contacts/responses.js';
import { apiEvent, CALLER_ARN, createCapturingPublisher, createFakeContactStore, makeDeps, NOW, WABA, withErrors, type FakeContactStore } from './contacts-fake-store.js';

const ROUTE = 'DELETE /accounts/{businessAccountId}/contacts/{contactRef}';
const CONTACT_ID = 'c_0a1b2c3d-0000-4000-8000-000000000001';
const PHONE = '+33612345678';

describe('erase-contact', () => {
  let store: FakeContactStore;
  let publisher: ReturnType<typeof createCapturingPublisher>;
  let erase: ReturnType<typeof withErrors>;
  let get: ReturnType<typeof withErrors>;

  beforeEach(() => {
    store = createFakeContactStore();
    publisher = createCapturingPublisher();
    erase = withErrors(createEraseContact(makeDeps(store, publisher)));
    get = withErrors(createGetContact(makeDeps(store, publisher)));
  });

  const del = (contactRef: string) => erase(apiEvent(ROUTE, { path: { businessAccountId: WABA, contactRef } }));

  it('erases the contact and publishes ContactErased with ids only, no personal data', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE, userId: 'FR.7Xa9', profileName: 'Alice Martin' });

    const res = await del(PHONE);

    expect(res.status).toBe(200);
    expect(EraseContactResponseSchema.parse(res.body)).toEqual({ contactId: CONTACT_ID, erasedAt: new Date(NOW).toISOString() });
    expect(store.profileOf(CONTACT_ID)).toEqual({ contactId: CONTACT_ID, businessAccountId: WABA, erasedAt: NOW });
    expect(publisher.events.map((e) => e.detailType)).toEqual([DetailType.ContactErased]);
    expect(publisher.events[0]!.data).toEqual({ businessAccountId: WABA, contactId: CONTACT_ID, actor: CALLER_ARN, erasedAt: new Date(NOW).toISOString() });
    const serialised = JSON.stringify(publisher.events);
    for (const personal of [PHONE, 'FR.7Xa9', 'Alice']) expect(serialised).not.toContain(personal);
  });

  it('makes the contact unreadable afterwards', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE });
    await del(PHONE);
    const res = await get(apiEvent('GET /accounts/{businessAccountId}/contacts/{contactRef}', { path: { businessAccountId: WABA, contactRef: PHONE } }));
    expect(res.status).toBe(404);
  });

  it('answers a retry by contact id as the first time and publishes the same event again', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE });
    const first = await del(CONTACT_ID);
    const retry = await del(CONTACT_ID);
    expect(retry).toEqual(first);
    expect(publisher.events.map((e) => e.metadata.eventId)).toEqual([`erased:${CONTACT_ID}`, `erased:${CONTACT_ID}`]);
  });

  it('answers 404 for an unknown contact and publishes nothing', async () => {
    const res = await del('+14155552671');
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'contact_not_found' } } });
    expect(publisher.events).toEqual([]);
  });

  it('answers 400 naming contactRef for an invalid phone number', async () => {
    const res = await del('+1555');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(['contactRef: must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation']);
  });
});
