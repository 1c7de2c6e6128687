import { describe, expect, it } from 'vitest';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { detailSchemaFor, type DomainEvent } from '#shared/contracts/events/registry.js';
import { WebhookPayloadSchema } from '#shared/contracts/whatsapp/webhook.js';
import { normaliseWebhook } from '#shared/domain/ingestion/normalise-webhook.js';
import { isQueueSafe, repairJson, repairText } from '#shared/domain/ingestion/queue-safe-text.js';
import { MAX_WEBHOOK_JSON_DEPTH, parseWebhookJson } from '#shared/domain/ingestion/webhook-json.js';
import { loadFixture } from '#test/fixtures/meta/index.js';

const RECEIVED_AT = Date.parse('2026-11-21T12:00:00Z');
const NOW_SECONDS = RECEIVED_AT / 1000;

type Json = Record<string, any>;

/** A body with one messages change holding these messages (default contact and metadata from messages-text). */
function messagesBody(messages: unknown[], statuses: unknown[] = []): Json {
  const body = structuredClone(loadFixture('messages-text')) as Json;
  body.entry[0].changes[0].value.messages = messages;
  if (statuses.length > 0) body.entry[0].changes[0].value.statuses = statuses;
  return body;
}

function textMessage(id: string, overrides: Json = {}): Json {
  return { from: '16505551234', id, timestamp: String(NOW_SECONDS - 60), type: 'text', text: { body: 'Hola 👋' }, ...overrides };
}

function normalise(body: unknown): DomainEvent[] {
  return normaliseWebhook(WebhookPayloadSchema.parse(body), RECEIVED_AT);
}

function expectValidContracts(events: DomainEvent[]) {
  for (const e of events) {
    const result = detailSchemaFor(e.detailType).safeParse({ metadata: e.metadata, data: e.data });
    expect(result.error?.issues ?? []).toEqual([]);
    expect(isQueueSafe(JSON.stringify({ metadata: e.metadata, data: e.data }))).toBe(true);
  }
}

describe('timestamps a decision depends on are bounded: an odd one makes its update unrecognised, never the delivery fail', () => {
  const cases: Array<[string, unknown]> = [
    ['beyond the range of Date', '99999999999999'],
    ['in year 10,000+', String(253_402_300_800)],
    ['negative', -1],
    ['fractional', 1744344496.5],
    ['text that is not a number', 'yesterday'],
    ['before 2009', '1000000000'],
    ['more than 7 days after receipt', String(NOW_SECONDS + 8 * 86_400)],
    ['empty', ''],
    ['null', null],
  ];

  it.each(cases)('a message timestamp %s: unrecognised, its valid neighbour still a MessageReceived', (_, timestamp) => {
    const events = normalise(messagesBody([textMessage('wamid.bad-time', { timestamp }), textMessage('wamid.good-time')]));
    expect(events.map((e) => e.detailType)).toEqual([DetailType.WebhookUpdateUnrecognised, DetailType.MessageReceived]);
    expect((events[1] as DomainEvent<'MessageReceived'>).data.wamid).toBe('wamid.good-time');
    expect((events[0] as DomainEvent<'WebhookUpdateUnrecognised'>).data.issues.join()).toMatch(/timestamp/);
    expectValidContracts(events);
  });

  it('accepts a timestamp up to 7 days ahead (clock skew) and as old as 2009', () => {
    const events = normalise(messagesBody([textMessage('wamid.skew', { timestamp: String(NOW_SECONDS + 6 * 86_400) }), textMessage('wamid.old', { timestamp: '1230768000' })]));
    expect(events.map((e) => e.detailType)).toEqual([DetailType.MessageReceived, DetailType.MessageReceived]);
  });

  it('a status timestamp out of range: unrecognised, keyed by wamid and status', () => {
    const status = { id: 'wamid.st', status: 'delivered', timestamp: '99999999999999', recipient_id: '16505551234' };
    const [event] = normalise(messagesBody([], [status]));
    expect(event?.detailType).toBe(DetailType.WebhookUpdateUnrecognised);
    expect(event?.metadata.eventId).toBe('unrecognised:wamid.st:delivered');
  });

  it('an entry.time out of range, or of any type, falls back to the receipt time instead of failing', () => {
    for (const time of [99_999_999_999_999, -5, 'soon', { at: 1 }, 1.5]) {
      const body = structuredClone(loadFixture('template-status-approved')) as Json;
      body.entry[0].time = time;
      const events = normalise(body);
      expect(events.map((e) => e.detailType)).toEqual([DetailType.TemplateStatusChanged]);
      expect(events[0]?.metadata.occurredAt).toBe(new Date(RECEIVED_AT).toISOString());
    }
  });
});

