import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MarketingSends, MessageRecord, OutboxStatus } from '../domain/sending/records.js';
import type { MessageStore } from '../ports/message-store.js';
import { queryAll } from './dynamo-query.js';
import { conditionHeld, transactionOutcome, whenConditionHolds } from './dynamo-conditions.js';

export type { MarketingSends, MessageRecord, OutboxStatus } from '../domain/sending/records.js';
export type { MessageStore } from '../ports/message-store.js';

/**
 * The outbox on the state table: one record per accepted or refused send, keyed by Relais's message id, with an idempotency
 * item per caller key and a wamid item once Meta has answered. Items (state table):
 *
 * | item                       | pk                        | sk        |
 * |----------------------------|---------------------------|-----------|
 * | message / outbox record    | `MSG#<messageId>`         | `MSG`     |
 * | idempotency key → message  | `IDEMP#<requester>#<key>` | `IDEMP`   |
 * | wamid → message            | `WAMID#<wamid>`           | `WAMID`   |
 * | marketing sends of contact | `CONTACT#<contactId>`     | `MKTSENDS`|
 * | messages of a contact      | `CONTACT#<contactId>#MSGS`| `<createdAt ISO>#<messageId>` |
 *
 * `<requester>` is the first 32 hex digits of the SHA-256 of `requestedBy` (an event source or an IAM ARN, up
 * to 256 characters), so the key stays far below DynamoDB's 2,048-byte partition-key limit.
 * Meta and SQS FIFO de-duplicate for minutes at most; these records do it for `retentionDays`.
 */

