import { newHexId } from './identity.js';

const HOUR_MS = 60 * 60 * 1000;
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * HOUR_MS;
export const FREE_ENTRY_POINT_WINDOW_MS = 72 * HOUR_MS;
/** A reply must follow the click-to-WhatsApp message within this long to open a free entry point. */
const FREE_ENTRY_POINT_REPLY_MS = 24 * HOUR_MS;

export interface FreeEntryPoint {
  readonly conversationId: string;
  readonly openedAt: number;
  readonly expiresAt: number;
}

interface PairState {
  lastInboundAt?: number;
  /** Time of the last inbound message that carried a click-to-WhatsApp / Page CTA referral. */
  lastReferralAt?: number;
  /** The referral an FEP window was already opened from (one window per referral). */
  consumedReferralAt?: number;
  freeEntryPoint?: FreeEntryPoint;
}

/**
 * Customer-service windows and free-entry-point windows per (business number, customer) (https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing):
 * - a customer message opens (or resets) a 24 h window; a template does not;
 * - a reply sent within 24 h of a message that carried a `referral` opens a 72 h free entry point, starting
 *   at that reply, inside which every message (templates included) is free.
 * Times are ms on the sandbox clock; a window is open while `now < openedAt + length`.
 */
export class WindowTracker {
  private readonly pairs = new Map<string, PairState>();

  recordInbound(phoneNumberId: string, customerKey: string, at: number, withReferral: boolean): void {
    const state = this.state(phoneNumberId, customerKey);
    state.lastInboundAt = Math.max(state.lastInboundAt ?? at, at);
    if (withReferral) state.lastReferralAt = Math.max(state.lastReferralAt ?? at, at);
  }

  isServiceWindowOpen(phoneNumberId: string, customerKey: string, now: number): boolean {
    const last = this.pairs.get(pairKey(phoneNumberId, customerKey))?.lastInboundAt;
    return last !== undefined && now >= last && now < last + CUSTOMER_SERVICE_WINDOW_MS;
  }

  /**
   * The free entry point covering a message accepted now, opening one when this message is the first reply
   * to a referral received in the last 24 h.
   */
  freeEntryPointFor(phoneNumberId: string, customerKey: string, now: number): FreeEntryPoint | undefined {
    const state = this.pairs.get(pairKey(phoneNumberId, customerKey));
    if (state === undefined) return undefined;
    const open = state.freeEntryPoint;
    if (open !== undefined && now >= open.openedAt && now < open.expiresAt) return open;
    const referralAt = state.lastReferralAt;
    if (referralAt !== undefined && referralAt !== state.consumedReferralAt && now >= referralAt && now < referralAt + FREE_ENTRY_POINT_REPLY_MS) {
      state.consumedReferralAt = referralAt;
      state.freeEntryPoint = { conversationId: newHexId(16), openedAt: now, expiresAt: now + FREE_ENTRY_POINT_WINDOW_MS };
      return state.freeEntryPoint;
    }
    return undefined;
  }

  private state(phoneNumberId: string, customerKey: string): PairState {
    const id = pairKey(phoneNumberId, customerKey);
    let state = this.pairs.get(id);
    if (state === undefined) {
      state = {};
      this.pairs.set(id, state);
    }
    return state;
  }
}

function pairKey(phoneNumberId: string, customerKey: string): string {
  return `${phoneNumberId}|${customerKey}`;
}
