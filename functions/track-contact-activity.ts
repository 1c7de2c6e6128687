import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDocumentClient, eventBridgeClient, s3Client } from '#shared/adapters/aws-clients.js';
import { createContactStore } from '#shared/adapters/contact-store.js';
import { createEventPublisher } from '#shared/adapters/event-publisher.js';
import { createNumberRegistry, type NumberRegistry } from '#shared/adapters/number-registry.js';
import { createS3PayloadStore, type PayloadStore } from '#shared/adapters/payload-store.js';
import { createSendRequester } from '#shared/adapters/send-requester.js';
import { loadContactActivityConfig } from '#shared/config.js';
import { EVENT_SCHEMA_VERSION } from '#shared/contracts/events/catalogue.js';
import { processBusEvents } from '#shared/middleware/bus-events.js';
import { trackContactActivity, type ContactActivity, type TrackContactActivityDeps } from '#shared/usecases/track-contact-activity.js';

/** Consumer of the ContactActivity queue: inbound messages, identity changes, preferences, 131050 failures. */
export function createTrackContactActivity(deps: TrackContactActivityDeps, payloads: PayloadStore, numbers?: NumberRegistry) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBusEvents(event, payloads, async (busEvent) => {
      // Webhooks name the number, its account and its display number: remember them for the send path and for
      // phone_number_quality_update, which names the number by its display number only.
      const business = (busEvent.data as { business?: { phoneNumberId: string; businessAccountId: string; displayPhoneNumber?: string } }).business;
      if (business !== undefined) await numbers?.remember(business.phoneNumberId, business.businessAccountId, business.displayPhoneNumber);
      await trackContactActivity(busEvent as unknown as ContactActivity, deps);
    });
}

let run: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  if (run === undefined) {
    const config = loadContactActivityConfig(process.env);
    const payloads = createS3PayloadStore({ client: s3Client(), bucket: config.payloadBucketName });
    const publisher = createEventPublisher({ client: eventBridgeClient(), eventBusName: config.eventBusName, payloadStore: payloads });
    const sends = createSendRequester({ client: eventBridgeClient(), eventBusName: config.eventBusName });
    run = createTrackContactActivity(
      {
        contacts: createContactStore({ client: dynamoDocumentClient(), tableName: config.stateTableName }),
        publish: (events) => publisher.publish(events),
        requestReply: (reply) =>
          sends.request({
            metadata: { schemaVersion: EVENT_SCHEMA_VERSION, idempotencyKey: reply.idempotencyKey, correlationId: reply.correlationId },
            data: {
              phoneNumberId: reply.phoneNumberId,
              businessAccountId: reply.businessAccountId,
              ...(reply.to !== undefined ? { to: reply.to } : { recipientUserId: reply.recipientUserId! }),
              category: 'service',
              message: { type: 'text', body: reply.body, replyTo: reply.replyTo },
            },
          }),
        settingsFor: config.settingsFor,
      },
      payloads,
      createNumberRegistry({ client: dynamoDocumentClient(), tableName: config.stateTableName }),
    );
  }
  return run(event);
}
