import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface QueuePoller {
  /** Stops polling and waits for in-flight batches to finish. */
  stop(): Promise<void>;
  /** Resolves when no batch is being handled. */
  whenIdle(): Promise<void>;
}

/**
 * The local stand-in for Lambda's SQS event source mapping: `maxConcurrency` pollers receive up to
 * `batchSize` messages, invoke the handler with an `SQSEvent` shaped as Lambda builds it, and delete every
 * record not reported in `batchItemFailures`. A handler that throws deletes nothing: the batch comes back
 * after the visibility timeout and, past maxReceiveCount, the queue's redrive policy moves it to the DLQ.
 */
export function startQueuePoller(options: {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  functionName: string;
  batchSize: number;
  maxConcurrency: number;
  region: string;
  onError?: (error: unknown) => void;
}): QueuePoller {
  let running = true;
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];

  async function pollOnce(): Promise<void> {
    const out = await options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: options.batchSize,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0 || !running) return;
    inFlight++;
    try {
      const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options.queueArn, options.region)) };
      let failed = new Set<string>(event.Records.map((r) => r.messageId));
      try {
        const result = await options.handler(event, lambdaContext(options.functionName, 60_000));
        failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (error) {
        options.onError?.(error);
      }
      const done = messages.filter((m) => !failed.has(m.MessageId!));
      if (done.length > 0) {
        await options.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    } finally {
      inFlight--;
      if (inFlight === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        waiters.forEach((w) => w());
      }
    }
  }

  async function worker(): Promise<void> {
    while (running) {
      try {
        await pollOnce();
      } catch (error) {
        if (running) {
          options.onError?.(error);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  }

  const workers = Array.from({ length: options.maxConcurrency }, () => worker());
  return {
    async stop() {
      running = false;
      await Promise.allSettled(workers);
    },
    whenIdle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
  };
}

function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attrs = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attrs['ApproximateReceiveCount'] ?? '1',
      SentTimestamp: attrs['SentTimestamp'] ?? String(Date.now()),
      SenderId: attrs['SenderId'] ?? 'local',
      ApproximateFirstReceiveTimestamp: attrs['ApproximateFirstReceiveTimestamp'] ?? String(Date.now()),
      ...(attrs['MessageGroupId'] !== undefined ? { MessageGroupId: attrs['MessageGroupId'] } : {}),
      ...(attrs['MessageDeduplicationId'] !== undefined ? { MessageDeduplicationId: attrs['MessageDeduplicationId'] } : {}),
      ...(attrs['SequenceNumber'] !== undefined ? { SequenceNumber: attrs['SequenceNumber'] } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        { dataType: v.DataType ?? 'String', ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}) },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
