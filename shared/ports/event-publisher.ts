import type { DomainEvent } from '../contracts/events/registry.js';

/**
 * Puts domain events on the bus. The EventBridge implementation is `shared/adapters/event-publisher.ts`;
 * use cases and tests see only this port.
 */
export interface EventPublisher {
  /** Puts every event on the bus or throws {@link PublishError}; retried entries may be delivered twice (ids are stable). */
  publish(events: readonly DomainEvent[]): Promise<PublishReport>;
}

export interface PublishReport {
  readonly published: number;
  readonly requests: number;
  readonly retriedEntries: number;
  readonly claimChecked: number;
}

/** Some events were still refused after the retry budget: the caller must not acknowledge the input. */
export class PublishError extends Error {
  constructor(
    readonly failed: number,
    readonly errorCodes: readonly string[],
  ) {
    super(`${failed} event(s) were not accepted by EventBridge (${[...new Set(errorCodes)].join(', ')})`);
    this.name = 'PublishError';
  }
}

/**
 * An event whose detail fails its contract (`shared/contracts/events/registry.ts`): a producer bug. The
 * publisher refuses the whole call before putting anything, so the bug fails the producer's tests instead
 * of reaching a consumer as poison.
 */
export class InvalidEventError extends Error {
  constructor(
    readonly detailType: string,
    readonly issues: readonly string[],
  ) {
    super(`refused to publish an invalid ${detailType}: ${issues.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}
