import { ChangeMessageVisibilityCommand, DeleteMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { dynamoDocumentClient, eventBridgeClient, s3Client, secretsManagerClient, sqsClient } from '#shared/adapters/aws-clients.js';
import { createContactStore } from '#shared/adapters/contact-store.js';
import { createEventPublisher } from '#shared/adapters/event-publisher.js';
import { createGraphApiClient } from '#shared/adapters/graph-api.js';
import { createMessageStore } from '#shared/adapters/message-store.js';
import { createPacingStore } from '#shared/adapters/pacing-store.js';
import { createS3PayloadStore } from '#shared/adapters/payload-store.js';
import { createSecretProvider } from '#shared/adapters/secrets.js';
import { logger } from '#shared/logger.js';
import { loadSenderConfig } from '#shared/sending-config.js';
import { sendMessage, type SendMessageDeps } from '#shared/usecases/send-message.js';

/** SQS's ceiling for a visibility timeout. */
const MAX_VISIBILITY_S = 12 * 3600;

export interface SenderQueues {
  readonly sqs: SQSClient;
  /** Queue URL and DLQ URL, found from a record's `eventSourceARN` (the queue name ends both). */
  readonly queues: ReadonlyArray<{ readonly queueUrl: string; readonly dlqUrl: string }>;
}

/**
 * Consumer of the outbound FIFO lanes. Records of one group (one conversation) are handled strictly in
 * order and the first that cannot go now stops its group: it and every later record of the group are
 * reported as failures, so SQS hands them back in the same order. Different groups run in parallel.
 * A record to retry later gets its visibility set to the wait; one past its retry budget is moved to the
 * lane's DLQ by the sender itself, with its group id.
 */
export function createSendMessageConsumer(deps: SendMessageDeps, queues: SenderQueues) {
  function queueOf(record: SQSRecord) {
    const name = record.eventSourceARN.split(':').pop() ?? '';
    const queue = queues.queues.find((q) => q.queueUrl.endsWith(`/${name}`));
    if (queue === undefined) throw new Error(`no queue configured for ${name}`);
    return queue;
  }

  async function handleGroup(records: readonly SQSRecord[], failures: string[]): Promise<void> {
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      try {
        const { messageId } = JSON.parse(record.body) as { messageId?: unknown };
        if (typeof messageId !== 'string') throw new Error('outbound queue message has no messageId');
        const outcome = await sendMessage(messageId, deps);
        if (outcome.kind === 'done') continue;
        const queue = queueOf(record);
        if (outcome.kind === 'dead_letter') {
          await queues.sqs.send(
            new SendMessageCommand({
              QueueUrl: queue.dlqUrl,
              MessageBody: record.body,
              MessageGroupId: record.attributes.MessageGroupId,
              MessageDeduplicationId: `${record.attributes.MessageDeduplicationId ?? record.messageId}-dlq`.slice(0, 128),
            }),
          );
          await queues.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.queueUrl, ReceiptHandle: record.receiptHandle }));
          continue;
        }
        await queues.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queue.queueUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: Math.min(MAX_VISIBILITY_S, Math.max(1, Math.ceil(outcome.delayMs / 1000))),
          }),
        );
      } catch (error) {
        logger.error('send failed', { sqsMessageId: record.messageId, errorName: error instanceof Error ? error.name : 'unknown', errorMessage: error instanceof Error ? error.message : String(error) });
      }
      failures.push(...records.slice(i).map((r) => r.messageId));
      return;
    }
  }

  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const groups = new Map<string, SQSRecord[]>();
    for (const record of event.Records) {
      const group = record.attributes.MessageGroupId ?? record.messageId;
      groups.set(group, [...(groups.get(group) ?? []), record]);
    }
    const failures: string[] = [];
    await Promise.all([...groups.values()].map((records) => handleGroup(records, failures)));
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

let run: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  if (run === undefined) {
    const config = loadSenderConfig(process.env);
    const client = dynamoDocumentClient();
    const secrets = createSecretProvider({ client: secretsManagerClient });
    const publisher = createEventPublisher({
      client: eventBridgeClient(),
      eventBusName: config.eventBusName,
      payloadStore: createS3PayloadStore({ client: s3Client(), bucket: config.payloadBucketName }),
    });
    run = createSendMessageConsumer(
      {
        messages: createMessageStore({ client, tableName: config.stateTableName }),
        pacing: createPacingStore({ client, tableName: config.stateTableName }),
        graph: createGraphApiClient({
          baseUrl: config.graphBaseUrl,
          version: config.graphVersion,
          timeoutMs: config.graphTimeoutMs,
          accessToken: () => secrets.get(config.accessToken),
        }),
        publish: (events) => publisher.publish(events),
        freeEntryPoints: createContactStore({ client, tableName: config.stateTableName }),
        settings: {
          ratePerSecond: config.ratePerSecond,
          bulkSharePercent: config.bulkSharePercent,
          pairRate: { intervalMs: config.pairIntervalMs, burst: config.pairBurst },
          maxAttempts: config.maxAttempts,
          inlineWaitMs: 1000,
        },
        now: Date.now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        random: Math.random,
      },
      { sqs: sqsClient(), queues: config.queues },
    );
  }
  return run(event);
}
