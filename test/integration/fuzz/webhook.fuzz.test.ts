/**
 * Property suite for webhook ingestion on the local stack: correctly signed bodies built from every Meta
 * fixture (`test/fixtures/meta`), several updates per body, with values mutated the ways real and hostile
 * senders do — timestamps at their edges, numbers where strings belong and strings where numbers belong, deep
 * nesting, unusual keys, huge strings, emoji, lone surrogates, U+FFFE/U+FFFF, nulls, missing fields, ids above
 * 2^53 as JSON numbers — plus a few bodies that are not JSON, not UTF-8, unsigned or over 3 MB.
 *
 * - Every answer is 200, 400, 401 or 413, and no body carries a stack trace or a secret.
 * - Once the stack is idle, nothing is in the local bus's dead-letter file and every consumer queue and DLQ is empty:
 *   whatever ingestion accepted, its consumers could process.
 *
 * Reproducible: the bodies are drawn from `FUZZ_SEED` (printed in every assertion message); `FUZZ_RUNS` sets how
 * many (default 2,000). Bodies are posted four at a time.
 */
import { existsSync, readFileSync } from 'node:fs';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { signWebhookBody } from '#shared/domain/ingestion/webhook-signature.js';
import { parseWebhookJson } from '#shared/domain/ingestion/webhook-json.js';
import { LOCAL_SECRET_DEFAULTS } from '#infra/local/stack.js';
import { fixtureNames, loadFixtureText } from '#test/fixtures/meta/index.js';
import { allQueueDepths, startSendingStack, type SendingStack } from '#test/support/stack-harness.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_203);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2_000);
const CONCURRENCY = 4;
const seedNote = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every fixture's entries, read as the receiver reads them (ids above 2^53 kept exact). */
const FIXTURE_ENTRIES: Json[][] = fixtureNames().map((name) => {
  const parsed = parseWebhookJson(Buffer.from(loadFixtureText(name), 'utf8'));
  if (!parsed.ok) throw new Error(`fixture ${name}: ${parsed.message}`);
  return (parsed.value as { entry: Json[] }).entry;
});

/** Placeholder replaced in the body text by a raw JSON literal no `JSON.stringify` writes. */
const RAW_MARK = '\u0000raw:';
const RAW_LITERALS = ['12345678901234567891', '-98765432109876543210', '1e400', '0.000000000000000000001', '9007199254740993'];

const now = Math.floor(Date.now() / 1000);
const EDGE_VALUES: Json[] = [
  // timestamps at and beyond their edges, as numbers and as text
  '99999999999999', 99_999_999_999_999, 253_402_300_800, '253402300800', -1, '-1', 0, '0', 1_744_344_496.5, '1744344496.5',
  String(now), String(now + 8 * 86_400), '1230767999', '1230768000', 8.64e15, 1e308, -0,
  // numbers where strings belong and the reverse
  16_505_551_234, 2 ** 53 + 2, '37.4847', 'abc', '',
  // odd strings
  ' ', '\uD83D', '\uDC00x', 'a\uFFFEb', '\uFFFF', '\u0001\u0008', 'Merci 🎉', '👍🏽', '👨‍👩‍👧', 'ليلى حداد', 'נועה כהן', 'Zoë Lefèvre', '𝒜'.repeat(600),
  'w'.repeat(100_000), 'é'.repeat(30_000),
  // other types
  null, true, false, [], {}, [null], { '': null },
  ...RAW_LITERALS.map((l) => `${RAW_MARK}${l}`),
];
const UNUSUAL_KEYS = ['__proto__', 'constructor', 'prototype', '', ' ', 'ключ', '🔑', '\uD800', 'a\uFFFF', 'type', 'id', 'timestamp', 'x'.repeat(2_000)];

function nested(depth: number): Json {
  let v: Json = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { n: v };
  return v;
}

const valueArb: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...EDGE_VALUES) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((b) => `${RAW_MARK}${b}`)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: fc.constantFrom(10, 58, 70).map(nested) },
  // Far deeper than the receiver's bound, written as raw text (no serialiser is asked to walk it).
  { weight: 1, arbitrary: fc.constant(`${RAW_MARK}${'['.repeat(5_500)}0${']'.repeat(5_500)}`) },
);

type Mutation =
  | { readonly kind: 'replace'; readonly at: number; readonly value: Json }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'add-key'; readonly at: number; readonly key: string; readonly value: Json };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: valueArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add-key' as const), at: fc.nat(), key: fc.constantFrom(...UNUSUAL_KEYS), value: valueArb }) },
);

/** Every (container, key) slot of a JSON value down to 80 levels, so a mutation can pick one by index. */
function slots(root: Json): Array<{ parent: Json[] | { [key: string]: Json }; key: string | number }> {
  const out: Array<{ parent: Json[] | { [key: string]: Json }; key: string | number }> = [];
  const stack: Array<{ value: Json; depth: number }> = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (depth > 80 || value === null || typeof value !== 'object') continue;
    const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    for (const key of keys) {
      out.push({ parent: value, key });
      stack.push({ value: (value as Record<string | number, Json>)[key]!, depth: depth + 1 });
    }
  }
  return out;
}

function mutate(body: Json, m: Mutation): void {
  const all = slots(body);
  if (all.length === 0) return;
  const { parent, key } = all[m.at % all.length]!;
  if (m.kind === 'replace') (parent as Record<string | number, Json>)[key] = m.value;
  else if (m.kind === 'delete') Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key as string];
  else {
    const target = (parent as Record<string | number, Json>)[key];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
  }
}

