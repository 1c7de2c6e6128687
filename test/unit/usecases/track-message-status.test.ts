import { beforeEach, describe, expect, it } from 'vitest';
import type { MessageRecord } from '#shared/adapters/message-store.js';
import type { MessageStatusUpdated } from '#shared/contracts/events/ingestion.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { trackMessageStatus } from '#shared/usecases/track-message-status.js';
import { inMemoryMessageStore } from '#test/support/in-memory-messages.js';

const T0 = Date.parse('2026-11-21T10:00:00Z');
const WAMID = 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA';
const business = { businessAccountId: '102290129340398', phoneNumberId: '106540352242922', displayPhoneNumber: '15550783881' };

function status(s: MessageStatusUpdated['status'], extra: Partial<MessageStatusUpdated> = {}): MessageStatusUpdated {
  return { business, wamid: WAMID, status: s, timestamp: T0 / 1000 + 5, recipient: { waId: '16505551234' }, bizOpaqueCallbackData: 'm1', ...extra };
}

const record = (overrides: Partial<MessageRecord> = {}): MessageRecord => ({
  messageId: 'm1',
  idempotencyKey: 'k1',
  requestHash: 'h',
  phoneNumberId: business.phoneNumberId,
  recipient: { to: '+16505551234' },
  messageType: 'text',
  category: 'service',
  status: 'accepted',
  wamid: WAMID,
  attempts: 1,
  createdAt: T0,
  updatedAt: T0,
  ...overrides,
});

describe('trackMessageStatus', () => {
  let messages: ReturnType<typeof inMemoryMessageStore>;
  let published: DomainEvent[];
  const deps = () => ({ messages, publish: async (events: readonly DomainEvent[]) => void published.push(...events) });

  beforeEach(() => {
    messages = inMemoryMessageStore();
    published = [];
  });

  it('moves the message forward and publishes MessageDelivered then MessageRead', async () => {
    await messages.create(record());
    await trackMessageStatus(status('delivered'), deps(), T0);
    await trackMessageStatus(status('read'), deps(), T0);
    expect(messages.records.get('m1')!.status).toBe('read');
    expect(published.map((e) => e.detailType)).toEqual(['MessageDelivered', 'MessageRead']);
  });

  it('never moves backwards, and still reports a delivered that arrives after read', async () => {
    await messages.create(record());
    await trackMessageStatus(status('read'), deps(), T0);
    await trackMessageStatus(status('delivered'), deps(), T0);
    expect(messages.records.get('m1')!.status).toBe('read');
    expect(published.map((e) => e.metadata.eventId)).toEqual(['MessageRead:m1', 'MessageDelivered:m1']);
  });

  it('republishes the same event (same id) for a redelivered status', async () => {
    await messages.create(record());
    await trackMessageStatus(status('delivered'), deps(), T0);
    await trackMessageStatus(status('delivered'), deps(), T0);
    expect(published.map((e) => e.metadata.eventId)).toEqual(['MessageDelivered:m1', 'MessageDelivered:m1']);
  });

  it('resolves an uncertain send from the status webhook, learning its wamid through biz_opaque_callback_data', async () => {
    const { wamid: _w, ...uncertain } = record({ status: 'uncertain' });
    await messages.create(uncertain);
    await trackMessageStatus(status('sent'), deps(), T0);
    expect(messages.records.get('m1')).toMatchObject({ status: 'sent', wamid: WAMID });
    expect(published[0]).toMatchObject({ detailType: 'MessageSent', data: { wamid: WAMID, messageId: 'm1' } });
  });

  it('fails a delivered message with the classified reason, but ignores a failure after read', async () => {
    await messages.create(record({ status: 'delivered' }));
    await trackMessageStatus(status('failed', { errors: [{ code: 131050, title: 'User stopped marketing' }] }), deps(), T0);
    expect(published[0]).toMatchObject({ detailType: 'MessageFailed', data: { reason: 'opted_out', terminal: true, error: { code: 131050 } } });
    published = [];
    await messages.create(record({ messageId: 'm2', idempotencyKey: 'k2', status: 'read', wamid: 'wamid.other' }));
    await trackMessageStatus(status('failed', { bizOpaqueCallbackData: 'm2', wamid: 'wamid.other', errors: [{ code: 131000 }] }), deps(), T0);
    expect(messages.records.get('m2')!.status).toBe('read');
    expect(published).toEqual([]);
  });

  it('ignores statuses of messages Relais did not send', async () => {
    await trackMessageStatus(status('delivered', { bizOpaqueCallbackData: undefined as never, wamid: 'wamid.unknown' }), deps(), T0);
    expect(published).toEqual([]);
  });
});
