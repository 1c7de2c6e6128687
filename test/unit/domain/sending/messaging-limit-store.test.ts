import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

import { createMessagingLimitStore, MessagingLimitContendedError, MessagingLimitItemCorruptError } from '#shared/adapters/messaging-limit-store.js';
import { limitRecipientKey, MESSAGING_LIMIT_WINDOW_MS } from '#shared/domain/sending/messaging-limit.js';
import type { LimitAdmission } from '#shared/ports/messaging-limit-store.js';

// What DynamoDB Local cannot be made to do on demand: lose every race, leave keys unprocessed, hold corrupt items.

const dynamo = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const store = createMessagingLimitStore({ client, tableName: 'state', maxAttempts: 3, sleep: async () => undefined });
beforeEach(() => dynamo.reset());

const NOW = Date.parse('2026-12-04T03:00:00.000Z');
const PORTFOLIO = '9007199254740993';
const SEND: LimitAdmission = {
  portfolioId: PORTFOLIO,
  recipient: '+966 50 123 4567',
  isTemplate: true,
  windowOpen: false,
  tier: { name: 'TIER_250', limit: 250 },
  now: NOW,
};
const USER_PK = `MLIMIT#${PORTFOLIO}#${limitRecipientKey(SEND.recipient)}`;

function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
}

describe('messaging limit store (mocked DynamoDB)', () => {
  it('asks again for keys DynamoDB left unprocessed before deciding', async () => {
    dynamo
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { state: [] }, UnprocessedKeys: { state: { Keys: [{ pk: USER_PK, sk: 'MLIMIT' }] } } })
      .resolvesOnce({ Responses: { state: [{ pk: USER_PK, sk: 'MLIMIT', countedAt: NOW - 1000 }] } });
    expect(await store.admit(SEND)).toEqual({ action: 'allow', addsUniqueUser: false, crossings: [] });
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(2);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('writes the recipient hash and the current bucket, dropping expired buckets and keeping the total exact', async () => {
    const bucket = 10 * 60 * 1000;
    const oldIndex = Math.floor((NOW - MESSAGING_LIMIT_WINDOW_MS - 2 * bucket) / bucket);
    dynamo.on(BatchGetCommand).resolves({ Responses: { state: [{ pk: `MLIMIT#${PORTFOLIO}`, sk: 'WINDOW', total: 7, [`b${oldIndex}`]: 7 }] } });
    dynamo.on(TransactWriteCommand).resolves({});
    expect(await store.admit(SEND)).toEqual({ action: 'allow', addsUniqueUser: true, crossings: [] });
    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[0]!.Put!.Item).toMatchObject({ pk: USER_PK, countedAt: NOW });
    expect(JSON.stringify(items)).not.toContain('501234567');
    const update = items[1]!.Update!;
    expect(update.UpdateExpression).toContain('REMOVE #e0');
    expect(update.ExpressionAttributeNames).toMatchObject({ '#e0': `b${oldIndex}`, '#current': `b${Math.floor(NOW / bucket)}` });
    expect(update.ExpressionAttributeValues).toMatchObject({ ':delta': -6, ':lo': 7, ':hi': 7 + 198 });
  });

  it('rethrows a cancellation that is not a race (throttling) without retrying', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { state: [] } });
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'ThrottlingError'));
    await expect(store.admit(SEND)).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('re-reads after a lost race and gives up after maxAttempts with a contention error', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { state: [] } });
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'TransactionConflict'));
    await expect(store.admit(SEND)).rejects.toBeInstanceOf(MessagingLimitContendedError);
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(3);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it('refuses a window item whose bucket is not a number instead of miscounting', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { state: [{ pk: `MLIMIT#${PORTFOLIO}`, sk: 'WINDOW', total: 1, b100: 'one' }] } });
    await expect(store.admit(SEND)).rejects.toBeInstanceOf(MessagingLimitItemCorruptError);
  });
});
