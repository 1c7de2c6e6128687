/**
 * Property suite for the operator read API on the local stack (DynamoDB Local, the local HTTP API SigV4-signed as an
 * IAM caller): mutated paths of `GET /messages/{messageId}`, `GET /phone-numbers/{phoneNumberId}/health` and
 * `GET /accounts/{businessAccountId}/messaging-limit` (malformed %-escapes, %00, non-BMP, RTL digits, ids above
 * 2^53 and beyond 32 digits, `..`, UUIDs in capitals, message ids of other systems) and stray query strings.
 *
 * Every answer is 200, 400 or 404, never 5xx; a 4xx is JSON `{ error: { code, message } }` (or the gateway's
 * `{ message }` for an unknown route); no body carries a stack trace or a secret.
 *
 * Reproducible: seeded from `FUZZ_SEED` (printed in the test name); `FUZZ_RUNS` sets the number of requests (default 400).
 */
import { randomUUID } from 'node:crypto';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOCAL_SECRET_DEFAULTS } from '#infra/local/stack.js';
import { BUSINESS_ACCOUNT_ID, signedRequest, startSendingStack, type ApiRequest, type HttpAnswer, type SendingStack } from '#test/support/stack-harness.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 12_2026);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 400);
const seedNote = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`;
const ALLOWED = [200, 400, 404];
const SECRETS = Object.values(LOCAL_SECRET_DEFAULTS);
const STACK_TRACE = /\bat [\w.<>]+ \(|\.(ts|js):\d+:\d+|RangeError|TypeError|SyntaxError|node_modules|\/work\/|ConditionalCheck|Dynamo/;
const enc = (s: string) => encodeURIComponent(s);
/** The sandbox's number, which the stack's webhooks name. */
const NUMBER_ID = '106540352242922';

const odd = fc.oneof(
  fc.constantFrom('%ZZ', '%E0%A4%A', '%ED%A0%80', '%00', enc('١٢٣'), enc('😀'), enc('..'), '1'.repeat(33), '9007199254740993123', '-1', '0x1F', '%20', enc('m_🚚'), 'wamid.HBgL'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }).map(enc),
);
const messageId = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null).map(() => `m_${randomUUID()}`) },
  { weight: 1, arbitrary: fc.constant(null).map(() => `m_${randomUUID().toUpperCase()}`) },
  { weight: 3, arbitrary: odd },
);
const numberId = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(NUMBER_ID, '123456789012345') }, { weight: 3, arbitrary: odd });
const accountId = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(BUSINESS_ACCOUNT_ID, '1') }, { weight: 3, arbitrary: odd });
const search = fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('?limit=5', '?x=1', `?q=${enc('🙂')}`) });

const request: fc.Arbitrary<ApiRequest> = fc.oneof(
  fc.tuple(messageId, search).map(([id, q]) => ({ method: 'GET' as const, path: `/messages/${id}${q}` })),
  fc.tuple(numberId, search).map(([id, q]) => ({ method: 'GET' as const, path: `/phone-numbers/${id}/health${q}` })),
  fc.tuple(accountId, search).map(([id, q]) => ({ method: 'GET' as const, path: `/accounts/${id}/messaging-limit${q}` })),
);

function assertNamedProblem(a: HttpAnswer): void {
  expect(a.json, `not JSON: ${a.text.slice(0, 200)}`).toBeTypeOf('object');
  const body = a.json as { error?: { code?: unknown; message?: unknown }; message?: unknown };
  if (body.error === undefined) {
    expect(a.status, `gateway-style body on ${a.status}: ${a.text.slice(0, 200)}`).toBe(404);
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

describe(`mutated read-API requests on the local stack (${seedNote})`, () => {
  it(`answers ${RUNS} mutated requests with 200, 400 or 404, a named problem for 4xx, never a 5xx, a stack trace or a secret`, { timeout: 600_000 }, async () => {
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
    // The generator reaches answers and both kinds of refusal, so the assertions above were about something.
    for (const status of ALLOWED) expect(statuses.get(status) ?? 0, `status ${status} never reached (${seedNote})`).toBeGreaterThan(0);
  });
});
