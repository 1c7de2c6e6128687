/**
 * What the sandbox POSTs to Relais' webhook: customer messages, status webhooks in order with pricing, the
 * asynchronous failures Meta reports (131047, 131050, 131026, 131049), user_preferences, and retries.
 * Each test starts its own sandbox and a recording receiver that verifies signatures with Relais' verifier.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { parseInboundMessage, StatusSchema, UserPreferenceSchema, WebhookPayloadSchema } from '#shared/contracts/whatsapp/webhook.js';

import { startSandbox, type Sandbox, type SandboxOptions } from '../../../infra/local/sandbox/server.js';
import { startWebhookReceiver, type ReceivedStatus, type WebhookReceiver } from '../../../infra/local/sandbox/webhook-receiver.js';

const APP_SECRET = 'sandbox-test-secret';
const TOKEN = 'sandbox-test-token';
const NUMBER_ID = '106540352242922';
const UK_CUSTOMER = '447700900123';
const US_CUSTOMER = '16505551234';
const JUNE_2026 = Date.UTC(2026, 5, 1, 12);
const NOVEMBER_2026 = Date.UTC(2026, 10, 2, 12);
const HOUR = 3_600_000;

interface Harness {
  readonly sandbox: Sandbox;
  readonly receiver: WebhookReceiver;
  readonly clock: { now: number };
  post(body: unknown): Promise<{ status: number; json: { messages?: Array<{ id: string }>; error?: { code: number; error_data?: { details: string } } } }>;
  statusesOf(wamid: string): ReceivedStatus[];
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(overrides: Partial<SandboxOptions> & { startAt?: number } = {}): Promise<Harness> {
  const receiver = await startWebhookReceiver({ appSecret: APP_SECRET });
  cleanups.push(() => receiver.close());
  const clock = { now: overrides.startAt ?? JUNE_2026 };
  const sandbox = await startSandbox({
    webhookUrl: receiver.url,
    appSecret: APP_SECRET,
    accessToken: TOKEN,
    statusDelaysMs: { sent: 1, delivered: 2, read: 3 },
    webhookRetry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    clock: () => clock.now,
    ...overrides,
  });
  cleanups.push(() => sandbox.close());
  return {
    sandbox,
    receiver,
    clock,
    post: async (body) => {
      const response = await fetch(`${sandbox.url}/v25.0/${NUMBER_ID}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as never };
    },
    statusesOf: (wamid) => receiver.statuses().filter((s) => s.id === wamid),
  };
}

const text = (to: string, body: string, extra: Record<string, unknown> = {}) => ({ messaging_product: 'whatsapp', to, type: 'text', text: { body }, ...extra });
const template = (to: string, name: string) => ({ messaging_product: 'whatsapp', to, type: 'template', template: { name, language: { code: 'en_US' } } });
const TEMPLATES: SandboxOptions['templates'] = [
  { name: 'promo', language: 'en_US', category: 'MARKETING' },
  { name: 'shipping', language: 'en_US', category: 'UTILITY' },
  { name: 'login_code', language: 'en_US', category: 'AUTHENTICATION' },
];

async function sendAndSettle(h: Harness, body: unknown): Promise<string> {
  const result = await h.post(body);
  expect(result.status).toBe(200);
  await h.sandbox.idle();
  return result.json.messages![0]!.id;
}

describe('sandbox webhooks: statuses of accepted messages', () => {
  it('sends sent, delivered and read for a text inside the window, signed, in order, with pricing and the callback data', async () => {
    const h = await start();
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'hello' } });

    const wamid = await sendAndSettle(h, text(`+${UK_CUSTOMER}`, 'Hi!', { biz_opaque_callback_data: 'order-42' }));

    const statuses = h.statusesOf(wamid);
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect(h.receiver.received().every((r) => r.signature === 'valid')).toBe(true);
    const free = { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' };
    expect(statuses[0]).toMatchObject({ recipient_id: UK_CUSTOMER, recipient_user_id: expect.stringMatching(/^GB\.\d+$/), biz_opaque_callback_data: 'order-42', pricing: free });
    expect(statuses[1]?.pricing).toEqual(free);
    expect(statuses[2]?.pricing).toBeUndefined();
    expect(statuses.every((s) => s.biz_opaque_callback_data === 'order-42')).toBe(true);
  });

  it('prices service messages as billable regular messages from 2026-10-01, by the message time', async () => {
    const h = await start({ startAt: NOVEMBER_2026 });
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'hello' } });

    const wamid = await sendAndSettle(h, text(UK_CUSTOMER, 'Hi!'));

    expect(h.statusesOf(wamid)[0]?.pricing).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'service' });
  });

  it('prices a utility template free inside the window and regular outside it; marketing and authentication always regular', async () => {
    const h = await start({ templates: TEMPLATES });
    const outside = await sendAndSettle(h, template(UK_CUSTOMER, 'shipping'));
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'hello' } });
    const inside = await sendAndSettle(h, template(UK_CUSTOMER, 'shipping'));
    const marketing = await sendAndSettle(h, template(UK_CUSTOMER, 'promo'));
    const authentication = await sendAndSettle(h, template(UK_CUSTOMER, 'login_code'));

    const pricing = (wamid: string) => h.statusesOf(wamid)[0]?.pricing;
    expect(pricing(outside)).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' });
    expect(pricing(inside)).toEqual({ billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' });
    expect(pricing(marketing)).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' });
    expect(pricing(authentication)).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'authentication' });
  });

  it('makes the first reply to a click-to-WhatsApp message free as a free entry point, with a conversation block', async () => {
    const h = await start({ templates: TEMPLATES });
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'I saw your ad' }, referral: { source_type: 'ad', source_id: '1', ctwa_clid: 'abc' } });

    const reply = await sendAndSettle(h, template(UK_CUSTOMER, 'promo'));

    const sent = h.statusesOf(reply)[0];
    expect(sent?.pricing).toEqual({ billable: false, pricing_model: 'PMP', type: 'free_entry_point', category: 'referral_conversion' });
    expect(sent?.conversation).toMatchObject({ origin: { type: 'referral_conversion' }, expiration_timestamp: String(Math.floor((JUNE_2026 + 72 * HOUR) / 1000)) });
  });

  it('delivers messages to one recipient in acceptance order', async () => {
    const h = await start({ statusDelaysMs: { sent: 5, delivered: 5, read: false } });
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'hello' } });

    const wamids: string[] = [];
    for (let i = 0; i < 5; i += 1) wamids.push((await h.post(text(UK_CUSTOMER, `message ${i}`))).json.messages![0]!.id);
    await h.sandbox.idle();

    const delivered = h.receiver.statuses().filter((s) => s.status === 'delivered').map((s) => s.id);
    expect(delivered).toEqual(wamids);
    expect(h.receiver.statuses().some((s) => s.status === 'read')).toBe(false);
  });

  it('produces payloads that satisfy Relais webhook contract', async () => {
    const h = await start();
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'héllo 😀' } });
    await sendAndSettle(h, text(UK_CUSTOMER, 'Hi!'));

    for (const received of h.receiver.received()) expect(WebhookPayloadSchema.safeParse(received.body).success).toBe(true);
    for (const status of h.receiver.statuses()) expect(StatusSchema.safeParse(status).error).toBeUndefined();
    const inbound = h.receiver.values('messages').flatMap((v) => (v['messages'] as unknown[] | undefined) ?? []);
    expect(inbound.map((m) => parseInboundMessage(m).ok)).toEqual([true]);
  });
});

describe('sandbox webhooks: customer messages', () => {
  it('posts a messages webhook with contacts, a wamid and a string timestamp, signed over the raw bytes', async () => {
    const h = await start();

    const result = await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'Bonjour, ça va ? 😀' }, profileName: 'Ada' });

    expect(result).toEqual({ wamid: expect.stringMatching(/^wamid\./), delivered: 200, attempts: 1 });
    const [post] = h.receiver.received();
    expect(post?.signature).toBe('valid');
    // Meta escapes non-ASCII characters: a receiver re-serialising the JSON would not match the signature.
    expect(post?.rawBody.toString('utf8')).toContain('\\u00e7a va ? \\ud83d\\ude00');
    expect(post?.body.entry[0]?.id).toBe('102290129340398');
    const value = post?.body.entry[0]?.changes[0]?.value;
    expect(value).toMatchObject({
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: NUMBER_ID },
      contacts: [{ profile: { name: 'Ada' }, wa_id: UK_CUSTOMER, user_id: expect.stringMatching(/^GB\./) }],
      messages: [{ from: UK_CUSTOMER, id: result.wamid, timestamp: String(JUNE_2026 / 1000), type: 'text', text: { body: 'Bonjour, ça va ? 😀' } }],
    });
  });

  it('builds button taps, interactive replies, media, locations, reactions and referrals as Meta does', async () => {
    const h = await start();

    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'button', button: { text: 'Stop promotions', payload: 'STOP' } });
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'r1', title: 'Row' } } });
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'image', image: { caption: 'look' } });
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'location', location: { latitude: 1.5, longitude: 2.5 } });
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'reaction', reaction: { message_id: 'wamid.x', emoji: '👍' } });
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'from an ad' }, referral: { source_type: 'ad', headline: 'Sale' } });

    const messages = h.receiver.values('messages').flatMap((v) => v['messages'] as Array<Record<string, unknown>>);
    expect(messages.map((m) => m['type'])).toEqual(['button', 'interactive', 'image', 'location', 'reaction', 'text']);
    expect(messages[0]?.['button']).toEqual({ text: 'Stop promotions', payload: 'STOP' });
    expect(messages[2]?.['image']).toMatchObject({ caption: 'look', mime_type: 'image/jpeg', id: expect.stringMatching(/^\d+$/), sha256: expect.any(String) });
    expect(messages[5]?.['referral']).toEqual({ source_type: 'ad', headline: 'Sale' });
    expect(messages.every((m) => parseInboundMessage(m).ok)).toBe(true);
  });

  it('omits from and wa_id for a username customer known only by BSUID', async () => {
    const h = await start();

    await h.sandbox.actAsCustomer('US.13491208655302741918', { type: 'text', text: { body: 'hi' } });

    const value = h.receiver.values('messages')[0];
    expect(value?.['contacts']).toEqual([{ profile: { name: 'Sandbox Customer' }, user_id: 'US.13491208655302741918' }]);
    expect((value?.['messages'] as Array<Record<string, unknown>>)[0]).not.toHaveProperty('from');
  });

  it('retries a webhook Relais answers with a non-200, with back-off, until it is accepted', async () => {
    const h = await start();
    h.receiver.respondWith((n) => (n === 1 ? 500 : n === 2 ? 204 : 200));

    const result = await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'hi' } });

    expect(result).toMatchObject({ delivered: 200, attempts: 3 });
    expect(h.receiver.received().map((r) => r.answeredWith)).toEqual([500, 204, 200]);
    expect(new Set(h.receiver.received().map((r) => r.rawBody.toString('utf8'))).size).toBe(1);
  });

  it('gives up after the bounded number of attempts and records the failed delivery', async () => {
    const h = await start();
    h.receiver.respondWith(() => 503);

    const result = await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'hi' } });

    expect(result).toMatchObject({ delivered: 503, attempts: 3 });
    expect(h.sandbox.webhookDeliveries()).toEqual([expect.objectContaining({ ok: false, attempts: 3, lastStatus: 503, field: 'messages' })]);
  });
});

describe('sandbox webhooks: failures Meta reports after accepting', () => {
  it('accepts a text outside the 24 h window, then sends a failed status with 131047 (async enforcement)', async () => {
    const h = await start();
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'hello' } });
    h.clock.now += 24 * HOUR;

    const wamid = await sendAndSettle(h, text(UK_CUSTOMER, 'too late'));

    const statuses = h.statusesOf(wamid);
    expect(statuses.map((s) => s.status)).toEqual(['failed']);
    expect(statuses[0]?.errors?.[0]).toMatchObject({ code: 131047, title: 'Re-engagement message', error_data: { details: expect.any(String) } });
    expect(statuses[0]).not.toHaveProperty('pricing');
    expect(statuses[0]).not.toHaveProperty('contacts');
  });

  it('refuses a text outside the window with HTTP 400 and 131047 when enforcement is synchronous', async () => {
    const h = await start({ windowEnforcement: 'sync' });

    const result = await h.post(text(UK_CUSTOMER, 'no window'));

    expect(result.status).toBe(400);
    expect(result.json.error?.code).toBe(131047);
  });

  it('keeps the window open just under 24 h after the customer last wrote', async () => {
    const h = await start({ windowEnforcement: 'sync' });
    await h.sandbox.actAsCustomer(UK_CUSTOMER, { type: 'text', text: { body: 'hello' } });
    h.clock.now += 24 * HOUR - 1;

    expect((await h.post(text(UK_CUSTOMER, 'just in time'))).status).toBe(200);
  });

  it('sends user_preferences on stop, fails marketing templates with 131050, and delivers them again after resume', async () => {
    const h = await start({ templates: TEMPLATES });

    const stop = await h.sandbox.setMarketingPreference(UK_CUSTOMER, { value: 'stop' });
    const refused = await sendAndSettle(h, template(UK_CUSTOMER, 'promo'));
    const utility = await sendAndSettle(h, template(UK_CUSTOMER, 'shipping'));
    await h.sandbox.setMarketingPreference(UK_CUSTOMER, { value: 'resume' });
    const resumed = await sendAndSettle(h, template(UK_CUSTOMER, 'promo'));

    expect(stop).toEqual({ value: 'stop', delivered: 200, attempts: 1 });
    const preferences = h.receiver.values('user_preferences').flatMap((v) => v['user_preferences'] as unknown[]);
    expect(preferences).toEqual([
      expect.objectContaining({ wa_id: UK_CUSTOMER, category: 'marketing_messages', value: 'stop', timestamp: JUNE_2026 / 1000 }),
      expect.objectContaining({ wa_id: UK_CUSTOMER, category: 'marketing_messages', value: 'resume' }),
    ]);
    expect(preferences.every((p) => UserPreferenceSchema.safeParse(p).success)).toBe(true);
    expect(h.statusesOf(refused).map((s) => [s.status, s.errors?.[0]?.code])).toEqual([['failed', 131050]]);
    expect(h.statusesOf(utility).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect(h.statusesOf(resumed).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('fails any message to an undeliverable number with 131026, omitting recipient_user_id when sent to a phone', async () => {
    const h = await start({ templates: TEMPLATES, undeliverable: ['447700900999'] });

    const wamid = await sendAndSettle(h, template('447700900999', 'shipping'));

    const [failed] = h.statusesOf(wamid);
    expect(failed).toMatchObject({ status: 'failed', recipient_id: '447700900999', errors: [expect.objectContaining({ code: 131026 })] });
    expect(failed).not.toHaveProperty('recipient_user_id');
  });

  it('fails marketing templates to US numbers with 131049 but delivers utility templates', async () => {
    const h = await start({ templates: TEMPLATES });

    const marketing = await sendAndSettle(h, template(`+${US_CUSTOMER}`, 'promo'));
    const utility = await sendAndSettle(h, template(`+${US_CUSTOMER}`, 'shipping'));

    expect(h.statusesOf(marketing).map((s) => [s.status, s.errors?.[0]?.code])).toEqual([['failed', 131049]]);
    expect(h.statusesOf(utility).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
  });
});
