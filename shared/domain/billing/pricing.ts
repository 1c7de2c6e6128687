import { localDay, monthOf } from './calendar.js';
import { rateCardOn, rateCardVersion, type RateCard, type RatedCategory } from './rate-card.js';
import { tierRate } from './volume-tiers.js';

/**
 * The pricing engine: what Meta charges for one outbound message, by the model in force on the day it is delivered
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing, and for the history
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing/conversation-based-pricing).
 * Pure: the caller passes the message, what was true when it went (windows, open conversations, counts so far this
 * month) and the settings; the engine names the rule that decided in `reason`. The ledger and the what-if CLI both
 * rate through {@link rateMessage}, so they agree to the micro-unit.
 *
 * Eras, by the delivery day in the business's timezone:
 * - **CBP** until 2025-06-30: a 24 h conversation per category, opened by the first delivered business message of that
 *   category and charged once; a free-form message opens a service conversation only when none of any category is
 *   open. Service conversations: 1,000 free a month per business until 2024-10-31, then free. A free-entry-point
 *   conversation (72 h) makes everything free. A conversation opened before 2025-07-01 keeps its messages free until
 *   it closes, even after the switch (Meta sent CBP pricing for those).
 * - **PMP** from 2025-07-01: each delivered template is charged by category; a utility template inside an open
 *   customer service window is free, free-form (service) messages are free, everything inside a free-entry-point
 *   window is free. Utility and authentication get the month's volume tier.
 * - **PMP 2026** from 2026-10-01: as PMP, and service messages and in-window utility templates are charged at the
 *   market's service rate (the Service column; the utility rate when the card has none). A monthly free allowance
 *   of service messages per business number is a setting, off by default: Meta's pages disagree on it (UNVERIFIED).
 *
 * Choices where Meta is silent: windows are judged when the message is sent (Relais knows them then), the era, card,
 * month and tier when it is delivered (when Meta charges); volume tiers count charged messages only, service has none.
 */

export const PMP_START_DAY = '2025-07-01';
export const FREE_SERVICE_START_DAY = '2024-11-01';
export const SERVICE_CHARGED_START_DAY = '2026-10-01';
export const CONVERSATION_MS = 24 * 60 * 60 * 1000;
/** Service conversations free each month before 2024-11-01. */
export const CBP_FREE_SERVICE_CONVERSATIONS = 1000;

export type PricingEra = 'cbp' | 'pmp' | 'pmp_2026';

export function pricingEraOn(day: string): PricingEra {
  if (day < PMP_START_DAY) return 'cbp';
  if (day < SERVICE_CHARGED_START_DAY) return 'pmp';
  return 'pmp_2026';
}

/** A template's category, or `service` for a free-form message (text, media, interactive…). */
export type MessageRatingCategory = 'marketing' | 'utility' | 'authentication' | 'authentication_international' | 'service';

/** How Meta names what was charged: its `pricing.type` values, and for CBP how the conversation stood. */
export type PricingType =
  | 'regular'
  | 'free_customer_service'
  | 'free_entry_point'
  | 'free_tier'
  | 'in_conversation'
  | 'free_allowance'
  | 'not_delivered'
  /** Ledger only: no card in force covered it (missing card, market or rate); replaced once a card is imported. */
  | 'unrated';

export interface MessageToRate {
  readonly messageId: string;
  /** Epoch ms the business sent it: windows are judged then. */
  readonly sentAt: number;
  /** Epoch ms Meta delivered it (or `read` it, when no `delivered` came); `undefined` when never delivered. */
  readonly deliveredAt: number | undefined;
  readonly category: MessageRatingCategory;
  /** The recipient's market ({@link marketOfCountry}). */
  readonly market: string;
}

/** What was true for this message, from the state the caller keeps. */
export interface RatingContext {
  /** The customer service window was open when it was sent. */
  readonly insideServiceWindow: boolean;
  /** A free-entry-point window was open when it was sent (or this message opened one). */
  readonly insideFreeEntryPoint: boolean;
  /**
   * CBP: the conversations open with this recipient when it was delivered, by category, each with when it closes
   * (epoch ms) and whether it was opened before {@link PMP_START_DAY}.
   */
  readonly openConversations: ReadonlyMap<MessageRatingCategory, { readonly closesAt: number }>;
  /** CBP: free service conversations the business used this month before this message. */
  readonly freeServiceConversationsUsed: number;
  /** Charged messages of this category and market this month, across the business portfolio, before this one. */
  readonly chargedThisMonth: number;
  /** PMP 2026: service messages this business number sent this month before this one. */
  readonly serviceMessagesThisMonth: number;
}

export interface BillingSettings {
  /** The business's billing currency (ISO 4217): the card of that currency rates it. */
  readonly currency: string;
  /** IANA timezone of the WhatsApp Business Account. */
  readonly timeZone: string;
  readonly rateCards: readonly RateCard[];
  /** Relais's own fee per delivered outbound message, in micros of the currency (as a BSP charges). @default 0 */
  readonly platformFeeMicros?: number;
  /** PMP 2026: service messages free per business number and month (UNVERIFIED at Meta). @default 0 */
  readonly serviceAllowancePerNumber?: number;
}

