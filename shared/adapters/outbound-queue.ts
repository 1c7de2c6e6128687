import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MessageRecord } from './message-store.js';
import { pairKey } from '../domain/sending/pacing.js';

/** The body of a message on an outbound lane: only the id; the outbox record holds the rest. */
export interface OutboundQueueMessage {
  readonly messageId: string;
}

/**
 * Puts accepted messages on their lane. `MessageGroupId` = (business number, recipient) as an opaque
 * hash, so each conversation is ordered and no phone number appears in queue metadata;
 * `MessageDeduplicationId` = hash of the idempotency key, so a retried enqueue within SQS's 5-minute
 * window is dropped by SQS (and after it, by the sender's claim on the outbox record).
 */
export function createOutboundQueue({ client, priorityQueueUrl, bulkQueueUrl }: { client: SQSClient; priorityQueueUrl: string; bulkQueueUrl: string }) {
  return {
    async enqueue(record: MessageRecord): Promise<void> {
      if (record.recipient === undefined) throw new Error(`message ${record.messageId} was erased and cannot be queued`);
      const recipient = 'to' in record.recipient ? record.recipient.to : record.recipient.recipientUserId;
      const body: OutboundQueueMessage = { messageId: record.messageId };
      await client.send(
        new SendMessageCommand({
          QueueUrl: record.lane === 'bulk' ? bulkQueueUrl : priorityQueueUrl,
          MessageBody: JSON.stringify(body),
          MessageGroupId: pairKey(record.phoneNumberId, recipient),
          MessageDeduplicationId: createHash('sha256').update(record.idempotencyKey).digest('hex'),
        }),
      );
    },
  };
}
