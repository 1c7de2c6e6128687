import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '#shared/adapters/message-store.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import type { AccountHealth, NumberHealth } from '#shared/domain/health/records.js';
import type { LimitDecision } from '#shared/domain/sending/messaging-limit.js';
import type { LimitAdmission } from '#shared/ports/messaging-limit-store.js';
import { sendMessage, type SendMessageDeps } from '#shared/usecases/send-message.js';
import { inMemoryMessageStore } from '#test/support/in-memory-messages.js';

const T0 = Date.parse('2026-12-04T05:00:00Z');
const MIN = 60_000;
const WABA = '102290129340398';
const NUMBER = '106540352242922';
const WAMID = 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA';

function queued(id: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: id,
    idempotencyKey: `key-${id}`,
    requestHash: 'h',
    phoneNumberId: NUMBER,
    businessAccountId: WABA,
    contactId: 'c_7f3a',
    recipient: { to: '+4915112345678' },
    messageType: 'template',
    category: 'utility',
    lane: 'priority',
    status: 'queued',
    request: {
      phoneNumberId: NUMBER,
      to: '+4915112345678',
      message: { type: 'template', name: 'rückruf_termin', language: 'de', components: { body: [{ type: 'text', text: 'Jürgen 👩🏽‍⚕️' }] } },
    } as MessageRecord['request'],
    attempts: 0,
    createdAt: T0 - 5 * MIN,
    updatedAt: T0 - 5 * MIN,
    ...overrides,
  };
}

function setup() {
  const messages = inMemoryMessageStore();
  const published: DomainEvent[] = [];
  const calls: unknown[] = [];
  const admissions: LimitAdmission[] = [];
  const shares: number[] = [];
  const state = {
    account: undefined as AccountHealth | undefined,
    number: undefined as NumberHealth | undefined,
    decision: { action: 'allow', addsUniqueUser: true, crossings: [] } as LimitDecision,
    admitError: undefined as Error | undefined,
    now: T0,
  };
  const deps: SendMessageDeps = {
    messages,
    pacing: {
      acquire: async ({ share }) => {
        shares.push(share.ratePerSecond);
        return { granted: true };
      },
      pause: async () => {},
      recentSends: async () => [],
      recordSend: async () => {},
    },
    graph: {
      sendMessage: async (_n, body) => {
        calls.push(body);
        return { outcome: 'accepted', wamid: WAMID, httpStatus: 200 };
      },
    },
    publish: async (events) => void published.push(...events),
    freeEntryPoints: { openFreeEntryPointWindow: async () => true },
    settings: { ratePerSecond: () => 80, bulkSharePercent: 80, pairRate: { intervalMs: 6000, burst: 20 }, maxAttempts: 3, inlineWaitMs: 1000 },
    now: () => state.now,
    sleep: async () => undefined,
    random: () => 0.5,
    standing: {
      health: { getAccount: async () => state.account, getNumber: async () => state.number },
      limits: {
        admit: async (admission) => {
          admissions.push(admission);
          if (state.admitError !== undefined) throw state.admitError;
          return state.decision;
        },
      },
      portfolios: { [WABA]: '830144582109437' },
      configuredTier: { name: 'TIER_250', limit: 250 },
    },
  };
  return { deps, messages, published, calls, admissions, shares, state };
}

const restrictedUntil = (iso: string): AccountHealth => ({
  businessAccountId: WABA,
  restrictions: [{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: iso }],
  events: {},
  asOf: {},
  version: 2,
  updatedAt: new Date(T0).toISOString(),
});

