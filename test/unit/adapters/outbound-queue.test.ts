import { ChangeMessageVisibilityCommand, DeleteMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createOutboundQueue, createQueueControl } from '#shared/adapters/outbound-queue.js';
import { pairKey } from '#shared/domain/sending/pacing.js';
import type { MessageRecord } from '#shared/domain/sending/records.js';

const sqs = mockClient(SQSClient);
const client = new SQSClient({ region: 'eu-west-1' });
const PRIORITY = 'https://sqs.eu-west-1.amazonaws.com/123456789012/relais-priority.fifo';
const BULK = 'https://sqs.eu-west-1.amazonaws.com/123456789012/relais-bulk.fifo';
const PRIORITY_DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/relais-priority-dlq.fifo';

function record(overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: 'm_1',
    idempotencyKey: 'order-42',
    requestHash: 'h',
    requestedBy: 'acme.orders',
    phoneNumberId: '106540352242922',
    recipient: { to: '+447911123456' },
    messageType: 'text',
    category: 'service',
    lane: 'priority',
    status: 'queued',
    attempts: 0,
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  };
}

beforeEach(() => {
  sqs.reset();
  sqs.onAnyCommand().resolves({});
});

describe('createOutboundQueue', () => {
  const queue = createOutboundQueue({ client, priorityQueueUrl: PRIORITY, bulkQueueUrl: BULK });

  it('puts a message on its lane with only its id, grouped by an opaque (number, recipient) key', async () => {
    await queue.enqueue(record({ lane: 'bulk' }));
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: BULK,
      MessageBody: '{"messageId":"m_1"}',
      MessageGroupId: pairKey('106540352242922', '+447911123456'),
    });
    const input = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(JSON.stringify(input)).not.toContain('447911123456');
  });

  it('de-duplicates per requester: the same key from two requesters is two SQS messages', async () => {
    await queue.enqueue(record());
    await queue.enqueue(record({ messageId: 'm_2', requestedBy: 'arn:aws:iam::123456789012:role/billing' }));
    await queue.enqueue(record());
    const ids = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageDeduplicationId);
    expect(ids[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[2]).toBe(ids[0]);
  });

  it('refuses to queue a message whose contact was erased', async () => {
    await expect(queue.enqueue(record({ recipient: undefined }))).rejects.toThrow('message m_1 was erased and cannot be queued');
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });
});

describe('createQueueControl', () => {
  const control = createQueueControl({ client, queues: [{ queueUrl: PRIORITY, dlqUrl: PRIORITY_DLQ }, { queueUrl: BULK }] });
  const received = { queueArn: 'arn:aws:sqs:eu-west-1:123456789012:relais-priority.fifo', receiptHandle: 'rh-1', body: '{"messageId":"m_1"}', messageId: 'sqs-1', groupId: 'g-1', deduplicationId: 'd'.repeat(128) };

  it.each([
    [1, 1],
    [1500, 2],
    [24 * 3600_000, 12 * 3600],
  ])('hands a message back after %i ms as a visibility of %i s (1 s to 12 h)', async (delayMs, seconds) => {
    await control.retryLater(received, delayMs);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, { QueueUrl: PRIORITY, ReceiptHandle: 'rh-1', VisibilityTimeout: seconds });
  });

  it('moves a message to its DLQ in the same group, then deletes it from the lane', async () => {
    await control.deadLetter(received);
    const sent = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({ QueueUrl: PRIORITY_DLQ, MessageBody: received.body, MessageGroupId: 'g-1' });
    expect(sent.MessageDeduplicationId).toHaveLength(128);
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, { QueueUrl: PRIORITY, ReceiptHandle: 'rh-1' });
  });

  it('names the queue it does not know, and a queue without a DLQ', async () => {
    await expect(control.retryLater({ ...received, queueArn: 'arn:aws:sqs:eu-west-1:123456789012:other.fifo' }, 1000)).rejects.toThrow('no queue configured for other.fifo');
    await expect(control.deadLetter({ ...received, queueArn: 'arn:aws:sqs:eu-west-1:123456789012:relais-bulk.fifo' })).rejects.toThrow(`no dead-letter queue configured for ${BULK}`);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });
});
