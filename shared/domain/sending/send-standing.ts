import type { AccountHealth } from '../health/records.js';
import { decideSend as decideRestriction, DEFAULT_RESTRICTION_POLICY, type RestrictionPolicy, type SendKind } from '../health/send-decision.js';
import type { MessageDeferral } from './records.js';
import { approachingAt, parseMessagingLimitTier, type LimitDecision, type MessagingLimitTier } from './messaging-limit.js';

/**
 * The sender's look at the business's standing just before calling Meta (issue 9, items 5 and 6): whether the
 * account is restricted and whether the portfolio's messaging limit has room. Pure: the sender reads the account's
 * health and asks the messaging-limit store, then passes what it got and `now` here.
 *
 * A message held back is never dropped: it goes back to its FIFO queue (its conversation's later messages wait
 * behind it, so order is kept) and is looked at again after a step. The step is capped per reason, because every
 * look is one more receive of the queue message, and the outbound queues move a message to their DLQ after 50
 * receives (infra/topology.ts, `OUTBOUND_PRIORITY`): a held message must stay well under that.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
 */

/** Longest step between two looks at a message held by the messaging limit: room may come back earlier (tier upgrade). */
export const LIMIT_STEP_MAX_MS = 2 * 60 * 60_000;

/**
 * Longest step between two looks at a message held by an account restriction: Meta may lift the restriction before
 * the end it gave, and the `AccountRestrictionLifted` fact reaches the sender only when it looks again.
 */
export const RESTRICTION_STEP_MAX_MS = 30 * 60_000;

/**
 * How long after its acceptance a message may be held by an account restriction before it fails for good
 * (`account_restricted`): a business-initiated message a day late is rarely still wanted, and the queue keeps a
 * message 14 days at most. @default 12 h; set with `maxRestrictionHoldMs`.
 */
export const DEFAULT_MAX_RESTRICTION_HOLD_MS = 12 * 60 * 60_000;

/** The message as the standing rules see it. */
export interface StandingMessage {
  readonly messageType: string;
  /** When the recipient's window closes, as the gate saw it (`MessageRecord.windowClosesAt`). */
  readonly windowClosesAt?: number | undefined;
  /** When the gate accepted it (epoch ms). */
  readonly createdAt: number;
  /** The deferral already on the record, so its `since` survives the next look. */
  readonly deferral?: MessageDeferral | undefined;
}

/** Whether the recipient's customer service window is open at `now`, by what the gate saw. */
export function windowOpenAt(message: Pick<StandingMessage, 'windowClosesAt'>, now: number): boolean {
  return message.windowClosesAt !== undefined && now < message.windowClosesAt;
}

/** The kind of send, as restrictions and the limit judge it. */
export function sendKindOf(message: Pick<StandingMessage, 'messageType' | 'windowClosesAt'>, now: number): SendKind {
  if (message.messageType !== 'template') return 'service';
  return windowOpenAt(message, now) ? 'template_in_window' : 'template_outside_window';
}

/** What to do with a message after a standing check. */
export type StandingVerdict =
  | { readonly action: 'send' }
  /** Put it back for `delayMs`; `deferral` goes on the record; `first` when it was not already held for this reason. */
  | { readonly action: 'hold'; readonly delayMs: number; readonly deferral: MessageDeferral; readonly first: boolean }
  | { readonly action: 'fail'; readonly reason: 'account_restricted'; readonly message: string };

/** The delay until `until`, in steps of at most `capMs`, and at least 1 s (SQS counts in seconds). */
export function stepTowards(until: number, now: number, capMs: number): number {
  return Math.max(1000, Math.min(until - now, capMs));
}

/**
 * Account restrictions at send time. Allowed kinds send. A restricted one is held until the restriction's end, looked
 * at again every {@link RESTRICTION_STEP_MAX_MS} at most (Meta may lift it early), and fails with `account_restricted`
 * once it has waited `maxHoldMs` since acceptance.
 */
