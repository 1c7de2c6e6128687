import type { MessageCategory, Pricing } from './types.js';

/**
 * The `pricing` object of status webhooks under per-message pricing (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status, https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing).
 *
 * The date that matters is the message's own time (when the sandbox accepted it), not today's date:
 * - until 2026-09-30: service (non-template) messages and utility templates inside the customer-service window
 *   are free: `{billable: false, type: 'free_customer_service'}`;
 * - from 2026-10-01 (Meta's announced change, UNVERIFIED shape): both are billed like any other message:
 *   `{billable: true, type: 'regular'}`;
 * - marketing and authentication templates, and utility templates outside the window, are always `regular`;
 * - inside a free-entry-point window everything is `{billable: false, type: 'free_entry_point',
 *   category: 'referral_conversion'}`.
 */
export const SERVICE_BILLED_FROM_MS = Date.UTC(2026, 9, 1);

export interface PricingInput {
  readonly category: MessageCategory;
  readonly insideServiceWindow: boolean;
  readonly insideFreeEntryPoint: boolean;
  /** The message's time, ms. */
  readonly at: number;
}

export function pricingFor(input: PricingInput): Pricing {
  if (input.insideFreeEntryPoint) return { billable: false, pricing_model: 'PMP', type: 'free_entry_point', category: 'referral_conversion' };
  const freeInWindow = input.category === 'service' || (input.category === 'utility' && input.insideServiceWindow);
  if (freeInWindow && input.at < SERVICE_BILLED_FROM_MS) {
    return { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: input.category };
  }
  return { billable: true, pricing_model: 'PMP', type: 'regular', category: input.category };
}