export function createMessageStore({
  client,
  tableName,
  retentionDays = 35,
}: {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** @default 35 — longer than Meta's 30-day message TTL and 7-day webhook retries. */
  retentionDays?: number;
}): MessageStore {
  const TableName = tableName;
  const ttl = (now: number) => Math.ceil(now / 1000) + retentionDays * 86_400;
  const msgKey = (messageId: string) => ({ pk: `MSG#${messageId}`, sk: 'MSG' });
  const idempKey = (requestedBy: string | undefined, key: string) => ({ pk: `IDEMP#${requesterScope(requestedBy)}#${key}`, sk: 'IDEMP' });
  const wamidKey = (wamid: string) => ({ pk: `WAMID#${wamid}`, sk: 'WAMID' });
  const mktKey = (contactId: string) => ({ pk: `CONTACT#${contactId}`, sk: 'MKTSENDS' });

  async function get(messageId: string): Promise<MessageRecord | undefined> {
    const out = await client.send(new GetCommand({ TableName, Key: msgKey(messageId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : strip(out.Item);
  }

  async function update(
    messageId: string,
    from: readonly OutboxStatus[],
    set: Record<string, unknown>,
    remove: readonly string[] = [],
    extraCondition?: string,
  ): Promise<MessageRecord | undefined> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    Object.entries(set).forEach(([k, v], i) => {
      names[`#s${i}`] = k;
      values[`:s${i}`] = v;
      sets.push(`#s${i} = :s${i}`);
    });
    const removes = remove.map((k, i) => {
      names[`#r${i}`] = k;
      return `#r${i}`;
    });
    from.forEach((s, i) => (values[`:from${i}`] = s));
    const condition = `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})${extraCondition === undefined ? '' : ` AND ${extraCondition}`}`;
    const out = await whenConditionHolds(
      client.send(
        new UpdateCommand({
          TableName,
          Key: msgKey(messageId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out?.Attributes === undefined ? undefined : strip(out.Attributes);
  }

  return {
    async findByIdempotencyKey(requestedBy, key) {
      const out = await client.send(new GetCommand({ TableName, Key: idempKey(requestedBy, key), ConsistentRead: true }));
      const messageId = out.Item?.['messageId'] as string | undefined;
      return messageId === undefined ? undefined : get(messageId);
    },

    async create(record, marketing) {
      const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
        {
          Put: {
            TableName,
            Item: { ...idempKey(record.requestedBy, record.idempotencyKey), messageId: record.messageId, requestHash: record.requestHash, expiresAt: ttl(record.createdAt) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName,
            Item: { ...msgKey(record.messageId), ...record, expiresAt: ttl(record.createdAt) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ];
      if (marketing !== undefined && record.contactId !== undefined) {
        const version = marketing.previous?.version ?? 0;
        items.push({
          Put: {
            TableName,
            Item: { ...mktKey(record.contactId), contactId: record.contactId, sends: [...marketing.sends], version: version + 1, expiresAt: ttl(record.createdAt) },
            ConditionExpression: marketing.previous === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
            ...(marketing.previous === undefined ? {} : { ExpressionAttributeValues: { ':v': version } }),
          },
        });
      }
      if (record.contactId !== undefined) {
        // Last, so the marketing item keeps its place in CancellationReasons.
        items.push({ Put: { TableName, Item: { ...contactMessageKey(record.contactId, record), messageId: record.messageId, expiresAt: ttl(record.createdAt) } } });
      }
      const outcome = await transactionOutcome(client.send(new TransactWriteCommand({ TransactItems: items })));
      if (outcome.committed) return 'created';
      // Item 0 is the idempotency key, item 2 the marketing-send list (when present).
      if (outcome.failedConditions.has(0)) return 'exists';
      if (outcome.failedConditions.has(2)) return 'cap_conflict';
      throw outcome.error;
    },

    get,

    async findByWamid(wamid) {
      const out = await client.send(new GetCommand({ TableName, Key: wamidKey(wamid) }));
      const messageId = out.Item?.['messageId'] as string | undefined;
      return messageId === undefined ? undefined : get(messageId);
    },

    async marketingSends(contactId) {
      const out = await client.send(new GetCommand({ TableName, Key: mktKey(contactId), ConsistentRead: true }));
      if (out.Item === undefined) return undefined;
      return { contactId, sends: (out.Item['sends'] as number[]) ?? [], version: out.Item['version'] as number };
    },

    async claim(messageId, now) {
      const names = { '#status': 'status', '#attempts': 'attempts' };
      const out = await whenConditionHolds(
        client.send(
          new UpdateCommand({
            TableName,
            Key: msgKey(messageId),
            UpdateExpression: 'SET #status = :sending, sendingSince = :now, updatedAt = :now ADD #attempts :one',
            ConditionExpression: '#status = :queued',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':sending': 'sending', ':queued': 'queued', ':now': now, ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (out === undefined) return { claimed: false, record: await get(messageId) };
      return { claimed: true, record: strip(out.Attributes!) };
    },

    async accept(messageId, wamid, now) {
      const record = await update(messageId, ['sending', 'uncertain'], { status: 'accepted', wamid, updatedAt: now }, ['sendingSince', 'deferral']);
      if (record !== undefined) {
        await client.send(new PutCommand({ TableName, Item: { ...wamidKey(wamid), messageId, expiresAt: ttl(now) } }));
      }
      return record;
    },

    async release(messageId, lastError, now, refundAttempt = false) {
      const record = await update(messageId, ['sending'], { status: 'queued', updatedAt: now, ...(lastError === undefined ? {} : { lastError }) }, ['sendingSince']);
      if (record !== undefined && refundAttempt) {
        await client.send(
          new UpdateCommand({ TableName, Key: msgKey(messageId), UpdateExpression: 'ADD attempts :minus', ExpressionAttributeValues: { ':minus': -1 } }),
        );
      }
    },

    async defer(messageId, deferral, now) {
      // One request: back to the queue with its reason, the attempt the claim counted given back.
      await whenConditionHolds(
        client.send(
          new UpdateCommand({
            TableName,
            Key: msgKey(messageId),
            UpdateExpression: 'SET #status = :queued, updatedAt = :now, deferral = :deferral REMOVE sendingSince ADD #attempts :minus',
            ConditionExpression: '#status = :sending',
            ExpressionAttributeNames: { '#status': 'status', '#attempts': 'attempts' },
            ExpressionAttributeValues: { ':queued': 'queued', ':sending': 'sending', ':now': now, ':deferral': deferral, ':minus': -1 },
          }),
        ),
      );
    },

    async eraseContact(contactId, at) {
      let erased = 0;
      for await (const item of queryAll(client, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}#MSGS` } })) {
        // A failed condition: the record already expired (TTL), nothing left to erase.
        const applied = await conditionHeld(
          client.send(
            new UpdateCommand({
              TableName,
              Key: msgKey(item['messageId'] as string),
              UpdateExpression: 'REMOVE recipient, #request SET erasedAt = :at',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#request': 'request' },
              ExpressionAttributeValues: { ':at': at },
            }),
          ),
        );
        if (applied) erased++;
      }
      return erased;
    },

    async transition(messageId, from, to, now, extra = {}) {
      const record = await update(messageId, from, { status: to, updatedAt: now, ...extra });
      if (record !== undefined && extra.wamid !== undefined) {
        await client.send(new PutCommand({ TableName, Item: { ...wamidKey(extra.wamid), messageId, expiresAt: ttl(now) } }));
      }
      return record;
    },
  };
}

/** The idempotency scope of a requester: a fixed-length digest, never the requester itself. */
function requesterScope(requestedBy: string | undefined): string {
  return createHash('sha256').update(requestedBy ?? '').digest('hex').slice(0, 32);
}

/** The item listing one message under its contact, for GDPR erasure. */
function contactMessageKey(contactId: string, record: Pick<MessageRecord, 'createdAt' | 'messageId'>) {
  return { pk: `CONTACT#${contactId}#MSGS`, sk: `${new Date(record.createdAt).toISOString()}#${record.messageId}` };
}

function strip(item: Record<string, unknown>): MessageRecord {
  const { pk: _pk, sk: _sk, expiresAt: _ttl, ...rest } = item;
  return rest as unknown as MessageRecord;
}
