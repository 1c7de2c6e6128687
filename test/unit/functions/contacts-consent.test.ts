import { beforeEach, describe, expect, it } from 'vitest';
import { createRecordConsent } from '#functions/record-consent.js';
import { PublishError } from '#shared/adapters/event-publisher.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { detailSchemaFor } from '#shared/contracts/events/registry.js';
import { RecordConsentResponseSchema } from '#shared/contracts/http/contacts/responses.js';
import {
  apiEvent,
  CALLER_ARN,
  createCapturingPublisher,
  createFakeContactStore,
  makeDeps,
  NOW,
  WABA,
  withErrors,
  type FakeContactStore,
  type RequestOptions,
} from './contacts-fake-store.js';

const ROUTE = 'POST /accounts/{businessAccountId}/contacts/{contactRef}/consent';
const PHONE = '+33612345678';
const CONTACT_ID = 'c_0a1b2c3d-0000-4000-8000-000000000001';

describe('record-consent', () => {
  let store: FakeContactStore;
  let publisher: ReturnType<typeof createCapturingPublisher>;
  let call: ReturnType<typeof withErrors>;

  beforeEach(() => {
    store = createFakeContactStore();
    publisher = createCapturingPublisher();
    call = withErrors(createRecordConsent(makeDeps(store, publisher)));
  });

  const post = (contactRef: string, body: unknown, options: RequestOptions = {}) =>
    call(
      apiEvent(ROUTE, {
        path: { businessAccountId: WABA, contactRef },
        headers: { 'content-type': 'application/json', ...options.headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...(options.caller === undefined ? {} : { caller: options.caller }),
      }),
    );

  const optIn = { category: 'marketing', status: 'opted_in', evidence: 'Ticked "send me offers" on checkout form v3' };

  it('creates the contact named by phone, records the consent by the IAM caller and publishes ContactOptedIn', async () => {
    // Act
    const res = await post(PHONE, optIn);

    // Assess
    expect(res.status).toBe(201);
    const body = RecordConsentResponseSchema.parse(res.body);
    expect(body).toMatchObject({
      contactCreated: true,
      outcome: 'current',
      record: { category: 'marketing', status: 'opted_in', source: 'api', actor: CALLER_ARN, occurredAt: new Date(NOW).toISOString(), recordId: 'api:generated-1' },
      current: { status: 'opted_in', source: 'api', recordId: 'api:generated-1' },
    });
    expect(store.profileOf(body.contactId)).toMatchObject({ phone: PHONE, businessAccountId: WABA });
    expect(store.historyOf(body.contactId)).toHaveLength(1);
    expect(publisher.events).toHaveLength(1);
    const [event] = publisher.events;
    expect(event!.detailType).toBe(DetailType.ContactOptedIn);
    expect(event!.data).toEqual({
      businessAccountId: WABA,
      contactId: body.contactId,
      category: 'marketing',
      source: 'api',
      occurredAt: new Date(NOW).toISOString(),
      actor: CALLER_ARN,
      recordId: 'api:generated-1',
    });
    expect(detailSchemaFor(DetailType.ContactOptedIn).safeParse({ metadata: event!.metadata, data: event!.data }).success).toBe(true);
    expect(JSON.stringify(event)).not.toContain(PHONE);
  });

  it('creates a contact named by BSUID only', async () => {
    const res = await post('US.13491208655302741918', { ...optIn, status: 'opted_out' });
    expect(res.status).toBe(201);
    expect(store.profileOf(res.body.contactId)).toMatchObject({ userId: 'US.13491208655302741918' });
    expect(publisher.events[0]!.detailType).toBe(DetailType.ContactOptedOut);
  });

  it('answers 404 for an unknown contact id rather than creating one', async () => {
    const res = await post(CONTACT_ID, optIn);
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'contact_not_found' } } });
    expect(store.writes()).toBe(0);
  });

  it('keeps an older statement in the history only and publishes nothing for it', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE });
    await post(PHONE, { ...optIn, status: 'opted_out', occurredAt: '2026-11-21T11:00:00Z' });
    publisher.events.length = 0;

    const res = await post(PHONE, { ...optIn, occurredAt: '2026-11-20T09:00:00+01:00' });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ outcome: 'history_only', current: { status: 'opted_out' }, record: { occurredAt: '2026-11-20T08:00:00.000Z' } });
    expect(publisher.events).toEqual([]);
    expect(store.historyOf(CONTACT_ID)).toHaveLength(2);
  });

  it('uses the Idempotency-Key as record id and replays the first answer without writing again', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE });
    const headers = { 'idempotency-key': 'crm-7731' };
    const first = await post(PHONE, optIn, { headers });
    const writes = store.writes();

    const again = await post(PHONE, optIn, { headers });

    expect(first.status).toBe(201);
    expect(first.body.record.recordId).toBe('api:crm-7731');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'duplicate', record: first.body.record, current: first.body.current });
    expect(store.writes()).toBe(writes);
    expect(store.historyOf(CONTACT_ID)).toHaveLength(1);
    // The replay re-publishes the still-current record's event with the same id: consumers see it once.
    expect(publisher.events.map((e) => e.metadata.eventId)).toEqual([publisher.events[0]!.metadata.eventId, publisher.events[0]!.metadata.eventId]);
  });

  it('answers 409 when an Idempotency-Key is reused for a different request', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE });
    await post(PHONE, optIn, { headers: { 'idempotency-key': 'crm-7731' } });
    const res = await post(PHONE, { ...optIn, status: 'opted_out' }, { headers: { 'idempotency-key': 'crm-7731' } });
    expect(res).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_reused' } } });
    expect(store.historyOf(CONTACT_ID)).toHaveLength(1);
  });

  it('answers 503 when the bus refuses the event, and a retry with the same key publishes it', async () => {
    store.seed({ contactId: CONTACT_ID, phone: PHONE });
    publisher.failNextWith(new PublishError(1, ['ThrottlingException']));
    const failed = await post(PHONE, optIn, { headers: { 'idempotency-key': 'k-1' } });
    expect(failed).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });

    const retried = await post(PHONE, optIn, { headers: { 'idempotency-key': 'k-1' } });

    expect(retried.status).toBe(200);
    expect(publisher.events.map((e) => e.detailType)).toEqual([DetailType.ContactOptedIn]);
    expect(store.historyOf(CONTACT_ID)).toHaveLength(1);
  });

  describe('refuses bad input with a 400 naming the field and writes nothing', () => {
    it.each([
      ['an unknown category', { ...optIn, category: 'promotions' }, 'category: must be one of marketing, utility, authentication, service'],
      ['a consent without evidence', { category: 'marketing', status: 'opted_in' }, 'evidence: is required'],
      ['blank evidence', { ...optIn, evidence: '   ' }, 'evidence: must not be empty: say what proves the consent (form wording, recording id, …)'],
      ['evidence over 2000 characters', { ...optIn, evidence: 'x'.repeat(2001) }, 'evidence: must be at most 2000 characters'],
      ['a bad status', { ...optIn, status: 'yes' }, 'status: must be opted_in or opted_out'],
      ['a time without zone', { ...optIn, occurredAt: '2026-11-21T10:00:00' }, 'occurredAt: must be an ISO 8601 date-time with a time zone (e.g. 2026-11-21T10:00:00Z)'],
      ['a time 6 minutes in the future', { ...optIn, occurredAt: new Date(NOW + 6 * 60_000).toISOString() }, 'occurredAt: must not be more than 5 minutes in the future'],
      ['a source the API may not claim', { ...optIn, source: 'keyword' }, 'source: must be api or import'],
      ['an unknown field', { ...optIn, evidense: 'typo' }, 'evidense: is not a known field'],
    ])('%s', async (_, body, detail) => {
      const before = store.snapshot();
      const res = await post(PHONE, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining(detail.split(':')[0]!) });
      expect(res.body.error.details).toContain(detail);
      expect(store.snapshot()).toBe(before);
      expect(publisher.events).toEqual([]);
    });

    it('an invalid E.164 number in the path', async () => {
      const res = await post('+1555', optIn);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual(['contactRef: must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation']);
      expect(store.writes()).toBe(0);
    });

    it('a body that is not JSON', async () => {
      const res = await post(PHONE, '{"category":');
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
      expect(store.writes()).toBe(0);
    });

    it('a body nested deeper than 64 levels, refused as body_too_deep before validation', async () => {
      const res = await post(PHONE, `{"category":${'['.repeat(5000)}${']'.repeat(5000)}}`);
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'body_too_deep' } } });
      expect(store.writes()).toBe(0);
    });

    it('an empty body, named as missing', async () => {
      const res = await post(PHONE, '  ');
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', message: 'invalid request: (body): is required (a JSON object)' } } });
      expect(store.writes()).toBe(0);
    });

    it('an Idempotency-Key with spaces', async () => {
      const res = await post(PHONE, optIn, { headers: { 'idempotency-key': 'two words' } });
      expect(res.body.error.details).toEqual(['Idempotency-Key: must be 1-255 printable ASCII characters without spaces']);
      expect(store.writes()).toBe(0);
    });
  });

  it('answers 403 when API Gateway passed no IAM caller', async () => {
    const res = await post(PHONE, optIn, { caller: null });
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'no_caller_identity' } } });
    expect(store.writes()).toBe(0);
  });
});
