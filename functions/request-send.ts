import { randomUUID } from 'node:crypto';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { dynamoDocumentClient, eventBridgeClient, s3Client, sqsClient } from '#shared/adapters/aws-clients.js';
import { createContactStore } from '#shared/adapters/contact-store.js';
import { createEventPublisher } from '#shared/adapters/event-publisher.js';
import { createMessageStore } from '#shared/adapters/message-store.js';
import { createNumberRegistry } from '#shared/adapters/number-registry.js';
import { createOutboundQueue } from '#shared/adapters/outbound-queue.js';
import { createS3PayloadStore } from '#shared/adapters/payload-store.js';
import { createStaticTemplateRegistry } from '#shared/domain/templates/template-registry.js';
import { logger } from '#shared/logger.js';
import { loadRequestSendConfig } from '#shared/sending-config.js';

/** The consumer's own queue, to defer a request by changing its visibility. */
const SEND_REQUESTS_QUEUE_URL = 'SEND_REQUESTS_QUEUE_URL';
import { requestSend, type RequestSendDeps } from '#shared/usecases/request-send.js';

/**
 * Consumer of the SendRequests queue: `SendRequested` events from any source, as EventBridge delivers
 * them (the whole event in the SQS body). An unreadable body is dead-lettered; an invalid request is
 * answered with `SendRejected`, never dropped.
 */
/** Receives during which a closed window may still be one not yet recorded (about 2 s apart). */
const WINDOW_GRACE_RECEIVES = 3;

export function createRequestSendConsumer(deps: RequestSendDeps, deferral: { sqs: SQSClient; queueUrl: string } | undefined) {
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
          await deferral!.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: deferral!.queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: 2 }));
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

export function requestSendDepsFromEnvironment(): RequestSendDeps {
  const config = loadRequestSendConfig(process.env);
  const client = dynamoDocumentClient();
  const publisher = createEventPublisher({
    client: eventBridgeClient(),
    eventBusName: config.eventBusName,
    payloadStore: createS3PayloadStore({ client: s3Client(), bucket: config.payloadBucketName }),
  });
  const numbers = createNumberRegistry({ client, tableName: config.stateTableName, configured: config.businessAccounts });
  const queue = createOutboundQueue({ client: sqsClient(), priorityQueueUrl: config.priorityQueueUrl, bulkQueueUrl: config.bulkQueueUrl });
  return {
    messages: createMessageStore({ client, tableName: config.stateTableName }),
    contacts: createContactStore({ client, tableName: config.stateTableName }),
    templates: createStaticTemplateRegistry(config.templates),
    enqueue: (record) => queue.enqueue(record),
    publish: (events) => publisher.publish(events),
    businessAccountOf: (phoneNumberId) => numbers.businessAccountOf(phoneNumberId),
    policy: config.policy,
    newMessageId: () => `m_${randomUUID()}`,
    now: Date.now,
  };
}

let run: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const queueUrl = process.env[SEND_REQUESTS_QUEUE_URL];
  run ??= createRequestSendConsumer(requestSendDepsFromEnvironment(), queueUrl === undefined || queueUrl === '' ? undefined : { sqs: sqsClient(), queueUrl });
  return run(event);
}
