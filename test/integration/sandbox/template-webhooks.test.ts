/**
 * The control endpoints that play Meta's template and account side over real HTTP: each one changes the
 * sandbox's state (sends then see it) and POSTs Meta's signed webhook, which Relais' own ingestion
 * (`parseWebhookJson`, `WebhookPayloadSchema`, `normaliseWebhook`) turns into the expected event, never into
 * `WebhookUpdateUnrecognised`.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { DetailType } from '#shared/contracts/events/catalogue.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { WebhookPayloadSchema } from '#shared/contracts/whatsapp/webhook.js';
import { normaliseWebhook } from '#shared/domain/ingestion/normalise-webhook.js';
import { parseWebhookJson } from '#shared/domain/ingestion/webhook-json.js';

import { ControlInputError, startSandbox, type Sandbox, type SandboxOptions } from '../../../infra/local/sandbox/server.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../../infra/local/sandbox/webhook-receiver.js';

const APP_SECRET = 'sandbox-test-secret';
const TOKEN = 'sandbox-test-token';
const WABA_ID = '102290129340398';
const NUMBER_ID = '106540352242922';
const CUSTOMER = '447700900123';
const JUNE_2026 = Date.UTC(2026, 5, 1, 12);
const JUNE_2026_S = JUNE_2026 / 1000;
/** Above 2^53: a JS number would round it to 12345678901234568. */
const BIG_ID = '12345678901234567';

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

