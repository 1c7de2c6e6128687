import { z } from 'zod';

import { limitTier, MESSAGING_LIMITS, type MessagingLimit, type QualityRating, type Restriction } from './account.js';
import { ControlInputError, parseControlInput } from './control-input.js';
import type { SandboxState } from './state.js';
import { send, type WebhookOutcome } from './template-control.js';
import type { PhoneNumberDef } from './types.js';

/**
 * Meta's account side, played by the control API: a number's quality and throughput, the portfolio's
 * messaging limit, and account restrictions. Each call changes what the sandbox reports (`GET /{phoneNumberId}`
 * shows `quality_rating`, `throughput.level` and `whatsapp_business_manager_messaging_limit`; a throughput
 * upgrade lets the number send 1,000 messages per second) and sends Relais Meta's signed webhook
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update,
 * …/business_capability_update, …/account_update).
 */

const upper = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(values));

/** `event` of `phone_number_quality_update`: the current ones, and the pre-October-2025 ones Relais must still read. */
export const PHONE_QUALITY_EVENTS = ['ONBOARDING', 'THROUGHPUT_UPGRADE', 'FLAGGED', 'UNFLAGGED', 'DOWNGRADE', 'UPGRADE'] as const;
const LIMIT_TIERS = ['TIER_50', 'TIER_250', 'TIER_1K', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_NOT_SET', 'TIER_UNLIMITED'] as const;
/** Restriction types of `account_update` ACCOUNT_RESTRICTION. */
export const RESTRICTION_TYPES = ['RESTRICTED_ADD_PHONE_NUMBER_ACTION', 'RESTRICTED_BIZ_INITIATED_MESSAGING', 'RESTRICTED_CUSTOMER_INITIATED_MESSAGING'] as const;
/** Messages per second of each throughput level (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput). */
const HIGH_THROUGHPUT_PER_SECOND = 1000;

const PhoneQualitySchema = z.strictObject({
  event: upper(PHONE_QUALITY_EVENTS),
  qualityRating: upper(['GREEN', 'YELLOW', 'RED', 'UNKNOWN']).optional(),
  currentLimit: upper(LIMIT_TIERS).optional(),
  oldLimit: upper(LIMIT_TIERS).optional(),
});

const MessagingLimitSchema = z.union(
  [z.literal(250), z.literal(2000), z.literal(10000), z.literal(100000), z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.literal('UNLIMITED'))],
  { error: `must be one of ${MESSAGING_LIMITS.join(', ')}` },
);

const CapabilitySchema = z
  .strictObject({
    messagingLimit: MessagingLimitSchema.optional(),
    maxPhoneNumbersPerBusiness: z.number().int().min(1).optional(),
    maxPhoneNumbersPerWaba: z.number().int().min(1).optional(),
    throughput: z.strictObject({ phoneNumberId: z.string().min(1).optional(), level: z.literal('HIGH', { error: 'Meta only upgrades throughput: level must be HIGH' }) }).optional(),
  })
  .refine((c) => c.messagingLimit !== undefined || c.throughput !== undefined, { message: 'give messagingLimit, throughput or both', path: ['messagingLimit'] });

const RestrictionSchema = z.strictObject({
  restrictions: z
    .array(z.strictObject({ type: upper(RESTRICTION_TYPES), expiration: z.number().int().positive().optional() }))
    .min(1, 'give at least one restriction'),
});

export interface AccountChangeResult {
  readonly webhooks: WebhookOutcome[];
}

/** `POST /_sandbox/phone-numbers/{phoneNumberId}/quality`: sends `phone_number_quality_update`. */
export async function changePhoneQuality(state: SandboxState, phoneNumberId: string, input: unknown): Promise<AccountChangeResult & { phoneNumber: NumberHealth }> {
  const number = knownNumber(state, phoneNumberId);
  const change = parseControlInput(PhoneQualitySchema, input);
  if (change.qualityRating !== undefined) state.account.setQuality(number.id, change.qualityRating as QualityRating);
  const webhook = await qualityWebhook(state, number, change.event, change.currentLimit, change.oldLimit);
  return { phoneNumber: health(state, number), webhooks: [webhook] };
}

