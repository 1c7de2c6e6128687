import { beforeEach, describe, expect, it } from 'vitest';
import type { SendContextReader } from '#shared/ports/contact-store.js';
import type { SendContext } from '#shared/domain/contacts/records.js';
import type { MessageRecord } from '#shared/adapters/message-store.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { UNKNOWN_CONSENT } from '#shared/domain/consent/consent.js';
import { DEFAULT_POLICY_SETTINGS } from '#shared/domain/sending/policy.js';
import { createStoreTemplateRegistry } from '#shared/adapters/template-registry.js';
import { applyTemplateFact } from '#shared/domain/templates/apply-fact.js';
import { requestSend, type RequestSendDeps } from '#shared/usecases/request-send.js';
import { inMemoryMessageStore } from '#test/support/in-memory-messages.js';

const T0 = Date.parse('2026-11-21T10:00:00Z');
const WABA = '102290129340398';
const NUMBER = '106540352242922';
const H = 3600_000;

function request(key: string, data: Record<string, unknown> = {}) {
  return {
    metadata: { schemaVersion: 1, idempotencyKey: key, correlationId: 'order-42' },
    data: { phoneNumberId: NUMBER, to: '+33612345678', message: { type: 'text', body: 'Your order ships today.' }, ...data },
  };
}

const promo = { type: 'template', name: 'spring_promo', language: 'en_US', components: { body: [{ type: 'text', parameterName: 'first_name', text: 'Ana' }] } };
/** The registry's record of spring_promo, as the sync leaves it. */
const springPromoApplied = applyTemplateFact(
  undefined,
  {
    kind: 'snapshot',
    source: 'sync',
    at: '2026-11-21T09:00:00.000Z',
    businessAccountId: WABA,
    name: 'spring_promo',
    language: 'en_US',
    templateId: '90071992547409931',
    category: 'MARKETING',
    status: 'APPROVED',
    parameterFormat: 'NAMED',
    components: [{ type: 'BODY', text: '¡Hola {{first_name}}! La primavera 🌸 llega', example: { body_text_named_params: [{ param_name: 'first_name', example: 'Ana' }] } }],
  },
  '2026-11-21T09:00:00.000Z',
);
const springPromo = springPromoApplied.outcome === 'changed' ? springPromoApplied.record : undefined;

function setup(context: Partial<SendContext> | undefined) {
  const messages = inMemoryMessageStore();
  const published: DomainEvent[] = [];
  const enqueued: MessageRecord[] = [];
  let ids = 0;
  let now = T0;
  const contact = { contactId: 'c_1', businessAccountId: WABA, phone: '+33612345678', createdAt: T0 - 48 * H, updatedAt: T0 };
  const contacts: SendContextReader = {
    sendContextFor: async () =>
      context === undefined ? undefined : { contact, window: undefined, freeEntryPointOffer: undefined, freeEntryPointWindow: undefined, consent: UNKNOWN_CONSENT, ...context },
  };
  const deps: RequestSendDeps = {
    messages,
    contacts,
    templates: createStoreTemplateRegistry({ store: { get: async (waba, name) => (waba === WABA && name === 'spring_promo' ? springPromo : undefined) }, ttlMs: 0 }),
    enqueue: async (r) => void enqueued.push(r),
    publish: async (events) => void published.push(...events),
    businessAccountOf: async () => WABA,
    policy: DEFAULT_POLICY_SETTINGS,
    newMessageId: () => `m_${++ids}`,
    now: () => now,
  };
  return { deps, messages, published, enqueued, advance: (ms: number) => (now += ms) };
}

const openWindow = { window: { openedAt: T0 - H, lastInboundAt: T0 - H, closesAt: T0 + 23 * H } };
const optedIn = { consent: { ...UNKNOWN_CONSENT, marketing: { status: 'opted_in' as const, since: T0 - H, source: 'api' as const, recordId: 'r' } } };

