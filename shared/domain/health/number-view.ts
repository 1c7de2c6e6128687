import type { AccountHealth, AccountRestriction, NumberHealth } from './records.js';
import { THROUGHPUT_MPS } from './records.js';

/** One number's health as an operator and the pacing read it: the number's record joined with its account's. */
export interface NumberHealthView {
  readonly phoneNumberId: string;
  readonly businessAccountId?: string;
  /** `UNKNOWN` until Meta said something. */
  readonly quality: string;
  /** Messages per second to pace the number at: 80 (Meta's default) until Meta said otherwise. */
  readonly throughputMps: number;
  readonly status?: string;
  /** The portfolio's messaging limit, from the account record. */
  readonly messagingLimitTier?: string;
  /** The account's restrictions not expired at `now`. */
  readonly restrictionsInEffect: readonly AccountRestriction[];
}

/**
 * Joins a number's health with its account's at `now` (ISO 8601). Either record may be missing: a number Relais
 * has heard nothing of is paced at Meta's default 80 msg/s
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput). Pure.
 */
export function numberHealthView(
  phoneNumberId: string,
  number: NumberHealth | undefined,
  account: AccountHealth | undefined,
  now: string,
): NumberHealthView {
  const nowMs = Date.parse(now);
  if (!Number.isFinite(nowMs)) throw new RangeError(`numberHealthView: now is not a time: ${now}`);
  const businessAccountId = number?.businessAccountId ?? account?.businessAccountId;
  return {
    phoneNumberId,
    ...(businessAccountId === undefined ? {} : { businessAccountId }),
    quality: number?.quality ?? 'UNKNOWN',
    throughputMps: number?.throughputMps ?? THROUGHPUT_MPS.standard,
    ...(number?.status === undefined ? {} : { status: number.status }),
    ...(account?.messagingLimitTier === undefined ? {} : { messagingLimitTier: account.messagingLimitTier }),
    restrictionsInEffect: (account?.restrictions ?? []).filter((r) => r.expiresAt === undefined || Date.parse(r.expiresAt) > nowMs),
  };
}
