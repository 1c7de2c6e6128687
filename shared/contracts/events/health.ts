import { z } from 'zod';

/**
 * `data` of the events number and account health derive from Meta's facts (issue 9, item 6), published by the
 * HealthActivity consumer (`shared/usecases/track-health.ts`). Each is derived from one stored change
 * (`shared/domain/health/apply-health-fact.ts`), so its event id is built from the record key and version
 * (`shared/domain/health/health-events.ts`).
 *
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/account_update
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput
 */

const NumberRef = {
  phoneNumberId: z.string().min(1),
  businessAccountId: z.string().min(1).optional(),
  /** The health record's version after the change. */
  version: z.number().int().positive(),
  /** Meta's time of the fact (ISO 8601). */
  at: z.iso.datetime(),
};

const AccountRef = {
  businessAccountId: z.string().min(1),
  version: z.number().int().positive(),
  at: z.iso.datetime(),
};

export const PhoneNumberQualityDowngradedSchema = z
  .object({ ...NumberRef, previousQuality: z.enum(['GREEN', 'YELLOW']), quality: z.enum(['YELLOW', 'RED']) })
  .describe("A business phone number's quality rating fell (GREEN → YELLOW → RED): review the templates it sends.");
export type PhoneNumberQualityDowngraded = z.infer<typeof PhoneNumberQualityDowngradedSchema>;

export const PhoneNumberThroughputChangedSchema = z
  .object({ ...NumberRef, previousMps: z.number().int().positive().optional(), mps: z.number().int().positive() })
  .describe('A business phone number may now send this many messages per second (80, 1,000, or 20 for coexistence).');
export type PhoneNumberThroughputChanged = z.infer<typeof PhoneNumberThroughputChangedSchema>;

export const AccountRestrictedSchema = z
  .object({
    ...AccountRef,
    /** e.g. `RESTRICTED_BIZ_INITIATED_MESSAGING`. */
    restrictionType: z.string().min(1),
    /** When Meta said it ends; absent when Meta gave none. */
    expiresAt: z.iso.datetime().optional(),
  })
  .describe('Meta restricted the WhatsApp Business Account (e.g. business-initiated messages), until a date when given.');
export type AccountRestricted = z.infer<typeof AccountRestrictedSchema>;

export const AccountRestrictionLiftedSchema = z
  .object({ ...AccountRef, restrictionType: z.string().min(1), expiresAt: z.iso.datetime().optional() })
  .describe("Meta's latest account_update no longer lists a restriction the account had.");
export type AccountRestrictionLifted = z.infer<typeof AccountRestrictionLiftedSchema>;

export const MessagingLimitChangedSchema = z
  .object({ ...AccountRef, previousTier: z.string().min(1).optional(), tier: z.string().min(1) })
  .describe("The business portfolio's messaging limit changed (TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED).");
export type MessagingLimitChanged = z.infer<typeof MessagingLimitChangedSchema>;

export const HealthRefreshRequestedSchema = z
  .object({ businessAccountId: z.string().regex(/^\d{1,32}$/, { error: 'must be the WhatsApp Business Account id, digits only' }) })
  .describe("Input: read Meta's phone number listing of this WhatsApp Business Account now (quality rating, throughput, status, messaging limit). Relais's schedule sends it per account; any service may.");
export type HealthRefreshRequested = z.infer<typeof HealthRefreshRequestedSchema>;

/** The detail-types of the health events, as constants for producers, consumers and rule patterns. */
export const HealthDetailType = {
  PhoneNumberQualityDowngraded: 'PhoneNumberQualityDowngraded',
  PhoneNumberThroughputChanged: 'PhoneNumberThroughputChanged',
  AccountRestricted: 'AccountRestricted',
  AccountRestrictionLifted: 'AccountRestrictionLifted',
  MessagingLimitChanged: 'MessagingLimitChanged',
} as const;

/** A derived number-health event, tagged by its detail-type. */
export type NumberHealthEvent =
  | { readonly detailType: typeof HealthDetailType.PhoneNumberQualityDowngraded; readonly data: PhoneNumberQualityDowngraded }
  | { readonly detailType: typeof HealthDetailType.PhoneNumberThroughputChanged; readonly data: PhoneNumberThroughputChanged };

/** A derived account-health event, tagged by its detail-type. */
export type AccountHealthEvent =
  | { readonly detailType: typeof HealthDetailType.AccountRestricted; readonly data: AccountRestricted }
  | { readonly detailType: typeof HealthDetailType.AccountRestrictionLifted; readonly data: AccountRestrictionLifted }
  | { readonly detailType: typeof HealthDetailType.MessagingLimitChanged; readonly data: MessagingLimitChanged };

/** Each health event's `data` schema by detail-type, spread into the registry (`registry.ts`). */
export const HEALTH_EVENT_SCHEMAS = {
  [HealthDetailType.PhoneNumberQualityDowngraded]: PhoneNumberQualityDowngradedSchema,
  [HealthDetailType.PhoneNumberThroughputChanged]: PhoneNumberThroughputChangedSchema,
  [HealthDetailType.AccountRestricted]: AccountRestrictedSchema,
  [HealthDetailType.AccountRestrictionLifted]: AccountRestrictionLiftedSchema,
  [HealthDetailType.MessagingLimitChanged]: MessagingLimitChangedSchema,
  HealthRefreshRequested: HealthRefreshRequestedSchema,
} as const;