describe('requestSend', () => {
  let ctx: ReturnType<typeof setup>;
  beforeEach(() => {
    ctx = setup(openWindow);
  });

  it('accepts a service reply inside the window, queues it on the priority lane and publishes SendAccepted', async () => {
    const result = await requestSend(request('k1'), 'acme.orders', ctx.deps);
    expect(result).toEqual({ decision: 'accepted', messageId: 'm_1', duplicate: false });
    expect(ctx.enqueued.map((r) => [r.messageId, r.lane, r.status])).toEqual([['m_1', 'priority', 'queued']]);
    expect(ctx.published).toHaveLength(1);
    expect(ctx.published[0]).toMatchObject({ detailType: 'SendAccepted', data: { messageId: 'm_1', requestedBy: 'acme.orders', category: 'service', lane: 'priority', correlationId: 'order-42' } });
  });

  it('records on the accepted message when the window it saw closes, for the sender\'s messaging-limit and restriction checks', async () => {
    await requestSend(request('k1'), 'acme.orders', ctx.deps);
    expect(ctx.enqueued[0]?.windowClosesAt).toBe(T0 + 23 * H);
  });

  it('answers the same idempotency key with the same message and queues nothing new', async () => {
    await requestSend(request('k1'), 'acme.orders', ctx.deps);
    ctx.enqueued.length = 0;
    await ctx.messages.transition('m_1', ['queued'], 'accepted', T0);
    const again = await requestSend(request('k1'), 'acme.orders', ctx.deps);
    expect(again).toEqual({ decision: 'accepted', messageId: 'm_1', duplicate: true });
    expect(ctx.enqueued).toHaveLength(0);
    expect(ctx.published.map((e) => e.metadata.eventId)).toEqual(['SendAccepted:m_1', 'SendAccepted:m_1']);
  });

  it('re-queues a duplicate whose first enqueue may have been interrupted (still queued)', async () => {
    await requestSend(request('k1'), 'acme.orders', ctx.deps);
    await requestSend(request('k1'), 'acme.orders', ctx.deps);
    expect(ctx.enqueued.map((r) => r.messageId)).toEqual(['m_1', 'm_1']);
  });

  it('refuses the same key with a different body as duplicate', async () => {
    await requestSend(request('k1'), 'acme.orders', ctx.deps);
    const other = await requestSend(request('k1', { message: { type: 'text', body: 'Something else' } }), 'acme.orders', ctx.deps);
    expect(other).toMatchObject({ decision: 'rejected', reason: 'duplicate' });
    expect(ctx.published.at(-1)).toMatchObject({ detailType: 'SendRejected', data: { reason: 'duplicate', idempotencyKey: 'k1' } });
  });

  it('refuses an invalid request with every problem named and a deterministic event id', async () => {
    const bad = { metadata: { schemaVersion: 1, idempotencyKey: 'bad-1' }, data: { phoneNumberId: NUMBER, to: '+1555', message: { type: 'text', body: 'x'.repeat(4097) } } };
    const result = await requestSend(bad, 'acme.orders', ctx.deps);
    expect(result).toMatchObject({ decision: 'rejected', reason: 'invalid_request' });
    const issues = (result as { issues: readonly string[] }).issues;
    expect(issues.some((i) => i.startsWith('data.to'))).toBe(true);
    expect(issues.some((i) => i.startsWith('data.message'))).toBe(true);
    await requestSend(bad, 'acme.orders', ctx.deps);
    const ids = ctx.published.map((e) => e.metadata.eventId);
    expect(ids[0]).toBe(ids[1]);
    expect(ctx.published[0]!.data).toMatchObject({ idempotencyKey: 'bad-1', reason: 'invalid_request' });
    expect(ctx.enqueued).toHaveLength(0);
  });

  it('refuses free-form outside the window, recording the refusal so a retry gets the same answer', async () => {
    ctx = setup({});
    const result = await requestSend(request('k2'), 'acme.orders', ctx.deps);
    expect(result).toMatchObject({ decision: 'rejected', reason: 'window_closed', messageId: 'm_1' });
    expect(ctx.messages.records.get('m_1')!.status).toBe('rejected');
    expect(await requestSend(request('k2'), 'acme.orders', ctx.deps)).toMatchObject({ decision: 'rejected', reason: 'window_closed', duplicate: true });
  });

  it('defers a free-form request that finds the window closed when asked to, recording nothing', async () => {
    ctx = setup({});
    const result = await requestSend(request('k3'), 'acme.orders', ctx.deps, { deferIfWindowUnknown: true });
    expect(result).toEqual({ decision: 'deferred', reason: 'window_closed' });
    expect(ctx.messages.records.size).toBe(0);
    expect(ctx.published).toHaveLength(0);
  });

  it('puts an opted-in marketing template on the bulk lane and counts it toward the cap', async () => {
    ctx = setup({ ...optedIn });
    const first = await requestSend(request('p1', { message: promo }), 'crm', ctx.deps);
    expect(first).toMatchObject({ decision: 'accepted' });
    expect(ctx.enqueued[0]!.lane).toBe('bulk');
    ctx.advance(H);
    const second = await requestSend(request('p2', { message: promo }), 'crm', ctx.deps);
    expect(second).toMatchObject({ decision: 'rejected', reason: 'marketing_cap_reached' });
    ctx.advance(23 * H);
    expect(await requestSend(request('p3', { message: promo }), 'crm', ctx.deps)).toMatchObject({ decision: 'accepted' });
  });

  it('refuses marketing to a contact without opt-in and to an unknown recipient', async () => {
    ctx = setup({});
    expect(await requestSend(request('p1', { message: promo }), 'crm', ctx.deps)).toMatchObject({ reason: 'consent_missing' });
    ctx = setup(undefined);
    expect(await requestSend(request('p2', { message: promo }), 'crm', ctx.deps)).toMatchObject({ reason: 'consent_missing' });
  });
});

