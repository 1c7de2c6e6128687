import type { MessageRecord } from '../domain/sending/records.js';

/** The body of a message on an outbound lane: only the id; the outbox record holds the rest. */
export interface OutboundQueueMessage {
  readonly messageId: string;
}

/** Puts accepted messages on their lane (priority or bulk), one FIFO group per conversation. Idempotent. */
export interface OutboundQueue {
  enqueue(record: MessageRecord): Promise<void>;
}

/** A message a consumer received from a queue, as far as handing it back or dead-lettering it needs. */
export interface ReceivedQueueMessage {
  /** The ARN of the queue it came from (the event source of the batch). */
  readonly queueArn: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** SQS's id of the message, used when there is no deduplication id to derive the DLQ's from. */
  readonly messageId: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
}

/** What a consumer does with a received message besides acknowledging it. */
export interface QueueControl {
  /** Hands the message back to its queue after about `delayMs` (rounded up to seconds, at most 12 h). */
  retryLater(message: ReceivedQueueMessage, delayMs: number): Promise<void>;
  /** Moves the message to its queue's DLQ, in the same FIFO group, and removes it from the queue. */
  deadLetter(message: ReceivedQueueMessage): Promise<void>;
}
