import { buildEvent } from '../../contracts/events/build-event.js';
import type { AccountHealthEvent, NumberHealthEvent } from '../../contracts/events/health.js';
import type { DomainEvent } from '../../contracts/events/registry.js';

/** `metadata.producer` of the health events. */
export const HEALTH_EVENTS_PRODUCER = 'track-health';

/**
 * The bus events of one stored health change (`applyNumberHealthFact` / `applyAccountHealthFact`), with ids derived
 * from the subject, the record's version and, for restrictions, the restriction type
 * (`AccountRestricted:<waba>:v3:RESTRICTED_BIZ_INITIATED_MESSAGING`): the same change always gives the same ids, so a
 * retried publish is dropped as a copy by consumers. `occurredAt` is Meta's time of the fact. Pure.
 */
export function healthDomainEvents(events: readonly (NumberHealthEvent | AccountHealthEvent)[]): DomainEvent[] {
  return events.map((event) => {
    const data = event.data;
    const subject = 'phoneNumberId' in data ? data.phoneNumberId : data.businessAccountId;
    const qualifier = 'restrictionType' in data ? `:${data.restrictionType}` : '';
    return buildEvent(
      event.detailType,
      {
        eventId: `${event.detailType}:${subject}:v${data.version}${qualifier}`,
        occurredAt: Date.parse(data.at),
        producer: HEALTH_EVENTS_PRODUCER,
        ...(data.businessAccountId === undefined ? {} : { businessAccountId: data.businessAccountId }),
        ...('phoneNumberId' in data ? { phoneNumberId: data.phoneNumberId } : {}),
      },
      data as never,
    ) as DomainEvent;
  });
}
