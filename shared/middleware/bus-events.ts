import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import type { PayloadStore } from '../adapters/payload-store.js';
import type { DetailType } from '../contracts/events/catalogue.js';
import type { EventMetadata } from '../contracts/events/envelope.js';
import { detailSchemaFor, eventDataSchemas, type EventData } from '../contracts/events/registry.js';
import { describeIssues } from '../errors.js';
import { logger } from '../logger.js';

/** A Relais event as a consumer sees it: validated, with claim-checked data already fetched. */
export interface BusEvent<T extends DetailType = DetailType> {
  readonly detailType: T;
  readonly source: string;
  readonly metadata: EventMetadata;
  readonly data: EventData<T>;
}

/** The message could never be processed (not an event, unknown type, invalid detail): DLQ it, do not retry. */
export class PoisonMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}

/** Parses an SQS body holding an EventBridge event (as a rule's SQS target delivers it). */
export async function parseBusEvent(body: string, payloads: PayloadStore): Promise<BusEvent> {
  let envelope: { 'detail-type'?: unknown; source?: unknown; detail?: unknown };
  try {
    envelope = JSON.parse(body) as typeof envelope;
  } catch {
    throw new PoisonMessageError('body is not JSON');
  }
  const detailType = envelope['detail-type'];
  if (typeof detailType !== 'string' || !Object.hasOwn(eventDataSchemas, detailType)) {
    throw new PoisonMessageError(`unknown detail-type ${JSON.stringify(detailType)}`);
  }
  const parsed = detailSchemaFor(detailType as DetailType).safeParse(envelope.detail);
  if (!parsed.success) throw new PoisonMessageError(`invalid ${detailType} detail: ${describeIssues(parsed.error.issues).join('; ')}`);
  const detail = parsed.data as { metadata: EventMetadata; data?: unknown; dataRef?: Parameters<PayloadStore['get']>[0] };
  const data = detail.dataRef !== undefined ? await payloads.get(detail.dataRef) : detail.data;
  const checked = eventDataSchemas[detailType as DetailType].safeParse(data);
  if (!checked.success) throw new PoisonMessageError(`invalid ${detailType} data: ${describeIssues(checked.error.issues).join('; ')}`);
  return { detailType: detailType as DetailType, source: String(envelope.source), metadata: detail.metadata, data: checked.data as EventData<DetailType> };
}

/**
 * Runs `handle` over a batch from a standard SQS queue fed by an EventBridge rule and reports failures
 * per record, so only those are retried. A poison message is also reported as failed: after the queue's
 * maxReceiveCount it lands in the DLQ, where an alarm and the redrive command deal with it.
 */
export async function processBusEvents(
  event: SQSEvent,
  payloads: PayloadStore,
  handle: (busEvent: BusEvent, record: SQSRecord) => Promise<void>,
  concurrency = 4,
): Promise<SQSBatchResponse> {
  const failures: string[] = [];
  const limit = pLimit(concurrency);
  async function processRecord(record: SQSRecord): Promise<void> {
    try {
      await handle(await parseBusEvent(record.body, payloads), record);
    } catch (error) {
      failures.push(record.messageId);
      const poison = error instanceof PoisonMessageError;
      logger.error(poison ? 'poison message' : 'event processing failed', {
        messageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        errorName: error instanceof Error ? error.name : 'unknown',
        errorMessage: error instanceof Error ? error.message : String(error),
      });
    }
  }
  await Promise.all(event.Records.map((record) => limit(() => processRecord(record))));
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}
