/**
 * The Contacts API handlers against DynamoDB Local (the real ContactStore on the provisioned state table),
 * with a publisher that captures and validates events. Every test uses its own business account id, so
 * tests sharing the table never see each other's contacts.
 */
import { randomInt } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createAcknowledgeIdentityChange } from '#functions/acknowledge-identity-change.js';
import { createEraseContact } from '#functions/erase-contact.js';
import { createGetContact } from '#functions/get-contact.js';
import { createImportContacts } from '#functions/import-contacts.js';
import { createRecordConsent } from '#functions/record-consent.js';
import { createContactStore } from '#shared/adapters/contact-store.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { detailSchemaFor, type DomainEvent } from '#shared/contracts/events/registry.js';
import { GetContactResponseSchema, ImportResponseSchema, RecordConsentResponseSchema } from '#shared/contracts/http/contacts/responses.js';
import { CUSTOMER_SERVICE_WINDOW_MS } from '#shared/domain/windows/customer-service-window.js';
import { httpErrors, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import type { ManageContactsDeps } from '#shared/usecases/manage-contacts.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';

const CALLER = 'arn:aws:iam::123456789012:user/ops-it';
const tableName = inject('tableNames')[STATE_TABLE.id]!;
const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const db = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const store = createContactStore({ client: db, tableName });
afterAll(() => raw.destroy());

const events: DomainEvent[] = [];
const deps: ManageContactsDeps = {
  contacts: store,
  publish: async (batch) => {
    for (const event of batch) {
      // Same check a consumer makes: the detail must match the published contract.
      detailSchemaFor(event.detailType).parse({ metadata: event.metadata, data: event.data });
      events.push(event);
    }
  },
  now: Date.now,
};

function wrap(fn: (event: HttpEvent) => Promise<HttpResult>) {
  const handler = middy<HttpEvent, HttpResult>().use(httpErrors()).handler(fn);
  return async (event: APIGatewayProxyEventV2) => {
    const result = (await handler(event, { awsRequestId: 'it', functionName: 'contacts-it' } as never)) as HttpResult;
    return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') as any };
  };
}

const api = {
  get: wrap(createGetContact(deps)),
  consent: wrap(createRecordConsent(deps)),
  acknowledge: wrap(createAcknowledgeIdentityChange(deps)),
  import: wrap(createImportContacts(deps)),
  erase: wrap(createEraseContact(deps)),
};

function event(
  path: Record<string, string>,
  options: { body?: string; headers?: Record<string, string>; query?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'contacts',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    pathParameters: path,
    ...(options.query === undefined ? {} : { queryStringParameters: options.query }),
    requestContext: {
      requestId: 'it',
      authorizer: { iam: { accessKey: 'AKIAIT', accountId: '123456789012', callerId: 'AIDAIT', cognitoIdentity: null, principalOrgId: null, userArn: CALLER, userId: 'AIDAIT' } },
    } as unknown as APIGatewayProxyEventV2['requestContext'],
    ...(options.body === undefined ? { isBase64Encoded: false } : { body: options.body, isBase64Encoded: false }),
  };
}

/** A business account id no other test uses: 15 digits, like Meta's. */
function uniqueWaba(): string {
  return `8${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e5)).padStart(5, '0')}`;
}

/** Every item of a contact's two partitions, for "nothing changed" comparisons. */
async function itemsOf(contactId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const pk of [`CONTACT#${contactId}`, `CONTACT#${contactId}#CONSENT`]) {
    const out = await db.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }));
    items.push(...(out.Items ?? []));
  }
  return items;
}

const optIn = { category: 'marketing', status: 'opted_in', evidence: 'Ticked "offers by WhatsApp" on the loyalty form' };

