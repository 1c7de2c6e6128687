import { beforeEach, describe, expect, it } from 'vitest';
import type { MessageRecord } from '#shared/adapters/message-store.js';
import type { PacingStore, SlotRequest } from '#shared/ports/pacing-store.js';
import type { GraphSendResult } from '#shared/adapters/graph-api.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { sendMessage, type SendMessageDeps } from '#shared/usecases/send-message.js';
import { inMemoryMessageStore } from '#test/support/in-memory-messages.js';

const T0 = Date.parse('2026-11-21T10:00:00Z');

function queued(id: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: id,
    idempotencyKey: `key-${id}`,
    requestHash: 'h',
    phoneNumberId: '106540352242922',
    recipient: { to: '+16505551234' },
    messageType: 'text',
    category: 'service',
    lane: 'priority',
    status: 'queued',
    request: { phoneNumberId: '106540352242922', to: '+16505551234', message: { type: 'text', body: 'Your order ships today.' } },
    attempts: 0,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function pacing(overrides: Partial<PacingStore> = {}): PacingStore & { sends: number[] } {
  const sends: number[] = [];
  return {
    sends,
    acquire: async () => ({ granted: true }),
    pause: async () => {},
    recentSends: async () => [...sends],
    recordSend: async (_k, at) => void sends.push(at),
    ...overrides,
  };
}

function setup(results: GraphSendResult[], pace: PacingStore = pacing()) {
  const messages = inMemoryMessageStore();
  const published: DomainEvent[] = [];
  const calls: Array<{ phoneNumberId: string; body: Record<string, unknown> }> = [];
  const fepWindows: Array<{ contactId: string; phoneNumberId: string; opensAt: number; closesAt: number }> = [];
  let now = T0;
  const deps: SendMessageDeps = {
    messages,
    pacing: pace,
    graph: {
      sendMessage: async (phoneNumberId, body) => {
        calls.push({ phoneNumberId, body });
        return results.shift() ?? { outcome: 'error', httpStatus: 500, error: {} };
      },
    },
    publish: async (events) => void published.push(...events),
    freeEntryPoints: {
      openFreeEntryPointWindow: async (contactId, phoneNumberId, window) => {
        fepWindows.push({ contactId, phoneNumberId, ...window });
        return true;
      },
    },
    settings: { ratePerSecond: () => 80, bulkSharePercent: 80, pairRate: { intervalMs: 6000, burst: 20 }, maxAttempts: 3, inlineWaitMs: 1000 },
    now: () => now,
    sleep: async (ms) => void (now += ms),
    random: () => 0.5,
  };
  return { deps, messages, published, calls, fepWindows, advance: (ms: number) => (now += ms) };
}

const WAMID = 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA';

describe('sendMessage', () => {
  let ctx: ReturnType<typeof setup>;

  describe('when Meta accepts', () => {
    beforeEach(async () => {
      ctx = setup([{ outcome: 'accepted', wamid: WAMID, httpStatus: 200, waId: '16505551234' }]);
      await ctx.messages.create(queued('m1'));
    });

    it('sends once with our message id as biz_opaque_callback_data and records the wamid', async () => {
      await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });
      expect(ctx.calls).toHaveLength(1);
      expect(ctx.calls[0]!.body).toMatchObject({ to: '+16505551234', biz_opaque_callback_data: 'm1', type: 'text' });
      expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'accepted', wamid: WAMID, attempts: 1 });
      expect(ctx.published.map((e) => e.detailType)).toEqual(['MessageSent']);
      expect(ctx.published[0]!.data).toMatchObject({ messageId: 'm1', wamid: WAMID, waId: '16505551234' });
    });

    it('does not send again when the same queue message is delivered twice', async () => {
      await sendMessage('m1', ctx.deps);
      await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });
      expect(ctx.calls).toHaveLength(1);
    });
  });

  it('marks a timed-out call uncertain and never resends it; a redelivery republishes the same event', async () => {
    ctx = setup([{ outcome: 'unknown', cause: 'timeout', detail: 'no answer in 10000 ms' }]);
    await ctx.messages.create(queued('m1'));
    await sendMessage('m1', ctx.deps);
    await sendMessage('m1', ctx.deps);
    expect(ctx.calls).toHaveLength(1);
    expect(ctx.messages.records.get('m1')!.status).toBe('uncertain');
    expect(ctx.published.map((e) => e.metadata.eventId)).toEqual(['SendOutcomeUncertain:m1', 'SendOutcomeUncertain:m1']);
  });

  it('republishes MessageFailed with the recorded reason when a failed message is redelivered (a sender died before publishing)', async () => {
    ctx = setup([{ outcome: 'error', httpStatus: 400, error: { code: 131026 } }]);
    await ctx.messages.create(queued('m1'));
    await sendMessage('m1', ctx.deps);
    await sendMessage('m1', ctx.deps);
    expect(ctx.calls).toHaveLength(1);
    expect(ctx.published.map((e) => [e.metadata.eventId, (e.data as { reason: string }).reason])).toEqual([
      ['MessageFailed:m1', 'recipient_unreachable'],
      ['MessageFailed:m1', 'recipient_unreachable'],
    ]);
  });

  it('treats a record left in sending by a crashed sender as uncertain instead of sending it again', async () => {
    ctx = setup([{ outcome: 'accepted', wamid: WAMID, httpStatus: 200 }]);
    await ctx.messages.create(queued('m1'));
    await ctx.messages.claim('m1', T0);
    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });
    expect(ctx.calls).toHaveLength(0);
    expect(ctx.messages.records.get('m1')!.status).toBe('uncertain');
    expect(ctx.published[0]!.detailType).toBe('SendOutcomeUncertain');
  });

  it('fails for good on a terminal Meta error and publishes MessageFailed with the reason', async () => {
    ctx = setup([{ outcome: 'error', httpStatus: 400, error: { code: 131026, title: 'Message undeliverable' } }]);
    await ctx.messages.create(queued('m1'));
    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });
    expect(ctx.messages.records.get('m1')!.status).toBe('failed');
    expect(ctx.published[0]).toMatchObject({ detailType: 'MessageFailed', data: { reason: 'recipient_unreachable', terminal: true, error: { code: 131026 } } });
  });

  it('puts a message back with back-off on a retryable error, then sends it', async () => {
    ctx = setup([
      { outcome: 'error', httpStatus: 500, error: { code: 131000 } },
      { outcome: 'accepted', wamid: WAMID, httpStatus: 200 },
    ]);
    await ctx.messages.create(queued('m1'));
    const first = await sendMessage('m1', ctx.deps);
    expect(first.kind).toBe('retry');
    expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'queued', lastError: { error: { code: 131000 } } });
    await sendMessage('m1', ctx.deps);
    expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'accepted', attempts: 2 });
    expect(ctx.calls).toHaveLength(2);
  });

  it('pauses the number after 130429 and retries', async () => {
    const paused: number[] = [];
    ctx = setup([{ outcome: 'error', httpStatus: 400, error: { code: 130429 } }], pacing({ pause: async (_n, until) => void paused.push(until) }));
    await ctx.messages.create(queued('m1'));
    expect((await sendMessage('m1', ctx.deps)).kind).toBe('retry');
    expect(paused).toEqual([T0 + 1000]);
  });

  it('dead-letters after the retry budget and says so', async () => {
    ctx = setup(Array.from({ length: 5 }, () => ({ outcome: 'error', httpStatus: 503, error: {} }) as GraphSendResult));
    await ctx.messages.create(queued('m1'));
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await sendMessage('m1', ctx.deps)).kind);
    expect(outcomes).toEqual(['retry', 'retry', 'dead_letter']);
    expect(ctx.messages.records.get('m1')!.status).toBe('dead_lettered');
    expect(ctx.published.map((e) => e.detailType)).toEqual(['MessageDeadLettered']);
    expect(ctx.published[0]!.data).toMatchObject({ attempts: 3 });
  });

  it('waits out the pair rate without calling Meta and without using the retry budget', async () => {
    const recent = Array.from({ length: 20 }, (_, i) => T0 - 1000 + i);
    ctx = setup([], pacing({ recentSends: async () => recent }));
    await ctx.messages.create(queued('m1'));
    const outcome = await sendMessage('m1', ctx.deps);
    expect(outcome.kind).toBe('retry');
    expect(ctx.calls).toHaveLength(0);
    expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('waits inline for the next throughput slot when it is close', async () => {
    let refusals = 2;
    ctx = setup(
      [{ outcome: 'accepted', wamid: WAMID, httpStatus: 200 }],
      pacing({ acquire: async ({ now }) => (refusals-- > 0 ? { granted: false, retryAt: now + 100 } : { granted: true }) }),
    );
    await ctx.messages.create(queued('m1'));
    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });
    expect(ctx.calls).toHaveLength(1);
  });

  it.each([
    ['bulk', 'bulk', 'bulk'],
    ['priority', 'priority', 'priority'],
    ['none recorded (an older record, queued on the priority lane)', undefined, 'priority'],
  ] as const)("asks for a slot of the message's lane (%s) with the number's own rate and the bulk share", async (_, lane, expected) => {
    const asked: SlotRequest[] = [];
    ctx = setup(
      [{ outcome: 'accepted', wamid: WAMID, httpStatus: 200 }],
      pacing({ acquire: async (request) => (asked.push(request), { granted: true }) }),
    );
    ctx.deps = { ...ctx.deps, settings: { ...ctx.deps.settings, ratePerSecond: (id) => (id === '106540352242922' ? 250 : 80), bulkSharePercent: 65 } };
    await ctx.messages.create(queued('m1', lane === undefined ? { lane: undefined } : { lane }));
    await sendMessage('m1', ctx.deps);
    expect(asked).toEqual([{ phoneNumberId: '106540352242922', lane: expected, share: { ratePerSecond: 250, bulkSharePercent: 65 }, now: T0 }]);
  });
});