export interface Rating {
  readonly messageId: string;
  readonly era: PricingEra;
  readonly pricingModel: 'CBP' | 'PMP';
  readonly pricingType: PricingType;
  /** The category Meta prices it as: the message's, or `referral_conversion` inside a free-entry-point window. */
  readonly pricingCategory: MessageRatingCategory | 'referral_conversion';
  readonly billable: boolean;
  readonly market: string;
  /** The rate applied (tiered when a tier applies), micros; 0 when not billable. */
  readonly rateMicros: number;
  /** What Meta charges, micros. */
  readonly amountMicros: number;
  /** Relais's fee, micros (delivered messages only). */
  readonly platformFeeMicros: number;
  readonly currency: string;
  /** `EUR@2026-07-01`, the card that rated it; absent when nothing was charged without a card. */
  readonly rateCardVersion?: string;
  /** When it was charged (epoch ms): `deliveredAt`, or `sentAt` for a message never delivered. */
  readonly chargedAt: number;
  /** Day and month of the charge in the business's timezone. */
  readonly day: string;
  readonly month: string;
  /** The rule that decided, in a sentence. */
  readonly reason: string;
  /** What the caller's counters take from it. */
  readonly counts: {
    /** Adds one to `chargedThisMonth` for its category and market. */
    readonly charged: boolean;
    /** CBP: adds one to the free service conversations of the month. */
    readonly freeServiceConversation: boolean;
    /** PMP 2026: adds one to the number's service messages of the month. */
    readonly serviceMessage: boolean;
  };
  /** CBP: the conversation it opened, which the caller keeps open until `closesAt`. */
  readonly opensConversation?: { readonly category: MessageRatingCategory; readonly closesAt: number };
}

export type RatingResult = { readonly ok: true; readonly rating: Rating } | { readonly ok: false; readonly problem: string };

