import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '#shared/adapters/message-store.js';
import type { GraphSendResult } from '#shared/adapters/graph-api.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { UNKNOWN_CONSENT, type ConsentSnapshot } from '#shared/domain/consent/consent.js';
import type { SendContext } from '#shared/domain/contacts/records.js';
import type { TemplateInfo, TemplateRegistry } from '#shared/domain/templates/template-registry.js';
import type { SendContextReader } from '#shared/ports/contact-store.js';
import { sendMessage, type SendMessageDeps } from '#shared/usecases/send-message.js';
import { inMemoryMessageStore } from '#test/support/in-memory-messages.js';

const T0 = Date.parse('2026-12-04T03:00:00Z');
const MIN = 60_000;
const WABA = '102290129340398';
const NUMBER = '106540352242922';
const WAMID = 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA';

function queuedTemplate(id: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: id,
    idempotencyKey: `key-${id}`,
    requestHash: 'h',
    phoneNumberId: NUMBER,
    businessAccountId: WABA,
    contactId: 'c_7f3a',
    recipient: { to: '+971501234567' },
    messageType: 'template',
    category: 'utility',
    lane: 'priority',
    status: 'queued',
    request: {
      phoneNumberId: NUMBER,
      to: '+971501234567',
      message: { type: 'template', name: 'appointment_reminder', language: 'ar', components: { body: [{ type: 'text', text: 'ليلى 🌙' }, { type: 'text', text: '١٠:٣٠' }] } },
    } as MessageRecord['request'],
    attempts: 0,
    createdAt: T0 - 30 * MIN,
    updatedAt: T0 - 30 * MIN,
    ...overrides,
  };
}

/** A registry answering from a map the test changes between acceptance and send. */
function registry(): TemplateRegistry & { current: TemplateInfo | undefined; lookups: unknown[][] } {
  const fake = {
    current: { name: 'appointment_reminder', language: 'ar', status: 'APPROVED', category: 'utility' } as TemplateInfo | undefined,
    lookups: [] as unknown[][],
    find: async (waba: string | undefined, name: string, language: string) => {
      fake.lookups.push([waba, name, language]);
      return fake.current;
    },
  };
  return fake;
}

function contacts(consent: ConsentSnapshot): SendContextReader & { reads: number } {
  const fake = {
    reads: 0,
    sendContextFor: async () => {
      fake.reads++;
      return { contact: { contactId: 'c_7f3a' }, window: undefined, freeEntryPointOffer: undefined, freeEntryPointWindow: undefined, consent } as unknown as SendContext;
    },
  };
  return fake;
}

function setup(consent: ConsentSnapshot = UNKNOWN_CONSENT, results: GraphSendResult[] = [{ outcome: 'accepted', wamid: WAMID, httpStatus: 200 }]) {
  const messages = inMemoryMessageStore();
  const published: DomainEvent[] = [];
  const calls: Array<Record<string, unknown>> = [];
  const templates = registry();
  const reader = contacts(consent);
  const now = T0;
  const deps: SendMessageDeps = {
    messages,
    pacing: { acquire: async () => ({ granted: true }), pause: async () => {}, recentSends: async () => [], recordSend: async () => {} },
    graph: {
      sendMessage: async (_number, body) => {
        calls.push(body);
        return results.shift() ?? { outcome: 'error', httpStatus: 500, error: {} };
      },
    },
    publish: async (events) => void published.push(...events),
    freeEntryPoints: { openFreeEntryPointWindow: async () => true },
    settings: { ratePerSecond: () => 80, bulkSharePercent: 80, pairRate: { intervalMs: 6000, burst: 20 }, maxAttempts: 3, inlineWaitMs: 1000 },
    now: () => now,
    sleep: async () => undefined,
    random: () => 0.5,
    templateCheck: { templates, contacts: reader, requireOptIn: ['marketing'] },
  };
  return { deps, messages, published, calls, templates, reader };
}

const failure = (events: DomainEvent[]) => events.map((e) => [e.detailType, (e.data as { reason?: string }).reason, (e.data as { terminal?: boolean }).terminal]);

