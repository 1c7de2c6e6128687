import { BatchGetCommand, GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  bucketStart,
  countBand,
  countsTowardLimit,
  decideSend,
  DEFAULT_LIMIT_BUCKET_MS,
  limitRecipientKey,
  MESSAGING_LIMIT_WINDOW_MS,
  usageOfBuckets,
} from '../domain/sending/messaging-limit.js';
import type { MessagingLimitStore, MessagingLimitUsageReader } from '../ports/messaging-limit-store.js';
import { transactionOutcome } from './dynamo-conditions.js';

/** Every attempt to admit a send lost a race to other senders; the sender should retry the message later. */
export class MessagingLimitContendedError extends Error {
  constructor(attempts: number) {
    super(`the messaging limit count changed under every one of ${attempts} attempts to admit a send; retry later`);
    this.name = 'MessagingLimitContendedError';
  }
}

/** A limit item that does not hold what this store writes (written by hand, or by a future version). */
export class MessagingLimitItemCorruptError extends Error {
  constructor(pk: string, attribute: string) {
    super(`messaging limit item ${pk} holds a non-numeric ${attribute}`);
    this.name = 'MessagingLimitItemCorruptError';
  }
}

function numberAt(item: Record<string, unknown>, attribute: string): number {
  const value = item[attribute];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new MessagingLimitItemCorruptError(String(item['pk']), attribute);
  return value;
}

/** The window item's buckets: start (epoch ms) → users counted in it. */
function bucketsOf(window: Record<string, unknown> | undefined, bucketMs: number): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const name of Object.keys(window ?? {})) {
    if (/^b\d+$/.test(name)) buckets.set(Number(name.slice(1)) * bucketMs, numberAt(window!, name));
  }
  return buckets;
}

/**
 * The messaging-limit store on the state table:
 *
 * | item                                | pk                                      | sk       |
 * |-------------------------------------|-----------------------------------------|----------|
 * | when a recipient was last counted   | `MLIMIT#<portfolioId>#<recipientKey>`   | `MLIMIT` |
 * | the portfolio's bucketed count      | `MLIMIT#<portfolioId>`                  | `WINDOW` |
 *
 * The recipient item holds `countedAt` (epoch ms) and a TTL a bucket past its 24 h. The window item holds one
 * attribute `b<bucket index>` per bucket with users counted in it, and `total`, their sum.
 *
 * Requests per send: none when the send cannot count (not a template, or the window open); one consistent
 * `BatchGetItem` of both items otherwise, which ends an uncounted or deferred send; a counted send adds one
 * `TransactWriteItems` that puts the recipient item (only if not counted in the last 24 h) and adds 1 to the
 * current bucket and `total` (only while `total` is still in the `countBand` the read saw, and while the
 * expired buckets it drops still exist). A failed condition or a conflict means another sender moved first: read
 * again and decide again.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
 *
 * `usage` (the operator read API) is one consistent `GetItem` of the window item and writes nothing.
 */
