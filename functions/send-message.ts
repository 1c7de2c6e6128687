import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sqsHandler, senderFromEnvironment } from '#shared/composition.js';
import { processFifoBatch, receivedMessage } from '#shared/middleware/fifo-batch.js';
import type { QueueControl } from '#shared/ports/outbound-queue.js';
import { sendMessage, type SendMessageDeps } from '#shared/usecases/send-message.js';

/**
 * Consumer of the outbound FIFO lanes. Records of one group (one conversation) are handled strictly in
 * order and the first that cannot go now stops its group (`processFifoBatch`). A record to retry later is
 * handed back after the wait; one past its retry budget is moved to its lane's DLQ by the sender itself,
 * with its group id.
 */
export function createSendMessageConsumer(deps: SendMessageDeps, queue: QueueControl) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processFifoBatch(event, async (record) => {
      const { messageId } = JSON.parse(record.body) as { messageId?: unknown };
      if (typeof messageId !== 'string') throw new Error('outbound queue message has no messageId');
      const outcome = await sendMessage(messageId, deps);
      if (outcome.kind === 'done') return 'done';
      if (outcome.kind === 'dead_letter') {
        await queue.deadLetter(receivedMessage(record));
        return 'done';
      }
      await queue.retryLater(receivedMessage(record), outcome.delayMs);
      return 'stop';
    });
}

export const handler = sqsHandler(() => {
  const { deps, queue } = senderFromEnvironment();
  return createSendMessageConsumer(deps, queue);
});