describe('sendMessage for an erased contact', () => {
  it('fails the message instead of sending it when the contact was erased while it waited', async () => {
    const ctx = setup([{ outcome: 'accepted', wamid: WAMID, httpStatus: 200 }]);
    await ctx.messages.create(queued('m1', { contactId: 'c_1' }));
    await ctx.messages.eraseContact('c_1', T0);
    await expect(sendMessage('m1', ctx.deps)).resolves.toEqual({ kind: 'done' });
    expect(ctx.calls).toHaveLength(0);
    expect(ctx.messages.records.get('m1')).toMatchObject({ status: 'failed', erasedAt: T0 });
    expect(ctx.messages.records.get('m1')!.recipient).toBeUndefined();
    expect(ctx.published[0]).toMatchObject({ detailType: 'MessageFailed', data: { reason: 'recipient_unreachable', terminal: true } });
  });
});

describe('sendMessage and free entry points', () => {
  const H = 3600_000;

  it('opens the 72 h free window when a reply to a click-to-WhatsApp referral is accepted within 24 h', async () => {
    const ctx = setup([{ outcome: 'accepted', wamid: WAMID, httpStatus: 200 }]);
    await ctx.messages.create(queued('m1', { contactId: 'c_1', freeEntryPointOffer: { referralAt: T0 - 2 * H, replyBy: T0 + 22 * H } }));
    await sendMessage('m1', ctx.deps);
    expect(ctx.fepWindows).toEqual([{ contactId: 'c_1', phoneNumberId: '106540352242922', opensAt: T0, closesAt: T0 + 72 * H }]);
  });

  it('opens nothing when Meta accepts the reply after the 24 h deadline, or for a message without an offer', async () => {
    const late = setup([{ outcome: 'accepted', wamid: WAMID, httpStatus: 200 }]);
    await late.messages.create(queued('m1', { contactId: 'c_1', freeEntryPointOffer: { referralAt: T0 - 24 * H, replyBy: T0 } }));
    await sendMessage('m1', late.deps);
    expect(late.fepWindows).toEqual([]);
    const plain = setup([{ outcome: 'accepted', wamid: WAMID, httpStatus: 200 }]);
    await plain.messages.create(queued('m2', { contactId: 'c_1' }));
    await sendMessage('m2', plain.deps);
    expect(plain.fepWindows).toEqual([]);
  });
});
