/**
 * Meta's messaging limit: how many unique users a business portfolio may reach with business-initiated messages
 * (templates) outside the customer service window over a moving 24 h, shared by all the portfolio's numbers.
 * Tiers 250 / 2,000 / 10,000 / 100,000 / unlimited.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits
 *
 * Design note (wired: the sender asks before each send, `shared/usecases/send-message.ts` step 3):
 * - The sender, before Meta, asks `MessagingLimitStore.admit` (shared/ports/messaging-limit-store.ts) with the
 *   portfolio, the recipient, whether the message is a template, whether the recipient's window is open, the
 *   portfolio's tier (`parseMessagingLimitTier` of `whatsapp_business_manager_messaging_limit` or of
 *   `business_capability_update.max_daily_conversations_per_business`) and the time.
 * - `allow` sends; `crossings` are the `MessagingLimitApproaching` / `MessagingLimitReached` events to publish
 *   (exactly one send sees each crossing, see `countBand`). `defer` puts the message back on the queue until
 *   `until` (never a failure: the window moves and room comes back). SQS delays are at most 15 min, so a later
 *   `until` means re-deferring in steps.
 * - Thresholds follow the tier at the send: after a downgrade that leaves the count above 80 % no send crosses, so
 *   nothing is reported; after an upgrade the next crossing of the new tier's 80 % is reported again.
 * - Unlimited tiers still count users (nothing is deferred), so the count is right if the tier ever falls back.
 * - The count is kept in time buckets (`DEFAULT_LIMIT_BUCKET_MS`); a bucket stays in the window until its END is
 *   24 h old, so the count may be over Meta's by the users of one bucket, for at most one bucket's length: Relais
 *   defers a little early, never late.
 */
import { createHash } from 'node:crypto';

/** Meta's moving window: 24 h. */
export const MESSAGING_LIMIT_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Share of the limit at which `MessagingLimitApproaching` is reported. */
export const APPROACHING_SHARE = 0.8;

/** Length of one counting bucket: the count's over-count lasts at most this long. @default 10 min */
export const DEFAULT_LIMIT_BUCKET_MS = 10 * 60 * 1000;

/**
 * Meta's tier names, as `whatsapp_business_manager_messaging_limit` and `phone_number_quality_update` give them;
 * `TIER_50` and `TIER_1K` are Meta's older tiers, still sent by accounts that have not moved to the portfolio limits.
 */
export type MessagingLimitTierName = 'TIER_50' | 'TIER_250' | 'TIER_1K' | 'TIER_2K' | 'TIER_10K' | 'TIER_100K' | 'TIER_UNLIMITED';

/** A portfolio's messaging limit; `limit` is `null` when unlimited. */
export interface MessagingLimitTier {
  readonly name: MessagingLimitTierName;
  readonly limit: number | null;
}

const TIERS: Readonly<Record<MessagingLimitTierName, number | null>> = {
  TIER_50: 50,
  TIER_250: 250,
  TIER_1K: 1000,
  TIER_2K: 2000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: null,
};

/** A tier read from Meta's value, or the problem with the value. */
export type TierParse = { readonly ok: true; readonly tier: MessagingLimitTier } | { readonly ok: false; readonly problem: string };

/**
 * Reads a tier from either of Meta's spellings: the tier names (`TIER_2K`…) or
 * `max_daily_conversations_per_business` (`2000`, `"10000"`, `"100,000"`, `"UNLIMITED"`). The one table of tiers
 * in Relais: the health records' `messagingLimitTierOf` spells tiers through it. Anything else (`TIER_NOT_SET`, a
 * tier Meta adds) is a problem value, never a throw: a new tier from Meta must not stop the sender.
 */
export function parseMessagingLimitTier(value: unknown): TierParse {
  if (typeof value === 'string') {
    const text = value.trim().toUpperCase().replace(/^(\d{1,3})(,\d{3})+$/, (digits) => digits.replaceAll(',', ''));
    if (Object.hasOwn(TIERS, text)) return tier(text as MessagingLimitTierName);
    if (text === 'UNLIMITED') return tier('TIER_UNLIMITED');
    if (/^\d{1,7}$/.test(text)) return parseMessagingLimitTier(Number(text));
  }
  if (typeof value === 'number') {
    const name = (Object.keys(TIERS) as MessagingLimitTierName[]).find((n) => TIERS[n] === value);
    if (name !== undefined) return tier(name);
  }
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value === 'number' ? String(value) : typeof value;
  return { ok: false, problem: `unknown messaging limit tier ${shown}: expected TIER_50, TIER_250, TIER_1K, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED, 50, 250, 1000, 2000, 10000, 100000 or UNLIMITED` };
}

function tier(name: MessagingLimitTierName): TierParse {
  return { ok: true, tier: { name, limit: TIERS[name] } };
}

/** What decides whether a send counts towards the limit. */
export interface LimitedSend {
  /** Only template messages are business-initiated. */
  readonly isTemplate: boolean;
  /** The recipient's customer service window is open at the send. */
  readonly windowOpen: boolean;
  /** When the recipient was last counted for the portfolio (epoch ms), if ever. */
  readonly lastCountedAt?: number | undefined;
}

/**
 * Whether the send adds a unique user: a template, outside the window, to a user not counted in the last 24 h.
 * A user counted exactly 24 h ago has left the window and counts again.
 */
