import {
  extendWindow,
  freeEntryPointOpen,
  freeEntryPointOpportunity,
  openFreeEntryPointWindow,
  windowState,
  type CustomerServiceWindow,
  type FreeEntryPointOpportunity,
  type FreeEntryPointWindow,
} from '../windows/customer-service-window.js';
import { localDay, monthOf } from './calendar.js';
import { OTHER_MARKET, marketMapOn, marketOfRecipient, type MarketMap } from './markets.js';
import { pricingEraOn, rateMessage, type BillingSettings, type MessageRatingCategory, type Rating } from './pricing.js';

/**
 * Rates a business's traffic from its message facts alone, in time order: what the ledger would record for each
 * outbound message, computed with the same engine ({@link rateMessage}) and the same windows
 * (`shared/domain/windows`). The what-if CLI runs it over a file; the ledger's tests compare against it. One business
 * (one account, one number, one portfolio): counters are per month, market and category.
 */

export type MessageFact =
  | { readonly kind: 'inbound'; readonly at: number; readonly from: string; readonly referral: boolean }
  | { readonly kind: 'outbound'; readonly at: number; readonly id: string; readonly to: string; readonly category: MessageRatingCategory }
  | { readonly kind: 'status'; readonly at: number; readonly id: string; readonly status: 'sent' | 'delivered' | 'read' | 'failed' };

export interface ReplaySettings extends BillingSettings {
  readonly marketMaps: readonly MarketMap[];
}

export type ReplayResult = { readonly ok: true; readonly ratings: readonly Rating[] } | { readonly ok: false; readonly problem: string; readonly messageId: string };

interface Contact {
  window?: CustomerServiceWindow;
  offer?: FreeEntryPointOpportunity;
  freeEntryPoint?: FreeEntryPointWindow;
  conversations: Map<MessageRatingCategory, { closesAt: number }>;
}

/**
 * When each outbound message was delivered: the earliest of its `delivered` and `read` statuses (a read message was
 * delivered, and Meta may send `read` alone), none if it `failed` (Meta never charges a failed message, even one reported delivered before) or if
 * statuses came but neither; with no status at all, at its own `at` (a plan, not yet sent).
 */
export function deliveryTimes(facts: readonly MessageFact[]): Map<string, number | undefined> {
  const statuses = new Map<string, { delivered?: number; read?: number; failed: boolean; any: boolean }>();
  for (const fact of facts) {
    if (fact.kind !== 'status') continue;
    const entry = statuses.get(fact.id) ?? { failed: false, any: false };
    entry.any = true;
    if (fact.status === 'failed') entry.failed = true;
    if (fact.status === 'delivered' && (entry.delivered === undefined || fact.at < entry.delivered)) entry.delivered = fact.at;
    if (fact.status === 'read' && (entry.read === undefined || fact.at < entry.read)) entry.read = fact.at;
    statuses.set(fact.id, entry);
  }
  const times = new Map<string, number | undefined>();
  for (const fact of facts) {
    if (fact.kind !== 'outbound') continue;
    const entry = statuses.get(fact.id);
    if (entry === undefined) times.set(fact.id, fact.at);
    else if (entry.failed) times.set(fact.id, undefined);
    // A read message was delivered by then, whichever status Meta sent first.
    else if (entry.delivered === undefined || entry.read === undefined) times.set(fact.id, entry.delivered ?? entry.read);
    else times.set(fact.id, Math.min(entry.delivered, entry.read));
  }
  return times;
}

/** One instant of the replay; one shape for all three kinds, so sorting 10^5 of them stays fast. */
interface Step {
  readonly at: number;
  /** 0 an inbound message, 1 a send, 2 a charge: at one instant, what the user wrote first, then sends, then charges. */
  readonly rank: 0 | 1 | 2;
  readonly order: number;
  readonly fact: MessageFact;
  readonly deliveredAt: number | undefined;
}

