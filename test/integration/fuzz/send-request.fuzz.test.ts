/**
 * Property suite for send requests on the local stack: mutated requests (fields dropped, replaced by random
 * JSON, wrong types, huge or tiny values, ids above 2^53, emoji, RTL text, accents, reused idempotency keys)
 * both as `POST /messages` bodies and as `SendRequested` events on the local bus.
 *
 * - HTTP: every answer is 202, 400, 409 or 422, and no body carries a stack trace or a secret.
 * - Events: every one ends in exactly one `SendAccepted` or `SendRejected`, nothing is in the local bus's
 *   dead-letter file, and every queue and DLQ is empty once the stack is idle.
 *
 * Reproducible: the generator is seeded from `FUZZ_SEED` (printed on failure); `FUZZ_RUNS` sets the count per
 * channel (default 1,000). Event texts leave out U+FFFE and U+FFFF, which SQS refuses in a message body
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html): on AWS such an
 * event never reaches request-send either; the HTTP channel, which no queue sits in front of, gets them.
 */
import { existsSync, readFileSync } from 'node:fs';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOCAL_SECRET_DEFAULTS } from '#infra/local/stack.js';
import {
  BUSINESS_PHONE_NUMBER_ID,
  allQueueDepths,
  dataOf,
  eventsMatching,
  eventually,
  postRawMessage,
  startSendingStack,
  ukMobile,
  type SendingStack,
} from '#test/support/stack-harness.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 7_2026);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 1_000);
const EVENT_SOURCE = `fuzz.events.${SEED}`;
const seedNote = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`;

const REAL_TEXTS = [
  'Merci 🎉',
  'شكرا لك على طلبك، سيصل غدا',
  'Crème brûlée à 8 € — déjà payée',
  '👍🏽 👨‍👩‍👧 🇧🇷',
  'הזמנה 4521 נשלחה',
  '𝓤𝓷𝓲𝓬𝓸𝓭𝓮 \u{1F600}',
  'Zażółć gęślą jaźń',
  '',
  ' ',
  'x'.repeat(4096),
];

function textArb(forQueues: boolean): fc.Arbitrary<string> {
  const any = fc.oneof(
    fc.constantFrom(...REAL_TEXTS),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.string({ maxLength: 5000, minLength: 4090 }),
  );
  return forQueues ? any.map((t) => t.replace(/[\uFFFE\uFFFF]/g, '?')) : any;
}

/** A well-formed request: a text, or the local stack's `order_update` (2 body parameters) or `login_code`. */
function baseRequest(forQueues: boolean) {
  const text = textArb(forQueues);
  const message = fc.oneof(
    text.map((body) => ({ type: 'text', body })),
    fc.tuple(text, text).map(([a, b]) => ({ type: 'template', name: 'order_update', language: 'en_US', components: { body: [{ type: 'text', text: a }, { type: 'text', text: b }] } })),
    fc.stringMatching(/^\d{4,8}$/).map((code) => ({ type: 'template', name: 'login_code', language: 'en_US', components: { body: [{ type: 'text', text: code }], buttons: [{ index: 0, subType: 'url', parameters: [{ type: 'text', text: code }] }] } })),
  );
  return fc.record({
    metadata: fc.record({
      schemaVersion: fc.constant(1),
      // A few shared keys, so that repeats (same body) and reuses (other body) happen.
      idempotencyKey: fc.oneof(fc.uuid(), fc.constantFrom('fuzz-shared-1', 'fuzz-shared-2', 'fuzz-shared-3')),
      correlationId: fc.constantFrom('order-42', 'commande-été-🌞'),
    }),
    data: fc.record({
      phoneNumberId: fc.constant(BUSINESS_PHONE_NUMBER_ID),
      to: fc.integer({ min: 0, max: 999 }).map(ukMobile),
      message,
    }),
  });
}

const PATHS = [
  [],
  ['metadata'],
  ['metadata', 'schemaVersion'],
  ['metadata', 'idempotencyKey'],
  ['metadata', 'correlationId'],
  ['data'],
  ['data', 'phoneNumberId'],
  ['data', 'to'],
  ['data', 'message'],
  ['data', 'message', 'type'],
  ['data', 'message', 'body'],
  ['data', 'message', 'name'],
  ['data', 'message', 'components'],
] as const;

const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, '', 0, -1, 1e308, -0, 2 ** 53 + 1, '90071992547409931234', '+', '+44 7911 123456', 'wamid.🎉', [], {}, true),
  fc.constant('é'.repeat(20_000)),
);

type Mutation = { kind: 'none' } | { kind: 'delete' | 'replace'; path: readonly string[]; value?: unknown } | { kind: 'extra'; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' } as const) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...PATHS.filter((p) => p.length > 0)) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), path: fc.constantFrom(...PATHS), value: replacement }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extra' as const), key: fc.constantFrom('__proto__', 'constructor', 'extra', 'ключ', '🔑'), value: fc.jsonValue({ maxDepth: 2 }) }) },
);

function mutate(request: Record<string, unknown>, m: Mutation): unknown {
  const copy = structuredClone(request);
  if (m.kind === 'none') return copy;
  if (m.kind === 'extra') {
    Object.defineProperty(copy, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
    return copy;
  }
  if (m.path.length === 0) return m.kind === 'replace' ? m.value : copy;
  let parent: Record<string, unknown> = copy;
  for (const key of m.path.slice(0, -1)) {
    const next = parent[key];
    if (typeof next !== 'object' || next === null) return copy;
    parent = next as Record<string, unknown>;
  }
  const last = m.path.at(-1)!;
  if (m.kind === 'delete') delete parent[last];
  else parent[last] = m.value;
  return copy;
}

/** Bodies as text: most from JSON.stringify; some not JSON, or nested far deeper than any serialiser writes. */
function bodyText(forQueues: boolean): fc.Arbitrary<string> {
  const mutated = fc.tuple(baseRequest(forQueues), mutation).map(([r, m]) => {
    const value = mutate(r, m);
    // An event's detail is a JSON object (PutEvents refuses anything else), so a replaced root is wrapped there.
    const body = forQueues && (typeof value !== 'object' || value === null || Array.isArray(value)) ? { metadata: value } : value;
    return JSON.stringify(body) ?? 'null';
  });
  if (forQueues) return mutated;
  return fc.oneof(
    { weight: 20, arbitrary: mutated },
    { weight: 1, arbitrary: fc.constantFrom('', '{', 'not json', '{"metadata":', '\u0000', `{"data":${'['.repeat(6000)}${']'.repeat(6000)}}`) },
  );
}

const SECRETS = Object.values(LOCAL_SECRET_DEFAULTS);
const STACK_TRACE = /\bat [\w.<>]+ \(|\.(ts|js):\d+:\d+|RangeError|TypeError|SyntaxError/;

let s: SendingStack;

beforeAll(async () => {
  s = await startSendingStack();
});

afterAll(async () => {
  await s?.stop();
});

describe(`mutated send requests on the local stack (${seedNote})`, () => {
  it(`answers ${RUNS} mutated POST /messages bodies with 202, 400, 409 or 422, never a stack trace or a secret`, { timeout: 600_000 }, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(bodyText(false), async (body) => {
        const answer = await postRawMessage(s.stack.apiUrl, body);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect([202, 400, 409, 422], `status ${answer.status}: ${answer.text.slice(0, 300)}`).toContain(answer.status);
        expect(answer.text).not.toMatch(STACK_TRACE);
        for (const secret of SECRETS) expect(answer.text).not.toContain(secret);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The generator reaches every outcome, so the assertion above was about something.
    expect([...statuses.keys()].sort(), seedNote).toEqual([202, 400, 409, 422]);
  });

  it(`ends ${RUNS} mutated SendRequested events each in SendAccepted or SendRejected, with nothing dead-lettered`, { timeout: 900_000 }, async () => {
    const details = fc.sample(bodyText(true), { seed: SEED + 1, numRuns: RUNS });
    const queue = [...details];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let detail = queue.shift(); detail !== undefined; detail = queue.shift()) await s.bus.putSendRequested(detail, { raw: true, source: EVENT_SOURCE });
      }),
    );
    const outcomes = () => eventsMatching(s.eventsLogPath, { detailType: ['SendAccepted', 'SendRejected'] }).filter((e) => dataOf(e)['requestedBy'] === EVENT_SOURCE);
    await eventually(() => (outcomes().length >= RUNS ? true : undefined), {
      timeoutMs: 600_000,
      intervalMs: 1000,
      what: `${RUNS} SendAccepted/SendRejected from ${EVENT_SOURCE} (${seedNote})`,
      seen: () => `${outcomes().length} so far`,
    });
    await s.stack.whenIdle(300_000);

    expect(outcomes(), seedNote).toHaveLength(RUNS);
    const kinds = new Set(outcomes().map((e) => e['detail-type']));
    expect(kinds, seedNote).toEqual(new Set(['SendAccepted', 'SendRejected']));
    const deadLetters = s.stack.bus.deadLettersPath;
    expect(existsSync(deadLetters) ? readFileSync(deadLetters, 'utf8') : '', seedNote).toBe('');
    const depths = await allQueueDepths(s.sqs, s.stack.queueUrls);
    expect(Object.values(depths).every((n) => n === 0), `queue depths ${JSON.stringify(depths)} (${seedNote})`).toBe(true);
  });
});
