import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { CONSENT_CATEGORIES, supersedes, type ConsentCategory, type ConsentRecord, type ConsentSnapshot, type ConsentState } from '../domain/consent/consent.js';
import type { IdentityKey } from '../domain/contacts/identity.js';
import {
  extendWindow,
  type CustomerServiceWindow,
  type FreeEntryPointOpportunity,
  type FreeEntryPointWindow,
} from '../domain/windows/customer-service-window.js';
import type { ConsentHistoryPage, ConsentWrite, ContactOverview, ContactProfile, HoldAcknowledgement, ObservedUser, SendContext } from '../domain/contacts/records.js';
import type { ContactStore, SendContextReader } from '../ports/contact-store.js';
import { contactKeys } from './contact-store/keys.js';
import { queryAll } from './dynamo-query.js';
import { conditionHeld, transactionOutcome, whenConditionHolds } from './dynamo-conditions.js';

/**
 * Contacts, identity keys, windows and consent in the state table. Keys (see README "Data model"):
 *
 * | item                      | pk                                  | sk                          |
 * |---------------------------|-------------------------------------|-----------------------------|
 * | identity key → contact    | `IDKEY#<waba>#U#<bsuid>` / `…#P#<+e164>` | `IDKEY`                |
 * | contact profile           | `CONTACT#<contactId>`               | `PROFILE`                   |
 * | customer service window   | `CONTACT#<contactId>`               | `WINDOW#<phoneNumberId>`    |
 * | free-entry-point chance   | `CONTACT#<contactId>`               | `FEPOFFER#<phoneNumberId>`  |
 * | free-entry-point window   | `CONTACT#<contactId>`               | `FEP#<phoneNumberId>`       |
 * | consent, current          | `CONTACT#<contactId>`               | `CONSENT#<category>`        |
 * | consent history (append)  | `CONTACT#<contactId>#CONSENT`       | `<occurredAt ISO>#<recordId>` |
 *
 * Everything the send path needs about a contact sits in one partition, so one Query answers it.
 */

/** Seconds past a window's close at which DynamoDB may delete it (reads never rely on the deletion). */
const WINDOW_RETENTION_S = 7 * 24 * 3600;