describe('requestSend with hostile nesting', () => {
  it.each([5_000, 100_000])('refuses a request nested %i levels deep as invalid_request with a stable SendRejected, without overflowing the stack', async (depth) => {
    const ctx = setup(openWindow);
    const text = `{"metadata":{"schemaVersion":1,"idempotencyKey":"k-deep"},"data":{"phoneNumberId":"${NUMBER}","to":"+33612345678","message":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const input: unknown = JSON.parse(text);

    const first = await requestSend(input, 'acme.orders', ctx.deps);
    await requestSend(input, 'acme.orders', ctx.deps);

    expect(first).toMatchObject({ decision: 'rejected', reason: 'invalid_request', issues: ['(root): nests arrays or objects deeper than 32 levels'] });
    expect(ctx.messages.records.size).toBe(0);
    expect(ctx.published).toHaveLength(2);
    expect(ctx.published[0]).toMatchObject({ detailType: 'SendRejected', data: { idempotencyKey: 'k-deep', reason: 'invalid_request' } });
    // A redelivered request yields the same event id, so consumers drop the repeat.
    expect(ctx.published[1]!.metadata.eventId).toBe(ctx.published[0]!.metadata.eventId);
  });

  it('still accepts a template request nested as deep as Meta\'s components go', async () => {
    const ctx = setup({ ...openWindow, ...optedIn });
    const result = await requestSend(request('k-promo', { message: promo }), 'acme.marketing', ctx.deps);
    expect(result).toMatchObject({ decision: 'accepted' });
  });
});

describe('requestSend: origin and idempotency scope', () => {
  it('records the requester and the campaign on the message, so a campaign can find what it queued', async () => {
    const ctx = setup({ ...openWindow, ...optedIn });
    const input = { ...request('k-camp', { message: promo }), metadata: { schemaVersion: 1, idempotencyKey: 'k-camp', campaignId: 'printemps-2027 🌸' } };
    const result = await requestSend(input, 'acme.campaigns', ctx.deps);
    expect(result).toMatchObject({ decision: 'accepted' });
    expect(ctx.enqueued[0]).toMatchObject({ requestedBy: 'acme.campaigns', campaignId: 'printemps-2027 🌸', lane: 'bulk' });
  });

  it('keeps the keys of two requesters apart: the same key with different bodies gives each its own message', async () => {
    const ctx = setup(openWindow);
    const orders = await requestSend(request('k-shared'), 'acme.orders', ctx.deps);
    const billing = await requestSend(request('k-shared', { message: { type: 'text', body: 'Votre remboursement est en route 💶' } }), 'arn:aws:iam::123456789012:role/billing', ctx.deps);
    expect(orders).toMatchObject({ decision: 'accepted', duplicate: false });
    expect(billing).toMatchObject({ decision: 'accepted', duplicate: false });
    expect(billing.messageId).not.toBe(orders.messageId);
    expect(ctx.enqueued.map((r) => r.requestedBy)).toEqual(['acme.orders', 'arn:aws:iam::123456789012:role/billing']);
  });

  it('still answers a repeat from the same requester with its first message, and a changed body with duplicate', async () => {
    const ctx = setup(openWindow);
    const first = await requestSend(request('k-same'), 'acme.orders', ctx.deps);
    await expect(requestSend(request('k-same'), 'acme.orders', ctx.deps)).resolves.toEqual({ decision: 'accepted', messageId: first.messageId, duplicate: true });
    await expect(requestSend(request('k-same', { message: { type: 'text', body: 'autre' } }), 'acme.orders', ctx.deps)).resolves.toMatchObject({ decision: 'rejected', reason: 'duplicate' });
  });
});
