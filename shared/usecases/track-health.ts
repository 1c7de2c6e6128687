import type { DetailType } from '../contracts/events/catalogue.js';
import type { EventMetadata } from '../contracts/events/envelope.js';
import type { EventData, DomainEvent } from '../contracts/events/registry.js';
import {
  accountFactFromPhoneNumberQualityChanged,
  factFromAccountUpdated,
  factFromBusinessCapabilityChanged,
  factsFromListedPhoneNumber,
  factsFromPhoneNumberQualityChanged,
} from '../domain/health/facts-from-events.js';
import { healthDomainEvents } from '../domain/health/health-events.js';
import type { AccountHealthFact, NumberHealthFact } from '../domain/health/records.js';
import { displayDigitsOf, type NumberRegistry } from '../adapters/number-registry.js';
import type { GraphPhoneNumber, GraphPhoneNumbers } from '../ports/graph-phone-numbers.js';
import type { GraphTemplateError } from '../ports/graph-templates.js';
import type { HealthStore } from '../ports/health-store.js';
import { BadRequestError } from '../errors.js';

/** The detail-types the HealthActivity consumer takes: Meta's number, capability and account webhooks, as ingestion publishes them, and refresh requests. */
export const HEALTH_WEBHOOK_TYPES = ['PhoneNumberQualityChanged', 'BusinessCapabilityChanged', 'AccountUpdated', 'HealthRefreshRequested'] as const satisfies readonly DetailType[];
export type HealthWebhookType = (typeof HEALTH_WEBHOOK_TYPES)[number];

export type HealthWebhook = { [T in HealthWebhookType]: { readonly detailType: T; readonly data: EventData<T> } }[HealthWebhookType];

export interface TrackHealthDeps {
  readonly store: HealthStore;
  readonly numbers: Pick<NumberRegistry, 'phoneNumberIdOf' | 'remember'>;
  /**
   * Meta's listing of the account's numbers, read after each `phone_number_quality_update`: the webhook carries no
   * quality rating, and its display number may be one no message webhook has named yet. Absent: only what the
   * webhooks say is recorded.
   */
  readonly graph?: GraphPhoneNumbers;
  readonly publish: (events: readonly DomainEvent[]) => Promise<unknown>;
  /** Epoch ms: Relais's clock (`updatedAt`, and the time of what the listing says). */
  readonly now: () => number;
}

/** Meta could not be read now; the event is retried (SQS redelivers it) and the facts already applied stay. */
export class HealthRefreshRetryableError extends Error {
  constructor(readonly graphError: GraphTemplateError) {
    super(`Meta's phone number listing could not be read (${describeGraphError(graphError)}); retrying`);
    this.name = 'HealthRefreshRetryableError';
  }
}

/** What one webhook did. */
export interface TrackHealthResult {
  /** The phone number the webhook is about, when it names one and it was resolved. */
  readonly phoneNumberId?: string;
  /** A `phone_number_quality_update` whose display number matched no number Relais or Meta's listing knows. */
  readonly numberUnresolved?: true;
  /** How Meta's listing went: `read` (with the numbers it held), `failed` (a refusal retrying cannot help), `skipped`. */
  readonly refresh: { readonly outcome: 'read'; readonly numbers: number } | { readonly outcome: 'failed'; readonly problem: string } | { readonly outcome: 'skipped' };
  readonly published: readonly DomainEvent[];
}

const GRAPH_ID = /^\d{1,32}$/;
/** Pages of Meta's listing read at most per refresh (a WABA holds a handful of numbers; Meta allows a few dozen). */
const MAX_LISTING_PAGES = 20;
/** Graph codes that mean "later": throttling (4, 32, 613, 80007, 130429) and Meta's transient errors (1, 2). */
const RETRYABLE_GRAPH_CODES: ReadonlySet<number> = new Set([1, 2, 4, 32, 613, 80007, 130429]);

/**
 * Keeps number and account health in step with one of Meta's webhooks (delivered at least once, in any order):
 * 1. `account_update` and `business_capability_update` become one account fact (restrictions, violation, messaging
 *    limit), timed by Meta (`metadata.occurredAt`), applied through the store (latest truth per aspect by Meta's
 *    time), and its events published.
 * 2. `phone_number_quality_update` names the number by its display number: it is resolved through the number
 *    registry (webhooks of messages and statuses teach it), then Meta's listing (`GET /{waba}/phone_numbers`) is read,
 *    which also gives the rating, throughput and status the webhook does not carry
 *    (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update).
 *    The webhook's own facts (its event, `THROUGHPUT_UPGRADE`'s 1,000 msg/s, the portfolio's limit) are applied at
 *    Meta's time and published first; the listing's at Relais's clock.
 * 3. `HealthRefreshRequested` (Relais's schedule per account, or any service) reads the listing alone: since October
 *    2025 Meta sends no webhook when a number's rating changes, so the schedule is how a downgrade is seen.
 * 4. A listing Meta throttles or cannot answer throws {@link HealthRefreshRetryableError} (redelivered; what was
 *    applied stays applied and its duplicate changes nothing); a refusal retrying cannot help (a token without the
 *    permission) is reported in the result and the webhook acknowledged.
 */
