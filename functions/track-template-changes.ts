import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { PayloadStore } from '#shared/adapters/payload-store.js';
import { sqsHandler, trackTemplateChangesFromEnvironment } from '#shared/composition.js';
import type { TemplateWebhook } from '#shared/domain/templates/webhook-facts.js';
import { RelaisError } from '#shared/errors.js';
import { logger } from '#shared/logger.js';
import { PoisonMessageError, processBusEvents } from '#shared/middleware/bus-events.js';
import { TEMPLATE_WEBHOOK_TYPES, trackTemplateChange, type TrackTemplateChangesDeps } from '#shared/usecases/track-template-changes.js';

const TYPES: ReadonlySet<string> = new Set(TEMPLATE_WEBHOOK_TYPES);

/** Consumer of the TemplateActivity queue: Meta's template webhooks keep the template registry and publish what changed. */
export function createTrackTemplateChanges(deps: TrackTemplateChangesDeps, payloads: PayloadStore) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBusEvents(event, payloads, async (busEvent) => {
      if (!TYPES.has(busEvent.detailType)) throw new PoisonMessageError(`TemplateActivity does not take ${busEvent.detailType}`);
      try {
        const result = await trackTemplateChange({ detailType: busEvent.detailType, data: busEvent.data } as TemplateWebhook, busEvent.metadata, deps);
        logger.info('template webhook applied', {
          eventId: busEvent.metadata.eventId,
          detailType: busEvent.detailType,
          outcome: result.outcome,
          ...(result.why === undefined ? {} : { why: result.why }),
          published: result.published.map((e) => e.detailType),
        });
      } catch (error) {
        // The store refuses a name or language outside Meta's own rules. Retrying cannot help and a dead letter
        // would page someone for Meta's data: acknowledge it, say why, and leave the event where the bus archive
        // (and locally the events log) keeps it.
        if (error instanceof RelaisError && error.statusCode === 400) {
          logger.warn('template webhook not applied: the registry cannot key it', {
            eventId: busEvent.metadata.eventId,
            detailType: busEvent.detailType,
            problem: error.message,
          });
          return;
        }
        throw error;
      }
    });
}

export const handler = sqsHandler(() => {
  const { deps, payloads } = trackTemplateChangesFromEnvironment();
  return createTrackTemplateChanges(deps, payloads);
});
