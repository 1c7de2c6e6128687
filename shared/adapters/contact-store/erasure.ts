import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { IdentityKey } from '../../domain/contacts/identity.js';
import type { ContactStore } from '../../ports/contact-store.js';
import { whenConditionHolds } from '../dynamo-conditions.js';
import { queryAll } from '../dynamo-query.js';
import { contactIdOf } from './identity.js';
import { contactKeys } from './keys.js';
import type { ContactTable } from './table.js';

/** GDPR erasure: the tombstone on the profile item, and the clean-up of every other item of the contact. */
export type ErasureStore = Pick<ContactStore, 'erase' | 'findErasure'>;

/** Erasure on DynamoDB. */
export function createErasureStore(table: ContactTable): ErasureStore {
  const { client, TableName } = table;
  return {
    async erase(contact, at) {
      const waba = contact.businessAccountId;
      const keys: IdentityKey[] = [
        ...[contact.userId, ...(contact.previousUserIds ?? [])].filter((v): v is string => v !== undefined).map((value) => ({ kind: 'user' as const, value })),
        ...[contact.phone, ...(contact.previousPhones ?? [])].filter((v): v is string => v !== undefined).map((value) => ({ kind: 'phone' as const, value })),
      ];
      // Tombstone first: from here on the contact reads as erased, even if the clean-up below is interrupted.
      await client.send(
        new PutCommand({ TableName, Item: { ...contactKeys.profile(contact.contactId), contactId: contact.contactId, businessAccountId: waba, erasedAt: at } }),
      );
      for (const key of keys) {
        // Only keys that still point here: a released phone number may belong to someone else by now.
        await whenConditionHolds(
          client.send(
            new DeleteCommand({
              TableName,
              Key: contactKeys.identity(waba, key),
              ConditionExpression: 'contactId = :id',
              ExpressionAttributeValues: { ':id': contact.contactId },
            }),
          ),
        );
      }
      for (const pk of [`CONTACT#${contact.contactId}`, `CONTACT#${contact.contactId}#CONSENT`]) {
        const items = queryAll(client, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ProjectionExpression: 'pk, sk' });
        for await (const item of items) {
          if (item['sk'] === 'PROFILE') continue;
          await client.send(new DeleteCommand({ TableName, Key: { pk: item['pk'], sk: item['sk'] } }));
        }
      }
    },

    async findErasure(waba, ref) {
      const contactId = await contactIdOf(table, waba, ref);
      if (contactId === undefined) return undefined;
      const out = await client.send(new GetCommand({ TableName, Key: contactKeys.profile(contactId), ConsistentRead: true }));
      const erasedAt = out.Item?.['erasedAt'];
      if (typeof erasedAt !== 'number' || out.Item?.['businessAccountId'] !== waba) return undefined;
      return { contactId, erasedAt };
    },
  };
}
