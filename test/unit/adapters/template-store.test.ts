import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

import { createTemplateStore, TemplateWriteConflictError } from '#shared/adapters/template-store.js';
import type { TemplateFact } from '#shared/domain/templates/records.js';

// What DynamoDB Local cannot be made to do on demand: lose every race, or cancel for a reason that is not a race.

const dynamo = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));

const FACT: TemplateFact = {
  kind: 'snapshot',
  source: 'sync',
  at: '2026-12-04T02:00:00.000Z',
  businessAccountId: '102290129340398',
  name: 'order_update',
  language: 'en_US',
  templateId: '18014398509481985123',
  category: 'UTILITY',
  status: 'APPROVED',
  components: [{ type: 'BODY', text: 'Hi {{1}} 👋', example: { body_text: [['Zoë']] } }],
};

function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

beforeEach(() => dynamo.reset());

describe('template store: apply under contention', () => {
  it('re-reads and retries a lost race, then gives up after maxApplyAttempts with a conflict error', async () => {
    dynamo.on(GetCommand).resolves({});
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    const waits: number[] = [];
    const store = createTemplateStore({ client, tableName: 'state', maxApplyAttempts: 3, sleep: async (ms) => void waits.push(ms), random: () => 0.5 });

    const failure = await store.apply(FACT, '2026-12-04T02:00:01.000Z').catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(TemplateWriteConflictError);
    expect((failure as Error).message).toBe('template 102290129340398/order_update/en_us changed under every one of 3 attempts to apply a fact; retry later');
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(3);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(3);
    expect(waits).toEqual([5, 10]);
  });

  it('writes record and history line in one transaction, the record conditional on being new', async () => {
    dynamo.on(GetCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});
    const store = createTemplateStore({ client, tableName: 'state' });

    const result = await store.apply(FACT, '2026-12-04T02:00:01.000Z');

    expect(result.outcome).toBe('changed');
    const [call] = dynamo.commandCalls(TransactWriteCommand);
    const [record, line] = call!.args[0].input.TransactItems!;
    expect(record?.Put).toMatchObject({
      TableName: 'state',
      Item: { pk: 'TEMPLATE#102290129340398', sk: 'order_update#en_us', status: 'APPROVED', category: 'UTILITY', version: 1 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(JSON.parse(record!.Put!.Item!['document'] as string)).toMatchObject({ templateId: '18014398509481985123', components: FACT.kind === 'snapshot' ? FACT.components : [] });
    expect(line?.Put).toMatchObject({ Item: { pk: 'TEMPLATE#102290129340398#order_update#en_us#HISTORY', sk: '0000000001', version: 1 }, ConditionExpression: 'attribute_not_exists(pk)' });
  });

  it('lets a cancellation that is not a race (throttling) reach the caller at once', async () => {
    dynamo.on(GetCommand).resolves({});
    dynamo.on(TransactWriteCommand).rejects(cancelled('ThrottlingError', 'None'));
    const store = createTemplateStore({ client, tableName: 'state', sleep: async () => undefined });

    await expect(store.apply(FACT, '2026-12-04T02:00:01.000Z')).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});
