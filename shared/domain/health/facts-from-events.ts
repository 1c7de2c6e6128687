import type { z } from 'zod';

import type {
  AccountUpdatedSchema,
  BusinessCapabilityChangedSchema,
  PhoneNumberQualityChangedSchema,
} from '../../contracts/events/ingestion.js';
import { parseMessagingLimitTier } from '../sending/messaging-limit.js';
import { THROUGHPUT_MPS, type AccountHealthFact, type AccountRestriction, type NumberHealthFact } from './records.js';

/**
 * Health facts from the ingestion events (`data` as published, `at` = Meta's time of the webhook, the event's
 * `metadata.occurredAt`). Meta's payloads: section 2.3 of the webhook references,
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update,
 * .../business_capability_update and .../account_update.
 */

type PhoneNumberQualityChanged = z.infer<typeof PhoneNumberQualityChangedSchema>;
type BusinessCapabilityChanged = z.infer<typeof BusinessCapabilityChangedSchema>;
type AccountUpdated = z.infer<typeof AccountUpdatedSchema>;

/**
 * The messaging-limit tier as one spelling, whichever field gave it, read by the sender's one table of tiers
 * (`parseMessagingLimitTier`): `2000`, `"2,000"` and `TIER_2K` all give `TIER_2K`, `UNLIMITED` gives
 * `TIER_UNLIMITED`. A value Meta adds (`TIER_NOT_SET`, a new tier) is kept upper case, so the record shows what Meta
 * said. `undefined` for nothing.
 */
export function messagingLimitTierOf(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = String(value).trim().toUpperCase();
  if (v === '') return undefined;
  const parsed = parseMessagingLimitTier(v);
  return parsed.ok ? parsed.tier.name : v;
}

/**
 * What a `phone_number_quality_update` says: its event for the number (`THROUGHPUT_UPGRADE` also sets 1,000 msg/s)
 * and, when it names one, the portfolio's messaging limit for the account. The webhook names the number by its
 * display number only, so the caller gives the phone number id it resolved.
 */
export function factsFromPhoneNumberQualityChanged(
  data: PhoneNumberQualityChanged,
  { phoneNumberId, at }: { phoneNumberId: string; at: string },
): { number: NumberHealthFact; account?: AccountHealthFact } {
  const event = data.event.trim().toUpperCase();
  const number: NumberHealthFact = {
    at,
    phoneNumberId,
    businessAccountId: data.businessAccountId,
    event,
    ...(event === 'THROUGHPUT_UPGRADE' ? { throughputMps: THROUGHPUT_MPS.upgraded } : {}),
  };
  const account = accountFactFromPhoneNumberQualityChanged(data, at);
  return account === undefined ? { number } : { number, account };
}

/** The portfolio's messaging limit a `phone_number_quality_update` names, whichever number it is about; else `undefined`. */
export function accountFactFromPhoneNumberQualityChanged(data: PhoneNumberQualityChanged, at: string): AccountHealthFact | undefined {
  const tier = messagingLimitTierOf(data.maxDailyConversationsPerBusiness ?? data.currentLimit);
  return tier === undefined ? undefined : { at, businessAccountId: data.businessAccountId, messagingLimitTier: tier };
}

/** The portfolio's messaging limit from a `business_capability_update`, or `undefined` when it names none. */
export function factFromBusinessCapabilityChanged(data: BusinessCapabilityChanged, at: string): AccountHealthFact | undefined {
  const tier = messagingLimitTierOf(data.maxDailyConversationsPerBusiness);
  return tier === undefined ? undefined : { at, businessAccountId: data.businessAccountId, messagingLimitTier: tier };
}

/**
 * The fact of an `account_update`: always its event; for `ACCOUNT_RESTRICTION` the full list of
 * `restriction_info[]` (`restriction_type`, `expiration` in unix seconds, a numeric string or ISO 8601; entries
 * without a type are skipped); for `ACCOUNT_VIOLATION` `violation_info.violation_type`. Anything else Meta sends
 * is kept only as the event name and its time.
 */