describe('sendMessage: the business standing before Meta', () => {
  it('holds a template while the account is restricted, announces it once with the restriction, and sends it once the restriction is lifted', async () => {
    const ctx = setup();
    await ctx.messages.create(queued('m1'));
    const ends = new Date(T0 + 20 * MIN).toISOString();
    ctx.state.account = restrictedUntil(ends);

    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'retry', delayMs: 20 * MIN });
    expect(ctx.calls).toEqual([]);
    expect(ctx.admissions).toEqual([]);
    expect(ctx.messages.records.get('m1')).toMatchObject({
      status: 'queued',
      attempts: 0,
      deferral: { reason: 'account_restricted', since: T0, until: T0 + 20 * MIN, fact: { businessAccountId: WABA, restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: ends } },
    });
    expect(ctx.published.map((e) => [e.detailType, e.metadata.eventId, (e.data as { reason: string }).reason, (e.data as { fact: unknown }).fact])).toEqual([
      ['MessageDeferred', 'MessageDeferred:m1:account_restricted', 'account_restricted', { businessAccountId: WABA, restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: ends }],
    ]);

    ctx.state.now = T0 + 10 * MIN;
    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'retry', delayMs: 10 * MIN });
    expect(ctx.published).toHaveLength(1);

    ctx.state.now = T0 + 20 * MIN;
    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });
    expect(ctx.calls).toHaveLength(1);
    expect(ctx.messages.records.get('m1')?.deferral).toBeUndefined();
    expect(ctx.published.map((e) => e.detailType)).toEqual(['MessageDeferred', 'MessageSent']);
  });

  it('fails a message the restriction held past the hold limit, with MessageFailed account_restricted', async () => {
    const ctx = setup();
    await ctx.messages.create(queued('m1', { createdAt: T0 - 13 * 60 * MIN }));
    ctx.state.account = restrictedUntil(new Date(T0 + 24 * 60 * MIN).toISOString());

    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });
    expect(ctx.calls).toEqual([]);
    expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'failed', failureReason: 'account_restricted' });
    expect(ctx.published.map((e) => [e.detailType, (e.data as { reason: string }).reason, (e.data as { terminal: boolean }).terminal])).toEqual([['MessageFailed', 'account_restricted', true]]);
  });

  it('lets a service reply go during a business-initiated restriction without asking the messaging limit', async () => {
    const ctx = setup();
    await ctx.messages.create(
      queued('m1', {
        messageType: 'text',
        category: 'service',
        windowClosesAt: T0 + 60 * MIN,
        request: { phoneNumberId: NUMBER, to: '+4915112345678', message: { type: 'text', body: 'مرحبا 👋' } } as MessageRecord['request'],
      }),
    );
    ctx.state.account = restrictedUntil(new Date(T0 + 60 * MIN).toISOString());

    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });
    expect(ctx.calls).toHaveLength(1);
    expect(ctx.admissions).toEqual([]);
  });

  it("asks the portfolio's limit with the recipient, the window the gate saw and the configured tier when Meta stated none", async () => {
    const ctx = setup();
    await ctx.messages.create(queued('m1', { windowClosesAt: T0 + MIN }));
    await ctx.messages.create(queued('m2', { idempotencyKey: 'k2' }));

    await sendMessage('m1', ctx.deps);
    await sendMessage('m2', ctx.deps);

    expect(ctx.admissions).toEqual([
      { portfolioId: '830144582109437', recipient: '+4915112345678', isTemplate: true, windowOpen: true, tier: { name: 'TIER_250', limit: 250 }, now: T0 },
      { portfolioId: '830144582109437', recipient: '+4915112345678', isTemplate: true, windowOpen: false, tier: { name: 'TIER_250', limit: 250 }, now: T0 },
    ]);
  });

  it("enforces the tier Meta stated for the account over the configured one", async () => {
    const ctx = setup();
    ctx.state.account = { ...restrictedUntil(new Date(T0).toISOString()), restrictions: [], messagingLimitTier: 'TIER_10K' };
    await ctx.messages.create(queued('m1'));

    await sendMessage('m1', ctx.deps);

    expect(ctx.admissions[0]?.tier).toEqual({ name: 'TIER_10K', limit: 10_000 });
  });

  it('publishes MessagingLimitApproaching and MessagingLimitReached from the send that crossed, and sends it', async () => {
    const ctx = setup();
    await ctx.messages.create(queued('m1'));
    ctx.state.decision = { action: 'allow', addsUniqueUser: true, crossings: ['MessagingLimitApproaching', 'MessagingLimitReached'] };

    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });

    expect(ctx.published.map((e) => [e.detailType, e.data])).toEqual([
      ['MessagingLimitApproaching', { portfolioId: '830144582109437', businessAccountId: WABA, tier: 'TIER_250', limit: 250, used: 200, tierSource: 'configuration' }],
      ['MessagingLimitReached', { portfolioId: '830144582109437', businessAccountId: WABA, tier: 'TIER_250', limit: 250, used: 250, tierSource: 'configuration' }],
      ['MessageSent', expect.objectContaining({ messageId: 'm1' })],
    ]);
    expect(ctx.published[1]?.metadata.eventId).toBe('MessagingLimitReached:830144582109437:m1');
  });

  it('holds a template the limit defers, with the figures, no attempt spent, and never drops it', async () => {
    const ctx = setup();
    await ctx.messages.create(queued('m1'));
    const roomAt = T0 + 50 * MIN;
    ctx.state.decision = { action: 'defer', until: roomAt, used: 250 };

    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'retry', delayMs: 50 * MIN });
    expect(ctx.calls).toEqual([]);
    expect(ctx.messages.records.get('m1')).toMatchObject({
      status: 'queued',
      attempts: 0,
      deferral: { reason: 'messaging_limit_reached', until: roomAt, fact: { portfolioId: '830144582109437', tier: 'TIER_250', limit: 250, used: 250, roomAt } },
    });
    expect(ctx.published.map((e) => [e.detailType, (e.data as { until: string }).until])).toEqual([['MessageDeferred', new Date(roomAt).toISOString()]]);
  });

  it('puts a message back as a failed attempt, never left in sending, when the limit store throws', async () => {
    const ctx = setup();
    await ctx.messages.create(queued('m1'));
    ctx.state.admitError = Object.assign(new Error('the messaging limit count changed under every one of 10 attempts'), { name: 'MessagingLimitContendedError' });

    const outcome = await sendMessage('m1', ctx.deps);

    expect(outcome.kind).toBe('retry');
    expect(ctx.calls).toEqual([]);
    expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'queued', attempts: 1, lastError: { message: 'a check before the call to Meta failed (MessagingLimitContendedError); nothing was sent' } });
  });

  it("paces a number at Meta's throughput level for it when Meta stated one, else at the configured rate", async () => {
    const ctx = setup();
    await ctx.messages.create(queued('m1'));
    await ctx.messages.create(queued('m2', { idempotencyKey: 'k2' }));

    await sendMessage('m1', ctx.deps);
    ctx.state.number = { phoneNumberId: NUMBER, throughputMps: 1000, asOf: {}, version: 1, updatedAt: new Date(T0).toISOString() };
    await sendMessage('m2', ctx.deps);

    expect(ctx.shares).toEqual([80, 1000]);
  });
});
