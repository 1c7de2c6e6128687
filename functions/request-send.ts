import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { requestSendDepsFromEnvironment, sendRequestsQueueFromEnvironment, sqsHandler } from '#shared/composition.js';
import { logger } from '#shared/logger.js';
import { receivedMessage } from '#shared/middleware/fifo-batch.js';
import type { QueueControl } from '#shared/ports/outbound-queue.js';
import { requestSend, type RequestSendDeps } from '#shared/usecases/request-send.js';

/** Receives during which a closed window may still be one not yet recorded (about 2 s apart). */
const WINDOW_GRACE_RECEIVES = 3;

/**
 * Consumer of the SendRequests queue: `SendRequested` events from any source, as EventBridge delivers
 * them (the whole event in the SQS body); the event's `source` is the requester. An unreadable body is
 * dead-lettered; an invalid request is answered with `SendRejected`, never dropped.
 */
export function createRequestSendConsumer(deps: RequestSendDeps, deferral: QueueControl | undefined) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: string[] = [];
    // Standard SQS does not keep order; within a batch, requests are decided in the order they were put.
    const ordered = [...event.Records].sort((a, b) => putTime(a) - putTime(b) || Number(a.attributes.SentTimestamp) - Number(b.attributes.SentTimestamp));
    for (const record of ordered) {
      try {
        const busEvent = JSON.parse(record.body) as { source?: unknown; detail?: unknown };
        const receives = Number(record.attributes.ApproximateReceiveCount ?? '1');
        const result = await requestSend(busEvent.detail, typeof busEvent.source === 'string' ? busEvent.source : 'unknown', deps, {
          deferIfWindowUnknown: deferral !== undefined && receives < WINDOW_GRACE_RECEIVES,
        });
        if (result.decision === 'deferred') {
          await deferral!.retryLater(receivedMessage(record), 2000);
          failures.push(record.messageId);
          continue;
        }
        logger.info('send request decided', { decision: result.decision, messageId: result.messageId, ...(result.decision === 'rejected' ? { reason: result.reason } : {}) });
      } catch (error) {
        failures.push(record.messageId);
        logger.error('send request failed', { messageId: record.messageId, errorName: error instanceof Error ? error.name : 'unknown', errorMessage: error instanceof Error ? error.message : String(error) });
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

function putTime(record: SQSRecord): number {
  try {
    const time = Date.parse((JSON.parse(record.body) as { time?: string }).time ?? '');
    return Number.isNaN(time) ? 0 : time;
  } catch {
    return 0;
  }
}

export const handler = sqsHandler(() => createRequestSendConsumer(requestSendDepsFromEnvironment(), sendRequestsQueueFromEnvironment()));
