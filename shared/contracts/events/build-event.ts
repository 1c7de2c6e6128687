import { defined } from '../../domain/objects.js';
import { EVENT_SCHEMA_VERSION, type DetailType } from './catalogue.js';
import type { DomainEvent, EventData } from './registry.js';

/** Where an event comes from: everything its `metadata` says apart from the schema version. */
export interface EventOrigin {
  /** Deterministic id, so that the same fact published twice is de-duplicated by consumers. */
  readonly eventId: string;
  /** When the fact happened, epoch milliseconds (a finite time inside `Date`'s range). */
  readonly occurredAt: number;
  /** The Relais component publishing it (`relais.ingestion`, `relais.sender`, …). */
  readonly producer: string;
  readonly correlationId?: string | undefined;
  readonly businessAccountId?: string | undefined;
  readonly phoneNumberId?: string | undefined;
}

/**
 * The one constructor of every Relais event: metadata filled the same way for every producer (schema version,
 * ISO time, absent fields left out). The data is typed by its detail-type here and checked against its contract
 * by the publisher, which refuses an event that does not match (see `shared/adapters/event-publisher.ts`).
 */
export function buildEvent<T extends DetailType>(detailType: T, origin: EventOrigin, data: EventData<T>): DomainEvent<T> {
  return {
    detailType,
    metadata: {
      schemaVersion: EVENT_SCHEMA_VERSION,
      eventId: origin.eventId,
      occurredAt: new Date(origin.occurredAt).toISOString(),
      producer: origin.producer,
      ...defined({ correlationId: origin.correlationId, businessAccountId: origin.businessAccountId, phoneNumberId: origin.phoneNumberId }),
    },
    data,
  };
}