export function countsTowardLimit(send: LimitedSend, now: number): boolean {
  if (!send.isTemplate || send.windowOpen) return false;
  return send.lastCountedAt === undefined || now - send.lastCountedAt >= MESSAGING_LIMIT_WINDOW_MS;
}

/** When users counted in the window leave it: `count` of them at `at` (epoch ms), earliest first. */
export interface AgeOut {
  readonly at: number;
  readonly count: number;
}

/** The portfolio's unique users in the moving window, and when they leave it. */
export interface WindowUsage {
  readonly count: number;
  /** Sorted by `at`, summing to `count`. */
  readonly ageOuts: readonly AgeOut[];
}

export type LimitCrossing = 'MessagingLimitApproaching' | 'MessagingLimitReached';

export type LimitDecision =
  | { readonly action: 'allow'; readonly addsUniqueUser: boolean; readonly crossings: readonly LimitCrossing[] }
  /** `used`: the unique users counted in the window when the send was deferred. */
  | { readonly action: 'defer'; readonly until: number; readonly used: number };

/**
 * The decision for one send. A send that does not count is allowed. One that counts is allowed while the count is
 * under the current tier's limit (an upgrade frees room at once); otherwise deferred until enough users have left
 * the window to leave one slot (after a downgrade, possibly several age-outs later).
 */
export function decideSend({ counts, usage, tier, now }: { counts: boolean; usage: WindowUsage; tier: MessagingLimitTier; now: number }): LimitDecision {
  if (!counts) return { action: 'allow', addsUniqueUser: false, crossings: [] };
  if (tier.limit === null || usage.count < tier.limit) {
    return { action: 'allow', addsUniqueUser: true, crossings: tier.limit === null ? [] : crossingsBetween(usage.count, usage.count + 1, tier.limit) };
  }
  let left = usage.count;
  for (const out of usage.ageOuts) {
    left -= out.count;
    if (left < tier.limit) return { action: 'defer', until: Math.max(out.at, now + 1), used: usage.count };
  }
  // No known age-out (a zero limit, or usage without its ages): look again after one bucket.
  return { action: 'defer', until: now + DEFAULT_LIMIT_BUCKET_MS, used: usage.count };
}

/** The count at which `MessagingLimitApproaching` is reported: 80 % of the limit, rounded up. */
export function approachingAt(limit: number): number {
  return Math.ceil(limit * APPROACHING_SHARE);
}

/** The thresholds a count moving from `before` to `after` crosses upwards. */
export function crossingsBetween(before: number, after: number, limit: number): LimitCrossing[] {
  const crossings: LimitCrossing[] = [];
  const approaching = approachingAt(limit);
  if (before < approaching && after >= approaching) crossings.push('MessagingLimitApproaching');
  if (before < limit && after >= limit) crossings.push('MessagingLimitReached');
  return crossings;
}

/**
 * The range of counts (inclusive) around `count` whose next send crosses the same thresholds as one at `count`:
 * the store takes a slot only while the stored count is still in this range, so under concurrency exactly one
 * send sees each crossing (the others read again). Ranges: below the one before 80 %, the one before 80 %,
 * between, the one before the limit. `count` must be under the limit.
 */
export function countBand(count: number, limit: number): { readonly lo: number; readonly hi: number } {
  const a = approachingAt(limit) - 1;
  const r = limit - 1;
  const edges = [...new Set([a, r])].filter((e) => e >= 0).sort((x, y) => x - y);
  let lo = 0;
  for (const edge of edges) {
    if (count < edge) return { lo, hi: edge - 1 };
    if (count === edge) return { lo: edge, hi: edge };
    lo = edge + 1;
  }
  return { lo, hi: r };
}

/** The bucket a time falls in: its start, epoch ms. */
export function bucketStart(now: number, bucketMs: number = DEFAULT_LIMIT_BUCKET_MS): number {
  return Math.floor(now / bucketMs) * bucketMs;
}

/**
 * Usage from bucket counts (start epoch ms → users counted in it). A bucket leaves the window when its end is
 * 24 h old, so each user counts for 24 h to 24 h + one bucket (the documented over-count). Also returns the
 * buckets already out of the window, for the store to drop.
 */
export function usageOfBuckets(
  buckets: ReadonlyMap<number, number>,
  now: number,
  bucketMs: number = DEFAULT_LIMIT_BUCKET_MS,
): WindowUsage & { readonly expired: readonly number[]; readonly expiredCount: number } {
  const ageOuts: AgeOut[] = [];
  const expired: number[] = [];
  let count = 0;
  let expiredCount = 0;
  for (const [start, users] of [...buckets].sort((x, y) => x[0] - y[0])) {
    const at = start + bucketMs + MESSAGING_LIMIT_WINDOW_MS;
    if (at <= now) {
      expired.push(start);
      expiredCount += users;
    } else if (users > 0) {
      ageOuts.push({ at, count: users });
      count += users;
    }
  }
  return { count, ageOuts, expired, expiredCount };
}

/**
 * The recipient's key in the limit's rows: a hash, never the phone number (as `pairKey` in pacing.ts).
 * Meta counts users per portfolio, so the key is the portfolio's.
 */
export function limitRecipientKey(recipient: string): string {
  return createHash('sha256').update(recipient).digest('hex').slice(0, 32);
}
