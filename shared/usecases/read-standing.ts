import { numberHealthView, type NumberHealthView } from '../domain/health/number-view.js';
import type { AccountHealth, NumberHealth } from '../domain/health/records.js';
import type { AgeOut, MessagingLimitTier } from '../domain/sending/messaging-limit.js';
import type { MessageDeferral, MessageRecord } from '../domain/sending/records.js';
import { limitFigures, portfolioOf, tierToEnforce } from '../domain/sending/send-standing.js';
import { RelaisError } from '../errors.js';
import type { HealthStore } from '../ports/health-store.js';
import type { MessageStore } from '../ports/message-store.js';
import type { MessagingLimitUsageReader } from '../ports/messaging-limit-store.js';

/**
 * The operator read API (issue 9, item 7): a message with the reason it was refused, failed or is held and the fact
 * behind it; a number's health joined with its account's; a portfolio's messaging limit and its use. Read only.
 */

export class MessageNotFoundError extends RelaisError {
  constructor() {
    super(404, 'message_not_found', 'Relais holds no message with this id');
  }
}

export class NumberNotKnownError extends RelaisError {
  constructor() {
    super(404, 'phone_number_not_known', 'Relais has heard nothing of this phone number yet (no webhook, listing or send named it)');
  }
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A deferral as the API shows it: epoch times as ISO 8601 (`roomAt` too). */
export function deferralView(deferral: MessageDeferral) {
  const fact = deferral.reason === 'messaging_limit_reached' ? { ...deferral.fact, roomAt: iso(deferral.fact.roomAt) } : deferral.fact;
  return { reason: deferral.reason, message: deferral.message, since: iso(deferral.since), until: iso(deferral.until), fact };
}

/** What `GET /messages/{messageId}` answers: the record without its request body, times as ISO 8601. */
export function messageView(record: MessageRecord) {
  const message = record.request?.message;
  const template = message?.type === 'template' ? { name: message.name, language: message.language } : undefined;
  return Object.fromEntries(
    Object.entries({
      messageId: record.messageId,
      status: record.status,
      category: record.category,
      messageType: record.messageType,
      lane: record.lane,
      phoneNumberId: record.phoneNumberId,
      businessAccountId: record.businessAccountId,
      contactId: record.contactId,
      recipient: record.recipient,
      correlationId: record.correlationId,
      campaignId: record.campaignId,
      template,
      wamid: record.wamid,
      attempts: record.attempts,
      rejection: record.rejection,
      failureReason: record.failureReason,
      lastError: record.lastError,
      deferral: record.deferral === undefined ? undefined : deferralView(record.deferral),
      createdAt: iso(record.createdAt),
      updatedAt: iso(record.updatedAt),
      erasedAt: iso(record.erasedAt),
    }).filter(([, value]) => value !== undefined),
  );
}

export async function getMessage(messageId: string, deps: { readonly messages: Pick<MessageStore, 'get'> }) {
  const record = await deps.messages.get(messageId);
  if (record === undefined) throw new MessageNotFoundError();
  return messageView(record);
}

export interface NumberHealthReadDeps {
  readonly health: Pick<HealthStore, 'getNumber' | 'getAccount'>;
  /** The number registry: the number's account when its health record does not name it. */
  readonly businessAccountOf: (phoneNumberId: string) => Promise<string | undefined>;
  readonly now: () => number;
}

/** A number's health with its account's restrictions in effect and the raw records' times; 404 when nothing is known. */
export async function getNumberHealth(phoneNumberId: string, deps: NumberHealthReadDeps): Promise<NumberHealthView & { readonly number?: NumberHealth; readonly account?: AccountHealth }> {
  const number = await deps.health.getNumber(phoneNumberId);
  const businessAccountId = number?.businessAccountId ?? (await deps.businessAccountOf(phoneNumberId));
  if (number === undefined && businessAccountId === undefined) throw new NumberNotKnownError();
  const account = businessAccountId === undefined ? undefined : await deps.health.getAccount(businessAccountId);
  const view = numberHealthView(phoneNumberId, number, account, new Date(deps.now()).toISOString());
  return {
    ...view,
    ...(view.businessAccountId === undefined && businessAccountId !== undefined ? { businessAccountId } : {}),
    ...(number === undefined ? {} : { number }),
    ...(account === undefined ? {} : { account }),
  };
}

export interface MessagingLimitReadDeps {
  readonly health: Pick<HealthStore, 'getAccount'>;
  readonly usage: MessagingLimitUsageReader;
  readonly configuredTier: MessagingLimitTier;
  readonly portfolios: Readonly<Record<string, string>>;
  readonly now: () => number;
}

/**
 * The messaging limit that applies to an account's business portfolio now: the tier in force and where it comes
 * from (Meta's latest word, else configuration), the limit, the unique users counted in the moving 24 h, what is
 * left, the 80 % mark, and when counted users leave the window. The same rules the sender applies.
 */
export async function getMessagingLimit(businessAccountId: string, deps: MessagingLimitReadDeps) {
  const now = deps.now();
  const portfolioId = portfolioOf(businessAccountId, deps.portfolios);
  const account = await deps.health.getAccount(businessAccountId);
  const { tier, source, problem } = tierToEnforce(account, deps.configuredTier);
  const usage = await deps.usage.usage(portfolioId, now);
  const figures = limitFigures(tier, usage.count);
  return {
    businessAccountId,
    portfolioId,
    tier: tier.name,
    tierSource: source,
    ...(problem === undefined ? {} : { tierProblem: problem }),
    limit: figures.limit,
    used: usage.count,
    remaining: figures.remaining,
    approachingAt: figures.approachingAt,
    reached: figures.limit !== null && usage.count >= figures.limit,
    ageOuts: usage.ageOuts.map((out: AgeOut) => ({ at: new Date(out.at).toISOString(), count: out.count })),
    asOf: new Date(now).toISOString(),
  };
}
