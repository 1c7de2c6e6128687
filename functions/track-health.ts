import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { PayloadStore } from '#shared/adapters/payload-store.js';
import { sqsHandler, trackHealthFromEnvironment } from '#shared/composition.js';
import { RelaisError } from '#shared/errors.js';
import { logger } from '#shared/logger.js';
import { PoisonMessageError, processBusEvents } from '#shared/middleware/bus-events.js';
import { HEALTH_WEBHOOK_TYPES, trackHealth, type HealthWebhook, type TrackHealthDeps } from '#shared/usecases/track-health.js';

const TYPES: ReadonlySet<string> = new Set(HEALTH_WEBHOOK_TYPES);

/** Consumer of the HealthActivity queue: Meta's number, capability and account webhooks keep the health records. */
export function createTrackHealth(deps: TrackHealthDeps, payloads: PayloadStore) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBusEvents(event, payloads, async (busEvent) => {
      if (!TYPES.has(busEvent.detailType)) throw new PoisonMessageError(`HealthActivity does not take ${busEvent.detailType}`);
      try {
        const result = await trackHealth({ detailType: busEvent.detailType, data: busEvent.data } as HealthWebhook, busEvent.metadata, deps);
        const log = result.numberUnresolved === true || result.refresh.outcome === 'failed' ? logger.warn.bind(logger) : logger.info.bind(logger);
        log('health webhook applied', {
          eventId: busEvent.metadata.eventId,
          detailType: busEvent.detailType,
          ...(result.phoneNumberId === undefined ? {} : { phoneNumberId: result.phoneNumberId }),
          ...(result.numberUnresolved === true ? { problem: 'no known number of the account has this display number' } : {}),
          refresh: result.refresh,
          published: result.published.map((e) => e.detailType),
        });
      } catch (error) {
        // The store refuses ids that are not Meta's digits: Meta's data, which retrying cannot change. Acknowledge
        // it and say why; the bus archive (locally the events log) keeps the event.
        if (error instanceof RelaisError && error.statusCode === 400) {
          logger.warn('health webhook not applied: its ids cannot key a record', { eventId: busEvent.metadata.eventId, detailType: busEvent.detailType, problem: error.message });
          return;
        }
        throw error;
      }
    });
}

export const handler = sqsHandler(() => {
  const { deps, payloads } = trackHealthFromEnvironment();
  return createTrackHealth(deps, payloads);
});
