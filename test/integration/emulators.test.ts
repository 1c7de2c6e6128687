/**
 * The emulators behave the way Relais relies on: DynamoDB Local for conditional writes, transactions, GSIs
 * and TTL; fauxqs for FIFO ordering, deduplication and dead-lettering, and for S3 payload storage.
 * If one of these fails, tests built on the emulators would prove nothing about AWS.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConditionalCheckFailedException, DescribeTimeToLiveCommand, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';

import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localClientConfig,
  provisionBucket,
  provisionFifoQueue,
  provisionTables,
  startDynamoDbLocal,
  startFauxqsEmulator,
} from '../../infra/local/emulators.js';
import { STATE_TABLE, TABLES } from '../../infra/topology.js';

const dynamoEndpoint = inject('dynamoEndpoint');
const sqsEndpoint = inject('sqsEndpoint');
const s3Endpoint = inject('s3Endpoint');
const tableNames = inject('tableNames');
const payloadBucket = inject('payloadBucket');

function stateTableName(): string {
  const name = tableNames[STATE_TABLE.id];
  if (name === undefined) throw new Error(`The global setup provided no table for ${STATE_TABLE.id}`);
  return name;
}

function uniqueName(label: string): string {
  return `it-${label}-${randomUUID().slice(0, 8)}`;
}

describe('DynamoDB Local', () => {
  const raw = new DynamoDBClient(localClientConfig(dynamoEndpoint));
  const db = DynamoDBDocumentClient.from(raw);
  afterAll(() => raw.destroy());

  it('rejects a conditional put on an existing key with ConditionalCheckFailedException and returns the stored item', async () => {
    const key = { pk: `EVT#${randomUUID()}`, sk: 'RECEIPT' };
    const putOnce = (attempt: number) =>
      db.send(
        new PutCommand({
          TableName: stateTableName(),
          Item: { ...key, attempt },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );

    await putOnce(1);
    const duplicate = await putOnce(2).catch((error: unknown) => error);

    expect(duplicate).toBeInstanceOf(ConditionalCheckFailedException);
    expect((duplicate as ConditionalCheckFailedException).Item?.attempt).toEqual({ N: '1' });
    const stored = await db.send(new GetCommand({ TableName: stateTableName(), Key: key }));
    expect(stored.Item?.attempt).toBe(1);
  });

  it('applies all writes of a transaction together, and none of them when one condition fails', async () => {
    const pk = `MSG#${randomUUID()}`;
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: stateTableName(), Item: { pk, sk: 'OUTBOX', status: 'pending' }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: stateTableName(), Item: { pk, sk: 'COUNTER', n: 1 } } },
        ],
      }),
    );

    const cancelled = await db
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: stateTableName(), Item: { pk, sk: 'SENT', at: 1 } } },
            {
              Update: {
                TableName: stateTableName(),
                Key: { pk, sk: 'COUNTER' },
                UpdateExpression: 'ADD n :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            {
              ConditionCheck: {
                TableName: stateTableName(),
                Key: { pk, sk: 'OUTBOX' },
                ConditionExpression: '#s = :sent',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':sent': 'sent' },
              },
            },
          ],
        }),
      )
      .catch((error: unknown) => error);

    expect(cancelled).toBeInstanceOf(TransactionCanceledException);
    expect((cancelled as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
      'None',
      'None',
      'ConditionalCheckFailed',
    ]);
    const items = await db.send(new QueryCommand({ TableName: stateTableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }));
    expect(items.Items?.map((item) => item.sk).sort()).toEqual(['COUNTER', 'OUTBOX']);
    expect(items.Items?.find((item) => item.sk === 'COUNTER')?.n).toBe(1);
  });

  it('answers a range query on the gsi1 index in sort-key order', async () => {
    const gsi1pk = `WABA#${randomUUID()}`;
    const index = STATE_TABLE.globalIndexes[0];
    if (!index) throw new Error('STATE_TABLE declares no global index');
    for (const [sk, month] of [
      ['B', '2026-03'],
      ['A', '2026-01'],
      ['C', '2026-02'],
      ['D', '2025-12'],
    ] as const) {
      await db.send(new PutCommand({ TableName: stateTableName(), Item: { pk: `LEDGER#${randomUUID()}`, sk, gsi1pk, gsi1sk: `MONTH#${month}` } }));
    }

    const page = await db.send(
      new QueryCommand({
        TableName: stateTableName(),
        IndexName: index.name,
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':p': gsi1pk, ':from': 'MONTH#2026-01', ':to': 'MONTH#2026-12' },
      }),
    );

    expect(page.Items?.map((item) => item.gsi1sk)).toEqual(['MONTH#2026-01', 'MONTH#2026-02', 'MONTH#2026-03']);
  });

  it('has TTL enabled on the declared attribute of every table that declares one', async () => {
    const withTtl = TABLES.filter((spec) => spec.ttlAttribute !== undefined);
    expect(withTtl.length).toBeGreaterThan(0);
    for (const spec of withTtl) {
      const { TimeToLiveDescription: ttl } = await raw.send(new DescribeTimeToLiveCommand({ TableName: tableNames[spec.id] }));
      expect(ttl).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: spec.ttlAttribute });
    }
  });

  it('accepts provisioning the same tables again and keeps their items', async () => {
    const key = { pk: `KEEP#${randomUUID()}`, sk: 'X' };
    await db.send(new PutCommand({ TableName: stateTableName(), Item: key }));

    const again = await provisionTables(dynamoEndpoint, TABLES, (spec) => tableNames[spec.id] ?? spec.id);

    expect(again).toEqual(tableNames);
    const stored = await db.send(new GetCommand({ TableName: stateTableName(), Key: key }));
    expect(stored.Item).toEqual(key);
  });
});

describe('fauxqs SQS FIFO', () => {
  const sqs = new SQSClient(localClientConfig(sqsEndpoint));
  afterAll(() => sqs.destroy());

  async function receiveOne(queueUrl: string): Promise<Message | undefined> {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, AttributeNames: ['All'], WaitTimeSeconds: 0 }),
    );
    return Messages?.[0];
  }

  it('delivers each message group in send order while groups interleave', async () => {
    const { queueUrl } = await provisionFifoQueue(sqsEndpoint, `${uniqueName('order')}.fifo`);
    const groups = ['wa1:+15550001', 'wa1:+15550002'];
    for (let i = 1; i <= 5; i += 1) {
      for (const group of groups) {
        await sqs.send(
          new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `${group}|${i}`, MessageGroupId: group, MessageDeduplicationId: `${group}-${i}` }),
        );
      }
    }

    const received = new Map<string, number[]>(groups.map((group) => [group, []]));
    for (let round = 0; round < 50 && [...received.values()].flat().length < 10; round += 1) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'] }));
      for (const message of Messages) {
        const [group = '', sequence = ''] = (message.Body ?? '').split('|');
        expect(message.Attributes?.MessageGroupId).toBe(group);
        received.get(group)?.push(Number(sequence));
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }

    expect(Object.fromEntries(received)).toEqual({ [groups[0] as string]: [1, 2, 3, 4, 5], [groups[1] as string]: [1, 2, 3, 4, 5] });
  });

  it('keeps a group locked while one of its messages is in flight', async () => {
    const { queueUrl } = await provisionFifoQueue(sqsEndpoint, `${uniqueName('lock')}.fifo`, { visibilityTimeout: 30 });
    for (const i of [1, 2]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `m${i}`, MessageGroupId: 'g', MessageDeduplicationId: `d${i}` }));
    }

    const first = await receiveOne(queueUrl);
    const whileInFlight = await receiveOne(queueUrl);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first?.ReceiptHandle }));
    const afterDelete = await receiveOne(queueUrl);

    expect(first?.Body).toBe('m1');
    expect(whileInFlight).toBeUndefined();
    expect(afterDelete?.Body).toBe('m2');
  });

  it('accepts a repeated MessageDeduplicationId without delivering it again, even after the first was deleted', async () => {
    const { queueUrl } = await provisionFifoQueue(sqsEndpoint, `${uniqueName('dedup')}.fifo`);
    const send = (body: string) =>
      sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: 'g', MessageDeduplicationId: 'send-key-1' }));

    await send('first');
    await send('retry');
    const delivered = await receiveOne(queueUrl);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: delivered?.ReceiptHandle }));
    await send('retry after delete');
    const next = await receiveOne(queueUrl);

    expect(delivered?.Body).toBe('first');
    expect(next).toBeUndefined();
  });

  it('moves a message to the FIFO dead-letter queue once it was received maxReceiveCount times', async () => {
    const name = uniqueName('redrive');
    const queue = await provisionFifoQueue(sqsEndpoint, `${name}.fifo`, { dlqName: `${name}-dlq.fifo`, maxReceiveCount: 2, visibilityTimeout: 30 });
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: 'poison', MessageGroupId: 'g', MessageDeduplicationId: 'p1' }));

    const receiveCounts: string[] = [];
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const message = await receiveOne(queue.queueUrl);
      receiveCounts.push(message?.Attributes?.ApproximateReceiveCount ?? 'none');
      // A failed attempt: make it visible again at once instead of waiting out the visibility timeout.
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.queueUrl, ReceiptHandle: message?.ReceiptHandle, VisibilityTimeout: 0 }));
    }
    const third = await receiveOne(queue.queueUrl);
    const dead = queue.dlq ? await receiveOne(queue.dlq.queueUrl) : undefined;

    expect(receiveCounts).toEqual(['1', '2']);
    expect(third).toBeUndefined();
    expect(dead?.Body).toBe('poison');
    expect(dead?.Attributes?.MessageGroupId).toBe('g');
  });

  it('returns queue URLs that a client configured only by AWS_ENDPOINT_URL_SQS can use', async () => {
    const { queueUrl } = await provisionFifoQueue(sqsEndpoint, `${uniqueName('env')}.fifo`);
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', sqsEndpoint);
    const fromEnv = new SQSClient({ region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } });
    try {
      await fromEnv.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'via env', MessageGroupId: 'g', MessageDeduplicationId: 'e1' }));
    } finally {
      fromEnv.destroy();
      vi.unstubAllEnvs();
    }

    expect(new URL(queueUrl).origin).toBe(new URL(sqsEndpoint).origin);
    expect((await receiveOne(queueUrl))?.Body).toBe('via env');
  });

  // SQS accepts #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF in a body
  // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
  const EMOJI_BODY = JSON.stringify({ text: 'Merci 🎉 👍🏽 — 𝒜 ✓ café שלום 👨‍👩‍👧', name: '🦄' });

  it('carries a body with characters outside the BMP byte for byte, as SQS does, through SendMessage', async () => {
    const { queueUrl } = await provisionFifoQueue(sqsEndpoint, `${uniqueName('emoji')}.fifo`);

    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: EMOJI_BODY, MessageGroupId: 'g', MessageDeduplicationId: 'e1' }));
    const received = await receiveOne(queueUrl);

    expect(Buffer.from(received?.Body ?? '', 'utf8').equals(Buffer.from(EMOJI_BODY, 'utf8'))).toBe(true);
    // SQS's MD5OfMessageBody is over the UTF-8 bytes; the SDK checks it too and would throw on a mismatch.
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update(EMOJI_BODY, 'utf8').digest('hex'));
  });

  it('carries bodies with characters outside the BMP through SendMessageBatch', async () => {
    const { queueUrl } = await provisionFifoQueue(sqsEndpoint, `${uniqueName('emoji-batch')}.fifo`);
    const bodies = ['👍', '𝒜𝒷𝒸', EMOJI_BODY];

    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, index) => ({ Id: `m${index}`, MessageBody: body, MessageGroupId: 'g', MessageDeduplicationId: `b${index}` })),
      }),
    );
    const received: string[] = [];
    for (let round = 0; round < 10 && received.length < bodies.length; round += 1) {
      const message = await receiveOne(queueUrl);
      if (!message) continue;
      received.push(message.Body ?? '');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }

    expect(result.Failed ?? []).toEqual([]);
    expect(received).toEqual(bodies);
  });

  it.each([
    ['a lone high surrogate', 'thumbs \uD83D up'],
    ['a lone low surrogate', '\uDC4D first'],
    ['U+FFFF', 'end \uFFFF'],
    ['U+FFFE', '\uFFFE start'],
    ['a control character', 'bell \u0007'],
  ])('still refuses a body holding %s with InvalidMessageContents, like SQS', async (_label, body) => {
    const { queueUrl } = await provisionFifoQueue(sqsEndpoint, `${uniqueName('invalid')}.fifo`);

    const single = await sqs
      .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: 'g', MessageDeduplicationId: 's1' }))
      .catch((error: unknown) => error);
    const batch = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: 'bad', MessageBody: body, MessageGroupId: 'g', MessageDeduplicationId: 'b1' }] }),
    );

    expect((single as Error).name).toMatch(/InvalidMessageContents$/);
    expect(batch.Failed?.map((entry) => entry.Code)).toEqual(['InvalidMessageContents']);
    expect(await receiveOne(queueUrl)).toBeUndefined();
  });

  it('refuses a queue name without the .fifo suffix', async () => {
    await expect(provisionFifoQueue(sqsEndpoint, uniqueName('plain'))).rejects.toThrow(/must end with \.fifo/);
  });
});

describe('fauxqs S3', () => {
  const s3 = new S3Client({ ...localClientConfig(s3Endpoint), forcePathStyle: true });
  afterAll(() => s3.destroy());

  it('stores a payload in the payload bucket and returns it byte for byte', async () => {
    const key = `webhooks/2026/11/21/${randomUUID()}.json`;
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', note: 'é ✓' }] });

    await s3.send(new PutObjectCommand({ Bucket: payloadBucket, Key: key, Body: body, ContentType: 'application/json' }));
    const stored = await s3.send(new GetObjectCommand({ Bucket: payloadBucket, Key: key }));

    expect(stored.ContentType).toBe('application/json');
    expect(await stored.Body?.transformToString('utf-8')).toBe(body);
  });

  it('accepts provisioning the payload bucket again', async () => {
    await expect(provisionBucket(s3Endpoint, payloadBucket)).resolves.toEqual({ bucketName: payloadBucket, bucketArn: `arn:aws:s3:::${payloadBucket}` });
  });
});

describe('emulator lifecycle', () => {
  it('refuses to start DynamoDB Local on a port another server already holds', async () => {
    const takenPort = Number(new URL(dynamoEndpoint).port);

    await expect(startDynamoDbLocal({ port: takenPort })).rejects.toThrow(`port ${takenPort}: another process already listens there`);
  });

  it('reports the output of DynamoDB Local when it exits before answering', async () => {
    await expect(startDynamoDbLocal({ jvmOptions: ['-XX:+RelaisNoSuchOption'] })).rejects.toThrow(
      /exited with code 1 before answering[\s\S]*Unrecognized VM option 'RelaisNoSuchOption'/,
    );
  });

  it('names the missing DynamoDB Local installation and the command that installs it', async () => {
    const emptyDir = await mkdtemp(join(tmpdir(), 'relais-no-ddb-'));
    try {
      await expect(startDynamoDbLocal({ installDir: emptyDir })).rejects.toThrow(/not installed in .*infra\/local\/ensure-deps\.mjs/);
    } finally {
      await rm(emptyDir, { recursive: true, force: true });
    }
  });

  it('stops fauxqs so that its port no longer answers', async () => {
    const fauxqs = await startFauxqsEmulator();
    const health = await fetch(`${fauxqs.endpoint}/health`);
    await fauxqs.stop();

    expect(health.status).toBe(200);
    await expect(fetch(`${fauxqs.endpoint}/health`)).rejects.toThrow();
  });
});
