import { beforeEach, describe, expect, it } from 'vitest';
import { createImportContacts } from '#functions/import-contacts.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { ImportResponseSchema } from '#shared/contracts/http/contacts/responses.js';
import { apiEvent, CALLER_ARN, createCapturingPublisher, createFakeContactStore, makeDeps, NOW, WABA, withErrors, type FakeContactStore } from './contacts-fake-store.js';

const ROUTE = 'POST /accounts/{businessAccountId}/contacts/import';
const NDJSON = 'application/x-ndjson';
const CSV = 'text/csv; charset=utf-8';

const ndjson = (...rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('import-contacts', () => {
  let store: FakeContactStore;
  let publisher: ReturnType<typeof createCapturingPublisher>;
  let call: ReturnType<typeof withErrors>;

  beforeEach(() => {
    store = createFakeContactStore();
    publisher = createCapturingPublisher();
    call = withErrors(createImportContacts({ ...makeDeps(store, publisher), importConcurrency: 3 }));
  });

  const post = (contentType: string | undefined, body: string | Buffer, base64 = false) =>
    call(
      apiEvent(ROUTE, {
        path: { businessAccountId: WABA },
        headers: contentType === undefined ? {} : { 'content-type': contentType },
        body,
        base64,
      }),
    );

  it('imports JSON lines: creates contacts, records consent as import by the caller, and reports each row', async () => {
    // Prepare
    const body = ndjson(
      { phone: '+33612345678', profileName: 'Alice', consent: { category: 'marketing', status: 'opted_in', evidence: 'Paper form 2025-03, box 2 ticked', occurredAt: '2025-03-01T10:00:00Z' } },
      { userId: 'US.13491208655302741918' },
      { phone: '+33612345678', consent: { category: 'utility', status: 'opted_out', evidence: 'Asked by e-mail' } },
    );

    // Act
    const res = await post(NDJSON, body);

    // Assess
    expect(res.status).toBe(200);
    const report = ImportResponseSchema.parse(res.body);
    expect(report.imported).toBe(3);
    expect(report.rows).toEqual([
      { row: 1, ok: true, contactId: expect.any(String), created: true, consent: 'current' },
      { row: 2, ok: true, contactId: expect.any(String), created: true },
      { row: 3, ok: true, contactId: report.rows[0]!.ok ? report.rows[0]!.contactId : '', created: false, consent: 'current' },
    ]);
    const alice = report.rows[0]!.ok ? report.rows[0]!.contactId : '';
    expect(store.profileOf(alice)).toMatchObject({ phone: '+33612345678', profileName: 'Alice' });
    expect(store.historyOf(alice).map((r) => [r.category, r.source, r.actor, r.occurredAt])).toEqual([
      ['marketing', 'import', CALLER_ARN, Date.parse('2025-03-01T10:00:00Z')],
      ['utility', 'import', CALLER_ARN, NOW],
    ]);
    expect(store.historyOf(alice)[0]!.recordId).toMatch(/^import:[0-9a-f]{64}:1$/);
    expect(publisher.events.map((e) => e.detailType).sort()).toEqual([DetailType.ContactOptedIn, DetailType.ContactOptedOut]);
  });

  it('changes nothing when the same file is posted again', async () => {
    const body = ndjson(
      { phone: '+33612345678', profileName: 'Alice', consent: { category: 'marketing', status: 'opted_in', evidence: 'Web form' } },
      { userId: 'US.13491208655302741918', phone: '+14155552671' },
    );
    await post(NDJSON, body);
    const before = store.snapshot();

    const again = await post(NDJSON, body);

    expect(again.status).toBe(200);
    expect(again.body.rows).toEqual([
      { row: 1, ok: true, contactId: expect.any(String), created: false, consent: 'duplicate' },
      { row: 2, ok: true, contactId: expect.any(String), created: false },
    ]);
    expect(store.snapshot()).toBe(before);
  });

  it('reads CSV with a header row, quoted cells and CRLF line ends, and names the base64 body API Gateway sends', async () => {
    const csv = [
      'phone,userId,profileName,category,status,evidence,occurredAt',
      '+33612345678,,"Martin, Alice",marketing,opted_in,"Said ""yes"" at the counter",2026-01-05T09:30:00+01:00',
      ',US.13491208655302741918,,,,,',
    ].join('\r\n');

    const res = await post(CSV, csv, true);

    expect(res.status).toBe(200);
    expect(res.body.rows.map((r: { consent?: string }) => r.consent)).toEqual(['current', undefined]);
    const alice = res.body.rows[0].contactId as string;
    expect(store.profileOf(alice)?.profileName).toBe('Martin, Alice');
    expect(store.historyOf(alice)[0]).toMatchObject({ evidence: 'Said "yes" at the counter', occurredAt: Date.parse('2026-01-05T08:30:00Z') });
  });

  it('answers 422 with a report of every invalid CSV row and writes nothing', async () => {
    const csv = [
      'phone,profileName,category,status,evidence',
      '+33612345678,Alice,marketing,opted_in,Web form',
      '+1555,Bob,,,',
      '+14155552671,Carol,promotions,opted_in,',
      ',Dave,,,',
    ].join('\n');

    const res = await post(CSV, csv);

    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_rows', message: '3 of 4 rows are invalid; nothing was imported' });
    expect(res.body.rows).toEqual([
      { row: 2, line: 3, ok: false, problems: ['phone: must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation'] },
      {
        row: 3,
        line: 4,
        ok: false,
        problems: ['category: must be one of marketing, utility, authentication, service', 'evidence: is required'],
      },
      { row: 4, line: 5, ok: false, problems: ['phone: phone or userId is required'] },
    ]);
    expect(res.body.error.details[0]).toBe('row 2 (line 3): phone: must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation');
    expect(store.writes()).toBe(0);
    expect(publisher.events).toEqual([]);
  });

  it('reports JSON lines that do not parse or are not objects, by row and line', async () => {
    const body = `${JSON.stringify({ phone: '+33612345678' })}\n\n{"phone":\n[1,2]\n`;
    const res = await post(NDJSON, body);
    expect(res.status).toBe(422);
    expect(res.body.rows).toEqual([
      { row: 2, line: 3, ok: false, problems: ['(row): is not valid JSON'] },
      { row: 3, line: 4, ok: false, problems: ['(row): must be a JSON object'] },
    ]);
    expect(store.writes()).toBe(0);
  });

  it('names nested JSON fields and unknown fields in the report', async () => {
    const res = await post(NDJSON, ndjson({ phone: '+33612345678', email: 'a@b.c', consent: { category: 'marketing', status: 'opted_in' } }));
    expect(res.body.rows[0].problems).toEqual(['consent.evidence: is required', 'email: is not a known field']);
  });

  it('answers 413 naming the 1 MB limit for a larger body, before reading it', async () => {
    const line = JSON.stringify({ phone: '+33612345678', profileName: 'x'.repeat(200) }) + '\n';
    const body = line.repeat(Math.ceil((1024 * 1024 + 1) / line.length));
    const res = await post(NDJSON, body);
    expect(res.status).toBe(413);
    expect(res.body.error.message).toContain('the limit is 1048576 bytes (1 MB)');
    expect(store.writes()).toBe(0);
  });

  it('answers 413 naming the row limit for 1,001 rows', async () => {
    const body = Array.from({ length: 1001 }, (_, i) => JSON.stringify({ userId: `US.${1000 + i}` })).join('\n');
    const res = await post(NDJSON, body);
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'too_many_rows', message: 'the import has 1001 rows; the limit is 1000 rows per request' } } });
    expect(store.writes()).toBe(0);
  });

  it('imports exactly 1,000 rows', async () => {
    const body = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ userId: `US.${1000 + i}` })).join('\n');
    const res = await post(NDJSON, body);
    expect(res.status).toBe(200);
    expect(res.body.imported).toBe(1000);
  });

  it.each([['application/json'], ['text/csv; charset=iso-8859-1'], [undefined]])('answers 415 for content-type %s', async (type) => {
    const res = await post(type, ndjson({ phone: '+33612345678' }));
    expect(res).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
  });

  it('answers 400 naming an unknown CSV column', async () => {
    const res = await post(CSV, 'phone,email\n+33612345678,a@b.c\n');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('unknown CSV column(s) "email"; the columns are phone,userId,profileName,category,status,evidence,occurredAt');
  });

  it.each([[CSV], [NDJSON]])('answers 400 invalid_encoding naming line 3 for a %s body with a Latin-1 byte there, and writes nothing', async (type) => {
    const head = type === CSV ? 'phone,profileName\n+33612345678,Zoé 👍\n+14155552671,' : `${JSON.stringify({ phone: '+33612345678', profileName: 'Zoé 👍' })}\n{}\n{"profileName":"`;
    const body = Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from([0xe9]), Buffer.from(type === CSV ? 'lo\n' : 'lo"}\n')]);
    const res = await post(type, body, true);
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_encoding' } } });
    expect(res.body.error.message).toBe(`the import body is not valid UTF-8: malformed byte sequence at byte offset ${Buffer.byteLength(head)} (line 3)`);
    expect(store.writes()).toBe(0);
  });

  it('answers 400 naming the line of an unterminated CSV quote', async () => {
    const res = await post(CSV, 'phone,profileName\n+33612345678,"Alice\n');
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_import_file' } } });
    expect(res.body.error.message).toMatch(/^a quoted CSV field is never closed \(line \d+\)$/);
  });

  it('answers 400 for an empty file', async () => {
    expect((await post(CSV, 'phone,userId\n')).body.error.code).toBe('empty_import');
  });
});
