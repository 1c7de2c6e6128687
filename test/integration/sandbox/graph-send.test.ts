/**
 * The sandbox's Graph endpoint `POST /{version}/{phoneNumberId}/messages`, called over HTTP as Relais' sender
 * calls Meta: success and error shapes, authentication, payload validation and template checks.
 * Each test starts its own sandbox (port 0) and a recording webhook receiver; no emulator is needed.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox, type SandboxOptions } from '../../../infra/local/sandbox/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../infra/local/sandbox/webhook-receiver.js';

const APP_SECRET = 'sandbox-test-secret';
const TOKEN = 'sandbox-test-token';
const NUMBER_ID = '106540352242922';
const CUSTOMER = '447700900123';
/** 2026-06-01T12:00Z: per-message pricing, before service messages became billable. */
const JUNE_2026 = Date.UTC(2026, 5, 1, 12);

interface Harness {
  readonly sandbox: Sandbox;
  readonly receiver: WebhookReceiver;
  post(body: unknown, options?: { token?: string | null; phoneNumberId?: string; version?: string }): Promise<{ status: number; json: GraphJson }>;
}

type GraphJson = {
  messaging_product?: string;
  contacts?: Array<{ input: string; wa_id?: string; user_id?: string }>;
  messages?: Array<{ id: string; message_status?: string }>;
  success?: boolean;
  error?: { message: string; type: string; code: number; error_subcode?: number; error_data?: { messaging_product: string; details: string }; fbtrace_id: string };
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(overrides: Partial<SandboxOptions> = {}): Promise<Harness> {
  const receiver = await startWebhookReceiver({ appSecret: APP_SECRET });
  cleanups.push(() => receiver.close());
  let now = JUNE_2026;
  const sandbox = await startSandbox({
    webhookUrl: receiver.url,
    appSecret: APP_SECRET,
    accessToken: TOKEN,
    statusDelaysMs: { sent: 1, delivered: 2, read: 3 },
    webhookRetry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5 },
    clock: () => (now += 1),
    ...overrides,
  });
  cleanups.push(() => sandbox.close());
  return {
    sandbox,
    receiver,
    post: async (body, options = {}) => {
      const token = options.token === undefined ? TOKEN : options.token;
      const response = await fetch(`${sandbox.url}/${options.version ?? 'v25.0'}/${options.phoneNumberId ?? NUMBER_ID}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as GraphJson };
    },
  };
}

const text = (body: string, extra: Record<string, unknown> = {}) => ({ messaging_product: 'whatsapp', to: `+${CUSTOMER}`, type: 'text', text: { body }, ...extra });

function expectGraphError(result: { status: number; json: GraphJson }, status: number, code: number): string {
  expect(result.status).toBe(status);
  expect(result.json.error).toMatchObject({ message: expect.stringContaining(`(#${code})`), type: 'OAuthException', code });
  expect(result.json.error?.error_data?.messaging_product).toBe('whatsapp');
  expect(result.json.error?.fbtrace_id).toMatch(/^\S{10,}$/);
  return result.json.error?.error_data?.details ?? '';
}

describe('sandbox Graph API: accepted sends', () => {
  it('answers a text inside the window with Meta success shape: contacts with input and wa_id, and a wamid', async () => {
    const h = await start();
    await h.sandbox.actAsCustomer(CUSTOMER, { type: 'text', text: { body: 'hello' } });

    const result = await h.post(text('Hi there'));

    expect(result.status).toBe(200);
    expect(result.json).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: `+${CUSTOMER}`, wa_id: CUSTOMER }],
      messages: [{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9+/=]+$/) }],
    });
  });

  it('accepts a recipient given only as a BSUID and answers with user_id instead of wa_id', async () => {
    const h = await start();
    await h.sandbox.actAsCustomer('US.13491208655302741918', { type: 'text', text: { body: 'hi from a username user' } });

    const result = await h.post({ messaging_product: 'whatsapp', recipient: 'US.13491208655302741918', type: 'text', text: { body: 'hello' } });

    expect(result.status).toBe(200);
    expect(result.json.contacts).toEqual([{ input: 'US.13491208655302741918', user_id: 'US.13491208655302741918' }]);
  });

  it('lets the phone number win when both to and recipient are given', async () => {
    const h = await start();
    await h.sandbox.actAsCustomer(CUSTOMER, { type: 'text', text: { body: 'hello' } });

    const result = await h.post(text('hello', { recipient: 'GB.12345' }));

    expect(result.json.contacts).toEqual([{ input: `+${CUSTOMER}`, wa_id: CUSTOMER }]);
  });

  it('marks a received message as read with {success: true}', async () => {
    const h = await start();
    const inbound = await h.sandbox.actAsCustomer(CUSTOMER, { type: 'text', text: { body: 'hello' } });

    const result = await h.post({ messaging_product: 'whatsapp', status: 'read', message_id: inbound.wamid, typing_indicator: { type: 'text' } });

    expect(result).toEqual({ status: 200, json: { success: true } });
  });

  it('refuses to mark as read a message id the number never received', async () => {
    const h = await start();

    const details = expectGraphError(await h.post({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.unknown' }), 400, 100);

    expect(details).toContain('message_id');
  });

  it('accepts every documented message type with a valid payload', async () => {
    const h = await start();
    await h.sandbox.actAsCustomer(CUSTOMER, { type: 'text', text: { body: 'hello' } });
    const payloads: Array<Record<string, unknown>> = [
      { type: 'image', image: { link: 'https://example.com/a.jpg', caption: 'c' } },
      { type: 'video', video: { id: '1234' } },
      { type: 'audio', audio: { id: '1234' } },
      { type: 'document', document: { link: 'https://example.com/a.pdf', filename: 'a.pdf' } },
      { type: 'sticker', sticker: { id: '1234' } },
      { type: 'reaction', reaction: { message_id: 'wamid.x', emoji: '👍' } },
      { type: 'location', location: { latitude: 48.85, longitude: 2.35, name: 'Paris' } },
      { type: 'contacts', contacts: [{ name: { formatted_name: 'Ada Lovelace', first_name: 'Ada' } }] },
      {
        type: 'interactive',
        interactive: { type: 'button', body: { text: 'Pick' }, action: { buttons: [{ type: 'reply', reply: { id: 'y', title: 'Yes' } }] } },
      },
      {
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Pick' },
          action: { button: 'Options', sections: [{ title: 'A', rows: [{ id: 'r1', title: 'Row', description: 'd' }] }] },
        },
      },
      {
        type: 'interactive',
        interactive: { type: 'cta_url', body: { text: 'See' }, action: { name: 'cta_url', parameters: { display_text: 'See Dates', url: 'https://example.com' } } },
      },
      { type: 'interactive', interactive: { type: 'product', action: { catalog_id: 'c1', product_retailer_id: 'p1' } } },
      {
        type: 'interactive',
        interactive: {
          type: 'product_list',
          header: { type: 'text', text: 'Our picks' },
          body: { text: 'Browse' },
          action: { catalog_id: 'c1', sections: [{ title: 'Shoes', product_items: [{ product_retailer_id: 'p1' }] }] },
        },
      },
    ];

    const statuses = [];
    for (const payload of payloads) statuses.push((await h.post({ messaging_product: 'whatsapp', to: CUSTOMER, ...payload })).status);

    expect(statuses).toEqual(payloads.map(() => 200));
  });
});