export async function trackHealth(webhook: HealthWebhook, metadata: Pick<EventMetadata, 'occurredAt'>, deps: TrackHealthDeps): Promise<TrackHealthResult> {
  const at = metadata.occurredAt;
  // Meta's ids are digits; anything else can key no record and names no account to list (the handler acknowledges it).
  if (!GRAPH_ID.test(webhook.data.businessAccountId)) {
    throw new BadRequestError('invalid_business_account_id', 'businessAccountId must be a WhatsApp Business Account id (1 to 32 digits)');
  }
  const recordedAt = () => new Date(deps.now()).toISOString();
  const published: DomainEvent[] = [];
  const applyAccount = async (fact: AccountHealthFact | undefined) => {
    if (fact === undefined) return;
    const result = await deps.store.applyAccountFact(fact, recordedAt());
    if (result.outcome === 'changed') await publish(healthDomainEvents(result.events));
  };
  const applyNumber = async (fact: NumberHealthFact) => {
    const result = await deps.store.applyNumberFact(fact, recordedAt());
    if (result.outcome === 'changed') await publish(healthDomainEvents(result.events));
  };
  const publish = async (events: readonly DomainEvent[]) => {
    if (events.length === 0) return;
    await deps.publish(events);
    published.push(...events);
  };

  switch (webhook.detailType) {
    case 'AccountUpdated':
      await applyAccount(factFromAccountUpdated(webhook.data, at));
      return { refresh: { outcome: 'skipped' }, published };
    case 'BusinessCapabilityChanged':
      await applyAccount(factFromBusinessCapabilityChanged(webhook.data, at));
      return { refresh: { outcome: 'skipped' }, published };
    case 'PhoneNumberQualityChanged': {
      const data = webhook.data;
      const waba = data.businessAccountId;
      let phoneNumberId = await deps.numbers.phoneNumberIdOf(waba, data.displayPhoneNumber);
      const webhookFacts = (id: string) => factsFromPhoneNumberQualityChanged(data, { phoneNumberId: id, at });
      if (phoneNumberId === undefined) {
        // The portfolio's limit does not depend on which number the webhook names.
        await applyAccount(accountFactFromPhoneNumberQualityChanged(data, at));
      } else {
        const facts = webhookFacts(phoneNumberId);
        await applyAccount(facts.account);
        await applyNumber(facts.number);
      }
      const digits = displayDigitsOf(data.displayPhoneNumber);
      const refresh = await refreshFromListing(waba, async (listed) => {
        if (phoneNumberId === undefined && digits !== undefined && displayDigitsOf(listed.displayPhoneNumber) === digits) {
          // First heard of through the listing: the webhook's own facts, at Meta's time, before the listing's.
          phoneNumberId = listed.id;
          await applyNumber(webhookFacts(listed.id).number);
        }
      });
      return { ...outcomeOf(phoneNumberId), refresh, published };
    }
    case 'HealthRefreshRequested':
      return { refresh: await refreshFromListing(webhook.data.businessAccountId, async () => undefined), published };
  }

  /**
   * Reads Meta's listing of the account's numbers (every page), remembers each number's display number and applies
   * what the listing says of it at Relais's clock; `before` runs for each number first.
   */
  async function refreshFromListing(waba: string, before: (listed: GraphPhoneNumber) => Promise<void>): Promise<TrackHealthResult['refresh']> {
    if (deps.graph === undefined) return { outcome: 'skipped' };
    const listing = await listAll(deps.graph, waba);
    if (!listing.ok) {
      if (isRetryable(listing.error)) throw new HealthRefreshRetryableError(listing.error);
      return { outcome: 'failed', problem: describeGraphError(listing.error) };
    }
    const readAt = recordedAt();
    for (const listed of listing.numbers) {
      await deps.numbers.remember(listed.id, waba, listed.displayPhoneNumber);
      await before(listed);
      const facts = factsFromListedPhoneNumber(listed, { businessAccountId: waba, at: readAt });
      await applyAccount(facts.account);
      await applyNumber(facts.number);
    }
    return { outcome: 'read', numbers: listing.numbers.length };
  }
}

function outcomeOf(phoneNumberId: string | undefined): Pick<TrackHealthResult, 'phoneNumberId' | 'numberUnresolved'> {
  return phoneNumberId === undefined ? { numberUnresolved: true } : { phoneNumberId };
}

async function listAll(
  graph: GraphPhoneNumbers,
  waba: string,
): Promise<{ ok: true; numbers: readonly GraphPhoneNumber[] } | { ok: false; error: GraphTemplateError }> {
  const numbers: GraphPhoneNumber[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_LISTING_PAGES; page++) {
    const answer = await graph.listPhoneNumbers(waba, after === undefined ? {} : { after });
    if (!answer.ok) return answer;
    numbers.push(...answer.value.numbers);
    after = answer.value.after;
    if (after === undefined) break;
  }
  return { ok: true, numbers };
}

function isRetryable(error: GraphTemplateError): boolean {
  if (error.kind !== 'meta') return true;
  if (error.httpStatus >= 500 || error.httpStatus === 429) return true;
  return error.code !== undefined && RETRYABLE_GRAPH_CODES.has(error.code);
}

function describeGraphError(error: GraphTemplateError): string {
  const code = error.code === undefined ? '' : ` code ${error.code}${error.subcode === undefined ? '' : `/${error.subcode}`}`;
  return `${error.kind}, HTTP ${error.httpStatus}${code}${error.title === undefined ? '' : `: ${error.title}`}`;
}
