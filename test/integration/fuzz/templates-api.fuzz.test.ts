/**
 * Property suite for the Templates API on the local stack (DynamoDB Local, the local HTTP API SigV4-signed as an
 * IAM caller, the Cloud API sandbox as Meta): mutated creation bodies (Meta's example with fields dropped,
 * retyped, swapped for huge, emoji, RTL or nested values; components and buttons mutated; not JSON; too deep;
 * too large), mutated paths (malformed %-escapes, non-BMP, huge names, wrong account ids) and mutated queries
 * (unknown parameters, bad statuses, categories, limits and cursors) on all four routes.
 *
 * Every answer is one of the statuses the routes document (200, 201, 400, 404, 409, 413, 422, 429), never 5xx; a
 * 4xx is JSON `{ error: { code, message } }` (or the gateway's `{ message }` for an unknown route); no body
 * carries a stack trace or a secret.
 *
 * Reproducible: the generator is seeded from `FUZZ_SEED` (printed in the test name and on failure); `FUZZ_RUNS`
 * sets the number of requests (default 1,000).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOCAL_SECRET_DEFAULTS } from '#infra/local/stack.js';
import { BUSINESS_ACCOUNT_ID, signedRequest, startSendingStack, type ApiRequest, type HttpAnswer, type SendingStack } from '#test/support/stack-harness.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 9_2026);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 1_000);
const seedNote = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`;

/** Statuses the template routes document (functions/*-template*.ts) and the gateway's 404/413; 429 once the sandbox's 100 creations an hour are spent. */
const ALLOWED = [200, 201, 400, 404, 409, 413, 422, 429];
const SECRETS = Object.values(LOCAL_SECRET_DEFAULTS);
const STACK_TRACE = /\bat [\w.<>]+ \(|\.(ts|js):\d+:\d+|RangeError|TypeError|SyntaxError|node_modules|\/work\/|ConditionalCheck|Dynamo/;

const enc = (s: string) => encodeURIComponent(s);
const NAMES = ['fuzz_colis', 'fuzz_promo_noel', 'fuzz_otp', 'order_update'];
const LANGUAGES = ['en_US', 'fr', 'ar', 'pt_BR'];

const REAL_TEXTS = ['Bonjour {{1}}, votre colis arrive ✅', 'مرحبا {{1}}، طلبك جاهز', 'שלום {{1}}, ההזמנה מוכנה', 'Olá {{1}} 👋🏽 👨‍👩‍👧 🇧🇷 tudo bem', '{{1}} leads', 'ends {{1}}', 'two {{1}}{{2}} side', '', ' ', 'x'.repeat(1025), 'é'.repeat(5000)];

const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, '', 0, -1, 1e308, -0, 2 ** 53 + 1, true, [], {}, 'UTILITY', 'named', 'BODY'),
  fc.constantFrom(...REAL_TEXTS),
);

const button = fc.oneof(
  fc.record({ type: fc.constant('QUICK_REPLY'), text: fc.constantFrom('Oui ✅', 'لا', 'x'.repeat(26), '') }),
  fc.record({ type: fc.constant('URL'), text: fc.constantFrom('Suivre', 'تتبع'), url: fc.constantFrom('https://example.com/t/{{1}}', 'https://example.com/{{1}}/x', 'notaurl'), example: fc.constantFrom(['https://example.com/t/A-1'], 'bad', undefined) }),
  fc.record({ type: fc.constant('PHONE_NUMBER'), text: fc.constant('Appeler'), phone_number: fc.constantFrom('+447911123456', '12', '') }),
  fc.record({ type: fc.constantFrom('COPY_CODE', 'OTP', 'FLOW', 'teleport'), text: fc.constant('Code') }),
);

const component = fc.oneof(
  fc.record({ type: fc.constantFrom('HEADER', 'header'), format: fc.constantFrom('TEXT', 'IMAGE', 'HOLOGRAM'), text: fc.constantFrom('Colis {{1}} 📦', 'x'.repeat(61), 'Hi'), example: fc.constantFrom({ header_text: ['A-1'] }, {}, undefined) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('BODY'), text: fc.constantFrom(...REAL_TEXTS), example: fc.constantFrom({ body_text: [['Zoë']] }, { body_text: [['Zoë', 'A-1']] }, { body_text: 'Zoë' }, undefined) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('FOOTER'), text: fc.constantFrom('Relais ✨', 'x'.repeat(61), '{{1}}') }),
  fc.record({ type: fc.constant('BUTTONS'), buttons: fc.array(button, { maxLength: 12 }) }),
  oddValue,
);

/** Meta's example body: a valid positional utility template. */
const validBody = fc.record({
  name: fc.constantFrom(...NAMES),
  language: fc.constantFrom(...LANGUAGES),
  category: fc.constantFrom('UTILITY', 'MARKETING', 'utility'),
  parameter_format: fc.constantFrom('positional', 'POSITIONAL'),
  components: fc.constant([
    { type: 'HEADER', format: 'TEXT', text: 'Colis {{1}} 📦', example: { header_text: ['A-1'] } },
    { type: 'BODY', text: 'Bonjour {{1}}, votre colis {{2}} arrive aujourd’hui.', example: { body_text: [['Zoë', 'A-1']] } },
    { type: 'FOOTER', text: 'Relais ✨' },
  ]),
});

const creationBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: validBody },
  {
    weight: 6,
    arbitrary: fc
      .tuple(validBody, fc.integer({ min: 0, max: 5 }), fc.constantFrom('name', 'language', 'category', 'parameter_format', 'components'), oddValue, fc.array(component, { maxLength: 5 }), fc.constantFrom('extra', '__proto__', 'constructor', '🔑'))
      .map(([b, how, key, value, components, extraKey]) => {
        const copy: Record<string, unknown> = { ...b };
        if (how === 1) delete copy[key];
        else if (how === 2) copy[key] = value;
        else if (how === 3) Object.defineProperty(copy, extraKey, { value, enumerable: true, configurable: true, writable: true });
        else if (how === 4) copy['components'] = components;
        else if (how === 5) return value;
        return copy;
      }),
  },
);

function jsonText(body: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 12, arbitrary: body.map((b) => Buffer.from(JSON.stringify(b) ?? 'null')) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        Buffer.from(''),
        Buffer.from('{'),
        Buffer.from('not json'),
        Buffer.from(`{"components":${'['.repeat(6000)}${']'.repeat(6000)}}`),
        Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
        Buffer.from(JSON.stringify({ name: 'fuzz_colis', padding: '🙂'.repeat(70_000) })),
      ),
    },
  );
}

const accountId = fc.oneof(
  { weight: 8, arbitrary: fc.constant(BUSINESS_ACCOUNT_ID) },
  { weight: 3, arbitrary: fc.constantFrom('1', '999999999999999999999999999999999', '1'.repeat(40), 'abc', '-1', '%ZZ', '%00', enc('١٢٣'), enc('😀')) },
);

const templateName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 3, arbitrary: fc.constantFrom('%ZZ', '%E0%A4%A', '%ED%A0%80', '%00', 'Fuzz_Colis', enc('colis📦'), enc('طرد'), 'a'.repeat(513), 'a'.repeat(3000), enc('..'), 'fuzz%5Fcolis') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(enc) },
);

const queryValue = fc.oneof(fc.constantFrom('APPROVED', 'pending', 'LIVE', 'MARKETING', 'promo', '0', '1', '25', '100', '101', '-1', '1e2', '', 'fuzz_', 'en_US', 'fr', 'ar', 'xx-YYYYYYYYY', '🙂', 'bm90LWEtY3Vyc29y', 'MA', 'x'.repeat(600)), fc.string({ maxLength: 12 }));
const query = (keys: readonly string[]) =>
  fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.constantFrom('sort', 'after', 'Status', '🔑') }), queryValue, { maxKeys: 3 }).map((q) => {
    // RFC 3986 escapes, as SigV4 canonicalises a query (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
    const strict = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const search = Object.entries(q).map(([k, v]) => `${strict(k)}=${strict(v)}`).join('&');
    return search === '' ? '' : `?${search}`;
  });

const request: fc.Arbitrary<ApiRequest> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(accountId, jsonText(creationBody)).map(([a, body]) => ({ method: 'POST' as const, path: `/accounts/${a}/templates`, headers: { 'content-type': 'application/json' }, body })) },
  { weight: 2, arbitrary: fc.tuple(accountId, query(['status', 'category', 'name', 'limit', 'cursor'])).map(([a, q]) => ({ method: 'GET' as const, path: `/accounts/${a}/templates${q}` })) },
  { weight: 2, arbitrary: fc.tuple(accountId, templateName, query(['language', 'limit', 'cursor'])).map(([a, n, q]) => ({ method: 'GET' as const, path: `/accounts/${a}/templates/${n}${q}` })) },
  { weight: 1, arbitrary: fc.tuple(accountId, templateName, query(['language'])).map(([a, n, q]) => ({ method: 'DELETE' as const, path: `/accounts/${a}/templates/${n}${q}` })) },
);

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
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

describe(`mutated templates-API requests on the local stack (${seedNote})`, () => {
  it(`answers ${RUNS} mutated template requests with a documented status, a named problem for 4xx, never a 5xx, a stack trace or a secret`, { timeout: 600_000 }, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const a = await signedRequest(s.stack.apiUrl, r);
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        expect(ALLOWED, `${r.method} ${r.path.slice(0, 160)} → ${a.status}: ${a.text.slice(0, 300)}`).toContain(a.status);
        if (a.status >= 400) assertNamedProblem(a);
        expect(a.text).not.toMatch(STACK_TRACE);
        for (const secret of SECRETS) expect(a.text).not.toContain(secret);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.info(`templates fuzz ${seedNote}: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([x], [y]) => x - y)))}`);
    // The generator reaches success and every kind of refusal, so the assertions above were about something.
    for (const status of [200, 201, 400, 404, 409, 422]) expect(statuses.get(status) ?? 0, `status ${status} never reached (${seedNote})`).toBeGreaterThan(0);
  });
});