describe('ids consumers and DynamoDB would refuse are bounded at ingestion', () => {
  const huge = 'w'.repeat(100_000);
  const cases: Array<[string, Json]> = [
    ['a 100 KB wamid', { id: huge }],
    ['a 2,049-byte sender (over the partition-key limit)', { from: '𝒜'.repeat(513) }],
    ['an empty sender', { from: '' }],
    ['a wamid with a lone surrogate', { id: 'wamid.\uD83D' }],
    ['a sender with U+FFFF', { from: '1650555\uFFFF' }],
    ['a wamid that is a number', { id: 12345 }],
  ];

  it.each(cases)('%s: the message is unrecognised with a short event id; its neighbour is processed', (_, overrides) => {
    const events = normalise(messagesBody([textMessage('wamid.x', overrides), textMessage('wamid.fine')]));
    expect(events.map((e) => e.detailType)).toEqual([DetailType.WebhookUpdateUnrecognised, DetailType.MessageReceived]);
    expect(events[0]!.metadata.eventId.length).toBeLessThanOrEqual(512);
    expectValidContracts(events);
  });

  it('an empty recipient_id makes its status unrecognised', () => {
    const [event] = normalise(messagesBody([], [{ id: 'wamid.s', status: 'sent', timestamp: String(NOW_SECONDS), recipient_id: '' }]));
    expect(event?.detailType).toBe(DetailType.WebhookUpdateUnrecognised);
  });

  it('a contact entry with a bad wa_id is dropped; the message itself is processed', () => {
    const body = messagesBody([textMessage('wamid.c')]);
    body.entry[0].changes[0].value.contacts = [{ profile: { name: 'X' }, wa_id: '' }, { profile: { name: 'Ana' }, wa_id: '16505551234' }];
    const [event] = normalise(body) as Array<DomainEvent<'MessageReceived'>>;
    expect(event?.detailType).toBe(DetailType.MessageReceived);
    expect(event?.data.from.profileName).toBe('Ana');
  });
});

describe('one bad change never blocks its neighbours', () => {
  it('a change that is not an object, or whose value is not one, is unrecognised beside the valid change', () => {
    const body = structuredClone(loadFixture('messages-text')) as Json;
    body.entry[0].changes.push(42, { field: 'messages', value: 'nope' }, { field: '', value: {} });
    const events = normalise(body);
    expect(events.map((e) => e.detailType)).toEqual([
      DetailType.MessageReceived,
      DetailType.WebhookUpdateUnrecognised,
      DetailType.WebhookUpdateUnrecognised,
      DetailType.WebhookUpdateUnrecognised,
    ]);
    expectValidContracts(events);
  });
});

describe('characters SQS refuses are replaced in what ingestion publishes', () => {
  it('U+FFFE, U+FFFF, a lone surrogate and a control character in a text become U+FFFD, counted; emoji stay', () => {
    const [event] = normalise(messagesBody([textMessage('wamid.t', { text: { body: 'a\uFFFEb\uFFFFc\uDC00d\u0001 🎉' } })])) as Array<DomainEvent<'MessageReceived'>>;
    expect(event?.detailType).toBe(DetailType.MessageReceived);
    expect(event?.data.content).toEqual({ body: 'a\uFFFDb\uFFFDc\uFFFDd\uFFFD 🎉' });
    expect(event?.data.repairedCharacters).toBe(4);
    expectValidContracts([event!]);
  });

  it('repairs object keys too, and keeps a "__proto__" key an ordinary property', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"k\\uFFFF":"v"}');
    const { value: repaired, replaced } = repairJson(value);
    expect(replaced).toBe(1);
    expect(Object.keys(repaired)).toEqual(['__proto__', 'k\uFFFD']);
    expect(Object.getPrototypeOf(repaired)).toBe(Object.prototype);
  });

  it('leaves queue-safe text untouched, astral characters included', () => {
    expect(repairText('Merci 🎉 𝒜 שלום')).toEqual({ text: 'Merci 🎉 𝒜 שלום', replaced: 0 });
  });
});

describe('parseWebhookJson', () => {
  const bytes = (s: string) => Buffer.from(s, 'utf8');

  it('refuses bytes that are not UTF-8, naming it', () => {
    expect(parseWebhookJson(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]))).toEqual({ ok: false, problem: 'not_utf8', message: 'body is not valid UTF-8' });
  });

  it('refuses nesting deeper than the bound before anything walks it (5,000 levels)', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(parseWebhookJson(bytes(deep))).toMatchObject({ ok: false, problem: 'too_deep' });
    const edge = `${'['.repeat(MAX_WEBHOOK_JSON_DEPTH)}${']'.repeat(MAX_WEBHOOK_JSON_DEPTH)}`;
    expect(parseWebhookJson(bytes(edge)).ok).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ s: `\\"${'['.repeat(1000)}` });
    expect(parseWebhookJson(bytes(text))).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it('keeps integers above 2^53 exact as strings, and leaves safe integers, decimals and exponents as numbers', () => {
    const result = parseWebhookJson(bytes('{"a":9007199254740993,"b":-9007199254740993,"c":9007199254740991,"d":1.5e300,"e":12345678901234567.5,"f":"99999999999999999999"}'));
    expect(result).toEqual({ ok: true, value: { a: '9007199254740993', b: '-9007199254740993', c: 9007199254740991, d: 1.5e300, e: 12345678901234567.5, f: '99999999999999999999' } });
  });

  it('reports malformed JSON as such', () => {
    expect(parseWebhookJson(bytes('{"a":'))).toMatchObject({ ok: false, problem: 'invalid_json' });
    expect(parseWebhookJson(bytes('{"a":01234567890123456789}'))).toMatchObject({ ok: false, problem: 'invalid_json' });
  });
});