describe('sandbox Graph API: authentication and routing', () => {
  it('answers a wrong token with HTTP 401, code 190 and a WWW-Authenticate header', async () => {
    const h = await start();

    const result = await h.post(text('hi'), { token: 'wrong' });

    expect(result.status).toBe(401);
    expect(result.json.error).toMatchObject({ code: 190, type: 'OAuthException' });
  });

  it('answers a missing token with HTTP 401 and code 190', async () => {
    const h = await start();

    const result = await h.post(text('hi'), { token: null });

    expect(result.status).toBe(401);
    expect(result.json.error?.code).toBe(190);
  });

  it('answers an unknown phone number id with code 100, subcode 33', async () => {
    const h = await start();

    const result = await h.post(text('hi'), { phoneNumberId: '999999' });

    expect(result.status).toBe(400);
    expect(result.json.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    expect(result.json.error?.message).toContain("'999999'");
  });

  it('answers a malformed version with HTTP 400', async () => {
    const h = await start();

    const result = await h.post(text('hi'), { version: 'v25' });

    expect(result.status).toBe(400);
    expect(result.json.error?.code).toBe(2500);
  });

  it('accepts another released version than the configured one', async () => {
    const h = await start();
    await h.sandbox.actAsCustomer(CUSTOMER, { type: 'text', text: { body: 'hello' } });

    expect((await h.post(text('hi'), { version: 'v24.0' })).status).toBe(200);
  });
});

describe('sandbox Graph API: payload validation like Meta', () => {
  it('refuses a text of 4097 characters with code 100 naming text body', async () => {
    const h = await start();

    const details = expectGraphError(await h.post(text('x'.repeat(4097))), 400, 100);

    expect(details).toBe("Param text['body'] must be at most 4096 characters long.");
  });

  it('accepts a text of exactly 4096 characters', async () => {
    const h = await start();
    await h.sandbox.actAsCustomer(CUSTOMER, { type: 'text', text: { body: 'hello' } });

    expect((await h.post(text('x'.repeat(4096)))).status).toBe(200);
  });

  it.each([
    ['messaging_product missing', { to: CUSTOMER, type: 'text', text: { body: 'x' } }, 100, 'messaging_product'],
    ['messaging_product not whatsapp', { messaging_product: 'sms', to: CUSTOMER, text: { body: 'x' } }, 100, 'messaging_product'],
    ['no recipient', { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, 131008, 'to'],
    ['letters in to', { messaging_product: 'whatsapp', to: 'abc', text: { body: 'x' } }, 100, 'to'],
    ['malformed BSUID', { messaging_product: 'whatsapp', recipient: 'nope', text: { body: 'x' } }, 100, 'recipient'],
    ['unknown type', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'fax', fax: {} }, 100, 'type'],
    ['missing text body', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: {} }, 131008, "text['body']"],
    ['unexpected key', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'x', bold: true } }, 100, '"bold"'],
    ['image without id or link', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'image', image: { caption: 'c' } }, 131008, "image['id']"],
    ['caption over 1024', { messaging_product: 'whatsapp', to: CUSTOMER, type: 'image', image: { id: '1', caption: 'c'.repeat(1025) } }, 100, "image['caption']"],
    ['callback data over 512', text('x', { biz_opaque_callback_data: 'd'.repeat(513) }), 100, 'biz_opaque_callback_data'],
    ['context without message_id', text('x', { context: {} }), 131008, "context['message_id']"],
  ])('refuses %s, naming the field', async (_name, body, code, field) => {
    const h = await start();

    const details = expectGraphError(await h.post(body), 400, code);

    expect(details).toContain(field);
  });

  const interactive = (value: Record<string, unknown>) => ({ messaging_product: 'whatsapp', to: CUSTOMER, type: 'interactive', interactive: value });
  const reply = (id: string, title: string) => ({ type: 'reply', reply: { id, title } });
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));

  it.each([
    ['4 reply buttons', { type: 'button', body: { text: 'b' }, action: { buttons: [reply('a', 'A'), reply('b', 'B'), reply('c', 'C'), reply('d', 'D')] } }, "['buttons']"],
    ['a button title of 21 characters', { type: 'button', body: { text: 'b' }, action: { buttons: [reply('a', 't'.repeat(21))] } }, "['title']"],
    ['a button id of 257 characters', { type: 'button', body: { text: 'b' }, action: { buttons: [reply('i'.repeat(257), 'A')] } }, "['id']"],
    ['a button body of 1025 characters', { type: 'button', body: { text: 'b'.repeat(1025) }, action: { buttons: [reply('a', 'A')] } }, "['body']['text']"],
    ['11 list rows in total', { type: 'list', body: { text: 'b' }, action: { button: 'Go', sections: [{ title: 'A', rows: rows(6) }, { title: 'B', rows: rows(5).map((r) => ({ ...r, id: `b${r.id}` })) }] } }, "['sections']"],
    ['a list button text of 21 characters', { type: 'list', body: { text: 'b' }, action: { button: 'g'.repeat(21), sections: [{ rows: rows(1) }] } }, "['button']"],
    ['a row title of 25 characters', { type: 'list', body: { text: 'b' }, action: { button: 'Go', sections: [{ rows: [{ id: 'r', title: 't'.repeat(25) }] }] } }, "['title']"],
    ['a row description of 73 characters', { type: 'list', body: { text: 'b' }, action: { button: 'Go', sections: [{ rows: [{ id: 'r', title: 't', description: 'd'.repeat(73) }] }] } }, "['description']"],
    ['a cta_url display text of 21 characters', { type: 'cta_url', body: { text: 'b' }, action: { name: 'cta_url', parameters: { display_text: 'd'.repeat(21), url: 'https://example.com' } } }, "['display_text']"],
    ['31 products', { type: 'product_list', header: { type: 'text', text: 'h' }, body: { text: 'b' }, action: { catalog_id: 'c', sections: [{ title: 'A', product_items: Array.from({ length: 31 }, (_, i) => ({ product_retailer_id: `p${i}` })) }] } }, "['sections']"],
    ['a product list without a text header', { type: 'product_list', body: { text: 'b' }, action: { catalog_id: 'c', sections: [{ title: 'A', product_items: [{ product_retailer_id: 'p' }] }] } }, "['header']"],
  ])('refuses an interactive message with %s (131009), naming the field', async (_name, value, field) => {
    const h = await start();

    const details = expectGraphError(await h.post(interactive(value)), 400, 131009);

    expect(details).toContain(field);
  });
});

