import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BsuidSchema, E164PhoneNumberSchema } from '#shared/contracts/events/outbound/fields.js';
import { SendRequestSchema, parseSendRequest, type OutboundMessage, type SendRequest } from '#shared/contracts/events/outbound/send-request.js';
import { OUTBOUND_MESSAGE_TYPES } from '#shared/contracts/events/outbound/vocabulary.js';

const WAMID = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA';
const WAMID_2 = 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0N0FCNjMA';

/** A valid request around `message`; `data` and `metadata` fields can be overridden (undefined removes one). */
function request(message: unknown, data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    metadata: dropUndefined({ schemaVersion: 1, idempotencyKey: 'order-42:shipped', correlationId: 'order-42', ...metadata }),
    data: dropUndefined({ phoneNumberId: '106540352242922', to: '+16505551234', message, ...data }),
  };
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** The issues of a request that must be refused. */
function issuesOf(input: unknown): string[] {
  const result = parseSendRequest(input);
  if (result.ok) throw new Error('expected the request to be refused, but it was accepted');
  expect(result.reason).toBe('invalid_request');
  return result.issues;
}

/** Asserts that exactly the line for `path` is among the issues, and that it matches `problem`. */
function expectIssue(input: unknown, path: string, problem?: RegExp): void {
  const issues = issuesOf(input);
  const line = issues.find((issue) => issue.startsWith(`${path}: `));
  expect(line, `no issue for ${path} in ${JSON.stringify(issues)}`).toBeDefined();
  if (problem) expect(line).toMatch(problem);
}

const text = (body: string, extra: Record<string, unknown> = {}) => ({ type: 'text', body, ...extra });
const buttons = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `b${i}`, title: `Option ${i}` }));
const rows = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, title: `Row ${i}` }));

