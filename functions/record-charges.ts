import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { PayloadStore } from '#shared/adapters/payload-store.js';
import { recordChargesFromEnvironment, sqsHandler } from '#shared/composition.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import type { MessageStatusUpdated } from '#shared/contracts/events/ingestion.js';
import { logger } from '#shared/logger.js';
import { PoisonMessageError, processBusEvents } from '#shared/middleware/bus-events.js';
import { recordCharge, type RecordChargesDeps } from '#shared/usecases/record-charges.js';

/** Consumer of the Billing queue: Meta's delivered and read statuses become billing ledger entries, once each. */
export function createRecordCharges(deps: RecordChargesDeps, payloads: PayloadStore) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBusEvents(event, payloads, async (busEvent) => {
      if (busEvent.detailType !== DetailType.MessageStatusUpdated) throw new PoisonMessageError(`Billing does not take ${busEvent.detailType}`);
      const result = await recordCharge(busEvent.data as MessageStatusUpdated, deps);
      if (result.outcome === 'unrated') {
        logger.warn('charge recorded unrated: no rate card covers it', { eventId: busEvent.metadata.eventId, messageKey: result.messageKey, problem: result.problem });
        return;
      }
      if (result.outcome === 'recorded') {
        const { entry } = result;
        const log = entry.reconciliation === 'disagrees' ? logger.warn.bind(logger) : logger.info.bind(logger);
        log('charge recorded', {
          eventId: busEvent.metadata.eventId,
          messageKey: entry.messageKey,
          market: entry.market,
          category: entry.pricingCategory,
          pricingType: entry.pricingType,
          amountMicros: entry.amountMicros,
          currency: entry.currency,
          reconciliation: entry.reconciliation,
          ...(entry.differences.length > 0 ? { differences: entry.differences } : {}),
        });
      } else {
        logger.info('status not charged', { eventId: busEvent.metadata.eventId, outcome: result.outcome, ...(result.outcome === 'ignored' ? { why: result.why } : {}) });
      }
    });
}

export const handler = sqsHandler(() => {
  const { deps, payloads } = recordChargesFromEnvironment();
  return createRecordCharges(deps, payloads);
});