describe('sandbox Graph API: templates', () => {
  const templates: SandboxOptions['templates'] = [
    { name: 'order_update', language: 'en_US', category: 'UTILITY', components: { header: 1, body: 2, buttons: [{ type: 'url', parameters: 1 }, { type: 'quick_reply' }] } },
    { name: 'welcome', language: 'en_US', category: 'MARKETING', parameterFormat: 'named', components: { body: ['first_name'] } },
    { name: 'paused_one', language: 'en_US', category: 'MARKETING', status: 'PAUSED' },
    { name: 'disabled_one', language: 'en_US', category: 'MARKETING', status: 'DISABLED' },
    { name: 'pending_one', language: 'en_US', category: 'UTILITY', status: 'PENDING' },
    { name: 'otp', language: 'en_US', category: 'AUTHENTICATION', components: { body: 1, buttons: [{ type: 'otp' }] } },
  ];
  const send = (template: Record<string, unknown>, to: Record<string, string> = { to: CUSTOMER }) => ({ messaging_product: 'whatsapp', ...to, type: 'template', template });
  const textParams = (...values: string[]) => values.map((value) => ({ type: 'text', text: value }));
  const orderUpdate = (body: string[], extra: Array<Record<string, unknown>> = []) => ({
    name: 'order_update',
    language: { code: 'en_US' },
    components: [
      { type: 'header', parameters: textParams('Order') },
      { type: 'body', parameters: textParams(...body) },
      { type: 'button', sub_type: 'url', index: '0', parameters: textParams('abc') },
      ...extra,
    ],
  });

  it('accepts a template whose parameters match its definition, with message_status accepted', async () => {
    const h = await start({ templates });

    const result = await h.post(send(orderUpdate(['Ada', 'SKB-42'])));

    expect(result.status).toBe(200);
    expect(result.json.messages?.[0]?.message_status).toBe('accepted');
  });

  it('answers an unknown template with 132001 and HTTP 404', async () => {
    const h = await start({ templates });

    const details = expectGraphError(await h.post(send({ name: 'nope', language: { code: 'en_US' } })), 404, 132001);

    expect(details).toBe('template name (nope) does not exist in en_US');
  });

  it('answers a known template in another language with 132001', async () => {
    const h = await start({ templates });

    expectGraphError(await h.post(send({ ...orderUpdate(['a', 'b']), language: { code: 'fr' } })), 404, 132001);
  });

  it('answers a template that is not approved yet with 132001', async () => {
    const h = await start({ templates });

    expectGraphError(await h.post(send({ name: 'pending_one', language: { code: 'en_US' } })), 404, 132001);
  });

  it('answers a body with the wrong parameter count with 132000 naming the component', async () => {
    const h = await start({ templates });

    const details = expectGraphError(await h.post(send(orderUpdate(['only one']))), 400, 132000);

    expect(details).toBe('body: number of localizable_params (1) does not match the expected number of params (2)');
  });

  it('answers a missing URL button parameter with 132000', async () => {
    const h = await start({ templates });
    const template = orderUpdate(['a', 'b']);
    template.components = template.components.filter((c) => c.type !== 'button');

    const details = expectGraphError(await h.post(send(template)), 400, 132000);

    expect(details).toContain('buttons[0]');
  });

  it('answers positional parameters sent to a named template with 132012', async () => {
    const h = await start({ templates });

    const details = expectGraphError(
      await h.post(send({ name: 'welcome', language: { code: 'en_US' }, components: [{ type: 'body', parameters: textParams('Ada') }] })),
      400,
      132012,
    );

    expect(details).toContain('parameter_name');
  });

  it('accepts named parameters sent to a named template', async () => {
    const h = await start({ templates });

    const result = await h.post(
      send({ name: 'welcome', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Ada' }] }] }),
    );

    expect(result.status).toBe(200);
  });

  it('answers a paused template with 132015 and a disabled one with 132016', async () => {
    const h = await start({ templates });

    expectGraphError(await h.post(send({ name: 'paused_one', language: { code: 'en_US' } })), 400, 132015);
    expectGraphError(await h.post(send({ name: 'disabled_one', language: { code: 'en_US' } })), 400, 132016);
  });

  it('answers a body parameter containing a newline with 132018', async () => {
    const h = await start({ templates });

    expectGraphError(await h.post(send(orderUpdate(['line one\nline two', 'b']))), 400, 132018);
  });

  it('refuses an authentication template addressed only to a BSUID with 131062', async () => {
    const h = await start({ templates });
    const otp = {
      name: 'otp',
      language: { code: 'en_US' },
      components: [
        { type: 'body', parameters: textParams('123456') },
        { type: 'button', sub_type: 'url', index: 0, parameters: textParams('123456') },
      ],
    };

    expectGraphError(await h.post(send(otp, { recipient: 'US.13491208655302741918' })), 400, 131062);
    expect((await h.post(send(otp))).status).toBe(200);
  });
});