const validMessages: Record<string, OutboundMessage> = {
  'text': { type: 'text', body: 'Your order has shipped.' },
  'text with a link preview, quoting a message': { type: 'text', body: 'See https://example.com/track', previewUrl: true, replyTo: WAMID },
  'image by media id with a caption': { type: 'image', mediaId: '1037543291543636', caption: 'Your receipt' },
  'video by https link': { type: 'video', link: 'https://cdn.example.com/clip.mp4?v=2' },
  'audio by media id': { type: 'audio', mediaId: '1013859600285441' },
  'document with a file name': { type: 'document', link: 'https://cdn.example.com/invoice.pdf', filename: 'invoice.pdf', caption: 'Invoice 42' },
  'sticker': { type: 'sticker', mediaId: '798882015472548' },
  'reaction': { type: 'reaction', messageId: WAMID, emoji: '👍' },
  'reaction with a multi-code-point emoji': { type: 'reaction', messageId: WAMID, emoji: '👩‍👩‍👧' },
  'reaction removal': { type: 'reaction', messageId: WAMID, emoji: '' },
  'interactive reply buttons with a text header': {
    type: 'interactive',
    kind: 'button',
    header: { type: 'text', text: 'Delivery' },
    body: 'Is tomorrow morning fine?',
    footer: 'Reply to choose',
    buttons: buttons(3),
  },
  'interactive reply buttons with an image header': {
    type: 'interactive',
    kind: 'button',
    header: { type: 'image', link: 'https://cdn.example.com/van.png' },
    body: 'Pick a slot',
    buttons: buttons(1),
    replyTo: WAMID,
  },
  'interactive list with titled sections': {
    type: 'interactive',
    kind: 'list',
    header: { type: 'text', text: 'Slots' },
    body: 'Choose a delivery slot',
    button: 'Slots',
    sections: [
      { title: 'Morning', rows: rows(5, 'm') },
      { title: 'Afternoon', rows: [{ id: 'pm-early', title: '14:00-16:00', description: 'Driver calls ahead' }, ...rows(4, 'a')] },
    ],
  },
  'interactive call-to-action URL': {
    type: 'interactive',
    kind: 'cta_url',
    body: 'Track your parcel',
    displayText: 'Track',
    url: 'https://track.example.com/p/42',
  },
  'interactive single product': { type: 'interactive', kind: 'product', catalogId: '367025965434465', productRetailerId: 'SKU-1', body: 'Back in stock' },
  'interactive product list': {
    type: 'interactive',
    kind: 'product_list',
    header: { type: 'text', text: 'Our picks' },
    body: 'Picked for you',
    catalogId: '367025965434465',
    sections: [
      { title: 'Shoes', productRetailerIds: ['S-1', 'S-2'] },
      { title: 'Bags', productRetailerIds: ['B-1'] },
    ],
  },
  'template without parameters': { type: 'template', name: 'hello_world', language: 'en_US' },
  'template with positional parameters and every button kind': {
    type: 'template',
    name: 'order_confirmation',
    language: 'fr',
    components: {
      header: { type: 'image', mediaId: '1037543291543636' },
      body: [
        { type: 'text', text: 'Jessica' },
        { type: 'currency', fallbackValue: '$100.99', code: 'USD', amount1000: 100990 },
        { type: 'date_time', fallbackValue: 'February 25, 1977' },
      ],
      buttons: [
        { subType: 'quick_reply', index: 0, payload: 'STOP_PROMO' },
        { subType: 'url', index: 1, text: 'order/42' },
        { subType: 'copy_code', index: 2, couponCode: 'SAVE10' },
        { subType: 'flow', index: 3, flowToken: 'tok-1', flowActionData: { step: 1 } },
      ],
    },
  },
  'template with named parameters and a location header': {
    type: 'template',
    name: 'pickup_ready',
    language: 'pt_BR',
    components: {
      header: { type: 'location', latitude: 48.8566, longitude: 2.3522, name: 'Depot', address: '1 rue de Rivoli' },
      body: [
        { type: 'text', parameterName: 'first_name', text: 'Ana' },
        { type: 'text', parameterName: 'order_number', text: 'SKBUP2-4CPIG9' },
      ],
    },
    replyTo: WAMID,
  },
  'template with a named text header': {
    type: 'template',
    name: 'welcome_2',
    language: 'en',
    components: { header: { type: 'text', text: 'Hi', parameterName: 'greeting' }, body: [{ type: 'text', text: 'Ana', parameterName: 'name' }] },
  },
  'mark read with typing indicator': { type: 'markRead', messageId: WAMID, typingIndicator: true },
};

describe('parseSendRequest: valid requests', () => {
  it.each(Object.entries(validMessages))('accepts a %s message unchanged', (_name, message) => {
    const body = request(message);
    const result = parseSendRequest(body);
    expect(result).toEqual({ ok: true, value: body });
  });

  it('covers every message type among the valid examples', () => {
    const types = new Set(Object.values(validMessages).map((message) => message.type));
    expect([...types].sort()).toEqual([...OUTBOUND_MESSAGE_TYPES].sort());
  });

  it('accepts a business-scoped user id, a parent BSUID, a business account and a category hint instead of a phone number', () => {
    for (const recipientUserId of ['US.13491208655302741918', 'FR.ENT.99887766554433']) {
      const body = request(text('hi'), { to: undefined, recipientUserId, businessAccountId: '102290129340398', category: 'utility' });
      expect(parseSendRequest(body)).toEqual({ ok: true, value: body });
    }
  });

  it('accepts a request without a correlation id', () => {
    expect(parseSendRequest(request(text('hi'), {}, { correlationId: undefined })).ok).toBe(true);
  });

  it('accepts a text body of exactly 4096 characters and 3 buttons, the upper limits', () => {
    expect(parseSendRequest(request(text('x'.repeat(4096)))).ok).toBe(true);
    expect(parseSendRequest(request({ type: 'interactive', kind: 'button', body: 'b', buttons: buttons(3) })).ok).toBe(true);
  });
});

