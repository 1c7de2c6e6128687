import { randomUUID } from 'node:crypto';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IdentityKey } from '../../domain/contacts/identity.js';
import type { ContactProfile, ObservedUser } from '../../domain/contacts/records.js';
import type { ContactStore } from '../../ports/contact-store.js';
import { transactionOutcome, whenConditionHolds } from '../dynamo-conditions.js';
import { contactKeys } from './keys.js';
import type { ContactTable } from './table.js';

/** The identity keys (BSUID, phone) and the contact profile they point at: resolving, finding, rotating and re-numbering. */
export type IdentityStore = Pick<ContactStore, 'resolve' | 'find' | 'rotateUserId' | 'changePhone'>;

/** The contact id a caller names: given directly, or read (consistently) from the identity key; not checked against the profile. */
export async function contactIdOf({ client, TableName }: ContactTable, waba: string, ref: IdentityKey | { contactId: string }): Promise<string | undefined> {
  if ('contactId' in ref) return ref.contactId;
  const key = await client.send(new GetCommand({ TableName, Key: contactKeys.identity(waba, ref), ConsistentRead: true }));
  return key.Item?.['contactId'] as string | undefined;
}

/** The profile as stored, without its keys. */
export function toProfile(item: Record<string, unknown>): ContactProfile {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as ContactProfile;
}

