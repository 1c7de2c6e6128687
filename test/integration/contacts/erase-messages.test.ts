import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createMessageStore, type MessageRecord } from '#shared/adapters/message-store.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { eraseContact } from '#shared/usecases/manage-contacts.js';
import { contactStoreOnEmulator, uniqueWaba } from '#test/support/contacts-harness.js';

const emulator = contactStoreOnEmulator();
const messages = createMessageStore({ client: emulator.client, tableName: emulator.tableName });
afterAll(() => emulator.destroy());

function message(contactId: string | undefined, i: number): MessageRecord {
  const now = Date.now();
  return {
    messageId: `m_${randomUUID()}`,
    idempotencyKey: `erase-it-${randomUUID()}`,
    requestHash: 'h',
    phoneNumberId: '106540352242922',
    ...(contactId !== undefined ? { contactId } : {}),
    recipient: { to: '+33612345678' },
    messageType: 'text',
    category: 'service',
    lane: 'priority',
    status: i === 0 ? 'queued' : 'read',
    request: { phoneNumberId: '106540352242922', to: '+33612345678', message: { type: 'text', body: `private note ${i}` } },
    attempts: 0,
    createdAt: now + i,
    updatedAt: now + i,
  };
}

describe('GDPR erasure reaches the send pipeline', () => {
  it("removes the recipient and content of every message of the contact and leaves other contacts' messages alone", async () => {
    const waba = uniqueWaba();
    const contact = await emulator.store.resolve(waba, { phone: '+33612345678' }, Date.now());
    const own = [message(contact!.contactId, 0), message(contact!.contactId, 1), message(contact!.contactId, 2)];
    const other = message(`c_${randomUUID()}`, 3);
    for (const record of [...own, other]) expect(await messages.create(record)).toBe('created');

    const published: DomainEvent[] = [];
    const result = await eraseContact(
      { businessAccountId: waba, ref: { key: { kind: 'phone', value: '+33612345678' } }, actor: 'arn:aws:iam::000000000000:user/dpo' },
      { contacts: emulator.store, publish: async (events) => void published.push(...events), now: Date.now, eraseMessages: (id, at) => messages.eraseContact(id, at) },
    );

    for (const record of own) {
      const { Item } = await emulator.client.send(new GetCommand({ TableName: emulator.tableName, Key: { pk: `MSG#${record.messageId}`, sk: 'MSG' } }));
      expect(Item).toMatchObject({ messageId: record.messageId, status: record.status, category: 'service', erasedAt: result.erasedAt });
      expect(Item!['recipient']).toBeUndefined();
      expect(Item!['request']).toBeUndefined();
      expect(JSON.stringify(Item)).not.toContain('+33612345678');
    }
    expect((await messages.get(other.messageId))!.recipient).toEqual({ to: '+33612345678' });
    expect(published.map((e) => e.detailType)).toEqual(['ContactErased']);
    expect(JSON.stringify(published)).not.toContain('+33612345678');
  });
});
