/**
 * Property suite for the contacts API on the local stack (DynamoDB Local + the local HTTP API, SigV4-signed as an
 * IAM caller): mutated paths (malformed %-escapes, %00, huge segments, non-BMP, encoded lone surrogates, `..`,
 * unknown contact refs, wrong business account ids), mutated consent and identity-acknowledgement bodies (wrong
 * types, missing and extra fields, deep nesting, huge strings, dates at their edges, emoji, RTL), mutated imports
 * (CSV and NDJSON with bad quotes, wrong columns, invalid UTF-8, wrong content-type, too many rows) and mutated
 * `Idempotency-Key` headers.
 *
 * Every answer is one of the statuses the routes document (200, 201, 400, 404, 409, 413, 415, 422), never 5xx; a
 * 4xx from a handler is JSON `{ error: { code, message } }`; no body carries a stack trace or a secret; nothing is
 * in the local bus's dead-letter file and every queue and DLQ is empty once the stack is idle.
 *
 * Reproducible: the generator is seeded from `FUZZ_SEED` (printed in the test name and on failure); `FUZZ_RUNS`
 * sets the number of requests (default 1,000).
 */
import { existsSync, readFileSync } from 'node:fs';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOCAL_SECRET_DEFAULTS } from '#infra/local/stack.js';
import { BUSINESS_ACCOUNT_ID, allQueueDepths, startSendingStack, ukMobile, signedRequest, type ApiRequest, type HttpAnswer, type SendingStack } from '#test/support/stack-harness.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 7_2026);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 1_000);
const seedNote = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`;

/** Statuses the contacts routes document (see functions/*-contact*.ts, record-consent.ts, import-contacts.ts) and the gateway's 404/413. */
const ALLOWED = [200, 201, 400, 404, 409, 413, 415, 422];
const SECRETS = Object.values(LOCAL_SECRET_DEFAULTS);
const STACK_TRACE = /\bat [\w.<>]+ \(|\.(ts|js):\d+:\d+|RangeError|TypeError|SyntaxError|node_modules|\/work\//;

/** Known contacts, imported before the run, so that 200/201/409 are reachable as well as 404. */
const KNOWN = [ukMobile(1), ukMobile(2), ukMobile(3)];

interface FuzzRequest extends ApiRequest {
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

const send = signedRequest;

const enc = (s: string) => encodeURIComponent(s);

const contactRef = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN.map(enc)) },
  { weight: 2, arbitrary: fc.integer({ min: 100, max: 999 }).map((n) => enc(ukMobile(n))) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '%ZZ',
      '%E',
      '%',
      '%%41',
      '%00',
      'abc%00def',
      '%ED%A0%80', // lone high surrogate, UTF-8-encoded
      '%ED%BF%BF', // lone low surrogate
      '%C3%28', // invalid UTF-8
      '%F4%90%80%80', // above U+10FFFF
      '%2E%2E',
      '..%2F..%2Fetc',
      enc('🎉'),
      enc('👨‍👩‍👧'),
      enc('مرحبا'),
      enc('+44 7911 123001'),
      enc('+0'),
      enc('+99999999999999999999999'),
      'c_',
      'c_unknown',
      'US.13491208655302741918',
      'CC.AbC123',
      '9007199254740993123',
      'x'.repeat(3000),
      enc('é'.repeat(2000)),
      '%F0%9F%8E',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map(enc) },
);

const accountId = fc.oneof(
  { weight: 8, arbitrary: fc.constant(BUSINESS_ACCOUNT_ID) },
  { weight: 3, arbitrary: fc.constantFrom('1', '0', '999999999999999999999999999999999', '1'.repeat(40), 'abc', '-1', '1e5', '%ZZ', '%00', enc('١٢٣'), enc('😀'), '102290129340398%20') },
);

const REAL_TEXTS = ['Formulaire web v3 ✅', 'موافقة عبر الموقع', 'Consentement donné à la caisse — reçu n° 42', 'הסכמה בטלפון', '👍🏽 👨‍👩‍👧 🇧🇷', ' ', '', 'x'.repeat(2001), 'é'.repeat(50_000)];
const DATES = [
  '2026-11-21T10:00:00Z',
  '2026-11-21T10:00:00+14:00',
  '1970-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '2026-02-30T10:00:00Z',
  '2026-11-21',
  '2026-11-21T10:00:00',
  '2999-01-01T00:00:00Z',
  'now',
];

const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, '', 0, -1, 1e308, -0, 2 ** 53 + 1, true, [], {}, 'opted_in', 'marketing'),
  fc.constantFrom(...REAL_TEXTS),
  fc.constantFrom(...DATES),
);

function mutateObject(base: fc.Arbitrary<Record<string, unknown>>, keys: readonly string[]): fc.Arbitrary<unknown> {
  return fc.tuple(base, fc.integer({ min: 0, max: 4 }), fc.constantFrom(...keys), oddValue, fc.constantFrom('extra', '__proto__', 'constructor', 'ключ', '🔑')).map(
    ([b, how, key, value, extraKey]) => {
      const copy: Record<string, unknown> = { ...b };
      if (how === 1) delete copy[key];
      else if (how === 2) copy[key] = value;
      else if (how === 3) Object.defineProperty(copy, extraKey, { value, enumerable: true, configurable: true, writable: true });
      else if (how === 4) return value;
      return copy;
    },
  );
}

const consentBody = mutateObject(
  fc.record(
    {
      category: fc.constantFrom('marketing', 'utility', 'authentication', 'Marketing', 'sms'),
      status: fc.constantFrom('opted_in', 'opted_out', 'unknown'),
      evidence: fc.oneof(fc.constantFrom(...REAL_TEXTS), fc.string({ unit: 'grapheme', maxLength: 40 })),
      occurredAt: fc.constantFrom(...DATES),
      source: fc.constantFrom('api', 'import', 'webhook'),
    },
    { requiredKeys: ['category', 'status', 'evidence'] },
  ),
  ['category', 'status', 'evidence', 'occurredAt', 'source'],
);

const ackBody = mutateObject(
  fc.record({ note: fc.oneof(fc.constantFrom(...REAL_TEXTS), fc.string({ unit: 'grapheme', maxLength: 40 })) }, { requiredKeys: [] }),
  ['note'],
);

/** JSON text of a body, or text no serialiser writes: broken, nested far too deep, not JSON at all. */
function jsonText(body: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 12, arbitrary: body.map((b) => Buffer.from(JSON.stringify(b) ?? 'null')) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        Buffer.from(''),
        Buffer.from('{'),
        Buffer.from('not json'),
        Buffer.from(`{"note":${'['.repeat(6000)}${']'.repeat(6000)}}`),
        Buffer.from(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`),
        Buffer.from([0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
        Buffer.from('\u0000'),
      ),
    },
  );
}