export function factFromAccountUpdated(data: AccountUpdated, at: string): AccountHealthFact {
  const event = data.event.trim().toUpperCase();
  const fact: { -readonly [K in keyof AccountHealthFact]: AccountHealthFact[K] } = { at, businessAccountId: data.businessAccountId, event };
  if (event === 'ACCOUNT_RESTRICTION') {
    const info = data.details['restriction_info'];
    const entries = Array.isArray(info) ? info : info !== null && typeof info === 'object' ? [info] : [];
    fact.restrictions = entries.flatMap((entry): AccountRestriction[] => {
      if (entry === null || typeof entry !== 'object') return [];
      const type = (entry as Record<string, unknown>)['restriction_type'];
      if (typeof type !== 'string' || type.trim() === '') return [];
      const expiresAt = timeOf((entry as Record<string, unknown>)['expiration']);
      return [{ type: type.trim().toUpperCase(), ...(expiresAt === undefined ? {} : { expiresAt }) }];
    });
  }
  if (event === 'ACCOUNT_VIOLATION') {
    const info = data.details['violation_info'];
    const type = info !== null && typeof info === 'object' ? (info as Record<string, unknown>)['violation_type'] : undefined;
    if (typeof type === 'string' && type.trim() !== '') fact.violationType = type;
  }
  return fact;
}

const LAST_ISO_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Unix seconds (number or digits) or an ISO 8601 string, as ISO 8601; `undefined` when unreadable or outside years 1970 to 9999. */
function timeOf(value: unknown): string | undefined {
  const ms =
    typeof value === 'number' ? value * 1000
    : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000
    : typeof value === 'string' ? Date.parse(value)
    : Number.NaN;
  // ISO 8601 as events carry it has four-digit years: a time before 1970 or after 9999 is no expiration Meta meant.
  if (!Number.isFinite(ms) || ms < 0 || ms > LAST_ISO_TIME) return undefined;
  return new Date(ms).toISOString();
}

/** A number as Meta's `GET /{waba-id}/phone_numbers` lists it (the fields the health records keep). */
export interface ListedPhoneNumber {
  readonly id: string;
  readonly qualityRating?: string;
  /** `throughput.level`. */
  readonly throughputLevel?: string;
  readonly status?: string;
  /** `whatsapp_business_manager_messaging_limit`. */
  readonly messagingLimitTier?: string;
}

/**
 * Messages per second of Meta's `throughput.level`: `STANDARD` 80, `HIGH` 1,000
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput). `NOT_APPLICABLE` and levels
 * Meta adds give `undefined`: the record keeps what it had.
 */
export function throughputMpsOfLevel(level: string | undefined): number | undefined {
  switch (level?.trim().toUpperCase()) {
    case 'STANDARD':
      return THROUGHPUT_MPS.standard;
    case 'HIGH':
      return THROUGHPUT_MPS.upgraded;
    default:
      return undefined;
  }
}

/**
 * What Meta's listing says of one number, read at `at` (Relais's clock when the answer came: the listing carries no
 * time of its own), for the account `businessAccountId`: its quality rating, throughput and status, and the
 * portfolio's messaging limit when listed.
 */
export function factsFromListedPhoneNumber(
  listed: ListedPhoneNumber,
  { businessAccountId, at }: { businessAccountId: string; at: string },
): { number: NumberHealthFact; account?: AccountHealthFact } {
  const mps = throughputMpsOfLevel(listed.throughputLevel);
  const number: NumberHealthFact = {
    at,
    phoneNumberId: listed.id,
    businessAccountId,
    ...(listed.qualityRating === undefined ? {} : { quality: listed.qualityRating }),
    ...(mps === undefined ? {} : { throughputMps: mps }),
    ...(listed.status === undefined ? {} : { status: listed.status }),
  };
  const tier = messagingLimitTierOf(listed.messagingLimitTier);
  return tier === undefined ? { number } : { number, account: { at, businessAccountId, messagingLimitTier: tier } };
}
