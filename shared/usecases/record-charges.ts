import type { AccountBilling } from '../billing-config.js';
import { buildEvent } from '../contracts/events/build-event.js';
import { DetailType } from '../contracts/events/catalogue.js';
import type { DomainEvent } from '../contracts/events/registry.js';
import { budgetCrossings } from '../domain/billing/budget.js';
import type { MessageStatusUpdated } from '../contracts/events/ingestion.js';
import { reconcile, windowsFromMetaPricing, type LedgerEntry, type MetaPricing } from '../domain/billing/ledger.js';
import { localDay } from '../domain/billing/calendar.js';
import { OTHER_MARKET, marketMapOn, marketOfRecipient, type MarketMap } from '../domain/billing/markets.js';
import { pricingEraOn, rateMessage, type MessageRatingCategory, type Rating } from '../domain/billing/pricing.js';
import { rateCardOn, type RateCard } from '../domain/billing/rate-card.js';
import { tierRate } from '../domain/billing/volume-tiers.js';
import type { MessageRecord } from '../domain/sending/records.js';
import { freeEntryPointCovers } from '../domain/windows/customer-service-window.js';
import type { ContactStore } from '../ports/contact-store.js';
import type { LedgerStore } from '../ports/ledger-store.js';
import type { MessageStore } from '../ports/message-store.js';

/**
 * The billing ledger's writer: a `delivered` or `read` status of an outbound message becomes its ledger entry, once.
 *
 * 1. Find Relais's message (by `biz_opaque_callback_data`, else by wamid). A message Relais did not send (another
 *    app on the number) is rated from Meta's pricing category and type alone, and marked `source: meta_pricing`.
 * 2. A message that already has its entry is done: Meta sends `pricing` with `sent` and again with `delivered` or
 *    `read`; only delivery charges, and the first of `delivered` and `read` (a read message was delivered) decides.
 *    `failed` and `sent` statuses never reach the ledger (the rule takes `delivered` and `read`), so a message that
 *    fails undelivered is never charged; one that fails after its delivery keeps its charge.
 * 3. Rate it with the engine (`shared/domain/billing/pricing.ts`): its category at send time (the gate's, updated
 *    by the sender on a re-categorisation); the customer service window as the gate saw it at acceptance; a
 *    free-entry-point window covering it between acceptance and delivery; the month's charged count of its
 *    portfolio, market and category (only read when the card has volume tiers); the account's currency, timezone,
 *    platform fee and allowance. `authentication_international` is Meta's eligibility decision, so Meta's pricing
 *    category is taken for it.
 * 4. Compare with Meta's `pricing` (reconciliation flag) and write the entry.
 * 5. When the account has a monthly budget, publish `BudgetThresholdReached` for the 80 % and 100 % the charge
 *    crossed (the month total is added to atomically, so one charge crosses each; its event id is per account, month
 *    and threshold). A crash between the write and the publish loses that alert: the total still shows the spend.
 *
 * The live ledger rates the per-message eras: conversation-based history (before 2025-07-01) is re-rated with the
 * what-if CLI, which keeps conversations. A message no card covers is recorded `unrated` (amount 0, the gap as its
 * reason) instead of dead-lettered: the month's report shows it, and a later status, once the card is imported, rates
 * it in place (the only change an entry ever takes).
 */

export interface RecordChargesDeps {
  readonly messages: Pick<MessageStore, 'get' | 'findByWamid'>;
  readonly contacts: Pick<ContactStore, 'sendContext'>;
  readonly ledger: LedgerStore;
  readonly rateCards: { readonly cards: (currency: string) => Promise<readonly RateCard[]> };
  readonly marketMaps: readonly MarketMap[];
  readonly billingFor: (businessAccountId: string) => AccountBilling;
  readonly publish: (events: readonly DomainEvent[]) => Promise<void>;
  readonly now: () => number;
}

/** `metadata.producer` of the ledger's events. */
export const BILLING_PRODUCER = 'relais.billing';

export type RecordChargeResult =
  | { readonly outcome: 'recorded'; readonly entry: LedgerEntry }
  | { readonly outcome: 'duplicate'; readonly messageKey: string }
  | { readonly outcome: 'ignored'; readonly why: string }
  /** Recorded as `unrated` (amount 0, the problem as its reason), to be rated in place once the card is imported. */
  | { readonly outcome: 'unrated'; readonly messageKey: string; readonly problem: string; readonly entry: LedgerEntry };

const CHARGING_STATUSES: ReadonlySet<string> = new Set(['delivered', 'read', 'played']);

/** Meta's pricing categories as the engine names them; `referral_conversion` (free entry point) has no own rate. */
function categoryFromMeta(category: string | undefined): MessageRatingCategory {
  const value = category?.trim().toLowerCase().replace(/-/g, '_');
  return value === 'marketing' || value === 'utility' || value === 'authentication' || value === 'authentication_international' ? value : 'service';
}

function recipientOf(record: MessageRecord | undefined, update: MessageStatusUpdated): string | undefined {
  const given = record?.recipient;
  if (given !== undefined) return 'to' in given ? given.to : given.recipientUserId;
  if (update.recipient.waId !== undefined) return `+${update.recipient.waId}`;
  return update.recipient.userId;
}