export function createContactStore({ client, tableName }: { client: DynamoDBDocumentClient; tableName: string }): ContactStore & SendContextReader {
  const TableName = tableName;

  async function lookupKeys(waba: string, keys: readonly IdentityKey[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const out = await client.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys.map((k) => contactKeys.identity(waba, k)) } } }));
    const found = new Map<string, string>();
    for (const item of out.Responses?.[TableName] ?? []) found.set(item['pk'] as string, item['contactId'] as string);
    return found;
  }

  /** The contact id a caller names: given directly, or read (consistently) from the identity key; not checked against the profile. */
  async function contactIdOf(waba: string, ref: IdentityKey | { contactId: string }): Promise<string | undefined> {
    if ('contactId' in ref) return ref.contactId;
    const key = await client.send(new GetCommand({ TableName, Key: contactKeys.identity(waba, ref), ConsistentRead: true }));
    return key.Item?.['contactId'] as string | undefined;
  }

  async function getProfile(contactId: string): Promise<ContactProfile | undefined> {
    const out = await client.send(new GetCommand({ TableName, Key: contactKeys.profile(contactId), ConsistentRead: true }));
    return out.Item === undefined || out.Item['erasedAt'] !== undefined ? undefined : toProfile(out.Item);
  }

  function keysOf(user: ObservedUser): IdentityKey[] {
    const keys: IdentityKey[] = [];
    if (user.userId !== undefined) keys.push({ kind: 'user', value: user.userId });
    if (user.phone !== undefined) keys.push({ kind: 'phone', value: user.phone });
    return keys;
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

    async find(waba, ref) {
      if ('contactId' in ref) {
        const profile = await getProfile(ref.contactId);
        return profile?.businessAccountId === waba ? profile : undefined;
      }
      const out = await client.send(new GetCommand({ TableName, Key: contactKeys.identity(waba, ref) }));
      const contactId = out.Item?.['contactId'] as string | undefined;
      return contactId === undefined ? undefined : getProfile(contactId);
    },

    async recordInbound(contactId, phoneNumberId, inboundAt) {
      const key = contactKeys.window(contactId, phoneNumberId);
      for (let attempt = 0; attempt < 5; attempt++) {
        const out = await client.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
        const current = out.Item === undefined ? undefined : toWindow(out.Item);
        const next = extendWindow(current, inboundAt);
        if (next === undefined) return undefined;
        if (next === current) return next;
        const written = await conditionHeld(
          client.send(
            new PutCommand({
              TableName,
              Item: { ...key, ...next, expiresAt: Math.ceil(next.closesAt / 1000) + WINDOW_RETENTION_S },
              // Optimistic concurrency: another inbound for the same pair may have moved the window meanwhile.
              ConditionExpression: current === undefined ? 'attribute_not_exists(pk)' : 'lastInboundAt = :seen',
              ...(current === undefined ? {} : { ExpressionAttributeValues: { ':seen': current.lastInboundAt } }),
            }),
          ),
        );
        if (written) return next;
      }
      throw new Error('window update kept conflicting after 5 attempts');
    },

    async recordFreeEntryPointOffer(contactId, phoneNumberId, offer) {
      return conditionHeld(
        client.send(
          new PutCommand({
            TableName,
            Item: { ...contactKeys.fepOffer(contactId, phoneNumberId), ...offer, expiresAt: Math.ceil(offer.replyBy / 1000) + WINDOW_RETENTION_S },
            ConditionExpression: 'attribute_not_exists(referralAt) OR referralAt < :t',
            ExpressionAttributeValues: { ':t': offer.referralAt },
          }),
        ),
      );
    },

    async openFreeEntryPointWindow(contactId, phoneNumberId, window) {
      return conditionHeld(
        client.send(
          new PutCommand({
            TableName,
            Item: { ...contactKeys.fepWindow(contactId, phoneNumberId), ...window, expiresAt: Math.ceil(window.closesAt / 1000) + WINDOW_RETENTION_S },
            ConditionExpression: 'attribute_not_exists(closesAt) OR closesAt <= :opens',
            ExpressionAttributeValues: { ':opens': window.opensAt },
          }),
        ),
      );
    },

    async recordConsent(contactId, record) {
      const history = { Put: { TableName, Item: { ...contactKeys.consentHistory(contactId, record), ...record }, ConditionExpression: 'attribute_not_exists(pk)' } };
      const current = await client.send(new GetCommand({ TableName, Key: contactKeys.consent(contactId, record.category), ConsistentRead: true }));
      const state = current.Item === undefined ? undefined : toConsentState(current.Item);
      // A redelivery of the record that is already current: report it as current so its event is re-emitted.
      if (state?.recordId === record.recordId) return 'current';
      if (!supersedes(record, state)) {
        return (await conditionHeld(client.send(new PutCommand(history.Put)))) ? 'history_only' : 'duplicate';
      }
      const next: ConsentState = { status: record.status, since: record.occurredAt, source: record.source, recordId: record.recordId };
      const outcome = await transactionOutcome(
        client.send(
          new TransactWriteCommand({
            TransactItems: [
              history,
              {
                Put: {
                  TableName,
                  Item: { ...contactKeys.consent(contactId, record.category), ...next },
                  // Optimistic: the state must still be what we read, else another record won the race.
                  ConditionExpression: state === undefined ? 'attribute_not_exists(pk)' : 'recordId = :prev',
                  ...(state === undefined ? {} : { ExpressionAttributeValues: { ':prev': state.recordId } }),
                },
              },
            ],
          }),
        ),
      );
      if (outcome.committed) return 'current';
      // Item 0 is the history record (already written: a redelivery), item 1 the current state (moved meanwhile: decide again).
      if (outcome.failedConditions.has(0)) return 'duplicate';
      if (outcome.failedConditions.has(1)) return this.recordConsent(contactId, record);
      throw outcome.error;
    },

    async consentHistory(contactId) {
      const items: ConsentRecord[] = [];
      for await (const item of queryAll(client, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}#CONSENT` } })) {
        items.push(toConsentRecord(item));
      }
      return items;
    },

    async putOnHold(contactId, hold) {
      return conditionHeld(
        client.send(
          new UpdateCommand({
            TableName,
            Key: contactKeys.profile(contactId),
            UpdateExpression: 'SET #hold = :hold, updatedAt = :at',
            // Re-applying the same change (a redelivery) succeeds; one already acknowledged does not come back.
            ConditionExpression:
              'attribute_exists(pk) AND attribute_not_exists(erasedAt) AND (attribute_not_exists(#hold) OR #hold.since <= :at) ' +
              'AND (attribute_not_exists(holdAcknowledgedUpTo) OR holdAcknowledgedUpTo < :at)',
            ExpressionAttributeNames: { '#hold': 'hold' },
            ExpressionAttributeValues: { ':hold': hold, ':at': hold.since },
          }),
        ),
      );
    },

    async acknowledgeHold(contactId, at) {
      return conditionHeld(
        client.send(
          new UpdateCommand({
            TableName,
            Key: contactKeys.profile(contactId),
            UpdateExpression: 'REMOVE #hold SET updatedAt = :at, holdAcknowledgedUpTo = #hold.since',
            ConditionExpression: 'attribute_exists(#hold)',
            ExpressionAttributeNames: { '#hold': 'hold' },
            ExpressionAttributeValues: { ':at': at },
          }),
        ),
      );
    },

    async rotateUserId(waba, previous, current, at, parent) {
      const old = await this.find(waba, { kind: 'user', value: previous });
      const already = await this.find(waba, { kind: 'user', value: current });
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

    async sendContext(contactId, phoneNumberId) {
      const items = queryAll(client, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}` }, ConsistentRead: true });
      let contact: ContactProfile | undefined;
      let window: CustomerServiceWindow | undefined;
      let offer: FreeEntryPointOpportunity | undefined;
      let fep: FreeEntryPointWindow | undefined;
      const consent: Record<ConsentCategory, ConsentState> = Object.fromEntries(CONSENT_CATEGORIES.map((c) => [c, { status: 'unknown' }])) as Record<
        ConsentCategory,
        ConsentState
      >;
      for await (const item of items) {
        const sk = item['sk'] as string;
        if (sk === 'PROFILE') contact = item['erasedAt'] === undefined ? toProfile(item) : undefined;
        else if (sk === `WINDOW#${phoneNumberId}`) window = toWindow(item);
        else if (sk === `FEPOFFER#${phoneNumberId}`) offer = toOffer(item);
        else if (sk === `FEP#${phoneNumberId}`) fep = { opensAt: item['opensAt'] as number, closesAt: item['closesAt'] as number };
        else if (sk.startsWith('CONSENT#')) {
          const category = sk.slice('CONSENT#'.length) as ConsentCategory;
          if (category in consent) consent[category] = toConsentState(item);
        }
      }
      if (contact === undefined) return undefined;
      return { contact, window, freeEntryPointOffer: offer, freeEntryPointWindow: fep, consent };
    },

    async sendContextFor(waba, ref, phoneNumberId) {
      const contactId = await contactIdOf(waba, ref);
      if (contactId === undefined) return undefined;
      const context = await this.sendContext(contactId, phoneNumberId);
      return context?.contact.businessAccountId === waba ? context : undefined;
    },

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

    async contactOverview(contactId) {
      let contact: ContactProfile | undefined;
      let erased = false;
      const windows: Array<CustomerServiceWindow & { phoneNumberId: string }> = [];
      const offers: Array<FreeEntryPointOpportunity & { phoneNumberId: string }> = [];
      const feps: Array<FreeEntryPointWindow & { phoneNumberId: string }> = [];
      const consent: Record<ConsentCategory, ConsentState> = Object.fromEntries(CONSENT_CATEGORIES.map((c) => [c, { status: 'unknown' }])) as Record<
        ConsentCategory,
        ConsentState
      >;
      const items = queryAll(client, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}` }, ConsistentRead: true });
      for await (const item of items) {
        const sk = item['sk'] as string;
        const after = (prefix: string) => sk.slice(prefix.length);
        if (sk === 'PROFILE') {
          if (item['erasedAt'] === undefined) contact = toProfile(item);
          else erased = true;
        } else if (sk.startsWith('WINDOW#')) windows.push({ phoneNumberId: after('WINDOW#'), ...toWindow(item) });
        else if (sk.startsWith('FEPOFFER#')) offers.push({ phoneNumberId: after('FEPOFFER#'), ...toOffer(item) });
        else if (sk.startsWith('FEP#')) feps.push({ phoneNumberId: after('FEP#'), opensAt: item['opensAt'] as number, closesAt: item['closesAt'] as number });
        else if (sk.startsWith('CONSENT#')) {
          const category = after('CONSENT#') as ConsentCategory;
          if (category in consent) consent[category] = toConsentState(item);
        }
      }
      if (contact === undefined || erased) return undefined;
      return { contact, windows, freeEntryPointOffers: offers, freeEntryPointWindows: feps, consent };
    },

    async consentHistoryPage(contactId, { limit, after }) {
      const pk = `CONTACT#${contactId}#CONSENT`;
      const records: ConsentRecord[] = [];
      let start: Record<string, unknown> | undefined = after === undefined ? undefined : { pk, sk: after };
      let lastSk: string | undefined;
      // One item more than asked tells whether another page exists without an empty last page.
      while (records.length <= limit) {
        const out = await client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ScanIndexForward: false,
            Limit: limit + 1 - records.length,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) {
          if (records.length === limit) return { records, after: lastSk! };
          records.push(toConsentRecord(item));
          lastSk = item['sk'] as string;
        }
        start = out.LastEvaluatedKey;
        if (start === undefined) break;
      }
      return { records };
    },

    async findConsentRecord(contactId, recordId) {
      const matches = queryAll(client, {
        TableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'recordId = :id',
        ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}#CONSENT`, ':id': recordId },
      });
      for await (const item of matches) return toConsentRecord(item);
      return undefined;
    },

    async findErasure(waba, ref) {
      const contactId = await contactIdOf(waba, ref);
      if (contactId === undefined) return undefined;
      const out = await client.send(new GetCommand({ TableName, Key: contactKeys.profile(contactId), ConsistentRead: true }));
      const erasedAt = out.Item?.['erasedAt'];
      if (typeof erasedAt !== 'number' || out.Item?.['businessAccountId'] !== waba) return undefined;
      return { contactId, erasedAt };
    },

    async acknowledgeHoldBy(contactId, acknowledgement) {
      return conditionHeld(
        client.send(
          new UpdateCommand({
            TableName,
            Key: contactKeys.profile(contactId),
            UpdateExpression: 'REMOVE #hold SET updatedAt = :at, holdAcknowledgedUpTo = #hold.since, lastHoldAcknowledgement = :ack',
            ConditionExpression: 'attribute_not_exists(erasedAt) AND #hold.since = :since AND #hold.eventId = :eventId',
            ExpressionAttributeNames: { '#hold': 'hold' },
            ExpressionAttributeValues: {
              ':at': acknowledgement.acknowledgedAt,
              ':ack': acknowledgement,
              ':since': acknowledgement.hold.since,
              ':eventId': acknowledgement.hold.eventId,
            },
          }),
        ),
      );
    },
  };
}

function definedUser(user: ObservedUser): Partial<Pick<ContactProfile, 'userId' | 'phone' | 'parentUserId' | 'username' | 'profileName'>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(user)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}

function toProfile(item: Record<string, unknown>): ContactProfile {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as ContactProfile;
}

function toConsentState(item: Record<string, unknown>): ConsentState {
  return { status: item['status'] as ConsentState['status'], since: item['since'] as number, source: item['source'] as ConsentState['source'], recordId: item['recordId'] as string };
}

function toConsentRecord(item: Record<string, unknown>): ConsentRecord {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as ConsentRecord;
}

function toWindow(item: Record<string, unknown>): CustomerServiceWindow {
  return { openedAt: item['openedAt'] as number, lastInboundAt: item['lastInboundAt'] as number, closesAt: item['closesAt'] as number };
}

function toOffer(item: Record<string, unknown>): FreeEntryPointOpportunity {
  const { pk: _pk, sk: _sk, expiresAt: _ttl, ...rest } = item;
  return rest as unknown as FreeEntryPointOpportunity;
}