/** Identity keys and profiles on DynamoDB. */
export function createIdentityStore(table: ContactTable): IdentityStore {
  const { client, TableName } = table;

  async function lookupKeys(waba: string, keys: readonly IdentityKey[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const out = await client.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys.map((k) => contactKeys.identity(waba, k)) } } }));
    const found = new Map<string, string>();
    for (const item of out.Responses?.[TableName] ?? []) found.set(item['pk'] as string, item['contactId'] as string);
    return found;
  }

  async function getProfile(contactId: string): Promise<ContactProfile | undefined> {
    const out = await client.send(new GetCommand({ TableName, Key: contactKeys.profile(contactId), ConsistentRead: true }));
    return out.Item === undefined || out.Item['erasedAt'] !== undefined ? undefined : toProfile(out.Item);
  }

  async function create(waba: string, user: ObservedUser, at: number): Promise<ContactProfile | 'conflict'> {
    const profile: ContactProfile = {
      contactId: `c_${randomUUID()}`,
      businessAccountId: waba,
      ...definedUser(user),
      createdAt: at,
      updatedAt: at,
    };
    const outcome = await transactionOutcome(
      client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { ...contactKeys.profile(profile.contactId), ...profile }, ConditionExpression: 'attribute_not_exists(pk)' } },
            ...keysOf(user).map((key) => ({
              Put: {
                TableName,
                Item: { ...contactKeys.identity(waba, key), contactId: profile.contactId, createdAt: at },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            })),
          ],
        }),
      ),
    );
    // Any cancellation means another writer created the profile or took a key first: resolve again.
    return outcome.committed ? profile : 'conflict';
  }

  async function attachKey(waba: string, key: IdentityKey, contactId: string, at: number): Promise<void> {
    await client.send(new PutCommand({ TableName, Item: { ...contactKeys.identity(waba, key), contactId, createdAt: at } }));
  }

  async function mergeProfile(contactId: string, user: ObservedUser, at: number): Promise<ContactProfile | undefined> {
    const fields = definedUser(user);
    const names = Object.keys(fields);
    const set = names.map((n, i) => `#f${i} = :v${i}`).concat('updatedAt = :at');
    const values: Record<string, unknown> = { ':at': at };
    const attrNames: Record<string, string> = {};
    names.forEach((n, i) => {
      attrNames[`#f${i}`] = n;
      values[`:v${i}`] = fields[n as keyof typeof fields];
    });
    const out = await whenConditionHolds(
      client.send(
        new UpdateCommand({
          TableName,
          Key: contactKeys.profile(contactId),
          UpdateExpression: `SET ${set.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(erasedAt)',
          ...(names.length > 0 ? { ExpressionAttributeNames: attrNames } : {}),
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out?.Attributes === undefined ? undefined : toProfile(out.Attributes);
  }

  const find: IdentityStore['find'] = async (waba, ref) => {
    if ('contactId' in ref) {
      const profile = await getProfile(ref.contactId);
      return profile?.businessAccountId === waba ? profile : undefined;
    }
    const out = await client.send(new GetCommand({ TableName, Key: contactKeys.identity(waba, ref) }));
    const contactId = out.Item?.['contactId'] as string | undefined;
    return contactId === undefined ? undefined : getProfile(contactId);
  };

  return {
    async resolve(waba, user, at) {
      const keys = keysOf(user);
      if (keys.length === 0) return undefined;
      for (let attempt = 0; attempt < 3; attempt++) {
        const found = await lookupKeys(waba, keys);
        const byUser = user.userId === undefined ? undefined : found.get(contactKeys.identity(waba, { kind: 'user', value: user.userId }).pk);
        const byPhone = user.phone === undefined ? undefined : found.get(contactKeys.identity(waba, { kind: 'phone', value: user.phone }).pk);
        // The BSUID is authoritative: a phone number can move to another person, a BSUID cannot.
        const contactId = byUser ?? byPhone;
        if (contactId === undefined) {
          const created = await create(waba, user, at);
          if (created !== 'conflict') return created;
          continue;
        }
        for (const key of keys) {
          const current = key.kind === 'user' ? byUser : byPhone;
          if (current !== contactId) await attachKey(waba, key, contactId, at);
        }
        const merged = await mergeProfile(contactId, user, at);
        if (merged !== undefined) return merged;
        // The key pointed at an erased contact: release the keys and start a new contact.
        for (const key of keys) await client.send(new DeleteCommand({ TableName, Key: contactKeys.identity(waba, key) }));
      }
      throw new Error('could not resolve contact after 3 attempts (concurrent creation)');
    },

    find,

    async rotateUserId(waba, previous, current, at, parent) {
      const old = await find(waba, { kind: 'user', value: previous });
      const already = await find(waba, { kind: 'user', value: current });
      const contact = old ?? already;
      if (contact === undefined) return undefined;
      await attachKey(waba, { kind: 'user', value: current }, contact.contactId, at);
      const previousUserIds = [...new Set([...(contact.previousUserIds ?? []), previous])].filter((id) => id !== current);
      const out = await client.send(
        new UpdateCommand({
          TableName,
          Key: contactKeys.profile(contact.contactId),
          UpdateExpression: `SET userId = :current, previousUserIds = :prev, updatedAt = :at${parent === undefined ? '' : ', parentUserId = :parent'}`,
          ExpressionAttributeValues: { ':current': current, ':prev': previousUserIds, ':at': at, ...(parent === undefined ? {} : { ':parent': parent }) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes === undefined ? contact : toProfile(out.Attributes);
    },

    async changePhone(contact, newPhone, at) {
      const waba = contact.businessAccountId;
      await attachKey(waba, { kind: 'phone', value: newPhone }, contact.contactId, at);
      if (contact.phone !== undefined && contact.phone !== newPhone) {
        // Release the old number only if it still points here: it may already belong to someone else.
        await whenConditionHolds(
          client.send(
            new DeleteCommand({
              TableName,
              Key: contactKeys.identity(waba, { kind: 'phone', value: contact.phone }),
              ConditionExpression: 'contactId = :id',
              ExpressionAttributeValues: { ':id': contact.contactId },
            }),
          ),
        );
      }
      const previousPhones = [...new Set([...(contact.previousPhones ?? []), ...(contact.phone === undefined ? [] : [contact.phone])])].filter((p) => p !== newPhone);
      await client.send(
        new UpdateCommand({
          TableName,
          Key: contactKeys.profile(contact.contactId),
          UpdateExpression: 'SET phone = :p, previousPhones = :prev, updatedAt = :at',
          ExpressionAttributeValues: { ':p': newPhone, ':prev': previousPhones, ':at': at },
        }),
      );
    },
  };
}

function keysOf(user: ObservedUser): IdentityKey[] {
  const keys: IdentityKey[] = [];
  if (user.userId !== undefined) keys.push({ kind: 'user', value: user.userId });
  if (user.phone !== undefined) keys.push({ kind: 'phone', value: user.phone });
  return keys;
}

function definedUser(user: ObservedUser): Partial<Pick<ContactProfile, 'userId' | 'phone' | 'parentUserId' | 'username' | 'profileName'>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(user)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}