describe('parseSendRequest: limits and shape, each refused with the field named', () => {
  it('refuses a text body of 4097 characters', () => {
    expectIssue(request(text('x'.repeat(4097))), 'data.message.body', /4096/);
  });

  it('refuses an empty text body', () => {
    expectIssue(request(text('')), 'data.message.body');
  });

  it('refuses 4 reply buttons', () => {
    expectIssue(request({ type: 'interactive', kind: 'button', body: 'b', buttons: buttons(4) }), 'data.message.buttons', /3/);
  });

  it('refuses a reply button title over 20 characters and duplicate button ids', () => {
    const long = { type: 'interactive', kind: 'button', body: 'b', buttons: [{ id: 'a', title: 'x'.repeat(21) }] };
    expectIssue(request(long), 'data.message.buttons[0].title', /20/);
    const duplicate = { type: 'interactive', kind: 'button', body: 'b', buttons: [{ id: 'a', title: 'A' }, { id: 'a', title: 'B' }] };
    expectIssue(request(duplicate), 'data.message.buttons[1].id', /unique/);
  });

  it('refuses 11 list rows in one section', () => {
    const list = { type: 'interactive', kind: 'list', body: 'b', button: 'Open', sections: [{ rows: rows(11) }] };
    expectIssue(request(list), 'data.message.sections[0].rows', /10/);
  });

  it('refuses 11 list rows spread over two sections', () => {
    const list = {
      type: 'interactive',
      kind: 'list',
      body: 'b',
      button: 'Open',
      sections: [
        { title: 'A', rows: rows(6, 'a') },
        { title: 'B', rows: rows(5, 'b') },
      ],
    };
    expectIssue(request(list), 'data.message.sections', /at most 10 rows in total/);
  });

  it('refuses a list section without a title when there are several, and repeated row ids', () => {
    const list = {
      type: 'interactive',
      kind: 'list',
      body: 'b',
      button: 'Open',
      sections: [{ title: 'A', rows: rows(2) }, { rows: rows(2) }],
    };
    const issues = issuesOf(request(list));
    expect(issues).toContain('data.message.sections[1].title: is required when there is more than one section');
    expect(issues.some((issue) => issue.startsWith('data.message.sections[1].rows[0].id: ') && issue.includes('unique'))).toBe(true);
  });

  it('refuses list row titles over 24 characters and descriptions over 72', () => {
    const list = {
      type: 'interactive',
      kind: 'list',
      body: 'b',
      button: 'Open',
      sections: [{ rows: [{ id: 'r', title: 'x'.repeat(25), description: 'y'.repeat(73) }] }],
    };
    const issues = issuesOf(request(list));
    expect(issues.some((issue) => issue.startsWith('data.message.sections[0].rows[0].title: '))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('data.message.sections[0].rows[0].description: '))).toBe(true);
  });

  it('refuses a product list of 31 products, or without its text header', () => {
    const ids = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    const tooMany = {
      type: 'interactive',
      kind: 'product_list',
      header: { type: 'text', text: 'h' },
      body: 'b',
      catalogId: 'c',
      sections: [
        { title: 'A', productRetailerIds: ids(16, 'a') },
        { title: 'B', productRetailerIds: ids(15, 'b') },
      ],
    };
    expectIssue(request(tooMany), 'data.message.sections', /at most 30 products/);
    const { header: _header, ...headless } = tooMany;
    expectIssue(request({ ...headless, sections: [{ productRetailerIds: ['a'] }] }), 'data.message.header');
  });

  it('refuses a call-to-action over plain http and display text over 20 characters', () => {
    const cta = { type: 'interactive', kind: 'cta_url', body: 'b', displayText: 'x'.repeat(21), url: 'http://track.example.com' };
    const issues = issuesOf(request(cta));
    expect(issues.some((issue) => issue.startsWith('data.message.url: ') && issue.includes('https'))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('data.message.displayText: '))).toBe(true);
  });

  it('refuses an unknown interactive kind, naming the allowed ones', () => {
    expectIssue(request({ type: 'interactive', kind: 'carousel', body: 'b' }), 'data.message.kind', /button, list, cta_url, product, product_list/);
  });

  it('refuses a caption of 1025 characters', () => {
    expectIssue(request({ type: 'image', mediaId: '1', caption: 'c'.repeat(1025) }), 'data.message.caption', /1024/);
  });

  it('refuses a caption on audio and on a sticker', () => {
    expectIssue(request({ type: 'audio', mediaId: '1', caption: 'c' }), 'data.message', /caption/);
    expectIssue(request({ type: 'sticker', mediaId: '1', caption: 'c' }), 'data.message', /caption/);
  });

  it('refuses media with both mediaId and link, and with neither', () => {
    expectIssue(request({ type: 'image', mediaId: '1', link: 'https://cdn.example.com/a.png' }), 'data.message', /exactly one of mediaId or link/);
    expectIssue(request({ type: 'document', filename: 'a.pdf' }), 'data.message', /one of mediaId or link is required/);
  });

  it('refuses a media header with both mediaId and link', () => {
    const message = { type: 'interactive', kind: 'button', header: { type: 'video', mediaId: '1', link: 'https://cdn.example.com/a.mp4' }, body: 'b', buttons: buttons(1) };
    expectIssue(request(message), 'data.message.header', /exactly one of mediaId or link/);
  });

  it('refuses a reaction that is text or two emoji, and a reaction or mark-read with replyTo', () => {
    expectIssue(request({ type: 'reaction', messageId: WAMID, emoji: 'ok' }), 'data.message.emoji');
    expectIssue(request({ type: 'reaction', messageId: WAMID, emoji: '👍👍' }), 'data.message.emoji');
    expectIssue(request({ type: 'reaction', messageId: WAMID, emoji: '👍', replyTo: WAMID_2 }), 'data.message', /replyTo/);
    expectIssue(request({ type: 'markRead', messageId: WAMID, replyTo: WAMID_2 }), 'data.message', /replyTo/);
  });

  it('refuses a message id that is not a wamid', () => {
    expectIssue(request({ type: 'markRead', messageId: 'msg-1' }), 'data.message.messageId', /wamid/);
    expectIssue(request(text('hi', { replyTo: '12345' })), 'data.message.replyTo', /wamid/);
  });

  it('refuses mixed positional and named template parameters', () => {
    const template = {
      type: 'template',
      name: 'order_update',
      language: 'en_US',
      components: { body: [{ type: 'text', text: 'Ana' }, { type: 'text', parameterName: 'order_number', text: '42' }] },
    };
    expectIssue(request(template), 'data.message.components', /all positional or all named/);
  });

  it('refuses a named body with a positional text header as mixed', () => {
    const template = {
      type: 'template',
      name: 'order_update',
      language: 'en_US',
      components: { header: { type: 'text', text: 'Hi' }, body: [{ type: 'text', parameterName: 'name', text: 'Ana' }] },
    };
    expectIssue(request(template), 'data.message.components', /all positional or all named/);
  });

  it('refuses repeated parameter names and repeated or out-of-range button indexes', () => {
    const template = {
      type: 'template',
      name: 'order_update',
      language: 'en_US',
      components: {
        body: [
          { type: 'text', parameterName: 'name', text: 'Ana' },
          { type: 'text', parameterName: 'name', text: 'Bo' },
        ],
        buttons: [
          { subType: 'quick_reply', index: 0, payload: 'A' },
          { subType: 'quick_reply', index: 0, payload: 'B' },
          { subType: 'url', index: 10, text: 'x' },
        ],
      },
    };
    const issues = issuesOf(request(template));
    expect(issues.some((issue) => issue.startsWith('data.message.components.body[1].parameterName: ') && issue.includes('unique'))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('data.message.components.buttons[2].index: '))).toBe(true);
    const duplicateIndex = { ...template, components: { buttons: template.components.buttons.slice(0, 2) } };
    expectIssue(request(duplicateIndex), 'data.message.components.buttons[1].index', /unique/);
  });

  it('refuses template names and languages Meta would not accept', () => {
    expectIssue(request({ type: 'template', name: 'Order-Update', language: 'en_US' }), 'data.message.name', /lowercase/);
    expectIssue(request({ type: 'template', name: 'x'.repeat(513), language: 'en_US' }), 'data.message.name');
    expectIssue(request({ type: 'template', name: 'order', language: 'en-US' }), 'data.message.language', /en_US/);
  });

  it('refuses template parameters with a newline, a tab or 5 consecutive spaces (Meta 132018)', () => {
    for (const value of ['a\nb', 'a\tb', 'a     b']) {
      const template = { type: 'template', name: 'order', language: 'en', components: { body: [{ type: 'text', text: value }] } };
      expectIssue(request(template), 'data.message.components.body[0].text', /132018/);
    }
  });

  it('refuses a named parameter with capitals, and a copy code over 15 characters', () => {
    const template = {
      type: 'template',
      name: 'otp',
      language: 'en',
      components: { body: [{ type: 'text', parameterName: 'Code', text: '1' }], buttons: [{ subType: 'copy_code', index: 0, couponCode: 'x'.repeat(16) }] },
    };
    const issues = issuesOf(request(template));
    expect(issues.some((issue) => issue.startsWith('data.message.components.body[0].parameterName: '))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('data.message.components.buttons[0].couponCode: '))).toBe(true);
  });

  it.each(['+1555', '+33 6 12', '+33 6 12 34 56 78', '0612345678', '+0612345678', '+1234567890123456'])('refuses %j as a phone number, naming data.to', (to) => {
    expectIssue(request(text('hi'), { to }), 'data.to', /E\.164/);
  });

  it('refuses a well-formed number that is not valid for its country code (US 555 area code)', () => {
    expectIssue(request(text('hi'), { to: '+15551234567' }), 'data.to', /not a valid phone number/);
  });

  it('reports one issue, not two, for a malformed phone number', () => {
    expect(issuesOf(request(text('hi'), { to: '+1555' })).filter((issue) => issue.startsWith('data.to: '))).toHaveLength(1);
  });

  it('refuses both to and recipientUserId', () => {
    expectIssue(request(text('hi'), { recipientUserId: 'US.13491208655302741918' }), 'data', /exactly one of to or recipientUserId/);
  });

  it('refuses a request with neither to nor recipientUserId', () => {
    expectIssue(request(text('hi'), { to: undefined }), 'data', /one of to or recipientUserId is required/);
  });

  it('refuses malformed business-scoped user ids', () => {
    for (const recipientUserId of ['us.123', 'US123', 'USA.123', `US.${'1'.repeat(129)}`, 'US.12-34']) {
      expectIssue(request(text('hi'), { to: undefined, recipientUserId }), 'data.recipientUserId', /business-scoped user id/);
    }
  });

  it('refuses an unknown message type and a missing one, naming the allowed types', () => {
    expectIssue(request({ type: 'location', latitude: 1, longitude: 2 }), 'data.message.type', /text, image, video, audio, document, sticker, reaction, interactive, template, markRead/);
    expectIssue(request({ body: 'hi' }), 'data.message.type', /must be one of/);
  });

  it('refuses a missing idempotency key', () => {
    expectIssue(request(text('hi'), {}, { idempotencyKey: undefined }), 'metadata.idempotencyKey', /is required/);
  });

  it('refuses an idempotency key with spaces, or over 128 characters', () => {
    expectIssue(request(text('hi'), {}, { idempotencyKey: 'order 42' }), 'metadata.idempotencyKey', /A-Z a-z 0-9 _ \. : -/);
    expectIssue(request(text('hi'), {}, { idempotencyKey: 'k'.repeat(129) }), 'metadata.idempotencyKey');
  });

  it('refuses Relais-only metadata (eventId, producer) and an unknown schema version', () => {
    expectIssue(request(text('hi'), {}, { eventId: 'e-1', producer: 'me' }), 'metadata', /eventId/);
    expectIssue(request(text('hi'), {}, { schemaVersion: 2 }), 'metadata.schemaVersion');
  });

  it('refuses unknown fields instead of ignoring them', () => {
    expectIssue(request(text('hi', { reply_to: WAMID })), 'data.message', /reply_to/);
    expectIssue(request(text('hi'), { ttlSeconds: 60 }), 'data', /ttlSeconds/);
  });

  it('refuses a phone number id that is not numeric, and a missing message', () => {
    expectIssue(request(text('hi'), { phoneNumberId: 'my-number' }), 'data.phoneNumberId', /digits/);
    expectIssue(request(undefined), 'data.message');
  });

  it('refuses input that is not an object, at the root', () => {
    for (const input of [null, 'text', 42, []]) expect(issuesOf(input)[0]).toMatch(/^\(root\): /);
  });

  it('never echoes the refused values in its issues', () => {
    const secret = 'SECRET-CONTENT-';
    const issues = issuesOf(request(text(secret.repeat(300)), { to: '+1555000SECRET' }, { idempotencyKey: `${secret} key` }));
    expect(issues.length).toBeGreaterThanOrEqual(3);
    expect(issues.join('\n')).not.toMatch(/SECRET|\+1555/);
  });
});