/** Rates every outbound message of `facts`, in the order they appear. */
export function replay(facts: readonly MessageFact[], settings: ReplaySettings): ReplayResult {
  const delivered = deliveryTimes(facts);
  const steps: Step[] = [];
  facts.forEach((fact, order) => {
    if (fact.kind === 'inbound') steps.push({ at: fact.at, rank: 0, order, fact, deliveredAt: undefined });
    if (fact.kind === 'outbound') {
      const deliveredAt = delivered.get(fact.id);
      steps.push({ at: fact.at, rank: 1, order, fact, deliveredAt: undefined });
      steps.push({ at: Math.max(deliveredAt ?? fact.at, fact.at), rank: 2, order, fact, deliveredAt });
    }
  });
  steps.sort((a, b) => a.at - b.at || a.rank - b.rank || a.order - b.order);

  const contacts = new Map<string, Contact>();
  const contactOf = (key: string): Contact => {
    let contact = contacts.get(key);
    if (contact === undefined) contacts.set(key, (contact = { conversations: new Map() }));
    return contact;
  };
  const atSend = new Map<string, { insideServiceWindow: boolean; insideFreeEntryPoint: boolean }>();
  const counters = new Map<string, number>();
  const count = (key: string) => counters.get(key) ?? 0;
  const ratings = new Map<string, Rating>();
  // libphonenumber is slow next to the rest: each recipient is resolved once per mapping.
  const markets = new Map<string, string>();
  const marketFor = (map: MarketMap, recipient: string) => {
    const key = `${map.effectiveFrom}|${recipient}`;
    let market = markets.get(key);
    if (market === undefined) markets.set(key, (market = marketOfRecipient(map, recipient)));
    return market;
  };

  for (const step of steps) {
    const fact = step.fact;
    if (fact.kind === 'inbound') {
      const contact = contactOf(fact.from);
      contact.window = extendWindow(contact.window, fact.at) ?? contact.window;
      if (fact.referral) contact.offer = freeEntryPointOpportunity(fact.at);
      continue;
    }
    if (fact.kind !== 'outbound') continue;
    const contact = contactOf(fact.to);
    if (step.rank === 1) {
      const opened = openFreeEntryPointWindow(contact.offer, contact.freeEntryPoint, step.at);
      if (opened !== undefined) {
        contact.freeEntryPoint = opened;
        // Under CBP a free-entry-point conversation closed the others.
        if (pricingEraOn(localDay(step.at, settings.timeZone)) === 'cbp') contact.conversations.clear();
      }
      atSend.set(fact.id, {
        insideServiceWindow: windowState(contact.window, step.at).open,
        insideFreeEntryPoint: freeEntryPointOpen(contact.freeEntryPoint, step.at),
      });
      continue;
    }
    const chargedAt = step.deliveredAt ?? fact.at;
    const day = localDay(chargedAt, settings.timeZone);
    const month = monthOf(day);
    const map = marketMapOn(settings.marketMaps, day);
    const market = map === undefined ? OTHER_MARKET : marketFor(map, fact.to);
    const sent = atSend.get(fact.id)!;
    const result = rateMessage(
      { messageId: fact.id, sentAt: fact.at, deliveredAt: step.deliveredAt, category: fact.category, market },
      {
        insideServiceWindow: sent.insideServiceWindow,
        insideFreeEntryPoint: sent.insideFreeEntryPoint,
        openConversations: contact.conversations,
        freeServiceConversationsUsed: count(`free-service|${month}`),
        chargedThisMonth: count(`charged|${month}|${market}|${fact.category}`),
        serviceMessagesThisMonth: count(`service|${month}`),
      },
      settings,
    );
    if (!result.ok) return { ok: false, problem: result.problem, messageId: fact.id };
    const rating = result.rating;
    if (rating.counts.charged) counters.set(`charged|${month}|${market}|${fact.category}`, count(`charged|${month}|${market}|${fact.category}`) + 1);
    if (rating.counts.freeServiceConversation) counters.set(`free-service|${month}`, count(`free-service|${month}`) + 1);
    if (rating.counts.serviceMessage) counters.set(`service|${month}`, count(`service|${month}`) + 1);
    if (rating.opensConversation !== undefined) contact.conversations.set(rating.opensConversation.category, { closesAt: rating.opensConversation.closesAt });
    ratings.set(fact.id, rating);
  }
  return { ok: true, ratings: facts.flatMap((fact) => (fact.kind === 'outbound' ? [ratings.get(fact.id)!] : [])) };
}