export function restrictionAtSend({
  message,
  account,
  now,
  policy = DEFAULT_RESTRICTION_POLICY,
  maxHoldMs = DEFAULT_MAX_RESTRICTION_HOLD_MS,
}: {
  message: StandingMessage;
  account: AccountHealth | undefined;
  now: number;
  policy?: RestrictionPolicy;
  maxHoldMs?: number;
}): StandingVerdict {
  const decision = decideRestriction(account, sendKindOf(message, now), new Date(now).toISOString(), policy);
  if (decision.decision === 'allowed') return { action: 'send' };
  const holdEnds = message.createdAt + maxHoldMs;
  const restrictionEnds = decision.until === undefined ? undefined : Date.parse(decision.until);
  if (now >= holdEnds) {
    return {
      action: 'fail',
      reason: 'account_restricted',
      message: `${decision.message} The message waited ${Math.round((now - message.createdAt) / 60_000)} min of the ${Math.round(maxHoldMs / 60_000)} min it may be held; it is not sent.`,
    };
  }
  const until = Math.min(restrictionEnds ?? now + RESTRICTION_STEP_MAX_MS, holdEnds);
  const first = message.deferral?.reason !== 'account_restricted';
  const deferral: MessageDeferral = {
    reason: 'account_restricted',
    message: decision.message,
    since: first ? now : message.deferral!.since,
    until: now + stepTowards(until, now, RESTRICTION_STEP_MAX_MS),
    fact: {
      businessAccountId: account!.businessAccountId,
      restrictionType: decision.restrictionType,
      ...(decision.until === undefined ? {} : { expiresAt: decision.until }),
    },
  };
  return { action: 'hold', delayMs: deferral.until - now, deferral, first };
}

/** The messaging limit's answer for one send, as a verdict: a deferral is held until room comes back. */
export function limitAtSend({
  message,
  decision,
  portfolioId,
  tier,
  now,
}: {
  message: StandingMessage;
  decision: LimitDecision;
  portfolioId: string;
  tier: MessagingLimitTier;
  now: number;
}): StandingVerdict {
  if (decision.action === 'allow') return { action: 'send' };
  const first = message.deferral?.reason !== 'messaging_limit_reached';
  const limit = tier.limit ?? 0;
  const deferral: MessageDeferral = {
    reason: 'messaging_limit_reached',
    message: `The business portfolio reached its messaging limit (${tier.name}: ${limit} unique users in a moving 24 h; ${decision.used} counted): held until ${new Date(decision.until).toISOString()}, when users counted a day ago leave the window.`,
    since: first ? now : message.deferral!.since,
    until: now + stepTowards(decision.until, now, LIMIT_STEP_MAX_MS),
    fact: { portfolioId, tier: tier.name, limit, used: decision.used, roomAt: decision.until },
  };
  return { action: 'hold', delayMs: deferral.until - now, deferral, first };
}

/** The portfolio's limit figures for events and the read API. */
export function limitFigures(tier: MessagingLimitTier, used: number): { readonly limit: number | null; readonly approachingAt: number | null; readonly remaining: number | null } {
  if (tier.limit === null) return { limit: null, approachingAt: null, remaining: null };
  return { limit: tier.limit, approachingAt: approachingAt(tier.limit), remaining: Math.max(0, tier.limit - used) };
}

/**
 * The business portfolio a WhatsApp Business Account belongs to. Meta counts the messaging limit per portfolio,
 * across all its accounts and numbers; webhooks name only the account, so the mapping is configuration
 * (`messagingLimitPortfolios`), and an account not in it is taken as a portfolio of its own.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits
 */
export function portfolioOf(businessAccountId: string, portfolios: Readonly<Record<string, string>>): string {
  return Object.hasOwn(portfolios, businessAccountId) ? portfolios[businessAccountId]! : businessAccountId;
}

/**
 * The tier to enforce: what Meta last said for the account (`AccountHealth.messagingLimitTier`, from
 * `business_capability_update` or `phone_number_quality_update`), else the configured one. A value Relais cannot
 * read falls back to the configured tier too, and says so.
 */
export function tierToEnforce(
  account: Pick<AccountHealth, 'messagingLimitTier'> | undefined,
  configured: MessagingLimitTier,
): { readonly tier: MessagingLimitTier; readonly source: 'meta' | 'configuration'; readonly problem?: string } {
  const said = account?.messagingLimitTier;
  if (said === undefined) return { tier: configured, source: 'configuration' };
  const parsed = parseMessagingLimitTier(said);
  return parsed.ok ? { tier: parsed.tier, source: 'meta' } : { tier: configured, source: 'configuration', problem: parsed.problem };
}