interface Harness {
  readonly sandbox: Sandbox;
  readonly receiver: WebhookReceiver;
  control(path: string, body: unknown): Promise<Answer>;
  send(body: unknown): Promise<Answer>;
  phoneNumber(): Promise<Record<string, unknown>>;
  /** Webhooks of WABA-level fields (not the `messages` statuses of sends), in order of receipt. */
  accountWebhooks(): ReceivedWebhook[];
  /** The last WABA-level webhook received, as Relais' ingestion decodes and normalises it. */
  lastIngested(): { webhook: ReceivedWebhook; value: Record<string, unknown>; events: DomainEvent[] };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const TEMPLATES: SandboxOptions['templates'] = [
  { name: 'order_update', language: 'en_US', category: 'UTILITY', id: BIG_ID, components: { body: 1 } },
  { name: 'seasonal_promo', language: 'pt_BR', category: 'MARKETING' },
];

async function start(overrides: Partial<SandboxOptions> = {}): Promise<Harness> {
  const receiver = await startWebhookReceiver({ appSecret: APP_SECRET });
  cleanups.push(() => receiver.close());
  const sandbox = await startSandbox({
    webhookUrl: receiver.url,
    appSecret: APP_SECRET,
    accessToken: TOKEN,
    statusDelaysMs: { sent: 1, delivered: 2, read: 3 },
    webhookRetry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5 },
    clock: () => JUNE_2026,
    templates: TEMPLATES,
    ...overrides,
  });
  cleanups.push(() => sandbox.close());
  const call = async (url: string, init: RequestInit): Promise<Answer> => {
    const response = await fetch(url, init);
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  return {
    sandbox,
    receiver,
    control: (path, body) => call(`${sandbox.url}${path}`, { method: 'POST', body: JSON.stringify(body) }),
    send: (body) =>
      call(`${sandbox.url}/v25.0/${NUMBER_ID}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    phoneNumber: async () => (await call(`${sandbox.url}/v25.0/${NUMBER_ID}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json,
    accountWebhooks: () => receiver.received().filter((w) => w.body.entry[0]?.changes[0]?.field !== 'messages'),
    lastIngested: () => {
      const webhook = receiver.received().filter((w) => w.body.entry[0]?.changes[0]?.field !== 'messages').at(-1)!;
      const decoded = parseWebhookJson(webhook.rawBody);
      if (!decoded.ok) throw new Error(decoded.message);
      const payload = WebhookPayloadSchema.parse(decoded.value);
      const value = (decoded.value as { entry: Array<{ changes: Array<{ value: Record<string, unknown> }> }> }).entry[0]!.changes[0]!.value;
      return { webhook, value, events: normaliseWebhook(payload, JUNE_2026) };
    },
  };
}

const sendTemplate = (name: string, language: string, bodyParameters: string[] = []) => ({
  messaging_product: 'whatsapp',
  to: CUSTOMER,
  type: 'template',
  template: {
    name,
    language: { code: language },
    ...(bodyParameters.length === 0 ? {} : { components: [{ type: 'body', parameters: bodyParameters.map((text) => ({ type: 'text', text })) }] }),
  },
});

function only(events: DomainEvent[]): DomainEvent {
  expect(events.map((e) => e.detailType)).toHaveLength(1);
  return events[0]!;
}

describe('POST /_sandbox/templates/review', () => {
  it('approves a template and sends a signed message_template_status_update whose id is a JSON number, digit for digit', async () => {
    const h = await start();
    await h.control('/_sandbox/templates/review', { name: 'order_update', language: 'en_US', status: 'PENDING' });

    const approved = await h.control('/_sandbox/templates/review', { name: 'order_update', language: 'en_US', status: 'APPROVED' });
    const { webhook, value, events } = h.lastIngested();

    expect(approved.json).toMatchObject({ template: { status: 'APPROVED' }, webhooks: [{ field: 'message_template_status_update', delivered: 200, attempts: 1 }] });
    expect(webhook.signature).toBe('valid');
    expect(webhook.rawBody.toString()).toContain(`"message_template_id":${BIG_ID},`);
    expect(webhook.body.entry[0]).toMatchObject({ id: WABA_ID, time: JUNE_2026_S });
    expect(value).toEqual({
      event: 'APPROVED',
      message_template_id: BIG_ID,
      message_template_name: 'order_update',
      message_template_language: 'en-US',
      reason: 'NONE',
      message_template_category: 'UTILITY',
    });
    expect(only(events)).toMatchObject({ detailType: DetailType.TemplateStatusChanged, data: { templateId: BIG_ID, status: 'APPROVED', language: 'en-US' } });
  });

  it('pauses (FIRST_PAUSE, then SECOND_PAUSE), unpauses (UNPAUSE) and disables; sends get 132015 while paused and 132016 once disabled', async () => {
    const h = await start();
    const review = async (status: string) => {
      await h.control('/_sandbox/templates/review', { name: 'order_update', language: 'en_US', status });
      return h.lastIngested();
    };
    const sendNow = async () => ((await h.send(sendTemplate('order_update', 'en_US', ['Zoë 🚚']))).json['error'] as { code?: number } | undefined)?.code ?? 'sent';

    const first = await review('PAUSED');
    const whilePaused = await sendNow();
    const unpause = await review('APPROVED');
    const afterUnpause = await sendNow();
    const second = await review('PAUSED');
    const disabled = await review('DISABLED');
    const whileDisabled = await sendNow();

    expect(first.value['other_info']).toMatchObject({ title: 'FIRST_PAUSE' });
    expect(unpause.value['other_info']).toMatchObject({ title: 'UNPAUSE' });
    expect(second.value['other_info']).toMatchObject({ title: 'SECOND_PAUSE' });
    expect(disabled.value['disable_info']).toEqual({ disable_date: String(JUNE_2026_S) });
    expect([whilePaused, afterUnpause, whileDisabled]).toEqual([132015, 'sent', 132016]);
    for (const step of [first, unpause, second, disabled]) expect(only(step.events).detailType).toBe(DetailType.TemplateStatusChanged);
    expect(only(first.events).data).toMatchObject({ status: 'PAUSED', otherInfo: { title: 'FIRST_PAUSE' } });
  });

  it('rejects with a reason and rejection_info, lists the rejected_reason, and reinstates to a sendable template', async () => {
    const h = await start();

    await h.control('/_sandbox/templates/review', { name: 'seasonal_promo', language: 'pt_BR', status: 'REJECTED' });
    const rejected = h.lastIngested();
    const listed = await fetch(`${h.sandbox.url}/v25.0/${WABA_ID}/message_templates?name=seasonal_promo&fields=status,rejected_reason`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await h.control('/_sandbox/templates/review', { name: 'seasonal_promo', language: 'pt_BR', status: 'REINSTATED' });
    const reinstated = h.lastIngested();
    const sent = await h.send(sendTemplate('seasonal_promo', 'pt_BR'));

    expect(rejected.value).toMatchObject({ event: 'REJECTED', reason: 'INVALID_FORMAT', rejection_info: { reason: expect.any(String), recommendation: expect.any(String) } });
    expect(only(rejected.events).data).toMatchObject({ status: 'REJECTED', reason: 'INVALID_FORMAT', rejectionInfo: { reason: expect.any(String) } });
    expect(((await listed.json()) as { data: unknown[] }).data).toEqual([{ status: 'REJECTED', rejected_reason: 'INVALID_FORMAT', id: expect.any(String) }]);
    expect(reinstated.value['event']).toBe('REINSTATED');
    expect(h.sandbox.templates().find((t) => t.name === 'seasonal_promo')?.status).toBe('APPROVED');
    expect(sent.status).toBe(200);
  });

  it('sends PENDING_DELETION with a null reason and DELETED removes the template', async () => {
    const h = await start();

    await h.control('/_sandbox/templates/review', { name: 'seasonal_promo', language: 'pt_BR', status: 'PENDING_DELETION' });
    const pending = h.lastIngested();
    const deleted = await h.control('/_sandbox/templates/review', { name: 'seasonal_promo', language: 'pt_BR', status: 'DELETED' });

    expect(pending.value['reason']).toBeNull();
    expect(only(pending.events).detailType).toBe(DetailType.TemplateStatusChanged);
    expect(deleted.json).toEqual({ webhooks: [{ field: 'message_template_status_update', delivered: 200, attempts: 1 }] });
    expect(h.sandbox.templates().map((t) => t.name)).toEqual(['order_update']);
  });

  it.each([
    [{ language: 'en_US', status: 'APPROVED' }, 'name'],
    [{ name: 'order_update', language: 'en_US', status: 'LIVE' }, 'status'],
    [{ name: 'order_update', language: 'en_US', status: 'REJECTED', reason: 'BORING' }, 'reason'],
    [{ name: 'no_such_template', language: 'en_US', status: 'APPROVED' }, 'name'],
    [{ name: 'order_update', language: 'fr', status: 'APPROVED' }, 'name'],
    [{ name: 'order_update', language: 'en_US', status: 'APPROVED', colour: 'red' }, '(body)'],
  ])('answers %j with a 400 naming %s, and sends nothing', async (body, field) => {
    const h = await start();

    const answer = await h.control('/_sandbox/templates/review', body);

    expect(answer.status).toBe(400);
    expect(answer.json['error']).toMatchObject({ field, message: expect.stringContaining(field === '(body)' ? 'colour' : field) });
    expect(h.receiver.received()).toEqual([]);
  });
});

describe('POST /_sandbox/templates/quality, /category and /components', () => {
  it('changes the quality score: the webhook carries previous and new score, and the listing shows it', async () => {
    const h = await start();

    const answer = await h.control('/_sandbox/templates/quality', { name: 'order_update', language: 'en_US', score: 'yellow' });
    const { value, events } = h.lastIngested();

    expect(answer.json).toMatchObject({ template: { qualityScore: { score: 'YELLOW', date: JUNE_2026_S } } });
    expect(value).toEqual({ previous_quality_score: 'UNKNOWN', new_quality_score: 'YELLOW', message_template_id: BIG_ID, message_template_name: 'order_update', message_template_language: 'en-US' });
    expect(only(events)).toMatchObject({ detailType: DetailType.TemplateQualityChanged, data: { newScore: 'YELLOW', previousScore: 'UNKNOWN', templateId: BIG_ID } });
  });

  it('announces a re-categorisation (impending), then completes it: sends are then billed as marketing', async () => {
    const h = await start();

    await h.control('/_sandbox/templates/category', { name: 'order_update', language: 'en_US', category: 'MARKETING', phase: 'impending', effectiveAt: JUNE_2026_S + 86_400 });
    const impending = h.lastIngested();
    const beforeChange = await h.send(sendTemplate('order_update', 'en_US', ['Zoë']));
    await h.control('/_sandbox/templates/category', { name: 'order_update', language: 'en_US', category: 'MARKETING' });
    const completed = h.lastIngested();
    const afterChange = await h.send(sendTemplate('order_update', 'en_US', ['Zoë']));
    await h.sandbox.idle();

    expect(impending.value).toEqual({
      message_template_id: BIG_ID,
      message_template_name: 'order_update',
      message_template_language: 'en-US',
      new_category: 'UTILITY',
      correct_category: 'MARKETING',
      category_update_timestamp: JUNE_2026_S + 86_400,
    });
    expect(only(impending.events)).toMatchObject({ detailType: DetailType.TemplateCategoryChanged, data: { phase: 'impending', correctCategory: 'MARKETING', effectiveAt: JUNE_2026_S + 86_400 } });
    expect(completed.value).toMatchObject({ previous_category: 'UTILITY', new_category: 'MARKETING' });
    expect(only(completed.events)).toMatchObject({ detailType: DetailType.TemplateCategoryChanged, data: { phase: 'completed', previousCategory: 'UTILITY', newCategory: 'MARKETING' } });
    const categories = h.sandbox.messages().map((m) => m.category);
    expect([beforeChange.status, afterChange.status, categories]).toEqual([200, 200, ['utility', 'marketing']]);
    expect(h.sandbox.templates().find((t) => t.name === 'order_update')).toMatchObject({ category: 'MARKETING', previousCategory: 'UTILITY' });
    expect(h.sandbox.templates().find((t) => t.name === 'order_update')?.correctCategory).toBeUndefined();
  });

  it('refuses a category change to the category the template already has', async () => {
    const h = await start();

    const answer = await h.control('/_sandbox/templates/category', { name: 'order_update', language: 'en_US', category: 'UTILITY' });

    expect([answer.status, (answer.json['error'] as { field: string }).field]).toEqual([400, 'category']);
  });

  it('edits the components: the webhook carries body, header, footer and URL button, and sends need the new parameters', async () => {
    const h = await start();
    const components = [
      { type: 'HEADER', format: 'TEXT', text: 'Votre commande ✨' },
      { type: 'BODY', text: 'Bonjour {{1}}, la commande {{2}} est prête — مرحبا.' },
      { type: 'FOOTER', text: 'Relais 🇫🇷' },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Suivre', url: 'https://example.com/t/{{1}}' }, { type: 'QUICK_REPLY', text: 'Merci' }] },
    ];

    const answer = await h.control('/_sandbox/templates/components', { name: 'order_update', language: 'en_US', components });
    const { value, events, webhook } = h.lastIngested();
    const oldShape = await h.send(sendTemplate('order_update', 'en_US', ['Zoë']));

    expect(answer.status).toBe(200);
    expect(value).toEqual({
      message_template_id: BIG_ID,
      message_template_name: 'order_update',
      message_template_language: 'en-US',
      message_template_element: 'Bonjour {{1}}, la commande {{2}} est prête — مرحبا.',
      message_template_title: 'Votre commande ✨',
      message_template_footer: 'Relais 🇫🇷',
      message_template_buttons: [{ message_template_button_type: 'URL', message_template_button_text: 'Suivre', message_template_button_url: 'https://example.com/t/{{1}}' }],
    });
    expect(webhook.rawBody.toString()).toContain('\\u2728');
    expect(only(events)).toMatchObject({ detailType: DetailType.TemplateComponentsChanged, data: { templateId: BIG_ID, components: { message_template_element: expect.any(String) } } });
    expect([oldShape.status, (oldShape.json['error'] as { code: number }).code]).toEqual([400, 132000]);
  });

  it('refuses components Meta would refuse, naming components', async () => {
    const h = await start();

    const answer = await h.control('/_sandbox/templates/components', { name: 'order_update', language: 'en_US', components: [{ type: 'BODY', text: '{{1}} est prête.' }] });

    expect(answer.status).toBe(400);
    expect(answer.json['error']).toMatchObject({ field: 'components', message: expect.stringContaining('start or end') });
  });
});

describe('POST /_sandbox/phone-numbers/{id}/quality, /_sandbox/account/capability and /restriction', () => {
  it('changes a number quality: phone_number_quality_update with the limit tiers, and GET /{phoneNumberId} shows the rating', async () => {
    const h = await start();

    const answer = await h.control(`/_sandbox/phone-numbers/${NUMBER_ID}/quality`, { event: 'DOWNGRADE', qualityRating: 'RED', oldLimit: 'TIER_10K', currentLimit: 'TIER_2K' });
    const { value, events } = h.lastIngested();
    const number = await h.phoneNumber();

    expect(answer.json).toMatchObject({ phoneNumber: { id: NUMBER_ID, qualityRating: 'RED', throughputLevel: 'STANDARD' } });
    expect(value).toEqual({ display_phone_number: '15550783881', event: 'DOWNGRADE', old_limit: 'TIER_10K', current_limit: 'TIER_2K', max_daily_conversations_per_business: 'TIER_2K' });
    expect(only(events)).toMatchObject({ detailType: DetailType.PhoneNumberQualityChanged, data: { event: 'DOWNGRADE', currentLimit: 'TIER_2K', oldLimit: 'TIER_10K' } });
    expect(number).toMatchObject({ quality_rating: 'RED', throughput: { level: 'STANDARD' } });
  });

  it('raises the messaging limit and upgrades throughput: two webhooks, and the number then takes 1,000 messages a second', async () => {
    const h = await start({ throughputPerSecond: 2, pairRate: { perSeconds: 6, burst: 45 } });
    const burst = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await h.send(sendTemplate('seasonal_promo', 'pt_BR'))).status);
      return statuses;
    };
    const before = await burst();

    const answer = await h.control('/_sandbox/account/capability', { messagingLimit: 'unlimited', maxPhoneNumbersPerBusiness: 20, throughput: { level: 'HIGH' } });
    const received = h.accountWebhooks();
    const after = await burst();
    const number = await h.phoneNumber();

    expect(before).toEqual([200, 200, 400, 400, 400]);
    expect(after).toEqual([200, 200, 200, 200, 200]);
    expect(answer.json).toMatchObject({ messagingLimit: 'UNLIMITED', webhooks: [{ field: 'business_capability_update', delivered: 200 }, { field: 'phone_number_quality_update', delivered: 200 }] });
    expect(received.map((w) => w.body.entry[0]!.changes[0]!.value)).toEqual([
      { max_daily_conversations_per_business: 'UNLIMITED', max_phone_numbers_per_business: 20 },
      { display_phone_number: '15550783881', event: 'THROUGHPUT_UPGRADE', current_limit: 'TIER_UNLIMITED', max_daily_conversations_per_business: 'TIER_UNLIMITED' },
    ]);
    const events = received.flatMap((w) => normaliseWebhook(WebhookPayloadSchema.parse((parseWebhookJson(w.rawBody) as { value: unknown }).value), JUNE_2026));
    expect(events.map((e) => e.detailType)).toEqual([DetailType.BusinessCapabilityChanged, DetailType.PhoneNumberQualityChanged]);
    expect(events[0]!.data).toMatchObject({ maxDailyConversationsPerBusiness: 'UNLIMITED', maxPhoneNumbersPerBusiness: 20 });
    expect(number).toMatchObject({ throughput: { level: 'HIGH' }, whatsapp_business_manager_messaging_limit: 'TIER_UNLIMITED' });
  });

  it('sends a numeric messaging limit as a JSON number', async () => {
    const h = await start();

    await h.control('/_sandbox/account/capability', { messagingLimit: 10000 });
    const { value, events } = h.lastIngested();

    expect(value).toEqual({ max_daily_conversations_per_business: 10000 });
    expect(only(events)).toMatchObject({ detailType: DetailType.BusinessCapabilityChanged, data: { maxDailyConversationsPerBusiness: '10000' } });
  });

  it('restricts the account: account_update ACCOUNT_RESTRICTION with restriction_info, expiring in 24 h unless told', async () => {
    const h = await start();

    const answer = await h.control('/_sandbox/account/restriction', {
      restrictions: [{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING' }, { type: 'restricted_add_phone_number_action', expiration: JUNE_2026_S + 3600 }],
    });
    const { value, events } = h.lastIngested();

    expect(answer.status).toBe(200);
    expect(value).toEqual({
      event: 'ACCOUNT_RESTRICTION',
      restriction_info: [
        { restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: JUNE_2026_S + 86_400 },
        { restriction_type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiration: JUNE_2026_S + 3600 },
      ],
    });
    expect(only(events)).toMatchObject({ detailType: DetailType.AccountUpdated, data: { event: 'ACCOUNT_RESTRICTION', details: { restriction_info: value['restriction_info'] } } });
  });

  it.each([
    [`/_sandbox/phone-numbers/999/quality`, { event: 'UPGRADE' }, 'phoneNumberId'],
    [`/_sandbox/phone-numbers/${NUMBER_ID}/quality`, { event: 'GLOWING' }, 'event'],
    [`/_sandbox/phone-numbers/${NUMBER_ID}/quality`, { event: 'UPGRADE', currentLimit: 'TIER_3K' }, 'currentLimit'],
    ['/_sandbox/account/capability', {}, 'messagingLimit'],
    ['/_sandbox/account/capability', { messagingLimit: 5000 }, 'messagingLimit'],
    ['/_sandbox/account/capability', { throughput: { level: 'STANDARD' } }, 'throughput.level'],
    ['/_sandbox/account/capability', { throughput: { level: 'HIGH', phoneNumberId: '1' } }, 'throughput.phoneNumberId'],
    ['/_sandbox/account/restriction', { restrictions: [] }, 'restrictions'],
    ['/_sandbox/account/restriction', { restrictions: [{ type: 'RESTRICTED_EVERYTHING' }] }, 'restrictions.0.type'],
  ])('%s answers %j with a 400 naming %s, and sends nothing', async (path, body, field) => {
    const h = await start();

    const answer = await h.control(path, body);

    expect(answer.status).toBe(400);
    expect((answer.json['error'] as { field: string }).field).toBe(field);
    expect(h.receiver.received()).toEqual([]);
  });
});

describe("Relais' ingestion of every webhook the control endpoints send", () => {
  it('publishes each as its own detail-type and none as WebhookUpdateUnrecognised', async () => {
    const h = await start();
    const calls: Array<[string, unknown]> = [
      ['/_sandbox/templates/review', { name: 'order_update', language: 'en_US', status: 'IN_APPEAL' }],
      ['/_sandbox/templates/quality', { name: 'order_update', language: 'en_US', score: 'RED' }],
      ['/_sandbox/templates/category', { name: 'order_update', language: 'en_US', category: 'MARKETING', phase: 'impending' }],
      ['/_sandbox/templates/category', { name: 'order_update', language: 'en_US', category: 'MARKETING' }],
      ['/_sandbox/templates/components', { name: 'order_update', language: 'en_US', components: [{ type: 'BODY', text: 'Olá {{1}}, tudo bem?' }] }],
      [`/_sandbox/phone-numbers/${NUMBER_ID}/quality`, { event: 'ONBOARDING' }],
      ['/_sandbox/account/capability', { messagingLimit: 250, throughput: { level: 'HIGH', phoneNumberId: NUMBER_ID } }],
      ['/_sandbox/account/restriction', { restrictions: [{ type: 'RESTRICTED_CUSTOMER_INITIATED_MESSAGING' }] }],
    ];
    for (const [path, body] of calls) expect((await h.control(path, body)).status).toBe(200);

    const events = h.receiver.received().flatMap((w) => {
      expect(w.signature).toBe('valid');
      const decoded = parseWebhookJson(w.rawBody);
      if (!decoded.ok) throw new Error(decoded.message);
      return normaliseWebhook(WebhookPayloadSchema.parse(decoded.value), JUNE_2026);
    });

    expect(events.map((e) => e.detailType)).toEqual([
      DetailType.TemplateStatusChanged,
      DetailType.TemplateQualityChanged,
      DetailType.TemplateCategoryChanged,
      DetailType.TemplateCategoryChanged,
      DetailType.TemplateComponentsChanged,
      DetailType.PhoneNumberQualityChanged,
      DetailType.BusinessCapabilityChanged,
      DetailType.PhoneNumberQualityChanged,
      DetailType.AccountUpdated,
    ]);
    expect(new Set(events.map((e) => e.metadata.eventId)).size).toBe(events.length);
  });
});

describe('the Sandbox handle', () => {
  it('plays the same changes in process, answering as the endpoints do and throwing ControlInputError for bad input', async () => {
    const h = await start();

    const answers = [
      await h.sandbox.reviewTemplate({ name: 'order_update', language: 'en_US', status: 'PAUSED' }),
      await h.sandbox.changeTemplateQuality({ name: 'order_update', language: 'en_US', score: 'RED' }),
      await h.sandbox.changeTemplateCategory({ name: 'seasonal_promo', language: 'pt_BR', category: 'UTILITY' }),
      await h.sandbox.changeTemplateComponents({ name: 'seasonal_promo', language: 'pt_BR', components: [{ type: 'BODY', text: 'Olá {{1}}, até já!' }] }),
      await h.sandbox.changePhoneQuality(NUMBER_ID, { event: 'UPGRADE' }),
      await h.sandbox.changeCapability({ messagingLimit: 100000 }),
      await h.sandbox.restrictAccount({ restrictions: [{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING' }] }),
    ];
    const bad = h.sandbox.reviewTemplate({ name: 'order_update', language: 'en_US', status: 'SLEEPING' });

    expect(answers.flatMap((a) => a.webhooks.map((w) => [w.field, w.delivered]))).toEqual([
      ['message_template_status_update', 200],
      ['message_template_quality_update', 200],
      ['template_category_update', 200],
      ['message_template_components_update', 200],
      ['phone_number_quality_update', 200],
      ['business_capability_update', 200],
      ['account_update', 200],
    ]);
    expect(h.sandbox.templates().map((t) => [t.name, t.status, t.category, t.qualityScore.score])).toEqual([
      ['order_update', 'PAUSED', 'UTILITY', 'RED'],
      ['seasonal_promo', 'APPROVED', 'UTILITY', 'UNKNOWN'],
    ]);
    await expect(bad).rejects.toBeInstanceOf(ControlInputError);
    await expect(bad).rejects.toMatchObject({ field: 'status' });
  });
});