export async function recordCharge(update: MessageStatusUpdated, deps: RecordChargesDeps): Promise<RecordChargeResult> {
  if (!CHARGING_STATUSES.has(update.status)) return { outcome: 'ignored', why: `a ${update.status} status charges nothing` };
  const byId = update.bizOpaqueCallbackData === undefined ? undefined : await deps.messages.get(update.bizOpaqueCallbackData);
  const record = byId?.phoneNumberId === update.business.phoneNumberId ? byId : await deps.messages.findByWamid(update.wamid);
  if (record?.messageType === 'markRead') return { outcome: 'ignored', why: 'a read receipt sends the user nothing' };
  const messageKey = record?.messageId ?? `wamid:${update.wamid}`;
  const existing = await deps.ledger.find(messageKey);
  if (existing !== undefined && existing.pricingType !== 'unrated') return { outcome: 'duplicate', messageKey };

  const businessAccountId = update.business.businessAccountId;
  const billing = deps.billingFor(businessAccountId);
  const deliveredAt = update.timestamp * 1000;
  const metaPricing: MetaPricing | undefined = update.pricing;
  const metaCategory = categoryFromMeta(metaPricing?.category);

  let category: MessageRatingCategory;
  let windows: { insideServiceWindow: boolean; insideFreeEntryPoint: boolean };
  const acceptedAt = record?.createdAt ?? deliveredAt;
  if (record !== undefined) {
    category = record.category === 'authentication' && metaCategory === 'authentication_international' ? 'authentication_international' : record.category;
    const context = record.contactId === undefined ? undefined : await deps.contacts.sendContext(record.contactId, record.phoneNumberId);
    windows = {
      insideServiceWindow: record.windowClosesAt !== undefined && acceptedAt < record.windowClosesAt,
      insideFreeEntryPoint: freeEntryPointCovers(context?.freeEntryPointWindow, acceptedAt, deliveredAt),
    };
  } else {
    category = metaCategory;
    windows = windowsFromMetaPricing(metaPricing);
  }

  const day = localDay(deliveredAt, billing.timeZone);
  const month = day.slice(0, 7);
  const recipient = recipientOf(record, update);
  const map = marketMapOn(deps.marketMaps, day);
  const market = map === undefined || recipient === undefined ? OTHER_MARKET : marketOfRecipient(map, recipient);

  const cards = await deps.rateCards.cards(billing.currency);
  const card = rateCardOn(cards, billing.currency, day);
  // Counts are read only where they can change the rate: a tier for this market and category, an allowance.
  const tiered = card !== undefined && (category === 'utility' || category === 'authentication') && tierRate(card, market, category, Number.MAX_SAFE_INTEGER) !== undefined;
  const chargedThisMonth = tiered ? await deps.ledger.chargedCount(billing.portfolioId, month, market, category) : 0;
  const serviceMessagesThisMonth = category === 'service' && billing.serviceAllowancePerNumber > 0 ? await deps.ledger.serviceCount(update.business.phoneNumberId, month) : 0;

  const result = rateMessage(
    { messageId: messageKey, sentAt: acceptedAt, deliveredAt, category, market },
    { ...windows, openConversations: new Map(), freeServiceConversationsUsed: 0, chargedThisMonth, serviceMessagesThisMonth },
    { currency: billing.currency, timeZone: billing.timeZone, rateCards: cards, platformFeeMicros: billing.platformFeeMicros, serviceAllowancePerNumber: billing.serviceAllowancePerNumber },
  );
  const rating: Rating = result.ok
    ? result.rating
    : {
        // Recorded rather than retried: the gap (a card or market not imported) is finance's to see in the month's
        // report, and a later status of the message, once the card is in, rates it in place.
        messageId: messageKey,
        era: pricingEraOn(day),
        pricingModel: pricingEraOn(day) === 'cbp' ? 'CBP' : 'PMP',
        pricingType: 'unrated',
        pricingCategory: category,
        billable: false,
        market,
        rateMicros: 0,
        amountMicros: 0,
        platformFeeMicros: 0,
        currency: billing.currency,
        chargedAt: deliveredAt,
        day,
        month,
        reason: result.problem,
        counts: { charged: false, freeServiceConversation: false, serviceMessage: false },
      };
  const entry: LedgerEntry = {
    ...rating,
    reason: category === 'authentication_international' && record?.category === 'authentication' ? `${rating.reason} (authentication-international, as Meta's pricing says)` : rating.reason,
    businessAccountId,
    phoneNumberId: update.business.phoneNumberId,
    messageKey,
    wamid: update.wamid,
    ...(record?.contactId === undefined ? {} : { contactId: record.contactId }),
    ...(update.conversation?.id === undefined ? {} : { conversationId: update.conversation.id }),
    portfolioId: billing.portfolioId,
    ...(metaPricing === undefined ? {} : { metaPricing }),
    ...reconcile(rating, metaPricing),
    source: record === undefined ? 'meta_pricing' : 'relais',
    recordedAt: deps.now(),
  };
  const written = await deps.ledger.record(entry);
  if (written === undefined) return { outcome: 'duplicate', messageKey };
  const budget = billing.monthlyBudgetMicros;
  if (budget !== undefined && result.ok) {
    const crossed = budgetCrossings(budget, written.monthAmountMicros - entry.amountMicros, written.monthAmountMicros);
    if (crossed.length > 0) {
      await deps.publish(
        crossed.map((thresholdPercent) =>
          buildEvent(
            DetailType.BudgetThresholdReached,
            { eventId: `BudgetThresholdReached:${businessAccountId}:${month}:${thresholdPercent}`, occurredAt: deliveredAt, producer: BILLING_PRODUCER, businessAccountId },
            { businessAccountId, month, thresholdPercent, currency: billing.currency, budgetMicros: budget, spentMicros: written.monthAmountMicros, messageKey },
          ),
        ),
      );
    }
  }
  return result.ok ? { outcome: 'recorded', entry } : { outcome: 'unrated', messageKey, problem: result.problem, entry };
}
