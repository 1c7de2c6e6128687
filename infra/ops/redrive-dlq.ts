import { parseArgs } from 'node:util';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createMessageStore } from '../../shared/adapters/message-store.js';

/**
 * Moves dead-lettered outbound messages back onto their lane, in order per conversation:
 *
 *   npm run redrive -- --dlq <DLQ URL> --queue <lane queue URL> --table <state table name> [--max 1000] [--dry-run]
 *
 * Each message's outbox record goes from `dead_lettered` back to `queued` (so the sender will claim it
 * again with a fresh retry budget) before the queue message is moved; a message whose record is in any
 * other state (already sent, failed for good) is removed from the DLQ without being resent. Uses the
 * standard AWS credential chain and region; `AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL_DYNAMODB` point it
 * at the local stack.
 */
export interface RedriveOptions {
  readonly dlqUrl: string;
  readonly queueUrl: string;
  readonly tableName: string;
  readonly max: number;
  readonly dryRun: boolean;
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly now?: () => number;
}

export interface RedriveReport {
  readonly moved: number;
  readonly dropped: number;
  readonly inspected: number;
}

export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveReport> {
  const messages = createMessageStore({ client: options.dynamo, tableName: options.tableName });
  const now = options.now ?? Date.now;
  let moved = 0;
  let dropped = 0;
  let inspected = 0;
  while (inspected < options.max) {
    const out = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.dlqUrl,
        MaxNumberOfMessages: Math.min(10, options.max - inspected),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }),
    );
    const batch = out.Messages ?? [];
    if (batch.length === 0) break;
    inspected += batch.length;
    const resend: typeof batch = [];
    for (const message of batch) {
      const { messageId } = JSON.parse(message.Body ?? '{}') as { messageId?: string };
      const record = messageId === undefined ? undefined : await messages.get(messageId);
      if (record?.status === 'dead_lettered') {
        // A fresh retry budget: without it, one more transient error would dead-letter the message at once.
        if (!options.dryRun) await messages.transition(record.messageId, ['dead_lettered'], 'queued', now(), { attempts: 0 });
        resend.push(message);
      } else {
        dropped++;
      }
    }
    if (options.dryRun) continue;
    if (resend.length > 0) {
      const sent = await options.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: resend.map((m, i) => ({
            Id: String(i),
            MessageBody: m.Body ?? '',
            MessageGroupId: m.Attributes?.['MessageGroupId'] ?? 'redrive',
            // A new id: the original may still sit in SQS's 5-minute de-duplication window.
            MessageDeduplicationId: `${m.MessageId}-redrive-${now()}`.slice(0, 128),
          })),
        }),
      );
      if ((sent.Failed ?? []).length > 0) throw new Error(`${sent.Failed!.length} message(s) could not be put back; they stay in the DLQ`);
      moved += resend.length;
    }
    await options.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: options.dlqUrl, Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
  }
  return { moved, dropped, inspected };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dlq: { type: 'string' },
      queue: { type: 'string' },
      table: { type: 'string' },
      max: { type: 'string', default: '1000' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const missing = (['dlq', 'queue', 'table'] as const).filter((k) => values[k] === undefined || values[k] === '');
  const max = Number(values.max);
  if (missing.length > 0 || !Number.isInteger(max) || max < 1) {
    console.error(`usage: npm run redrive -- --dlq <DLQ URL> --queue <queue URL> --table <state table> [--max N] [--dry-run]`);
    if (missing.length > 0) console.error(`missing: ${missing.map((m) => `--${m}`).join(', ')}`);
    else console.error('--max must be a positive integer');
    process.exit(2);
  }
  const report = await redriveDeadLetters({
    dlqUrl: values.dlq!,
    queueUrl: values.queue!,
    tableName: values.table!,
    max,
    dryRun: values['dry-run'] ?? false,
    sqs: new SQSClient({}),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
  });
  console.log(JSON.stringify(report));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`redrive failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
