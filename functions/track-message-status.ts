import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { PayloadStore } from '#shared/adapters/payload-store.js';
import { sqsHandler, trackMessageStatusFromEnvironment } from '#shared/composition.js';
import type { MessageStatusUpdated } from '#shared/contracts/events/ingestion.js';
import { processBusEvents } from '#shared/middleware/bus-events.js';
import { trackMessageStatus, type TrackMessageStatusDeps } from '#shared/usecases/track-message-status.js';

/** Consumer of the MessageStatus queue: Meta's status webhooks, as MessageStatusUpdated events. */
export function createTrackMessageStatus(deps: TrackMessageStatusDeps, payloads: PayloadStore, now: () => number) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBusEvents(event, payloads, (busEvent) => trackMessageStatus(busEvent.data as MessageStatusUpdated, deps, now()));
}

export const handler = sqsHandler(() => {
  const { deps, payloads } = trackMessageStatusFromEnvironment();
  return createTrackMessageStatus(deps, payloads, Date.now);
});
