/**
 * The customer service window (CSW) and the free-entry-point (FEP) window, as Meta defines them
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages and
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing): a user message or call opens or extends a 24 h window
 * from the message's own timestamp; a click-to-WhatsApp ad or Page button referral lets a business reply
 * within 24 h open a 72 h window in which every message is free. Times are epoch milliseconds.
 */

export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;
export const FREE_ENTRY_POINT_REPLY_MS = 24 * 60 * 60 * 1000;
export const FREE_ENTRY_POINT_WINDOW_MS = 72 * 60 * 60 * 1000;

export interface CustomerServiceWindow {
  /** Timestamp of the inbound message that opened this window (it stays while messages keep extending it). */
  readonly openedAt: number;
  /** Timestamp of the latest inbound message or call (Meta's, not our receipt time). */
  readonly lastInboundAt: number;
  /** `lastInboundAt` + 24 h: the window is closed at this instant. */
  readonly closesAt: number;
}

/**
 * The window after an inbound message at `inboundAt`:
 * - an older message than the latest (Meta delivers out of order) changes nothing: `undefined`;
 * - the same message again (a redelivery) gives the stored window back unchanged;
 * - a later one extends an open window, or opens a new one if the window had closed.
 */
export function extendWindow(current: CustomerServiceWindow | undefined, inboundAt: number): CustomerServiceWindow | undefined {
  if (current !== undefined && inboundAt < current.lastInboundAt) return undefined;
  if (current !== undefined && inboundAt === current.lastInboundAt) return current;
  const stillOpen = current !== undefined && inboundAt < current.closesAt;
  return { openedAt: stillOpen ? current.openedAt : inboundAt, lastInboundAt: inboundAt, closesAt: inboundAt + CUSTOMER_SERVICE_WINDOW_MS };
}

/** Whether the message at `inboundAt` is the one that opened `window`. */
export function openedBy(window: CustomerServiceWindow, inboundAt: number): boolean {
  return window.openedAt === inboundAt;
}

export type WindowState = { readonly open: true; readonly closesAt: number } | { readonly open: false; readonly closedAt?: number };

/** Open strictly before `closesAt`; closed at the instant and after. Decided by the stored expiry, never by TTL. */
export function windowState(window: CustomerServiceWindow | undefined, now: number): WindowState {
  if (window === undefined) return { open: false };
  return now < window.closesAt ? { open: true, closesAt: window.closesAt } : { open: false, closedAt: window.closesAt };
}

export interface FreeEntryPointOpportunity {
  /** Timestamp of the referral message (ad click or Page button). */
  readonly referralAt: number;
  /** The business must reply before this instant for the FEP window to open. */
  readonly replyBy: number;
  /** Meta's click id, kept for attribution. */
  readonly ctwaClid?: string;
  readonly sourceType?: string;
  readonly sourceId?: string;
}

export function freeEntryPointOpportunity(referralAt: number, ref: { ctwaClid?: string; sourceType?: string; sourceId?: string } = {}): FreeEntryPointOpportunity {
  return { referralAt, replyBy: referralAt + FREE_ENTRY_POINT_REPLY_MS, ...ref };
}

export interface FreeEntryPointWindow {
  readonly opensAt: number;
  readonly closesAt: number;
}

/** Whether a business reply at `at` still answers the referral: from the referral until (not including) `replyBy`. */
export function freeEntryPointOfferOpen(offer: Pick<FreeEntryPointOpportunity, 'referralAt' | 'replyBy'> | undefined, at: number): boolean {
  return offer !== undefined && at >= offer.referralAt && at < offer.replyBy;
}

/**
 * The FEP window a business reply at `replyAt` opens: only if the reply comes before `replyBy` and no FEP
 * window is already open (a later reply does not extend it).
 */
export function openFreeEntryPointWindow(
  opportunity: Pick<FreeEntryPointOpportunity, 'referralAt' | 'replyBy'> | undefined,
  existing: FreeEntryPointWindow | undefined,
  replyAt: number,
): FreeEntryPointWindow | undefined {
  if (existing !== undefined && replyAt < existing.closesAt) return undefined;
  if (!freeEntryPointOfferOpen(opportunity, replyAt)) return undefined;
  return { opensAt: replyAt, closesAt: replyAt + FREE_ENTRY_POINT_WINDOW_MS };
}

export function freeEntryPointOpen(window: FreeEntryPointWindow | undefined, now: number): boolean {
  return window !== undefined && now >= window.opensAt && now < window.closesAt;
}

/**
 * Whether a free-entry-point window was open at some moment between a message's acceptance and its delivery: the
 * billing ledger's test (the reply that opens the window is accepted just before it opens, and delivered inside it).
 */
export function freeEntryPointCovers(window: FreeEntryPointWindow | undefined, acceptedAt: number, deliveredAt: number): boolean {
  return window !== undefined && window.opensAt <= deliveredAt && acceptedAt < window.closesAt;
}
