import { defined } from '../../domain/objects.js';
import { EVENT_SCHEMA_VERSION, type DetailType } from './catalogue.js';
import { eventDataSchemas, type DomainEvent, type EventData } from './registry.js';

/** A producer built an event whose `data` does not match its detail-type's contract: a bug in the producer. */
export class EventContractError extends Error {
  override readonly name = 'EventContractError';
  constructor(
    readonly detailType: DetailType,
    /** One `path: message` line per problem, naming fields, never their values. */
    readonly issues: readonly string[],
  ) {
    super(`${detailType} data does not match its contract: ${issues.join('; ')}`);
  }
}

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
 * ISO time, absent fields left out), and `data` checked against its detail-type's contract (`registry.ts`) here,
 * so a producer bug fails that producer's unit test instead of a consumer.
 *
 * @throws EventContractError when `data` does not match the contract of `detailType`.
 */
export function buildEvent<T extends DetailType>(detailType: T, origin: EventOrigin, data: EventData<T>): DomainEvent<T> {
  const checked = eventDataSchemas[detailType].safeParse(data);
  if (!checked.success) {
    throw new EventContractError(
      detailType,
      checked.error.issues.map((issue) => `${issue.path.join('.') || '(data)'}: ${issue.message}`),
    );
  }
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
