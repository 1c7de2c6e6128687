import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../logger.js';
import type { ReceivedQueueMessage } from '../ports/outbound-queue.js';

/** What became of one record: `done` (acknowledge it) or `stop` (it waits in the queue; so does the rest of its group). */
export type FifoRecordOutcome = 'done' | 'stop';

/**
 * Runs a batch from a FIFO queue: records of one message group strictly in order, different groups in
 * parallel. The first record of a group that stops (or throws) is reported as a batch item failure together
 * with every later record of its group, so SQS hands them back in the same order; the other groups go on.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 *
 * Powertools' `SqsFifoPartialProcessor` with `skipGroupOnError` does the same, but runs the groups one
 * after another; the sender waits on Meta and the pacing store per record, so groups run concurrently here.
 */
export async function processFifoBatch(event: SQSEvent, handle: (record: SQSRecord) => Promise<FifoRecordOutcome>): Promise<SQSBatchResponse> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of event.Records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    groups.set(group, [...(groups.get(group) ?? []), record]);
  }
  const failures: string[] = [];
  await Promise.all(
    [...groups.values()].map(async (records) => {
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        try {
          if ((await handle(record)) === 'done') continue;
        } catch (error) {
          logger.error('record failed', { sqsMessageId: record.messageId, errorName: error instanceof Error ? error.name : 'unknown', errorMessage: error instanceof Error ? error.message : String(error) });
        }
        failures.push(...records.slice(i).map((r) => r.messageId));
        return;
      }
    }),
  );
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}

/** The parts of a received SQS record that handing it back or dead-lettering it needs. */
export function receivedMessage(record: SQSRecord): ReceivedQueueMessage {
  return {
    queueArn: record.eventSourceARN,
    receiptHandle: record.receiptHandle,
    body: record.body,
    messageId: record.messageId,
    ...(record.attributes.MessageGroupId !== undefined ? { groupId: record.attributes.MessageGroupId } : {}),
    ...(record.attributes.MessageDeduplicationId !== undefined ? { deduplicationId: record.attributes.MessageDeduplicationId } : {}),
  };
}