function serialise(body: Json): string {
  const text = JSON.stringify(body);
  // A raw literal goes in unquoted, so the receiver sees a JSON number no serialiser would write.
  return text.replace(/"\\u0000raw:([^"]*)"/g, '$1');
}

interface Case {
  readonly body: Buffer;
  readonly signature: string | undefined;
}

const mutatedCase: fc.Arbitrary<Case> = fc
  .record({
    picks: fc.array(fc.nat({ max: FIXTURE_ENTRIES.length - 1 }), { minLength: 1, maxLength: 4 }),
    mutations: fc.array(mutationArb, { minLength: 0, maxLength: 4 }),
  })
  .map(({ picks, mutations }) => {
    const body: Json = { object: 'whatsapp_business_account', entry: picks.flatMap((i) => structuredClone(FIXTURE_ENTRIES[i]!)) };
    for (const m of mutations) mutate(body, m);
    const bytes = Buffer.from(serialise(body), 'utf8');
    return { body: bytes, signature: signWebhookBody(bytes, LOCAL_SECRET_DEFAULTS.appSecret) };
  });

const signedRaw = (text: string | Buffer): Case => {
  const body = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  return { body, signature: signWebhookBody(body, LOCAL_SECRET_DEFAULTS.appSecret) };
};

/** Bodies that are not a well-formed webhook at all: each must end in a 4xx naming the problem. */
const brokenCase: fc.Arbitrary<Case> = fc.constantFrom(
  signedRaw(''),
  signedRaw('{'),
  signedRaw('not json'),
  signedRaw(`{"object":"whatsapp_business_account","entry":${'['.repeat(6_000)}${']'.repeat(6_000)}}`),
  signedRaw(Buffer.concat([Buffer.from('{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}],"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
  signedRaw('{"object":"page","entry":[]}'),
  signedRaw('[]'),
  { body: Buffer.from(loadFixtureText('messages-text')), signature: undefined },
  { body: Buffer.from(loadFixtureText('messages-text')), signature: `sha256=${'0'.repeat(64)}` },
);

const caseArb = fc.oneof({ weight: 40, arbitrary: mutatedCase }, { weight: 1, arbitrary: brokenCase });

const SECRETS = Object.values(LOCAL_SECRET_DEFAULTS);
const STACK_TRACE = /\bat [\w.<>]+ \(|\.(ts|js):\d+:\d+|RangeError|TypeError|SyntaxError/;

async function post(apiUrl: string, c: Case): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (c.signature !== undefined) headers['x-hub-signature-256'] = c.signature;
  const response = await fetch(`${apiUrl}/webhook`, { method: 'POST', headers, body: c.body });
  return { status: response.status, text: await response.text() };
}

let s: SendingStack;
const answers: Array<{ index: number; status: number; text: string }> = [];
let idle: unknown;

beforeAll(async () => {
  s = await startSendingStack();
  const cases = fc.sample(caseArb, { seed: SEED, numRuns: RUNS });
  // One 3 MB + 1 byte body: the size limit is checked before anything else.
  cases.push(signedRaw(Buffer.alloc(3 * 1024 * 1024 + 1, 0x20)));
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < cases.length; i = next++) answers.push({ index: i, ...(await post(s.stack.apiUrl, cases[i]!)) });
    }),
  );
  idle = await s.stack.whenIdle(300_000).catch((error: unknown) => error);
}, 900_000);

afterAll(async () => {
  await s?.stop();
});

describe(`mutated webhook bodies on the local stack (${seedNote})`, () => {
  it(`answers ${RUNS} signed, mutated bodies with 200, 400, 401 or 413, never a stack trace or a secret`, () => {
    expect(answers.length).toBe(RUNS + 1);
    const bad = answers.filter((a) => ![200, 400, 401, 413].includes(a.status) || STACK_TRACE.test(a.text) || SECRETS.some((x) => a.text.includes(x)));
    expect(bad.slice(0, 5).map((a) => `case ${a.index}: ${a.status} ${a.text.slice(0, 200)}`), seedNote).toEqual([]);
    const byStatus = Object.fromEntries([200, 400, 401, 413].map((code) => [code, answers.filter((a) => a.status === code).length]));
    // The generator reaches every outcome, and mostly bodies that are acknowledged (so consumers get work).
    expect(Object.values(byStatus).every((n) => n > 0), `${JSON.stringify(byStatus)} (${seedNote})`).toBe(true);
    expect(byStatus[200]!, `${JSON.stringify(byStatus)} (${seedNote})`).toBeGreaterThan(RUNS / 2);
  });

  it('leaves nothing dead-lettered: the bus delivered every event and every consumer queue and DLQ is empty', async () => {
    expect(idle, seedNote).toBeUndefined();
    const deadLetters = s.stack.bus.deadLettersPath;
    const text = existsSync(deadLetters) ? readFileSync(deadLetters, 'utf8').trim() : '';
    const summary = text === '' ? [] : text.split('\n').slice(0, 3).map((line) => {
      const d = JSON.parse(line) as { rule: string; error: string; event: { 'detail-type': string } };
      return `${d.rule} ${d.event['detail-type']}: ${d.error.slice(0, 200)}`;
    });
    expect(summary, `${text === '' ? 0 : text.split('\n').length} dead letters (${seedNote})`).toEqual([]);
    const depths = await allQueueDepths(s.sqs, s.stack.queueUrls);
    expect(Object.values(depths).every((n) => n === 0), `queue depths ${JSON.stringify(depths)} (${seedNote})`).toBe(true);
  });
});
