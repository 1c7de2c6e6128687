import { createHash } from 'node:crypto';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { pairKey } from '../domain/sending/pacing.js';
import type { OutboundQueue, OutboundQueueMessage, QueueControl, ReceivedQueueMessage } from '../ports/outbound-queue.js';

export type { OutboundQueueMessage } from '../ports/outbound-queue.js';

/**
 * Puts accepted messages on their lane. `MessageGroupId` = (business number, recipient) as an opaque
 * hash, so each conversation is ordered and no phone number appears in queue metadata;
 * `MessageDeduplicationId` = hash of the idempotency item's key, so a retried enqueue within SQS's 5-minute
 * window is dropped by SQS (and after it, by the sender's claim on the outbox record).
 */
export function createOutboundQueue({ client, priorityQueueUrl, bulkQueueUrl }: { client: SQSClient; priorityQueueUrl: string; bulkQueueUrl: string }): OutboundQueue {
  return {
    async enqueue(record) {
      if (record.recipient === undefined) throw new Error(`message ${record.messageId} was erased and cannot be queued`);
      const recipient = 'to' in record.recipient ? record.recipient.to : record.recipient.recipientUserId;
      const body: OutboundQueueMessage = { messageId: record.messageId };
      await client.send(
        new SendMessageCommand({
          QueueUrl: record.lane === 'bulk' ? bulkQueueUrl : priorityQueueUrl,
          MessageBody: JSON.stringify(body),
          MessageGroupId: pairKey(record.phoneNumberId, recipient),
          MessageDeduplicationId: createHash('sha256').update(`${record.requestedBy ?? ''}\n${record.idempotencyKey}`).digest('hex'),
        }),
      );
    },
  };
}

/** SQS's ceiling for a visibility timeout. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html */
const MAX_VISIBILITY_S = 12 * 3600;

/**
 * Visibility changes and DLQ moves on the queues a consumer reads. A received message's queue is found from
 * its ARN: the queue's name ends both the ARN and the URL.
 */
export function createQueueControl({
  client,
  queues,
}: {
  client: SQSClient;
  queues: ReadonlyArray<{ readonly queueUrl: string; readonly dlqUrl?: string }>;
}): QueueControl {
  function queueOf(message: ReceivedQueueMessage) {
    const name = message.queueArn.split(':').pop() ?? '';
    const queue = queues.find((q) => q.queueUrl.endsWith(`/${name}`));
    if (queue === undefined) throw new Error(`no queue configured for ${name}`);
    return queue;
  }
  return {
    async retryLater(message, delayMs) {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueOf(message).queueUrl,
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout: Math.min(MAX_VISIBILITY_S, Math.max(1, Math.ceil(delayMs / 1000))),
        }),
      );
    },
    async deadLetter(message) {
      const queue = queueOf(message);
      if (queue.dlqUrl === undefined) throw new Error(`no dead-letter queue configured for ${queue.queueUrl}`);
      await client.send(
        new SendMessageCommand({
          QueueUrl: queue.dlqUrl,
          MessageBody: message.body,
          MessageGroupId: message.groupId,
          MessageDeduplicationId: `${message.deduplicationId ?? message.messageId}-dlq`.slice(0, 128),
        }),
      );
      await client.send(new DeleteMessageCommand({ QueueUrl: queue.queueUrl, ReceiptHandle: message.receiptHandle }));
    },
  };
}