export function createMessagingLimitStore({
  client,
  tableName,
  bucketMs = DEFAULT_LIMIT_BUCKET_MS,
  maxAttempts = 10,
  sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
}: {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** @default DEFAULT_LIMIT_BUCKET_MS (10 min) */
  bucketMs?: number;
  /** Read-and-write rounds before `admit` throws `MessagingLimitContendedError`. @default 10 */
  maxAttempts?: number;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}): MessagingLimitStore & MessagingLimitUsageReader {
  const TableName = tableName;

  async function read(userKey: Record<string, string>, windowKey: Record<string, string>) {
    let keys = [userKey, windowKey];
    const items: Record<string, unknown>[] = [];
    for (let tries = 0; keys.length > 0; tries++) {
      if (tries > 5) throw new Error('messaging limit read left unprocessed keys');
      const out = await client.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys, ConsistentRead: true } } }));
      items.push(...(out.Responses?.[TableName] ?? []));
      keys = (out.UnprocessedKeys?.[TableName]?.Keys ?? []) as Record<string, string>[];
    }
    return {
      user: items.find((i) => i['pk'] === userKey['pk']),
      window: items.find((i) => i['pk'] === windowKey['pk']),
    };
  }

  return {
    async usage(portfolioId, now) {
      // The portfolio's whole count is one item, so one consistent GetItem reads what the next admission would see.
      const out = await client.send(new GetCommand({ TableName, Key: { pk: `MLIMIT#${portfolioId}`, sk: 'WINDOW' }, ConsistentRead: true }));
      const { count, ageOuts } = usageOfBuckets(bucketsOf(out.Item, bucketMs), now, bucketMs);
      return { count, ageOuts };
    },

    async admit({ portfolioId, recipient, isTemplate, windowOpen, tier, now }) {
      if (!countsTowardLimit({ isTemplate, windowOpen }, now)) return { action: 'allow', addsUniqueUser: false, crossings: [] };
      const userKey = { pk: `MLIMIT#${portfolioId}#${limitRecipientKey(recipient)}`, sk: 'MLIMIT' };
      const windowKey = { pk: `MLIMIT#${portfolioId}`, sk: 'WINDOW' };

      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const { user, window } = await read(userKey, windowKey);
        const counts = countsTowardLimit({ isTemplate, windowOpen, lastCountedAt: user === undefined ? undefined : numberAt(user, 'countedAt') }, now);
        const usage = usageOfBuckets(bucketsOf(window, bucketMs), now, bucketMs);
        const decision = decideSend({ counts, usage, tier, now });
        if (decision.action === 'defer' || !decision.addsUniqueUser) return decision;

        const names: Record<string, string> = { '#total': 'total', '#current': `b${bucketStart(now, bucketMs) / bucketMs}` };
        const values: Record<string, unknown> = {
          ':delta': 1 - usage.expiredCount,
          ':one': 1,
          ':ttl': Math.ceil((now + MESSAGING_LIMIT_WINDOW_MS + 2 * bucketMs) / 1000),
        };
        const conditions: string[] = [];
        usage.expired.forEach((start, i) => {
          names[`#e${i}`] = `b${start / bucketMs}`;
          conditions.push(`attribute_exists(#e${i})`);
        });
        if (tier.limit !== null) {
          // The stored total still holds the expired buckets this write drops.
          const band = countBand(usage.count, tier.limit);
          values[':lo'] = band.lo + usage.expiredCount;
          values[':hi'] = band.hi + usage.expiredCount;
          conditions.push(values[':lo'] === 0 ? '(attribute_not_exists(#total) OR #total BETWEEN :lo AND :hi)' : '#total BETWEEN :lo AND :hi');
        }
        const remove = usage.expired.length > 0 ? ` REMOVE ${usage.expired.map((_, i) => `#e${i}`).join(', ')}` : '';

        const outcome = await transactionOutcome(
          client.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName,
                    Item: { ...userKey, countedAt: now, expiresAt: Math.ceil((now + MESSAGING_LIMIT_WINDOW_MS + bucketMs) / 1000) },
                    ConditionExpression: 'attribute_not_exists(pk) OR countedAt <= :cutoff',
                    ExpressionAttributeValues: { ':cutoff': now - MESSAGING_LIMIT_WINDOW_MS },
                  },
                },
                {
                  Update: {
                    TableName,
                    Key: windowKey,
                    UpdateExpression: `ADD #total :delta, #current :one SET expiresAt = :ttl${remove}`,
                    ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
                    ExpressionAttributeNames: names,
                    ExpressionAttributeValues: values,
                  },
                },
              ],
            }),
          ),
        );
        if (outcome.committed) return decision;
        // A condition failed (the user was just counted, or the count moved) or another transaction held an item
        // (TransactionConflict): read again. Throttling and other causes propagate.
        const reasons = outcome.error.CancellationReasons ?? [];
        if (!reasons.every((r) => r.Code === 'None' || r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) throw outcome.error;
        // Full jitter, so senders that lost together do not collide again.
        // https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
        await sleep(Math.floor(Math.random() * Math.min(100, 2 ** attempt * 5)));
      }
      throw new MessagingLimitContendedError(maxAttempts);
    },
  };
}
