import { beforeEach, describe, expect, it } from 'vitest';
import { createGetContact } from '#functions/get-contact.js';
import { GetContactResponseSchema } from '#shared/contracts/http/contacts/responses.js';
import { MALFORMED_PERCENT_ENCODING } from '#shared/contracts/http/contacts/path-encoding.js';
import type { ConsentRecord } from '#shared/domain/consent/consent.js';
import { CUSTOMER_SERVICE_WINDOW_MS } from '#shared/domain/windows/customer-service-window.js';
import { apiEvent, createCapturingPublisher, createFakeContactStore, makeDeps, NOW, WABA, withErrors, type FakeContactStore } from './contacts-fake-store.js';

const ROUTE = 'GET /accounts/{businessAccountId}/contacts/{contactRef}';
const CONTACT_ID = 'c_0a1b2c3d-0000-4000-8000-000000000001';
const PHONE = '+33612345678';

function record(n: number, overrides: Partial<ConsentRecord> = {}): ConsentRecord {
  return {
    recordId: `r-${String(n).padStart(3, '0')}`,
    category: 'marketing',
    status: n % 2 === 0 ? 'opted_in' : 'opted_out',
    source: 'api',
    occurredAt: NOW - 1_000_000 + n * 1000,
    evidence: `evidence ${n}`,
    actor: 'arn:aws:iam::123456789012:user/ops',
    ...overrides,
  };
}

