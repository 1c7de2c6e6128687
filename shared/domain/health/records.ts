/**
 * Records of number and account health, and the facts Meta states about them (issue 9, item 6).
 *
 * Design note for the wiring session:
 * - Facts come from the ingestion events `PhoneNumberQualityChanged`, `BusinessCapabilityChanged` and
 *   `AccountUpdated` (mappers in `./facts-from-events.ts`) and, later, from a Graph API read of the phone number
 *   (`quality_rating`, `throughput.level`, `status`), given to {@link NumberHealthFact} directly.
 * - `applyNumberHealthFact` / `applyAccountHealthFact` (`./apply-health-fact.ts`) are pure and return the next record
 *   and the derived events (`shared/contracts/events/health.ts`); `HealthStore.apply*` stores them with a
 *   conditional write on `version` and returns the same result, so a consumer publishes `events` only for
 *   `changed` outcomes (event ids from the record and its version, as the template registry does).
 * - `decideSend` (`./send-decision.ts`) is the send-time check: one GetItem of the account record per send
 *   (cacheable for seconds: a restriction arrives by webhook and Meta refuses anyway).
 * - `numberHealthView` (`./number-view.ts`) joins a number's record with its account's for the read API (item 7)
 *   and the pacing (its `throughputMps`, 80 until Meta says otherwise). The messaging-limit tier is the portfolio's,
 *   so it is kept on the account record (both webhooks that carry it name the WABA) and shown on the view.
 * - Gap: `phone_number_quality_update` names the number by `display_phone_number` only (its entry is the WABA), so
 *   the consumer must resolve it to the phone number id (the Graph API's `/{waba}/phone_numbers`) before applying.
 *
 * Items: `HEALTH#<phoneNumberId>` and `HEALTH#ACCOUNT#<waba>`, sk `HEALTH`, on the state table
 * (`shared/adapters/health-store.ts`); they do not clash with `NUMBER#<phoneNumberId>` of the number registry.
 */

/** Quality ratings Meta gives a phone number; any other value Meta sends is kept as given (upper case). */
export const QUALITY_RATINGS = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'] as const;
export type QualityRating = (typeof QUALITY_RATINGS)[number];

/**
 * Throughput levels in messages per second: 80 by default, 1,000 after Meta's automatic upgrade, 20 fixed for
 * coexistence numbers (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput).
 */
export const THROUGHPUT_MPS = Object.freeze({ standard: 80, upgraded: 1000, coexistence: 20 });

/** Meta's time of the latest fact applied to each aspect (ISO 8601); an older fact changes nothing for it. */
export interface NumberHealthAsOf {
  readonly quality?: string;
  readonly throughput?: string;
  readonly status?: string;
  readonly event?: string;
}

/** What Relais knows of one business phone number's health. */
export interface NumberHealth {
  readonly phoneNumberId: string;
  readonly businessAccountId?: string;
  /** `GREEN`, `YELLOW`, `RED`, `UNKNOWN`, or a value Meta added since (kept upper case). */
  readonly quality?: string;
  /** Messages per second the number may send ({@link THROUGHPUT_MPS}); feeds the pacing of that number. */
  readonly throughputMps?: number;
  /** Meta's status of the number (`CONNECTED`, `FLAGGED`, `RESTRICTED`, …), as given. */
  readonly status?: string;
  /** The latest `phone_number_quality_update` event (`ONBOARDING`, `THROUGHPUT_UPGRADE`, unknown ones too). */
  readonly lastEvent?: string;
  readonly asOf: NumberHealthAsOf;
  /** Grows by one with every stored change; the store's conditional writes compare it. */
  readonly version: number;
  /** Relais's clock at the last change (ISO 8601). */
  readonly updatedAt: string;
}

/** One restriction Meta placed on an account (`account_update` `ACCOUNT_RESTRICTION`, `restriction_info[]`). */
export interface AccountRestriction {
  /** e.g. `RESTRICTED_BIZ_INITIATED_MESSAGING`; unknown types are kept. */
  readonly type: string;
  /** When Meta said it ends (ISO 8601); absent when Meta gave no (readable) expiration. */
  readonly expiresAt?: string;
}

export interface AccountHealthAsOf {
  readonly restrictions?: string;
  readonly violation?: string;
  readonly messagingLimit?: string;
}

/** What Relais knows of one WhatsApp Business Account's standing. */
export interface AccountHealth {
  readonly businessAccountId: string;
  /** Restrictions as the latest `ACCOUNT_RESTRICTION` listed them (expired ones too: the decision reads the time). */
  readonly restrictions: readonly AccountRestriction[];
  /** `violation_info.violation_type` of the latest `ACCOUNT_VIOLATION`. */
  readonly violationType?: string;
  /**
   * The portfolio's messaging limit (`TIER_250`, `TIER_2K`, …, `TIER_UNLIMITED`, or a number of users as Meta's
   * `max_daily_conversations_per_business` gives it), as given.
   */
  readonly messagingLimitTier?: string;
  /** Every other `account_update` event seen (`DISABLED_UPDATE`, `PARTNER_ADDED`, unknown ones…) with Meta's latest time. */
  readonly events: Readonly<Record<string, string>>;
  readonly asOf: AccountHealthAsOf;
  readonly version: number;
  readonly updatedAt: string;
}

/**
 * A fact about a number: each field present is one aspect, judged by `at` (Meta's time, ISO 8601) against that
 * aspect's time in the record.
 */
export interface NumberHealthFact {
  readonly at: string;
  readonly phoneNumberId: string;
  readonly businessAccountId?: string;
  readonly quality?: string;
  readonly throughputMps?: number;
  readonly status?: string;
  readonly event?: string;
}

/** A fact about an account; each field present is one aspect, as in {@link NumberHealthFact}. */
export interface AccountHealthFact {
  readonly at: string;
  readonly businessAccountId: string;
  /** Meta's `account_update` event, when the fact came from one. */
  readonly event?: string;
  /** The full list of restrictions now in place (an `ACCOUNT_RESTRICTION`'s `restriction_info`). */
  readonly restrictions?: readonly AccountRestriction[];
  readonly violationType?: string;
  readonly messagingLimitTier?: string;
}

/** Why a fact changed nothing. */
export type HealthUnchangedWhy = 'duplicate' | 'stale' | 'unsupported';

/** What applying a fact gives: the next record and the events to publish, or why nothing changed. */
export type HealthApplyResult<R, E> =
  | { readonly outcome: 'changed'; readonly record: R; readonly events: readonly E[] }
  | { readonly outcome: 'unchanged'; readonly why: HealthUnchangedWhy; readonly record: R | undefined };
