import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GraphErrorRef } from '../contracts/events/ingestion.js';
import type { MessageCategory, MessageFailureReason, OutboundRecipient, SendLane, SendRequestData } from '../contracts/events/outbound.js';
import { queryAll } from './dynamo-query.js';
import { conditionHeld, transactionOutcome, whenConditionHolds } from './dynamo-conditions.js';

/**
 * The outbox: one record per accepted or refused send, keyed by Relais's message id, with an idempotency
 * item per caller key and a wamid item once Meta has answered. Items (state table):
 *
 * | item                       | pk                        | sk        |
 * |----------------------------|---------------------------|-----------|
 * | message / outbox record    | `MSG#<messageId>`         | `MSG`     |
 * | idempotency key → message  | `IDEMP#<idempotencyKey>`  | `IDEMP`   |
 * | wamid → message            | `WAMID#<wamid>`           | `WAMID`   |
 * | marketing sends of contact | `CONTACT#<contactId>`     | `MKTSENDS`|
 * | messages of a contact      | `CONTACT#<contactId>#MSGS`| `<createdAt ISO>#<messageId>` |
 *
 * Meta and SQS FIFO de-duplicate for minutes at most; these records do it for `retentionDays`.
 */

export type OutboxStatus =
  | 'queued'
  | 'sending'
  | 'uncertain'
  | 'accepted'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'played'
  | 'failed'
  | 'rejected'
  | 'dead_lettered';

export interface MessageRecord {
  readonly messageId: string;
  readonly idempotencyKey: string;
  /** sha256 of the request's `data`: the same key with another body is refused. */
  readonly requestHash: string;
  readonly requestedBy?: string;
  readonly correlationId?: string;
  readonly phoneNumberId: string;
  readonly businessAccountId?: string;
  readonly contactId?: string;
  /** Removed when the contact is erased (GDPR); the record then keeps only pseudonymous facts. */
  readonly recipient?: OutboundRecipient;
  readonly messageType: SendRequestData['message']['type'];
  readonly category: MessageCategory;
  readonly lane?: SendLane;
  readonly status: OutboxStatus;
  readonly rejection?: { readonly reason: string; readonly message: string };
  /** What the sender needs to build Meta's payload. Removed when the message reaches a final state. */
  readonly request?: SendRequestData;
  readonly wamid?: string;
  readonly attempts: number;
  readonly lastError?: { readonly message: string; readonly error?: GraphErrorRef };
  /** Why the message failed for good (status `failed` set by the sender), as published in MessageFailed. */
  readonly failureReason?: MessageFailureReason;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When the current send attempt started (status `sending`/`uncertain`). */
  readonly sendingSince?: number;
  /** Set when the contact was erased: recipient and content are gone. */
  readonly erasedAt?: number;
  /**
   * The contact's open free-entry-point offer when the gate accepted this message: if Meta accepts it before
   * `replyBy`, the reply opens the 72 h free window (billing reads it).
   */
  readonly freeEntryPointOffer?: { readonly referralAt: number; readonly replyBy: number };
}

export interface MarketingSends {
  readonly contactId: string;
  readonly sends: readonly number[];
  readonly version: number;
}

export interface MessageStore {
  findByIdempotencyKey(key: string): Promise<MessageRecord | undefined>;
  /**
   * Writes the idempotency item and the record atomically (and, for a marketing send, the contact's
   * marketing-send list, guarded by its version). `exists` when the key was taken meanwhile;
   * `cap_conflict` when another marketing send to the contact won the race: decide again.
   */
  create(record: MessageRecord, marketing?: { previous: MarketingSends | undefined; sends: readonly number[] }): Promise<'created' | 'exists' | 'cap_conflict'>;
  get(messageId: string): Promise<MessageRecord | undefined>;
  findByWamid(wamid: string): Promise<MessageRecord | undefined>;
  marketingSends(contactId: string): Promise<MarketingSends | undefined>;
  /** `queued` → `sending`, counting the attempt. Returns the current record when it is not `queued`. */
  claim(messageId: string, now: number): Promise<{ claimed: true; record: MessageRecord } | { claimed: false; record: MessageRecord | undefined }>;
  /** `sending`/`uncertain` → `accepted` with Meta's wamid; writes the wamid item. */
  accept(messageId: string, wamid: string, now: number): Promise<MessageRecord | undefined>;
  /**
   * `sending` → `queued`: the message goes back to its queue. `refundAttempt` when nothing was tried (a
   * pacing wait), so waiting never uses up the retry budget.
   */
  release(messageId: string, lastError: MessageRecord['lastError'], now: number, refundAttempt?: boolean): Promise<void>;
  /**
   * Moves to `to` when the current status is one of `from`. Returns the updated record or undefined.
   * `attempts` resets the retry budget (the DLQ redrive puts a message back with a fresh one).
   */
  /**
   * GDPR erasure of one contact's messages: recipient and content removed from every record of the
   * contact (listed under `CONTACT#<id>#MSGS`, written once with each message: a one-unit item rather than
   * an index that would copy every status update); ids, statuses and categories stay for billing.
   */
  eraseContact(contactId: string, at: number): Promise<number>;
  transition(
    messageId: string,
    from: readonly OutboxStatus[],
    to: OutboxStatus,
    now: number,
    extra?: Partial<Pick<MessageRecord, 'wamid' | 'lastError' | 'attempts' | 'failureReason'>>,
  ): Promise<MessageRecord | undefined>;
}

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
  const idempKey = (key: string) => ({ pk: `IDEMP#${key}`, sk: 'IDEMP' });
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
    async findByIdempotencyKey(key) {
      const out = await client.send(new GetCommand({ TableName, Key: idempKey(key), ConsistentRead: true }));
      const messageId = out.Item?.['messageId'] as string | undefined;
      return messageId === undefined ? undefined : get(messageId);
    },

    async create(record, marketing) {
      const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
        {
          Put: {
            TableName,
            Item: { ...idempKey(record.idempotencyKey), messageId: record.messageId, requestHash: record.requestHash, expiresAt: ttl(record.createdAt) },
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
      const record = await update(messageId, ['sending', 'uncertain'], { status: 'accepted', wamid, updatedAt: now }, ['sendingSince']);
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

/** The item listing one message under its contact, for GDPR erasure. */
function contactMessageKey(contactId: string, record: Pick<MessageRecord, 'createdAt' | 'messageId'>) {
  return { pk: `CONTACT#${contactId}#MSGS`, sk: `${new Date(record.createdAt).toISOString()}#${record.messageId}` };
}

function strip(item: Record<string, unknown>): MessageRecord {
  const { pk: _pk, sk: _sk, expiresAt: _ttl, ...rest } = item;
  return rest as unknown as MessageRecord;
}
