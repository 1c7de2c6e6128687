import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDocumentClient, eventBridgeClient, s3Client } from '#shared/adapters/aws-clients.js';
import { createEventPublisher } from '#shared/adapters/event-publisher.js';
import { createMessageStore } from '#shared/adapters/message-store.js';
import { createS3PayloadStore, type PayloadStore } from '#shared/adapters/payload-store.js';
import { loadContactActivityConfig } from '#shared/config.js';
import type { MessageStatusUpdated } from '#shared/contracts/events/ingestion.js';
import { processBusEvents } from '#shared/middleware/bus-events.js';
import { trackMessageStatus, type TrackMessageStatusDeps } from '#shared/usecases/track-message-status.js';

/** Consumer of the MessageStatus queue: Meta's status webhooks, as MessageStatusUpdated events. */
export function createTrackMessageStatus(deps: TrackMessageStatusDeps, payloads: PayloadStore, now: () => number) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBusEvents(event, payloads, (busEvent) => trackMessageStatus(busEvent.data as MessageStatusUpdated, deps, now()));
}

let run: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  if (run === undefined) {
    // Same needs as the contact consumer: the state table, the bus and the payload bucket.
    const config = loadContactActivityConfig(process.env);
    const payloads = createS3PayloadStore({ client: s3Client(), bucket: config.payloadBucketName });
    const publisher = createEventPublisher({ client: eventBridgeClient(), eventBusName: config.eventBusName, payloadStore: payloads });
    run = createTrackMessageStatus(
      { messages: createMessageStore({ client: dynamoDocumentClient(), tableName: config.stateTableName }), publish: (events) => publisher.publish(events) },
      payloads,
      Date.now,
    );
  }
  return run(event);
}