describe('sendMessage: the template looked at again at send time', () => {
  it('sends an approved template unchanged, one registry read for the record\'s account, name and language, no consent read', async () => {
    const ctx = setup();
    await ctx.messages.create(queuedTemplate('m1'));

    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });

    expect(ctx.templates.lookups).toEqual([[WABA, 'appointment_reminder', 'ar']]);
    expect(ctx.reader.reads).toBe(0);
    expect(ctx.calls).toHaveLength(1);
    expect(ctx.published.map((e) => [e.detailType, (e.data as { category?: string }).category])).toEqual([['MessageSent', 'utility']]);
  });

  it.each([
    ['paused with no known end', { status: 'PAUSED', pause: { since: new Date(T0 - MIN).toISOString() } }, 'template_paused'],
    ['paused for 3 h from 10 min ago', { status: 'PAUSED', pause: { since: new Date(T0 - 10 * MIN).toISOString(), until: new Date(T0 + 170 * MIN).toISOString() } }, 'template_paused'],
    ['disabled', { status: 'DISABLED' }, 'template_disabled'],
    ['rejected on a new review', { status: 'REJECTED' }, 'template_not_approved'],
  ] as const)('fails a message whose template became %s while it was queued, before Meta, with MessageFailed naming the reason', async (_what, change, reason) => {
    const ctx = setup();
    await ctx.messages.create(queuedTemplate('m1'));
    ctx.templates.current = { ...ctx.templates.current!, ...change };

    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });

    expect(ctx.calls).toEqual([]);
    expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'failed', failureReason: reason, lastError: { message: expect.stringMatching(/while the message was queued/) } });
    expect(failure(ctx.published)).toEqual([['MessageFailed', reason, true]]);
  });

  it('fails a message whose template was deleted since acceptance as template_unknown', async () => {
    const ctx = setup();
    await ctx.messages.create(queuedTemplate('m1'));
    ctx.templates.current = undefined;

    await sendMessage('m1', ctx.deps);

    expect(ctx.calls).toEqual([]);
    expect(failure(ctx.published)).toEqual([['MessageFailed', 'template_unknown', true]]);
  });

  it('holds a message whose pause ends within 15 min back on the queue until then, no attempt spent, with the pause as its deferral, and sends it once Meta unpaused', async () => {
    const ctx = setup();
    await ctx.messages.create(queuedTemplate('m1'));
    const pausedUntil = new Date(T0 + 4 * MIN).toISOString();
    ctx.templates.current = { ...ctx.templates.current!, status: 'PAUSED', pause: { since: new Date(T0 - 176 * MIN).toISOString(), until: pausedUntil } };

    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'retry', delayMs: 4 * MIN });
    expect(ctx.calls).toEqual([]);
    expect(ctx.published.map((e) => [e.detailType, e.metadata.eventId, (e.data as { reason?: string }).reason, (e.data as { until?: string }).until])).toEqual([
      ['MessageDeferred', 'MessageDeferred:m1:template_paused', 'template_paused', pausedUntil],
    ]);
    expect(ctx.messages.records.get('m1')).toMatchObject({
      status: 'queued',
      attempts: 0,
      deferral: { reason: 'template_paused', since: T0, until: T0 + 4 * MIN, fact: { name: 'appointment_reminder', language: 'ar', status: 'PAUSED', pausedUntil } },
    });

    ctx.templates.current = { name: 'appointment_reminder', language: 'ar', status: 'APPROVED', category: 'utility' };
    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });
    expect(ctx.calls).toHaveLength(1);
    expect(ctx.published.map((e) => e.detailType)).toEqual(['MessageDeferred', 'MessageSent']);
    expect(ctx.messages.records.get('m1')?.deferral).toBeUndefined();
  });

  it('bills a message whose template Meta moved to marketing as marketing when the contact opted in to marketing, in the lane it was queued in', async () => {
    const ctx = setup({ ...UNKNOWN_CONSENT, marketing: { status: 'opted_in' } });
    await ctx.messages.create(queuedTemplate('m1'));
    ctx.templates.current = { ...ctx.templates.current!, category: 'marketing' };

    await sendMessage('m1', ctx.deps);

    expect(ctx.reader.reads).toBe(1);
    expect(ctx.calls).toHaveLength(1);
    expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'accepted', category: 'marketing', lane: 'priority' });
    expect(ctx.published.map((e) => [e.detailType, (e.data as { category?: string }).category])).toEqual([['MessageSent', 'marketing']]);
  });

  it.each([
    ['no marketing consent recorded', UNKNOWN_CONSENT, 'consent_missing'],
    ['an opt-out of marketing', { ...UNKNOWN_CONSENT, marketing: { status: 'opted_out' } } as ConsentSnapshot, 'opted_out'],
  ] as const)('fails a message whose template became marketing for a contact with %s, before Meta', async (_what, consent, reason) => {
    const ctx = setup(consent);
    await ctx.messages.create(queuedTemplate('m1'));
    ctx.templates.current = { ...ctx.templates.current!, category: 'marketing' };

    await sendMessage('m1', ctx.deps);

    expect(ctx.calls).toEqual([]);
    expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'failed', failureReason: reason, category: 'utility' });
    expect(failure(ctx.published)).toEqual([['MessageFailed', reason, true]]);
  });

  it('lets a marketing template Meta moved to utility go as utility without reading marketing consent twice', async () => {
    const ctx = setup(UNKNOWN_CONSENT);
    await ctx.messages.create(queuedTemplate('m1', { category: 'marketing', lane: 'bulk' }));

    await sendMessage('m1', ctx.deps);

    expect(ctx.calls).toHaveLength(1);
    expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'accepted', category: 'utility', lane: 'bulk' });
  });

  it('does not look at templates for other messages, nor without a template check configured', async () => {
    const ctx = setup();
    await ctx.messages.create(
      queuedTemplate('m1', { messageType: 'text', category: 'service', request: { phoneNumberId: NUMBER, to: '+971501234567', message: { type: 'text', body: 'مرحبا 👋' } } as MessageRecord['request'] }),
    );
    await sendMessage('m1', ctx.deps);
    expect(ctx.templates.lookups).toEqual([]);

    const { templateCheck: _, ...withoutCheck } = ctx.deps;
    await ctx.messages.create(queuedTemplate('m2'));
    ctx.templates.current = { ...ctx.templates.current!, status: 'DISABLED' };
    await sendMessage('m2', withoutCheck);
    expect(ctx.templates.lookups).toEqual([]);
    expect(ctx.calls).toHaveLength(2);
  });
});