const importRow = fc.record(
  {
    phone: fc.oneof(fc.integer({ min: 0, max: 999 }).map(ukMobile), fc.constantFrom('', '+', '07911 123456', '+1 650 555 0100', '🎉', '+554361758977', '9'.repeat(40))),
    userId: fc.constantFrom('US.13491208655302741918', 'CC.AbC123', 'bad id', ''),
    profileName: fc.constantFrom('Zoë 🌸', 'محمد', 'יעל', '', 'x'.repeat(300)),
  },
  { requiredKeys: [] },
);

const csvValue = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

const importBody: fc.Arbitrary<{ contentType: string; body: Buffer }> = fc.oneof(
  fc.array(importRow, { minLength: 0, maxLength: 8 }).map((rows) => ({ contentType: 'application/x-ndjson', body: Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')) })),
  fc.array(importRow, { minLength: 1, maxLength: 8 }).map((rows) => ({
    contentType: 'text/csv',
    body: Buffer.from(['phone,userId,profileName', ...rows.map((r) => [r.phone ?? '', r.userId ?? '', r.profileName ?? ''].map(csvValue).join(','))].join('\n')),
  })),
  fc.constantFrom(
    { contentType: 'text/csv', body: Buffer.from('phone,profileName\n"+447911123001,Zoë\n') },
    { contentType: 'text/csv', body: Buffer.from('phone,profileName\n+447911123001,"Zo"ë"\n') },
    { contentType: 'text/csv', body: Buffer.from('phone,colour,profileName\n+447911123001,blue,Zoë,extra\n') },
    { contentType: 'text/csv', body: Buffer.from('nom,téléphone\nZoë,+447911123001\n') },
    { contentType: 'text/csv', body: Buffer.concat([Buffer.from('phone,profileName\n+447911123001,Zo'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\n')]) },
    { contentType: 'application/x-ndjson', body: Buffer.concat([Buffer.from('{"phone":"+447911123001","profileName":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]) },
    { contentType: 'application/x-ndjson', body: Buffer.from('{"phone":"+447911123001"\n[1,2]\nnull\n"x"\n') },
    { contentType: 'application/x-ndjson', body: Buffer.from(`{"phone":${'['.repeat(5000)}${']'.repeat(5000)}}`) },
    { contentType: 'application/json', body: Buffer.from('[{"phone":"+447911123001"}]') },
    { contentType: 'text/plain', body: Buffer.from('phone\n+447911123001') },
    { contentType: 'text/csv; charset=latin1', body: Buffer.from('phone\n+447911123001') },
    { contentType: '', body: Buffer.from('phone\n+447911123001') },
    { contentType: 'text/csv', body: Buffer.from(['phone', ...Array.from({ length: 1001 }, (_, i) => ukMobile(i % 1000))].join('\n')) },
    { contentType: 'text/csv', body: Buffer.from('') },
    { contentType: 'text/csv', body: Buffer.from('\uFEFFphone\n+447911123001\n') },
  ),
);

const idempotencyKey = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.constantFrom('fuzz-shared-1', 'fuzz-shared-2') },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', 'a b', 'x'.repeat(256), 'clé', 'tab\tkey', '%00') },
);

const withKey = (headers: Record<string, string>, key: string | undefined): Record<string, string> => (key === undefined ? headers : { ...headers, 'idempotency-key': key });

const request: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.tuple(accountId, contactRef).map(([a, c]) => ({ method: 'GET' as const, path: `/accounts/${a}/contacts/${c}`, headers: {} })),
  fc.tuple(accountId, contactRef, jsonText(consentBody), idempotencyKey).map(([a, c, body, key]) => ({
    method: 'POST' as const,
    path: `/accounts/${a}/contacts/${c}/consent`,
    headers: withKey({ 'content-type': 'application/json' }, key),
    body,
  })),
  fc.tuple(accountId, contactRef, jsonText(ackBody)).map(([a, c, body]) => ({
    method: 'POST' as const,
    path: `/accounts/${a}/contacts/${c}/identity-acknowledgement`,
    headers: { 'content-type': 'application/json' },
    body,
  })),
  fc.tuple(accountId, importBody).map(([a, { contentType, body }]) => ({
    method: 'POST' as const,
    path: `/accounts/${a}/contacts/import`,
    headers: contentType === '' ? ({} as Record<string, string>) : { 'content-type': contentType },
    body,
  })),
  // Erasing the known contacts would leave the run with only 404s; erase unknown refs only.
  fc.tuple(accountId, contactRef.filter((c) => !KNOWN.map(enc).includes(c))).map(([a, c]) => ({ method: 'DELETE' as const, path: `/accounts/${a}/contacts/${c}`, headers: {} })),
);

/** The 4xx answer names its problem: the handler's `{ error: { code, message } }`, or the gateway's `{ message }` for an unknown route or an oversize body. */
function assertNamedProblem(a: HttpAnswer): void {
  expect(a.json, `not JSON: ${a.text.slice(0, 200)}`).toBeTypeOf('object');
  const body = a.json as { error?: { code?: unknown; message?: unknown }; message?: unknown };
  if (body.error === undefined) {
    expect([404, 413], `gateway-style body on ${a.status}: ${a.text.slice(0, 200)}`).toContain(a.status);
    expect(body.message).toEqual(expect.any(String));
    return;
  }
  expect(body.error.code, a.text.slice(0, 200)).toMatch(/^[a-z_]+$/);
  expect(String(body.error.message).length, a.text.slice(0, 200)).toBeGreaterThan(0);
}

let s: SendingStack;

beforeAll(async () => {
  s = await startSendingStack();
  const seeded = await send(s.stack.apiUrl, {
    method: 'POST',
    path: `/accounts/${BUSINESS_ACCOUNT_ID}/contacts/import`,
    headers: { 'content-type': 'application/x-ndjson' },
    body: Buffer.from(KNOWN.map((phone) => JSON.stringify({ phone, profileName: 'Zoë 🌸' })).join('\n')),
  });
  if (seeded.status !== 200) throw new Error(`seeding the known contacts failed: ${seeded.status} ${seeded.text.slice(0, 300)}`);
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

describe(`mutated contacts-API requests on the local stack (${seedNote})`, () => {
  it(`answers ${RUNS} mutated contacts requests with a documented status, a named problem for 4xx, never a stack trace or a secret, nothing dead-lettered`, { timeout: 600_000 }, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const a = await send(s.stack.apiUrl, r);
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        expect(ALLOWED, `${r.method} ${r.path.slice(0, 120)} → ${a.status}: ${a.text.slice(0, 300)}`).toContain(a.status);
        if (a.status >= 400) assertNamedProblem(a);
        expect(a.text).not.toMatch(STACK_TRACE);
        for (const secret of SECRETS) expect(a.text).not.toContain(secret);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.info(`contacts fuzz ${seedNote}: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([x], [y]) => x - y)))}`);
    // The generator reaches the success and refusal outcomes, so the assertions above were about something.
    for (const status of [200, 400, 404, 422]) expect(statuses.get(status) ?? 0, `status ${status} never reached (${seedNote})`).toBeGreaterThan(0);

    await s.stack.whenIdle(120_000);
    const deadLetters = s.stack.bus.deadLettersPath;
    expect(existsSync(deadLetters) ? readFileSync(deadLetters, 'utf8') : '', seedNote).toBe('');
    const depths = await allQueueDepths(s.sqs, s.stack.queueUrls);
    expect(Object.values(depths).every((n) => n === 0), `queue depths ${JSON.stringify(depths)} (${seedNote})`).toBe(true);
  });
});

describe('the input classes the suite mutates, each answered as documented', () => {
  const account = `/accounts/${BUSINESS_ACCOUNT_ID}`;
  const known = enc(KNOWN[0]!);
  const cases: ReadonlyArray<{ readonly name: string; readonly request: FuzzRequest; readonly status: number; readonly code: string; readonly says: RegExp }> = [
    { name: 'a malformed %-escape in the contact ref', request: { method: 'GET', path: `${account}/contacts/%E0%A4%A`, headers: {} }, status: 400, code: 'invalid_request', says: /%-escape/ },
    { name: 'an encoded lone surrogate in the contact ref', request: { method: 'GET', path: `${account}/contacts/%ED%A0%80`, headers: {} }, status: 400, code: 'invalid_request', says: /%-escape/ },
    { name: 'a business account id that is not digits', request: { method: 'GET', path: `/accounts/${enc('😀')}/contacts/${known}`, headers: {} }, status: 400, code: 'invalid_request', says: /businessAccountId|Business Account/ },
    { name: 'an unknown contact', request: { method: 'GET', path: `${account}/contacts/${enc(ukMobile(999))}`, headers: {} }, status: 404, code: 'contact_not_found', says: /./ },
    {
      name: 'a CSV import that is not valid UTF-8',
      request: { method: 'POST', path: `${account}/contacts/import`, headers: { 'content-type': 'text/csv' }, body: Buffer.concat([Buffer.from('phone,profileName\n+447911123001,Zo'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]) },
      status: 400,
      code: 'invalid_encoding',
      says: /UTF-8/,
    },
    { name: 'an import in a media type it does not read', request: { method: 'POST', path: `${account}/contacts/import`, headers: { 'content-type': 'text/plain' }, body: Buffer.from('phone\n+447911123001') }, status: 415, code: 'unsupported_media_type', says: /text\/csv/ },
    {
      name: 'an import of 1,001 rows',
      request: { method: 'POST', path: `${account}/contacts/import`, headers: { 'content-type': 'text/csv' }, body: Buffer.from(['phone', ...Array.from({ length: 1001 }, (_, i) => ukMobile(i % 1000))].join('\n')) },
      status: 413,
      code: 'too_many_rows',
      says: /1000 rows/,
    },
    {
      name: 'a consent body nested 6,000 levels deep',
      request: { method: 'POST', path: `${account}/contacts/${known}/consent`, headers: { 'content-type': 'application/json' }, body: Buffer.from(`{"evidence":${'['.repeat(6000)}${']'.repeat(6000)}}`) },
      status: 400,
      code: 'body_too_deep',
      says: /deep|nest/,
    },
    {
      name: 'a consent body with an extra field',
      request: { method: 'POST', path: `${account}/contacts/${known}/consent`, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ category: 'marketing', status: 'opted_in', evidence: 'Formulaire web v3 ✅', '🔑': 1 })) },
      status: 400,
      code: 'invalid_request',
      says: /🔑|unrecognized|unknown/i,
    },
  ];

  for (const c of cases) {
    it(`answers ${c.name} with ${c.status} ${c.code}`, async () => {
      const a = await send(s.stack.apiUrl, c.request);
      expect(a.status, a.text.slice(0, 300)).toBe(c.status);
      const error = (a.json as { error: { code: string; message: string; details?: string[] } }).error;
      expect(error.code).toBe(c.code);
      expect([error.message, ...(error.details ?? [])].join('\n')).toMatch(c.says);
    });
  }
});