describe('field schemas', () => {
  it('accepts canonical E.164 numbers that libphonenumber-js validates', () => {
    for (const to of ['+16505551234', '+33612345678', '+4915112345678', '+5511987654321', '+919876543210']) {
      expect(E164PhoneNumberSchema.safeParse(to).success, to).toBe(true);
    }
  });

  it('accepts BSUIDs of up to 128 characters after the country code', () => {
    expect(BsuidSchema.safeParse(`DE.${'a1'.repeat(64)}`).success).toBe(true);
    expect(BsuidSchema.safeParse(`DE.ENT.${'Z'.repeat(128)}`).success).toBe(true);
  });
});

describe('parseSendRequest: properties', () => {
  const idempotencyKey = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/);
  const wamid = fc.stringMatching(/^[A-Za-z0-9+/=_-]{1,60}$/).map((s) => `wamid.${s}`);
  const recipient = fc.oneof(
    fc.constantFrom('+16505551234', '+33612345678', '+4915112345678', '+5511987654321').map((to) => ({ to })),
    fc.stringMatching(/^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/).map((recipientUserId) => ({ recipientUserId })),
  );
  // Up to 2048 code points is at most 4096 UTF-16 units, the unit zod and Meta count.
  const body = fc.string({ unit: 'binary', minLength: 1, maxLength: 2048 });
  const textMessage = fc.record(
    { type: fc.constant('text' as const), body, previewUrl: fc.boolean(), replyTo: wamid },
    { requiredKeys: ['type', 'body'] },
  );
  const validRequest = fc
    .record({
      metadata: fc.record(
        { schemaVersion: fc.constant(1 as const), idempotencyKey, correlationId: fc.string({ minLength: 1, maxLength: 128 }) },
        { requiredKeys: ['schemaVersion', 'idempotencyKey'] },
      ),
      recipient,
      message: textMessage,
      phoneNumberId: fc.stringMatching(/^[0-9]{1,32}$/),
    })
    .map(({ metadata, recipient, message, phoneNumberId }): SendRequest => ({ metadata, data: { phoneNumberId, ...recipient, message } }));

  it('returns any valid text request unchanged', () => {
    fc.assert(
      fc.property(validRequest, (input) => {
        const result = parseSendRequest(structuredClone(input));
        expect(result).toEqual({ ok: true, value: input });
      }),
    );
  });

  it('refuses any text body longer than 4096 UTF-16 units, naming data.message.body', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4097, maxLength: 6000 }), (long) => {
        const issues = issuesOf(request(text(long)));
        expect(issues.some((issue) => issue.startsWith('data.message.body: '))).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it('refuses any idempotency key holding a character outside A-Z a-z 0-9 _ . : -', () => {
    const outside = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !/^[A-Za-z0-9_.:-]$/.test(c));
    fc.assert(
      fc.property(idempotencyKey, outside, fc.nat(), (key, bad, at) => {
        const i = at % (key.length + 1);
        const tainted = `${key.slice(0, i)}${bad}${key.slice(i)}`.slice(0, 128);
        fc.pre(!/^[A-Za-z0-9_.:-]{1,128}$/.test(tainted));
        expect(SendRequestSchema.safeParse(request(text('hi'), {}, { idempotencyKey: tainted })).success).toBe(false);
      }),
    );
  });
});