/**
 * `POST /_sandbox/account/capability`: a new messaging limit (`business_capability_update`) and/or a number's
 * throughput upgrade (`phone_number_quality_update` with `THROUGHPUT_UPGRADE`).
 */
export async function changeCapability(state: SandboxState, input: unknown): Promise<AccountChangeResult & { messagingLimit: MessagingLimit }> {
  const change = parseControlInput(CapabilitySchema, input);
  const webhooks: WebhookOutcome[] = [];
  if (change.messagingLimit !== undefined) {
    state.account.messagingLimit = change.messagingLimit as MessagingLimit;
    const value = {
      max_daily_conversations_per_business: change.messagingLimit,
      ...(change.maxPhoneNumbersPerBusiness === undefined ? {} : { max_phone_numbers_per_business: change.maxPhoneNumbersPerBusiness }),
      ...(change.maxPhoneNumbersPerWaba === undefined ? {} : { max_phone_numbers_per_waba: change.maxPhoneNumbersPerWaba }),
    };
    webhooks.push(await send(state, 'business_capability_update', value, 'capability'));
  }
  if (change.throughput !== undefined) {
    const number = change.throughput.phoneNumberId === undefined ? state.defaultNumber() : knownNumber(state, change.throughput.phoneNumberId, 'throughput.phoneNumberId');
    webhooks.push(await qualityWebhook(state, number, 'THROUGHPUT_UPGRADE', undefined, undefined));
  }
  return { messagingLimit: state.account.messagingLimit, webhooks };
}

/** `POST /_sandbox/account/restriction`: sends `account_update` with `ACCOUNT_RESTRICTION` and its `restriction_info`. */
export async function restrictAccount(state: SandboxState, input: unknown): Promise<AccountChangeResult & { restrictions: Restriction[] }> {
  const change = parseControlInput(RestrictionSchema, input);
  const nowSeconds = Math.floor(state.clock() / 1000);
  const restrictions = change.restrictions.map((r) => ({ type: r.type, expiration: r.expiration ?? nowSeconds + 24 * 3600 }));
  state.account.restrictions = restrictions;
  const value = {
    event: 'ACCOUNT_RESTRICTION',
    restriction_info: restrictions.map((r) => ({ restriction_type: r.type, expiration: r.expiration })),
  };
  return { restrictions, webhooks: [await send(state, 'account_update', value, 'account:ACCOUNT_RESTRICTION')] };
}

export interface NumberHealth {
  readonly id: string;
  readonly qualityRating: string;
  readonly throughputLevel: string;
}

function health(state: SandboxState, number: PhoneNumberDef): NumberHealth {
  return { id: number.id, qualityRating: state.account.qualityOf(number.id), throughputLevel: state.account.throughputOf(number.id) };
}

async function qualityWebhook(
  state: SandboxState,
  number: PhoneNumberDef,
  event: (typeof PHONE_QUALITY_EVENTS)[number],
  currentLimit: string | undefined,
  oldLimit: string | undefined,
): Promise<WebhookOutcome> {
  if (event === 'THROUGHPUT_UPGRADE') {
    state.account.setThroughput(number.id, 'HIGH');
    state.limiter.setThroughput(number.id, HIGH_THROUGHPUT_PER_SECOND);
  }
  const tier = limitTier(state.account.messagingLimit);
  const value = {
    display_phone_number: number.displayPhoneNumber,
    event,
    ...(oldLimit === undefined ? {} : { old_limit: oldLimit }),
    current_limit: currentLimit ?? tier,
    max_daily_conversations_per_business: tier,
  };
  return send(state, 'phone_number_quality_update', value, `phone_quality:${event}`);
}

function knownNumber(state: SandboxState, id: string, field = 'phoneNumberId'): PhoneNumberDef {
  const number = state.number(id);
  if (number === undefined) {
    throw new ControlInputError(field, `${field}: ${id} is not one of the sandbox's numbers (${state.config.phoneNumbers.map((n) => n.id).join(', ')})`);
  }
  return number;
}