/** Rates one outbound message. Refuses (naming the gap) when no card of the currency, or no rate, covers it. */
export function rateMessage(message: MessageToRate, context: RatingContext, settings: BillingSettings): RatingResult {
  const chargedAt = message.deliveredAt ?? message.sentAt;
  const day = localDay(chargedAt, settings.timeZone);
  const era = pricingEraOn(day);
  const month = monthOf(day);
  const nothing = { charged: false, freeServiceConversation: false, serviceMessage: false };
  interface Extra {
    readonly opensConversation?: Rating['opensConversation'];
    readonly counts?: Partial<Rating['counts']>;
  }
  // Ratings are built in one literal, extras added after (a trailing object spread is slow in V8, and this runs once
  // per message of a month when re-rating).
  const build = (fields: Omit<Rating, 'messageId' | 'era' | 'market' | 'currency' | 'chargedAt' | 'day' | 'month' | 'counts' | 'opensConversation'>, counts: Rating['counts'], extra: Extra | undefined): RatingResult => {
    const rating: { -readonly [K in keyof Rating]: Rating[K] } = {
      messageId: message.messageId,
      era,
      market: message.market,
      currency: settings.currency,
      chargedAt,
      day,
      month,
      pricingModel: fields.pricingModel,
      pricingType: fields.pricingType,
      pricingCategory: fields.pricingCategory,
      billable: fields.billable,
      rateMicros: fields.rateMicros,
      amountMicros: fields.amountMicros,
      platformFeeMicros: fields.platformFeeMicros,
      reason: fields.reason,
      counts: extra?.counts === undefined ? counts : { ...counts, ...extra.counts },
    };
    if (fields.rateCardVersion !== undefined) rating.rateCardVersion = fields.rateCardVersion;
    if (extra?.opensConversation !== undefined) rating.opensConversation = extra.opensConversation;
    return { ok: true, rating };
  };
  const free = (pricingModel: 'CBP' | 'PMP', pricingType: PricingType, reason: string, extra?: Extra): RatingResult =>
    build(
      {
        pricingModel,
        pricingType,
        pricingCategory: pricingType === 'free_entry_point' ? 'referral_conversion' : message.category,
        billable: false,
        rateMicros: 0,
        amountMicros: 0,
        platformFeeMicros: message.deliveredAt === undefined ? 0 : (settings.platformFeeMicros ?? 0),
        reason,
      },
      nothing,
      extra,
    );

  if (message.deliveredAt === undefined) {
    return free(era === 'cbp' ? 'CBP' : 'PMP', 'not_delivered', 'never delivered: Meta charges only delivered messages');
  }

  const card = rateCardOn(settings.rateCards, settings.currency, day);
  const charge = (pricingModel: 'CBP' | 'PMP', rated: RatedCategory, reason: string, options: { tiered: boolean; extra?: Extra }): RatingResult => {
    if (card === undefined) return { ok: false, problem: `no ${settings.currency} rate card is in force on ${day}: import one effective on or before that day` };
    const rates = card.markets.get(message.market);
    if (rates === undefined) return { ok: false, problem: `the ${rateCardVersion(card)} rate card has no market "${message.market}"` };
    const listRate = rates[rated];
    if (listRate === undefined) return { ok: false, problem: `the ${rateCardVersion(card)} rate card has no ${rated} rate for ${message.market}` };
    const tier = options.tiered ? tierRate(card, message.market, rated, context.chargedThisMonth + 1) : undefined;
    const rateMicros = tier?.rateMicros ?? listRate;
    return build(
      {
        pricingModel,
        pricingType: 'regular',
        pricingCategory: message.category,
        billable: true,
        rateMicros,
        amountMicros: rateMicros,
        platformFeeMicros: settings.platformFeeMicros ?? 0,
        rateCardVersion: rateCardVersion(card),
        reason: tier === undefined ? reason : `${reason}, volume tier from message ${tier.from} of the month`,
      },
      CHARGED,
      options.extra,
    );
  };

  // A CBP conversation still open keeps its messages free, before the switch and after it.
  const sameCategory = context.openConversations.get(message.category);
  let anyOpen = false;
  for (const conversation of context.openConversations.values()) if (chargedAt < conversation.closesAt) anyOpen = true;
  const inConversation = message.category === 'service' ? anyOpen : sameCategory !== undefined && chargedAt < sameCategory.closesAt;

  if (era === 'cbp') {
    if (context.insideFreeEntryPoint) return free('CBP', 'free_entry_point', 'inside a free-entry-point conversation (72 h): free');
    if (inConversation) {
      return free('CBP', 'in_conversation', message.category === 'service' ? 'inside an open conversation: a free-form reply opens none' : `inside an open ${message.category} conversation: charged when it opened`);
    }
    const opensConversation = { category: message.category, closesAt: chargedAt + CONVERSATION_MS };
    if (message.category === 'service') {
      if (day >= FREE_SERVICE_START_DAY) {
        return free('CBP', 'free_customer_service', 'opens a service conversation: free since 2024-11-01', { opensConversation });
      }
      if (context.freeServiceConversationsUsed < CBP_FREE_SERVICE_CONVERSATIONS) {
        return free('CBP', 'free_tier', `opens a service conversation, ${context.freeServiceConversationsUsed + 1} of the month's ${CBP_FREE_SERVICE_CONVERSATIONS} free ones`, {
          opensConversation,
          counts: { freeServiceConversation: true },
        });
      }
      return charge('CBP', 'service', `opens a service conversation after the month's ${CBP_FREE_SERVICE_CONVERSATIONS} free ones`, { tiered: false, extra: { opensConversation } });
    }
    return charge('CBP', message.category, `opens a ${message.category} conversation (24 h)`, { tiered: false, extra: { opensConversation } });
  }

  if (inConversation) {
    return free('CBP', 'in_conversation', `inside a ${message.category === 'service' ? '' : `${message.category} `}conversation opened before the per-message pricing of 2025-07-01: free until it closes`);
  }
  if (context.insideFreeEntryPoint) return free('PMP', 'free_entry_point', 'inside a free-entry-point window (72 h): free');

  const serviceLike = message.category === 'service' || (message.category === 'utility' && context.insideServiceWindow);
  if (era === 'pmp') {
    if (message.category === 'service') return free('PMP', 'free_customer_service', 'a free-form message: free until 2026-09-30');
    if (serviceLike) return free('PMP', 'free_customer_service', 'a utility template inside the customer service window: free until 2026-09-30');
    return charge('PMP', message.category, `a delivered ${message.category} template`, { tiered: isTiered(message.category) });
  }

  if (message.category === 'service') {
    const allowance = settings.serviceAllowancePerNumber ?? 0;
    if (context.serviceMessagesThisMonth < allowance) {
      return free('PMP', 'free_allowance', `service message ${context.serviceMessagesThisMonth + 1} of the number's ${allowance} free this month`, {
        counts: { serviceMessage: true },
      });
    }
    const rated: RatedCategory = card?.markets.get(message.market)?.service !== undefined ? 'service' : 'utility';
    return charge('PMP', rated, `a free-form (service) message: charged since 2026-10-01 at the market's ${rated} rate`, {
      tiered: false,
      extra: { counts: { charged: false, serviceMessage: true } },
    });
  }
  if (serviceLike) {
    return charge('PMP', 'utility', 'a utility template inside the customer service window: charged since 2026-10-01 at the utility rate', { tiered: true });
  }
  return charge('PMP', message.category, `a delivered ${message.category} template`, { tiered: isTiered(message.category) });
}

const CHARGED: Rating['counts'] = Object.freeze({ charged: true, freeServiceConversation: false, serviceMessage: false });

/** Volume tiers apply to utility and authentication, never marketing (nor authentication-international, nor service). */
function isTiered(category: MessageRatingCategory): boolean {
  return category === 'utility' || category === 'authentication';
}