describe('get-contact', () => {
  let store: FakeContactStore;
  let call: ReturnType<typeof withErrors>;

  beforeEach(() => {
    store = createFakeContactStore();
    call = withErrors(createGetContact(makeDeps(store, createCapturingPublisher())));
  });

  const get = (contactRef: string, query?: Record<string, string>) =>
    call(apiEvent(ROUTE, { path: { businessAccountId: WABA, contactRef }, ...(query === undefined ? {} : { query }) }));

  it('answers the contact with every window judged by its stored expiry against now, consent and history newest first', async () => {
    // Prepare
    store.seed({ contactId: CONTACT_ID, phone: PHONE, userId: 'FR.7Xa9', profileName: 'Alice', hold: { reason: 'user_changed_number', since: NOW - 5000, eventId: 'wamid.A' } });
    store.seedWindow(CONTACT_ID, '111', { openedAt: NOW - 3_600_000, lastInboundAt: NOW - 3_600_000, closesAt: NOW - 3_600_000 + CUSTOMER_SERVICE_WINDOW_MS });
    // Closes exactly now: closed at the instant, even though TTL has not removed the item.
    store.seedWindow(CONTACT_ID, '222', { openedAt: NOW - CUSTOMER_SERVICE_WINDOW_MS, lastInboundAt: NOW - CUSTOMER_SERVICE_WINDOW_MS, closesAt: NOW });
    store.seedOffer(CONTACT_ID, '111', { referralAt: NOW - 1000, replyBy: NOW + 86_399_000, ctwaClid: 'clid-1' });
    store.seedConsent(CONTACT_ID, record(1, { status: 'opted_in' }));
    store.seedConsent(CONTACT_ID, record(2, { status: 'opted_out' }));

    // Act
    const res = await get(PHONE);

    // Assess
    expect(res.status).toBe(200);
    const body = GetContactResponseSchema.parse(res.body);
    expect(body.contact).toMatchObject({ contactId: CONTACT_ID, phone: PHONE, userId: 'FR.7Xa9', profileName: 'Alice', hold: { reason: 'user_changed_number', eventId: 'wamid.A' } });
    expect(body.windows.map((w) => [w.phoneNumberId, w.open])).toEqual([
      ['111', true],
      ['222', false],
    ]);
    expect(body.freeEntryPoints).toEqual([
      { phoneNumberId: '111', offer: expect.objectContaining({ open: true, ctwaClid: 'clid-1' }), window: null },
    ]);
    expect(body.consent.marketing).toEqual({ status: 'opted_out', since: new Date(record(2).occurredAt).toISOString(), source: 'api', recordId: 'r-002' });
    expect(body.consent.utility).toEqual({ status: 'unknown' });
    expect(body.consentHistory.items.map((r) => r.recordId)).toEqual(['r-002', 'r-001']);
    expect(body.consentHistory.nextToken).toBeUndefined();
  });

  it('finds the contact by BSUID and by contact id as well as by phone', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE, userId: 'FR.7Xa9' });
    expect((await get('FR.7Xa9')).body.contact.contactId).toBe(CONTACT_ID);
    expect((await get(CONTACT_ID)).body.contact.contactId).toBe(CONTACT_ID);
  });

  it('accepts a percent-encoded phone number in the path', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE });
    expect((await get('%2B33612345678')).status).toBe(200);
  });

  it('pages the consent history by 100 with a nextToken that reads the older records', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE });
    for (let n = 1; n <= 101; n++) store.seedConsent(CONTACT_ID, record(n));

    const first = await get(PHONE);
    expect(first.body.consentHistory.items).toHaveLength(100);
    expect(first.body.consentHistory.items[0].recordId).toBe('r-101');
    expect(first.body.consentHistory.nextToken).toEqual(expect.any(String));

    const second = await get(PHONE, { nextToken: first.body.consentHistory.nextToken });
    expect(second.body.consentHistory.items.map((r: { recordId: string }) => r.recordId)).toEqual(['r-001']);
    expect(second.body.consentHistory.nextToken).toBeUndefined();
  });

  it('answers 404 for a contact it does not know', async () => {
    const res = await get('+14155552671');
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'contact_not_found' } } });
  });

  it('answers 404 for an erased contact, by contact id too', async () => {
    const contact = store.seed({ contactId: CONTACT_ID, phone: PHONE });
    await store.erase(contact, NOW - 1000);
    expect((await get(PHONE)).status).toBe(404);
    expect((await get(CONTACT_ID)).status).toBe(404);
  });

  it('answers 404 for a contact of another business account', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE, businessAccountId: '999999999' });
    expect((await get(CONTACT_ID)).status).toBe(404);
  });

  it.each([
    ['+1555', 'contactRef: must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation'],
    ['+999123456789', 'contactRef: is not a valid phone number for its country code'],
    ['0612345678', 'contactRef: must be an E.164 phone number (+…), a business-scoped user id (CC.…) or a contact id (c_…)'],
  ])('answers 400 naming contactRef and the rule for %s', async (ref, detail) => {
    const res = await get(ref);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details).toContain(detail);
    expect(JSON.stringify(res.body)).not.toContain(ref);
  });

  it.each(['%E0%A4%A', '%2B3361234567%', '%ZZ', '%ED%A0%80', '%C0%AF', '%F0%9F%8E'])(
    'answers 400 naming contactRef and the malformed %%-escape for %s, never a 500',
    async (ref) => {
      const res = await get(ref);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', details: [`contactRef: ${MALFORMED_PERCENT_ENCODING}`] });
      expect(res.body.error.message).toContain('malformed %-escape');
    },
  );

  it('decodes a percent-encoded BSUID and contact id as well as a phone number', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE, userId: 'FR.7Xa9' });
    expect((await get('FR%2E7Xa9')).body.contact.contactId).toBe(CONTACT_ID);
    expect((await get(encodeURIComponent(CONTACT_ID).replace('_', '%5F'))).body.contact.contactId).toBe(CONTACT_ID);
  });

  it('answers 400 for a contactRef holding emoji, RTL text or a lone surrogate, without echoing it', async () => {
    for (const ref of ['+33 6 🎉', 'علي', '\uD83D', 'FR.7Xa9\uFFFF', '%F0%9F%8E%89']) {
      const res = await get(ref);
      expect(res.status, ref).toBe(400);
      expect(JSON.stringify(res.body)).not.toContain(ref);
    }
  });

  it('answers 400 naming nextToken when the token was not issued by the API', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE });
    const res = await get(PHONE, { nextToken: 'bm90LWEtdG9rZW4' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(['nextToken: is not a token this API returned']);
  });

  it('answers 400 naming businessAccountId when it is not a WABA id', async () => {
    const res = await call(apiEvent(ROUTE, { path: { businessAccountId: 'acme', contactRef: PHONE } }));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(['businessAccountId: must be a WhatsApp Business Account id (digits only)']);
  });
});