describe('Contacts API on DynamoDB Local', () => {
  let waba: string;
  beforeEach(() => {
    waba = uniqueWaba();
    events.length = 0;
  });

  it('creates a contact through consent and reads it back by phone and by contact id', async () => {
    const phone = '+33612345678';
    const created = await api.consent(event({ businessAccountId: waba, contactRef: phone }, { body: JSON.stringify(optIn) }));
    expect(created.status).toBe(201);
    const consent = RecordConsentResponseSchema.parse(created.body);
    expect(consent).toMatchObject({ contactCreated: true, outcome: 'current', current: { status: 'opted_in', source: 'api' }, record: { actor: CALLER } });

    for (const ref of [phone, consent.contactId]) {
      const read = await api.get(event({ businessAccountId: waba, contactRef: ref }));
      expect(read.status).toBe(200);
      const body = GetContactResponseSchema.parse(read.body);
      expect(body.contact).toMatchObject({ contactId: consent.contactId, phone, hold: null });
      expect(body.consent.marketing).toMatchObject({ status: 'opted_in', recordId: consent.record.recordId });
      expect(body.consentHistory.items).toEqual([consent.record]);
    }
    expect(events.map((e) => [e.detailType, e.data])).toEqual([
      [DetailType.ContactOptedIn, expect.objectContaining({ contactId: consent.contactId, businessAccountId: waba, actor: CALLER })],
    ]);
  });

  it('reports each window open or closed by its stored expiry, on every business number', async () => {
    const contactRef = 'US.13491208655302741918';
    const { body } = await api.consent(event({ businessAccountId: waba, contactRef }, { body: JSON.stringify(optIn) }));
    const now = Date.now();
    await store.recordInbound(body.contactId, '1001', now - 60_000);
    // Closed an hour ago; TTL keeps the item for days, and the read must not trust its presence.
    await store.recordInbound(body.contactId, '1002', now - CUSTOMER_SERVICE_WINDOW_MS - 3_600_000);

    const read = GetContactResponseSchema.parse((await api.get(event({ businessAccountId: waba, contactRef }))).body);

    expect(read.windows.map((w) => [w.phoneNumberId, w.open])).toEqual([
      ['1001', true],
      ['1002', false],
    ]);
  });

  it('pages a long consent history newest first', async () => {
    const { body } = await api.consent(event({ businessAccountId: waba, contactRef: '+14155552671' }, { body: JSON.stringify(optIn) }));
    const base = Date.now() - 1_000_000;
    for (let n = 0; n < 104; n++) {
      await store.recordConsent(body.contactId, {
        recordId: `it-${n}`,
        category: 'utility',
        status: n % 2 === 0 ? 'opted_in' : 'opted_out',
        source: 'api',
        occurredAt: base + n * 1000,
        evidence: `record ${n}`,
        actor: CALLER,
      });
    }

    const first = GetContactResponseSchema.parse((await api.get(event({ businessAccountId: waba, contactRef: body.contactId }))).body);
    const second = GetContactResponseSchema.parse(
      (await api.get(event({ businessAccountId: waba, contactRef: body.contactId }, { query: { nextToken: first.consentHistory.nextToken! } }))).body,
    );

    expect(first.consentHistory.items).toHaveLength(100);
    expect(first.consentHistory.items[0]!.recordId).toBe(body.record.recordId);
    expect(first.consentHistory.items[1]!.recordId).toBe('it-103');
    expect(second.consentHistory.items.map((r) => r.recordId)).toEqual(['it-4', 'it-3', 'it-2', 'it-1', 'it-0']);
    expect(second.consentHistory.nextToken).toBeUndefined();
  });

  it('replays a consent posted twice with the same Idempotency-Key without a second history entry', async () => {
    const contactRef = '+447911123456';
    const headers = { 'idempotency-key': 'crm-it-1' };
    const first = await api.consent(event({ businessAccountId: waba, contactRef }, { body: JSON.stringify(optIn), headers }));
    const second = await api.consent(event({ businessAccountId: waba, contactRef }, { body: JSON.stringify(optIn), headers }));
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.record).toEqual(first.body.record);
    const history = (await api.get(event({ businessAccountId: waba, contactRef }))).body.consentHistory.items;
    expect(history).toHaveLength(1);
  });

  it('imports a CSV, and the same CSV again changes nothing', async () => {
    const csv = [
      'phone,userId,profileName,category,status,evidence,occurredAt',
      '+33612345678,,Alice,marketing,opted_in,Paper form box 2,2026-01-05T09:30:00Z',
      '+14155552671,US.13491208655302741918,Bob,,,,',
      '+33612345678,,,utility,opted_out,Phone call,',
    ].join('\n');
    const post = () => api.import(event({ businessAccountId: waba }, { body: csv, headers: { 'content-type': 'text/csv' } }));

    const first = await post();
    expect(first.status).toBe(200);
    const report = ImportResponseSchema.parse(first.body);
    expect(report.rows.map((r) => (r.ok ? [r.row, r.created, r.consent] : r))).toEqual([
      [1, true, 'current'],
      [2, true, undefined],
      [3, false, 'current'],
    ]);
    const ids = [...new Set(report.rows.map((r) => (r.ok ? r.contactId : '')))];
    const before = await Promise.all(ids.map(itemsOf));
    const eventsAfterFirst = events.length;

    const second = await post();

    expect(second.status).toBe(200);
    expect(second.body.rows.map((r: { created: boolean; consent?: string }) => [r.created, r.consent])).toEqual([
      [false, 'duplicate'],
      [false, undefined],
      [false, 'duplicate'],
    ]);
    expect(await Promise.all(ids.map(itemsOf))).toEqual(before);
    // The consent still current is announced again under the same event ids (a retry after a crash relies on it).
    expect(new Set(events.slice(eventsAfterFirst).map((e) => e.metadata.eventId))).toEqual(new Set(events.slice(0, eventsAfterFirst).map((e) => e.metadata.eventId)));

    const bob = GetContactResponseSchema.parse((await api.get(event({ businessAccountId: waba, contactRef: 'US.13491208655302741918' }))).body);
    expect(bob.contact).toMatchObject({ phone: '+14155552671', profileName: 'Bob' });
  });

  it('imports a CRLF CSV with a BOM and quoted emoji, RTL and multi-line names, read back exactly', async () => {
    const csv = '\uFEFFphone,profileName\r\n+33612345678,"Zoé 👍🏽, ""VIP"""\r\n+971501234567,"محمد\r\n🎉"\r\n';
    const res = await api.import(event({ businessAccountId: waba }, { body: csv, headers: { 'content-type': 'text/csv; charset=utf-8' } }));
    expect(res.status).toBe(200);
    const zoe = GetContactResponseSchema.parse((await api.get(event({ businessAccountId: waba, contactRef: '+33612345678' }))).body);
    const mohammed = GetContactResponseSchema.parse((await api.get(event({ businessAccountId: waba, contactRef: '+971501234567' }))).body);
    expect([zoe.contact.profileName, mohammed.contact.profileName]).toEqual(['Zoé 👍🏽, "VIP"', 'محمد\r\n🎉']);
  });

  it('refuses a CSV import with a Latin-1 byte on line 3 with 400 invalid_encoding naming that line, and writes nothing', async () => {
    const head = 'phone,profileName\n+33612345678,Zoé\n+14155552671,';
    const bytes = Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from([0xe9]), Buffer.from('lo\n')]);
    const res = await api.import({ ...event({ businessAccountId: waba }, { headers: { 'content-type': 'text/csv' } }), body: bytes.toString('base64'), isBase64Encoded: true });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_encoding', message: `the import body is not valid UTF-8: malformed byte sequence at byte offset ${Buffer.byteLength(head)} (line 3)` } } });
    expect((await api.get(event({ businessAccountId: waba, contactRef: '+33612345678' }))).status).toBe(404);
    expect(events).toEqual([]);
  });

  it('refuses an import with a bad row with 422 and writes none of its rows', async () => {
    const ndjson = [
      JSON.stringify({ phone: '+33612345678', consent: { category: 'marketing', status: 'opted_in', evidence: 'Web form' } }),
      JSON.stringify({ phone: '+1555' }),
    ].join('\n');

    const res = await api.import(event({ businessAccountId: waba }, { body: ndjson, headers: { 'content-type': 'application/x-ndjson' } }));

    expect(res.status).toBe(422);
    expect(res.body.rows).toEqual([{ row: 2, line: 2, ok: false, problems: ['phone: must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation'] }]);
    expect((await api.get(event({ businessAccountId: waba, contactRef: '+33612345678' }))).status).toBe(404);
    expect(events).toEqual([]);
  });

  it('erases a contact; reads then 404; a new consent creates a fresh contact with no history', async () => {
    const phone = '+33698765432';
    const first = await api.consent(event({ businessAccountId: waba, contactRef: phone }, { body: JSON.stringify(optIn) }));
    const oldId = first.body.contactId as string;

    const erased = await api.erase(event({ businessAccountId: waba, contactRef: phone }));
    expect(erased).toMatchObject({ status: 200, body: { contactId: oldId, erasedAt: expect.any(String) } });
    expect(events.at(-1)).toMatchObject({ detailType: DetailType.ContactErased, data: { contactId: oldId, businessAccountId: waba, actor: CALLER } });
    expect(JSON.stringify(events.at(-1))).not.toContain(phone);
    expect(await itemsOf(oldId)).toEqual([{ pk: `CONTACT#${oldId}`, sk: 'PROFILE', contactId: oldId, businessAccountId: waba, erasedAt: expect.any(Number) }]);

    expect((await api.get(event({ businessAccountId: waba, contactRef: phone }))).status).toBe(404);
    expect((await api.get(event({ businessAccountId: waba, contactRef: oldId }))).status).toBe(404);
    expect((await api.erase(event({ businessAccountId: waba, contactRef: phone }))).status).toBe(404);
    // By contact id, a repeated erasure answers as the first one did.
    expect(await api.erase(event({ businessAccountId: waba, contactRef: oldId }))).toEqual(erased);

    const again = await api.consent(event({ businessAccountId: waba, contactRef: phone }, { body: JSON.stringify({ ...optIn, status: 'opted_out' }) }));
    expect(again.status).toBe(201);
    expect(again.body.contactCreated).toBe(true);
    expect(again.body.contactId).not.toBe(oldId);
    const fresh = GetContactResponseSchema.parse((await api.get(event({ businessAccountId: waba, contactRef: phone }))).body);
    expect(fresh.consentHistory.items.map((r) => r.status)).toEqual(['opted_out']);
  });

  it('acknowledges an identity change once, then answers 409', async () => {
    const phone = '+33611223344';
    const { body } = await api.consent(event({ businessAccountId: waba, contactRef: phone }, { body: JSON.stringify(optIn) }));
    const hold = { reason: 'user_changed_number', since: Date.now() - 60_000, eventId: 'wamid.it-change' };
    await store.putOnHold(body.contactId, hold);

    const ack = await api.acknowledge(event({ businessAccountId: waba, contactRef: phone }, { body: JSON.stringify({ note: 'Confirmed in store' }) }));
    const again = await api.acknowledge(event({ businessAccountId: waba, contactRef: phone }, { body: '' }));

    expect(ack).toMatchObject({ status: 200, body: { acknowledged: { reason: 'user_changed_number', eventId: 'wamid.it-change' }, actor: CALLER, note: 'Confirmed in store' } });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'no_hold' } } });
    const read = GetContactResponseSchema.parse((await api.get(event({ businessAccountId: waba, contactRef: phone }))).body);
    expect(read.contact.hold).toBeNull();
    expect(read.contact.lastHoldAcknowledgement).toMatchObject({ actor: CALLER, note: 'Confirmed in store' });
    expect(events.filter((e) => e.detailType === DetailType.ContactHoldAcknowledged)).toHaveLength(2);
    // A hold acknowledged is not put back by a redelivery of the same change.
    expect(await store.putOnHold(body.contactId, hold)).toBe(false);
  });
});
